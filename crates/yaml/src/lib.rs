//! A YAML layer that keeps what it reads.
//!
//! Kubernetes reads manifests with YAML 1.1 rules (go-yaml v2): a plain `0644` is the integer 420, a plain `on`
//! is `true`, `12:30` is 750. A generic serde round trip forgets whether a scalar was quoted, so it writes
//! `'0644'` for `0644` and `on` for `"on"`, and kpt then writes that into the user's files. This layer keeps,
//! for every scalar, the exact text and the style it was written in, plus tags, anchors, aliases and key order;
//! and for every node where it was read, so that [`emit_stream_from`] writes what was not changed back as its
//! source text, byte for byte (comments, flow or block style, spacing and all), and only what changed anew
//! (docs/yaml-layer.md). [`emit_stream`] writes a tree without its source, in kyaml's block layout.
//!
//! Values the function creates are [`ScalarStyle::Auto`]: the emitter writes them plain only when no YAML 1.1
//! or 1.2 reader could take them for anything but a string, and quotes them otherwise.

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(missing_docs)]

mod emit;
mod entries;
mod list;
pub mod meaning;
mod parse;
mod scalar;
mod source;
mod splice;
mod text;

pub use emit::{emit_document, emit_stream, push_decimal, NewList, NewMapping};
pub use entries::Entries;
pub use list::{ListHead, ListReader, ListWriter, WriteItems};
pub use parse::{events_as_text, fast_reader_agrees, parse_part, parse_stream, ParseError, MAX_DEPTH};
pub use scalar::{plain_is_safe_string, resolve_core, resolve_yaml11, Resolved};
pub use splice::{emit_document_from, emit_stream_from};
pub use text::Text;

/// The input as UTF-8 text: UTF-16 (with its byte order mark, the only way YAML allows it) decoded, without the
/// mark; anything else as it is. libyaml reads UTF-16 by converting it, so its offsets would not point into UTF-16 bytes: read
/// and write back the text this returns, and unchanged nodes come back byte for byte whatever the encoding
/// (the output is UTF-8). Undecodable UTF-16 is returned as it is, for the parser to report.
pub fn utf8_input(input: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let units = |big: bool| {
        input[2..].chunks(2).map(move |c| match (c, big) {
            ([a, b], true) => Some(u16::from_be_bytes([*a, *b])),
            ([a, b], false) => Some(u16::from_le_bytes([*a, *b])),
            _ => None,
        })
    };
    let big = match input {
        [0xFE, 0xFF, ..] => true,
        [0xFF, 0xFE, ..] => false,
        _ => return std::borrow::Cow::Borrowed(input),
    };
    let Some(units) = units(big).collect::<Option<Vec<u16>>>() else { return std::borrow::Cow::Borrowed(input) };
    match String::from_utf16(&units) {
        // The byte order mark (not among the units) said which UTF-16 it was; UTF-8 text needs none, unless the
        // text begins with U+FEFF itself: a reader takes the first one of a stream as its mark, so without one
        // that character would be taken for it and lost.
        Ok(text) if text.starts_with('\u{FEFF}') => std::borrow::Cow::Owned(format!("\u{FEFF}{text}").into_bytes()),
        Ok(text) => std::borrow::Cow::Owned(text.into_bytes()),
        Err(_) => std::borrow::Cow::Borrowed(input),
    }
}

/// One document of a stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The document's content.
    pub root: Node,
    /// The `%YAML` directive, if the document had one.
    pub version: Option<(i32, i32)>,
}

/// A node of the tree. Aliases stay aliases: expanding them would turn a few bytes into gigabytes.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// A scalar, with its text and style.
    Scalar(Scalar),
    /// A list.
    Sequence(Sequence),
    /// A mapping, in the order read.
    Mapping(Mapping),
    /// `*name`: refers to the node with that anchor earlier in the document.
    Alias(String),
}

/// Tag and anchor: the properties any node may carry, and where the node was read. Read tag and anchor as
/// fields (`props.tag`, `props.anchor`, through [`PropsData`]); make them with [`Props::new`] or
/// `Props::default()`.
///
/// Tag and anchor are stored boxed, and only when there are any: almost no node has a tag or an anchor, and two
/// inline `Option<String>`s made every node of the tree twice as large (a 100 MB manifest took over 1.6 GB).
///
/// The origin rides here because every node has props and nobody outside this crate builds them field by field:
/// the tree's types keep the shape their users construct (`Scalar { value, style, props }`), and a node made by
/// the function simply has no origin.
#[derive(Clone, Default)]
pub struct Props {
    data: Option<Box<PropsData>>,
    pub(crate) origin: Origin,
}

