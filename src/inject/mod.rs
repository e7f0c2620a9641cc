//! One injection into one workload: make the pod template carry exactly what the injection's config says.
//!
//! The work is done on a copy of the pod template: take out what the status record says this injection added
//! before (an older config, or the same one), add what the config says now, record it, and check the pod. If
//! the copy means the same as the original, the original is kept as it was, byte for byte; otherwise the copy
//! replaces it. So a re-run changes nothing, a changed config is an upgrade with no duplicates, and a hand-edit
//! to an injected part is overwritten (and reported).
//!
//! Placement: classic sidecars go after the app's containers (or before, with `position.containers: First`);
//! the injection's init containers, then its native sidecars, go before the workload's own init containers (or
//! after, with `position.initContainers: Last`), so those can already use them.

pub(crate) mod parts;
pub(crate) mod placeholders;
mod status;

use crate::config::{env_from_key, meaning_hash, FieldError, Injection, OnConflict, Part, Position};
use crate::keys::{DEFAULT_CONTAINER_ANNOTATION, STATUS_ANNOTATION};
use crate::path::FieldPath;
use crate::workload::{ObjectRef, WorkloadKind};
use lossless_yaml::{Mapping, Node};
use parts::{Identity, PartKind, Place, ANNOTATIONS, CONTAINERS, INIT_CONTAINERS, PARTS};
use status::{Entries, Record, Status};

/// What happened to one workload, for the info result.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Report {
    pub(crate) added: Vec<String>,
    /// This injection's own parts whose config changed, replaced where they stand.
    pub(crate) updated: Vec<String>,
    pub(crate) removed: Vec<String>,
    /// Injected parts someone had edited by hand, replaced by the configured ones (or removed).
    pub(crate) overwritten: Vec<String>,
    /// The workload's own parts kept under `onConflict: Skip`, or replaced under `Replace`.
    pub(crate) conflicts: Vec<String>,
    /// The workload's own containers given back as it declared them (onConflict: Merge, taken out).
    pub(crate) restored: Vec<String>,
    /// The workload's own parts identical to configured ones: left as the workload's (not recorded, so taking
    /// the injection out leaves them).
    pub(crate) own: Vec<String>,
    /// The config changed since the workload was last injected.
    pub(crate) upgraded: bool,
    /// Things that will hurt later: (field path, message).
    pub(crate) warnings: Vec<(FieldPath, String)>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The workload already carried the injection exactly as configured (or, removing, did not carry it).
    Unchanged,
    Changed(Report),
    /// The injection has nothing to add to this workload (its parts all go into app containers it lacks): left
    /// as it was, without a status record, which would only restart its pods. The report holds the warnings.
    NothingToAdd(Report),
}

#[derive(Debug)]
pub(crate) enum Failure {
    /// The object lacks its pod template (a partial manifest, such as a patch): skipped, not an error.
    NoPodTemplate(FieldPath),
    /// Each error has the field path in the workload. The workload may be left part way (a first injection is
    /// made in place): nothing is written after an error, and `process` reads the input again for its output.
    Errors(Vec<FieldError>),
}

/// Makes the workload carry the injection as configured.
pub(crate) fn inject(item: &mut Node, kind: &WorkloadKind, injection: &Injection) -> Result<Outcome, Failure> {
    reconcile(item, kind, &injection.name, Some(injection))
}

/// Takes the injection `name` out of the workload, as its status record says (no record: unchanged).
pub(crate) fn remove(item: &mut Node, kind: &WorkloadKind, name: &str) -> Result<Outcome, Failure> {
    reconcile(item, kind, name, None)
}

fn reconcile(
    item: &mut Node,
    kind: &WorkloadKind,
    name: &str,
    injection: Option<&Injection>,
) -> Result<Outcome, Failure> {
    check_shape(item, kind)?;
    let fields = Fields {
        spec: kind.pod_spec_field(),
        metadata: kind.template_metadata_field(),
        claims: claim_templates(item, kind),
    };
    // Read before the template is borrowed for editing: the placeholders' values name the object.
    let object = injection.filter(|i| i.templated()).map(|_| ObjectRef::of(item));
    let Some(template) = template_mut(item, kind) else { return Err(Failure::NoPodTemplate(fields.spec.clone())) };
    let mut status = read_status(template, &fields)?;
    let filled;
    let injection = match (injection, &object) {
        (Some(i), Some(object)) => {
            let values = values_of(object, template, &status, i, &fields);
            filled = i.filled(&values).map_err(Failure::Errors)?;
            Some(&filled)
        }
        (other, _) => other,
    };
    let old = status.take(name);
    if injection.is_none() && old.is_none() {
        return Ok(Outcome::Unchanged);
    }

    check_edited_metadata(template, name, injection, old.as_ref(), &fields)?;
    if let (Some(injection), None) = (injection, &old) {
        return first_injection(template, injection, status, name, &fields);
    }
    let mut work = template.clone();
    let mut report = Report::default();
    if let Some(old) = &old {
        undo(&mut work, old, injection, &mut report);
    }
    if let Some(injection) = injection {
        // (Here the workload has an old record: a first injection went to `first_injection`.)
        report.upgraded = old.as_ref().is_some_and(|o| o.config != injection.hash);
        // The workload as it is without this injection (what the record's `before` is about).
        let mut without = work.clone();
        write_status(&mut without, &status, old.as_ref());
        let mut record =
            add(&mut work, injection, &status, old.as_ref(), &fields, &mut report).map_err(Failure::Errors)?;
        let sidecars: Vec<&str> = injection.adds.all_containers().map(|p| p.name.as_str()).collect();
        record.before.extend(filled_from_empty(&without, &work, old.as_ref(), &sidecars));
        if !record.is_empty() || !report.conflicts.is_empty() {
            status.put(name, record);
        }
    }
    if let (None, Some(old)) = (injection, &old) {
        let status_place = |p: &str| p == "metadata" || p == "metadata/annotations";
        status.hand_over(old.before.iter().filter(|(p, _)| status_place(p)).cloned());
    }
    write_status(&mut work, &status, old.as_ref());

    let introduced = crate::check::new_problems(&work, fields.spec, &fields.claims, || &*template);
    if !introduced.is_empty() {
        return Err(Failure::Errors(introduced));
    }
    if work.same_meaning(template) {
        return Ok(Outcome::Unchanged);
    }
    *template = work;
    Ok(Outcome::Changed(report))
}

