//! The functionConfig: a `SidecarInjector` or a `ConfigMap`, turned into one [`Injection`].
//!
//! Loading runs in a fixed order, each step only on what the previous one accepted: the kind decides the
//! form; the schema check finds unknown fields and wrong types anywhere (inside container specs too); decoding
//! and defaults build the `Injection`; semantic checks find what a schema cannot say (an image is required,
//! names are unique). Every error found is reported, each with its field path.

mod config_map;
mod hash;
pub mod schema;

pub use hash::meaning_hash;
pub use schema::FieldError;

use crate::select::{LabelSelector, Operator, Requirement, Selector};
use crate::workload::{ObjectRef, WorkloadKind, WorkloadTable};
use lossless_yaml::{Node, Resolved, ScalarStyle};

pub const API_VERSION: &str = "sidecar-injector.dev/v1alpha1";
pub const KIND: &str = "SidecarInjector";

/// One injection: what to add, where, and to which workloads.
#[derive(Clone, Debug)]
pub struct Injection {
    /// The injection's name (`metadata.name`, or `data.name` of a ConfigMap): the key of its status record.
    pub name: String,
    /// The functionConfig object, for results about the config itself.
    pub source: ObjectRef,
    /// Sidecars. With `native`, they carry `restartPolicy: Always` and go into `initContainers`.
    pub containers: Vec<Part>,
    /// Plain init containers.
    pub init_containers: Vec<Part>,
    pub native: bool,
    pub volumes: Vec<Part>,
    /// Added to the app's own containers; a Part's name is the variable's name.
    pub env: Vec<Part>,
    /// Added to the app's own containers; a Part's name identifies the source (`configMapRef:name`).
    pub env_from: Vec<Part>,
    /// Added to the app's own containers; a Part's name is the mount path (unique within a container).
    pub volume_mounts: Vec<Part>,
    /// The app containers that get env, envFrom and volumeMounts; empty means every regular container.
    pub app_containers: Vec<String>,
    /// Pod template annotations and labels to add: (key, value node).
    pub annotations: Vec<(String, Node)>,
    pub labels: Vec<(String, Node)>,
    pub image_pull_secrets: Vec<Part>,
    pub containers_position: Position,
    pub init_containers_position: Position,
    pub selector: Selector,
    pub exclude: Option<Selector>,
    pub namespace_selector: Option<LabelSelector>,
    pub opt_in: bool,
    pub remove: bool,
    pub on_conflict: OnConflict,
    /// Custom workload kinds, on top of the built-in ones.
    pub workloads: WorkloadTable,
    /// A hash of everything that decides what the injection adds (not of whom it selects): when a workload's
    /// status record has another, the injection was upgraded.
    pub hash: String,
}

/// A named piece of the config that gets copied into workloads.
#[derive(Clone, Debug)]
pub struct Part {
    pub name: String,
    /// The node to insert, as the user wrote it (key order and scalar text kept).
    pub node: Node,
    /// Where it is in the config, e.g. `spec.containers[0]`.
    pub path: String,
    /// `meaning_hash(&node)`, computed once rather than per workload.
    pub hash: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    First,
    Last,
}

/// What to do with something of the same name that this injection did not add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnConflict {
    Fail,
    Skip,
    Replace,
}

