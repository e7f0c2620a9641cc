//! Everything that decides whether a workload gets an injection: which objects are workloads at all (kind,
//! kpt's local-config rule), kinds, name and namespace globs, label selectors, the labels of the workload's
//! Namespace object, and the workload's own `sidecar-injector.dev/inject` annotation.

use crate::config::Injection;
use crate::keys::{INJECT_ANNOTATION, LOCAL_CONFIG_ANNOTATION};
use crate::workload::{TypeMeta, WorkloadKind, WorkloadTable};
use lossless_yaml::Node;

/// Whether a workload gets the injection, and if not, why (when the reason is worth a result).
pub(crate) enum Choice {
    Selected,
    /// Outside selector, or inside exclude: not worth a result.
    NotSelected,
    /// The workload's own annotation, or the injection being opt-in.
    Declined(String),
    /// Under a namespaceSelector, a workload whose Namespace object is not in the input.
    NamespaceNotInInput(String),
}

/// The workload kind of an item the function may change: a workload that is deployed (not local config).
pub(crate) fn workload<'a>(item: &Node, workloads: &'a WorkloadTable) -> Option<&'a WorkloadKind> {
    let workload = workloads.lookup(&TypeMeta::read(item)?)?;
    (!is_local_config(item)).then_some(workload)
}

/// kpt's convention: an object annotated `config.kubernetes.io/local-config: "true"` is not deployed.
fn is_local_config(item: &Node) -> bool {
    let annotation =
        item.get("metadata").and_then(|m| m.get("annotations")).and_then(|a| a.get(LOCAL_CONFIG_ANNOTATION));
    annotation.and_then(Node::as_scalar).is_some_and(|s| s.value == "true")
}

/// Whether the injection selects this workload.
pub(crate) fn choose(
    item: &Node,
    workload: &WorkloadKind,
    injection: &Injection,
    namespaces: &NamespaceIndex,
) -> Choice {
    let selection = &injection.selection;
    let metadata = item.get("metadata");
    let text = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Node::as_scalar).map(|s| s.value.as_str());
    let labels = string_pairs(metadata.and_then(|m| m.get("labels")));
    let candidate = Candidate {
        kind: &workload.kind,
        name: text("name").unwrap_or(""),
        namespace: text("namespace"),
        labels: &labels,
    };
    if !selection.selector.matches(&candidate) || selection.exclude.as_ref().is_some_and(|e| e.matches(&candidate)) {
        return Choice::NotSelected;
    }
    if let Some(selector) = &selection.namespace_selector {
        let namespace = candidate.namespace.unwrap_or("");
        match namespaces.get(namespace) {
            None => return Choice::NamespaceNotInInput(namespace.to_string()),
            Some(labels) if !selector.matches(labels) => return Choice::NotSelected,
            Some(_) => {}
        }
    }
    let mut values = vec![];
    let template_metadata =
        workload.template_path.iter().try_fold(item, |node, key| node.get(key)).and_then(|t| t.get("metadata"));
    for m in [metadata, template_metadata].into_iter().flatten() {
        if let Some(v) = m.get("annotations").and_then(|a| a.get(INJECT_ANNOTATION)).and_then(Node::as_scalar) {
            values.push(v.value.as_str());
        }
    }
    match request(&values, &injection.name) {
        Request::OptedOut => Choice::Declined(format!("the workload opted out ({INJECT_ANNOTATION}: \"false\")")),
        Request::Declined => Choice::Declined(format!("the workload declined it ({INJECT_ANNOTATION})")),
        Request::Silent if selection.opt_in => {
            Choice::Declined(format!("spec.optIn is true and the workload does not ask for it in {INJECT_ANNOTATION}"))
        }
        Request::Silent | Request::Requested => Choice::Selected,
    }
}

/// The labels of the Namespace objects in the input, by name.
pub(crate) struct NamespaceIndex(Vec<(String, Vec<(String, String)>)>);

impl NamespaceIndex {
    pub(crate) fn of(items: &[Node]) -> NamespaceIndex {
        NamespaceIndex(
            items
                .iter()
                .filter(|i| {
                    let t = TypeMeta::of(i);
                    t.kind == "Namespace" && t.api_version == "v1"
                })
                .filter_map(|i| {
                    let metadata = i.get("metadata")?;
                    Some((metadata.get("name")?.as_scalar()?.value.clone(), string_pairs(metadata.get("labels"))))
                })
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&[(String, String)]> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, l)| l.as_slice())
    }
}

