//! Is the resulting pod one the API server accepts; and what will hurt the user later (warnings).

use crate::config::{FieldError, Injection, Part};
use crate::krm::{Finding, Severity};
use crate::workload::WorkloadKind;
use lossless_yaml::{Mapping, Node};

/// What the API server (or the kubelet) would reject in a pod template, found in `after` but not in `before`:
/// an injection answers for what it broke, not for what the workload already had wrong.
pub fn new_problems(before: &Mapping, after: &Mapping, spec_field: &str) -> Vec<FieldError> {
    let found = problems(after, spec_field);
    if found.is_empty() {
        return Vec::new(); // the common case: no need to look at the pod as it was
    }
    let known: Vec<String> = problems(before, spec_field).into_iter().map(|(key, _)| key).collect();
    found.into_iter().filter(|(key, _)| !known.contains(key)).map(|(_, e)| e).collect()
}

/// Each problem with a key that does not depend on list positions (an insertion at the front shifts them).
fn problems(template: &Mapping, base: &str) -> Vec<(String, FieldError)> {
    let mut out = Vec::new();
    let Some(spec) = template.get("spec").and_then(Node::as_mapping) else { return out };
    let list = |key: &str| spec.get(key).and_then(Node::as_sequence).map(|s| s.items.as_slice()).unwrap_or(&[]);
    let text = |node: Option<&Node>| node.and_then(Node::as_scalar).map(|s| s.value.clone());
    let mut problem = |key: String, path: String, message: String| out.push((key, FieldError { path, message }));

    // Containers of both lists, with where they are.
    let containers: Vec<(&str, usize, &Node)> = ["initContainers", "containers"]
        .into_iter()
        .flat_map(|l| list(l).iter().enumerate().map(move |(i, c)| (l, i, c)))
        .collect();
    let mut seen: Vec<(String, String)> = Vec::new();
    for (l, i, c) in &containers {
        let Some(name) = text(c.get("name")) else { continue };
        let at = format!("{base}.{l}[{i}]");
        match seen.iter().find(|(n, _)| *n == name) {
            Some((_, first)) => problem(
                format!("container {name}"),
                format!("{at}.name"),
                format!("container name {name:?} is used twice in the pod (also at {first}); names must be unique across containers and initContainers"),
            ),
            None => seen.push((name, at)),
        }
    }

    let volumes: Vec<String> = list("volumes").iter().filter_map(|v| text(v.get("name"))).collect();
    let mut seen_volumes: Vec<&str> = Vec::new();
    for (i, name) in volumes.iter().enumerate() {
        if seen_volumes.contains(&name.as_str()) {
            problem(
                format!("volume {name}"),
                format!("{base}.volumes[{i}].name"),
                format!("volume name {name:?} is used twice in the pod"),
            );
        }
        seen_volumes.push(name);
    }

    for (l, i, c) in &containers {
        let container = text(c.get("name")).unwrap_or_default();
        let mounts = c.get("volumeMounts").and_then(Node::as_sequence).map(|s| s.items.as_slice()).unwrap_or(&[]);
        let mut paths: Vec<String> = Vec::new();
        for (j, m) in mounts.iter().enumerate() {
            let at = format!("{base}.{l}[{i}].volumeMounts[{j}]");
            if let Some(volume) = text(m.get("name")) {
                if !volumes.contains(&volume) {
                    problem(
                        format!("mount {container} {volume}"),
                        format!("{at}.name"),
                        format!("container {container:?} mounts volume {volume:?}, which the pod does not have"),
                    );
                }
            }
            if let Some(path) = text(m.get("mountPath")) {
                if paths.contains(&path) {
                    problem(
                        format!("path {container} {path}"),
                        format!("{at}.mountPath"),
                        format!("container {container:?} mounts two volumes at {path:?}"),
                    );
                }
                paths.push(path);
            }
        }
    }

    // Ports: the app containers and native sidecars run at once in one network namespace. Plain init
    // containers run before them, one at a time.
    let mut ports: Vec<(String, String)> = Vec::new();
    for (l, i, c) in &containers {
        let native = text(c.get("restartPolicy")).as_deref() == Some("Always");
        if *l == "initContainers" && !native {
            continue;
        }
        let container = text(c.get("name")).unwrap_or_default();
        let declared = c.get("ports").and_then(Node::as_sequence).map(|s| s.items.as_slice()).unwrap_or(&[]);
        for (j, p) in declared.iter().enumerate() {
            let Some(port) = text(p.get("containerPort")) else { continue };
            let protocol = text(p.get("protocol")).unwrap_or_else(|| "TCP".to_string());
            let key = format!("{port}/{protocol}");
            match ports.iter().find(|(k, _)| *k == key) {
                Some((_, owner)) => problem(
                    format!("port {key}"),
                    format!("{base}.{l}[{i}].ports[{j}].containerPort"),
                    format!(
                        "containers {owner:?} and {container:?} both declare port {key}; they share the pod's network"
                    ),
                ),
                None => ports.push((key, container.clone())),
            }
        }
    }
    out
}

