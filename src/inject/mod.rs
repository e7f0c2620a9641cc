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

mod status;

pub use status::{Record, Status, STATUS_ANNOTATION};

use crate::config::{env_from_key, meaning_hash, FieldError, Injection, OnConflict, Part, Position};
use crate::workload::WorkloadKind;
use lossless_yaml::{Mapping, Node};

const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

/// What happened to one workload, for the info result.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub added: Vec<String>,
    /// This injection's own parts whose config changed, replaced where they stand.
    pub updated: Vec<String>,
    pub removed: Vec<String>,
    /// Injected parts someone had edited by hand, replaced by the configured ones (or removed).
    pub overwritten: Vec<String>,
    /// The workload's own parts kept under `onConflict: Skip`, or replaced under `Replace`.
    pub conflicts: Vec<String>,
    /// The config changed since the workload was last injected.
    pub upgraded: bool,
    /// Things that will hurt later: (field path, message).
    pub warnings: Vec<(String, String)>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The workload already carried the injection exactly as configured (or, removing, did not carry it).
    Unchanged,
    Changed(Report),
}

#[derive(Debug)]
pub enum Failure {
    /// The object lacks its pod template (a partial manifest, such as a patch): skipped, not an error.
    NoPodTemplate(String),
    /// Each error has the field path in the workload; the workload is left as it was.
    Errors(Vec<FieldError>),
}

/// Makes the workload carry the injection as configured.
pub fn inject(item: &mut Node, kind: &WorkloadKind, injection: &Injection) -> Result<Outcome, Failure> {
    reconcile(item, kind, &injection.name, Some(injection))
}

/// Takes the injection `name` out of the workload, as its status record says (no record: unchanged).
pub fn remove(item: &mut Node, kind: &WorkloadKind, name: &str) -> Result<Outcome, Failure> {
    reconcile(item, kind, name, None)
}

fn reconcile(
    item: &mut Node,
    kind: &WorkloadKind,
    name: &str,
    injection: Option<&Injection>,
) -> Result<Outcome, Failure> {
    check_shape(item, kind)?;
    let fields = Fields { spec: kind.pod_spec_field(), metadata: kind.template_metadata_field() };
    let Some(template) = template_mut(item, kind) else { return Err(Failure::NoPodTemplate(fields.spec)) };
    let mut status = read_status(template, &fields)?;
    let old = status.take(name);
    if injection.is_none() && old.is_none() {
        return Ok(Outcome::Unchanged);
    }

    let mut work = template.clone();
    let mut report = Report::default();
    if let Some(old) = &old {
        undo(&mut work, old, injection, &mut report);
    }
    if let Some(injection) = injection {
        report.upgraded = old.as_ref().is_some_and(|o| o.config != injection.hash);
        let record = add(&mut work, injection, &status, old.as_ref(), &fields, &mut report).map_err(Failure::Errors)?;
        status.put(name, record);
    }
    write_status(&mut work, &status);

    let introduced = crate::check::new_problems(template, &work, &fields.spec);
    if !introduced.is_empty() {
        return Err(Failure::Errors(introduced));
    }
    if work.same_meaning(template) {
        return Ok(Outcome::Unchanged);
    }
    *template = work;
    Ok(Outcome::Changed(report))
}

/// Field paths of the pod template's parts, for messages.
struct Fields {
    spec: String,
    metadata: String,
}