fn string_pairs(node: Option<&Node>) -> Vec<(String, String)> {
    node.and_then(Node::as_mapping)
        .map(|m| {
            m.entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_scalar()?.value.clone(), v.as_scalar()?.value.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// What a workload's inject annotations say about one injection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Request {
    /// No annotation, or one that does not name this injection.
    Silent,
    /// Names this injection.
    Requested,
    /// `-name`: declines this injection.
    Declined,
    /// `"false"`: no injection at all.
    OptedOut,
}

/// Reads the inject annotation values (the workload's and its pod template's) for the injection `name`.
fn request(values: &[&str], name: &str) -> Request {
    let tokens = || values.iter().flat_map(|v| v.split(',')).map(str::trim).filter(|t| !t.is_empty());
    if tokens().any(|t| t.eq_ignore_ascii_case("false")) {
        return Request::OptedOut;
    }
    if tokens().any(|t| t.strip_prefix('-') == Some(name)) {
        return Request::Declined;
    }
    if tokens().any(|t| t == name) {
        return Request::Requested;
    }
    Request::Silent
}

/// All parts given must match; an empty selector matches every workload.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Selector {
    pub(crate) kinds: Vec<String>,
    pub(crate) names: Vec<String>,
    pub(crate) namespaces: Vec<String>,
    pub(crate) label_selector: Option<LabelSelector>,
}

/// meta/v1 LabelSelector: every `matchLabels` pair and every requirement must hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct LabelSelector {
    pub(crate) match_labels: Vec<(String, String)>,
    pub(crate) match_expressions: Vec<Requirement>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Requirement {
    pub(crate) key: String,
    pub(crate) operator: Operator,
    pub(crate) values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// What a selector looks at on one workload.
struct Candidate<'a> {
    kind: &'a str,
    name: &'a str,
    /// `None` when the object has no namespace: it then matches only a namespace glob that matches "".
    namespace: Option<&'a str>,
    labels: &'a [(String, String)],
}

impl Selector {
    fn matches(&self, c: &Candidate) -> bool {
        (self.kinds.is_empty() || self.kinds.iter().any(|k| k == c.kind))
            && (self.names.is_empty() || self.names.iter().any(|g| glob_match(g, c.name)))
            && (self.namespaces.is_empty() || self.namespaces.iter().any(|g| glob_match(g, c.namespace.unwrap_or(""))))
            && self.label_selector.as_ref().is_none_or(|ls| ls.matches(c.labels))
    }
}

impl LabelSelector {
    pub(crate) fn matches(&self, labels: &[(String, String)]) -> bool {
        let value = |key: &str| labels.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
        self.match_labels.iter().all(|(k, v)| value(k) == Some(v.as_str()))
            && self.match_expressions.iter().all(|r| match r.operator {
                Operator::In => value(&r.key).is_some_and(|v| r.values.iter().any(|x| x == v)),
                // Kubernetes: NotIn matches objects that lack the key, too.
                Operator::NotIn => value(&r.key).is_none_or(|v| !r.values.iter().any(|x| x == v)),
                Operator::Exists => value(&r.key).is_some(),
                Operator::DoesNotExist => value(&r.key).is_none(),
            })
    }
}

/// Shell-style glob: `*` matches any run of characters, `?` one character; everything else is literal.
fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with one backtrack point (the last `*`): linear in practice, no recursion.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_like_a_shell_with_star_and_question_mark() {
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("web-*", "web-frontend"));
        assert!(!glob_match("web-*", "api"));
        assert!(glob_match("*-prod", "shop-prod"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("*a*b*", "xxaxxbxx"));
        assert!(!glob_match("*a*b", "xxaxxbxxc"));
        assert!(glob_match("exact", "exact"));
        assert!(!glob_match("", "x"));
        assert!(glob_match("", ""));
    }

    fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_label_selector_follows_kubernetes_not_in_included() {
        let ls = LabelSelector {
            match_labels: vec![("app".into(), "web".into())],
            match_expressions: vec![Requirement {
                key: "tier".into(),
                operator: Operator::NotIn,
                values: vec!["batch".into()],
            }],
        };
        assert!(ls.matches(&labels(&[("app", "web")])));
        assert!(ls.matches(&labels(&[("app", "web"), ("tier", "front")])));
        assert!(!ls.matches(&labels(&[("app", "web"), ("tier", "batch")])));
        assert!(!ls.matches(&labels(&[("app", "api")])));
    }

    #[test]
    fn the_inject_annotation_opts_out_asks_for_or_declines() {
        assert_eq!(request(&[], "proxy"), Request::Silent);
        assert_eq!(request(&["false"], "proxy"), Request::OptedOut);
        assert_eq!(request(&["proxy, logging"], "proxy"), Request::Requested);
        assert_eq!(request(&["logging"], "proxy"), Request::Silent);
        assert_eq!(request(&["logging,-proxy"], "proxy"), Request::Declined);
        assert_eq!(request(&["proxy", "False"], "proxy"), Request::OptedOut);
        assert_eq!(request(&["true"], "proxy"), Request::Silent);
        assert_eq!(request(&["proxy-v2"], "proxy"), Request::Silent);
    }

    #[test]
    fn absent_namespace_matches_only_globs_matching_empty() {
        let sel = Selector { namespaces: vec!["prod".into()], ..Default::default() };
        let c = Candidate { kind: "Deployment", name: "x", namespace: None, labels: &[] };
        assert!(!sel.matches(&c));
        let sel = Selector { namespaces: vec!["*".into()], ..Default::default() };
        assert!(sel.matches(&c));
    }
}
