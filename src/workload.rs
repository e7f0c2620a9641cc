//! Which kinds are workloads, and where each keeps its pod template.
//!
//! One table, used everywhere, so that a kind is never recognised in one place and missed in another.
//! Kinds are matched on the API group and the kind exactly (any version of the group): an empty group must
//! not match every group.

use crate::path::FieldPath;
use lossless_yaml::Node;

/// An object's `apiVersion` and `kind`, read once: what decides whether it is a workload, a Namespace, or the
/// function's own config. Missing or non-string values read as "".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TypeMeta<'a> {
    pub(crate) api_version: &'a str,
    /// The API group of `api_version`: `apps` for `apps/v1`, `""` (the core group) for `v1`.
    pub(crate) group: &'a str,
    pub(crate) kind: &'a str,
}

impl<'a> TypeMeta<'a> {
    /// The type, with "" for a missing or non-string apiVersion or kind.
    pub(crate) fn of(object: &'a Node) -> TypeMeta<'a> {
        let text = |field: &str| object.get(field).and_then(Node::as_str).unwrap_or("");
        TypeMeta::new(text("apiVersion"), text("kind"))
    }

    /// The type, when both apiVersion and kind are strings: only then can the object be a workload.
    pub(crate) fn read(object: &'a Node) -> Option<TypeMeta<'a>> {
        Some(TypeMeta::new(object.get("apiVersion")?.as_str()?, object.get("kind")?.as_str()?))
    }

    fn new(api_version: &'a str, kind: &'a str) -> TypeMeta<'a> {
        TypeMeta { api_version, group: group_of(api_version), kind }
    }

    /// Of this group (exactly: the core group is `""`, not "any") and kind, in any version.
    pub(crate) fn is(&self, group: &str, kind: &str) -> bool {
        self.group == group && self.kind == kind
    }
}

/// A kind of object that carries a pod template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WorkloadKind {
    /// The API group (`""` for the core group, `apps`, `batch`, ...).
    pub(crate) group: String,
    pub(crate) kind: String,
    /// The keys from the object's root to its pod template, the mapping with `metadata` and `spec` (empty for a
    /// Pod, which is its own template).
    pub(crate) template_path: Vec<String>,
    /// `spec.template.spec` and `spec.template.metadata` as field paths, made once: every workload's checks
    /// and reports start from them.
    pod_spec: FieldPath,
    template_metadata: FieldPath,
}

impl WorkloadKind {
    pub(crate) fn new(group: &str, kind: &str, template_path: &str) -> WorkloadKind {
        let template = FieldPath::from(template_path);
        WorkloadKind {
            group: group.to_string(),
            kind: kind.to_string(),
            template_path: template_path.split('.').filter(|k| !k.is_empty()).map(str::to_string).collect(),
            pod_spec: template.key("spec"),
            template_metadata: template.key("metadata"),
        }
    }

    /// `spec.template.spec`, as a field path for messages.
    pub(crate) fn pod_spec_field(&self) -> &FieldPath {
        &self.pod_spec
    }

    /// `spec.template.metadata`.
    pub(crate) fn template_metadata_field(&self) -> &FieldPath {
        &self.template_metadata
    }

    /// Jobs run to completion: a classic sidecar keeps them from ever completing.
    pub(crate) fn runs_to_completion(&self) -> bool {
        self.group == "batch" && (self.kind == "Job" || self.kind == "CronJob")
    }
}

/// The built-in workload kinds: (group, kind, path of the pod template).
const BUILTIN: &[(&str, &str, &str)] = &[
    ("", "Pod", ""),
    ("", "PodTemplate", "template"),
    ("", "ReplicationController", "spec.template"),
    ("apps", "Deployment", "spec.template"),
    ("apps", "ReplicaSet", "spec.template"),
    ("apps", "StatefulSet", "spec.template"),
    ("apps", "DaemonSet", "spec.template"),
    ("batch", "Job", "spec.template"),
    ("batch", "CronJob", "spec.jobTemplate.spec.template"),
    // Served no more (see RETIRED), but still in old charts and manifests: injected like their current kinds.
    ("extensions", "Deployment", "spec.template"),
    ("extensions", "ReplicaSet", "spec.template"),
    ("extensions", "DaemonSet", "spec.template"),
    // Widely used custom workloads whose pod template sits where a Deployment's does.
    ("argoproj.io", "Rollout", "spec.template"),
    ("apps.kruise.io", "CloneSet", "spec.template"),
    ("apps.kruise.io", "StatefulSet", "spec.template"),
    ("apps.kruise.io", "DaemonSet", "spec.template"),
];

/// Workload apiVersions no Kubernetes release serves any more: (apiVersion, kinds, the one to use, the release
/// that stopped serving it).
const RETIRED: &[(&str, &[&str], &str, &str)] = &[
    ("extensions/v1beta1", &["Deployment", "ReplicaSet", "DaemonSet"], "apps/v1", "1.16"),
    ("apps/v1beta1", &["Deployment", "StatefulSet"], "apps/v1", "1.16"),
    ("apps/v1beta2", &["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"], "apps/v1", "1.16"),
    ("batch/v2alpha1", &["CronJob"], "batch/v1", "1.21"),
    ("batch/v1beta1", &["CronJob"], "batch/v1", "1.25"),
];

/// For a workload whose apiVersion is no longer served: the warning that says which to use instead.
pub(crate) fn retired_api_version(type_meta: &TypeMeta) -> Option<String> {
    let (api_version, _, current, release) = RETIRED
        .iter()
        .find(|(api_version, kinds, _, _)| *api_version == type_meta.api_version && kinds.contains(&type_meta.kind))?;
    Some(format!(
        "{api_version} {kind} is no longer served (since Kubernetes {release}), so the API server will refuse it; write apiVersion {current}; it is injected the same way",
        kind = type_meta.kind
    ))
}

