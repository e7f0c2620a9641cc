//! Values from the workload: placeholders in the config's strings, filled per workload (docs/placeholders.md).
//!
//! `{{workload.name}}`, `{{workload.namespace}}`, `{{workload.kind}}`, `{{pod.label.KEY}}`, `{{app.containers}}`
//! (the app containers' names, comma-separated), `{{app.ports}}` (their containerPorts, comma-separated);
//! `{{NAME|DEFAULT}}` gives the text to use where the workload has no such value; `{{{{` is a literal `{{`.
//! Kubernetes' own `$(VAR)` references are plain text here, left for the kubelet.
//!
//! Checked when the config is loaded (an unknown name or an unclosed `{{` is a config error at its field
//! path), filled when a workload is injected (a missing value without a default is an error naming the
//! workload).

use crate::path::FieldPath;
use lossless_yaml::{Node, ScalarStyle};

const OPEN: &str = "{{";
const CLOSE: &str = "}}";
const LABEL: &str = "pod.label.";

/// Where a placeholder's value comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Source {
    WorkloadName,
    WorkloadNamespace,
    WorkloadKind,
    PodLabel(String),
    AppContainers,
    AppPorts,
}

const KNOWN: &str = "workload.name, workload.namespace, workload.kind, pod.label.KEY, app.containers, app.ports";

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Value { name: Source, written: String, default: Option<String> },
}

/// One workload's values.
#[derive(Debug, Default)]
pub(crate) struct Values {
    pub(crate) name: String,
    pub(crate) namespace: Option<String>,
    pub(crate) kind: String,
    /// The pod template's labels, and where they are (for messages).
    pub(crate) labels: Vec<(String, String)>,
    pub(crate) labels_at: FieldPath,
    /// The app's own containers (regular containers no injection added), in order.
    pub(crate) app_containers: Vec<String>,
    /// Their containerPorts, in order, each once.
    pub(crate) app_ports: Vec<String>,
}

fn parse(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        literal.push_str(&rest[..start]);
        let after = &rest[start + OPEN.len()..];
        if let Some(escaped) = after.strip_prefix(OPEN) {
            literal.push_str(OPEN);
            rest = escaped;
            continue;
        }
        let Some(end) = after.find(CLOSE) else {
            return Err(format!("{OPEN} without {CLOSE}; write {OPEN}{OPEN} for a literal {OPEN}"));
        };
        let inside = &after[..end];
        let (written, default) = match inside.split_once('|') {
            Some((n, d)) => (n.trim(), Some(d.to_string())),
            None => (inside.trim(), None),
        };
        let name = match written {
            "workload.name" => Source::WorkloadName,
            "workload.namespace" => Source::WorkloadNamespace,
            "workload.kind" => Source::WorkloadKind,
            "app.containers" => Source::AppContainers,
            "app.ports" => Source::AppPorts,
            label if label.starts_with(LABEL) && label.len() > LABEL.len() => {
                Source::PodLabel(label[LABEL.len()..].to_string())
            }
            other => {
                return Err(format!(
                    "unknown placeholder {OPEN}{other}{CLOSE}; known: {KNOWN} (and {OPEN}NAME|DEFAULT{CLOSE}; {OPEN}{OPEN} for a literal {OPEN})"
                ))
            }
        };
        if !literal.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut literal)));
        }
        pieces.push(Piece::Value { name, written: written.to_string(), default });
        rest = &after[end + CLOSE.len()..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Ok(pieces)
}

/// Whether `text` names a value of the workload (a literal `{{{{` does not).
pub(crate) fn has_placeholder(text: &str) -> bool {
    parse(text).map_or(true, |pieces| pieces.iter().any(|p| matches!(p, Piece::Value { .. })))
}

/// Every string value in `node` (not keys) whose placeholders are not all known: (path under `at`, message).
/// Returns whether `node` has any placeholder.
pub(crate) fn check(node: &Node, at: &FieldPath, errors: &mut Vec<(FieldPath, String)>) -> bool {
    let mut templated = false;
    walk(node, at, &mut |text, path| match parse(text) {
        Ok(pieces) => templated |= pieces.iter().any(|p| matches!(p, Piece::Value { .. })),
        Err(message) => errors.push((path.clone(), message)),
    });
    templated
}

fn walk(node: &Node, at: &FieldPath, f: &mut impl FnMut(&str, &FieldPath)) {
    match node {
        Node::Scalar(s) if s.is_string() && s.value.contains(OPEN) => f(&s.value, at),
        Node::Sequence(seq) => seq.items.iter().enumerate().for_each(|(i, n)| walk(n, &at.index(i), f)),
        Node::Mapping(m) => {
            for (k, v) in &m.entries {
                walk(v, &at.key(k.as_scalar().map_or("?", |s| s.value.as_str())), f);
            }
        }
        _ => {}
    }
}

/// Fills the placeholders of every string value of `node` with the workload's values; `at` is the node's path
/// in the config. Each error is at the workload's field that lacks the value, and names the config field.
pub(crate) fn render(node: &mut Node, at: &FieldPath, values: &Values, errors: &mut Vec<(FieldPath, String)>) {
    fill(node, &Trail::Here(at), values, errors);
}

