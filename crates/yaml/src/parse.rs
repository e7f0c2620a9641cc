//! libyaml's events to a tree.
//!
//! libyaml (the C code go-yaml was ported from) does the scanning, so what is accepted and how scalars are
//! unescaped and folded match what Kubernetes' reader does. The tree is built with an explicit stack: libyaml has
//! no nesting limit, and 100,000 nested `[` must not overflow the (wasm) stack here or in a later recursive walk.
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

mod fast;

use super::scalar::{resolve_core, resolve_yaml11};
use super::{source, Document, Mapping, Node, Origin, Props, Scalar, ScalarStyle, Sequence};

/// Deepest nesting of collections accepted.
pub const MAX_DEPTH: usize = 256;

/// Why a stream is not YAML this layer reads, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based.
    pub line: usize,
    /// 1-based.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// A position in the input, 1-based.
#[derive(Clone, Copy, Debug)]
struct Mark {
    line: usize,
    column: usize,
}

impl Mark {
    fn error(self, message: impl Into<String>) -> ParseError {
        ParseError { line: self.line, column: self.column, message: message.into() }
    }
}

/// libyaml's events, copied out of its buffers.
enum Event {
    StreamStart,
    StreamEnd,
    DocumentStart {
        version: Option<(i32, i32)>,
    },
    DocumentEnd,
    Alias(String),
    Scalar(Scalar),
    /// The properties, and whether the collection is written in flow style (`[...]`).
    SequenceStart(Props, bool),
    SequenceEnd,
    MappingStart(Props, bool),
    MappingEnd,
}

/// Where an event's text starts and ends: offsets in libyaml's UTF-8 buffer, which is the input without a
/// UTF-8 byte order mark.
#[derive(Clone, Copy)]
struct Place {
    start: usize,
    end: usize,
}

/// The only unsafe code of the YAML layer: driving libyaml's parser and copying each event into owned data.
mod libyaml {
    use std::ffi::{c_char, CStr};
    use std::mem::MaybeUninit;

    use unsafe_libyaml as unsafe_sys;

    use super::{Event, Mark, ParseError, Place, Props, Scalar, ScalarStyle};
    use crate::Text;