/// [`reconcile`] for a workload with no record of this injection (the common case): the template is edited in
/// place rather than as a working copy, since there is nothing to undo and no earlier state to compare with but
/// its problems and its empty places, taken first. A copy of each template and its freeing were about 17% of
/// the function's instructions at 1,000 workloads.
///
/// On an error the template is left part way: every caller then reads the input again (`process`).
fn first_injection(
    template: &mut Mapping,
    injection: &Injection,
    mut status: Status,
    name: &str,
    fields: &Fields<'_>,
) -> Result<Outcome, Failure> {
    let sidecar = |name: &str| injection.adds.all_containers().any(|p| p.name == name);
    // Only what the injection adds to can be filled by it (the status record always fills the annotations).
    let adds = &injection.adds;
    let filled_by = |index: usize| match PARTS[index].place {
        Place::Containers => adds.all_containers().next().is_some(),
        _ => index == ANNOTATIONS || !adds.of(index).is_empty(),
    };
    let empty = empty_places(template, sidecar, filled_by);
    #[cfg(debug_assertions)]
    let every_empty = empty_places(template, sidecar, |_| true);
    #[cfg(debug_assertions)]
    let as_read = template.clone();
    let mut report = Report::default();
    let mut record = add(template, injection, &status, None, fields, &mut report).map_err(Failure::Errors)?;
    record.before.extend(filled_since(empty, template));
    #[cfg(debug_assertions)]
    debug_assert!(
        filled_since(every_empty, template).iter().all(|place| record.before.contains(place)),
        "a place the injection filled was not looked at"
    );
    if record.is_empty() && report.conflicts.is_empty() {
        // Nothing recorded and nothing taken over: `add` changed nothing.
        #[cfg(debug_assertions)]
        debug_assert!(*template == as_read, "add changed a template it recorded nothing for");
        return Ok(Outcome::NothingToAdd(report));
    }
    // The pod as it was, for the problems it had already (rare: most pods have none after the injection), is
    // the injected one with the injection taken out: what a removal gives back, the workload as it was read.
    let as_it_was = || {
        let mut before = template.clone();
        undo(&mut before, &record, None, &mut Report::default());
        #[cfg(debug_assertions)]
        debug_assert!(before.get("spec") == as_read.get("spec"), "the injection taken out is not the pod as read");
        before
    };
    let introduced = crate::check::new_problems(template, fields.spec, &fields.claims, as_it_was);
    if !introduced.is_empty() {
        return Err(Failure::Errors(introduced));
    }
    status.put(name, record);
    write_status(template, &status, None);
    // A record was written: the template's meaning changed.
    Ok(Outcome::Changed(report))
}

/// The workload's values for the config's placeholders, read before anything changes.
fn values_of(
    object: &ObjectRef,
    template: &Mapping,
    status: &Status,
    injection: &Injection,
    fields: &Fields<'_>,
) -> placeholders::Values {
    let labels = template.get("metadata").and_then(|m| m.get("labels")).and_then(Node::as_mapping);
    let labels = labels
        .map(|m| {
            m.entries.iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_scalar()?.value.to_string())))
        })
        .into_iter()
        .flatten()
        .collect();
    let injected: Vec<&str> =
        status.injected_containers().chain(injection.adds.all_containers().map(|p| p.name.as_str())).collect();
    let containers = template.get("spec").and_then(|s| s.get(PARTS[CONTAINERS].field)).and_then(Node::as_sequence);
    let app: Vec<&Node> = containers
        .into_iter()
        .flat_map(|s| &s.items)
        .filter(|c| c.get("name").and_then(Node::as_str).is_some_and(|n| !injected.contains(&n)))
        .collect();
    let mut app_ports: Vec<String> = Vec::new();
    for port in app.iter().filter_map(|c| c.get("ports").and_then(Node::as_sequence)).flat_map(|s| &s.items) {
        if let Some(p) = port.get("containerPort").and_then(Node::as_scalar).map(|s| s.value.to_string()) {
            if !app_ports.contains(&p) {
                app_ports.push(p);
            }
        }
    }
    placeholders::Values {
        name: object.name.clone(),
        namespace: object.namespace.clone(),
        kind: object.kind.clone(),
        labels,
        labels_at: fields.metadata.key("labels"),
        app_containers: app.iter().filter_map(|c| c.get("name").and_then(Node::as_str).map(str::to_string)).collect(),
        app_ports,
    }
}

/// Field paths of the pod template's parts, for messages.
struct Fields<'k> {
    spec: &'k FieldPath,
    metadata: &'k FieldPath,
    /// The names of the volume claim templates beside the pod template (a StatefulSet's): volumes its pods get
    /// that the pod spec does not list.
    claims: Vec<String>,
}

