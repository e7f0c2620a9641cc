//! Writing a tree back into the text it was read from: what is unchanged is copied, byte for byte; only what
//! changed is written anew.
//!
//! A node is unchanged ("pristine") when it still is what was read at its origin: a scalar with the same value,
//! style and properties, a collection whose children are the same nodes (by their origins) and are themselves
//! unchanged (see [`pristine`]). A pristine node is copied from its source text. A block collection that
//! changed is written entry by entry: each entry that was read in this collection keeps its comment lines, its
//! indentation, its key and separator, and its value (copied, or written the same way if it changed too) and
//! the comment after it on its line; an entry the function added is written anew, at the collection's
//! indentation, in the layout found in the input. A changed flow collection or scalar is written anew.
//!
//! Whatever cannot be placed safely (an offset outside the text or inside a character) gives up on the whole
//! document, which is then written anew: never wrong text, at worst the old layout.
use super::emit::{flow_key, flow_text, Emitter, Layout};
use super::source::{self, column, content_start, indent_column, line_start, text_of, trailer_end};
use super::{Document, Mapping, Node, Origin, Scalar, Sequence};

/// Whether `node` is what was read at its origin in `src`, down to its last descendant.
///
/// Children are looked at last first: when a changed collection is spliced, each of its entries is asked
/// again, so the work done here before finding the change is done twice; a workload is changed late
/// (`spec`, `template`, then a pod's lists), and from the end the change is found first.
pub(crate) fn pristine(src: &[u8], node: &Node) -> bool {
    pristine_noting(src, node, &mut Vec::new())
}

/// [`pristine`], noting in `changed` the address of each collection found changed: the splicer then asks
/// about each of its children, and would otherwise look at every changed one again from each of its
/// ancestors.
fn pristine_noting(src: &[u8], node: &Node, changed: &mut Vec<usize>) -> bool {
    let unchanged = match node {
        // An alias is compared by name through its parent's check.
        Node::Alias(_) => return true,
        Node::Scalar(s) => return scalar_pristine(src, s),
        Node::Sequence(q) => text_of(src, &q.props.origin).is_some_and(|(a, b)| {
            q.props.origin.check == source::sequence_check(q, &src[a..b])
                && q.items.iter().rev().all(|n| pristine_noting(src, n, changed))
        }),
        Node::Mapping(m) => text_of(src, &m.props.origin).is_some_and(|(a, b)| {
            m.props.origin.check == source::mapping_check(m, &src[a..b])
                && m.entries
                    .iter()
                    .rev()
                    .all(|(k, v)| pristine_noting(src, v, changed) && pristine_noting(src, k, changed))
        }),
    };
    if !unchanged {
        changed.push(address(node));
    }
    unchanged
}

/// A node's address, to know it again while the tree it is in is being written (and not changed).
fn address(node: &Node) -> usize {
    node as *const Node as usize
}

fn scalar_pristine(src: &[u8], s: &Scalar) -> bool {
    let Some((a, b)) = text_of(src, &s.props.origin) else { return false };
    let text = &src[a..b];
    match s.props.origin.check {
        0 => s.style == super::ScalarStyle::Plain && s.props.is_empty() && text == s.value.as_bytes(),
        check => source::scalar_check(s, text) == check,
    }
}

/// A node's origin, if it has one that lies within `src`.
pub(crate) fn origin<'n>(src: &[u8], node: &'n Node) -> Option<&'n Origin> {
    match node {
        Node::Scalar(s) => Some(&s.props.origin),
        Node::Sequence(q) => Some(&q.props.origin),
        Node::Mapping(m) => Some(&m.props.origin),
        Node::Alias(_) => None,
    }
    .filter(|o| text_of(src, o).is_some())
}

/// Where the line of `at` starts, when nothing is between the end of what came before (`bound`) and `at` but
/// blanks, one line break and `at`'s indentation, and `bound` is not at a line start: the entry right after
/// the previous one, most entries of a changed collection. [`Splicer::entry_start`] then has no comment lines
/// to look for above `at` (the line above is the previous entry's), and copies the indentation; this finds
/// that without going back over the lines.
fn next_line_start(src: &[u8], bound: usize, at: usize) -> Option<usize> {
    // A byte of a line break, or of a character that may end in one (U+0085, U+2028, U+2029): the long way.
    if bound == 0 || bound > at || !matches!(src[bound - 1], 0x21..=0x7E) {
        return None;
    }
    let gap = &src[bound..at];
    let nl = gap.iter().position(|&b| b == b'\n')?;
    let before = gap[..nl].strip_suffix(b"\r").unwrap_or(&gap[..nl]);
    let blanks = before.iter().all(|&b| b == b' ' || b == b'\t') && gap[nl + 1..].iter().all(|&b| b == b' ');
    blanks.then_some(bound + nl + 1)
}

