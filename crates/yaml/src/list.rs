//! A document whose root mapping holds one long list (a KRM `ResourceList`'s `items`), read and written one item
//! at a time: the tree of an item lives only while it is changed and written, so a large list needs the memory
//! of its text and of the output, not of its whole tree.
//!
//! The output is the same, byte for byte, as [`parse_stream`](crate::parse_stream) and
//! [`emit_stream_from`](crate::emit_stream_from) give for the whole tree: the writer runs the same splicing,
//! entry by entry, with the same layout. Where it cannot be sure of that (a shape of text it does not stream, a
//! splice that gives up) it says so with `None`, and the caller reads the text whole instead.
use super::emit::{Emitter, NewList};
use super::parse::{Builder, Progress};
use super::source::{indent_column, line_start};
use super::splice::{
    ends_in_block_scalar, odd_breaks, only_document_markup, pristine, EntryCursor, LayoutFinder, Splicer,
};
use super::{Document, Node, Origin, ParseError, Props, Sequence};

/// Reads a stream whose first document's root is a block mapping with a block list under `key`, handing out
/// that list's items one by one (see the module's documentation).
pub struct ListReader<'a> {
    b: Builder<'a>,
    /// Where the list starts (its first `-`).
    items_start: usize,
    /// Where it ended, once it has.
    items_end: Option<usize>,
}

impl<'a> ListReader<'a> {
    /// Reads up to the list's first item. `Ok(None)` when the text is not shaped so (the root is not a block
    /// mapping without properties, the value under `key` is not a block list without properties, or origins
    /// are not recorded); `Err` for invalid YAML before that point.
    pub fn open(input: &'a [u8], key: &str) -> Result<Option<ListReader<'a>>, ParseError> {
        let mut b = Builder::new(input, 0..input.len());
        if !b.origins_on() {
            return Ok(None);
        }
        loop {
            match b.advance()? {
                Progress::Opened => {}
                Progress::Going => {
                    if b.depth() == 0 && !b.docs.is_empty() {
                        return Ok(None);
                    }
                    continue;
                }
                Progress::StreamEnd | Progress::Item(_) | Progress::ItemsEnded(_) => return Ok(None),
            }
            let Some(open) = b.collection(b.depth()) else { return Ok(None) };
            if b.depth() == 1 && (!open.mapping || open.flow || !open.props.is_empty()) {
                return Ok(None);
            }
            if b.depth() != 2 {
                continue;
            }
            let Some(root) = b.collection(1) else { return Ok(None) };
            let listed = root.nodes.len() % 2 == 1
                && matches!(root.nodes.last(), Some(Node::Scalar(s)) if s.value == key && s.is_string());
            if !listed {
                continue;
            }
            if open.mapping || open.flow || !open.props.is_empty() {
                return Ok(None);
            }
            let items_start = open.pos;
            b.detach();
            return Ok(Some(ListReader { b, items_start, items_end: None }));
        }
    }

    /// What was read before the list, for [`ListWriter::new`].
    pub fn head(&self) -> ListHead {
        let root = self.b.collection(1).expect("the root mapping is open");
        let (entries, key) = root.nodes.split_at(root.nodes.len() - 1);
        ListHead {
            root_start: root.pos,
            version: self.b.version(),
            entries: entries.chunks(2).map(|kv| (kv[0].clone(), kv[1].clone())).collect(),
            key: key[0].clone(),
            items_start: self.items_start,
        }
    }

    /// The next item of the list, or `None` after its last.
    pub fn next_item(&mut self) -> Result<Option<Node>, ParseError> {
        if self.items_end.is_some() {
            return Ok(None);
        }
        loop {
            match self.b.advance()? {
                Progress::Item(node) => return Ok(Some(node)),
                Progress::ItemsEnded(end) => {
                    self.items_end = Some(end);
                    return Ok(None);
                }
                Progress::StreamEnd => {
                    return Err(ParseError { line: 0, column: 0, message: "the stream ended inside the list".into() })
                }
                Progress::Going | Progress::Opened => {}
            }
        }
    }

    /// Reads the rest of the stream: its documents, the first with an empty list in place of the items handed
    /// out, and where the list ended.
    pub fn finish(mut self) -> Result<(Vec<Document>, usize), ParseError> {
        while self.next_item()?.is_some() {}
        while !matches!(self.b.advance()?, Progress::StreamEnd) {}
        if !self.b.balanced() {
            return Err(ParseError { line: 0, column: 0, message: "the stream ended inside a document".into() });
        }
        Ok((std::mem::take(&mut self.b.docs), self.items_end.unwrap_or(self.items_start)))
    }
}

/// What writes the items of a list added at the end of a document (see [`ListWriter::finish`]).
pub type WriteItems<'a> = dyn FnMut(&mut NewList<'_>) + 'a;

