//! Everything that decides whether a workload gets an injection: which objects are workloads at all (kind,
//! kpt's local-config rule), kinds, name and namespace globs, label selectors, the labels of the workload's
//! Namespace object, and the workload's own `sidecar-injector.dev/inject` annotation.

use crate::config::{HostNetworkPods, Injection};
use crate::keys::{INJECT_KEY, LOCAL_CONFIG_ANNOTATION};
use crate::krm::{Finding, Severity};
use crate::path::FieldPath;
use crate::workload::{ObjectRef, TypeMeta, WorkloadKind, WorkloadTable};
use lossless_yaml::Node;
use lossless_yaml::Resolved;

/// Whether a workload gets the injection, and if not, why (when the reason is worth a result).
pub(crate) enum Choice {
    Selected,
    /// Outside selector, or inside exclude: not worth a result.
    NotSelected,
    /// The workload's own annotation or label (or its Namespace's), or the injection being opt-in.
    Declined(String),
    /// Under a namespaceSelector, a workload whose Namespace object is not in the input.
    NamespaceNotInInput(String),
    /// Selected, but not to be injected ([`left_alone`]): the warning says why; this is the short reason.
    LeftAlone(String),
}

impl Choice {
    /// The selectors (selector, exclude, namespaceSelector) took the workload, whatever the workload says.
    pub(crate) fn passed_selectors(&self) -> bool {
        matches!(self, Choice::Selected | Choice::Declined(_) | Choice::LeftAlone(_))
    }
}

/// The workload kind of an item the function may change: a workload that is deployed (not local config).
pub(crate) fn workload<'a>(item: &Node, workloads: &'a WorkloadTable) -> Option<&'a WorkloadKind> {
    let workload = workloads.lookup(&TypeMeta::read(item)?)?;
    (!is_local_config(item)).then_some(workload)
}

/// A workload that is local config: not deployed, so never injected.
pub(crate) fn is_local_workload(item: &Node, workloads: &WorkloadTable) -> bool {
    TypeMeta::read(item).is_some_and(|t| workloads.lookup(&t).is_some()) && is_local_config(item)
}

/// kpt's convention: an object annotated `config.kubernetes.io/local-config: "true"` is not deployed.
fn is_local_config(item: &Node) -> bool {
    let annotation =
        item.get("metadata").and_then(|m| m.get("annotations")).and_then(|a| a.get(LOCAL_CONFIG_ANNOTATION));
    annotation.and_then(Node::as_scalar).is_some_and(|s| s.value == "true")
}

/// Whether the injection selects this workload. `warnings` gets what the workload's inject words got wrong.
pub(crate) fn choose(
    item: &Node,
    workload: &WorkloadKind,
    injection: &Injection,
    namespaces: &NamespaceIndex,
    warnings: &mut Vec<Finding>,
) -> Choice {
    let selection = &injection.selection;
    let metadata = item.get("metadata");
    let text = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Node::as_scalar).map(|s| s.value.as_str());
    let template_metadata =
        workload.template_path.iter().try_fold(item, |node, key| node.get(key)).and_then(|t| t.get("metadata"));
    // The labels are read only for a selector that looks at them.
    let selectors = || std::iter::once(&selection.selector).chain(&selection.exclude);
    let labels = labels_if(selectors().any(|s| s.label_selector.is_some()), item, metadata);
    let pod_labels = labels_if(selectors().any(|s| s.pod_selector.is_some()), item, template_metadata);
    let candidate = Candidate {
        kind: &workload.kind,
        name: text("name").unwrap_or(""),
        namespace: text("namespace"),
        labels: &labels,
        pod_labels: &pod_labels,
    };
    if !selection.selector.matches(&candidate) || selection.exclude.as_ref().is_some_and(|e| e.matches(&candidate)) {
        return Choice::NotSelected;
    }
    let namespace = namespaces.get(candidate.namespace.unwrap_or(""));
    if let Some(selector) = &selection.namespace_selector {
        match namespace {
            None => return Choice::NamespaceNotInInput(candidate.namespace.unwrap_or("").to_string()),
            Some(ns) if !selector.matches(&ns.labels) => return Choice::NotSelected,
            Some(_) => {}
        }
    }
    let mut said = Vec::new();
    if let Some(m) = metadata {
        said.extend(inject_words(m, || FieldPath::from("metadata")));
    }
    if let Some(m) = template_metadata {
        said.extend(inject_words(m, || workload.template_metadata_field().clone()));
    }
    for word in &said {
        if let Some(message) = unknown_words(&word.value, &injection.name) {
            warnings.push(Finding::new(Severity::Warning, message).about(item).at(word.path.clone()));
        }
    }
    // The workload's own word wins over its Namespace's: the Namespace speaks only for workloads that say nothing.
    let mut whose_words = "the workload";
    if said.is_empty() {
        if let Some(ns) = namespace {
            for word in &ns.said {
                if let Some(message) = unknown_words(&word.value, &injection.name) {
                    let finding = Finding::new(Severity::Warning, message).about_ref(&ns.object).at(word.path.clone());
                    if !warnings.contains(&finding) {
                        warnings.push(finding);
                    }
                }
            }
            said = ns.said.clone();
            whose_words = "its Namespace";
        }
    }
    match request(&said, &injection.name) {
        Request::OptedOut(word) => {
            Choice::Declined(format!("{whose_words} opted out ({}{INJECT_KEY}: {:?})", word.how.prefix(), word.value))
        }
        Request::Declined(word) => {
            Choice::Declined(format!("{whose_words} declined it ({}{INJECT_KEY})", word.how.prefix()))
        }
        Request::Silent if selection.opt_in => {
            Choice::Declined(format!("spec.optIn is true and the workload does not ask for it in {INJECT_KEY}"))
        }
        Request::Silent | Request::Requested => Choice::Selected,
    }
}