/// Blanks, line breaks and comments only.
fn trivia(text: &[u8]) -> bool {
    source::skip_trivia(text, 0, text.len()) == text.len()
}

/// Text before the root, after it, or between documents: comments, blank lines, directives, `---` and `...`.
pub(crate) fn only_document_markup(text: &[u8]) -> bool {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    yaml_lines(text).all(|line| {
        // A byte order mark may start any document.
        let t = line.trim_ascii();
        let t = t.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(t).trim_ascii();
        t.is_empty() || t[0] == b'#' || t[0] == b'%' || t.starts_with(b"---") || t.starts_with(b"...")
    })
}

/// The lines of `text` as libyaml breaks them: at `\n`, `\r`, and (YAML 1.1) U+0085, U+2028 and U+2029.
fn yaml_lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut i = 0;
        while i < rest.len() {
            let len = match rest[i] {
                b'\n' | b'\r' => 1,
                0xC2 if rest.get(i + 1) == Some(&0x85) => 2,
                0xE2 if rest.get(i + 1) == Some(&0x80) && matches!(rest.get(i + 2), Some(0xA8 | 0xA9)) => 3,
                _ => 0,
            };
            if len > 0 {
                let line = &rest[..i];
                rest = &rest[i + len..];
                return Some(line);
            }
            i += 1;
        }
        let line = rest;
        rest = &[];
        Some(line)
    })
}

/// A stream written back into `src`, the text its documents were read from. See the module's documentation.
///
/// `src` must be the text `docs` were parsed from (by [`parse_stream`](crate::parse_stream)); each node is
/// checked against it before its text is copied, and text that does not match is written anew.
pub fn emit_stream_from(docs: &[Document], src: &[u8]) -> String {
    let Ok(text) = std::str::from_utf8(src) else { return super::emit_stream(docs) };
    if unchanged_stream(docs, src) {
        return text.to_string();
    }
    if breaks_outside_scalars(docs, src) {
        return super::emit_stream(docs);
    }

    // One buffer for the whole output, reserved once: a copy of a large output made by doubling would hold up to
    // three times its size at once (and a wasm module's memory keeps its peak). What the injection adds makes the
    // output larger than its text; the tree's estimate in block layout counts it.
    let estimate: usize = docs.iter().map(|d| super::emit::reserve(&d.root)).sum();
    let mut out = String::with_capacity(estimate.max(src.len() + src.len() / 16) + 64);
    for (i, doc) in docs.iter().enumerate() {
        let at = out.len();
        if i > 0 {
            out.push_str("---\n");
        }
        out = match spliced_document(doc, text, i == 0, out) {
            Ok(out) => out,
            Err(mut out) => {
                // The generator's own header; a separator unless it writes its own `---`.
                out.truncate(at);
                let (t, own_marker) = super::emit::document(doc);
                if i > 0 && doc.version.is_some() {
                    out.push_str("...\n");
                } else if i > 0 && !own_marker {
                    out.push_str("---\n");
                }
                out.push_str(&t);
                out
            }
        };
    }
    out
}

/// One document written back into `src`, the text it was the only (or first) document of; see
/// [`emit_stream_from`].
pub fn emit_document_from(doc: &Document, src: &[u8]) -> String {
    emit_stream_from(std::slice::from_ref(doc), src)
}

/// Whether `src` breaks a line between nodes with anything but `\n` or `\r\n` (a lone `\r`, or YAML 1.1's
/// U+0085, U+2028, U+2029): libyaml counts those as line breaks, and splicing around them is not worth the risk
/// for text no editor writes; such a stream, once changed, is written anew. Inside a scalar's text (a quoted
/// `'\u{2028}'`) they are copied with it.
fn breaks_outside_scalars(docs: &[Document], src: &[u8]) -> bool {
    let odd: Vec<usize> = odd_breaks(src).collect();
    if odd.is_empty() {
        return false;
    }
    let mut spans = Vec::new();
    let mut stack: Vec<&Node> = docs.iter().map(|d| &d.root).collect();
    while let Some(node) = stack.pop() {
        match node {
            Node::Scalar(s) => spans.extend(text_of(src, &s.props.origin)),
            Node::Sequence(q) => stack.extend(&q.items),
            Node::Mapping(m) => m.entries.iter().for_each(|(k, v)| stack.extend([k, v])),
            Node::Alias(_) => {}
        }
    }
    spans.sort_unstable();
    odd.iter().any(|&i| {
        let at = spans.partition_point(|&(a, _)| a <= i);
        at == 0 || spans[at - 1].1 <= i
    })
}