/// Reads the functionConfig. `None` means the ResourceList had none.
pub fn load(function_config: Option<&Node>) -> Result<Injection, Vec<FieldError>> {
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
            decode_spec(name, &spec, source)
        }
        ("v1", "ConfigMap") => {
            let errors = schema::validate(config, schema::Root::ConfigMap);
            if !errors.is_empty() {
                return Err(errors);
            }
            // The ConfigMap front door checks its own keys (with `data.*` paths) and builds a spec that
            // passes every check below.
            let (name, spec) = config_map::to_spec(config, &WorkloadTable::default())?;
            let mut injection = decode_spec(&name, &spec, source)?;
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
fn decode_spec(name: &str, spec: &Node, source: ObjectRef) -> Result<Injection, Vec<FieldError>> {
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(err("metadata.name", "required: the injection needs a name"));
    } else if name.contains([',', ' ']) || name.starts_with('-') || name.eq_ignore_ascii_case("false") {
        errors.push(err(
            "metadata.name",
            format!("{name:?} cannot be named in the {} annotation; use a DNS label", crate::select::INJECT_ANNOTATION),
        ));
    }
    let flag = |field: &str| {
        matches!(spec.get(field).and_then(Node::as_scalar).map(lossless_yaml::resolve_core), Some(Resolved::Bool(true)))
    };
    let native = flag("native");
    let mut containers = parts(spec, "containers", |n| name_of(n, "name"));
    let init_containers = parts(spec, "initContainers", |n| name_of(n, "name"));
    let volumes = parts(spec, "volumes", |n| name_of(n, "name"));
    let env = parts(spec, "env", |n| name_of(n, "name"));
    let env_from = parts(spec, "envFrom", env_from_key);
    let volume_mounts = parts(spec, "volumeMounts", |n| name_of(n, "mountPath"));
    let image_pull_secrets = parts(spec, "imagePullSecrets", |n| name_of(n, "name"));

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
                part.hash = meaning_hash(&part.node);
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
    unique_names(containers.iter().chain(&init_containers), "container name", ".name", &mut errors);
    unique_names(volumes.iter(), "volume name", ".name", &mut errors);
    unique_names(env.iter(), "env var", ".name", &mut errors);
    unique_names(env_from.iter(), "envFrom source", "", &mut errors);
    unique_names(volume_mounts.iter(), "mount path", ".mountPath", &mut errors);
    unique_names(image_pull_secrets.iter(), "image pull secret", ".name", &mut errors);

    let annotations = string_map(spec.get("annotations"));
    let labels = string_map(spec.get("labels"));
    let app_containers = strings(spec.get("appContainers"));
    let remove = flag("remove");
    let adds_nothing = containers.is_empty()
        && init_containers.is_empty()
        && volumes.is_empty()
        && env.is_empty()
        && env_from.is_empty()
        && volume_mounts.is_empty()
        && annotations.is_empty()
        && labels.is_empty()
        && image_pull_secrets.is_empty();
    if adds_nothing && !remove {
        errors.push(err(
            "spec",
            "nothing to inject: give containers, initContainers, volumes, env, envFrom, volumeMounts, annotations, labels or imagePullSecrets (or remove: true)",
        ));
    }

    let position = spec.get("position");
    let position_of = |field: &str, default: Position| match position.and_then(|p| p.get(field)).and_then(Node::as_str)
    {
        Some("First") => Position::First,
        Some("Last") => Position::Last,
        _ => default,
    };
    let containers_position = position_of("containers", Position::Last);
    let init_containers_position = position_of("initContainers", Position::First);
    let on_conflict = match spec.get("onConflict").and_then(Node::as_str) {
        Some("Skip") => OnConflict::Skip,
        Some("Replace") => OnConflict::Replace,
        _ => OnConflict::Fail,
    };

    let mut workloads = WorkloadTable::default();
    let kinds = spec.get("workloadKinds").and_then(Node::as_sequence).map(|s| s.items.as_slice()).unwrap_or(&[]);
    for (i, kind) in kinds.iter().enumerate() {
        let text = |field: &str| kind.get(field).and_then(Node::as_str).unwrap_or("").trim().to_string();
        let (api_version, kind_name, path) = (text("apiVersion"), text("kind"), text("podTemplatePath"));
        let at = format!("spec.workloadKinds[{i}]");
        if api_version.is_empty() || kind_name.is_empty() {
            errors.push(err(&at, "apiVersion and kind are required"));
        } else if path.split('.').any(str::is_empty) {
            errors.push(err(
                format!("{at}.podTemplatePath"),
                format!("{path:?} is not a dot-separated path such as spec.template"),
            ));
        } else {
            workloads.add(WorkloadKind::new(crate::workload::group_of(&api_version), &kind_name, &path));
        }
    }

    let selector = decode_selector(spec.get("selector"), "spec.selector", &workloads, &mut errors);
    let exclude = spec.get("exclude").map(|n| decode_selector(Some(n), "spec.exclude", &workloads, &mut errors));
    let namespace_selector =
        spec.get("namespaceSelector").map(|n| decode_label_selector(n, "spec.namespaceSelector", &mut errors));
    if !errors.is_empty() {
        return Err(errors);
    }
    let hash = injection_hash(spec);
    Ok(Injection {
        name: name.to_string(),
        source,
        containers,
        init_containers,
        native,
        volumes,
        env,
        env_from,
        volume_mounts,
        app_containers,
        annotations,
        labels,
        image_pull_secrets,
        containers_position,
        init_containers_position,
        selector,
        exclude,
        namespace_selector,
        opt_in: flag("optIn"),
        remove,
        on_conflict,
        workloads,
        hash,
    })
}