/// Warnings about the injected containers themselves, reported once, against the functionConfig.
pub fn config_warnings(injection: &Injection) -> Vec<Finding> {
    let mut findings = Vec::new();
    if injection.remove {
        return findings;
    }
    for part in injection.containers.iter().chain(&injection.init_containers) {
        let warn = |field: String, message: String| {
            Finding::new(Severity::Warning, message).about_ref(&injection.source).at(field)
        };
        let requests = part.node.get("resources").and_then(|r| r.get("requests"));
        if requests.and_then(Node::as_mapping).is_none_or(|m| m.entries.is_empty()) {
            findings.push(warn(
                field(part, "resources.requests", "cpu"),
                format!(
                    "container {:?} has no resource requests: the scheduler reserves nothing for it, so pods can land on nodes without room for it",
                    part.name
                ),
            ));
        }
        if let Some(image) = part.node.get("image").and_then(Node::as_str) {
            match image_tag(image) {
                ImageTag::Digest | ImageTag::Tag(_) => {}
                ImageTag::None => findings.push(warn(
                    field(part, "image", "image"),
                    format!("image {image:?} has no tag: it means :latest, which changes under you; pin a version or a digest"),
                )),
                ImageTag::Latest => findings.push(warn(
                    field(part, "image", "image"),
                    format!("image {image:?} uses :latest, which changes under you; pin a version or a digest"),
                )),
            }
        }
    }
    findings
}

/// The field path of a part's attribute; for the ConfigMap form, the `data` key the user wrote.
fn field(part: &Part, spec_field: &str, data_key: &str) -> String {
    if part.path == "data" {
        format!("data.{data_key}")
    } else {
        format!("{}.{spec_field}", part.path)
    }
}

/// Warnings about injecting into this workload.
pub fn workload_warnings(item: &Node, workload: &WorkloadKind, injection: &Injection) -> Vec<Finding> {
    let mut findings = Vec::new();
    if workload.runs_to_completion() && !injection.native && !injection.containers.is_empty() && !injection.remove {
        let names: Vec<&str> = injection.containers.iter().map(|p| p.name.as_str()).collect();
        findings.push(
            Finding::new(
                Severity::Warning,
                format!(
                    "classic sidecar {} keeps running after the {}'s main container exits, so the Job never completes; set spec.native: true to inject native sidecars (Kubernetes 1.29+)",
                    names.join(", "),
                    workload.kind
                ),
            )
            .about(item)
            .at(format!("{}.containers", workload.pod_spec_field())),
        );
    }
    findings
}

#[derive(Debug, PartialEq, Eq)]
enum ImageTag<'a> {
    None,
    Latest,
    Digest,
    Tag(&'a str),
}

