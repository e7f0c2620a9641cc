//! Strict validation of the functionConfig against `schemas/sidecar-injector.schema.json`.
//!
//! build.rs compiles the schema into the static tables included below; this walks a YAML tree against them and
//! reports every error with its field path. A JSON Schema engine would do the same job but adds 2 MB to the
//! wasm module and a second to every start-up (see shared notes); the tests check that this walk and the
//! `jsonschema` crate agree on a corpus of configs.
//!
//! Scalars are typed as kpt and kustomize read them (YAML 1.2 core schema, [`resolve_core`]), and the types
//! are the API server's: a string field refuses `8080` and `true`, as `kubectl apply` would.
use crate::path::FieldPath;
use lossless_yaml::{resolve_core, Node, Resolved, Scalar};

/// A problem at one place of a document: `spec.containers[0].imagePullPolicyy: unknown field`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub(crate) path: FieldPath,
    pub(crate) message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Which top-level definition of the schema a document is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Root {
    SidecarInjector,
    ConfigMap,
}

include!("schema_kind.rs");

// The short names the generated tables use.
use Kind::{
    Any as X, Array as A, Boolean as B, IntOrString as IS, Integer as I, Number as F, Object as O, Quantity as Q,
    String as S,
};

/// One schema node. Object: `PROPS[start..start + len]`, `extra` = additionalProperties (a node, [`FORBID`] or
/// [`ANY`]). Array: `extra` = the items' node. String: `VALUES[start..start + len]` are the allowed values
/// (none: any string).
#[derive(Clone, Copy, Debug)]
struct SchemaNode {
    kind: Kind,
    start: u16,
    len: u16,
    extra: u16,
}

#[derive(Clone, Copy, Debug)]
struct Prop {
    name: &'static str,
    node: u16,
    required: bool,
}

const FORBID: u16 = u16::MAX;
const ANY: u16 = u16::MAX - 1;

const fn n(kind: Kind, start: u16, len: u16, extra: u16) -> SchemaNode {
    SchemaNode { kind, start, len, extra }
}

const fn p(name: &'static str, node: u16, required: bool) -> Prop {
    Prop { name, node, required }
}

include!(concat!(env!("OUT_DIR"), "/schema_tables.rs"));

/// The path of the document itself, for an error about the whole functionConfig.
const ROOT_PATH: &str = "functionConfig";
const ALIAS: &str = "YAML aliases are not supported in the functionConfig";
const MERGE: &str = "YAML merge keys (<<) are not supported in the functionConfig";

/// Checks `doc` against the `root` definition; every error found, in document order (empty: valid).
pub(crate) fn validate(doc: &Node, root: Root) -> Vec<FieldError> {
    let root = match root {
        Root::SidecarInjector => ROOT_SIDECAR_INJECTOR,
        Root::ConfigMap => ROOT_CONFIG_MAP,
    };
    let mut walk = Walk { errors: Vec::new(), paths: Vec::new(), stack: Vec::new() };
    let path = walk.path(None, Segment::Root);
    walk.stack.push((Task::Check(doc, root), path));
    while let Some((task, path)) = walk.stack.pop() {
        match task {
            Task::Check(node, schema) => walk.check(node, schema, path),
            Task::Scan(node) => walk.scan_aliases(node, path),
            Task::Report(message) => walk.error(path, message),
        }
    }
    walk.errors
}

#[derive(Clone, Copy)]
enum Segment<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

