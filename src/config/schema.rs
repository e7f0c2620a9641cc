//! STUB: being written (strict validation of the functionConfig against the compiled JSON Schema).
use crate::yaml::Node;

/// A problem at one place of a document: `spec.containers[0].imagePullPolicyy: unknown field`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Which top-level definition of the schema a document is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Root {
    SidecarInjector,
    ConfigMap,
}

pub fn validate(_doc: &Node, _root: Root) -> Vec<FieldError> {
    Vec::new()
}