    pub(super) struct EventReader<'input> {
        /// Boxed because libyaml keeps a pointer to the parser inside itself (its string read handler's data),
        /// so it must not move once the input is set.
        parser: Box<MaybeUninit<unsafe_sys::yaml_parser_t>>,
        input: &'input [u8],
        failed: bool,
    }

    impl<'input> EventReader<'input> {
        pub(super) fn new(input: &'input [u8]) -> EventReader<'input> {
            let mut parser = Box::new(MaybeUninit::<unsafe_sys::yaml_parser_t>::uninit());
            // SAFETY: initialize zeroes and sets up the parser in place (it cannot fail other than by aborting on
            // allocation failure). The input slice outlives the parser: both live in `self`, and Drop deletes the
            // parser before the borrow ends.
            unsafe {
                let p = parser.as_mut_ptr();
                let _ = unsafe_sys::yaml_parser_initialize(p);
                unsafe_sys::yaml_parser_set_input_string(p, input.as_ptr(), input.len() as u64);
            }
            EventReader { parser, input, failed: false }
        }

        pub(super) fn next(&mut self) -> Result<(Event, Mark, Place), ParseError> {
            if self.failed {
                return Err(ParseError { line: 0, column: 0, message: "the parser already failed".into() });
            }
            let mut event = MaybeUninit::<unsafe_sys::yaml_event_t>::uninit();
            // SAFETY: the parser was initialized in `new`. On success libyaml fills `event`, which is converted
            // (copying every string) and then deleted exactly once; on failure it leaves nothing allocated in it.
            unsafe {
                let p = self.parser.as_mut_ptr();
                if unsafe_sys::yaml_parser_parse(p, event.as_mut_ptr()).fail {
                    self.failed = true;
                    return Err(self.error());
                }
                let event = event.as_mut_ptr();
                let mark = (*event).start_mark;
                let place = Place { start: mark.index as usize, end: (*event).end_mark.index as usize };
                // SAFETY: libyaml just filled the event, and it is deleted only below.
                let converted = convert(&*event);
                unsafe_sys::yaml_event_delete(event);
                let mark = Mark { line: mark.line as usize + 1, column: mark.column as usize + 1 };
                converted.map(|e| (e, mark, place)).map_err(|m| mark.error(m))
            }
        }

        /// libyaml's problem and context, at the problem's position.
        ///
        /// # Safety
        /// The parser must be initialized (as `new` does) and its last call must have failed, so that its
        /// problem and context pointers are null or point to NUL-terminated strings libyaml owns.
        unsafe fn error(&self) -> ParseError {
            // SAFETY: the caller guarantees the parser is initialized.
            let p = unsafe { &*self.parser.as_ptr() };
            // SAFETY: libyaml's problem text is null or a static NUL-terminated string.
            let problem = unsafe { text(p.problem) }.unwrap_or_else(|| "unknown error".into());
            if p.error == unsafe_sys::YAML_READER_ERROR {
                // Reader errors (bad UTF-8, control characters) carry a byte offset instead of a mark.
                let offset = (p.problem_offset as usize).min(self.input.len());
                let (line, column) = line_column(&self.input[..offset]);
                let message = if p.problem_value >= 0 {
                    format!("{problem} (#x{:X} at byte {offset})", p.problem_value)
                } else {
                    format!("{problem} (at byte {offset})")
                };
                return ParseError { line, column, message };
            }
            let mark = p.problem_mark;
            let mut message = problem;
            // SAFETY: as for the problem text.
            if let Some(context) = unsafe { text(p.context) } {
                let c = p.context_mark;
                message = format!("{message} ({context} at line {}, column {})", c.line + 1, c.column + 1);
            }
            ParseError { line: mark.line as usize + 1, column: mark.column as usize + 1, message }
        }
    }

    impl Drop for EventReader<'_> {
        fn drop(&mut self) {
            // SAFETY: initialized in `new`; delete frees the parser's buffers, tokens and tag directives.
            unsafe { unsafe_sys::yaml_parser_delete(self.parser.as_mut_ptr()) }
        }
    }

    fn line_column(before: &[u8]) -> (usize, usize) {
        let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        // Count characters, not bytes: skip UTF-8 continuation bytes.
        let column = before[line_start..].iter().filter(|b| (**b & 0xC0) != 0x80).count() + 1;
        (line, column)
    }

    /// unsafe-libyaml declares its messages `*const i8` on every target, while `c_char` is `u8` on aarch64 Linux:
    /// taking any byte pointer keeps the crate building there.
    ///
    /// # Safety
    /// `s` is null or points to a NUL-terminated string that stays valid during the call.
    unsafe fn text<T>(s: *const T) -> Option<String> {
        // SAFETY: the caller's guarantee.
        (!s.is_null()).then(|| unsafe { CStr::from_ptr(s.cast::<c_char>()) }.to_string_lossy().into_owned())
    }

    /// # Safety
    /// `s` is null or points to a NUL-terminated string that stays valid during the call.
    unsafe fn owned(s: *const u8, what: &str) -> Result<Option<String>, String> {
        if s.is_null() {
            return Ok(None);
        }
        // SAFETY: the caller's guarantee; the bytes are copied before the call returns.
        let bytes = unsafe { CStr::from_ptr(s.cast::<c_char>()) }.to_bytes();
        String::from_utf8(bytes.to_vec()).map(Some).map_err(|_| format!("{what} is not valid UTF-8"))
    }

    /// # Safety
    /// `anchor` and `tag` are each null or a NUL-terminated string that stays valid during the call.
    unsafe fn props(anchor: *const u8, tag: *const u8) -> Result<Props, String> {
        // SAFETY: the caller's guarantee.
        Ok(Props::new(unsafe { owned(anchor, "an anchor") }?, unsafe { owned(tag, "a tag") }?))
    }

    /// # Safety
    /// `e` must be an event libyaml filled in and has not yet deleted: the union member read is the one its
    /// `type_` names, and every pointer in it is null or valid (strings NUL-terminated, a scalar's value
    /// `length` bytes long).
    unsafe fn convert(e: &unsafe_sys::yaml_event_t) -> Result<Event, String> {
        // SAFETY: the caller's guarantee covers every union read and pointer below.
        let event = unsafe {
            match e.type_ {
                unsafe_sys::YAML_STREAM_START_EVENT => Event::StreamStart,
                unsafe_sys::YAML_STREAM_END_EVENT => Event::StreamEnd,
                unsafe_sys::YAML_DOCUMENT_START_EVENT => {
                    let v = e.data.document_start.version_directive;
                    Event::DocumentStart { version: (!v.is_null()).then(|| ((*v).major, (*v).minor)) }
                }
                unsafe_sys::YAML_DOCUMENT_END_EVENT => Event::DocumentEnd,
                unsafe_sys::YAML_ALIAS_EVENT => {
                    Event::Alias(owned(e.data.alias.anchor, "an alias")?.unwrap_or_default())
                }
                unsafe_sys::YAML_SCALAR_EVENT => {
                    let s = e.data.scalar;
                    let bytes = if s.value.is_null() {
                        &[][..]
                    } else {
                        std::slice::from_raw_parts(s.value, s.length as usize)
                    };
                    let value = Text::new(std::str::from_utf8(bytes).map_err(|_| "a scalar is not valid UTF-8")?);
                    let style = match s.style {
                        unsafe_sys::YAML_SINGLE_QUOTED_SCALAR_STYLE => ScalarStyle::SingleQuoted,
                        unsafe_sys::YAML_DOUBLE_QUOTED_SCALAR_STYLE => ScalarStyle::DoubleQuoted,
                        unsafe_sys::YAML_LITERAL_SCALAR_STYLE => ScalarStyle::Literal,
                        unsafe_sys::YAML_FOLDED_SCALAR_STYLE => ScalarStyle::Folded,
                        _ => ScalarStyle::Plain,
                    };
                    Event::Scalar(Scalar { value, style, props: props(s.anchor, s.tag)? })
                }
                unsafe_sys::YAML_SEQUENCE_START_EVENT => {
                    let s = e.data.sequence_start;
                    Event::SequenceStart(props(s.anchor, s.tag)?, s.style == unsafe_sys::YAML_FLOW_SEQUENCE_STYLE)
                }
                unsafe_sys::YAML_SEQUENCE_END_EVENT => Event::SequenceEnd,
                unsafe_sys::YAML_MAPPING_START_EVENT => {
                    let m = e.data.mapping_start;
                    Event::MappingStart(props(m.anchor, m.tag)?, m.style == unsafe_sys::YAML_FLOW_MAPPING_STYLE)
                }
                unsafe_sys::YAML_MAPPING_END_EVENT => Event::MappingEnd,
                _ => return Err("unexpected event from libyaml".into()),
            }
        };
        Ok(event)
    }
}