enum Task<'a> {
    Check(&'a Node, u16),
    /// Only look for aliases.
    Scan(&'a Node),
    /// An error found while visiting the parent, queued so that errors come out in document order.
    Report(String),
}

/// An explicit stack rather than recursion, so no input can overflow the native stack; paths are kept as
/// parent links and spelled out only for an error, so a deep tree costs no more than a wide one.
struct Walk<'a> {
    errors: Vec<FieldError>,
    /// (parent, segment) of every path handed out.
    paths: Vec<(usize, Segment<'a>)>,
    /// What is still to do, the last first, each with its path.
    stack: Vec<(Task<'a>, usize)>,
}

impl<'a> Walk<'a> {
    fn path(&mut self, parent: Option<usize>, segment: Segment<'a>) -> usize {
        self.paths.push((parent.unwrap_or(usize::MAX), segment));
        self.paths.len() - 1
    }

    fn child(&mut self, parent: usize, key: &'a str) -> usize {
        self.path(Some(parent), Segment::Key(key))
    }

    fn error(&mut self, path: usize, message: impl Into<String>) {
        let mut segments = Vec::new();
        let mut at = path;
        while let Some(&(parent, segment)) = self.paths.get(at) {
            segments.push(segment);
            at = parent;
        }
        let mut path = FieldPath::default();
        for segment in segments.iter().rev() {
            path = match segment {
                Segment::Root => path,
                Segment::Key(key) => path.key(key),
                Segment::Index(i) => path.index(*i),
            };
        }
        if path.is_root() {
            path = FieldPath::from(ROOT_PATH);
        }
        self.errors.push(FieldError { path, message: message.into() });
    }

    fn check(&mut self, node: &'a Node, index: u16, path: usize) {
        let Some(schema) = NODES.get(usize::from(index)) else { return };
        if let Node::Alias(_) = node {
            return self.error(path, ALIAS);
        }
        match schema.kind {
            O => {
                let Node::Mapping(mapping) = node else {
                    return self.error(path, format!("expected a mapping, found {}", node.describe()));
                };
                let props = props(schema);
                // In document order; reversed onto the stack at the end.
                let mut tasks = Vec::new();
                for (key, value) in &mapping.entries {
                    let name = match key {
                        Node::Scalar(s) if resolve_core(s) == Resolved::Merge => {
                            let at = self.child(path, "<<");
                            tasks.push((Task::Report(MERGE.into()), at));
                            continue;
                        }
                        // JSON, and so the API server, has only string keys: sigs.k8s.io/yaml makes `8080:` "8080".
                        Node::Scalar(s) => s.value.as_str(),
                        Node::Alias(_) => {
                            tasks.push((Task::Report(ALIAS.into()), path));
                            continue;
                        }
                        other => {
                            let message = format!("expected a string key, found {}", other.describe());
                            tasks.push((Task::Report(message), path));
                            continue;
                        }
                    };
                    let at = self.child(path, name);
                    match props.iter().find(|p| p.name == name) {
                        // Kubernetes reads `field: null` (and `field:`) as an absent field.
                        Some(prop) if !prop.required && value.is_null() => {}
                        Some(prop) => tasks.push((Task::Check(value, prop.node), at)),
                        None => match schema.extra {
                            FORBID => {
                                let message = match suggest(name, props) {
                                    Some(known) => format!("unknown field; did you mean {known:?}?"),
                                    None => "unknown field".to_string(),
                                };
                                tasks.push((Task::Report(message), at));
                                tasks.push((Task::Scan(value), at));
                            }
                            ANY => tasks.push((Task::Scan(value), at)),
                            other => tasks.push((Task::Check(value, other), at)),
                        },
                    }
                }
                for prop in props.iter().filter(|p| p.required) {
                    if !mapping.keys().any(|k| k == prop.name) {
                        let at = self.child(path, prop.name);
                        tasks.push((Task::Report("required field is missing".into()), at));
                    }
                }
                self.stack.extend(tasks.into_iter().rev());
            }
            A => {
                let Node::Sequence(sequence) = node else {
                    return self.error(path, format!("expected a list, found {}", node.describe()));
                };
                for (i, item) in sequence.items.iter().enumerate().rev() {
                    let at = self.path(Some(path), Segment::Index(i));
                    self.stack.push((Task::Check(item, schema.extra), at));
                }
            }
            X => self.scan_aliases(node, path),
            kind => {
                let Node::Scalar(scalar) = node else {
                    return self.error(path, format!("expected {}, found {}", expected(kind), node.describe()));
                };
                if let Err(message) = check_scalar(scalar, kind, values(schema)) {
                    self.error(path, format!("{message}, found {}", node.describe()));
                }
            }
        }
    }

    /// Reports aliases in parts the schema does not type (free-form and unknown fields): the rule is "no
    /// aliases anywhere", and one there would still be expanded by whoever reads the field later.
    fn scan_aliases(&mut self, node: &'a Node, path: usize) {
        match node {
            Node::Alias(_) => self.error(path, ALIAS),
            Node::Scalar(_) => {}
            Node::Sequence(s) => {
                for (i, item) in s.items.iter().enumerate().rev() {
                    let at = self.path(Some(path), Segment::Index(i));
                    self.stack.push((Task::Scan(item), at));
                }
            }
            Node::Mapping(m) => {
                for (key, value) in m.entries.iter().rev() {
                    let name = match key {
                        Node::Scalar(s) => s.value.as_str(),
                        _ => "?",
                    };
                    let at = self.child(path, name);
                    self.stack.push((Task::Scan(value), at));
                    if matches!(key, Node::Alias(_)) {
                        self.stack.push((Task::Scan(key), path));
                    }
                }
            }
        }
    }
}

fn props(node: &SchemaNode) -> &'static [Prop] {
    let start = usize::from(node.start);
    PROPS.get(start..start + usize::from(node.len)).unwrap_or(&[])
}

fn values(node: &SchemaNode) -> &'static [&'static str] {
    let start = usize::from(node.start);
    VALUES.get(start..start + usize::from(node.len)).unwrap_or(&[])
}

