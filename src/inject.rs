//! Injection into one workload, in two steps: `plan` reads the workload and decides what to add (finding every
//! conflict before anything changes); `apply` makes exactly those changes. A plan that fails leaves the
//! workload untouched.
//!
//! Placement: classic sidecars go after the app's containers. The injection's init containers and native
//! sidecars go, in that order, before the workload's own init containers, so those can already use them (a
//! native sidecar is started before the next init container runs).

use crate::config::{FieldError, Injection, Part};
use crate::workload::WorkloadKind;
use crate::yaml::{Mapping, Node};

/// What one injection adds to one workload.
#[derive(Debug, Default)]
pub struct Plan {
    pod_spec_path: Vec<String>,
    containers: Vec<Node>,
    init_containers: Vec<Node>,
    volumes: Vec<Node>,
    /// Names of what is added, for the report: ("container", "log-agent"), ("volume", "logs").
    pub added: Vec<(&'static str, String)>,
    /// Names of what the workload already had exactly as configured (a re-run).
    pub present: Vec<(&'static str, String)>,
}

impl Plan {
    pub fn changes_something(&self) -> bool {
        !self.added.is_empty()
    }
}

/// Why a workload gets no plan.
#[derive(Debug)]
pub enum NoPlan {
    /// The object lacks its pod template (a partial manifest, such as a patch); not an error.
    NoPodTemplate(String),
    /// Something in the workload prevents the injection; each error has the field path in the workload.
    Errors(Vec<FieldError>),
}

/// The field path of the pod spec, e.g. `spec.template.spec`.
pub fn pod_spec_field(workload: &WorkloadKind) -> String {
    workload.pod_spec_path.join(".")
}

pub fn plan(item: &Node, workload: &WorkloadKind, injection: &Injection) -> Result<Plan, NoPlan> {
    let base = pod_spec_field(workload);
    let pod_spec = find_pod_spec(item, &workload.pod_spec_path).map_err(|e| NoPlan::Errors(vec![e]))?;
    let Some(pod_spec) = pod_spec else { return Err(NoPlan::NoPodTemplate(base)) };

    let mut errors = Vec::new();
    let containers = list(pod_spec, "containers", &base, &mut errors);
    let init_containers = list(pod_spec, "initContainers", &base, &mut errors);
    let volumes = list(pod_spec, "volumes", &base, &mut errors);
    if !errors.is_empty() {
        return Err(NoPlan::Errors(errors));
    }
    let existing_containers: Vec<Named> = named(containers, &format!("{base}.containers"))
        .chain(named(init_containers, &format!("{base}.initContainers")))
        .collect();
    let existing_volumes: Vec<Named> = named(volumes, &format!("{base}.volumes")).collect();

    let mut plan = Plan { pod_spec_path: workload.pod_spec_path.clone(), ..Default::default() };
    let sidecar_field = if injection.native { "initContainers" } else { "containers" };
    let wanted = injection
        .init_containers
        .iter()
        .map(|p| (p, "initContainers", "container"))
        .chain(injection.containers.iter().map(|p| (p, sidecar_field, "container")))
        .chain(injection.volumes.iter().map(|p| (p, "volumes", "volume")));
    for (part, field, what) in wanted {
        let existing = if what == "volume" { &existing_volumes } else { &existing_containers };
        match decide(part, field, existing) {
            Decision::Add => {
                let out = match field {
                    "initContainers" => &mut plan.init_containers,
                    "containers" => &mut plan.containers,
                    _ => &mut plan.volumes,
                };
                out.push(part.node.clone());
                plan.added.push((what, part.name.clone()));
            }
            Decision::Present => plan.present.push((what, part.name.clone())),
            Decision::Conflict(at) => errors.push(FieldError {
                path: at,
                message: format!(
                    "the workload already has a {what} named {:?} that differs from the one injection {:?} adds ({}); rename one of them",
                    part.name, injection.name, part.path
                ),
            }),
        }
    }
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(NoPlan::Errors(errors))
    }
}

enum Decision {
    Add,
    /// Already there, in the list it belongs to, with the same meaning: a re-run.
    Present,
    /// Something else has the name; the field path of that thing.
    Conflict(String),
}

fn decide(part: &Part, field: &str, existing: &[Named]) -> Decision {
    match existing.iter().find(|e| e.name == part.name) {
        None => Decision::Add,
        Some(e) if e.field.ends_with(&format!(".{field}")) && e.node.same_meaning(&part.node) => Decision::Present,
        Some(e) => Decision::Conflict(e.path()),
    }
}

/// An entry of a named list (containers, volumes) of the workload.
struct Named<'a> {
    name: String,
    field: String,
    index: usize,
    node: &'a Node,
}

