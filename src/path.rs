//! Field paths, as every message prints them: `spec.containers[0].image`,
//! `spec.template.metadata.labels["app.kubernetes.io/name"]`.
//!
//! One type and one quoting rule for every path the function reports (config errors, pod problems, conflicts,
//! advice): a key is written `.key` when it is a plain name, and `["key"]` when it holds anything that would
//! make the path ambiguous (a dot, a slash, a space, ...) or is empty.

use std::fmt;

/// A path from a document's root to one of its fields; the root itself is the empty path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FieldPath(String);

impl FieldPath {
    /// The path of the mapping entry `key` under this one.
    pub(crate) fn key(&self, key: &str) -> FieldPath {
        let mut path = self.0.clone();
        push_key(&mut path, key);
        FieldPath(path)
    }

    /// The path of the list item `index` under this one.
    pub(crate) fn index(&self, index: usize) -> FieldPath {
        FieldPath(format!("{}[{index}]", self.0))
    }

    /// The path of the fields `dotted` (plain names separated by dots, such as `resources.requests`) under
    /// this one.
    pub(crate) fn keys(&self, dotted: &str) -> FieldPath {
        let mut path = self.0.clone();
        for key in dotted.split('.').filter(|k| !k.is_empty()) {
            push_key(&mut path, key);
        }
        FieldPath(path)
    }

    /// The document's root.
    pub(crate) fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

/// A path of plain field names written out: `"spec.selector"`.
impl From<&str> for FieldPath {
    fn from(dotted: &str) -> FieldPath {
        FieldPath::default().keys(dotted)
    }
}

impl From<FieldPath> for String {
    fn from(path: FieldPath) -> String {
        path.0
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Appends `key` to a rendered path: the one quoting rule.
fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty() && key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    if !plain {
        path.push_str(&format!("[{key:?}]"));
        return;
    }
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(key);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_quoted_only_when_a_plain_one_would_make_the_path_ambiguous() {
        let metadata = FieldPath::from("spec.template.metadata");
        assert_eq!(metadata.key("labels").key("app").to_string(), "spec.template.metadata.labels.app");
        assert_eq!(
            metadata.key("annotations").key("app.kubernetes.io/name").to_string(),
            "spec.template.metadata.annotations[\"app.kubernetes.io/name\"]"
        );
        assert_eq!(FieldPath::default().key("<<").to_string(), "[\"<<\"]");
        assert_eq!(FieldPath::default().key("").to_string(), "[\"\"]");
        assert_eq!(FieldPath::from("spec.containers").index(2).key("name").to_string(), "spec.containers[2].name");
        assert!(FieldPath::from("").is_root());
    }
}