/// The events of a stream: from [`fast::FastReader`] while it is sure of them, then from libyaml, which reads
/// the stream from its start and skips the events already given.
struct Events<'a> {
    /// The input as libyaml reads it (with a byte order mark, if any).
    part: &'a [u8],
    fast: Option<fast::FastReader<'a>>,
    /// How many events the fast reader gave.
    given: usize,
    libyaml: Option<libyaml::EventReader<'a>>,
}

impl<'a> Events<'a> {
    fn new(part: &'a [u8], bom: usize, use_fast: bool) -> Events<'a> {
        let fast = if use_fast { fast::FastReader::new(&part[bom..]) } else { None };
        Events { part, fast, given: 0, libyaml: None }
    }

    fn next(&mut self) -> Result<(Event, Mark, Place), ParseError> {
        if let Some(reader) = &mut self.fast {
            if let Some(event) = reader.next() {
                self.given += 1;
                return Ok(event);
            }
            self.fast = None;
            let mut libyaml = libyaml::EventReader::new(self.part);
            for _ in 0..self.given {
                libyaml.next()?;
            }
            self.libyaml = Some(libyaml);
        }
        self.libyaml.get_or_insert_with(|| libyaml::EventReader::new(self.part)).next()
    }
}

/// Whether the events of `input` are libyaml's: the number the fast reader gave, or what differs. For the tests
/// and the fuzz target that hold the fast reader to libyaml.
///
/// When libyaml rejects the input it may do so before giving events for text before the problem (its reader
/// checks a whole buffer of characters ahead, and its scanner looks a line ahead for simple keys); the fast
/// reader may then have given some of those, and the error is libyaml's.
#[doc(hidden)]
pub fn fast_reader_agrees(input: &[u8]) -> Result<usize, String> {
    let (fast, given) = events_as_text(input, true);
    let (libyaml, _) = events_as_text(input, false);
    let failed = |events: &[String]| events.last().is_some_and(|e| e.starts_with("error: "));
    let agree = if failed(&libyaml) {
        let k = libyaml.len() - 1;
        failed(&fast) && fast.last() == libyaml.last() && fast.len() >= libyaml.len() && fast[..k] == libyaml[..k]
    } else {
        fast == libyaml
    };
    if agree {
        return Ok(given);
    }
    let at = fast.iter().zip(&libyaml).position(|(a, b)| a != b).unwrap_or(fast.len().min(libyaml.len()));
    Err(format!(
        "events differ at {at} (the fast reader gave {given})\nfast:    {:?}\nlibyaml: {:?}",
        fast.get(at),
        libyaml.get(at)
    ))
}

/// The events of `input` as text, one per line (an error last, if any), and how many of them the fast reader
/// gave; from libyaml alone unless `fast`.
#[doc(hidden)]
pub fn events_as_text(input: &[u8], fast: bool) -> (Vec<String>, usize) {
    let bom = if input.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut events = Events::new(input, bom, fast);
    let mut lines = Vec::new();
    loop {
        match events.next() {
            Ok((event, mark, place)) => {
                let end = matches!(event, Event::StreamEnd);
                let shown = match event {
                    Event::Scalar(s) => format!("Scalar({:?}, {:?}, {:?})", s.value.as_str(), s.style, s.props),
                    Event::SequenceStart(props, flow) => format!("SequenceStart({props:?}, {flow})"),
                    Event::MappingStart(props, flow) => format!("MappingStart({props:?}, {flow})"),
                    Event::Alias(name) => format!("Alias({name})"),
                    Event::DocumentStart { version } => format!("DocumentStart({version:?})"),
                    Event::StreamStart => "StreamStart".into(),
                    Event::StreamEnd => "StreamEnd".into(),
                    Event::DocumentEnd => "DocumentEnd".into(),
                    Event::SequenceEnd => "SequenceEnd".into(),
                    Event::MappingEnd => "MappingEnd".into(),
                };
                lines.push(format!("{shown} {}..{} {}:{}", place.start, place.end, mark.line, mark.column));
                if end {
                    break;
                }
            }
            Err(e) => {
                lines.push(format!("error: {e}"));
                break;
            }
        }
    }
    (lines, events.given)
}

/// A collection being built. Its entries sit on the shared `nodes` stack from `start` (a mapping's as key,
/// value, key, value, ...) until it ends; then they move into a `Vec` of exactly their number, so the tree
/// holds no spare capacity (a growing `Vec` per collection kept up to half of the tree's memory unused).
enum Frame {
    Sequence { props: Props, start: usize, at: Opened },
    Mapping { props: Props, start: usize, keys: KeyIndex, at: Opened },
}

/// Where a collection's text starts, and whether it is a flow collection.
#[derive(Clone, Copy)]
struct Opened {
    pos: usize,
    flow: bool,
}

/// Byte offsets of the input, for nodes' origins. libyaml's marks count bytes of its UTF-8 buffer: the input
/// itself, less a UTF-8 byte order mark. UTF-16 input is converted first, and input past 4 GiB does not fit the
/// origins' offsets: neither gets origins (it is then written anew, as a whole).
struct Offsets<'a> {
    src: &'a [u8],
    base: usize,
    on: bool,
    /// The end of the last event: where an empty node's indicator is looked for, and a block collection ends.
    last_end: usize,
}