/// Why a selected workload is not injected after all: the field path, the warning, and the short reason (for
/// the info result when an earlier injection is taken out). A pod spec without
/// containers is part of a pod (a kustomize patch, a partial manifest): injecting would make a patch that adds
/// a sidecar wherever it is applied. A hostNetwork pod's container ports are its node's ports: the sidecar's
/// would clash between two pods on one node.
pub(crate) fn left_alone(
    item: &Node,
    workload: &WorkloadKind,
    injection: &Injection,
) -> Option<(FieldPath, String, String)> {
    let spec = workload.template_path.iter().try_fold(item, |node, key| node.get(key))?.get("spec")?.as_mapping()?;
    if crate::inject::has_merge_key(spec) {
        // Its containers may be merged in: injecting refuses the merge key with an error of its own.
        return None;
    }
    let at = workload.pod_spec_field();
    let containers = spec.get("containers");
    if containers.is_none_or(|c| c.is_null() || c.as_sequence().is_some_and(|s| s.items.is_empty())) {
        return Some((
            at.key("containers"),
            "no containers: a patch or a partial manifest, not a whole pod; skipped (injecting a patch would add the sidecar wherever it is applied)".to_string(),
            "the pod spec has no containers".to_string(),
        ));
    }
    let host_network = spec.get("hostNetwork").and_then(Node::as_scalar).map(lossless_yaml::resolve_core);
    if matches!(host_network, Some(Resolved::Bool(true)))
        && injection.selection.host_network_pods == HostNetworkPods::Skip
    {
        return Some((
            at.key("hostNetwork"),
            "the pod uses the node's network, so the sidecar's ports would be the node's ports and clash between pods on one node; skipped (set spec.hostNetworkPods: Inject to inject it anyway)".to_string(),
            "hostNetwork pods are skipped".to_string(),
        ));
    }
    None
}

/// The Namespace objects in the input, by name: their labels (for namespaceSelector) and inject words; and
/// every name asked for, so that a list read one item at a time can tell when a Namespace comes too late.
#[derive(Default)]
pub(crate) struct NamespaceIndex {
    known: Vec<(String, NamespaceInfo)>,
    asked: std::cell::RefCell<std::collections::HashSet<String>>,
}

pub(crate) struct NamespaceInfo {
    object: ObjectRef,
    labels: Vec<(String, String)>,
    said: Vec<Said>,
}