/// `Err(what was expected)` when the scalar does not fit.
fn check_scalar(scalar: &Scalar, kind: Kind, allowed: &[&str]) -> Result<(), String> {
    let resolved = resolve_core(scalar);
    // go-yaml v3 hands a plain timestamp to a string field as its text; JSON has no timestamps either.
    let is_string = matches!(resolved, Resolved::Str | Resolved::Timestamp);
    let fits = match kind {
        S => is_string,
        I => matches!(resolved, Resolved::Int(_)),
        B => matches!(resolved, Resolved::Bool(_)),
        F => is_number(&resolved),
        IS => is_string || matches!(resolved, Resolved::Int(_)),
        Q => (is_string && is_quantity(&scalar.value)) || is_number(&resolved),
        O | A | X => true,
    };
    if !fits {
        return Err(format!("expected {}", expected(kind)));
    }
    if !allowed.is_empty() && !allowed.contains(&scalar.value.as_str()) {
        let list: Vec<String> = allowed.iter().map(|v| format!("{v:?}")).collect();
        return Err(match list.as_slice() {
            [one] => format!("expected {one}"),
            _ => format!("expected one of {}", list.join(", ")),
        });
    }
    Ok(())
}

fn is_number(resolved: &Resolved) -> bool {
    match resolved {
        Resolved::Int(_) => true,
        // JSON has no .inf or .nan.
        Resolved::Float(f) => f.is_finite(),
        _ => false,
    }
}

fn expected(kind: Kind) -> &'static str {
    match kind {
        O => "a mapping",
        A => "a list",
        S => "a string",
        I => "an integer",
        B => "a boolean",
        F => "a number",
        IS => "an integer or a string",
        Q => "a quantity such as \"250m\", \"64Mi\" or 0.5",
        X => "anything",
    }
}