/// Checks, without changing anything, that the way to the pod spec and the lists in it have the shapes this
/// function edits. A node on the way must be a plain mapping: this function does not edit through YAML aliases
/// or merge keys, because the change would leak into every other place that shares the node.
fn check_shape(item: &Node, kind: &WorkloadKind) -> Result<(), Failure> {
    let mut node = item;
    let keys = || kind.template_path.iter().map(String::as_str).chain(["spec"]);
    // The path to the `depth`-th step, made for an error only.
    let at = |depth: usize| keys().take(depth).fold(FieldPath::default(), |at, key| at.key(key));
    for (depth, key) in keys().enumerate() {
        let map = plain_mapping(node, || at(depth))?;
        match map.get(key) {
            Some(next) if !next.is_null() => node = next,
            _ => return Err(Failure::NoPodTemplate(kind.pod_spec_field().clone())),
        }
    }
    let spec = plain_mapping(node, || kind.pod_spec_field().clone())?;
    let at = kind.pod_spec_field();
    let mut errors = Vec::new();
    for key in PARTS.iter().filter(|k| matches!(k.place, Place::Containers | Place::PodSpec)).map(|k| k.field) {
        match spec.get(key) {
            None | Some(Node::Sequence(_)) => {}
            Some(n) if n.is_null() => {}
            Some(other) => errors.push(FieldError {
                path: at.key(key),
                message: format!("expected a list, found {}", other.describe()),
            }),
        }
    }
    let template = template_ref(item, kind);
    if let Some(metadata) = template.and_then(|t| t.get("metadata")).filter(|m| !m.is_null()) {
        let metadata_at = kind.template_metadata_field();
        match plain_mapping(metadata, || metadata_at.clone()) {
            Err(Failure::Errors(e)) => errors.extend(e),
            Err(Failure::NoPodTemplate(_)) => {}
            Ok(m) => {
                // The status record is always written into the annotations; the other maps only when the
                // injection edits them (check_edited_metadata), so that an alias there is fine to read through.
                for (_, kind) in parts::at(Place::TemplateMetadata).filter(|(index, _)| *index == ANNOTATIONS) {
                    let key = kind.field;
                    if let Some(n) = m.get(key).filter(|n| !n.is_null()) {
                        if let Err(Failure::Errors(e)) = plain_mapping(n, || metadata_at.key(key)) {
                            errors.extend(e);
                        }
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Errors(errors))
    }
}

/// The pod template's metadata maps besides the annotations (the labels) are edited only when the injection
/// adds to them, or its record says it added to them before. Only then must they be plain mappings: an alias
/// (`labels: *labels`, the template sharing the workload's labels) or an anchor would carry the edit to every
/// other place that shares the node, such as the workload's immutable `spec.selector`.
fn check_edited_metadata(
    template: &Mapping,
    name: &str,
    injection: Option<&Injection>,
    old: Option<&Record>,
    fields: &Fields<'_>,
) -> Result<(), Failure> {
    let mut errors = Vec::new();
    for (index, kind) in parts::at(Place::TemplateMetadata).filter(|(index, _)| *index != ANNOTATIONS) {
        let edited = injection.is_some_and(|i| !i.adds.of(index).is_empty())
            || old.is_some_and(|o| !o.parts[index].names().is_empty());
        if !edited {
            continue;
        }
        let Some(map) = template.get("metadata").and_then(|m| m.get(kind.field)).filter(|n| !n.is_null()) else {
            continue;
        };
        let at = fields.metadata.key(kind.field);
        let shared = match map {
            Node::Alias(a) => Some((format!("is the YAML alias *{a}"), "expand the alias")),
            Node::Mapping(m) => m
                .props
                .anchor
                .as_ref()
                .map(|a| (format!("carries the YAML anchor &{a}"), "write out the aliases of it")),
            _ => None,
        };
        match shared {
            Some((shared, fix)) => errors.push(FieldError {
                path: at,
                message: format!(
                    "{shared}, and injection {name:?} edits these {} (spec.{}): the edit would reach every place that shares the node; {fix} first",
                    kind.field, kind.field
                ),
            }),
            None => {
                if let Err(Failure::Errors(e)) = plain_mapping(map, || at.clone()) {
                    errors.extend(e);
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Failure::Errors(errors))
    }
}

/// `node` as a mapping this function edits: no alias, no merge key. `at` makes the node's path, for an error
/// only: this runs at every step to every pod template.
fn plain_mapping(node: &Node, at: impl Fn() -> FieldPath) -> Result<&Mapping, Failure> {
    let error = |message: String| {
        let path = at();
        let path = if path.is_root() { FieldPath::from("(root)") } else { path };
        Failure::Errors(vec![FieldError { path, message }])
    };
    match node {
        Node::Mapping(m) if has_merge_key(m) => Err(error(
            "uses a YAML merge key (<<); sidecar-injector does not edit through merge keys, expand it first".into(),
        )),
        Node::Mapping(m) => Ok(m),
        Node::Alias(a) => Err(error(format!(
            "is the YAML alias *{a}; sidecar-injector does not edit through aliases, expand it first"
        ))),
        other => Err(error(format!("expected a mapping, found {}", other.describe()))),
    }
}

/// `<<` is a merge key, not a string, so `Mapping::get("<<")` does not see it.
pub(crate) fn has_merge_key(m: &Mapping) -> bool {
    m.entries.iter().any(|(k, _)| {
        matches!(k, Node::Scalar(s) if s.value == "<<" && matches!(lossless_yaml::resolve_core(s), lossless_yaml::Resolved::Merge))
    })
}

fn template_ref<'a>(item: &'a Node, kind: &WorkloadKind) -> Option<&'a Mapping> {
    let mut node = item;
    for key in &kind.template_path {
        node = node.get(key)?;
    }
    node.as_mapping()
}

/// The names of the `volumeClaimTemplates` beside the pod template: a StatefulSet's pods get a volume of each
/// name, which their containers mount though the pod spec does not list it.
fn claim_templates(item: &Node, kind: &WorkloadKind) -> Vec<String> {
    let (_, parent_path) = kind.template_path.split_last().unwrap_or((&String::new(), &[]));
    let mut parent = Some(item);
    for key in parent_path {
        parent = parent.and_then(|n| n.get(key));
    }
    let claims = parent.and_then(|p| p.get("volumeClaimTemplates")).and_then(Node::as_sequence);
    let names = claims.into_iter().flat_map(|c| &c.items);
    names
        .filter_map(|c| c.get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str))
        .map(str::to_string)
        .collect()
}

fn template_mut<'a>(item: &'a mut Node, kind: &WorkloadKind) -> Option<&'a mut Mapping> {
    let mut node = item;
    for key in &kind.template_path {
        node = node.as_mapping_mut()?.get_mut(key)?;
    }
    node.as_mapping_mut()
}

fn read_status(template: &Mapping, fields: &Fields<'_>) -> Result<Status, Failure> {
    let value = template.get("metadata").and_then(|m| m.get("annotations")).and_then(|a| a.get(STATUS_ANNOTATION));
    let Some(value) = value else { return Ok(Status::default()) };
    let text = value.as_scalar().map(|s| s.value.as_str()).unwrap_or("");
    Status::parse(text).map_err(|e| {
        Failure::Errors(vec![FieldError {
            path: fields.metadata.key("annotations").key(STATUS_ANNOTATION),
            message: format!("not a status record this function wrote ({e}); fix or delete the annotation"),
        }])
    })
}

/// `removed`: the record of the injection taken out, whose `before` says what the workload had there.
fn write_status(template: &mut Mapping, status: &Status, removed: Option<&Record>) {
    if status.is_empty() {
        remove_key(template, &["metadata", "annotations"], STATUS_ANNOTATION, removed);
    } else {
        metadata_map(template, "annotations").insert(STATUS_ANNOTATION, Node::string(status.to_json()));
    }
}

// ---- taking out what a record says was added ----------------------------------------------------------------