/// The part of a list's document read before its first item.
pub struct ListHead {
    root_start: usize,
    version: Option<(i32, i32)>,
    /// The root's entries before the list.
    entries: Vec<(Node, Node)>,
    /// The list's key.
    key: Node,
    items_start: usize,
}

/// An item copied as read, known by where it stands: written once the writer knows it splices the list.
struct ReadItem {
    first: bool,
    prev_end: usize,
    dash: usize,
    end: usize,
    block_end: bool,
}

/// Writes the document a [`ListReader`] reads, item by item, into the text it was read from (see the module's
/// documentation).
///
/// Nothing is written until the layout for new text is known (it is found in the order of the text, see
/// `splice::layout`) and the list is known to be changed; until then copied items are kept as offsets and
/// changed ones as trees (at most the first 10,000 nodes' worth).
pub struct ListWriter<'s> {
    s: Splicer<'s>,
    head: ListHead,
    finder: LayoutFinder,
    /// The list's entries, as the whole tree's writer would place them.
    items: EntryCursor,
    read: Vec<ReadItem>,
    queued: Vec<Node>,
    /// Whether an item changed (the list is then spliced item by item; else copied whole).
    changed: bool,
    /// Whether the head and the items held back have been written.
    started: bool,
    root: Option<EntryCursor>,
    last_block_end: bool,
    /// Where the list ends at the latest, when the caller knows (see [`ListWriter::list_ends_by`]).
    list_ends_by: Option<usize>,
}

