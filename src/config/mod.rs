//! The functionConfig: a `SidecarInjector` or a `ConfigMap`, turned into one [`Injection`].
//!
//! Loading runs in a fixed order, each step only on what the previous one accepted: the kind decides the
//! form; the schema check finds unknown fields and wrong types anywhere (inside container specs too); decoding
//! and defaults build the `Injection`; semantic checks find what a schema cannot say (an image is required,
//! names are unique). Every error found is reported, each with its field path.

mod config_map;
mod hash;
pub(crate) mod schema;
#[cfg(test)]
mod schema_agreement;

pub(crate) use hash::meaning_hash;
pub(crate) use schema::FieldError;

use crate::inject::parts::{Identity, Place, CONTAINERS, INIT_CONTAINERS, PARTS};
use crate::keys::{API_VERSION, INJECT_KEY, KIND};
use crate::path::FieldPath;
use crate::select::{LabelSelector, Operator, Requirement, Selector, OPT_IN_WORDS, OPT_OUT_WORDS};
use crate::workload::{ObjectRef, TypeMeta, WorkloadKind, WorkloadTable};
use lossless_yaml::{Node, Resolved, ScalarStyle};

/// One injection: what to add, where, to which workloads, and how to treat what is already there.
#[derive(Clone, Debug)]
pub(crate) struct Injection {
    /// The injection's name (`metadata.name`, or `data.name` of a ConfigMap): the key of its status record.
    pub(crate) name: String,
    /// The functionConfig object, for results about the config itself.
    pub(crate) source: ObjectRef,
    /// Which front door the config came through: findings about a part name the field the user wrote.
    pub(crate) form: Form,
    /// What is added.
    pub(crate) adds: Adds,
    /// Where it goes.
    pub(crate) placement: Placement,
    /// Which workloads get it.
    pub(crate) selection: Selection,
    /// What to do with what is already there.
    pub(crate) policy: Policy,
    /// A hash of everything that decides what the injection adds (not of whom it selects): when a workload's
    /// status record has another, the injection was upgraded.
    pub(crate) hash: String,
}

/// The functionConfig's form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    SidecarInjector,
    /// `data` keys, turned into the spec of a one-sidecar SidecarInjector.
    ConfigMap,
}

/// The parts to add, per row of [`PARTS`] (empty lists for the parts not configured).
#[derive(Clone, Debug)]
pub(crate) struct Adds {
    parts: Vec<Vec<Part>>,
}

impl Adds {
    /// The configured parts of the row `index` of [`PARTS`].
    pub(crate) fn of(&self, index: usize) -> &[Part] {
        &self.parts[index]
    }

    /// Sidecars. With native, they carry `restartPolicy: Always` and go into `initContainers`.
    pub(crate) fn containers(&self) -> &[Part] {
        self.of(CONTAINERS)
    }

    /// Plain init containers.
    pub(crate) fn init_containers(&self) -> &[Part] {
        self.of(INIT_CONTAINERS)
    }

    /// Both container rows: every container the injection adds.
    pub(crate) fn all_containers(&self) -> impl Iterator<Item = &Part> {
        self.containers().iter().chain(self.init_containers())
    }

    fn is_empty(&self) -> bool {
        self.parts.iter().all(Vec::is_empty)
    }
}

/// Where the parts go.
#[derive(Clone, Debug)]
pub(crate) struct Placement {
    /// Sidecars are native: `restartPolicy: Always`, in `initContainers`.
    pub(crate) native: bool,
    /// The app containers that get the [`Place::AppContainers`] parts; empty means every regular container.
    pub(crate) app_containers: Vec<String>,
    pub(crate) containers: Position,
    pub(crate) init_containers: Position,
}

impl Placement {
    /// The list the sidecars go into.
    pub(crate) fn sidecar_list(&self) -> &'static str {
        if self.native {
            PARTS[INIT_CONTAINERS].field
        } else {
            PARTS[CONTAINERS].field
        }
    }

    /// Whether the app container `name` gets the [`Place::AppContainers`] parts.
    pub(crate) fn targets(&self, name: &str) -> bool {
        self.app_containers.is_empty() || self.app_containers.iter().any(|c| c == name)
    }
}

