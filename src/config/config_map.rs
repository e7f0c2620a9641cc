//! The ConfigMap front door: `kpt fn eval DIR --exec sidecar-injector -- name=log-agent image=fluent/fluent-bit:3.1`
//! makes a ConfigMap with those pairs under `data`. This turns it into the spec of a one-sidecar
//! SidecarInjector, checking each key with a `data.<key>` path.

use super::{err, FieldError};
use crate::path::FieldPath;
use crate::workload::WorkloadTable;
use lossless_yaml::{parse_stream, Mapping, Node, Scalar, ScalarStyle, Sequence};

/// Returns the injection name and the spec it stands for.
pub fn to_spec(config: &Node, workloads: &WorkloadTable) -> Result<(String, Node), Vec<FieldError>> {
    let empty = Mapping::default();
    let data = config.get("data").and_then(Node::as_mapping).unwrap_or(&empty);
    let value = |key: &str| {
        data.get(key).and_then(Node::as_scalar).map(|s| s.value.trim().to_string()).filter(|v| !v.is_empty())
    };
    let mut errors = Vec::new();

    let name = value("name").unwrap_or_default();
    if name.is_empty() {
        errors.push(err("data.name", "required: the injection's name, also the sidecar container's name"));
    }
    let image = value("image").unwrap_or_default();
    if image.is_empty() {
        errors.push(err("data.image", "required: the sidecar's image"));
    }

    let mut container = Mapping::default();
    container.insert("name", Node::string(&name));
    container.insert("image", Node::string(&image));
    for key in ["command", "args"] {
        if let Some(text) = value(key) {
            match flow_list(&text) {
                Some(items) => container.insert(key, items),
                None => errors.push(err(
                    FieldPath::from("data").key(key),
                    format!("expected a YAML list such as [\"sh\", \"-c\", \"echo hi\"], found {text:?}"),
                )),
            }
        }
    }
    if let Some(policy) = value("imagePullPolicy") {
        if ["Always", "IfNotPresent", "Never"].contains(&policy.as_str()) {
            container.insert("imagePullPolicy", Node::string(policy));
        } else {
            errors
                .push(err("data.imagePullPolicy", format!("expected Always, IfNotPresent or Never, found {policy:?}")));
        }
    }
    if let Some(port) = value("port") {
        match port.parse::<u16>() {
            Ok(p) if p > 0 => {
                let mut entry = Mapping::default();
                entry.insert("containerPort", plain(p.to_string()));
                container.insert("ports", seq(vec![Node::Mapping(entry)]));
            }
            _ => errors.push(err("data.port", format!("expected a port number from 1 to 65535, found {port:?}"))),
        }
    }
    if let Some(env) = value("env") {
        let mut vars = Vec::new();
        for pair in env.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => {
                    let mut var = Mapping::default();
                    var.insert("name", Node::string(k.trim()));
                    var.insert("value", Node::string(v.trim()));
                    vars.push(Node::Mapping(var));
                }
                _ => errors
                    .push(err("data.env", format!("expected NAME=value pairs separated by commas, found {pair:?}"))),
            }
        }
        container.insert("env", seq(vars));
    }
    let cpu = value("cpu");
    let memory = value("memory");
    if cpu.is_some() || memory.is_some() {
        let mut requests = Mapping::default();
        if let Some(cpu) = cpu {
            requests.insert("cpu", Node::string(cpu));
        }
        if let Some(memory) = memory {
            requests.insert("memory", Node::string(memory));
        }
        let mut resources = Mapping::default();
        resources.insert("requests", Node::Mapping(requests));
        container.insert("resources", Node::Mapping(resources));
    }

    let mut spec = Mapping::default();
    match (value("volume"), value("mountPath")) {
        (Some(volume), Some(mount_path)) => {
            let mut mount = Mapping::default();
            mount.insert("name", Node::string(&volume));
            mount.insert("mountPath", Node::string(mount_path));
            container.insert("volumeMounts", seq(vec![Node::Mapping(mount)]));
            let mut vol = Mapping::default();
            vol.insert("name", Node::string(volume));
            vol.insert("emptyDir", Node::mapping());
            spec.insert("volumes", seq(vec![Node::Mapping(vol)]));
        }
        (Some(_), None) => errors.push(err("data.mountPath", "required with data.volume: where the sidecar mounts it")),
        (None, Some(_)) => {
            errors.push(err("data.volume", "required with data.mountPath: the name of the emptyDir volume"))
        }
        (None, None) => {}
    }
    spec.insert("containers", seq(vec![Node::Mapping(container)]));

    match value("native").as_deref() {
        None | Some("false") => {}
        Some("true") => spec.insert("native", plain("true")),
        Some(other) => errors.push(err("data.native", format!("expected \"true\" or \"false\", found {other:?}"))),
    }

    // Issue 11, item 13: spec.failOnWarnings.
    match value("failOnWarnings").as_deref() {
        None | Some("false") => {}
        Some("true") => spec.insert("failOnWarnings", plain("true")),
        Some(other) => {
            errors.push(err("data.failOnWarnings", format!("expected \"true\" or \"false\", found {other:?}")))
        }
    }

    let mut selector = Mapping::default();
    for key in ["kinds", "names", "namespaces"] {
        if let Some(text) = value(key) {
            let items: Vec<&str> = text.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
            if key == "kinds" {
                for kind in items.iter().filter(|k| !workloads.knows_kind(k)) {
                    errors.push(err(
                        "data.kinds",
                        format!("{kind:?} is not a workload kind; known: {}", workloads.kind_names().join(", ")),
                    ));
                }
            }
            selector.insert(key, seq(items.into_iter().map(Node::string).collect()));
        }
    }
    if let Some(text) = value("matchLabels") {
        let mut labels = Mapping::default();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => labels.insert(k.trim(), Node::string(v.trim())),
                _ => errors.push(err(
                    "data.matchLabels",
                    format!("expected key=value pairs separated by commas, found {pair:?}"),
                )),
            }
        }
        let mut label_selector = Mapping::default();
        label_selector.insert("matchLabels", Node::Mapping(labels));
        selector.insert("labelSelector", Node::Mapping(label_selector));
    }
    if !selector.entries.is_empty() {
        spec.insert("selector", Node::Mapping(selector));
    }

    if errors.is_empty() {
        Ok((name, Node::Mapping(spec)))
    } else {
        Err(errors)
    }
}

/// `["sh", "-c", "echo hi"]` -> a list of strings. Any scalar item is taken as its text.
fn flow_list(text: &str) -> Option<Node> {
    let docs = parse_stream(text.as_bytes()).ok()?;
    let [doc] = docs.as_slice() else { return None };
    let items = doc.root.as_sequence()?;
    let strings: Option<Vec<Node>> =
        items.items.iter().map(|i| i.as_scalar().map(|s| Node::string(s.value.to_string()))).collect();
    Some(seq(strings?))
}

fn seq(items: Vec<Node>) -> Node {
    Node::Sequence(Sequence { items, ..Default::default() })
}

/// A number or boolean the function writes: plain, so it keeps its type.
fn plain(text: impl Into<String>) -> Node {
    Node::Scalar(Scalar { value: text.into().into(), style: ScalarStyle::Plain, props: Default::default() })
}