/// Where a node was read: byte offsets into the text it was parsed from, and a check of what it was then.
///
/// The emitter copies a node's source text only when the node is still what was read there (see
/// `emit::pristine`): `check` is, for a scalar, 0 when its source text is its value (plain, no properties) or else
/// a hash of its value, style, properties and source text; for a collection, a hash of its children's kinds,
/// origins and alias names. Never compared: two trees equal in content are equal wherever they were read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Origin {
    /// The node's first byte (its properties, if any).
    pub(crate) start: u32,
    /// Just past its last byte (a block collection: its last child's end; a block scalar: past its line breaks).
    pub(crate) end: u32,
    pub(crate) check: u32,
}

impl Origin {
    pub(crate) const NONE: Origin = Origin { start: u32::MAX, end: 0, check: 0 };

    pub(crate) fn is_known(&self) -> bool {
        self.start != u32::MAX
    }
}

impl Default for Origin {
    fn default() -> Origin {
        Origin::NONE
    }
}

/// The fields of [`Props`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PropsData {
    /// The anchor name, without `&`.
    pub anchor: Option<String>,
    /// The resolved tag as libyaml reports it (`tag:yaml.org,2002:str` for `!!str`, `!foo` for a local tag).
    pub tag: Option<String>,
}

static NO_PROPS: PropsData = PropsData { anchor: None, tag: None };

impl Props {
    /// Props with this anchor and tag (nothing allocated when both are `None`).
    pub fn new(anchor: Option<String>, tag: Option<String>) -> Props {
        if anchor.is_none() && tag.is_none() {
            Props::default()
        } else {
            Props { data: Some(Box::new(PropsData { anchor, tag })), origin: Origin::NONE }
        }
    }

    /// Neither a tag nor an anchor.
    pub fn is_empty(&self) -> bool {
        self.anchor.is_none() && self.tag.is_none()
    }

    /// Whether the node was read from text (and so may be written back as that text when unchanged).
    pub fn is_read(&self) -> bool {
        self.origin.is_known()
    }

    /// Forgets where the node was read, so that it is written anew (and, for a collection, in block style).
    pub fn forget_origin(&mut self) {
        self.origin = Origin::NONE;
    }
}

impl std::ops::Deref for Props {
    type Target = PropsData;
    fn deref(&self) -> &PropsData {
        self.data.as_deref().unwrap_or(&NO_PROPS)
    }
}

impl std::ops::DerefMut for Props {
    fn deref_mut(&mut self) -> &mut PropsData {
        self.data.get_or_insert_with(Default::default)
    }
}

impl PartialEq for Props {
    #[inline]
    fn eq(&self, other: &Props) -> bool {
        // Most nodes have neither tag nor anchor.
        match (&self.data, &other.data) {
            (None, None) => true,
            _ => **self == **other,
        }
    }
}

impl Eq for Props {}

impl std::fmt::Debug for Props {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Props").field("anchor", &self.anchor).field("tag", &self.tag).finish()
    }
}

/// How a scalar was written, so that it is written back the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    /// `value`
    Plain,
    /// `'value'`
    SingleQuoted,
    /// `"value"`
    DoubleQuoted,
    /// `|` block.
    Literal,
    /// `>` block.
    Folded,
    /// Written by this function: a string, in whatever style keeps it a string for every reader.
    Auto,
}

/// A scalar node.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    /// The value after unescaping and line folding (for a plain scalar: its text).
    pub value: Text,
    /// How it was written (or [`ScalarStyle::Auto`] for one the function made).
    pub style: ScalarStyle,
    /// Its tag and anchor.
    pub props: Props,
}

/// A sequence node.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sequence {
    /// The items, in order.
    pub items: Vec<Node>,
    /// Its tag and anchor.
    pub props: Props,
}

/// A mapping node.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mapping {
    /// In the order read. Keys are unique (the parser rejects duplicate scalar keys).
    pub entries: Entries,
    /// Its tag and anchor.
    pub props: Props,
}

impl Scalar {
    /// A string the function writes; quoted on output where a reader could misread it.
    pub fn string(value: impl Into<Text>) -> Scalar {
        Scalar { value: value.into(), style: ScalarStyle::Auto, props: Props::default() }
    }

