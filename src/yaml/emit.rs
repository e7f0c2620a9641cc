//! STUB: being written (tree -> text).
use super::Document;

pub fn emit_document(_doc: &Document) -> String {
    String::new()
}

pub fn emit_stream(docs: &[Document]) -> String {
    docs.iter().map(emit_document).collect::<Vec<_>>().join("---\n")
}