/// Where `src` breaks a line with anything but `\n` or `\r\n` (see [`breaks_outside_scalars`]).
pub(crate) fn odd_breaks(src: &[u8]) -> impl Iterator<Item = usize> + '_ {
    src.iter().enumerate().filter(|&(_, &b)| b == b'\r' || b == 0xC2 || b == 0xE2).map(|(i, _)| i).filter(|&i| {
        if src[i] == b'\r' {
            src.get(i + 1) != Some(&b'\n')
        } else {
            source::break_at(src, i) > 0
        }
    })
}

/// Every document is pristine, in order, with only markup between them: the text itself is the output.
fn unchanged_stream(docs: &[Document], src: &[u8]) -> bool {
    let mut pos = 0;
    for doc in docs {
        let Some(o) = origin(src, &doc.root) else { return false };
        let Some((start, end)) = text_of(src, o) else { return false };
        if start < pos || !only_document_markup(&src[pos..start]) || !pristine(src, &doc.root) {
            return false;
        }
        pos = end;
    }
    pos <= src.len() && only_document_markup(&src[trailer_end(src, pos)..])
}

/// One document whose root is a block collection read from `text`, written by splicing; `None` when it is not
/// one (a scalar root, properties on the root) or something could not be placed, to be written anew.
fn spliced_document(doc: &Document, text: &str, first: bool, out: String) -> Result<String, String> {
    let src = text.as_bytes();
    let Some((start, end)) = origin(src, &doc.root).and_then(|o| text_of(src, o)) else { return Err(out) };
    let block = matches!(&doc.root, Node::Mapping(m) if m.props.is_empty())
        || matches!(&doc.root, Node::Sequence(q) if q.props.is_empty());
    if !block || matches!(src.get(start), Some(b'[' | b'{')) || (doc.version.is_some() && !first) {
        return Err(out);
    }
    let emitter =
        Emitter { out, layout: layout(src, &doc.root), memo: Default::default(), spellings: Default::default() };
    let mut s = Splicer::new(text, emitter);
    let Some(col) = indent_column(src, start) else { return Err(s.into_out()) };
    // The document's own header (comments, `%YAML`, `---`) when it is the text's first document; else the
    // root's indentation after the separator written for it (a root may stand indented: ` ? a`).
    if first && only_document_markup(&src[..start]) {
        s.copy(0, start);
    } else if doc.version.is_some() {
        return Err(s.into_out());
    } else {
        s.e().indent(col);
    }
    if pristine(src, &doc.root) {
        s.copy_node(&doc.root, start, end);
    } else {
        s.node(&doc.root, col);
    }
    if first {
        s.after_root(end);
    }
    if s.failed {
        Err(s.into_out())
    } else {
        Ok(s.into_out())
    }
}

/// The indentation the input uses for a mapping nested in a mapping, and for a list under a key: the first of
/// each found in the tree, in the order of the text, among its first 10,000 nodes. kyaml's (2 and 0) when the
/// input has none. In the order of the text so that a list read one item at a time ([`crate::ListWriter`])
/// finds the same layout as the whole tree.
fn layout(src: &[u8], root: &Node) -> Layout {
    let mut finder = LayoutFinder::default();
    finder.visit(src, root);
    finder.layout()
}

/// [`layout`], found node by node.
#[derive(Default)]
pub(crate) struct LayoutFinder {
    map: Option<usize>,
    seq: Option<usize>,
    seen: usize,
}

impl LayoutFinder {
    const NODES: usize = 10_000;

    /// Whether nothing later can change what it found.
    pub(crate) fn settled(&self) -> bool {
        self.seen >= Self::NODES || (self.map.is_some() && self.seq.is_some())
    }

    pub(crate) fn layout(&self) -> Layout {
        let default = Layout::default();
        Layout { map: self.map.unwrap_or(default.map), seq: self.seq.unwrap_or(default.seq) }
    }

    /// Counts a node, and looks at what it holds.
    pub(crate) fn visit(&mut self, src: &[u8], node: &Node) {
        if self.settled() {
            return;
        }
        self.seen += 1;
        match node {
            Node::Mapping(m) => m.entries.iter().for_each(|(k, v)| self.entry(src, k, v)),
            Node::Sequence(q) => q.items.iter().for_each(|n| self.visit(src, n)),
            _ => {}
        }
    }