impl Offsets<'_> {
    fn of(&self, index: usize) -> usize {
        (self.base + index).min(self.src.len())
    }
}

fn origin(start: usize, end: usize, check: u32) -> Origin {
    Origin { start: start as u32, end: end as u32, check }
}

/// Parses a stream of YAML documents. An empty stream (or one of comments only) is zero documents.
///
/// Every node keeps its origin in the input (see [`Props::is_read`]), so that
/// [`emit_stream_from`](crate::emit_stream_from) can write what was not changed as it was read.
pub fn parse_stream(input: &[u8]) -> Result<Vec<Document>, ParseError> {
    parse_part(input, 0..input.len())
}

/// [`parse_stream`] of `input[range]`, with the origins of its nodes given as offsets into all of `input`:
/// what reading the whole input would record, for a part that stands on its own (a top-level entry).
pub fn parse_part(input: &[u8], range: std::ops::Range<usize>) -> Result<Vec<Document>, ParseError> {
    let mut b = Builder::new(input, range);
    while !matches!(b.advance()?, Progress::StreamEnd) {}
    if !b.balanced() {
        return Err(ParseError { line: 0, column: 0, message: "the stream ended inside a document".into() });
    }
    Ok(b.docs)
}

/// What one event did to the tree being built.
pub(crate) enum Progress {
    Going,
    /// A collection started.
    Opened,
    /// A complete item of the detached sequence (see [`Builder::detach`]), handed out instead of kept.
    Item(Node),
    /// The detached sequence ended, at this offset.
    ItemsEnded(usize),
    StreamEnd,
}