/// Takes out what `record` says was added, except what `injection` (the config now) adds again: those stay
/// where they are, and `add` replaces them in place, so a re-run or an upgrade does not move anything.
fn undo(template: &mut Mapping, record: &Record, injection: Option<&Injection>, report: &mut Report) {
    let again = |index: usize, container: Option<&str>, name: &str| {
        injection.is_some_and(|i| provides(i, index, container, name))
    };
    if let Some(spec) = template.get_mut("spec").and_then(Node::as_mapping_mut) {
        for (index, (kind, entries)) in PARTS.iter().zip(&record.parts).enumerate() {
            match (kind.place, entries) {
                (Place::TemplateMetadata, _) => {}
                (Place::AppContainers, entries) => {
                    for (container_name, names) in entries.per_container() {
                        let Some(container) = named_mut(spec, "containers", container_name) else { continue };
                        let list = format!("spec/containers/{container_name}/{}", kind.field);
                        for name in names {
                            let again = again(index, Some(container_name), name);
                            if !give_back(container, kind, name, record, &list, again, report) && !again {
                                take(container, kind, name);
                            }
                        }
                        settle(container, kind.field, record.before(&list));
                    }
                }
                (_, Entries::Hashes(entries)) => {
                    for (name, hash) in entries {
                        // A container merged over the workload's declaration: the declaration goes back where it
                        // stands, always (add merges it again if the config still has the sidecar).
                        let declared = match kind.place {
                            Place::Containers => record.before(&format!("spec/{}/{name}", kind.field)),
                            _ => None,
                        };
                        if let Some(declared) = declared {
                            if let Some(existing) = entry_mut(spec, kind.field, name) {
                                if &meaning_hash(existing) != hash {
                                    report.overwritten.push(format!("{} {name}", kind.noun));
                                }
                                *existing = declared;
                                if !again(index, None, name) {
                                    report.restored.push(format!("{} {name}", kind.noun));
                                }
                            }
                            continue;
                        }
                        let list = ["spec/", kind.field].concat();
                        if give_back(spec, kind, name, record, &list, again(index, None, name), report)
                            || again(index, None, name)
                        {
                            continue;
                        }
                        if let Some(node) = take(spec, kind, name) {
                            if &meaning_hash(&node) != hash {
                                report.overwritten.push(format!("{} {name}", kind.noun));
                            }
                            report.removed.push(format!("{} {name}", kind.noun));
                        }
                    }
                }
                (_, entries) => {
                    let list = ["spec/", kind.field].concat();
                    for name in entries.names() {
                        let again = again(index, None, name);
                        if !give_back(spec, kind, name, record, &list, again, report) && !again {
                            take(spec, kind, name);
                        }
                    }
                }
            }
        }
        // A pod must have containers: only the other lists are dropped when left empty.
        let lists = PARTS.iter().filter(|k| matches!(k.place, Place::Containers | Place::PodSpec));
        for kind in lists.filter(|k| k.field != PARTS[CONTAINERS].field) {
            settle(spec, kind.field, record.before(&format!("spec/{}", kind.field)));
        }
    }
    for (index, kind) in parts::at(Place::TemplateMetadata) {
        for key in record.parts[index].names() {
            let again = again(index, None, key);
            let original = record.before(&format!("metadata/{}#{key}", kind.field));
            let map = template.get_mut("metadata").and_then(Node::as_mapping_mut).and_then(|m| m.get_mut(kind.field));
            let map = map.and_then(Node::as_mapping_mut);
            match (original, map) {
                (Some(original), Some(map)) if map.get(key).is_some() => {
                    map.insert(key, original);
                    if !again {
                        report.restored.push(format!("{} {key}", kind.reported_as));
                    }
                }
                _ if again => {}
                _ => remove_key(template, &["metadata", kind.field], key, Some(record)),
            }
        }
    }
}

/// Puts back, where this injection's entry `name` stands in `map`'s list, the workload's own entry it replaced
/// under onConflict: Replace (kept in the record under `list#name`). Always, even when the config adds the
/// entry again: `add` then replaces it again, from the workload's own as it is now. Whether one was put back.
fn give_back(
    map: &mut Mapping,
    kind: &PartKind,
    name: &str,
    record: &Record,
    list: &str,
    again: bool,
    report: &mut Report,
) -> bool {
    let Some(original) = record.before(&format!("{list}#{name}")) else { return false };
    let Some(index) = index_of(map, kind, name) else { return false };
    let Some(slot) = map.get_mut(kind.field).and_then(Node::as_sequence_mut).and_then(|s| s.items.get_mut(index))
    else {
        return false;
    };
    *slot = original;
    if !again {
        report.restored.push(format!("{} {name}", kind.reported_as));
    }
    true
}

/// Whether the injection's config adds the part `name` of the row `index` of [`PARTS`] in the same place
/// (`container`: the app container, for [`Place::AppContainers`] rows).
fn provides(injection: &Injection, index: usize, container: Option<&str>, name: &str) -> bool {
    let adds = &injection.adds;
    let named = |parts: &[Part]| parts.iter().any(|p| p.name == name);
    let kind = &PARTS[index];
    match kind.place {
        // A record's container row is the list the container went into; native sidecars go into initContainers.
        Place::Containers => {
            (index == INIT_CONTAINERS && named(adds.init_containers()))
                || (kind.field == injection.placement.sidecar_list() && named(adds.containers()))
        }
        Place::PodSpec => named(adds.of(index)),
        Place::AppContainers => container.is_some_and(|c| injection.placement.targets(c)) && named(adds.of(index)),
        Place::TemplateMetadata => {
            named(adds.of(index))
                || (index == ANNOTATIONS && name == DEFAULT_CONTAINER_ANNOTATION && first_classic(injection))
        }
    }
}

/// Classic sidecars placed before the app's containers: `kubectl logs/exec` would pick them by default.
fn first_classic(injection: &Injection) -> bool {
    let placement = &injection.placement;
    !placement.native && !injection.adds.containers().is_empty() && placement.containers == Position::First
}

// ---- adding what the config says --------------------------------------------------------------------------

