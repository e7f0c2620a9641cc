//! The functionConfig: a `SidecarInjector` or a `ConfigMap`, turned into one [`Injection`].
//!
//! Loading runs in a fixed order, each step only on what the previous one accepted: the kind decides the
//! form; the schema check finds unknown fields and wrong types anywhere (inside container specs too); decoding
//! and defaults build the `Injection`; semantic checks find what a schema cannot say (an image is required,
//! names are unique). Every error found is reported, each with its field path.

mod config_map;
pub mod schema;

pub use schema::FieldError;

use crate::select::{LabelSelector, Operator, Requirement, Selector};
use crate::workload::{ObjectRef, WorkloadTable};
use crate::yaml::{Node, Resolved, ScalarStyle};

pub const API_VERSION: &str = "sidecar-injector.dev/v1alpha1";
pub const KIND: &str = "SidecarInjector";

/// One injection: what to add, and to which workloads.
#[derive(Clone, Debug)]
pub struct Injection {
    /// The injection's name (`metadata.name`, or `data.name` of a ConfigMap).
    pub name: String,
    /// The functionConfig object, for results about the config itself.
    pub source: ObjectRef,
    /// Sidecars. With `native`, they carry `restartPolicy: Always` and go into `initContainers`.
    pub containers: Vec<Part>,
    /// Plain init containers.
    pub init_containers: Vec<Part>,
    pub native: bool,
    pub volumes: Vec<Part>,
    pub selector: Selector,
}

/// A named piece of the config that gets copied into workloads: a container or a volume.
#[derive(Clone, Debug)]
pub struct Part {
    pub name: String,
    /// The node to insert, as the user wrote it (key order and scalar text kept).
    pub node: Node,
    /// Where it is in the config, e.g. `spec.containers[0]`.
    pub path: String,
}

