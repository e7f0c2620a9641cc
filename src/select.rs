//! Which workloads an injection selects: kinds, name and namespace globs, label selectors, the labels of the
//! workload's Namespace object, and the workload's own `sidecar-injector.dev/inject` annotation.

/// The annotation a workload (its metadata or its pod template's) uses to opt out of, ask for, or decline
/// injections: `"false"` opts out of all; otherwise a comma-separated list of injection names it asks for,
/// where `-name` declines that one.
pub const INJECT_ANNOTATION: &str = "sidecar-injector.dev/inject";

/// What a workload's inject annotations say about one injection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
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
pub fn request(values: &[&str], name: &str) -> Request {
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
pub struct Selector {
    pub kinds: Vec<String>,
    pub names: Vec<String>,
    pub namespaces: Vec<String>,
    pub label_selector: Option<LabelSelector>,
}

/// meta/v1 LabelSelector: every `matchLabels` pair and every requirement must hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelSelector {
    pub match_labels: Vec<(String, String)>,
    pub match_expressions: Vec<Requirement>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Requirement {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// What a selector looks at on one workload.
pub struct Candidate<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    /// `None` when the object has no namespace: it then matches only a namespace glob that matches "".
    pub namespace: Option<&'a str>,
    pub labels: &'a [(String, String)],
}

impl Selector {
    pub fn matches(&self, c: &Candidate) -> bool {
        (self.kinds.is_empty() || self.kinds.iter().any(|k| k == c.kind))
            && (self.names.is_empty() || self.names.iter().any(|g| glob_match(g, c.name)))
            && (self.namespaces.is_empty() || self.namespaces.iter().any(|g| glob_match(g, c.namespace.unwrap_or(""))))
            && self.label_selector.as_ref().is_none_or(|ls| ls.matches(c.labels))
    }
}

impl LabelSelector {
    pub fn matches(&self, labels: &[(String, String)]) -> bool {
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
pub fn glob_match(pattern: &str, text: &str) -> bool {
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
    fn globs() {
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
    fn label_selector_follows_kubernetes() {
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
    fn inject_annotation() {
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
