//! What will hurt the user later: warnings about the config and about where it is injected.

use crate::config::{Injection, Part};
use crate::krm::{Finding, Severity};
use crate::workload::WorkloadKind;
use crate::yaml::Node;

/// Warnings about the injected containers themselves, reported once, against the functionConfig.
pub fn config_warnings(injection: &Injection) -> Vec<Finding> {
    let mut findings = Vec::new();
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
    let runs_to_completion = workload.group == "batch" && (workload.kind == "Job" || workload.kind == "CronJob");
    if runs_to_completion && !injection.native && !injection.containers.is_empty() {
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
            .at(format!("{}.containers", workload.pod_spec_path.join("."))),
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
