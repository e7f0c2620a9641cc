//! Which kinds are workloads, and where each keeps its pod template.
//!
//! One table, used everywhere, so that a kind is never recognised in one place and missed in another.
//! Kinds are matched on the API group and the kind exactly (any version of the group): an empty group must
//! not match every group.

use crate::yaml::Node;

/// A kind of object that carries a pod template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadKind {
    /// The API group (`""` for the core group, `apps`, `batch`, ...).
    pub group: String,
    pub kind: String,
    /// The keys from the object's root to the pod spec (`spec.template.spec` is `["spec", "template", "spec"]`).
    pub pod_spec_path: Vec<String>,
}

/// The built-in workload kinds: (group, kind, path of the pod spec).
const BUILTIN: &[(&str, &str, &str)] = &[
    ("", "Pod", "spec"),
    ("", "PodTemplate", "template.spec"),
    ("", "ReplicationController", "spec.template.spec"),
    ("apps", "Deployment", "spec.template.spec"),
    ("apps", "ReplicaSet", "spec.template.spec"),
    ("apps", "StatefulSet", "spec.template.spec"),
    ("apps", "DaemonSet", "spec.template.spec"),
    ("batch", "Job", "spec.template.spec"),
    ("batch", "CronJob", "spec.jobTemplate.spec.template.spec"),
];

/// The kinds this function injects into.
#[derive(Clone, Debug)]
pub struct WorkloadTable {
    kinds: Vec<WorkloadKind>,
}

impl Default for WorkloadTable {
    fn default() -> Self {
        WorkloadTable {
            kinds: BUILTIN
                .iter()
                .map(|(group, kind, path)| WorkloadKind {
                    group: group.to_string(),
                    kind: kind.to_string(),
                    pod_spec_path: path.split('.').map(str::to_string).collect(),
                })
                .collect(),
        }
    }
}

impl WorkloadTable {
    /// The entry for an object's `apiVersion` and `kind`, if it is a workload.
    pub fn lookup(&self, api_version: &str, kind: &str) -> Option<&WorkloadKind> {
        let group = group_of(api_version);
        self.kinds.iter().find(|w| w.kind == kind && w.group == group)
    }

    /// True when some workload kind has this name (for validating `selector.kinds`).
    pub fn knows_kind(&self, kind: &str) -> bool {
        self.kinds.iter().any(|w| w.kind == kind)
    }

    /// The kind names, for error messages.
    pub fn kind_names(&self) -> Vec<&str> {
        self.kinds.iter().map(|w| w.kind.as_str()).collect()
    }
}

/// `apps/v1` -> `apps`; `v1` -> `` (the core group).
pub fn group_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some((group, _version)) => group,
        None => "",
    }
}

/// The identity of an object, as results name it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

impl ObjectRef {
    /// Reads apiVersion, kind, metadata.name and metadata.namespace; missing parts are empty.
    pub fn of(object: &Node) -> ObjectRef {
        let text = |node: Option<&Node>| node.and_then(Node::as_scalar).map(|s| s.value.clone());
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

    #[test]
    fn kinds_match_on_group_not_just_name() {
        let table = WorkloadTable::default();
        assert!(table.lookup("apps/v1", "Deployment").is_some());
        assert!(table.lookup("v1", "Deployment").is_none());
        assert!(table.lookup("example.com/v1", "Deployment").is_none());
        assert!(table.lookup("batch/v1", "CronJob").is_some());
        assert!(table.lookup("v1", "Pod").is_some());
        assert!(table.lookup("apps/v1", "Pod").is_none());
    }

    #[test]
    fn cronjob_template_is_nested_in_job_template() {
        let table = WorkloadTable::default();
        let cron = table.lookup("batch/v1", "CronJob").unwrap();
        assert_eq!(cron.pod_spec_path, ["spec", "jobTemplate", "spec", "template", "spec"]);
    }
}