/// The kinds this function injects into.
#[derive(Clone, Debug)]
pub(crate) struct WorkloadTable {
    kinds: Vec<WorkloadKind>,
}

impl Default for WorkloadTable {
    fn default() -> Self {
        WorkloadTable {
            kinds: BUILTIN.iter().map(|(group, kind, path)| WorkloadKind::new(group, kind, path)).collect(),
        }
    }
}

impl WorkloadTable {
    /// Adds a kind, or replaces where a built-in kind of the same group keeps its template.
    pub(crate) fn add(&mut self, kind: WorkloadKind) {
        match self.kinds.iter_mut().find(|k| k.group == kind.group && k.kind == kind.kind) {
            Some(existing) => *existing = kind,
            None => self.kinds.push(kind),
        }
    }

    /// The entry for an object's type, if it is a workload.
    pub(crate) fn lookup(&self, type_meta: &TypeMeta) -> Option<&WorkloadKind> {
        self.kinds.iter().find(|w| type_meta.is(&w.group, &w.kind))
    }

    /// True when some workload kind has this name (for validating `selector.kinds`).
    pub(crate) fn knows_kind(&self, kind: &str) -> bool {
        self.kinds.iter().any(|w| w.kind == kind)
    }

    /// The kind names, for error messages (each once).
    pub(crate) fn kind_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for w in &self.kinds {
            if !names.contains(&w.kind.as_str()) {
                names.push(&w.kind);
            }
        }
        names
    }
}

/// `apps/v1` -> `apps`; `v1` -> `` (the core group).
pub(crate) fn group_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some((group, _version)) => group,
        None => "",
    }
}

/// The identity of an object, as results name it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ObjectRef {
    pub(crate) api_version: String,
    pub(crate) kind: String,
    pub(crate) name: String,
    pub(crate) namespace: Option<String>,
}

impl ObjectRef {
    /// Reads apiVersion, kind, metadata.name and metadata.namespace; missing parts are empty.
    pub(crate) fn of(object: &Node) -> ObjectRef {
        let text = |node: Option<&Node>| node.and_then(Node::as_scalar).map(|s| s.value.to_string());
        let metadata = object.get("metadata");
        ObjectRef {
            api_version: text(object.get("apiVersion")).unwrap_or_default(),
            kind: text(object.get("kind")).unwrap_or_default(),
            name: text(metadata.and_then(|m| m.get("name"))).unwrap_or_default(),
            namespace: text(metadata.and_then(|m| m.get("namespace"))),
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {}/{}", self.kind, ns, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(api_version: &'static str, kind: &'static str) -> TypeMeta<'static> {
        TypeMeta::new(api_version, kind)
    }

    #[test]
    fn a_kind_matches_on_its_exact_group_not_on_its_name_alone() {
        let table = WorkloadTable::default();
        assert!(table.lookup(&meta("apps/v1", "Deployment")).is_some());
        assert!(table.lookup(&meta("v1", "Deployment")).is_none());
        assert!(table.lookup(&meta("example.com/v1", "Deployment")).is_none());
        assert!(table.lookup(&meta("batch/v1", "CronJob")).is_some());
        assert!(table.lookup(&meta("v1", "Pod")).is_some());
        assert!(table.lookup(&meta("apps/v1", "Pod")).is_none());
        assert!(table.lookup(&meta("argoproj.io/v1alpha1", "Rollout")).is_some());
        assert!(table.lookup(&meta("apps.kruise.io/v1alpha1", "CloneSet")).is_some());
    }

    #[test]
    fn custom_workload_kinds_extend_or_override_the_built_in_ones() {
        let mut table = WorkloadTable::default();
        table.add(WorkloadKind::new("example.com", "Worker", "spec.podTemplate"));
        assert_eq!(
            table.lookup(&meta("example.com/v2", "Worker")).unwrap().pod_spec_field().to_string(),
            "spec.podTemplate.spec"
        );
        table.add(WorkloadKind::new("argoproj.io", "Rollout", "spec.other"));
        assert_eq!(
            table.lookup(&meta("argoproj.io/v1alpha1", "Rollout")).unwrap().pod_spec_field().to_string(),
            "spec.other.spec"
        );
    }

    #[test]
    fn a_retired_api_version_is_a_workload_with_a_warning_naming_the_one_to_write() {
        let table = WorkloadTable::default();
        for (api_version, kind) in
            [("extensions/v1beta1", "DaemonSet"), ("apps/v1beta1", "Deployment"), ("batch/v1beta1", "CronJob")]
        {
            let type_meta = meta(api_version, kind);
            assert!(table.lookup(&type_meta).is_some(), "{api_version} {kind}");
            let warning = retired_api_version(&type_meta).expect("a warning");
            assert!(warning.starts_with(&format!("{api_version} {kind} is no longer served")), "{warning}");
        }
        assert_eq!(retired_api_version(&meta("apps/v1", "Deployment")), None);
        assert_eq!(retired_api_version(&meta("batch/v1beta1", "Job")), None);
        assert!(table.lookup(&meta("extensions/v1beta1", "Ingress")).is_none());
    }

    #[test]
    fn a_cronjob_pod_template_is_nested_in_its_job_template() {
        let table = WorkloadTable::default();
        let cron = table.lookup(&meta("batch/v1", "CronJob")).unwrap();
        assert_eq!(cron.pod_spec_field().to_string(), "spec.jobTemplate.spec.template.spec");
        let pod = table.lookup(&meta("v1", "Pod")).unwrap();
        assert_eq!(pod.pod_spec_field().to_string(), "spec");
        assert_eq!(pod.template_metadata_field().to_string(), "metadata");
    }
}