/// The language of `QUANTITY_PATTERN` (build.rs, tools/gen-schema/src/main.rs):
/// `^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$`.
fn is_quantity(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let whole = digits(i);
    i += whole;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let fraction = digits(i);
        if whole == 0 && fraction == 0 {
            return false;
        }
        i += fraction;
    } else if whole == 0 {
        return false;
    }
    match &b[i..] {
        [] => true,
        [b'K' | b'M' | b'G' | b'T' | b'P' | b'E', b'i'] => true,
        [b'n' | b'u' | b'm' | b'k' | b'M' | b'G' | b'T' | b'P' | b'E'] => true,
        [b'e' | b'E', rest @ ..] => {
            let rest = rest.strip_prefix(b"+").or_else(|| rest.strip_prefix(b"-")).unwrap_or(rest);
            !rest.is_empty() && rest.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// The known field a misspelled `name` most likely meant: same letters in another case, or a few edits away.
fn suggest(name: &str, props: &[Prop]) -> Option<&'static str> {
    // A one-letter name resembles too much to help; a huge one is not a typo, and would cost a large table.
    const MAX_LEN: usize = 64;
    let len = name.chars().count();
    if !(2..=MAX_LEN).contains(&len) {
        return None;
    }
    // Longer names tolerate more typos.
    let limit = if len <= 4 {
        1
    } else if len <= 10 {
        2
    } else {
        3
    };
    let lower = name.to_ascii_lowercase();
    props
        .iter()
        .filter_map(|p| {
            let d = if p.name.eq_ignore_ascii_case(name) {
                0
            } else {
                edit_distance(&lower, &p.name.to_ascii_lowercase(), limit)?
            };
            (d <= limit).then_some((d, p.name))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, known)| known)
}

/// Levenshtein distance with adjacent transpositions counted as one edit; `None` when above `limit`.
fn edit_distance(a: &str, b: &str, limit: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let width = b.len() + 1;
    let mut rows = vec![0usize; width * (a.len() + 1)];
    for (j, cell) in rows.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i * width] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let deletion = rows[(i - 1) * width + j] + 1;
            let insertion = rows[i * width + j - 1] + 1;
            let mut d = deletion.min(insertion).min(rows[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[(i - 2) * width + j - 2] + 1);
            }
            rows[i * width + j] = d;
        }
    }
    let d = rows[a.len() * width + b.len()];
    (d <= limit).then_some(d)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use lossless_yaml::{Mapping, Props, ScalarStyle, Sequence};
    use serde_json::{json, Value};

    /// A tree as the YAML parser would build it from the JSON text (JSON is YAML): strings double-quoted,
    /// everything else plain.
    pub(crate) fn node(value: &Value) -> Node {
        let scalar =
            |value: String, style| Node::Scalar(Scalar { value: value.into(), style, props: Props::default() });
        match value {
            Value::Null => scalar("null".into(), ScalarStyle::Plain),
            Value::Bool(b) => scalar(b.to_string(), ScalarStyle::Plain),
            Value::Number(n) => scalar(n.to_string(), ScalarStyle::Plain),
            Value::String(s) => scalar(s.clone(), ScalarStyle::DoubleQuoted),
            Value::Array(items) => {
                Node::Sequence(Sequence { items: items.iter().map(node).collect(), props: Props::default() })
            }
            Value::Object(entries) => Node::Mapping(Mapping {
                entries: entries.iter().map(|(k, v)| (node(&Value::String(k.clone())), node(v))).collect(),
                props: Props::default(),
            }),
        }
    }

    fn plain(text: &str) -> Node {
        Node::Scalar(Scalar { value: text.into(), style: ScalarStyle::Plain, props: Props::default() })
    }

    fn errors(doc: Value) -> Vec<String> {
        let root = if doc.get("kind") == Some(&json!("ConfigMap")) { Root::ConfigMap } else { Root::SidecarInjector };
        validate(&node(&doc), root).iter().map(ToString::to_string).collect()
    }

    fn injector(spec: Value) -> Value {
        json!({
            "apiVersion": "sidecar-injector.dev/v1alpha1",
            "kind": "SidecarInjector",
            "metadata": {"name": "log-agent"},
            "spec": spec,
        })
    }

    #[test]
    fn accepts_a_realistic_config() {
        let doc = injector(json!({
            "native": true,
            "containers": [{
                "name": "fluent-bit",
                "image": "fluent/fluent-bit:3.1",
                "ports": [{"containerPort": 2020, "name": "metrics"}],
                "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": 0.5}},
                "livenessProbe": {"httpGet": {"path": "/", "port": "metrics"}, "periodSeconds": 10},
                "readinessProbe": {"tcpSocket": {"port": 2020}},
                "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                "volumeMounts": [{"name": "logs", "mountPath": "/var/log/app", "readOnly": true}],
                "securityContext": {"runAsNonRoot": true, "capabilities": {"drop": ["ALL"]}},
            }],
            "volumes": [{"name": "logs", "emptyDir": {"sizeLimit": "1Gi"}}],
            "selector": {"kinds": ["Deployment"], "names": ["web-*"], "labelSelector": {"matchLabels": {"app": "web"}}},
        }));
        assert_eq!(errors(doc), Vec::<String>::new());
    }

    #[test]
    fn reports_every_error_with_its_path() {
        let doc = injector(json!({
            "native": "yes",
            "containers": [
                {"image": "busybox", "imagePullPolicyy": "Always"},
                ["not", "a", "container"],
            ],
        }));
        assert_eq!(
            errors(doc),
            [
                "spec.native: expected a boolean, found the string \"yes\"",
                "spec.containers[0].imagePullPolicyy: unknown field; did you mean \"imagePullPolicy\"?",
                "spec.containers[0].name: required field is missing",
                "spec.containers[1]: expected a mapping, found a list",
            ]
        );
    }

    #[test]
    fn types_scalars_like_the_api_server() {
        let doc = injector(json!({"containers": [{
            "name": 8080,
            "image": "x",
            "ports": [{"containerPort": "8080"}],
            "readinessProbe": {"httpGet": {"port": true}},
            "resources": {"requests": {"cpu": "100mm", "memory": 1.5}},
            "stdin": "true",
        }]}));
        assert_eq!(
            errors(doc),
            [
                "spec.containers[0].name: expected a string, found the integer 8080",
                "spec.containers[0].ports[0].containerPort: expected an integer, found the string \"8080\"",
                "spec.containers[0].readinessProbe.httpGet.port: expected an integer or a string, found the boolean true",
                "spec.containers[0].resources.requests.cpu: expected a quantity such as \"250m\", \"64Mi\" or 0.5, found the string \"100mm\"",
                "spec.containers[0].stdin: expected a boolean, found the string \"true\"",
            ]
        );
    }

    #[test]
    fn null_is_absent_for_an_optional_field_only() {
        let doc = injector(json!({"native": null, "volumes": null, "containers": [{"name": "a", "image": null}]}));
        assert_eq!(errors(doc), Vec::<String>::new());
        let doc = injector(json!({"containers": [{"name": null}]}));
        assert_eq!(errors(doc), ["spec.containers[0].name: expected a string, found null"]);
        let mut doc = injector(json!({}));
        doc["metadata"] = json!({"name": null});
        assert_eq!(errors(doc), ["metadata.name: expected a string, found null"]);
    }

    #[test]
    fn a_wrong_header_is_reported_field_by_field() {
        let doc =
            json!({"apiVersion": "v1", "kind": "SidecarInjector", "metadata": {"labels": {"a": "b"}}, "spex": {}});
        assert_eq!(
            errors(doc),
            [
                "apiVersion: expected \"sidecar-injector.dev/v1alpha1\", found the string \"v1\"",
                "metadata.name: required field is missing",
                "spex: unknown field; did you mean \"spec\"?",
                "spec: required field is missing",
            ]
        );
    }

    #[test]
    fn the_config_map_form_has_its_data_keys_typed() {
        let doc = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "fn-config", "annotations": {"config.kubernetes.io/local-config": "true"}},
            "data": {"name": "log-agent", "image": "fluent/fluent-bit:3.1", "native": "true", "port": "2020"},
        });
        assert_eq!(errors(doc), Vec::<String>::new());
        let doc = json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "data": {"image": "x", "native": "yes", "port": 2020, "imagePullPolicy": "always", "mountpath": "/x"},
        });
        assert_eq!(
            errors(doc),
            [
                "data.native: expected one of \"true\", \"false\", found the string \"yes\"",
                "data.port: expected a string, found the integer 2020",
                "data.imagePullPolicy: expected one of \"Always\", \"IfNotPresent\", \"Never\", found the string \"always\"",
                "data.mountpath: unknown field; did you mean \"mountPath\"?",
                "data.name: required field is missing",
            ]
        );
    }

    #[test]
    fn refuses_aliases_everywhere() {
        let mut doc = node(&injector(json!({"containers": [{"name": "a"}]})));
        let spec = doc.as_mapping_mut().and_then(|m| m.get_mut("spec")).and_then(Node::as_mapping_mut);
        let spec = spec.expect("spec is a mapping");
        spec.insert("native", Node::Alias("yes".into()));
        spec.insert("volumez", Node::Alias("v".into()));
        let metadata = doc.as_mapping_mut().and_then(|m| m.get_mut("metadata")).and_then(Node::as_mapping_mut);
        let mut fields = Mapping::default();
        fields.insert("f:x", Node::Alias("managed".into()));
        let mut entry = Mapping::default();
        entry.insert("fieldsV1", Node::Mapping(fields));
        let entries = Node::Sequence(Sequence { items: vec![Node::Mapping(entry)], props: Props::default() });
        metadata.expect("metadata is a mapping").insert("managedFields", entries);
        let found: Vec<String> = validate(&doc, Root::SidecarInjector).iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "metadata.managedFields[0].fieldsV1[\"f:x\"]: YAML aliases are not supported in the functionConfig",
                "spec.native: YAML aliases are not supported in the functionConfig",
                "spec.volumez: unknown field; did you mean \"volumes\"?",
                "spec.volumez: YAML aliases are not supported in the functionConfig",
            ]
        );
    }

    #[test]
    fn plain_scalars_resolve_by_the_core_schema() {
        let mut doc = node(&injector(json!({"containers": [{"name": "a", "image": "x"}]})));
        let container = doc
            .as_mapping_mut()
            .and_then(|m| m.get_mut("spec"))
            .and_then(|s| s.as_mapping_mut())
            .and_then(|s| s.get_mut("containers"))
            .and_then(Node::as_sequence_mut)
            .and_then(|s| s.items.first_mut())
            .and_then(Node::as_mapping_mut)
            .expect("a container");
        // `on` is a string in YAML 1.2 (kpt, kustomize); `~` and an empty value are null, i.e. absent.
        container.insert("workingDir", plain("on"));
        container.insert("tty", plain("True"));
        container.insert("args", plain("~"));
        container.insert("command", plain(""));
        let found: Vec<String> = validate(&doc, Root::SidecarInjector).iter().map(ToString::to_string).collect();
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn a_quantity_is_what_the_api_server_quantity_pattern_accepts() {
        for ok in ["1", "0", "100m", "1.5Gi", "+.5", "-1", "1.", "1e3", "1E-3", "2Ki", "5n", "7k", "3E"] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["", "+", ".", "m", "1mm", "1 m", "1Ki ", "1e", "1e+", "1K", "1i", "0x10", "1e1.5", "1.2.3"] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }

    #[test]
    fn an_unknown_field_suggests_the_known_one_a_few_edits_away() {
        let props = [p("imagePullPolicy", 0, false), p("name", 0, true), p("image", 0, false)];
        assert_eq!(suggest("imagePullPolicyy", &props), Some("imagePullPolicy"));
        assert_eq!(suggest("imagepullpolicy", &props), Some("imagePullPolicy"));
        assert_eq!(suggest("nmae", &props), Some("name"));
        assert_eq!(suggest("imgae", &props), Some("image"));
        assert_eq!(suggest("command", &props), None);
        assert_eq!(suggest("x", &props), None);
    }

    fn deep(levels: usize) -> Node {
        let mut deep = Node::string("leaf");
        for _ in 0..levels {
            deep = Node::Sequence(Sequence { items: vec![deep], props: Props::default() });
        }
        deep
    }

    /// Dropping a very deep tree recursively would overflow the test's stack: take it apart iteratively.
    fn drop_iteratively(node: Node) {
        let mut stack = vec![node];
        while let Some(mut node) = stack.pop() {
            if let Some(s) = node.as_sequence_mut() {
                stack.append(&mut s.items);
            } else if let Some(m) = node.as_mapping_mut() {
                stack.extend(m.entries.drain(..).flat_map(|(k, v)| [k, v]));
            }
        }
    }

    #[test]
    fn deep_and_odd_input_does_not_panic() {
        let mut doc = node(&injector(json!({})));
        let mut extra = deep(100_000);
        if let Node::Sequence(s) = &mut extra {
            s.items.push(Node::Alias("a".into()));
        }
        doc.as_mapping_mut().expect("mapping").insert("extra", extra);
        let found: Vec<String> = validate(&doc, Root::SidecarInjector).iter().map(ToString::to_string).collect();
        assert_eq!(found, ["extra: unknown field", "extra[1]: YAML aliases are not supported in the functionConfig"]);
        drop_iteratively(doc);

        let list = deep(100_000);
        let found = validate(&list, Root::ConfigMap);
        assert_eq!(found[0].to_string(), "functionConfig: expected a mapping, found a list");
        drop_iteratively(list);

        let mut weird = Mapping::default();
        weird.entries.push((Node::sequence(), Node::string("v")));
        weird.entries.push((Node::Alias("k".into()), Node::string("v")));
        weird.entries.push((plain("<<"), Node::Alias("base".into())));
        let found = validate(&Node::Mapping(weird), Root::ConfigMap);
        let found: Vec<String> = found.iter().map(ToString::to_string).collect();
        assert_eq!(
            found,
            [
                "functionConfig: expected a string key, found a list",
                "functionConfig: YAML aliases are not supported in the functionConfig",
                "[\"<<\"]: YAML merge keys (<<) are not supported in the functionConfig",
                "apiVersion: required field is missing",
                "kind: required field is missing",
                "data: required field is missing",
            ]
        );
    }
}