/// Where a node stands under the part being rendered. Kept as a chain on the stack and written out as a
/// [`FieldPath`] only for an error: every workload's parts are rendered, and making each node's path was most
/// of the cost.
enum Trail<'a> {
    Here(&'a FieldPath),
    Key(&'a Trail<'a>, &'a str),
    Index(&'a Trail<'a>, usize),
}

impl Trail<'_> {
    fn path(&self) -> FieldPath {
        match self {
            Trail::Here(at) => (*at).clone(),
            Trail::Key(up, key) => up.path().key(key),
            Trail::Index(up, i) => up.path().index(*i),
        }
    }
}

fn fill(node: &mut Node, at: &Trail<'_>, values: &Values, errors: &mut Vec<(FieldPath, String)>) {
    match node {
        Node::Scalar(s) if s.is_string() && s.value.contains(OPEN) => {
            let Ok(pieces) = parse(&s.value) else { return }; // checked when the config was loaded
            let mut out = String::new();
            for piece in pieces {
                match piece {
                    Piece::Text(t) => out.push_str(&t),
                    Piece::Value { name, written, default } => match (value(&name, values), default) {
                        (Some(v), _) => out.push_str(&v),
                        (None, Some(d)) => out.push_str(&d),
                        (None, None) => errors.push(missing(&name, &written, &at.path(), values)),
                    },
                }
            }
            s.value = out.into();
            // Whatever the placeholder's quoting, the value is a string: the emitter quotes it where needed.
            s.style = ScalarStyle::Auto;
        }
        Node::Sequence(seq) => {
            seq.items.iter_mut().enumerate().for_each(|(i, n)| fill(n, &Trail::Index(at, i), values, errors))
        }
        Node::Mapping(m) => {
            for (k, v) in m.entries.iter_mut() {
                let key = k.as_scalar().map_or("?", |s| s.value.as_str());
                fill(v, &Trail::Key(at, key), values, errors);
            }
        }
        _ => {}
    }
}

fn value(name: &Source, values: &Values) -> Option<String> {
    match name {
        Source::WorkloadName => Some(values.name.clone()),
        Source::WorkloadNamespace => values.namespace.clone(),
        Source::WorkloadKind => Some(values.kind.clone()),
        Source::PodLabel(key) => values.labels.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()),
        Source::AppContainers => Some(values.app_containers.join(",")),
        Source::AppPorts => Some(values.app_ports.join(",")),
    }
}

fn missing(name: &Source, written: &str, at: &FieldPath, values: &Values) -> (FieldPath, String) {
    let (where_, lacks) = match name {
        Source::PodLabel(key) => (values.labels_at.clone(), format!("no label {key:?}")),
        _ => (FieldPath::from("metadata.namespace"), "no namespace".to_string()),
    };
    (
        where_,
        format!(
            "the config's {at} needs {OPEN}{written}{CLOSE}, and the workload has {lacks}; add it, or give a default: {OPEN}{written}|DEFAULT{CLOSE}"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values {
            name: "web".into(),
            namespace: Some("shop".into()),
            kind: "Deployment".into(),
            labels: vec![("app.kubernetes.io/version".into(), "1.2".into())],
            labels_at: "spec.template.metadata.labels".into(),
            app_containers: vec!["app".into(), "worker".into()],
            app_ports: vec!["8080".into(), "9090".into()],
        }
    }

    fn fill(text: &str) -> Result<String, String> {
        let mut node = Node::string(text);
        let mut errors = Vec::new();
        render(&mut node, &FieldPath::from("spec.env").index(0).key("value"), &values(), &mut errors);
        match errors.first() {
            Some((p, m)) => Err(format!("{p}: {m}")),
            None => Ok(node.as_scalar().unwrap().value.to_string()),
        }
    }

    #[test]
    fn placeholders_are_filled_from_the_workload() {
        assert_eq!(fill("{{workload.name}}.{{workload.namespace}}").unwrap(), "web.shop");
        assert_eq!(fill("{{ workload.kind }}/{{pod.label.app.kubernetes.io/version}}").unwrap(), "Deployment/1.2");
        assert_eq!(fill("{{app.containers}} {{app.ports}}").unwrap(), "app,worker 8080,9090");
        assert_eq!(fill("{{pod.label.track|stable}}").unwrap(), "stable");
        assert_eq!(fill("{{pod.label.track|}}").unwrap(), "");
    }

    #[test]
    fn kubernetes_references_and_escapes_stay_text() {
        assert_eq!(fill("$(POD_NAME) {{{{workload.name}}").unwrap(), "$(POD_NAME) {{workload.name}}");
        assert!(!has_placeholder("{{{{literal}}"));
        assert!(has_placeholder("x{{workload.name}}"));
    }

    #[test]
    fn a_missing_label_without_a_default_names_the_field_and_the_label() {
        let err = fill("{{pod.label.track}}").unwrap_err();
        assert!(
            err.starts_with("spec.template.metadata.labels: the config's spec.env[0].value needs {{pod.label.track}}, and the workload has no label \"track\""),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_or_unclosed_placeholder_is_an_error_at_its_path() {
        let docs =
            lossless_yaml::parse_stream(b"{a: '{{workload.uid}}', b: [x, '{{app.ports'], c: '{{{{x}}'}\n").unwrap();
        let mut errors = Vec::new();
        assert!(!check(&docs[0].root, &"spec".into(), &mut errors));
        let paths: Vec<String> = errors.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(paths, ["spec.a", "spec.b[1]"]);
        assert!(errors[0].1.starts_with("unknown placeholder {{workload.uid}}; known: workload.name"), "{errors:?}");
        assert!(errors[1].1.starts_with("{{ without }}"), "{errors:?}");
    }
}