    /// One entry of a mapping: how its value stands against its key, then the value.
    pub(crate) fn entry(&mut self, src: &[u8], k: &Node, v: &Node) {
        if self.settled() {
            return;
        }
        self.pair(src, k, v);
        self.visit(src, v);
    }

    /// How a value read on its own line stands against its key.
    pub(crate) fn pair(&mut self, src: &[u8], k: &Node, v: &Node) {
        let (Some(ko), Some(vo)) = (origin(src, k), origin(src, v)) else { return };
        let (kc, vc) = (column(src, ko.start as usize), column(src, vo.start as usize));
        let own_line = line_start(src, vo.start as usize) > ko.start as usize;
        let flow = matches!(src.get(vo.start as usize), Some(b'[' | b'{'));
        match v {
            Node::Mapping(_) if own_line && !flow && vc > kc && self.map.is_none() => self.map = Some(vc - kc),
            Node::Sequence(_) if own_line && !flow && vc >= kc && self.seq.is_none() => self.seq = Some(vc - kc),
            _ => {}
        }
    }

    /// Counts a node whose contents are looked at one by one (a list read one item at a time).
    pub(crate) fn count(&mut self) {
        if !self.settled() {
            self.seen += 1;
        }
    }
}

pub(crate) struct Splicer<'s> {
    pub(crate) src: &'s str,
    /// Reached through [`Splicer::e`], which first writes what is pending.
    emitter: Emitter,
    /// Source text to be copied next, not yet written: copies that follow each other (an entry's start, key,
    /// value and the rest of its line, then the next entry's) are written as one.
    pending: (usize, usize),
    /// The addresses of the collections of the tree being written found changed (see [`pristine_noting`]);
    /// emptied with [`Splicer::forget_changed`] before another tree is written.
    changed: Vec<usize>,
    pub(crate) failed: bool,
}

/// How a value read in its slot is written.
pub(crate) enum Way {
    Copy,
    Splice,
    /// A changed flow collection: its entries placed one by one, in flow style.
    Flow,
    New,
}