fn add(
    template: &mut Mapping,
    injection: &Injection,
    others: &Status,
    old: Option<&Record>,
    fields: &Fields<'_>,
    report: &mut Report,
) -> Result<Record, Vec<FieldError>> {
    let mut record = Record::new(injection.hash.clone());
    let mut errors = Vec::new();
    let (adds, placement) = (&injection.adds, &injection.placement);
    let empty = Record::default();
    let old = old.unwrap_or(&empty);
    let mut ctx =
        Ctx { injection, policy: injection.policy.on_conflict, old, report, errors: &mut errors, declared: Vec::new() };

    let Some(spec) = template.get_mut("spec").and_then(Node::as_mapping_mut) else {
        return Ok(record); // check_shape made sure there is one
    };
    // Native sidecars go with the init containers, after the injection's own plain ones.
    let (init_list, containers_list) = (PARTS[INIT_CONTAINERS].field, PARTS[CONTAINERS].field);
    let mut new_init = Vec::new();
    let mut new_containers = Vec::new();
    for part in adds.init_containers() {
        if let Some(hash) = ctx.container(spec, part, init_list, &mut new_init, fields.spec) {
            record.parts[INIT_CONTAINERS].push(&part.name, hash);
        }
    }
    for part in adds.containers() {
        let (row, out) =
            if placement.native { (INIT_CONTAINERS, &mut new_init) } else { (CONTAINERS, &mut new_containers) };
        if let Some(hash) = ctx.container(spec, part, PARTS[row].field, out, fields.spec) {
            record.parts[row].push(&part.name, hash);
        }
    }
    insert(spec, init_list, new_init, placement.init_containers);
    insert(spec, containers_list, new_containers, placement.containers);

    for (index, kind) in parts::at(Place::PodSpec).filter(|(index, _)| !adds.of(*index).is_empty()) {
        let list = ["spec/", kind.field].concat();
        for part in adds.of(index) {
            // An entry whose record kept the workload's own was given back by undo: it is the workload's now.
            let owned = old.parts[index].recorded(&part.name).filter(|_| !old.kept(&format!("{list}#{}", part.name)));
            if let Some(hash) = ctx.list_part(spec, kind, part, fields.spec, owned, &list) {
                record.parts[index].push(&part.name, hash);
            }
        }
    }

    // The app's own containers: regular containers that no injection added.
    let injected =
        |name: &str| others.injected_containers().any(|n| n == name) || adds.all_containers().any(|p| p.name == name);
    let wants_app = parts::at(Place::AppContainers).any(|(index, _)| !adds.of(index).is_empty());
    let mut first_app_container = None;
    let count = spec.get(containers_list).and_then(Node::as_sequence).map_or(0, |s| s.items.len());
    for position in 0..count {
        let Some(container) = nth_container(spec, position) else { continue };
        let name = container.get("name").and_then(|n| n.as_scalar()).map(|s| s.value.to_string()).unwrap_or_default();
        if injected(&name) {
            continue;
        }
        first_app_container.get_or_insert_with(|| name.clone());
        if !wants_app || !placement.targets(&name) {
            continue;
        }
        let at = fields.spec.key(containers_list).index(position);
        for (index, kind) in parts::at(Place::AppContainers) {
            let mut added = Vec::new();
            let list = format!("spec/containers/{name}/{}", kind.field);
            for part in adds.of(index) {
                let kept = old.kept(&format!("{list}#{}", part.name));
                let owned = (old.parts[index].recorded_in(&name, &part.name) && !kept).then_some("");
                if ctx.list_part(container, kind, part, &at, owned, &list).is_some() {
                    added.push(part.name.clone());
                }
            }
            record.parts[index].push_in(&name, added);
        }
    }
    if wants_app {
        for wanted in &placement.app_containers {
            if index_named(spec, containers_list, "name", wanted).is_none() {
                ctx.report.warnings.push((
                    fields.spec.key(containers_list),
                    format!("spec.appContainers names {wanted:?}, which this workload does not have"),
                ));
            }
        }
    }

    for (index, kind) in parts::at(Place::TemplateMetadata) {
        let mut entries: Vec<(String, Node)> =
            adds.of(index).iter().map(|p| (p.name.clone(), p.node.clone())).collect();
        // With a sidecar first, `kubectl logs/exec` would pick it; point them at the app unless the user chose
        // (an earlier run's own setting is ours, not the user's choice).
        if let (ANNOTATIONS, true, Some(app)) = (index, first_classic(injection), &first_app_container) {
            let set = template
                .get("metadata")
                .and_then(|m| m.get(kind.field))
                .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION));
            if set.is_none() || old.parts[index].recorded(DEFAULT_CONTAINER_ANNOTATION).is_some() {
                entries.push((DEFAULT_CONTAINER_ANNOTATION.to_string(), Node::string(app.clone())));
            }
        }
        let field = kind.field;
        for (key, value) in entries {
            let map = metadata_map(template, field);
            let at = fields.metadata.key(field).key(&key);
            let saved = format!("metadata/{field}#{key}");
            let owned = old.parts[index].recorded(&key).is_some() && !old.kept(&saved);
            match map.get(&key) {
                None => {
                    map.insert(&key, value);
                    ctx.report.added.push(format!("{} {key}", kind.reported_as));
                }
                // The workload's own identical entry stays the workload's: not recorded, so never taken out.
                Some(existing) if existing.same_meaning(&value) && !owned => {
                    ctx.report.own.push(format!("{} {key}", kind.reported_as));
                    continue;
                }
                Some(existing) if existing.same_meaning(&value) => {}
                Some(_) if owned => {
                    map.insert(&key, value);
                    ctx.report.updated.push(format!("{} {key}", kind.reported_as));
                }
                Some(existing) => {
                    let original = yaml_text(existing);
                    match ctx.conflict(&at, kind.noun, &key) {
                        Some(()) => {
                            ctx.declared.push((saved, original));
                            metadata_map(template, field).insert(&key, value);
                        }
                        None => continue,
                    }
                }
            }
            record.parts[index].push(&key, String::new());
        }
    }
    record.before.append(&mut ctx.declared);
    if errors.is_empty() {
        Ok(record)
    } else {
        Err(errors)
    }
}

/// What `add` needs at every step.
struct Ctx<'a> {
    injection: &'a Injection,
    policy: OnConflict,
    /// What this injection added last time (empty the first time): its own parts are replaced in place.
    old: &'a Record,
    report: &'a mut Report,
    errors: &'a mut Vec<FieldError>,
    /// The workload's own entries merged over (onConflict: Merge) or replaced (Replace), for the record's
    /// `before`.
    declared: Vec<(String, String)>,
}

