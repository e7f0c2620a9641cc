//! STUB: being written (how readers resolve plain scalars; when a new string may be written plain).
use super::Scalar;

#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str,
}

pub fn resolve_core(_s: &Scalar) -> Resolved {
    Resolved::Str
}

pub fn resolve_yaml11(_s: &Scalar) -> Resolved {
    Resolved::Str
}

pub fn plain_is_safe_string(_s: &str) -> bool {
    false
}