/// Which workloads get the injection.
#[derive(Clone, Debug)]
pub(crate) struct Selection {
    pub(crate) selector: Selector,
    pub(crate) exclude: Option<Selector>,
    pub(crate) namespace_selector: Option<LabelSelector>,
    /// Only workloads that ask for it in their inject annotation.
    pub(crate) opt_in: bool,
    /// Whether pods on the node's network (`hostNetwork: true`) are injected.
    pub(crate) host_network_pods: HostNetworkPods,
    /// The kinds that are workloads: the built-in ones and the config's own.
    pub(crate) workloads: WorkloadTable,
}

/// `spec.hostNetworkPods`: a hostNetwork pod's container ports are the node's ports, so a sidecar's port clashes
/// between two such pods on one node (and with the node's own services).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HostNetworkPods {
    /// Skipped, with a warning (the default).
    Skip,
    Inject,
}

/// What to do with what is already there.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Policy {
    /// Take the injection out of every workload.
    pub(crate) remove: bool,
    pub(crate) on_conflict: OnConflict,
    /// Warnings are errors: kustomize drops a legacy plugin's stderr when it exits 0, so a warning would
    /// never reach a kubectl or Argo CD user.
    pub(crate) fail_on_warnings: bool,
}

/// A named piece of the config that gets copied into workloads.
#[derive(Clone, Debug)]
pub(crate) struct Part {
    /// Its identity ([`Identity`]): a name, a mount path, an envFrom source's key, a map key.
    pub(crate) name: String,
    /// The node to insert, as the user wrote it (key order and scalar text kept).
    pub(crate) node: Node,
    /// Where it is in the spec, e.g. `spec.containers[0]`.
    pub(crate) path: FieldPath,
    /// `meaning_hash(&node)`, computed once rather than per workload (or per workload, once filled, when
    /// `templated`).
    pub(crate) hash: String,
    /// Its strings hold placeholders for values of the workload (`{{workload.name}}`): filled per workload.
    pub(crate) templated: bool,
}

/// First or last in a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Position {
    First,
    Last,
}

/// What to do with something of the same name that this injection did not add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnConflict {
    Fail,
    Skip,
    Replace,
    /// The workload's own container of the sidecar's name is laid over the configured one (its fields win);
    /// any other part of the same name stays the workload's, as with Skip.
    Merge,
}

/// Reads the functionConfig. `None` means the ResourceList had none.
pub(crate) fn load(function_config: Option<&Node>) -> Result<Injection, Vec<FieldError>> {
    let Some(config) = function_config else {
        return Err(vec![err(
            "functionConfig",
            format!("missing: this function needs a {KIND} ({API_VERSION}) or a ConfigMap (v1) as its functionConfig"),
        )]);
    };
    if config.as_mapping().is_none() {
        return Err(vec![err("functionConfig", format!("expected a mapping, found {}", config.describe()))]);
    }
    let type_meta = TypeMeta::of(config);
    let (api_version, kind) = (type_meta.api_version, type_meta.kind);
    let source = ObjectRef::of(config);
    match (api_version, kind) {
        (API_VERSION, KIND) => {
            let errors = schema::validate(config, schema::Root::SidecarInjector);
            if !errors.is_empty() {
                return Err(errors);
            }
            let name = config.get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str).unwrap_or("");
            let spec = config.get("spec").cloned().unwrap_or_else(Node::mapping);
            decode_spec(name, &spec, source, Form::SidecarInjector)
        }
        ("v1", "ConfigMap") => {
            let errors = schema::validate(config, schema::Root::ConfigMap);
            if !errors.is_empty() {
                return Err(errors);
            }
            // The ConfigMap front door checks its own keys (with `data.*` paths) and builds a spec that
            // passes every check below.
            let (name, spec) = config_map::to_spec(config, &WorkloadTable::default())?;
            decode_spec(&name, &spec, source, Form::ConfigMap)
        }
        (_, KIND) => Err(vec![err(
            "apiVersion",
            format!("{KIND} must have apiVersion {API_VERSION}, found {:?}", api_version),
        )]),
        _ => Err(vec![err(
            "kind",
            format!(
                "unsupported functionConfig {kind:?} (apiVersion {api_version:?}); accepted: {KIND} ({API_VERSION}) or ConfigMap (v1)"
            ),
        )]),
    }
}