impl Ctx<'_> {
    /// Someone else's `what` named `name` is at `at`. `Some(())`: replace it; `None`: keep it (or fail).
    fn conflict(&mut self, at: &FieldPath, what: &str, name: &str) -> Option<()> {
        match self.policy {
            OnConflict::Fail => {
                self.errors.push(FieldError {
                    path: at.clone(),
                    message: format!(
                        "the workload already has {} {what} {name:?} that injection {:?} did not add and that differs from its own; rename one, or set spec.onConflict to Skip or Replace",
                        if what.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" },
                        self.injection.name
                    ),
                });
                None
            }
            OnConflict::Skip => {
                self.report.conflicts.push(format!("kept the workload's own {what} {name} (onConflict: Skip)"));
                None
            }
            OnConflict::Replace => {
                self.report.conflicts.push(format!("replaced the workload's own {what} {name} (onConflict: Replace)"));
                Some(())
            }
            // Containers are merged before it comes to this; any other part stays the workload's.
            OnConflict::Merge => {
                self.report.conflicts.push(format!("kept the workload's own {what} {name} (onConflict: Merge)"));
                None
            }
        }
    }

    /// A container goes into `list` (through `out`, inserted later at the configured position), or replaces
    /// this injection's own container of that name where it stands. Container names must be unique across
    /// `containers` and `initContainers`. Returns the hash to record, or `None` when the workload's own
    /// container is kept.
    fn container(
        &mut self,
        spec: &mut Mapping,
        part: &Part,
        list: &str,
        out: &mut Vec<Node>,
        base: &FieldPath,
    ) -> Option<String> {
        let hash = part.hash.clone();
        for (row, kind) in parts::at(Place::Containers) {
            let existing_list = kind.field;
            let Some(index) = index_named(spec, existing_list, "name", &part.name) else { continue };
            // A merged container's record names it, but undo gave the workload's declaration back: not ours.
            let declared_before =
                self.old.before.iter().any(|(p, _)| p == &format!("spec/{existing_list}/{}", part.name));
            let owned = self.old.parts[row].recorded(&part.name).filter(|_| !declared_before);
            if owned.is_none() && self.policy == OnConflict::Merge {
                return self.merge(spec, part, existing_list, list, index, base);
            }
            if existing_list == list {
                let existing = spec.get_mut(list).and_then(Node::as_sequence_mut).and_then(|s| s.items.get_mut(index));
                let Some(existing) = existing else { continue };
                if existing.same_meaning(&part.node) {
                    // An identical container this injection did not add is the workload's own: it is not
                    // recorded, so that taking the injection out leaves it.
                    if owned.is_none() {
                        self.report.own.push(format!("container {}", part.name));
                    }
                    return owned.map(|_| hash);
                }
                if let Some(recorded_hash) = owned {
                    self.replaced(existing, recorded_hash, &part.node, &format!("container {}", part.name));
                    return Some(hash);
                }
            }
            if owned.is_none() {
                self.conflict(&base.key(existing_list).index(index), "container", &part.name)?;
                // onConflict: Replace, in the same list: in place, keeping the workload's own to give back.
                if existing_list == list {
                    let existing = spec.get_mut(list).and_then(Node::as_sequence_mut)?.items.get_mut(index)?;
                    self.declared.push((format!("spec/{list}/{}", part.name), yaml_text(existing)));
                    *existing = part.node.clone();
                    self.report.added.push(["container ", &part.name].concat());
                    return Some(hash);
                }
            }
            // Someone else's that the policy lets go, or this injection's own moving between the lists.
            take_named(spec, existing_list, "name", &part.name);
        }
        out.push(part.node.clone());
        self.report.added.push(["container ", &part.name].concat());
        Some(hash)
    }

    /// onConflict: Merge: the workload's own container `part.name`, at `index` of `existing_list`, becomes the
    /// configured one with the declaration laid over it, where it stands; the record keeps the declaration.
    fn merge(
        &mut self,
        spec: &mut Mapping,
        part: &Part,
        existing_list: &str,
        list: &str,
        index: usize,
        base: &FieldPath,
    ) -> Option<String> {
        let at = base.key(existing_list).index(index);
        if existing_list != list {
            self.errors.push(FieldError {
                path: at,
                message: format!(
                    "the workload declares {:?} in {existing_list}, but injection {:?} puts that sidecar into {list}; declare it in {list} to merge it (onConflict: Merge)",
                    part.name, self.injection.name
                ),
            });
            return None;
        }
        let existing = spec.get_mut(list).and_then(Node::as_sequence_mut).and_then(|s| s.items.get_mut(index))?;
        if !matches!(existing, Node::Mapping(_)) {
            self.errors
                .push(FieldError { path: at, message: format!("expected a mapping, found {}", existing.describe()) });
            return None;
        }
        let merged = merge_declared(&part.node, existing);
        self.declared.push((format!("spec/{list}/{}", part.name), yaml_text(existing)));
        *existing = merged;
        self.report.conflicts.push(format!(
            "merged the workload's own container {} over the configured one (onConflict: Merge)",
            part.name
        ));
        Some(meaning_hash(existing))
    }

    /// Puts the configured node where this injection's own one stands, and says why it changed.
    fn replaced(&mut self, existing: &mut Node, recorded_hash: &str, node: &Node, label: &str) {
        if !recorded_hash.is_empty() && meaning_hash(existing) != recorded_hash {
            self.report.overwritten.push(label.to_string());
        } else {
            self.report.updated.push(label.to_string());
        }
        *existing = node.clone();
    }

    /// An entry of the list `kind.field` of `map` (the pod spec, or an app container) is appended, adopted
    /// when identical, replaced in place when it is this injection's own (`owned`: its recorded hash, or ""
    /// where the record keeps names only), or handled as a conflict. Returns the hash to record.
    fn list_part(
        &mut self,
        map: &mut Mapping,
        kind: &PartKind,
        part: &Part,
        base: &FieldPath,
        owned: Option<&str>,
        place: &str,
    ) -> Option<String> {
        let hash = part.hash.clone();
        let list = kind.field;
        let label = match (kind.place, map.get("name").and_then(Node::as_str)) {
            (Place::AppContainers, Some(c)) => format!("{} {} in {c}", kind.reported_as, part.name),
            // An envFrom source has always been reported "in" its container, named or not.
            (Place::AppContainers, None) if kind.identity == Identity::EnvFromSource => {
                format!("{} {} in ", kind.reported_as, part.name)
            }
            _ => [kind.reported_as, " ", &part.name].concat(),
        };
        // An envFrom source's identity is its content: an identical one anywhere in the list is this one.
        let items = map.get(list).and_then(Node::as_sequence).map(|s| s.items.as_slice()).unwrap_or(&[]);
        // What is already there as configured is recorded only if this injection put it there: the workload's
        // own identical entry is not, so that taking the injection out leaves it.
        let identical = (kind.identity == Identity::EnvFromSource && items.iter().any(|n| n.same_meaning(&part.node)))
            || index_of(map, kind, &part.name).and_then(|i| items.get(i)).is_some_and(|n| n.same_meaning(&part.node));
        if identical {
            if owned.is_none() {
                self.report.own.push(label);
            }
            return owned.map(|_| hash);
        }
        if let Some(index) = index_of(map, kind, &part.name) {
            let existing = map.get_mut(list).and_then(Node::as_sequence_mut).and_then(|s| s.items.get_mut(index))?;
            if let Some(recorded_hash) = owned {
                self.replaced(existing, recorded_hash, &part.node, &label);
                return Some(hash);
            }
            self.conflict(&base.key(list).index(index), kind.noun, &part.name)?;
            // onConflict: Replace: in place, keeping the workload's own to give back when taken out.
            let existing = map.get_mut(list).and_then(Node::as_sequence_mut).and_then(|s| s.items.get_mut(index))?;
            self.declared.push((format!("{place}#{}", part.name), yaml_text(existing)));
            *existing = part.node.clone();
            self.report.added.push(label);
            return Some(hash);
        }
        list_mut(map, list).push(part.node.clone());
        self.report.added.push(label);
        Some(hash)
    }
}

// ---- onConflict: Merge ---------------------------------------------------------------------------------------

/// Lists of a container merged entry by entry, by Kubernetes' own merge keys; any other list is replaced.
const MERGED_LISTS: &[(&str, &str)] = &[("env", "name"), ("ports", "containerPort"), ("volumeMounts", "mountPath")];

/// The configured container with the workload's declaration laid over it: every declared field wins; mappings
/// (resources, securityContext, ...) merge key by key; env, ports and volumeMounts merge entry by entry (a
/// declared entry replaces the configured one of the same key where it stands, new ones go after); scalars and
/// other lists (args, command) are the declared ones.
fn merge_declared(configured: &Node, declared: &Node) -> Node {
    merge_node(configured, declared, true)
}

fn merge_node(base: &Node, over: &Node, container: bool) -> Node {
    let (Node::Mapping(base), Node::Mapping(over)) = (base, over) else { return over.clone() };
    let mut out = base.clone();
    for (key, value) in &over.entries {
        let name = key.as_scalar().map(|s| s.value.as_str());
        let merge_key = MERGED_LISTS.iter().find(|(l, _)| container && Some(*l) == name).map(|(_, k)| *k);
        match name.and_then(|n| out.get_mut(n)) {
            Some(slot) => {
                *slot = match (merge_key, &*slot, value) {
                    (Some(k), Node::Sequence(b), Node::Sequence(o)) => Node::Sequence(merge_list(b, o, k)),
                    _ => merge_node(slot, value, false),
                }
            }
            None => out.entries.push((key.clone(), value.clone())),
        }
    }
    Node::Mapping(out)
}