impl<'s> Splicer<'s> {
    fn bytes(&self) -> &'s [u8] {
        self.src.as_bytes()
    }

    /// A splicer writing into `emitter`'s output.
    pub(crate) fn new(src: &'s str, emitter: Emitter) -> Splicer<'s> {
        Splicer { src, emitter, pending: (0, 0), changed: Vec::new(), failed: false }
    }

    /// Forgets which nodes were found changed: the next tree's nodes may stand where the last one's did.
    pub(crate) fn forget_changed(&mut self) {
        self.changed.clear();
    }

    /// The emitter, with everything copied so far written.
    pub(crate) fn e(&mut self) -> &mut Emitter {
        let (a, b) = std::mem::take(&mut self.pending);
        if a < b {
            self.emitter.out.push_str(&self.src[a..b]);
        }
        &mut self.emitter
    }

    /// The output, once everything is written.
    pub(crate) fn into_out(mut self) -> String {
        self.e();
        self.emitter.out
    }

    pub(crate) fn copy(&mut self, a: usize, b: usize) {
        if self.src.get(a..b).is_none() {
            self.failed = true;
        } else if a < b {
            match self.pending {
                (start, end) if start < end && end == a => self.pending.1 = b,
                _ => {
                    self.e();
                    self.pending = (a, b);
                }
            }
        }
    }

    pub(crate) fn line_start(&mut self) {
        // What was last written ends a line: the pending text's end, or else the output's.
        let (a, b) = self.pending;
        if a < b {
            if source::break_before(self.bytes(), b) > 0 {
                return;
            }
        } else {
            let out = self.emitter.out.as_bytes();
            if out.is_empty() || source::break_before(out, out.len()) > 0 {
                return;
            }
        }
        self.e().out.push('\n');
    }

    /// The comment lines after the root of the text's first document, which ended at `end`, up to whatever
    /// starts the next document.
    pub(crate) fn after_root(&mut self, end: usize) {
        let src = self.bytes();
        let rest = trailer_end(src, end);
        let next = source::skip_trivia(src, rest, src.len());
        // Whole lines only: up to the line where the next document's markup starts.
        let pos = if next == src.len() { next } else { line_start(src, next).max(rest) };
        if src[rest..pos].contains(&b'#') {
            self.copy(rest, pos);
            self.line_start();
        }
    }

    /// A node copied as read, with the rest of its line.
    pub(crate) fn copy_node(&mut self, node: &Node, from: usize, end: usize) {
        self.copy_text(ends_in_block_scalar(node), from, end);
    }

    /// [`Splicer::copy_node`] for a node known by its text alone: whether it ends in a block scalar.
    pub(crate) fn copy_text(&mut self, block_end: bool, from: usize, end: usize) {
        let src = self.bytes();
        if end == src.len() && !src.ends_with(b"\n") && block_end {
            // Nothing may follow it: give up, and write the document anew.
            self.failed = true;
        }
        self.copy(from, end);
        self.finish_line(end);
    }

    /// The rest of the line after a copied node that ended at `end`: its comment and line break.
    fn finish_line(&mut self, end: usize) {
        let t = trailer_end(self.bytes(), end);
        self.copy(end, t);
        self.line_start();
    }

    /// How `node`, read in this slot, is written: copied when unchanged; spliced when it is a changed block
    /// collection without properties (its entries are then placed one by one); anew otherwise.
    pub(crate) fn way(&mut self, node: &Node) -> Way {
        let src = self.bytes();
        // Only collections are noted.
        let noted = !matches!(node, Node::Scalar(_) | Node::Alias(_)) && self.changed.contains(&address(node));
        if !noted && pristine_noting(src, node, &mut self.changed) {
            return Way::Copy;
        }
        let Some(o) = origin(src, node) else { return Way::New };
        let block = match node {
            Node::Mapping(m) => m.props.is_empty(),
            Node::Sequence(q) => q.props.is_empty(),
            _ => false,
        };
        let flow = matches!(src.get(o.start as usize), Some(b'[' | b'{'));
        let closed = matches!(src.get((o.end as usize).wrapping_sub(1)), Some(b']' | b'}'));
        match (block, flow) {
            (true, false) => Way::Splice,
            (true, true) if closed => Way::Flow,
            _ => Way::New,
        }
    }

    /// A changed block collection, from where its first entry starts (the cursor is there) through the end of
    /// its last line. `col` is its entries' column.
    fn node(&mut self, node: &Node, col: usize) {
        match node {
            Node::Mapping(m) => self.mapping(m, col),
            Node::Sequence(q) => self.sequence(q, col),
            _ => self.failed = true,
        }
    }

    /// Before an entry that is not the collection's first: a line of its own, with the comment lines that were
    /// above it (unless it was the first entry: those belong to the text before the collection) and its
    /// indentation as read. `at` is where the entry starts (a key, or an item's `-`), `bound` the end of what
    /// was written before it from the source: the comment lines are looked for between the two.
    ///
    /// Comment lines indented deeper than the entry are left out: in the source they may be the last lines of
    /// a block scalar that the function removed, and after a block scalar in the output they would become its
    /// text.
    pub(crate) fn entry_start(&mut self, at: usize, bound: usize, first_line: usize, col: usize) {
        self.line_start();
        let src = self.bytes();
        if let Some(ls) = next_line_start(src, bound, at) {
            return self.copy(ls, at);
        }
        let ls = line_start(src, at);
        let lead = source::lead_above(src, at, bound);
        if ls > first_line && lead < ls && yaml_lines(&src[lead..ls]).all(|l| indentation(l) <= col) {
            self.copy(lead, ls);
        }
        if src[ls..at].iter().all(|&b| b == b' ') {
            self.copy(ls, at);
        } else {
            self.e().indent(col);
        }
    }

    fn mapping(&mut self, m: &Mapping, col: usize) {
        let mut at = self.mapping_cursor(&m.props, col);
        for (k, v) in &m.entries {
            self.mapping_entry(&mut at, k, v);
        }
    }

    /// Where writing a changed block mapping starts; its entries follow with [`Splicer::mapping_entry`].
    pub(crate) fn mapping_cursor(&self, props: &super::Props, col: usize) -> EntryCursor {
        let src = self.bytes();
        let (start, end) = (props.origin.start as usize, props.origin.end as usize);
        let first_line = line_start(src, content_start(src, start, props, end));
        EntryCursor { col, end, first_line, prev_end: start, first: true }
    }

    /// One entry of a changed block mapping.
    pub(crate) fn mapping_entry(&mut self, at: &mut EntryCursor, k: &Node, v: &Node) {
        let Some((ke, value)) = self.key(at, k, v) else { return };
        let col = at.col;
        match value.map(|o| (o, self.way(v))) {
            Some((vo, Way::Copy)) => {
                self.copy_node(v, ke, vo.end as usize);
                at.prev_end = vo.end as usize;
            }
            Some((vo, Way::Splice)) => {
                self.copy(ke, vo.start as usize);
                match indent_column(self.bytes(), vo.start as usize) {
                    Some(c) => self.node(v, c),
                    None => self.failed = true,
                }
                at.prev_end = vo.end as usize;
            }
            Some((vo, Way::Flow)) => {
                self.copy(ke, vo.start as usize);
                self.flow(v);
                self.finish_line(vo.end as usize);
                at.prev_end = vo.end as usize;
            }
            _ => {
                self.e().out.push(':');
                self.e().new_value(v, col);
                if let Some(vo) = value {
                    at.prev_end = vo.end as usize;
                }
            }
        }
        self.line_start();
    }

    /// An entry's start and key: copied when it was read here, and then where the key ends and where its
    /// value was read (if it was, here); `None` when the whole entry was written anew.
    pub(crate) fn key(&mut self, at: &mut EntryCursor, k: &Node, v: &Node) -> Option<(usize, Option<Origin>)> {
        let (col, end) = (at.col, at.end);
        let first = std::mem::replace(&mut at.first, false);
        let src = self.bytes();
        let key = origin(src, k).filter(|o| {
            let (a, b) = (o.start as usize, o.end as usize);
            a >= at.prev_end && b <= end && a < b && scalar_key(k) && pristine(src, k) && !spans_lines(k, &src[a..b])
        });
        let Some(ko) = key.copied() else {
            self.entry_anew(first, k, v, col);
            return None;
        };
        let (ks, ke) = (ko.start as usize, ko.end as usize);
        // A key written `key:` on one line (not `? key`, not longer than readers take) is copied; any
        // other is written anew with its value, at the collection's column: the line a `? key` stands on
        // is indented for the key, not for the entry.
        let after = src[ke..end].iter().position(|&b| b != b' ' && b != b'\t').map(|i| src[ke + i]);
        if after != Some(b':') || ke - ks > 1000 {
            at.prev_end = ke;
            self.entry_anew(first, k, v, col);
            return None;
        }
        if !first {
            self.entry_start(ks, at.prev_end, at.first_line, col);
        }
        at.prev_end = ke;
        let value = origin(src, v).copied().or_else(|| alias_at(src, ke, v, end, b":")).filter(|o| {
            let (a, b) = (o.start as usize, o.end as usize);
            a >= ke && b <= end && a <= b && key_separator(&src[ke..a])
        });
        self.copy(ks, ke);
        Some((ke, value))
    }

    /// An entry written anew, on a line of its own at the collection's column `col` (unless it is the first,
    /// whose place the text before it gave).
    fn entry_anew(&mut self, first: bool, k: &Node, v: &Node, col: usize) {
        if !first {
            self.line_start();
            self.e().indent(col);
        }
        self.e().new_entry(k, v, col);
        self.line_start();
    }

    fn sequence(&mut self, q: &Sequence, col: usize) {
        let mut at = self.sequence_cursor(q.props.origin, col);
        for item in &q.items {
            self.sequence_item(&mut at, item);
        }
    }

    /// Where writing a changed block sequence starts; its items follow with [`Splicer::sequence_item`].
    pub(crate) fn sequence_cursor(&self, o: Origin, col: usize) -> EntryCursor {
        let (start, end) = (o.start as usize, o.end as usize);
        EntryCursor { col, end, first_line: line_start(self.bytes(), start), prev_end: start, first: true }
    }

    /// One item of a changed block sequence.
    pub(crate) fn sequence_item(&mut self, at: &mut EntryCursor, item: &Node) {
        let col = at.col;
        let first = std::mem::replace(&mut at.first, false);
        let Some((io, dash)) = self.placed_item(at, item) else {
            if !first {
                self.line_start();
                self.e().indent(col);
            }
            self.e().out.push('-');
            self.e().new_item(item, col);
            return;
        };
        if !first {
            self.entry_start(dash, at.prev_end, at.first_line, col);
        }
        at.prev_end = io.end as usize;
        match self.way(item) {
            Way::Copy => {
                self.copy_node(item, dash, io.end as usize);
            }
            Way::Splice => {
                self.copy(dash, io.start as usize);
                match indent_column(self.bytes(), io.start as usize) {
                    Some(c) => self.node(item, c),
                    None => self.failed = true,
                }
            }
            Way::Flow => {
                self.copy(dash, io.start as usize);
                self.flow(item);
                self.finish_line(io.end as usize);
            }
            Way::New => {
                self.e().out.push('-');
                self.e().new_item(item, col);
            }
        }
        self.line_start();
    }

    /// Where an item was read in this sequence: its origin and its `-`, when it stands after the last one.
    pub(crate) fn placed_item(&self, at: &EntryCursor, item: &Node) -> Option<(Origin, usize)> {
        let src = self.bytes();
        let (prev_end, end) = (at.prev_end, at.end);
        origin(src, item).copied().or_else(|| alias_at(src, prev_end, item, end, b"-")).and_then(|o| {
            let (a, b) = (o.start as usize, o.end as usize);
            let dash = source::find_dash(src, a, prev_end.saturating_sub(1)).filter(|&d| d >= prev_end)?;
            (b <= end && a <= b && trivia(&src[dash + 1..a])).then_some((o, dash))
        })
    }
}