/// Reads the functionConfig. `None` means the ResourceList had none.
pub fn load(function_config: Option<&Node>, workloads: &WorkloadTable) -> Result<Injection, Vec<FieldError>> {
    let Some(config) = function_config else {
        return Err(vec![err(
            "functionConfig",
            format!("missing: this function needs a {KIND} ({API_VERSION}) or a ConfigMap (v1) as its functionConfig"),
        )]);
    };
    if config.as_mapping().is_none() {
        return Err(vec![err("functionConfig", format!("expected a mapping, found {}", config.describe()))]);
    }
    let api_version = config.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let kind = config.get("kind").and_then(Node::as_str).unwrap_or("");
    let source = ObjectRef::of(config);
    match (api_version, kind) {
        (API_VERSION, KIND) => {
            let errors = schema::validate(config, schema::Root::SidecarInjector);
            if !errors.is_empty() {
                return Err(errors);
            }
            let name = config.get("metadata").and_then(|m| m.get("name")).and_then(Node::as_str).unwrap_or("");
            let spec = config.get("spec").cloned().unwrap_or_else(Node::mapping);
            decode_spec(name, &spec, source, workloads)
        }
        ("v1", "ConfigMap") => {
            let errors = schema::validate(config, schema::Root::ConfigMap);
            if !errors.is_empty() {
                return Err(errors);
            }
            // The ConfigMap front door checks its own keys (with `data.*` paths) and builds a spec that
            // passes every check below.
            let (name, spec) = config_map::to_spec(config, workloads)?;
            let mut injection = decode_spec(&name, &spec, source, workloads)?;
            // Point findings about the parts at the data keys the user wrote.
            for part in injection.containers.iter_mut() {
                part.path = "data".to_string();
            }
            for part in injection.volumes.iter_mut() {
                part.path = "data.volume".to_string();
            }
            Ok(injection)
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
fn decode_spec(name: &str, spec: &Node, source: ObjectRef, workloads: &WorkloadTable) -> Result<Injection, Vec<FieldError>> {
    let origin = "spec";
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(err("metadata.name", "required: the injection needs a name"));
    }
    let native = matches!(spec.get("native").and_then(Node::as_scalar).map(crate::yaml::resolve_core), Some(Resolved::Bool(true)));
    let mut containers = parts(spec, "containers", origin);
    let init_containers = parts(spec, "initContainers", origin);
    let volumes = parts(spec, "volumes", origin);

    for part in containers.iter().chain(&init_containers) {
        match part.node.get("image").and_then(Node::as_str) {
            Some(image) if !image.trim().is_empty() => {}
            _ => errors.push(err(format!("{}.image", part.path), "required: an injected container needs an image")),
        }
    }
    for part in &mut containers {
        let policy = part.node.get("restartPolicy").and_then(Node::as_str).map(str::to_string);
        match (native, policy.as_deref()) {
            (true, None) => {
                if let Some(m) = part.node.as_mapping_mut() {
                    m.insert("restartPolicy", Node::string("Always"));
                }
            }
            (true, Some("Always")) | (false, None) => {}
            (true, Some(other)) => errors.push(err(
                format!("{}.restartPolicy", part.path),
                format!("a native sidecar must have restartPolicy Always, found {other:?}"),
            )),
            (false, Some(_)) => errors.push(err(
                format!("{}.restartPolicy", part.path),
                "restartPolicy is allowed only on init containers; set spec.native: true to inject native sidecars",
            )),
        }
    }
    unique_names(containers.iter().chain(&init_containers), "container", &mut errors);
    unique_names(volumes.iter(), "volume", &mut errors);
    if containers.is_empty() && init_containers.is_empty() && volumes.is_empty() {
        errors.push(err(
            origin,
            "nothing to inject: give at least one of containers, initContainers or volumes",
        ));
    }

    let selector = decode_selector(spec.get("selector"), &format!("{origin}.selector"), workloads, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Injection { name: name.to_string(), source, containers, init_containers, native, volumes, selector })
}

/// The named entries of a list field, made ready to copy into workloads.
fn parts(spec: &Node, field: &str, origin: &str) -> Vec<Part> {
    let Some(list) = spec.get(field).and_then(Node::as_sequence) else { return Vec::new() };
    list.items
        .iter()
        .enumerate()
        .map(|(i, node)| {
            let mut node = node.clone();
            retag_strings(&mut node);
            Part {
                name: node.get("name").and_then(|n| n.as_scalar()).map(|s| s.value.clone()).unwrap_or_default(),
                node,
                path: format!("{origin}.{field}[{i}]"),
            }
        })
        .collect()
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

fn unique_names<'a>(parts: impl Iterator<Item = &'a Part>, what: &str, errors: &mut Vec<FieldError>) {
    let mut seen: Vec<&str> = Vec::new();
    for part in parts {
        if seen.contains(&part.name.as_str()) {
            errors.push(err(format!("{}.name", part.path), format!("duplicate {what} name {:?}", part.name)));
        } else {
            seen.push(&part.name);
        }
    }
}

fn decode_selector(node: Option<&Node>, path: &str, workloads: &WorkloadTable, errors: &mut Vec<FieldError>) -> Selector {
    let Some(node) = node else { return Selector::default() };
    let strings = |field: &str| -> Vec<String> {
        node.get(field)
            .and_then(Node::as_sequence)
            .map(|s| s.items.iter().filter_map(|i| i.as_scalar().map(|s| s.value.clone())).collect())
            .unwrap_or_default()
    };
    let kinds = strings("kinds");
    for (i, kind) in kinds.iter().enumerate() {
        if !workloads.knows_kind(kind) {
            errors.push(err(
                format!("{path}.kinds[{i}]"),
                format!("{kind:?} is not a workload kind; known: {}", workloads.kind_names().join(", ")),
            ));
        }
    }
    let label_selector = node.get("labelSelector").map(|ls| decode_label_selector(ls, &format!("{path}.labelSelector"), errors));
    Selector { kinds, names: strings("names"), namespaces: strings("namespaces"), label_selector }
}

fn decode_label_selector(node: &Node, path: &str, errors: &mut Vec<FieldError>) -> LabelSelector {
    let text = |n: &Node| n.as_scalar().map(|s| s.value.clone()).unwrap_or_default();
    let match_labels = node
        .get("matchLabels")
        .and_then(Node::as_mapping)
        .map(|m| m.entries.iter().map(|(k, v)| (text(k), text(v))).collect())
        .unwrap_or_default();
    let mut match_expressions = Vec::new();
    let expressions = node.get("matchExpressions").and_then(Node::as_sequence).map(|s| s.items.as_slice()).unwrap_or(&[]);
    for (i, expr) in expressions.iter().enumerate() {
        let at = format!("{path}.matchExpressions[{i}]");
        let key = expr.get("key").map(text).unwrap_or_default();
        let values: Vec<String> =
            expr.get("values").and_then(Node::as_sequence).map(|s| s.items.iter().map(text).collect()).unwrap_or_default();
        let operator = match expr.get("operator").map(text).as_deref() {
            Some("In") => Operator::In,
            Some("NotIn") => Operator::NotIn,
            Some("Exists") => Operator::Exists,
            Some("DoesNotExist") => Operator::DoesNotExist,
            other => {
                errors.push(err(
                    format!("{at}.operator"),
                    format!("expected one of In, NotIn, Exists, DoesNotExist, found {:?}", other.unwrap_or("")),
                ));
                continue;
            }
        };
        let needs_values = matches!(operator, Operator::In | Operator::NotIn);
        if needs_values && values.is_empty() {
            errors.push(err(format!("{at}.values"), "required: In and NotIn need at least one value"));
        } else if !needs_values && !values.is_empty() {
            errors.push(err(format!("{at}.values"), "must be empty for Exists and DoesNotExist"));
        }
        match_expressions.push(Requirement { key, operator, values });
    }
    LabelSelector { match_labels, match_expressions }
}

pub(crate) fn err(path: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError { path: path.into(), message: message.into() }
}