/// Decodes a schema-checked spec, adds defaults, and checks what the schema cannot.
fn decode_spec(name: &str, spec: &Node, source: ObjectRef, form: Form) -> Result<Injection, Vec<FieldError>> {
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(err("metadata.name", "required: the injection needs a name"));
    } else if name.contains([',', ' ']) || name.starts_with('-') || name.eq_ignore_ascii_case("false") {
        errors.push(err(
            "metadata.name",
            format!("{name:?} cannot be named in the {INJECT_KEY} annotation; use a DNS label"),
        ));
    } else if let Some((word, meaning)) = [(&OPT_OUT_WORDS, "opts out of"), (&OPT_IN_WORDS, "asks for")]
        .into_iter()
        .find_map(|(words, meaning)| words.iter().find(|w| name.eq_ignore_ascii_case(w)).map(|w| (w, meaning)))
    {
        errors.push(err(
            "metadata.name",
            format!("{name:?} cannot be named in the {INJECT_KEY} annotation, where {word:?} {meaning} every injection; use another name"),
        ));
    }
    let flag = |field: &str| {
        matches!(spec.get(field).and_then(Node::as_scalar).map(lossless_yaml::resolve_core), Some(Resolved::Bool(true)))
    };
    let native = flag("native");
    let mut adds = Adds {
        parts: PARTS
            .iter()
            .map(|kind| match kind.identity {
                Identity::MapKey => map_parts(spec, kind.field),
                identity => parts(spec, kind.field, |n| identity.of(n)),
            })
            .collect(),
    };

    check_placeholders(&mut adds, &mut errors);
    for part in adds.all_containers() {
        match part.node.get("image").and_then(Node::as_str) {
            Some(image) if !image.trim().is_empty() => {}
            _ => errors.push(err(part.path.key("image"), "required: an injected container needs an image")),
        }
    }
    for part in &mut adds.parts[CONTAINERS] {
        let policy = part.node.get("restartPolicy").and_then(Node::as_str).map(str::to_string);
        match (native, policy.as_deref()) {
            (true, None) => {
                if let Some(m) = part.node.as_mapping_mut() {
                    m.insert("restartPolicy", Node::string("Always"));
                }
                part.hash = meaning_hash(&part.node);
            }
            (true, Some("Always")) | (false, None) => {}
            (true, Some(other)) => errors.push(err(
                part.path.key("restartPolicy"),
                format!("a native sidecar must have restartPolicy Always, found {other:?}"),
            )),
            (false, Some(_)) => errors.push(err(
                part.path.key("restartPolicy"),
                "restartPolicy is allowed only on init containers; set spec.native: true to inject native sidecars",
            )),
        }
    }
    // Container names are unique across both container lists: one check for the two rows.
    unique_names(adds.all_containers(), PARTS[CONTAINERS].duplicate, "name", &mut errors);
    for (index, kind) in
        PARTS.iter().enumerate().filter(|(_, k)| k.place != Place::Containers && !k.duplicate.is_empty())
    {
        unique_names(adds.of(index).iter(), kind.duplicate, kind.identity.field(), &mut errors);
    }

    let remove = flag("remove");
    if adds.is_empty() && !remove {
        let fields: Vec<&str> = PARTS.iter().map(|k| k.field).collect();
        let (last, rest) = fields.split_last().expect("the table has rows");
        errors.push(err("spec", format!("nothing to inject: give {} or {last} (or remove: true)", rest.join(", "))));
    }

    let position = spec.get("position");
    let position_of = |field: &str, default: Position| match position.and_then(|p| p.get(field)).and_then(Node::as_str)
    {
        Some("First") => Position::First,
        Some("Last") => Position::Last,
        _ => default,
    };
    let placement = Placement {
        native,
        app_containers: strings(spec.get("appContainers")),
        containers: position_of("containers", Position::Last),
        init_containers: position_of("initContainers", Position::First),
    };
    let on_conflict = match spec.get("onConflict").and_then(Node::as_str) {
        Some("Skip") => OnConflict::Skip,
        Some("Replace") => OnConflict::Replace,
        Some("Merge") => OnConflict::Merge,
        _ => OnConflict::Fail,
    };

    let mut workloads = WorkloadTable::default();
    let kinds = spec.get("workloadKinds").and_then(Node::as_sequence).map(|s| s.items.as_slice()).unwrap_or(&[]);
    for (i, kind) in kinds.iter().enumerate() {
        let text = |field: &str| kind.get(field).and_then(Node::as_str).unwrap_or("").trim().to_string();
        let (api_version, kind_name, path) = (text("apiVersion"), text("kind"), text("podTemplatePath"));
        let at = FieldPath::from("spec.workloadKinds").index(i);
        if api_version.is_empty() || kind_name.is_empty() {
            errors.push(err(at, "apiVersion and kind are required"));
        } else if path.split('.').any(str::is_empty) {
            errors.push(err(
                at.key("podTemplatePath"),
                format!("{path:?} is not a dot-separated path such as spec.template"),
            ));
        } else {
            workloads.add(WorkloadKind::new(crate::workload::group_of(&api_version), &kind_name, &path));
        }
    }

    let selector = decode_selector(spec.get("selector"), &"spec.selector".into(), &workloads, &mut errors);
    let exclude =
        spec.get("exclude").map(|n| decode_selector(Some(n), &"spec.exclude".into(), &workloads, &mut errors));
    let namespace_selector =
        spec.get("namespaceSelector").map(|n| decode_label_selector(n, &"spec.namespaceSelector".into(), &mut errors));
    let host_network_pods = match spec.get("hostNetworkPods").and_then(Node::as_str) {
        Some("Inject") => HostNetworkPods::Inject,
        _ => HostNetworkPods::Skip,
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let hash = injection_hash(spec);
    // Each workload gets a copy of every part: shared, a copy costs a reference count instead of a tree of
    // allocations, and equals the last one written at a glance (docs/performance.md).
    for part in adds.parts.iter_mut().flatten() {
        if let Some(m) = part.node.as_mapping_mut() {
            m.share();
        }
    }
    Ok(Injection {
        name: name.to_string(),
        source,
        form,
        adds,
        placement,
        selection: Selection {
            selector,
            exclude,
            namespace_selector,
            opt_in: flag("optIn"),
            host_network_pods,
            workloads,
        },
        policy: Policy { remove, on_conflict, fail_on_warnings: flag("failOnWarnings") },
        hash,
    })
}