/// Where writing the entries of a changed block collection stands.
pub(crate) struct EntryCursor {
    /// The entries' column.
    pub(crate) col: usize,
    /// The end of the collection's text: entries read outside it are written anew.
    pub(crate) end: usize,
    pub(crate) first_line: usize,
    /// The end of what was last written from the source.
    pub(crate) prev_end: usize,
    pub(crate) first: bool,
}

impl Splicer<'_> {
    /// A changed flow collection, `{` through `}`: entries read here are copied (with the text between two of
    /// them that stood side by side), entries added are written in flow style, as is the whole when nothing
    /// of it can be placed.
    fn flow(&mut self, node: &Node) {
        let src = self.bytes();
        let Some(o) = origin(src, node).copied() else { return self.e().out.push_str(&flow_text(node)) };
        let (start, end) = (o.start as usize, o.end as usize);
        let (open, close) = if matches!(node, Node::Mapping(_)) { ('{', '}') } else { ('[', ']') };
        self.e().out.push(open);
        let mut c = FlowCursor { at: start + 1, first: true, bare_colon: false };
        match node {
            Node::Mapping(m) => {
                for (k, v) in &m.entries {
                    let placed = origin(src, k).copied().filter(|ko| {
                        let (a, b) = (ko.start as usize, ko.end as usize);
                        a >= c.at && a < b && b <= end && !source::has_break(&src[a..b]) && pristine(src, k)
                    });
                    let placed = placed.and_then(|ko| {
                        let ke = ko.end as usize;
                        let vo = origin(src, v).copied().or_else(|| alias_at(src, ke, v, end, b":"))?;
                        let (a, b) = (vo.start as usize, vo.end as usize);
                        (a >= ke && b <= end && a <= b && key_separator(&src[ke..a])).then_some((
                            ko.start as usize,
                            a,
                            v,
                            b,
                        ))
                    });
                    self.flow_entry(&mut c, placed, || format!("{}: {}", flow_key(k), flow_text(v)));
                }
            }
            Node::Sequence(q) => {
                for item in &q.items {
                    let placed =
                        origin(src, item).copied().or_else(|| alias_at(src, c.at, item, end, b",[")).filter(|io| {
                            let (a, b) = (io.start as usize, io.end as usize);
                            a >= c.at && a <= b && b <= end
                        });
                    let placed = placed.map(|io| (io.start as usize, io.start as usize, item, io.end as usize));
                    self.flow_entry(&mut c, placed, || flow_text(item));
                }
            }
            _ => {}
        }
        let rest = &src[c.at.min(end)..end];
        if !rest.is_empty() && rest[rest.len() - 1] == close as u8 && trivia_or_commas(&rest[..rest.len() - 1]) {
            self.copy(c.at, end);
        } else {
            c.space_after_colon(&mut self.e().out);
            self.e().out.push(close);
        }
    }
}