    /// True when a YAML 1.2 reader (kpt's and kustomize's) decodes this scalar into a string field as its text.
    /// go-yaml v3 resolves a plain `2024-01-01` to a timestamp, yet a string field still gets the text; under
    /// Kubernetes' YAML 1.1 reader it would become `2024-01-01T00:00:00Z`, which is why values the function
    /// writes are re-quoted (see `ScalarStyle::Auto`).
    #[inline]
    pub fn is_string(&self) -> bool {
        matches!(resolve_core(self), Resolved::Str | Resolved::Timestamp)
    }
}

impl Node {
    /// A new string scalar (see [`Scalar::string`]).
    pub fn string(value: impl Into<Text>) -> Node {
        Node::Scalar(Scalar::string(value))
    }

    /// An empty block mapping.
    pub fn mapping() -> Node {
        Node::Mapping(Mapping::default())
    }

    /// An empty sequence.
    pub fn sequence() -> Node {
        Node::Sequence(Sequence::default())
    }

    /// `~`, `null` or nothing: what Kubernetes reads as "not set".
    pub fn is_null(&self) -> bool {
        matches!(self, Node::Scalar(s) if matches!(resolve_core(s), Resolved::Null))
    }

    /// Where the node was read: its first byte and just past its last, in the text it was parsed from; `None`
    /// for an alias and for a node the function made.
    pub fn span(&self) -> Option<(usize, usize)> {
        let props = match self {
            Node::Scalar(s) => &s.props,
            Node::Sequence(q) => &q.props,
            Node::Mapping(m) => &m.props,
            Node::Alias(_) => return None,
        };
        props.origin.is_known().then_some((props.origin.start as usize, props.origin.end as usize))
    }

    /// The scalar, if this is one.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match self {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a scalar that means a string (quoted, block, or plain text no reader takes for another type).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Scalar(s) if s.is_string() => Some(&s.value),
            _ => None,
        }
    }

    /// The mapping, if this is one.
    pub fn as_mapping(&self) -> Option<&Mapping> {
        match self {
            Node::Mapping(m) => Some(m),
            _ => None,
        }
    }

    /// The mapping, if this is one, to edit.
    pub fn as_mapping_mut(&mut self) -> Option<&mut Mapping> {
        match self {
            Node::Mapping(m) => Some(m),
            _ => None,
        }
    }

    /// The sequence, if this is one.
    pub fn as_sequence(&self) -> Option<&Sequence> {
        match self {
            Node::Sequence(s) => Some(s),
            _ => None,
        }
    }

    /// The sequence, if this is one, to edit.
    pub fn as_sequence_mut(&mut self) -> Option<&mut Sequence> {
        match self {
            Node::Sequence(s) => Some(s),
            _ => None,
        }
    }

    /// `m.get(key)` for a mapping node; `None` for anything else.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_mapping().and_then(|m| m.get(key))
    }

    /// What kind of node this is, for error messages: "a mapping", "a list", "the string \"x\"", ...
    pub fn describe(&self) -> String {
        match self {
            Node::Mapping(_) => "a mapping".to_string(),
            Node::Sequence(_) => "a list".to_string(),
            Node::Alias(a) => format!("the alias *{a}"),
            Node::Scalar(s) => match resolve_core(s) {
                Resolved::Null => "null".to_string(),
                Resolved::Bool(b) => format!("the boolean {b}"),
                Resolved::Int(_) => format!("the integer {}", s.value.as_str()),
                Resolved::Float(_) => format!("the number {}", s.value.as_str()),
                Resolved::Str => format!("the string {:?}", s.value),
                Resolved::Timestamp => format!("the timestamp {}", s.value.as_str()),
                Resolved::Merge => "the merge key <<".to_string(),
                Resolved::Binary => "binary data".to_string(),
                // As written in YAML (percent-encoded): a tag may hold a line break (`!a%0Ab`), and messages are
                // one line.
                Resolved::Other(tag) => format!("a value tagged {}", emit::tag_text(&tag)),
            },
        }
    }

    /// Equal in meaning: same structure, and scalars that read as the same value under both YAML 1.1 and the
    /// 1.2 core schema, whatever their style. Used to tell whether an injected part is already present.
    pub fn same_meaning(&self, other: &Node) -> bool {
        match (self, other) {
            (Node::Scalar(a), Node::Scalar(b)) => {
                a.value == b.value
                    && a.props.tag == b.props.tag
                    // The meaning follows from the text, style and tag alone: the same style needs no resolving.
                    && (a.style == b.style
                        || (resolve_core(a) == resolve_core(b) && resolve_yaml11(a) == resolve_yaml11(b)))
            }
            (Node::Sequence(a), Node::Sequence(b)) => {
                a.items.len() == b.items.len() && a.items.iter().zip(&b.items).all(|(x, y)| x.same_meaning(y))
            }
            (Node::Mapping(a), Node::Mapping(b)) => a.same_meaning(b),
            (Node::Alias(a), Node::Alias(b)) => a == b,
            _ => false,
        }
    }
}