/// Marks the parts whose strings hold placeholders, and reports the unknown or malformed ones at their paths. An
/// identity (a name, a mount path, a map key) cannot hold one: it tells the part apart across workloads and runs.
fn check_placeholders(adds: &mut Adds, errors: &mut Vec<FieldError>) {
    use crate::inject::placeholders;
    for (kind, parts) in PARTS.iter().zip(&mut adds.parts) {
        for part in parts.iter_mut() {
            let mut found = Vec::new();
            part.templated = placeholders::check(&part.node, &part.path, &mut found);
            errors.extend(found.into_iter().map(|(path, message)| err(path, message)));
            if placeholders::has_placeholder(&part.name) {
                let at = part.path.keys(kind.identity.field());
                errors.push(err(
                    at,
                    "a placeholder cannot be part of what identifies this entry (it tells it apart across workloads and re-runs); use it in another field",
                ));
            }
        }
    }
}

impl Injection {
    /// Whether any part holds placeholders, to be filled per workload.
    pub(crate) fn templated(&self) -> bool {
        self.adds.parts.iter().flatten().any(|p| p.templated)
    }

    /// This injection with the placeholders filled with one workload's values (each filled part hashed
    /// again: the record compares what was inserted, while the config's hash stays the text's).
    pub(crate) fn filled(&self, values: &crate::inject::placeholders::Values) -> Result<Injection, Vec<FieldError>> {
        let mut filled = self.clone();
        let mut errors = Vec::new();
        for part in filled.adds.parts.iter_mut().flatten().filter(|p| p.templated) {
            crate::inject::placeholders::render(&mut part.node, &part.path, values, &mut errors);
            part.hash = meaning_hash(&part.node);
        }
        if errors.is_empty() {
            Ok(filled)
        } else {
            Err(errors.into_iter().map(|(path, message)| err(path, message)).collect())
        }
    }
}