impl<'s> Splicer<'s> {
    /// One entry of a changed flow collection. `placed`: where an entry read here starts, where its value
    /// starts, the value, and where it ends; `None` for an entry written anew as `fresh`.
    fn flow_entry(
        &mut self,
        c: &mut FlowCursor,
        placed: Option<(usize, usize, &Node, usize)>,
        fresh: impl FnOnce() -> String,
    ) {
        let src = self.bytes();
        match placed {
            Some((at, value_at, value, value_end)) => {
                // The text between this entry and the last one copied, when they stood side by side.
                let gap = &src[c.at..at];
                let commas = gap.iter().filter(|&&b| b == b',').count();
                if trivia_or_commas(gap) && commas == usize::from(!c.first) {
                    self.copy(c.at, at);
                } else if !c.first {
                    c.space_after_colon(&mut self.e().out);
                    self.e().out.push_str(", ");
                }
                self.copy(at, value_at);
                match self.way(value) {
                    Way::Copy => self.copy(value_at, value_end),
                    Way::Flow => self.flow(value),
                    _ => self.e().out.push_str(&flow_text(value)),
                }
                c.bare_colon = value_at == value_end && self.e().out.ends_with(':');
                c.at = value_end;
            }
            None => {
                if !c.first {
                    c.space_after_colon(&mut self.e().out);
                    self.e().out.push_str(", ");
                }
                self.e().out.push_str(&fresh());
            }
        }
        c.first = false;
    }
}