/// The tree being built from libyaml's events, one event at a time.
pub(crate) struct Builder<'a> {
    reader: Events<'a>,
    at: Offsets<'a>,
    stack: Vec<Frame>,
    nodes: Vec<Node>,
    root: Option<Node>,
    version: Option<(i32, i32)>,
    anchors: Anchors,
    pub(crate) docs: Vec<Document>,
    /// The stack depth of a sequence whose items are handed out as they complete rather than kept.
    detached: Option<usize>,
}

/// Where the collection being read was opened, for a reader that walks the top of the tree.
pub(crate) struct OpenCollection<'b> {
    pub(crate) pos: usize,
    pub(crate) flow: bool,
    pub(crate) props: &'b Props,
    /// For a mapping: its entries so far, key, value, key, value, ... (an odd count when a key waits for its
    /// value).
    pub(crate) nodes: &'b [Node],
    pub(crate) mapping: bool,
}

impl<'a> Builder<'a> {
    pub(crate) fn new(input: &'a [u8], range: std::ops::Range<usize>) -> Builder<'a> {
        let part = &input[range.clone()];
        let utf16 = part.starts_with(b"\xFF\xFE") || part.starts_with(b"\xFE\xFF");
        let bom = if part.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        Builder {
            reader: Events::new(part, bom, !utf16),
            at: Offsets {
                src: input,
                base: range.start + bom,
                on: !utf16 && input.len() < u32::MAX as usize,
                last_end: range.start,
            },
            stack: Vec::new(),
            nodes: Vec::new(),
            root: None,
            version: None,
            anchors: Anchors::default(),
            docs: Vec::new(),
            detached: None,
        }
    }

    /// The collection being read at `depth` (1: the root), if any.
    pub(crate) fn collection(&self, depth: usize) -> Option<OpenCollection<'_>> {
        let (props, start, at, mapping) = match self.stack.get(depth.checked_sub(1)?)? {
            Frame::Sequence { props, start, at } => (props, *start, *at, false),
            Frame::Mapping { props, start, at, .. } => (props, *start, *at, true),
        };
        let end = self.stack.get(depth).map_or(self.nodes.len(), |f| match f {
            Frame::Sequence { start, .. } | Frame::Mapping { start, .. } => *start,
        });
        Some(OpenCollection { pos: at.pos, flow: at.flow, props, nodes: &self.nodes[start..end], mapping })
    }

    /// How many collections are open.
    pub(crate) fn depth(&self) -> usize {
        self.stack.len()
    }

    /// The `%YAML` directive of the document being read.
    pub(crate) fn version(&self) -> Option<(i32, i32)> {
        self.version
    }

    /// From now on, the items of the innermost open sequence are handed out as [`Progress::Item`].
    pub(crate) fn detach(&mut self) {
        self.detached = Some(self.stack.len());
    }

    /// Whether origins are being recorded (not for UTF-16 input, nor past 4 GiB).
    pub(crate) fn origins_on(&self) -> bool {
        self.at.on
    }