/// The fields that decide what is added, hashed by meaning (restyling the config does not change it).
fn injection_hash(spec: &Node) -> String {
    const WHAT_IS_ADDED: &[&str] = &[
        "containers",
        "initContainers",
        "native",
        "volumes",
        "env",
        "envFrom",
        "volumeMounts",
        "appContainers",
        "annotations",
        "labels",
        "imagePullSecrets",
        "position",
    ];
    let mut m = lossless_yaml::Mapping::default();
    for field in WHAT_IS_ADDED {
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
            Part { name: key(&node), hash: meaning_hash(&node), node, path: format!("spec.{field}[{i}]") }
        })
        .collect()
}

fn name_of(node: &Node, field: &str) -> String {
    node.get(field).and_then(Node::as_scalar).map(|s| s.value.clone()).unwrap_or_default()
}

/// An envFrom source has no name of its own: it is identified by what it refers to, and its prefix.
pub(crate) fn env_from_key(node: &Node) -> String {
    let source = if node.get("configMapRef").is_some() { "configMapRef" } else { "secretRef" };
    let referred = node.get(source).map(|r| name_of(r, "name")).unwrap_or_default();
    format!("{source}:{referred}:{}", name_of(node, "prefix"))
}

fn string_map(node: Option<&Node>) -> Vec<(String, Node)> {
    let Some(m) = node.and_then(Node::as_mapping) else { return Vec::new() };
    m.entries
        .iter()
        .filter_map(|(k, v)| {
            let mut v = v.clone();
            retag_strings(&mut v);
            Some((k.as_scalar()?.value.clone(), v))
        })
        .collect()
}

fn strings(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_sequence)
        .map(|s| s.items.iter().filter_map(|i| i.as_scalar().map(|s| s.value.clone())).collect())
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
            errors.push(err(format!("{}{field}", part.path), format!("duplicate {what} {:?}", part.name)));
        } else {
            seen.push(&part.name);
        }
    }
}

fn decode_selector(
    node: Option<&Node>,
    path: &str,
    workloads: &WorkloadTable,
    errors: &mut Vec<FieldError>,
) -> Selector {
    let Some(node) = node else { return Selector::default() };
    let kinds = strings(node.get("kinds"));
    for (i, kind) in kinds.iter().enumerate() {
        if !workloads.knows_kind(kind) {
            errors.push(err(
                format!("{path}.kinds[{i}]"),
                format!("{kind:?} is not a workload kind; known: {}", workloads.kind_names().join(", ")),
            ));
        }
    }
    let label_selector =
        node.get("labelSelector").map(|ls| decode_label_selector(ls, &format!("{path}.labelSelector"), errors));
    Selector { kinds, names: strings(node.get("names")), namespaces: strings(node.get("namespaces")), label_selector }
}

fn decode_label_selector(node: &Node, path: &str, errors: &mut Vec<FieldError>) -> LabelSelector {
    let text = |n: &Node| n.as_scalar().map(|s| s.value.clone()).unwrap_or_default();
    let match_labels = node
        .get("matchLabels")
        .and_then(Node::as_mapping)
        .map(|m| m.entries.iter().map(|(k, v)| (text(k), text(v))).collect())
        .unwrap_or_default();
    let mut match_expressions = Vec::new();
    let expressions =
        node.get("matchExpressions").and_then(Node::as_sequence).map(|s| s.items.as_slice()).unwrap_or(&[]);
    for (i, expr) in expressions.iter().enumerate() {
        let at = format!("{path}.matchExpressions[{i}]");
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