/// Where a changed flow collection's splicing stands: past the last entry copied, and whether any entry has
/// been written yet.
struct FlowCursor {
    at: usize,
    first: bool,
    /// The last entry copied ends in the `:` of a value that is empty in the source (`c: ,` read with the
    /// value's place right after the colon): text written after it anew must leave a blank after the colon,
    /// since libyaml (and go-yaml v2) refuse `{c:, d}`. What is copied after it keeps the source's blank.
    bare_colon: bool,
}

impl FlowCursor {
    fn space_after_colon(&mut self, out: &mut String) {
        if std::mem::take(&mut self.bare_colon) {
            out.push(' ');
        }
    }
}

/// Blanks, line breaks, comments and commas: what may stand between two entries of a flow collection.
fn trivia_or_commas(text: &[u8]) -> bool {
    text.split(|&b| b == b',').all(trivia)
}

/// The blanks a line starts with (a blank line counts as not indented).
fn indentation(line: &[u8]) -> usize {
    if line.iter().all(|b| b.is_ascii_whitespace()) {
        return 0;
    }
    line.iter().take_while(|&&b| b == b' ' || b == b'\t').count()
}

/// A key copied as text: a non-empty scalar (an empty or alias key, or one over several lines, is written anew).
fn scalar_key(k: &Node) -> bool {
    matches!(k, Node::Scalar(s) if !s.value.is_empty())
}

/// Whether the pristine scalar `k`, read from `text`, was written over more than one line. Most keys are plain
/// ASCII text that is their value (check 0): such text has no line break, since a reader folds a break in plain
/// text into a space or drops it (only U+2028 and U+2029 can stay as they were, and they are not ASCII).
fn spans_lines(k: &Node, text: &[u8]) -> bool {
    let as_read = matches!(k, Node::Scalar(s) if s.props.origin.check == 0) && text.is_ascii();
    !as_read && source::has_break(text)
}

/// What stands between an implicit key and its value: the `:` on the key's line, then blanks, line breaks and
/// comments. (An explicit `? key` has its `:` on a later line; it is written anew.)
fn key_separator(text: &[u8]) -> bool {
    let colon = text.iter().position(|&b| b != b' ' && b != b'\t');
    // Most often `: ` or a `:` ending the line: blanks and line feeds are trivia at a glance.
    let trivia = |rest: &[u8]| rest.iter().all(|&b| matches!(b, b' ' | b'\t' | b'\n')) || trivia(rest);
    colon.is_some_and(|i| text[i] == b':' && trivia(&text[i + 1..]))
}

/// Where an alias stands in the text: an alias node keeps no origin, but its text is `*name` after the
/// indicator that follows `from` (the key's end, or the previous item's), over blanks, line breaks and comments.
fn alias_at(src: &[u8], from: usize, node: &Node, limit: usize, indicators: &[u8]) -> Option<Origin> {
    let Node::Alias(name) = node else { return None };
    let mut i = source::skip_trivia(src, from, limit);
    let indicator = i < limit && indicators.contains(&src[i]);
    if indicator {
        i = source::skip_trivia(src, i + 1, limit);
    }
    let end = i + 1 + name.len();
    let named = indicator && end <= limit && src.get(i) == Some(&b'*') && &src[i + 1..end] == name.as_bytes();
    let ends =
        end >= src.len() || matches!(src[end], b' ' | b'\t' | b',' | b']' | b'}') || source::break_at(src, end) > 0;
    (named && ends).then_some(Origin { start: i as u32, end: end as u32, check: 0 })
}

/// Whether the text of `node` ends with a block scalar's: a line break written after it would become part of
/// its value (under clip or keep chomping) when the input ended without one.
pub(crate) fn ends_in_block_scalar(node: &Node) -> bool {
    match node {
        Node::Scalar(s) => matches!(s.style, super::ScalarStyle::Literal | super::ScalarStyle::Folded),
        Node::Mapping(m) => m.entries.last().is_some_and(|(_, v)| ends_in_block_scalar(v)),
        Node::Sequence(q) => q.items.last().is_some_and(ends_in_block_scalar),
        Node::Alias(_) => false,
    }
}