/// The fields that decide what is added, hashed by meaning (restyling the config does not change it).
fn injection_hash(spec: &Node) -> String {
    // Besides the parts: how they are placed.
    const PLACEMENT: &[&str] = &["native", "appContainers", "position"];
    let mut m = lossless_yaml::Mapping::default();
    for field in PARTS.iter().map(|k| k.field).chain(PLACEMENT.iter().copied()) {
        if let Some(value) = spec.get(field) {
            m.insert(field, value.clone());
        }
    }
    meaning_hash(&Node::Mapping(m))
}

/// The entries of a list field, made ready to copy into workloads; `key` names each entry.
fn parts(spec: &Node, field: &str, key: impl Fn(&Node) -> String) -> Vec<Part> {
    let Some(list) = spec.get(field).and_then(Node::as_sequence) else { return Vec::new() };
    list.items
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let mut node = node.clone();
            retag_strings(&mut node);
            Part {
                name: key(&node),
                hash: meaning_hash(&node),
                node,
                path: FieldPath::from("spec").key(field).index(i),
                templated: false,
            }
        })
        .collect()
}

/// The text of a scalar field of `node` ("" when absent).
pub(crate) fn name_of(node: &Node, field: &str) -> String {
    node.get(field).and_then(Node::as_scalar).map(|s| s.value.to_string()).unwrap_or_default()
}

/// An envFrom source has no name of its own: it is identified by what it refers to, and its prefix.
pub(crate) fn env_from_key(node: &Node) -> String {
    let source = if node.get("configMapRef").is_some() { "configMapRef" } else { "secretRef" };
    let referred = node.get(source).map(|r| name_of(r, "name")).unwrap_or_default();
    format!("{source}:{referred}:{}", name_of(node, "prefix"))
}

/// The entries of a map field (annotations, labels), each a part named by its key.
fn map_parts(spec: &Node, field: &str) -> Vec<Part> {
    let Some(m) = spec.get(field).and_then(Node::as_mapping) else { return Vec::new() };
    m.entries
        .iter()
        .filter_map(|(k, v)| {
            let mut node = v.clone();
            retag_strings(&mut node);
            let name = k.as_scalar()?.value.to_string();
            let path = FieldPath::from("spec").key(field).key(&name);
            Some(Part { hash: meaning_hash(&node), path, name, node, templated: false })
        })
        .collect()
}

fn strings(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_sequence)
        .map(|s| s.items.iter().filter_map(|i| i.as_scalar().map(|s| s.value.to_string())).collect())
        .unwrap_or_default()
}

/// The config was read as YAML 1.2 (as kpt and kustomize read it), but the workloads it is copied into will be
/// read by Kubernetes with YAML 1.1 rules. A plain `yes` or `12:30` is a string to the first and a bool or an
/// integer to the second, so plain strings become `Auto` and the emitter quotes them where 1.1 would misread.
fn retag_strings(node: &mut Node) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        match node {
            Node::Scalar(s) => {
                if s.style == ScalarStyle::Plain && s.props.tag.is_none() && s.is_string() {
                    s.style = ScalarStyle::Auto;
                }
            }
            Node::Sequence(seq) => stack.extend(seq.items.iter_mut()),
            Node::Mapping(map) => {
                for (k, v) in map.entries.iter_mut() {
                    stack.push(k);
                    stack.push(v);
                }
            }
            Node::Alias(_) => {}
        }
    }
}

fn unique_names<'a>(parts: impl Iterator<Item = &'a Part>, what: &str, field: &str, errors: &mut Vec<FieldError>) {
    let mut seen: Vec<&str> = Vec::new();
    for part in parts {
        if seen.contains(&part.name.as_str()) {
            errors.push(err(part.path.keys(field), format!("duplicate {what} {:?}", part.name)));
        } else {
            seen.push(&part.name);
        }
    }
}

fn decode_selector(
    node: Option<&Node>,
    path: &FieldPath,
    workloads: &WorkloadTable,
    errors: &mut Vec<FieldError>,
) -> Selector {
    let Some(node) = node else { return Selector::default() };
    let kinds = strings(node.get("kinds"));
    for (i, kind) in kinds.iter().enumerate() {
        if !workloads.knows_kind(kind) {
            errors.push(err(
                path.key("kinds").index(i),
                format!("{kind:?} is not a workload kind; known: {}", workloads.kind_names().join(", ")),
            ));
        }
    }
    let label_selector =
        node.get("labelSelector").map(|ls| decode_label_selector(ls, &path.key("labelSelector"), errors));
    let pod_selector = node.get("podSelector").map(|ls| decode_label_selector(ls, &path.key("podSelector"), errors));
    Selector {
        kinds,
        names: strings(node.get("names")),
        namespaces: strings(node.get("namespaces")),
        label_selector,
        pod_selector,
    }
}