fn merge_list(base: &lossless_yaml::Sequence, over: &lossless_yaml::Sequence, key: &str) -> lossless_yaml::Sequence {
    let id = |n: &Node| n.get(key).and_then(Node::as_scalar).map(|s| s.value.to_string());
    let mut out = base.clone();
    for item in &over.items {
        match id(item).and_then(|k| out.items.iter().position(|b| id(b).as_deref() == Some(k.as_str()))) {
            Some(i) => out.items[i] = item.clone(),
            None => out.items.push(item.clone()),
        }
    }
    out
}

// ---- list helpers -------------------------------------------------------------------------------------------

/// The entry of `list` named `name`, to edit.
fn entry_mut<'a>(spec: &'a mut Mapping, list: &str, name: &str) -> Option<&'a mut Node> {
    let index = index_named(spec, list, "name", name)?;
    spec.get_mut(list)?.as_sequence_mut()?.items.get_mut(index)
}

/// The position of the entry of the list `kind.field` whose identity is `name`.
fn index_of(map: &Mapping, kind: &PartKind, name: &str) -> Option<usize> {
    match kind.identity {
        // An entry without the field is nobody's, not the one named "".
        Identity::Field(key) => index_named(map, kind.field, key, name),
        Identity::MapKey => None,
        identity => map.get(kind.field)?.as_sequence()?.items.iter().position(|n| identity.of(n) == name),
    }
}

/// Removes the entry of the list `kind.field` whose identity is `name` (every such envFrom source: they are
/// one source written twice), returning the (first) one removed.
fn take(map: &mut Mapping, kind: &PartKind, name: &str) -> Option<Node> {
    let index = index_of(map, kind, name)?;
    let list = map.get_mut(kind.field).and_then(Node::as_sequence_mut)?;
    let first = list.items.remove(index);
    if kind.identity == Identity::EnvFromSource {
        list.items.retain(|n| env_from_key(n) != name);
    }
    Some(first)
}

fn index_named(map: &Mapping, list: &str, key: &str, name: &str) -> Option<usize> {
    let items = map.get(list)?.as_sequence()?;
    items.items.iter().position(|n| n.get(key).and_then(Node::as_scalar).is_some_and(|s| s.value == name))
}

fn nth_container(spec: &mut Mapping, index: usize) -> Option<&mut Mapping> {
    spec.get_mut("containers")?.as_sequence_mut()?.items.get_mut(index)?.as_mapping_mut()
}

fn named_mut<'a>(spec: &'a mut Mapping, list: &str, name: &str) -> Option<&'a mut Mapping> {
    let index = index_named(spec, list, "name", name)?;
    spec.get_mut(list)?.as_sequence_mut()?.items.get_mut(index)?.as_mapping_mut()
}

/// Removes and returns the entry whose `key` is `name`.
fn take_named(map: &mut Mapping, list: &str, key: &str, name: &str) -> Option<Node> {
    let index = index_named(map, list, key, name)?;
    Some(map.get_mut(list)?.as_sequence_mut()?.items.remove(index))
}

fn insert(spec: &mut Mapping, list: &str, nodes: Vec<Node>, position: Position) {
    if nodes.is_empty() {
        return;
    }
    let items = list_mut(spec, list);
    match position {
        Position::First => {
            items.splice(0..0, nodes);
        }
        Position::Last => items.extend(nodes),
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

fn drop_if_empty(map: &mut Mapping, key: &str) {
    let empty = match map.get(key) {
        Some(Node::Sequence(s)) => s.items.is_empty(),
        Some(Node::Mapping(m)) => m.entries.is_empty(),
        _ => false,
    };
    if empty {
        map.remove(key);
    }
}

/// `metadata.<field>` of the pod template, created when absent (or null).
fn metadata_map<'a>(template: &'a mut Mapping, field: &str) -> &'a mut Mapping {
    if template.get("metadata").is_none() {
        // Where people write it: before `spec`.
        template.entries.insert(0, (Node::string("metadata"), Node::mapping()));
    }
    let metadata = template.entry("metadata", Node::mapping);
    if !matches!(metadata, Node::Mapping(_)) {
        *metadata = Node::mapping();
    }
    let Node::Mapping(metadata) = metadata else { unreachable!("made a mapping just above") };
    let map = metadata.entry(field, Node::mapping);
    if !matches!(map, Node::Mapping(_)) {
        *map = Node::mapping();
    }
    let Node::Mapping(map) = map else { unreachable!("made a mapping just above") };
    map
}

/// Removes `key` from the mapping at `path`, then settles the mappings left empty ([`settle`], with what
/// `record` says the workload had there).
fn remove_key(template: &mut Mapping, path: &[&str; 2], key: &str, record: Option<&Record>) {
    let Some(metadata) = template.get_mut(path[0]).and_then(Node::as_mapping_mut) else { return };
    let Some(map) = metadata.get_mut(path[1]).and_then(Node::as_mapping_mut) else { return };
    map.remove(key);
    let before = |place: &str| record.and_then(|r| r.before(place));
    settle(metadata, path[1], before(&format!("{}/{}", path[0], path[1])));
    settle(template, path[0], before(path[0]));
}

// ---- what the workload had where the injection put its parts ------------------------------------------------

/// A list or map left empty by taking entries out goes back to what the workload had there (`before`: an
/// empty list, `{}`, or null, as written), or is dropped when the injection made it.
fn settle(map: &mut Mapping, key: &str, before: Option<Node>) {
    if !map.get(key).is_some_and(is_empty_collection) {
        return;
    }
    match before {
        Some(node) => map.insert(key, node),
        None => drop_if_empty(map, key),
    }
}

fn is_empty_collection(node: &Node) -> bool {
    match node {
        Node::Sequence(s) => s.items.is_empty(),
        Node::Mapping(m) => m.entries.is_empty(),
        _ => false,
    }
}

fn empty_or_null(node: &Node) -> bool {
    is_empty_collection(node) || node.is_null()
}

/// The node at a place of [`Record::before`] in a pod template: `metadata`, `metadata/<map>`, `spec/<list>`,
/// `spec/<list>/<container name>`, `spec/<list>/<container name>/<list>`.
fn place<'a>(template: &'a Mapping, key: &str) -> Option<&'a Node> {
    let mut parts = key.split('/');
    let top = template.get(parts.next()?)?;
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (None, ..) => Some(top),
        (Some(list), name, field, None) => container_place(top, list, name, field),
        _ => None,
    }
}

/// `spec/<list>` (`name` none), or `spec/<list>/<container name>[/<field>]`, below `spec`.
fn container_place<'a>(spec: &'a Node, list: &str, name: Option<&str>, field: Option<&str>) -> Option<&'a Node> {
    match (name, field) {
        (None, _) => spec.get(list),
        (Some(name), rest) => {
            let items = &spec.get(list)?.as_sequence()?.items;
            let container =
                items.iter().find(|c| c.get("name").and_then(Node::as_scalar).is_some_and(|s| s.value == name))?;
            match rest {
                None => Some(container),
                Some(field) => container.get(field),
            }
        }
    }
}