impl NamespaceIndex {
    pub(crate) fn of<'a>(items: impl IntoIterator<Item = &'a Node>) -> NamespaceIndex {
        let mut index = NamespaceIndex::default();
        for item in items {
            index.add(item);
        }
        index
    }

    /// Adds `item` if it is a Namespace. False when a workload already asked for its name: what was chosen
    /// for that workload could have been different with it.
    pub(crate) fn add(&mut self, item: &Node) -> bool {
        let t = TypeMeta::of(item);
        if t.kind != "Namespace" || t.api_version != "v1" {
            return true;
        }
        let Some(metadata) = item.get("metadata") else { return true };
        let Some(name) = metadata.get("name").and_then(Node::as_scalar).map(|s| s.value.to_string()) else {
            return true;
        };
        let info = NamespaceInfo {
            object: ObjectRef::of(item),
            labels: string_pairs(item, metadata.get("labels"))
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            said: inject_words(metadata, || FieldPath::from("metadata")),
        };
        let in_time = !self.asked.borrow().contains(&name);
        self.known.push((name, info));
        in_time
    }

    fn get(&self, name: &str) -> Option<&NamespaceInfo> {
        let mut asked = self.asked.borrow_mut();
        if !asked.contains(name) {
            asked.insert(name.to_string());
        }
        self.known.iter().find(|(n, _)| n == name).map(|(_, info)| info)
    }
}

/// The labels under `metadata` when `wanted` (see [`string_pairs`]), else none.
fn labels_if<'a>(wanted: bool, root: &'a Node, metadata: Option<&'a Node>) -> Vec<(&'a str, &'a str)> {
    if wanted {
        string_pairs(root, metadata.and_then(|m| m.get("labels")))
    } else {
        Vec::new()
    }
}

/// The string pairs of a labels mapping. An alias (`labels: *labels`, the pod template sharing the workload's
/// labels) is read as the node it names: reading through an alias changes nothing.
fn string_pairs<'a>(root: &'a Node, node: Option<&'a Node>) -> Vec<(&'a str, &'a str)> {
    let node = match node {
        Some(Node::Alias(name)) => anchored(root, name),
        other => other,
    };
    node.and_then(Node::as_mapping)
        .map(|m| {
            m.entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_scalar()?.value.as_str(), v.as_scalar()?.value.as_str())))
                .collect()
        })
        .unwrap_or_default()
}

/// The node of `root` that carries the anchor `name` (the last one, as an alias refers to the latest
/// definition before it; an alias comes after its anchor in document order).
fn anchored<'a>(root: &'a Node, name: &str) -> Option<&'a Node> {
    let mut found = None;
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let (props, children): (_, Vec<&Node>) = match node {
            Node::Scalar(s) => (&s.props, vec![]),
            Node::Sequence(s) => (&s.props, s.items.iter().rev().collect()),
            Node::Mapping(m) => (&m.props, m.entries.iter().rev().flat_map(|(k, v)| [v, k]).collect()),
            Node::Alias(_) => continue,
        };
        if props.anchor.as_deref() == Some(name) {
            found = Some(node);
        }
        stack.extend(children);
    }
    found
}

/// Whether an inject word is an annotation or a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum How {
    Annotation,
    Label,
}

impl How {
    fn prefix(self) -> &'static str {
        match self {
            How::Annotation => "",
            How::Label => "label ",
        }
    }
}

/// One `sidecar-injector.dev/inject` annotation or label, and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Said {
    value: String,
    how: How,
    path: FieldPath,
}

/// The inject annotation and label of one metadata mapping (`at` is its path).
/// `at`: the path of `metadata`, made only for a word found (most workloads say nothing).
fn inject_words(metadata: &Node, at: impl Fn() -> FieldPath) -> Vec<Said> {
    [("annotations", How::Annotation), ("labels", How::Label)]
        .into_iter()
        .filter_map(|(field, how)| {
            let value = metadata.get(field)?.get(INJECT_KEY)?.as_scalar()?.value.to_string();
            Some(Said { value, how, path: at().key(field).key(INJECT_KEY) })
        })
        .collect()
}

/// The words that opt out of every injection, and those that ask for every one (case does not matter).
pub(crate) const OPT_OUT_WORDS: [&str; 4] = ["false", "disabled", "no", "off"];
pub(crate) const OPT_IN_WORDS: [&str; 4] = ["true", "enabled", "yes", "on"];