    /// Reads one event into the tree.
    pub(crate) fn advance(&mut self) -> Result<Progress, ParseError> {
        let input = self.at.src;
        let (event, mark, place) = self.reader.next()?;
        let at = &mut self.at;
        let (start, end) = (at.of(place.start), at.of(place.end));
        let done = match event {
            Event::StreamStart => None,
            Event::StreamEnd => return Ok(Progress::StreamEnd),
            Event::DocumentStart { version: v } => {
                self.version = v;
                self.anchors = Anchors::default();
                at.last_end = end;
                None
            }
            Event::DocumentEnd => {
                let root = self.root.take().ok_or_else(|| mark.error("a document without content"))?;
                self.docs.push(Document { root, version: self.version.take() });
                None
            }
            Event::Alias(name) => {
                self.anchors.check_alias(&name, mark)?;
                at.last_end = end;
                Some(Node::Alias(name))
            }
            Event::Scalar(mut s) => {
                self.anchors.define(s.props.anchor.as_deref(), true);
                if at.on {
                    let empty = s.value.is_empty() && s.style == ScalarStyle::Plain && s.props.is_empty();
                    // libyaml places an empty value at the next token; it stands just past its indicator.
                    let (start, end) = if empty && start == end {
                        let p = source::after_indicator(input, at.last_end, start);
                        (p, p)
                    } else {
                        (start, end)
                    };
                    let check = source::scalar_check(&s, &input[start..end]);
                    s.props.origin = origin(start, end, check);
                    at.last_end = end;
                }
                Some(Node::Scalar(s))
            }
            Event::SequenceStart(props, flow) => {
                open(&self.stack, &self.nodes, mark, "a list")?;
                self.anchors.define(props.anchor.as_deref(), false);
                let opened = Opened { pos: start, flow };
                at.last_end = end;
                self.stack.push(Frame::Sequence { props, start: self.nodes.len(), at: opened });
                return Ok(Progress::Opened);
            }
            Event::MappingStart(props, flow) => {
                open(&self.stack, &self.nodes, mark, "a mapping")?;
                self.anchors.define(props.anchor.as_deref(), false);
                let opened = Opened { pos: start, flow };
                at.last_end = end;
                let frame = Frame::Mapping { props, start: self.nodes.len(), keys: KeyIndex::default(), at: opened };
                self.stack.push(frame);
                return Ok(Progress::Opened);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let depth = self.stack.len();
                let nodes = &mut self.nodes;
                let (mut node, opened) = match self.stack.pop() {
                    Some(Frame::Sequence { props, start, at: opened }) => {
                        (Node::Sequence(Sequence { items: nodes.drain(start..).collect(), props }), opened)
                    }
                    Some(Frame::Mapping { props, start, at: opened, .. })
                        if (nodes.len() - start).is_multiple_of(2) =>
                    {
                        let mut entries = Vec::with_capacity((nodes.len() - start) / 2);
                        let mut drained = nodes.drain(start..);
                        while let (Some(k), Some(v)) = (drained.next(), drained.next()) {
                            entries.push((k, v));
                        }
                        (Node::Mapping(Mapping { entries: entries.into(), props }), opened)
                    }
                    _ => return Err(mark.error("unbalanced events from libyaml")),
                };
                let mut seq_end = None;
                if at.on {
                    // A block collection ends with its last entry; libyaml's end is the next token's start.
                    let end = if opened.flow { end } else { at.last_end.max(opened.pos) };
                    let text = &input[opened.pos.min(end)..end];
                    match &mut node {
                        Node::Sequence(s) => s.props.origin = origin(opened.pos, end, source::sequence_check(s, text)),
                        Node::Mapping(m) => m.props.origin = origin(opened.pos, end, source::mapping_check(m, text)),
                        _ => unreachable!("a collection was just built"),
                    }
                    at.last_end = end;
                    seq_end = Some(end);
                }
                let props = match &node {
                    Node::Sequence(s) => &s.props,
                    Node::Mapping(m) => &m.props,
                    _ => unreachable!("a collection was just built"),
                };
                self.anchors.define(props.anchor.as_deref(), true);
                if self.detached == Some(depth) {
                    // Its items were handed out: what is kept is an empty sequence in its place.
                    self.detached = None;
                    attach(&mut self.stack, &mut self.nodes, &mut self.root, node, mark)?;
                    return Ok(Progress::ItemsEnded(seq_end.unwrap_or(opened.pos)));
                }
                Some(node)
            }
        };
        if let Some(node) = done {
            if self.detached.is_some_and(|d| d == self.stack.len()) {
                return Ok(Progress::Item(node));
            }
            attach(&mut self.stack, &mut self.nodes, &mut self.root, node, mark)?;
        }
        Ok(Progress::Going)
    }

    /// Whether the stream ended with no collection left open.
    pub(crate) fn balanced(&self) -> bool {
        self.stack.is_empty() && self.root.is_none()
    }
}

/// The anchors of the current document, each either complete or still open (a collection being read).
///
/// An alias must name an anchor defined earlier in its document, and not one of the collections it is inside:
/// go-yaml (Kubernetes, kpt, kustomize) rejects both ("unknown anchor", "anchor ... value contains itself"), so
/// accepting them here would pass on a manifest no host can read.
#[derive(Default)]
struct Anchors {
    /// Name -> whether its most recent definition is complete.
    defined: HashMap<String, bool>,
}

impl Anchors {
    fn define(&mut self, anchor: Option<&str>, complete: bool) {
        if let Some(name) = anchor {
            // A collection's end marks complete whatever redefined the name inside it: the most recent
            // definition is then either that collection or a complete node within it.
            match self.defined.get_mut(name) {
                Some(state) => *state = complete,
                None => {
                    self.defined.insert(name.to_string(), complete);
                }
            }
        }
    }

    fn check_alias(&self, name: &str, mark: Mark) -> Result<(), ParseError> {
        match self.defined.get(name) {
            Some(true) => Ok(()),
            Some(false) => Err(mark.error(format!("the alias *{name} refers to a node that contains it"))),
            None => Err(mark.error(format!("the alias *{name} refers to no anchor defined before it in the document"))),
        }
    }
}