/// The lists and maps the injection put entries into that the workload had empty or null (`without`: the
/// workload without this injection; `work`: with it), as YAML text for the record; and the ones `old` kept
/// that still hold entries.
/// (`sidecars`: not app containers; a declaration merged with one is kept whole.)
fn filled_from_empty(
    without: &Mapping,
    work: &Mapping,
    old: Option<&Record>,
    sidecars: &[&str],
) -> Vec<(String, String)> {
    let mut out = filled_since(empty_places(without, |name| sidecars.contains(&name), |_| true), work);
    for (key, text) in old.map(|o| o.before.as_slice()).unwrap_or(&[]) {
        // (An entry kept under `list#identity`, or a merged declaration, is kept again by `add` if still needed.)
        let collection = !key.contains('#') && old.and_then(|o| o.before(key)).is_some_and(|n| empty_or_null(&n));
        if collection && filled(work, key) && !out.iter().any(|(k, _)| k == key) {
            out.push((key.clone(), text.clone()));
        }
    }
    out
}

/// The places an injection may fill that are empty (or null) in `without`, each with its text.
/// `wanted`: the rows (of [`PARTS`]) whose places are looked at.
fn empty_places(
    without: &Mapping,
    sidecar: impl Fn(&str) -> bool,
    wanted: impl Fn(usize) -> bool,
) -> Vec<(String, String)> {
    // Looked up directly, with a key made only for a place found empty: this runs on every injected template.
    let mut out = Vec::new();
    let mut empty = |node: Option<&Node>, key: &dyn Fn() -> String| {
        if let Some(node) = node.filter(|n| empty_or_null(n)) {
            out.push((key(), yaml_text(node)));
        }
    };
    let metadata = without.get("metadata");
    empty(metadata, &|| "metadata".to_string());
    for (_, k) in parts::at(Place::TemplateMetadata).filter(|(index, _)| wanted(*index)) {
        empty(metadata.and_then(|m| m.get(k.field)), &|| format!("metadata/{}", k.field));
    }
    let spec = without.get("spec");
    let spec_rows = PARTS.iter().enumerate().filter(|(_, k)| matches!(k.place, Place::Containers | Place::PodSpec));
    for (_, k) in spec_rows.filter(|(index, _)| wanted(*index)) {
        empty(spec.and_then(|s| s.get(k.field)), &|| format!("spec/{}", k.field));
    }
    let app_rows = || parts::at(Place::AppContainers).filter(|(index, _)| wanted(*index)).map(|(_, k)| k);
    if app_rows().next().is_none() {
        return out;
    }
    let containers_list = PARTS[CONTAINERS].field;
    let containers = spec.and_then(|s| s.get(containers_list)).and_then(Node::as_sequence);
    let names = containers.into_iter().flat_map(|s| &s.items).filter_map(|c| c.get("name").and_then(Node::as_str));
    for name in names.filter(|n| !sidecar(n)) {
        // The first container of that name, as `place` finds it.
        let container = spec.and_then(|s| container_place(s, containers_list, Some(name), None));
        for k in app_rows() {
            empty(container.and_then(|c| c.get(k.field)), &|| format!("spec/containers/{name}/{}", k.field));
        }
    }
    out
}

/// Those of the `empty` places that `work` has filled.
fn filled_since(empty: Vec<(String, String)>, work: &Mapping) -> Vec<(String, String)> {
    empty.into_iter().filter(|(key, _)| filled(work, key)).collect()
}

/// Whether `key` holds something in `work`. The status annotation, written after this, fills the template's
/// annotations (and its metadata).
fn filled(work: &Mapping, key: &str) -> bool {
    key == "metadata" || key == "metadata/annotations" || place(work, key).is_some_and(|n| !empty_or_null(n))
}

/// A node as one YAML document's text, for the status record.
fn yaml_text(node: &Node) -> String {
    let text = lossless_yaml::emit_document(&lossless_yaml::Document { root: node.clone(), version: None });
    text.trim_end_matches('\n').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{TypeMeta, WorkloadTable};
    use lossless_yaml::parse_stream;

    fn node(yaml: &str) -> Node {
        parse_stream(yaml.as_bytes()).expect("YAML").remove(0).root
    }

    fn injection(spec: &str) -> Injection {
        let config = format!(
            "{{apiVersion: sidecar-injector.dev/v1alpha1, kind: SidecarInjector, metadata: {{name: tagger}}, spec: {spec}}}"
        );
        crate::config::load(Some(&node(&config))).expect("a valid config")
    }

    fn inject_into(item: &mut Node, injection: &Injection) -> Result<Outcome, Failure> {
        let table = WorkloadTable::default();
        let kind = table.lookup(&TypeMeta::read(item).expect("typed")).expect("a workload").clone();
        inject(item, &kind, injection)
    }

    const DEPLOYMENT: &str = "{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {template: {metadata: {labels: {team: web, app.kubernetes.io/name: web}}, spec: {containers: [{name: app, image: nginx}]}}}}";

    /// One quoting rule for every path: a plain label key is a field, one with dots or slashes is quoted.
    #[test]
    fn a_conflict_on_a_label_is_reported_at_the_label_path_quoted_only_where_needed() {
        let mut item = node(DEPLOYMENT);
        let injection = injection("{labels: {team: obs, app.kubernetes.io/name: other}}");
        let Err(Failure::Errors(errors)) = inject_into(&mut item, &injection) else { panic!("a conflict") };
        let paths: Vec<String> = errors.iter().map(|e| e.path.to_string()).collect();
        assert_eq!(
            paths,
            ["spec.template.metadata.labels.team", "spec.template.metadata.labels[\"app.kubernetes.io/name\"]"]
        );
    }

    /// The record's keys come from the parts table, in its order, whatever order the config lists them in.
    #[test]
    fn the_status_record_lists_parts_in_table_order() {
        let mut item = node(DEPLOYMENT);
        let injection = injection(
            "{imagePullSecrets: [{name: reg}], annotations: {a: b}, volumes: [{name: v, emptyDir: {}}], containers: [{name: s, image: busybox:1}]}",
        );
        assert!(matches!(inject_into(&mut item, &injection), Ok(Outcome::Changed(_))));
        let annotations = item.get("spec").and_then(|s| s.get("template")).and_then(|t| t.get("metadata"));
        let record = annotations.and_then(|m| m.get("annotations")).and_then(|a| a.get(STATUS_ANNOTATION));
        let json = record.and_then(Node::as_str).expect("a status record");
        let keys: Vec<&str> = ["containers", "volumes", "annotations", "imagePullSecrets"]
            .into_iter()
            .filter(|k| json.contains(&format!("\"{k}\":")))
            .collect();
        assert_eq!(keys.len(), 4, "{json}");
        let positions: Vec<usize> = keys.iter().map(|k| json.find(&format!("\"{k}\":")).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
    }
}