/// One comma-separated token: a word, or an injection's name (`-name` declines it).
fn is_word(token: &str, words: &[&str]) -> bool {
    words.iter().any(|w| token.eq_ignore_ascii_case(w))
}

fn tokens(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|t| !t.is_empty())
}

/// The warning for the tokens of an inject value that can be neither a word nor the name of any injection:
/// not a lowercase DNS name (what metadata.name is), or a number (`0` and `1` are no words here). A lowercase
/// name may be another injection's (another step of the pipeline), so it is left alone.
fn unknown_words(value: &str, name: &str) -> Option<String> {
    let unknown: Vec<&str> = tokens(value)
        .filter(|t| !is_word(t, &OPT_OUT_WORDS) && !is_word(t, &OPT_IN_WORDS))
        .filter(|t| {
            let n = t.strip_prefix('-').unwrap_or(t);
            n != name && !could_name_an_injection(n)
        })
        .collect();
    if unknown.is_empty() {
        return None;
    }
    Some(format!(
        "{} names no injection and is no word of {INJECT_KEY}, so it is ignored; opt out with {}; opt in with {}; or name injections, comma-separated (-name declines one)",
        unknown.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", "),
        one_of(&OPT_OUT_WORDS),
        one_of(&OPT_IN_WORDS)
    ))
}

/// `a, b, c or d`.
fn one_of(words: &[&str]) -> String {
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => words.join(""),
    }
}

/// A lowercase DNS name (letters, digits, `-`, `.`; a letter or digit at each end) that is not a number.
fn could_name_an_injection(token: &str) -> bool {
    let ends_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    token.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && ends_ok(token.chars().next())
        && ends_ok(token.chars().last())
        && !token.chars().all(|c| c.is_ascii_digit())
}

/// What a workload's inject words say about one injection.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Request<'a> {
    /// No word, or none that names this injection.
    Silent,
    /// Names this injection, or asks for every one (`true`, `enabled`, ...).
    Requested,
    /// `-name`: declines this injection.
    Declined(&'a Said),
    /// `false`, `disabled`, ...: no injection at all.
    OptedOut(&'a Said),
}

/// Reads the inject words for the injection `name`: opting out wins over declining, which wins over asking.
fn request<'a>(said: &'a [Said], name: &str) -> Request<'a> {
    let find = |hit: &dyn Fn(&str) -> bool| said.iter().find(|s| tokens(&s.value).any(hit));
    if let Some(s) = find(&|t| is_word(t, &OPT_OUT_WORDS)) {
        return Request::OptedOut(s);
    }
    if let Some(s) = find(&|t| t.strip_prefix('-') == Some(name)) {
        return Request::Declined(s);
    }
    if find(&|t| t == name || is_word(t, &OPT_IN_WORDS)).is_some() {
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
    /// On the pod template's labels (a Pod's own), where most controllers carry theirs.
    pub(crate) pod_selector: Option<LabelSelector>,
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
    labels: &'a [(&'a str, &'a str)],
    pod_labels: &'a [(&'a str, &'a str)],
}

impl Selector {
    fn matches(&self, c: &Candidate) -> bool {
        (self.kinds.is_empty() || self.kinds.iter().any(|k| k == c.kind))
            && (self.names.is_empty() || self.names.iter().any(|g| glob_match(g, c.name)))
            && (self.namespaces.is_empty() || self.namespaces.iter().any(|g| glob_match(g, c.namespace.unwrap_or(""))))
            && self.label_selector.as_ref().is_none_or(|ls| ls.matches(c.labels))
            && self.pod_selector.as_ref().is_none_or(|ls| ls.matches(c.pod_labels))
    }
}

impl LabelSelector {
    /// As a user would write it in a message: `{app=web, tier notin (batch)}`.
    pub(crate) fn describe(&self) -> String {
        let mut parts: Vec<String> = self.match_labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        for r in &self.match_expressions {
            parts.push(match r.operator {
                Operator::In => format!("{} in ({})", r.key, r.values.join(", ")),
                Operator::NotIn => format!("{} notin ({})", r.key, r.values.join(", ")),
                Operator::Exists => r.key.clone(),
                Operator::DoesNotExist => format!("!{}", r.key),
            });
        }
        format!("{{{}}}", parts.join(", "))
    }