impl<'s> ListWriter<'s> {
    /// A writer for the text `src` a [`ListReader`] reads, given what it read before the list. `None` when the
    /// text is of a kind written only whole (not UTF-8, line breaks other than `\n` and `\r\n`).
    pub fn new(src: &'s [u8], head: ListHead) -> Option<ListWriter<'s>> {
        let text = std::str::from_utf8(src).ok()?;
        // As `emit_stream_from`: odd line breaks outside scalars make the whole tree's writer write anew.
        if odd_breaks(src).next().is_some() || matches!(src.get(head.root_start), Some(b'[' | b'{')) {
            return None;
        }
        // Sized once the first items show how much the output grows (see `flush`).
        let s = Splicer::new(text, Emitter::new(4096));
        let items = EntryCursor {
            col: indent_column(src, head.items_start)?,
            end: src.len(),
            first_line: line_start(src, head.items_start),
            prev_end: head.items_start,
            first: true,
        };
        let mut finder = LayoutFinder::default();
        finder.count();
        for (k, v) in &head.entries {
            finder.entry(src, k, v);
        }
        let mut w = ListWriter {
            s,
            finder,
            items,
            read: Vec::new(),
            queued: Vec::new(),
            changed: false,
            started: false,
            root: None,
            last_block_end: false,
            list_ends_by: None,
            head,
        };
        // The list's entry: how it stands against its key, then the list itself; its items follow one by one.
        if !w.finder.settled() {
            let stand_in = w.list_stand_in(src.len());
            w.finder.pair(src, &w.head.key, &stand_in);
        }
        w.finder.count();
        Some(w)
    }

    /// Tells the writer that the list ends by `pos` in the text (the caller found something after it, such as
    /// a ResourceList's functionConfig): the output is sized from how much the items grow, over the list's
    /// text only. Without it a long text after a list whose items grow much (thousands of containers added to
    /// each of three workloads) would reserve an output for that text too.
    pub fn list_ends_by(&mut self, pos: usize) {
        if pos > self.head.items_start {
            self.list_ends_by = Some(pos);
        }
    }

    /// The list's node as the root's entry sees it before its end is known: an empty block sequence read at
    /// the list's start.
    fn list_stand_in(&self, end: usize) -> Node {
        let origin = Origin { start: self.head.items_start as u32, end: end as u32, check: 0 };
        Node::Sequence(Sequence { items: Vec::new(), props: Props { origin, ..Default::default() } })
    }

    /// The next item, after the function's changes. `None` when the list cannot be written item by item after
    /// all: the caller then writes the whole tree instead.
    pub fn item(&mut self, item: Node) -> Option<()> {
        let src = self.s.src.as_bytes();
        self.finder.visit(src, &item);
        let pristine_item = !matches!(item, Node::Alias(_)) && pristine(src, &item);
        if !self.changed && pristine_item {
            let first = self.items.first;
            let prev_end = self.items.prev_end;
            let (o, dash) = self.s.placed_item(&self.items, &item)?;
            self.items.first = false;
            self.items.prev_end = o.end as usize;
            self.last_block_end = ends_in_block_scalar(&item);
            self.read.push(ReadItem { first, prev_end, dash, end: o.end as usize, block_end: self.last_block_end });
            return Some(());
        }
        if matches!(item, Node::Alias(_)) {
            return None;
        }
        self.changed = true;
        self.queued.push(item);
        if self.finder.settled() {
            self.flush()?;
        }
        Some(())
    }

    /// Writes the head, once, and every item held back.
    fn flush(&mut self) -> Option<()> {
        if !self.started {
            self.start()?;
        }
        for read in std::mem::take(&mut self.read) {
            if !read.first {
                self.s.entry_start(read.dash, read.prev_end, self.items.first_line, self.items.col);
            }
            self.s.copy_text(read.block_end, read.dash, read.end);
            self.s.line_start();
        }
        for item in std::mem::take(&mut self.queued) {
            self.s.forget_changed();
            self.s.sequence_item(&mut self.items, &item);
        }
        self.s.forget_changed();
        // Grow the output in proportion to what it has grown for the text read so far, not by doubling: a
        // doubled buffer holds up to twice the output, and a wasm module's memory keeps the peak of each copy.
        // Grown with an eighth of the input to spare (for the results, and so that the estimate moving as items
        // come does not grow it again), once it comes within a sixteenth.
        let src_len = self.s.src.len();
        let out = &mut self.s.e().out;
        let end = self.list_ends_by.unwrap_or(src_len).max(self.items.prev_end);
        let (done, total) = (self.items.prev_end.max(1) as u128, end as u128);
        let projected = (out.len() as u128 * total / done) as usize + 4096;
        let spare = src_len / 8;
        if out.capacity() < projected + spare / 2 {
            out.reserve_exact(projected + spare - out.len());
        }
        (!self.s.failed).then_some(())
    }

    /// The document's header and the root's entries up to the list's first item.
    fn start(&mut self) -> Option<()> {
        self.started = true;
        self.s.e().layout = self.finder.layout();
        let src = self.s.src.as_bytes();
        let start = self.head.root_start;
        let col = indent_column(src, start)?;
        if only_document_markup(&src[..start]) {
            self.s.copy(0, start);
        } else if self.head.version.is_some() {
            return None;
        }
        let mut root =
            EntryCursor { col, end: src.len(), first_line: line_start(src, start), prev_end: start, first: true };
        let entries = std::mem::take(&mut self.head.entries);
        for (k, v) in &entries {
            self.s.mapping_entry(&mut root, k, v);
        }
        self.head.entries = entries;
        let stand_in = self.list_stand_in(src.len());
        let (ke, value) = self.s.key(&mut root, &self.head.key, &stand_in)?;
        value.filter(|o| o.start as usize == self.head.items_start)?;
        self.s.copy(ke, self.head.items_start);
        self.root = Some(root);
        Some(())
    }

    /// Writes the rest of the document: `doc` is what [`ListReader::finish`] read (its root with an empty list),
    /// with whatever the caller changed after the list, and `items_end` where the list ended. `appended`: a
    /// key the root did not have, and what writes the items of the list under it, after its last entry (as if
    /// they were in `doc` as mappings of new strings, without making them).
    pub fn finish(
        mut self,
        doc: &Document,
        items_end: usize,
        appended: Option<(&str, &mut WriteItems<'_>)>,
    ) -> Option<String> {
        let src = self.s.src.as_bytes();
        let Node::Mapping(root) = &doc.root else { return None };
        let at = self.head.entries.len();
        let listed = root.entries.get(at).is_some_and(|(k, v)| {
            k.same_meaning(&self.head.key) && matches!(v, Node::Sequence(q) if q.items.is_empty() && q.props.origin.start as usize == self.head.items_start)
        });
        if !listed || doc.version != self.head.version || !root.props.is_empty() {
            return None;
        }
        for (k, v) in &root.entries[at + 1..] {
            self.finder.entry(src, k, v);
        }
        if !self.started && !self.changed {
            // No item changed: the list is copied as read, as the whole tree's writer copies an unchanged list.
            self.start()?;
            self.read.clear();
            self.s.copy_text(self.last_block_end, self.head.items_start, items_end);
        } else {
            self.flush()?;
        }
        let mut cursor = self.root.take()?;
        cursor.prev_end = items_end;
        cursor.end = root.props.origin.end as usize;
        self.s.line_start();
        for (k, v) in &root.entries[at + 1..] {
            self.s.mapping_entry(&mut cursor, k, v);
        }
        if let Some((key, items)) = appended {
            // What `mapping_entry` writes for an entry added at the end whose value is a block list.
            if root.get(key).is_some() {
                return None;
            }
            self.s.line_start();
            self.s.e().indent(cursor.col);
            let key = Node::string(key);
            self.s.e().list_entry(&key, items, cursor.col)?;
        }
        self.s.after_root(root.props.origin.end as usize);
        let failed = self.s.failed;
        (!failed).then(|| self.s.into_out())
    }
}