fn decode_label_selector(node: &Node, path: &FieldPath, errors: &mut Vec<FieldError>) -> LabelSelector {
    let text = |n: &Node| n.as_scalar().map(|s| s.value.to_string()).unwrap_or_default();
    let match_labels = node
        .get("matchLabels")
        .and_then(Node::as_mapping)
        .map(|m| m.entries.iter().map(|(k, v)| (text(k), text(v))).collect())
        .unwrap_or_default();
    let mut match_expressions = Vec::new();
    let expressions =
        node.get("matchExpressions").and_then(Node::as_sequence).map(|s| s.items.as_slice()).unwrap_or(&[]);
    for (i, expr) in expressions.iter().enumerate() {
        let at = path.key("matchExpressions").index(i);
        let key = expr.get("key").map(text).unwrap_or_default();
        let values: Vec<String> = expr
            .get("values")
            .and_then(Node::as_sequence)
            .map(|s| s.items.iter().map(text).collect())
            .unwrap_or_default();
        let operator = match expr.get("operator").map(text).as_deref() {
            Some("In") => Operator::In,
            Some("NotIn") => Operator::NotIn,
            Some("Exists") => Operator::Exists,
            Some("DoesNotExist") => Operator::DoesNotExist,
            other => {
                errors.push(err(
                    at.key("operator"),
                    format!("expected one of In, NotIn, Exists, DoesNotExist, found {:?}", other.unwrap_or("")),
                ));
                continue;
            }
        };
        let needs_values = matches!(operator, Operator::In | Operator::NotIn);
        if needs_values && values.is_empty() {
            errors.push(err(at.key("values"), "required: In and NotIn need at least one value"));
        } else if !needs_values && !values.is_empty() {
            errors.push(err(at.key("values"), "must be empty for Exists and DoesNotExist"));
        }
        match_expressions.push(Requirement { key, operator, values });
    }
    LabelSelector { match_labels, match_expressions }
}

pub(crate) fn err(path: impl Into<FieldPath>, message: impl Into<String>) -> FieldError {
    FieldError { path: path.into(), message: message.into() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inject::placeholders::Values;

    fn injection(yaml: &str) -> Injection {
        let docs = lossless_yaml::parse_stream(yaml.as_bytes()).expect("YAML");
        load(Some(&docs[0].root)).expect("a valid config")
    }

    const CONFIG: &str = "apiVersion: sidecar-injector.dev/v1alpha1
kind: SidecarInjector
metadata: {name: mesh}
spec:
  containers:
  - name: proxy
    image: envoy:1.31
    args: [--service, '{{workload.name}}']
  volumes:
  - name: certs
    emptyDir: {}
";

    #[test]
    fn the_parts_are_shared_with_the_workloads_they_are_copied_into() {
        let mesh = injection(CONFIG);
        let parts: Vec<&Part> = mesh.adds.parts.iter().flatten().collect();
        assert_eq!(parts.len(), 2);
        for part in parts {
            let m = part.node.as_mapping().expect("a mapping part");
            assert!(m.entries.is_shared(), "{} is copied into every workload: shared, it costs a count", part.name);
        }
    }

    #[test]
    fn filling_a_shared_part_for_one_workload_leaves_the_config_as_written() {
        let mesh = injection(CONFIG);
        let values = Values {
            name: "web".into(),
            namespace: None,
            kind: "Deployment".into(),
            labels: Vec::new(),
            labels_at: FieldPath::from("spec"),
            app_containers: vec!["app".into()],
            app_ports: Vec::new(),
        };
        let filled = mesh.filled(&values).expect("filled");
        let args = |i: &Injection| -> Vec<String> {
            let container = i.adds.containers()[0].node.get("args").and_then(Node::as_sequence).expect("args");
            container.items.iter().filter_map(Node::as_str).map(str::to_string).collect()
        };
        assert_eq!(args(&filled), ["--service", "web"]);
        assert_eq!(args(&mesh), ["--service", "{{workload.name}}"], "the shared original is not changed");
    }
}