    /// Whether `labels` (a workload's, read from its tree; a Namespace's, kept) match.
    pub(crate) fn matches(&self, labels: &[(impl AsRef<str>, impl AsRef<str>)]) -> bool {
        let value = |key: &str| labels.iter().find(|(k, _)| k.as_ref() == key).map(|(_, v)| v.as_ref());
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

    fn labels<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        pairs.to_vec()
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

    fn said(values: &[&str]) -> Vec<Said> {
        let at = FieldPath::from("metadata.annotations");
        values.iter().map(|v| Said { value: v.to_string(), how: How::Annotation, path: at.clone() }).collect()
    }

    fn asks(values: &[&str], name: &str) -> &'static str {
        match request(&said(values), name) {
            Request::Silent => "silent",
            Request::Requested => "requested",
            Request::Declined(_) => "declined",
            Request::OptedOut(_) => "opted out",
        }
    }

    #[test]
    fn the_inject_words_opt_out_ask_for_or_decline() {
        assert_eq!(asks(&[], "proxy"), "silent");
        for word in ["false", "disabled", "no", "off", "False", "OFF"] {
            assert_eq!(asks(&[word], "proxy"), "opted out", "{word}");
        }
        for word in ["true", "enabled", "yes", "on", "Enabled"] {
            assert_eq!(asks(&[word], "proxy"), "requested", "{word}");
        }
        assert_eq!(asks(&["proxy, logging"], "proxy"), "requested");
        assert_eq!(asks(&["logging"], "proxy"), "silent");
        assert_eq!(asks(&["logging,-proxy"], "proxy"), "declined");
        assert_eq!(asks(&["proxy", "False"], "proxy"), "opted out");
        assert_eq!(asks(&["proxy-v2"], "proxy"), "silent");
        assert_eq!(asks(&["true", "-proxy"], "proxy"), "declined");
    }

    #[test]
    fn only_a_token_that_can_name_no_injection_is_an_unknown_word() {
        assert_eq!(unknown_words("logging, -proxy, off, Yes", "proxy"), None);
        assert!(unknown_words("0", "proxy").unwrap().starts_with("\"0\" names no injection"));
        assert!(unknown_words("Disable", "proxy").is_some());
        assert!(unknown_words("proxy, 1", "proxy").unwrap().starts_with("\"1\""));
        assert_eq!(unknown_words("My_Proxy", "My_Proxy"), None);
    }

    #[test]
    fn an_alias_is_read_as_the_node_it_names() {
        let item = lossless_yaml::parse_stream(
            b"metadata: {labels: &l {app: web}}\nspec: {template: {metadata: {labels: *l}}}\n",
        )
        .unwrap()
        .remove(0)
        .root;
        let labels = item.get("spec").and_then(|s| s.get("template")).and_then(|t| t.get("metadata"));
        let labels = labels.and_then(|m| m.get("labels"));
        assert!(matches!(labels, Some(Node::Alias(_))));
        assert_eq!(string_pairs(&item, labels), vec![("app", "web")]);
    }

    #[test]
    fn a_pod_selector_reads_the_pod_template_labels_not_the_workload_labels() {
        let front = LabelSelector { match_labels: vec![("tier".into(), "front".into())], ..Default::default() };
        let sel = Selector { pod_selector: Some(front), ..Default::default() };
        let on_template = labels(&[("tier", "front")]);
        let c = |labels, pod_labels| Candidate { kind: "Deployment", name: "x", namespace: None, labels, pod_labels };
        assert!(sel.matches(&c(&[], &on_template)));
        assert!(!sel.matches(&c(&on_template, &[])));
    }

    #[test]
    fn absent_namespace_matches_only_globs_matching_empty() {
        let sel = Selector { namespaces: vec!["prod".into()], ..Default::default() };
        let c = Candidate { kind: "Deployment", name: "x", namespace: None, labels: &[], pod_labels: &[] };
        assert!(!sel.matches(&c));
        let sel = Selector { namespaces: vec!["*".into()], ..Default::default() };
        assert!(sel.matches(&c));
    }
}