/// Checks, without changing anything, that the way to the pod spec and the lists in it have the shapes this
/// function edits. A node on the way must be a plain mapping: this function does not edit through YAML aliases
/// or merge keys, because the change would leak into every other place that shares the node.
fn check_shape(item: &Node, kind: &WorkloadKind) -> Result<(), Failure> {
    let mut node = item;
    let mut at = String::new();
    for key in kind.template_path.iter().map(String::as_str).chain(["spec"]) {
        let map = plain_mapping(node, &at)?;
        at = if at.is_empty() { key.to_string() } else { format!("{at}.{key}") };
        match map.get(key) {
            Some(next) if !next.is_null() => node = next,
            _ => return Err(Failure::NoPodTemplate(kind.pod_spec_field())),
        }
    }
    let spec = plain_mapping(node, &at)?;
    let mut errors = Vec::new();
    for key in ["containers", "initContainers", "volumes", "imagePullSecrets"] {
        match spec.get(key) {
            None | Some(Node::Sequence(_)) => {}
            Some(n) if n.is_null() => {}
            Some(other) => errors.push(FieldError {
                path: format!("{at}.{key}"),
                message: format!("expected a list, found {}", other.describe()),
            }),
        }
    }
    let template = template_ref(item, kind);
    if let Some(metadata) = template.and_then(|t| t.get("metadata")).filter(|m| !m.is_null()) {
        let metadata_at = kind.template_metadata_field();
        match plain_mapping(metadata, &metadata_at) {
            Err(Failure::Errors(e)) => errors.extend(e),
            Err(Failure::NoPodTemplate(_)) => {}
            Ok(m) => {
                for key in ["annotations", "labels"] {
                    if let Some(n) = m.get(key).filter(|n| !n.is_null()) {
                        if let Err(Failure::Errors(e)) = plain_mapping(n, &format!("{metadata_at}.{key}")) {
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

fn plain_mapping<'a>(node: &'a Node, at: &str) -> Result<&'a Mapping, Failure> {
    let at = if at.is_empty() { "(root)" } else { at };
    let error = |message: String| Failure::Errors(vec![FieldError { path: at.to_string(), message }]);
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
fn has_merge_key(m: &Mapping) -> bool {
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

fn template_mut<'a>(item: &'a mut Node, kind: &WorkloadKind) -> Option<&'a mut Mapping> {
    let mut node = item;
    for key in &kind.template_path {
        node = node.as_mapping_mut()?.get_mut(key)?;
    }
    node.as_mapping_mut()
}

fn read_status(template: &Mapping, fields: &Fields) -> Result<Status, Failure> {
    let value = template.get("metadata").and_then(|m| m.get("annotations")).and_then(|a| a.get(STATUS_ANNOTATION));
    let Some(value) = value else { return Ok(Status::default()) };
    let text = value.as_scalar().map(|s| s.value.as_str()).unwrap_or("");
    Status::parse(text).map_err(|e| {
        Failure::Errors(vec![FieldError {
            path: format!("{}.annotations[\"{STATUS_ANNOTATION}\"]", fields.metadata),
            message: format!("not a status record this function wrote ({e}); fix or delete the annotation"),
        }])
    })
}

fn write_status(template: &mut Mapping, status: &Status) {
    if status.is_empty() {
        remove_key(template, &["metadata", "annotations"], STATUS_ANNOTATION);
    } else {
        metadata_map(template, "annotations").insert(STATUS_ANNOTATION, Node::string(status.to_json()));
    }
}

// ---- taking out what a record says was added ----------------------------------------------------------------

/// Takes out what `record` says was added, except what `injection` (the config now) adds again: those stay
/// where they are, and `add` replaces them in place, so a re-run or an upgrade does not move anything.
fn undo(template: &mut Mapping, record: &Record, injection: Option<&Injection>, report: &mut Report) {
    let again = |part: Owned| injection.is_some_and(|i| provides(i, part));
    if let Some(spec) = template.get_mut("spec").and_then(Node::as_mapping_mut) {
        for (list, entries, what) in [
            ("containers", &record.containers, "container"),
            ("initContainers", &record.init_containers, "container"),
            ("volumes", &record.volumes, "volume"),
        ] {
            for (name, hash) in entries {
                let part = if list == "volumes" { Owned::Volume(name) } else { Owned::Container { list, name } };
                if again(part) {
                    continue;
                }
                if let Some(node) = take_named(spec, list, "name", name) {
                    if &meaning_hash(&node) != hash {
                        report.overwritten.push(format!("{what} {name}"));
                    }
                    report.removed.push(format!("{what} {name}"));
                }
            }
        }
        for (list, entries, key) in [
            ("env", &record.env, "name"),
            ("envFrom", &record.env_from, ""),
            ("volumeMounts", &record.volume_mounts, "mountPath"),
        ] {
            for (container_name, names) in entries {
                let Some(container) = named_mut(spec, "containers", container_name) else { continue };
                for name in names {
                    if again(Owned::InContainer { container: container_name, list, key: name }) {
                        continue;
                    }
                    if key.is_empty() {
                        take_env_from(container, name);
                    } else {
                        take_named(container, list, key, name);
                    }
                }
                drop_if_empty(container, list);
            }
        }
        for name in &record.image_pull_secrets {
            if !again(Owned::PullSecret(name)) {
                take_named(spec, "imagePullSecrets", "name", name);
            }
        }
        for list in ["initContainers", "volumes", "imagePullSecrets"] {
            drop_if_empty(spec, list);
        }
    }
    for key in &record.annotations {
        if !again(Owned::Annotation(key)) {
            remove_key(template, &["metadata", "annotations"], key);
        }
    }
    for key in &record.labels {
        if !again(Owned::Label(key)) {
            remove_key(template, &["metadata", "labels"], key);
        }
    }
}

/// A part a status record names.
#[derive(Clone, Copy)]
enum Owned<'a> {
    Container {
        list: &'a str,
        name: &'a str,
    },
    Volume(&'a str),
    /// An env var (by name), envFrom source (by key) or mount (by path) in an app container.
    InContainer {
        container: &'a str,
        list: &'a str,
        key: &'a str,
    },
    PullSecret(&'a str),
    Annotation(&'a str),
    Label(&'a str),
}

/// Whether the injection's config adds this part (in the same place).
fn provides(injection: &Injection, part: Owned) -> bool {
    let named = |parts: &[Part], name: &str| parts.iter().any(|p| p.name == name);
    match part {
        Owned::Container { list, name } => {
            (list == "initContainers" && named(&injection.init_containers, name))
                || (list == sidecar_list(injection) && named(&injection.containers, name))
        }
        Owned::Volume(name) => named(&injection.volumes, name),
        Owned::InContainer { container, list, key } => {
            let targeted =
                injection.app_containers.is_empty() || injection.app_containers.iter().any(|c| c == container);
            let parts = match list {
                "env" => &injection.env,
                "envFrom" => &injection.env_from,
                _ => &injection.volume_mounts,
            };
            targeted && named(parts, key)
        }
        Owned::PullSecret(name) => named(&injection.image_pull_secrets, name),
        Owned::Annotation(key) => {
            injection.annotations.iter().any(|(k, _)| k == key)
                || (key == DEFAULT_CONTAINER_ANNOTATION && first_classic(injection))
        }
        Owned::Label(key) => injection.labels.iter().any(|(k, _)| k == key),
    }
}

fn sidecar_list(injection: &Injection) -> &'static str {
    if injection.native {
        "initContainers"
    } else {
        "containers"
    }
}

/// Classic sidecars placed before the app's containers: `kubectl logs/exec` would pick them by default.
fn first_classic(injection: &Injection) -> bool {
    !injection.native && !injection.containers.is_empty() && injection.containers_position == Position::First
}

// ---- adding what the config says --------------------------------------------------------------------------

fn add(
    template: &mut Mapping,
    injection: &Injection,
    others: &Status,
    old: Option<&Record>,
    fields: &Fields,
    report: &mut Report,
) -> Result<Record, Vec<FieldError>> {
    let mut record = Record { config: injection.hash.clone(), ..Default::default() };
    let mut errors = Vec::new();
    let policy = injection.on_conflict;
    let empty = Record::default();
    let old = old.unwrap_or(&empty);
    let mut ctx = Ctx { injection, policy, old, report, errors: &mut errors };

    let Some(spec) = template.get_mut("spec").and_then(Node::as_mapping_mut) else {
        return Ok(record); // check_shape made sure there is one
    };
    // Native sidecars go with the init containers, after the injection's own plain ones.
    let mut new_init = Vec::new();
    let mut new_containers = Vec::new();
    for part in &injection.init_containers {
        if let Some(hash) = ctx.container(spec, part, "initContainers", &mut new_init, &fields.spec) {
            record.init_containers.push((part.name.clone(), hash));
        }
    }
    for part in &injection.containers {
        let (list, out) =
            if injection.native { ("initContainers", &mut new_init) } else { ("containers", &mut new_containers) };
        if let Some(hash) = ctx.container(spec, part, list, out, &fields.spec) {
            if injection.native {
                record.init_containers.push((part.name.clone(), hash));
            } else {
                record.containers.push((part.name.clone(), hash));
            }
        }
    }
    insert(spec, "initContainers", new_init, injection.init_containers_position);
    insert(spec, "containers", new_containers, injection.containers_position);

    for part in &injection.volumes {
        let owned = recorded(&old.volumes, &part.name);
        if let Some(hash) = ctx.named_part(spec, "volumes", "name", part, &fields.spec, "volume", owned) {
            record.volumes.push((part.name.clone(), hash));
        }
    }
    for part in &injection.image_pull_secrets {
        let owned = old.image_pull_secrets.contains(&part.name).then_some("");
        if ctx.named_part(spec, "imagePullSecrets", "name", part, &fields.spec, "image pull secret", owned).is_some() {
            record.image_pull_secrets.push(part.name.clone());
        }
    }

    // The app's own containers: regular containers that no injection added.
    let injected: Vec<&str> = others
        .injected_containers()
        .chain(injection.containers.iter().chain(&injection.init_containers).map(|p| p.name.as_str()))
        .collect();
    let wants_app = !(injection.env.is_empty() && injection.env_from.is_empty() && injection.volume_mounts.is_empty());
    let mut first_app_container = None;
    let count = spec.get("containers").and_then(Node::as_sequence).map_or(0, |s| s.items.len());
    for index in 0..count {
        let Some(container) = nth_container(spec, index) else { continue };
        let name = container.get("name").and_then(|n| n.as_scalar()).map(|s| s.value.clone()).unwrap_or_default();
        if injected.contains(&name.as_str()) {
            continue;
        }
        first_app_container.get_or_insert_with(|| name.clone());
        if !wants_app || !(injection.app_containers.is_empty() || injection.app_containers.contains(&name)) {
            continue;
        }
        let at = format!("{}.containers[{index}]", fields.spec);
        let mut env = Vec::new();
        let mut env_from = Vec::new();
        let mut mounts = Vec::new();
        let owned = |entries: &[(String, Vec<String>)], key: &str| {
            entries.iter().any(|(c, names)| *c == name && names.iter().any(|n| n == key)).then_some("")
        };
        for part in &injection.env {
            let owned = owned(&old.env, &part.name);
            if ctx.named_part(container, "env", "name", part, &at, "env var", owned).is_some() {
                env.push(part.name.clone());
            }
        }
        for part in &injection.env_from {
            let owned = owned(&old.env_from, &part.name).is_some();
            if ctx.env_from(container, part, &at, owned).is_some() {
                env_from.push(part.name.clone());
            }
        }
        for part in &injection.volume_mounts {
            let owned = owned(&old.volume_mounts, &part.name);
            if ctx.named_part(container, "volumeMounts", "mountPath", part, &at, "volume mount", owned).is_some() {
                mounts.push(part.name.clone());
            }
        }
        for (list, names) in
            [(&mut record.env, env), (&mut record.env_from, env_from), (&mut record.volume_mounts, mounts)]
        {
            if !names.is_empty() {
                list.push((name.clone(), names));
            }
        }
    }
    if wants_app {
        for wanted in &injection.app_containers {
            if index_named(spec, "containers", "name", wanted).is_none() {
                ctx.report.warnings.push((
                    format!("{}.containers", fields.spec),
                    format!("spec.appContainers names {wanted:?}, which this workload does not have"),
                ));
            }
        }
    }

    let mut annotations = injection.annotations.clone();
    // With a sidecar first, `kubectl logs/exec` would pick it; point them at the app unless the user chose
    // (an earlier run's own setting is ours, not the user's choice).
    if let (true, Some(app)) = (first_classic(injection), &first_app_container) {
        let set = template
            .get("metadata")
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION));
        if set.is_none() || old.annotations.iter().any(|k| k == DEFAULT_CONTAINER_ANNOTATION) {
            annotations.push((DEFAULT_CONTAINER_ANNOTATION.to_string(), Node::string(app.clone())));
        }
    }
    for (field, entries, owned, out) in [
        ("annotations", &annotations, &old.annotations, &mut record.annotations),
        ("labels", &injection.labels, &old.labels, &mut record.labels),
    ] {
        for (key, value) in entries {
            let map = metadata_map(template, field);
            let at = format!("{}.{field}[{key:?}]", fields.metadata);
            match map.get(key) {
                None => {
                    map.insert(key, value.clone());
                    ctx.report.added.push(format!("{} {key}", singular(field)));
                }
                Some(existing) if existing.same_meaning(value) => {}
                Some(_) if owned.contains(key) => {
                    map.insert(key, value.clone());
                    ctx.report.updated.push(format!("{} {key}", singular(field)));
                }
                Some(_) => match ctx.conflict(&at, singular(field), key) {
                    Some(()) => map.insert(key, value.clone()),
                    None => continue,
                },
            }
            out.push(key.clone());
        }
    }
    if errors.is_empty() {
        Ok(record)
    } else {
        Err(errors)
    }
}

fn singular(field: &str) -> &'static str {
    if field == "labels" {
        "label"
    } else {
        "annotation"
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
}

impl Ctx<'_> {
    /// Someone else's `what` named `name` is at `at`. `Some(())`: replace it; `None`: keep it (or fail).
    fn conflict(&mut self, at: &str, what: &str, name: &str) -> Option<()> {
        match self.policy {
            OnConflict::Fail => {
                self.errors.push(FieldError {
                    path: at.to_string(),
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
        base: &str,
    ) -> Option<String> {
        let hash = part.hash.clone();
        for existing_list in ["containers", "initContainers"] {
            let Some(index) = index_named(spec, existing_list, "name", &part.name) else { continue };
            let owned = if existing_list == "containers" { &self.old.containers } else { &self.old.init_containers };
            let owned = recorded(owned, &part.name);
            if existing_list == list {
                let existing = spec.get_mut(list).and_then(Node::as_sequence_mut).and_then(|s| s.items.get_mut(index));
                let Some(existing) = existing else { continue };
                if existing.same_meaning(&part.node) {
                    // Already there as configured (say, added by an older version without a record): adopt it.
                    return Some(hash);
                }
                if let Some(recorded_hash) = owned {
                    self.replaced(existing, recorded_hash, &part.node, "container", &part.name);
                    return Some(hash);
                }
            }
            if owned.is_none() {
                self.conflict(&format!("{base}.{existing_list}[{index}]"), "container", &part.name)?;
            }
            // Someone else's that the policy lets go, or this injection's own moving between the lists.
            take_named(spec, existing_list, "name", &part.name);
        }
        out.push(part.node.clone());
        self.report.added.push(format!("container {}", part.name));
        Some(hash)
    }

    /// Puts the configured node where this injection's own one stands, and says why it changed.
    fn replaced(&mut self, existing: &mut Node, recorded_hash: &str, node: &Node, what: &str, name: &str) {
        if !recorded_hash.is_empty() && meaning_hash(existing) != recorded_hash {
            self.report.overwritten.push(format!("{what} {name}"));
        } else {
            self.report.updated.push(format!("{what} {name}"));
        }
        *existing = node.clone();
    }

    /// An entry of a list identified by `key` (volumes and pull secrets by name, env by name, mounts by
    /// mountPath) is appended, adopted when identical, replaced in place when it is this injection's own
    /// (`owned`: its recorded hash, or "" where the record keeps names only), or handled as a conflict.
    #[allow(clippy::too_many_arguments)]
    fn named_part(
        &mut self,
        map: &mut Mapping,
        list: &str,
        key: &str,
        part: &Part,
        base: &str,
        what: &str,
        owned: Option<&str>,
    ) -> Option<String> {
        let hash = part.hash.clone();
        let container = map.get("name").and_then(Node::as_str).map(str::to_string);
        let label = match (list, &container) {
            ("env" | "volumeMounts", Some(c)) => format!("{what} {} in {c}", part.name),
            _ => format!("{what} {}", part.name),
        };
        if let Some(index) = index_named(map, list, key, &part.name) {
            let existing = map.get_mut(list).and_then(Node::as_sequence_mut).and_then(|s| s.items.get_mut(index))?;
            if existing.same_meaning(&part.node) {
                return Some(hash);
            }
            if let Some(recorded_hash) = owned {
                self.replaced(existing, recorded_hash, &part.node, what, &label[what.len() + 1..]);
                return Some(hash);
            }
            self.conflict(&format!("{base}.{list}[{index}]"), what, &part.name)?;
            take_named(map, list, key, &part.name);
        }
        list_mut(map, list).push(part.node.clone());
        self.report.added.push(label);
        Some(hash)
    }

    fn env_from(&mut self, container: &mut Mapping, part: &Part, base: &str, owned: bool) -> Option<()> {
        let name = container.get("name").and_then(Node::as_str).unwrap_or("").to_string();
        let items = container.get_mut("envFrom").and_then(Node::as_sequence_mut).map(|s| &mut s.items);
        if let Some(items) = items {
            if items.iter().any(|n| n.same_meaning(&part.node)) {
                return Some(());
            }
            if let Some(index) = items.iter().position(|n| env_from_key(n) == part.name) {
                if owned {
                    items[index] = part.node.clone();
                    self.report.updated.push(format!("envFrom {} in {name}", part.name));
                    return Some(());
                }
                self.conflict(&format!("{base}.envFrom[{index}]"), "envFrom source", &part.name)?;
                take_env_from(container, &part.name);
            }
        }
        list_mut(container, "envFrom").push(part.node.clone());
        self.report.added.push(format!("envFrom {} in {name}", part.name));
        Some(())
    }
}

/// The hash a record holds for `name`, if this injection added it.
fn recorded<'a>(entries: &'a [(String, String)], name: &str) -> Option<&'a str> {
    entries.iter().find(|(n, _)| n == name).map(|(_, h)| h.as_str())
}

// ---- list helpers -------------------------------------------------------------------------------------------

fn take_env_from(container: &mut Mapping, key: &str) {
    if let Some(list) = container.get_mut("envFrom").and_then(Node::as_sequence_mut) {
        list.items.retain(|n| env_from_key(n) != key);
    }
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

/// Removes `key` from the mapping at `path`, then drops the mappings left empty (the ones this function made).
fn remove_key(template: &mut Mapping, path: &[&str; 2], key: &str) {
    let Some(metadata) = template.get_mut(path[0]).and_then(Node::as_mapping_mut) else { return };
    let Some(map) = metadata.get_mut(path[1]).and_then(Node::as_mapping_mut) else { return };
    map.remove(key);
    drop_if_empty(metadata, path[1]);
    drop_if_empty(template, path[0]);
}