impl Mapping {
    /// Makes every copy of this mapping made from now on share its entries, until it is changed: for a mapping
    /// copied into many trees (an injected container), a copy is then a reference count, and copies compare
    /// equal at a glance.
    pub fn share(&mut self) {
        self.entries.share();
    }

    /// [`Node::same_meaning`] for two mappings, without wrapping (cloning) them into nodes: the same entries,
    /// in any order.
    pub fn same_meaning(&self, other: &Mapping) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().enumerate().all(|(i, (k, v))| {
                // Entries usually stand in the same order: try the same position first.
                let same = |(k2, v2): &(Node, Node)| k.same_meaning(k2) && v.same_meaning(v2);
                other.entries.get(i).is_some_and(same) || other.entries.iter().any(same)
            })
    }

    /// The value under the string key `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries.iter().find(|(k, _)| key_is(k, key)).map(|(_, v)| v)
    }

    /// The value under the string key `key`, to edit.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries.iter_mut().find(|(k, _)| key_is(k, key)).map(|(_, v)| v)
    }

    /// Sets `key` to `value`, in place if the key exists, else appended at the end.
    pub fn insert(&mut self, key: &str, value: Node) {
        match self.get_mut(key) {
            Some(slot) => *slot = value,
            None => self.entries.push((Node::string(key), value)),
        }
    }

    /// The value under `key`, created with `make` (appended at the end) when absent.
    pub fn entry(&mut self, key: &str, make: impl FnOnce() -> Node) -> &mut Node {
        let index = match self.entries.iter().position(|(k, _)| key_is(k, key)) {
            Some(i) => i,
            None => {
                self.entries.push((Node::string(key), make()));
                self.entries.len() - 1
            }
        };
        &mut self.entries[index].1
    }

    /// Removes the entry under `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        let index = self.entries.iter().position(|(k, _)| key_is(k, key))?;
        Some(self.entries.remove(index).1)
    }

    /// The string keys, in order (non-string keys are skipped).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().filter_map(|(k, _)| k.as_scalar().map(|s| s.value.as_str()))
    }
}

#[inline]
fn key_is(node: &Node, key: &str) -> bool {
    matches!(node, Node::Scalar(s) if s.value == key && s.is_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_stay_small() {
        // The tree of a large manifest is mostly nodes: their size is its memory (a 64-bit build; wasm32 halves it).
        // Each node's origin (12 bytes) rides in its props, next to the boxed tag and anchor.
        assert!(std::mem::size_of::<Node>() <= 56, "{}", std::mem::size_of::<Node>());
        assert!(std::mem::size_of::<Props>() <= std::mem::size_of::<usize>() + 16);
    }

    #[test]
    fn descriptions_are_one_line() {
        let docs = parse_stream(b"- !a%0Ab%0D%E2%80%A8 x\n- \"a\\nb\"\n").expect("parses");
        for item in &docs[0].root.as_sequence().expect("list").items {
            let text = item.describe();
            assert!(!text.contains(['\n', '\r', '\u{2028}']), "{text:?}");
        }
        assert_eq!(docs[0].root.as_sequence().unwrap().items[0].describe(), "a value tagged !a%0Ab%0D%E2%80%A8");
    }

    #[test]
    fn props_read_and_compare_as_fields() {
        let none = Props::default();
        assert_eq!((none.anchor.as_deref(), none.tag.as_deref()), (None, None));
        let mut written = Props::default();
        let fields: &mut PropsData = &mut written; // allocates an empty box: still equal to none
        fields.tag = None;
        assert_eq!(written, none);
        assert!(written.is_empty());
        let tagged = Props::new(None, Some("!x".into()));
        assert_eq!(tagged.tag.as_deref(), Some("!x"));
        assert_ne!(tagged, none);
        assert_eq!(format!("{none:?}"), "Props { anchor: None, tag: None }");
    }
}