/// Checks that a collection may start here: not too deep, and not as a mapping key.
fn open(stack: &[Frame], nodes: &[Node], mark: Mark, what: &str) -> Result<(), ParseError> {
    if stack.len() >= MAX_DEPTH {
        return Err(mark.error(format!("nesting depth exceeds the limit of {MAX_DEPTH} levels")));
    }
    if let Some(Frame::Mapping { start, .. }) = stack.last() {
        if (nodes.len() - start).is_multiple_of(2) {
            return Err(mark.error(format!("{what} as a mapping key is not supported")));
        }
    }
    Ok(())
}

fn attach(
    stack: &mut [Frame],
    nodes: &mut Vec<Node>,
    root: &mut Option<Node>,
    node: Node,
    mark: Mark,
) -> Result<(), ParseError> {
    match stack.last_mut() {
        None => *root = Some(node),
        Some(Frame::Sequence { .. }) => nodes.push(node),
        Some(Frame::Mapping { start, keys, .. }) => {
            if (nodes.len() - *start).is_multiple_of(2) {
                keys.check_new(&nodes[*start..], &node, mark)?;
            }
            nodes.push(node);
        }
    }
    Ok(())
}

/// Finds duplicate keys in one mapping: by scanning the keys for small mappings (almost all of them), through
/// an index by a keyed hash of the key's text once a mapping has more than [`KeyIndex::SCAN`] keys (keyed, so
/// that input crafted to collide cannot make a large mapping quadratic).
#[derive(Default)]
struct KeyIndex {
    by_hash: Option<(RandomState, HashMap<u64, Vec<usize>>)>,
}

impl KeyIndex {
    const SCAN: usize = 16;

    /// Rejects a key equal to an earlier one: the same text and tag, meaning the same to either reader (`a` and
    /// `"a"` are the same key; so are `y` and `"y"`, for go-yaml v3; `1` and `"1"` are not). `entries` are the
    /// mapping's nodes so far: key, value, key, value.
    fn check_new(&mut self, entries: &[Node], key: &Node, mark: Mark) -> Result<(), ParseError> {
        let text = match key {
            Node::Scalar(s) => s.value.as_str(),
            Node::Alias(name) => name.as_str(),
            Node::Mapping(_) | Node::Sequence(_) => {
                let what = if matches!(key, Node::Mapping(_)) { "a mapping" } else { "a list" };
                return Err(mark.error(format!("{what} as a mapping key is not supported")));
            }
        };
        let count = entries.len() / 2;
        let same = |i: usize| same_key(&entries[2 * i], key);
        if self.by_hash.is_none() && count >= Self::SCAN {
            let state = RandomState::new();
            let mut index: HashMap<u64, Vec<usize>> = HashMap::with_capacity(count * 2);
            for i in 0..count {
                if let Some(h) = key_hash(&state, &entries[2 * i]) {
                    index.entry(h).or_default().push(i);
                }
            }
            self.by_hash = Some((state, index));
        }
        let duplicate = match &self.by_hash {
            None => (0..count).any(same),
            Some((state, index)) => {
                key_hash(state, key).and_then(|h| index.get(&h)).is_some_and(|hits| hits.iter().any(|&i| same(i)))
            }
        };
        if duplicate {
            let shown = if matches!(key, Node::Alias(_)) { format!("*{text}") } else { text.to_string() };
            return Err(mark.error(format!("duplicate key {shown:?}")));
        }
        if let Some((state, index)) = &mut self.by_hash {
            if let Some(h) = key_hash(state, key) {
                index.entry(h).or_default().push(count);
            }
        }
        Ok(())
    }
}

fn key_hash(state: &RandomState, key: &Node) -> Option<u64> {
    match key {
        Node::Scalar(s) => Some(state.hash_one((0u8, s.value.as_str()))),
        Node::Alias(name) => Some(state.hash_one((1u8, name.as_str()))),
        _ => None,
    }
}