/// The tag of an image reference. A `:` before the last `/` belongs to a registry port, not a tag.
fn image_tag(image: &str) -> ImageTag<'_> {
    if image.contains('@') {
        return ImageTag::Digest;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.rsplit_once(':') {
        Some((_, "latest")) => ImageTag::Latest,
        Some((_, tag)) if !tag.is_empty() => ImageTag::Tag(tag),
        _ => ImageTag::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags() {
        assert_eq!(image_tag("fluent/fluent-bit:3.1"), ImageTag::Tag("3.1"));
        assert_eq!(image_tag("fluent/fluent-bit"), ImageTag::None);
        assert_eq!(image_tag("registry:5000/fluent-bit"), ImageTag::None);
        assert_eq!(image_tag("registry:5000/fluent-bit:2"), ImageTag::Tag("2"));
        assert_eq!(image_tag("envoy:latest"), ImageTag::Latest);
        assert_eq!(image_tag("envoy@sha256:abc"), ImageTag::Digest);
    }
}

#[cfg(test)]
mod pod_tests {
    use super::*;
    use lossless_yaml::parse_stream;

    fn template(yaml: &str) -> Mapping {
        match parse_stream(yaml.as_bytes()).unwrap().remove(0).root {
            Node::Mapping(m) => m,
            _ => panic!("a mapping"),
        }
    }

    fn problems_in(yaml: &str) -> Vec<String> {
        let empty = template("spec: {}");
        new_problems(&empty, &template(yaml), "spec.template.spec").iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_valid_pod_has_no_problems() {
        let ok = "spec:
  initContainers: [{name: init, image: i, ports: [{containerPort: 80}]}]
  containers:
  - {name: a, image: a, ports: [{containerPort: 80}, {containerPort: 80, protocol: UDP}], volumeMounts: [{name: v, mountPath: /v}]}
  - {name: b, image: b, volumeMounts: [{name: v, mountPath: /v}]}
  volumes: [{name: v, emptyDir: {}}]";
        assert_eq!(problems_in(ok), Vec::<String>::new());
    }

    #[test]
    fn container_names_are_unique_across_both_lists() {
        let found = problems_in("spec: {initContainers: [{name: x}], containers: [{name: x}]}");
        assert_eq!(found, ["spec.template.spec.containers[0].name: container name \"x\" is used twice in the pod (also at spec.template.spec.initContainers[0]); names must be unique across containers and initContainers"]);
    }

    #[test]
    fn volume_names_are_unique() {
        let found = problems_in("spec: {containers: [{name: a}], volumes: [{name: v}, {name: v}]}");
        assert_eq!(found, ["spec.template.spec.volumes[1].name: volume name \"v\" is used twice in the pod"]);
    }

    #[test]
    fn every_mount_names_a_volume() {
        let found = problems_in("spec: {containers: [{name: a, volumeMounts: [{name: gone, mountPath: /g}]}]}");
        assert_eq!(found, ["spec.template.spec.containers[0].volumeMounts[0].name: container \"a\" mounts volume \"gone\", which the pod does not have"]);
    }

    #[test]
    fn no_two_mounts_at_one_path() {
        let found = problems_in(
            "spec: {containers: [{name: a, volumeMounts: [{name: v, mountPath: /p}, {name: w, mountPath: /p}]}], volumes: [{name: v}, {name: w}]}",
        );
        assert_eq!(found, ["spec.template.spec.containers[0].volumeMounts[1].mountPath: container \"a\" mounts two volumes at \"/p\""]);
    }

    #[test]
    fn ports_clash_between_app_containers_and_native_sidecars_only() {
        let native = problems_in(
            "spec: {initContainers: [{name: proxy, restartPolicy: Always, ports: [{containerPort: 15001}]}], containers: [{name: a, ports: [{containerPort: 15001}]}]}",
        );
        assert_eq!(native, ["spec.template.spec.containers[0].ports[0].containerPort: containers \"proxy\" and \"a\" both declare port 15001/TCP; they share the pod's network"]);
        // A plain init container has finished before the app starts.
        assert!(problems_in("spec: {initContainers: [{name: i, ports: [{containerPort: 80}]}], containers: [{name: a, ports: [{containerPort: 80}]}]}").is_empty());
    }

    #[test]
    fn problems_the_workload_already_had_are_not_new() {
        let broken = "spec: {containers: [{name: a, volumeMounts: [{name: gone, mountPath: /g}]}]}";
        assert!(new_problems(&template(broken), &template(broken), "spec").is_empty());
    }
}