impl Named<'_> {
    fn path(&self) -> String {
        format!("{}[{}]", self.field, self.index)
    }
}

fn named<'a>(list: Option<&'a [Node]>, field: &str) -> impl Iterator<Item = Named<'a>> {
    let field = field.to_string();
    list.unwrap_or(&[]).iter().enumerate().filter_map(move |(index, node)| {
        let name = node.get("name")?.as_scalar()?.value.clone();
        Some(Named { name, field: field.clone(), index, node })
    })
}

/// The items of a list field of the pod spec; `None` when absent or null. Anything else is an error.
fn list<'a>(pod_spec: &'a Mapping, key: &str, base: &str, errors: &mut Vec<FieldError>) -> Option<&'a [Node]> {
    match pod_spec.get(key) {
        None => None,
        Some(Node::Sequence(s)) => Some(&s.items),
        Some(n) if is_null(n) => None,
        Some(other) => {
            errors.push(FieldError { path: format!("{base}.{key}"), message: format!("expected a list, found {}", other.describe()) });
            None
        }
    }
}

fn is_null(node: &Node) -> bool {
    matches!(node.as_scalar().map(crate::yaml::resolve_core), Some(crate::yaml::Resolved::Null))
}

/// Follows the path to the pod spec. `Ok(None)` when a step is missing.
fn find_pod_spec<'a>(item: &'a Node, path: &[String]) -> Result<Option<&'a Mapping>, FieldError> {
    let mut node = item;
    let mut at = String::new();
    for key in path {
        let map = step_mapping(node, &at)?;
        at = if at.is_empty() { key.clone() } else { format!("{at}.{key}") };
        match map.get(key) {
            Some(next) if !is_null(next) => node = next,
            _ => return Ok(None),
        }
    }
    step_mapping(node, &at).map(Some)
}

/// A node on the way to the pod spec must be a plain mapping: this function does not edit through YAML aliases
/// or merge keys, because the change would leak into every other place that shares the node.
fn step_mapping<'a>(node: &'a Node, at: &str) -> Result<&'a Mapping, FieldError> {
    let at = if at.is_empty() { "(root)" } else { at };
    match node {
        Node::Mapping(m) if m.get("<<").is_some() => Err(FieldError {
            path: at.to_string(),
            message: "uses a YAML merge key (<<); sidecar-injector does not edit through merge keys, expand it first".into(),
        }),
        Node::Mapping(m) => Ok(m),
        Node::Alias(a) => Err(FieldError {
            path: at.to_string(),
            message: format!("is the YAML alias *{a}; sidecar-injector does not edit through aliases, expand it first"),
        }),
        other => Err(FieldError { path: at.to_string(), message: format!("expected a mapping, found {}", other.describe()) }),
    }
}

/// Makes the changes of a plan made for this very item.
pub fn apply(item: &mut Node, plan: Plan) {
    let mut node = item;
    for key in &plan.pod_spec_path {
        let Some(map) = node.as_mapping_mut() else { return };
        node = map.entry(key, Node::mapping);
    }
    let Some(pod_spec) = node.as_mapping_mut() else { return };
    if !plan.containers.is_empty() {
        list_mut(pod_spec, "containers").extend(plan.containers);
    }
    if !plan.init_containers.is_empty() {
        let init = list_mut(pod_spec, "initContainers");
        init.splice(0..0, plan.init_containers);
    }
    if !plan.volumes.is_empty() {
        list_mut(pod_spec, "volumes").extend(plan.volumes);
    }
}

/// The items of a list field, replacing a null and creating it when absent.
fn list_mut<'a>(map: &'a mut Mapping, key: &str) -> &'a mut Vec<Node> {
    let node = map.entry(key, Node::sequence);
    if !matches!(node, Node::Sequence(_)) {
        *node = Node::sequence();
    }
    match node {
        Node::Sequence(s) => &mut s.items,
        _ => unreachable!("made a sequence just above"),
    }
}