fn same_key(earlier: &Node, key: &Node) -> bool {
    match (earlier, key) {
        (Node::Scalar(e), Node::Scalar(s)) => {
            e.value == s.value
                && e.props.tag == s.props.tag
                && (resolve_core(e) == resolve_core(s) || resolve_yaml11(e) == resolve_yaml11(s))
        }
        (Node::Alias(a), Node::Alias(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(input: &str) -> Node {
        let mut docs = parse_stream(input.as_bytes()).expect("parses");
        assert_eq!(docs.len(), 1);
        docs.remove(0).root
    }

    #[test]
    fn styles_tags_anchors_aliases() {
        let root = one("a: &x 0644\nb: \"0644\"\nc: !!str 0644\nd: *x\ne: ! on\nf: !local x\ng: |\n  lit\n");
        let m = root.as_mapping().expect("mapping");
        let s = |k: &str| m.get(k).and_then(Node::as_scalar).cloned().expect(k);
        assert_eq!(s("a").style, ScalarStyle::Plain);
        assert_eq!(s("a").props.anchor.as_deref(), Some("x"));
        assert_eq!(s("b").style, ScalarStyle::DoubleQuoted);
        assert_eq!(s("c").props.tag.as_deref(), Some("tag:yaml.org,2002:str"));
        assert_eq!(m.get("d"), Some(&Node::Alias("x".into())));
        assert_eq!(s("e").props.tag.as_deref(), Some("!"));
        assert_eq!(s("f").props.tag.as_deref(), Some("!local"));
        assert_eq!(s("g").value, "lit\n");
        assert_eq!(s("g").style, ScalarStyle::Literal);
    }

    #[test]
    fn documents_and_versions() {
        assert!(parse_stream(b"").expect("empty").is_empty());
        assert!(parse_stream(b"# only a comment\n").expect("comment").is_empty());
        let docs = parse_stream(b"%YAML 1.1\n---\na: 1\n...\n---\nb\n").expect("two");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].version, Some((1, 1)));
        assert_eq!(docs[1].version, None);
        let docs = parse_stream(b"---\n").expect("empty doc");
        assert_eq!(
            docs[0].root,
            Node::Scalar(Scalar { value: Default::default(), style: ScalarStyle::Plain, props: Props::default() })
        );
    }

    #[test]
    fn duplicate_keys() {
        let e = parse_stream(b"a: 1\nb: 2\n'a': 3\n").expect_err("duplicate");
        assert_eq!((e.line, e.message.as_str()), (3, "duplicate key \"a\""));
        // Same text, different meaning: not duplicates.
        assert!(parse_stream(b"1: a\n\"1\": b\nx: {y: 1, \"y\": 2}\n").is_err(), "the same string to go-yaml v3");
        assert!(parse_stream(b"1: a\n\"1\": b\n").is_ok());
        assert!(parse_stream(b"&a k: 0\n? *a\n: 1\n").is_ok());
    }

    #[test]
    fn aliases_must_follow_their_anchor() {
        assert!(parse_stream(b"a: &x 1\nb: *x\nc: &l [&x 2, *x]\nd: *l\n").is_ok());
        let e = parse_stream(b"a: 1\nb: *x\n").expect_err("undefined");
        assert_eq!((e.line, e.column), (2, 4), "{e}");
        assert!(e.message.contains("*x refers to no anchor"), "{e}");
        let e = parse_stream(b"a: &l\n- 1\n- *l\n").expect_err("recursive");
        assert!(e.message.contains("contains it"), "{e}");
        assert!(parse_stream(b"&m {a: &m [x], b: *m}\n").is_ok(), "the inner, complete &m");
        // Anchors do not cross documents.
        assert!(parse_stream(b"a: &x 1\n---\nb: *x\n").is_err());
    }

    #[test]
    fn collection_keys_are_refused() {
        let e = parse_stream(b"a: 1\n? {x: 1}\n: 2\n").expect_err("mapping key");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("mapping as a mapping key"), "{e}");
        let e = parse_stream(b"[a]: 1\n").expect_err("list key");
        assert!(e.message.contains("list as a mapping key"), "{e}");
    }

    #[test]
    fn depth_limit() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse_stream(ok.as_bytes()).is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let e = parse_stream(deep.as_bytes()).expect_err("too deep");
        assert!(e.message.contains("depth"), "{e}");
        assert_eq!((e.line, e.column), (1, MAX_DEPTH + 1));
    }

    #[test]
    fn libyaml_errors_have_positions() {
        let e = parse_stream(b"a: 1\nb: \"open\n").expect_err("unclosed quote");
        assert!(e.line >= 2 && e.message.contains("quoted scalar"), "{e}");
        let e = parse_stream(b"a: 1\nb: \xff\n").expect_err("bad utf-8");
        assert_eq!(e.line, 2, "{e}");
        let e = parse_stream(b"a: 1\n\nb: x\x00y\n").expect_err("NUL");
        assert_eq!(e.line, 3, "{e}");
    }
}
