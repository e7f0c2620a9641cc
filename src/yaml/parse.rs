//! STUB: being written (libyaml events -> tree).
use super::Document;

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 256;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

pub fn parse_stream(_input: &[u8]) -> Result<Vec<Document>, ParseError> {
    Err(ParseError { line: 0, column: 0, message: "not yet implemented".into() })
}
