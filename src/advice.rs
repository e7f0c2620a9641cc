//! Advice: what will hurt the user later, though the pod is valid (warnings, never errors).

use crate::config::{Form, Injection, Part};
use crate::krm::{Finding, Severity};
use crate::path::FieldPath;
use crate::workload::WorkloadKind;
use lossless_yaml::Node;

/// Warnings about the injected containers themselves, reported once, against the functionConfig.
pub(crate) fn config_warnings(injection: &Injection) -> Vec<Finding> {
    let mut findings = Vec::new();
    if injection.policy.remove {
        return findings;
    }
    for part in injection.adds.all_containers() {
        let warn = |field: FieldPath, message: String| {
            Finding::new(Severity::Warning, message).about_ref(&injection.source).at(field)
        };
        let requests = part.node.get("resources").and_then(|r| r.get("requests"));
        if requests.and_then(Node::as_mapping).is_none_or(|m| m.entries.is_empty()) {
            findings.push(warn(
                field(injection, part, "resources.requests", "cpu"),
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
                    field(injection, part, "image", "image"),
                    format!("image {image:?} has no tag: it means :latest, which changes under you; pin a version or a digest"),
                )),
                ImageTag::Latest => findings.push(warn(
                    field(injection, part, "image", "image"),
                    format!("image {image:?} uses :latest, which changes under you; pin a version or a digest"),
                )),
            }
        }
    }
    findings
}

/// The field path of a part's attribute; for the ConfigMap form, the `data` key the user wrote.
fn field(injection: &Injection, part: &Part, spec_field: &str, data_key: &str) -> FieldPath {
    match injection.form {
        Form::ConfigMap => FieldPath::from("data").key(data_key),
        Form::SidecarInjector => part.path.keys(spec_field),
    }
}

/// Warnings about injecting into this workload.
pub(crate) fn workload_warnings(item: &Node, workload: &WorkloadKind, injection: &Injection) -> Vec<Finding> {
    let mut findings = Vec::new();
    let sidecars = injection.adds.containers();
    if workload.runs_to_completion() && !injection.placement.native && !sidecars.is_empty() && !injection.policy.remove
    {
        let names: Vec<&str> = sidecars.iter().map(|p| p.name.as_str()).collect();
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
            .at(workload.pod_spec_field().key("containers")),
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
    fn an_image_tag_is_read_after_the_last_slash_so_a_registry_port_is_no_tag() {
        assert_eq!(image_tag("fluent/fluent-bit:3.1"), ImageTag::Tag("3.1"));
        assert_eq!(image_tag("fluent/fluent-bit"), ImageTag::None);
        assert_eq!(image_tag("registry:5000/fluent-bit"), ImageTag::None);
        assert_eq!(image_tag("registry:5000/fluent-bit:2"), ImageTag::Tag("2"));
        assert_eq!(image_tag("envoy:latest"), ImageTag::Latest);
        assert_eq!(image_tag("envoy@sha256:abc"), ImageTag::Digest);
    }
}
