//! A tree to text, in kyaml's block layout, keeping every scalar's meaning for YAML 1.1 and 1.2 readers.
//!
//! Layout: 2-space indented mappings; a list under a key starts at the key's column; `- - a` for a list in a
//! list; `{}` and `[]` for empty collections. Plain text read plain goes back unchanged; quoted and block scalars
//! never become plain; strings the function created are quoted unless [`plain_is_safe_string`] says otherwise.
//! Recursion follows the tree, whose depth the parser bounds.
use std::borrow::Cow;

use super::scalar::plain_is_safe_string;
use super::{Document, Mapping, Node, Props, Scalar, ScalarStyle, Sequence};

/// libyaml (and go-yaml, PyYAML) forget a possible implicit key after 1024 characters; longer keys use `? `.
const MAX_IMPLICIT_KEY: usize = 1000;

/// One document; starts with `%YAML` or `---` only when the document needs it.
pub fn emit_document(doc: &Document) -> String {
    document(doc).0
}

/// Documents separated by `---` (and `...` before a document with a `%YAML` directive, which YAML requires).
/// All of them are written into one buffer, reserved once.
pub fn emit_stream(docs: &[Document]) -> String {
    let mut e = Emitter::new(docs.iter().map(|d| reserve(&d.root) + 4).sum());
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 && doc.version.is_some() {
            e.out.push_str("...\n");
            e.document(doc);
        } else if i > 0 {
            // A separator, unless the document turns out to start with its own `---`.
            let start = e.out.len();
            e.out.push_str("---\n");
            if e.document(doc) {
                e.out.replace_range(start..start + 4, "");
            }
        } else {
            e.document(doc);
        }
    }
    e.out
}

/// The document's text, and whether it starts with its own `---` (or directive).
pub(crate) fn document(doc: &Document) -> (String, bool) {
    let mut e = Emitter::new(reserve(&doc.root));
    let explicit = e.document(doc);
    (e.out, explicit)
}

pub(crate) struct Emitter {
    pub(crate) out: String,
    pub(crate) layout: Layout,
    pub(crate) memo: Memo,
    pub(crate) spellings: Spellings,
}

/// How recent new strings were written, plain or quoted: deciding takes a read of the text under YAML 1.1 and
/// 1.2, and what the function writes anew repeats (the keys and values of every result, each workload's status
/// record). Direct-mapped by length and end bytes; a clash writes the string as if it were not kept.
pub(crate) struct Spellings {
    slots: Vec<Option<(String, String)>>,
    /// At each slot, a glance at the last text not kept there (see [`glance`]).
    missed: [u64; Spellings::SLOTS],
    /// For tests: write every string as if none were kept, the reference the kept texts are checked against.
    #[cfg(test)]
    off: bool,
}

impl Default for Spellings {
    fn default() -> Spellings {
        Spellings {
            slots: Vec::new(),
            missed: [0; Spellings::SLOTS],
            #[cfg(test)]
            off: false,
        }
    }
}

/// A text's length and first and last eight bytes, mixed: enough to tell one text from the next at a slot most
/// of the time (a clash only keeps a text a time too early or late; what is kept is compared whole).
fn glance(v: &str) -> u64 {
    let b = v.as_bytes();
    let word = |w: &[u8]| w.iter().fold(0u64, |h, &x| (h << 8) | u64::from(x));
    let (head, tail) = (&b[..b.len().min(8)], &b[b.len().saturating_sub(8)..]);
    (b.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ word(head) ^ word(tail).rotate_left(29)
}

impl Spellings {
    const SLOTS: usize = 64;
    /// Longer text is rarely written twice.
    const LONGEST: usize = 256;

    /// Where the new string `v` would be kept: by its length and end bytes. (Only text of one line is kept,
    /// plain or quoted the same wherever it stands, a key or a value: see [`Emitter::spell_str`].)
    fn slot(v: &str) -> Option<usize> {
        let b = v.as_bytes();
        let (&first, &last) = (b.first()?, b.last()?);
        (b.len() <= Spellings::LONGEST)
            .then(|| (b.len() * 31 + usize::from(first) * 7 + usize::from(last)) % Spellings::SLOTS)
    }

    /// The text kept at `at` (a slot [`Emitter::spell_str`] filled).
    fn text(&self, at: usize) -> &str {
        self.slots[at].as_ref().map_or("", |(_, text)| text)
    }
}

/// Text the emitter wrote for collections made anew, to be written again for equal ones: a function adds the
/// same container, volume or annotation to every workload of a list, and comparing a subtree costs a fraction
/// of writing it (each scalar's quoting is decided by reading it under YAML 1.1 and 1.2). What the emitter
/// writes for a node depends on the node, where it starts (an item after `-`, a value after `key:`, a whole
/// entry) and its indentation and layout only; the node is kept whole, so a hit is an equal subtree, never a
/// look-alike.
#[derive(Default)]
pub(crate) struct Memo {
    kept: Vec<Kept>,
    next: usize,
    /// Texts written again from here.
    pub(crate) hits: usize,
}

struct Kept {
    how: Start,
    indent: usize,
    layout: Layout,
    key: Option<Node>,
    node: Node,
    text: String,
}

/// Where a memoized text starts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    Item,
    Value,
    Entry,
}

impl Memo {
    /// Enough for the parts of a few injections; a miss compares against each, and a mismatch is found on the
    /// first differing scalar.
    const MOST: usize = 16;
    /// Shorter texts are cheaper to write again than to keep.
    const SHORTEST: usize = 96;
}

/// How the text indents what the emitter writes anew: a nested mapping by `map` columns, a list under a key by
/// `seq` (0: at the key's column, kyaml's way). Found in the input when there is one (see `splice`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) map: usize,
    pub(crate) seq: usize,
}

impl Default for Layout {
    fn default() -> Layout {
        Layout { map: 2, seq: 0 }
    }
}

/// What to reserve for writing `root`: its [`estimate`] and a little more, since growing past the reservation
/// would double it.
pub(crate) fn reserve(root: &Node) -> usize {
    let e = estimate(root, 0);
    e + e / 16 + 64
}

/// About how many bytes `node` takes written with its collection at column `indent` (`key: value` lines).
/// Reserved up front: a large output built by doubling holds up to three times its size at the moment of a
/// copy, and in a wasm module's memory, which never shrinks, that peak stays.
fn estimate(node: &Node, indent: usize) -> usize {
    let props = |p: &Props| p.anchor.as_ref().map_or(0, |a| a.len() + 2) + p.tag.as_ref().map_or(0, |t| t.len() + 4);
    match node {
        Node::Scalar(s) => {
            let quotes = if matches!(s.style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) { 2 } else { 0 };
            let lines = s.value.bytes().filter(|b| *b == b'\n').count();
            props(&s.props) + s.value.len() + 1 + quotes + lines * (indent + 2)
        }
        Node::Alias(name) => name.len() + 2,
        // Each entry: its indentation, `-` or `key:`, the value, and the line's end.
        // A mapping in a list starts on the `-` line.
        Node::Sequence(s) => {
            let item = |item: &Node| match item {
                // `- key: value`: the first entry's indentation is the `- ` (an empty map is ` {}`, no less).
                Node::Mapping(_) => 1 + estimate(item, indent + 2).saturating_sub(indent + 2),
                _ => indent + 2 + estimate(item, indent + 2),
            };
            props(&s.props) + 1 + s.items.iter().map(item).sum::<usize>()
        }
        // A list under a key starts at the key's column.
        Node::Mapping(m) => {
            let entry = |(k, v): &(Node, Node)| {
                let at = if matches!(v, Node::Sequence(_)) { indent } else { indent + 2 };
                indent + 1 + estimate(k, indent) + estimate(v, at)
            };
            props(&m.props) + 1 + m.entries.iter().map(entry).sum::<usize>()
        }
    }
}

/// A scalar as written: on the indicator's line, or a literal block whose lines follow. Text that goes out as
/// it is (most of it) is borrowed, not copied.
enum Rendered<'a> {
    Inline(Cow<'a, str>),
    Literal { header: String, body: &'a str, extra_newlines: usize },
}

impl Emitter {
    pub(crate) fn new(capacity: usize) -> Emitter {
        Emitter {
            out: String::with_capacity(capacity),
            layout: Layout::default(),
            memo: Memo::default(),
            spellings: Spellings::default(),
        }
    }

    /// [`Emitter::item`] for an item written anew into text being spliced, remembered.
    pub(crate) fn new_item(&mut self, node: &Node, indent: usize) {
        self.remembered(Start::Item, None, node, indent, |e| e.item(node, indent));
    }

    /// [`Emitter::value`] for a value written anew into text being spliced, remembered.
    pub(crate) fn new_value(&mut self, node: &Node, indent: usize) {
        self.remembered(Start::Value, None, node, indent, |e| e.value(node, indent));
    }

    /// [`Emitter::entry`] for an entry written anew into text being spliced, remembered.
    pub(crate) fn new_entry(&mut self, key: &Node, value: &Node, indent: usize) {
        self.remembered(Start::Entry, Some(key), value, indent, |e| e.entry(key, value, indent));
    }

    fn remembered(
        &mut self,
        how: Start,
        key: Option<&Node>,
        node: &Node,
        indent: usize,
        write: impl FnOnce(&mut Emitter),
    ) {
        // Only what may well be written at least SHORTEST bytes long is looked up.
        let worth = match node {
            Node::Mapping(m) => !m.entries.is_empty(),
            Node::Sequence(q) => !q.items.is_empty(),
            Node::Scalar(s) => s.value.len() >= Memo::SHORTEST / 2,
            Node::Alias(_) => false,
        };
        if !worth {
            return write(self);
        }
        let layout = self.layout;
        let hit = self.memo.kept.iter().find(|k| {
            k.how == how && k.indent == indent && k.layout == layout && k.key.as_ref() == key && k.node == *node
        });
        if let Some(kept) = hit {
            self.out.push_str(&kept.text);
            self.memo.hits += 1;
            return;
        }
        let start = self.out.len();
        write(self);
        let text = &self.out[start..];
        if text.len() < Memo::SHORTEST {
            return;
        }
        let kept = Kept { how, indent, layout, key: key.cloned(), node: node.clone(), text: text.to_string() };
        let memo = &mut self.memo;
        if memo.kept.len() < Memo::MOST {
            memo.kept.push(kept);
        } else {
            memo.kept[memo.next] = kept;
            memo.next = (memo.next + 1) % Memo::MOST;
        }
    }

    /// Writes one document; returns whether it starts with its own `---` (or directive).
    pub(crate) fn document(&mut self, doc: &Document) -> bool {
        let mut explicit = false;
        if let Some((major, minor)) = doc.version {
            self.out.push_str(&format!("%YAML {major}.{minor}\n"));
            explicit = true;
        }
        self.root(&doc.root, explicit)
    }

    /// Writes the root node; returns whether the document starts with `---`.
    fn root(&mut self, node: &Node, explicit: bool) -> bool {
        let block = match node {
            Node::Mapping(m) if !m.entries.is_empty() => Some(&m.props),
            Node::Sequence(s) if !s.items.is_empty() => Some(&s.props),
            _ => None,
        };
        if let Some(props) = block {
            let props = props_text(props);
            let explicit = explicit || !props.is_empty();
            if explicit {
                self.out.push_str("---");
                self.push_props(&props);
                self.out.push('\n');
            }
            match node {
                Node::Mapping(m) => self.mapping(m, 0, false),
                Node::Sequence(s) => self.sequence(s, 0, false),
                _ => {}
            }
            return explicit;
        }
        let start = self.out.len();
        if explicit {
            self.out.push_str("---");
        }
        self.value(node, 0);
        // An empty plain root (a null document) writes nothing; `---` keeps the document.
        if self.out.len() == start || &self.out[start..] == "\n" {
            self.out.truncate(start);
            self.out.push_str("---\n");
            return true;
        }
        if !explicit {
            // `value` writes a separating space meant to follow an indicator; at the root nothing precedes it.
            self.out.remove(start);
        }
        explicit
    }

    /// What follows `key:`, `-`, `?` or `---` on its line, through the end of the node. `indent` is the column
    /// of that indicator's collection.
    pub(crate) fn value(&mut self, node: &Node, indent: usize) {
        match node {
            Node::Alias(name) => {
                self.out.push_str(" *");
                self.out.push_str(name);
                self.out.push('\n');
            }
            Node::Scalar(s) => self.scalar(s, indent, false),
            Node::Mapping(m) if m.entries.is_empty() => self.empty(&m.props, "{}"),
            Node::Sequence(s) if s.items.is_empty() => self.empty(&s.props, "[]"),
            Node::Mapping(m) => {
                self.push_props(&props_text(&m.props));
                self.out.push('\n');
                self.mapping(m, indent + self.layout.map, false);
            }
            Node::Sequence(s) => {
                self.push_props(&props_text(&s.props));
                self.out.push('\n');
                // kyaml's layout: a list under a key starts at the key's column (unless the input indents it).
                self.sequence(s, indent + self.layout.seq, false);
            }
        }
    }

    fn scalar(&mut self, s: &Scalar, indent: usize, key: bool) {
        if s.style == ScalarStyle::Auto && s.props.is_empty() {
            return self.auto_string(&s.value, indent, key);
        }
        self.push_props(&props_text(&s.props));
        self.push_rendered(render(s, key), indent);
    }

    /// A new string with no properties, as [`Emitter::scalar`] writes one: its kept text when it is kept.
    fn auto_string(&mut self, v: &str, indent: usize, key: bool) {
        if let Some(at) = self.spell_str(v) {
            let text = self.spellings.text(at);
            if !text.is_empty() {
                self.out.push(' ');
            }
            self.out.push_str(text);
            self.out.push('\n');
            return;
        }
        self.push_rendered(render_auto(v, key), indent);
    }

    fn push_rendered(&mut self, rendered: Rendered<'_>, indent: usize) {
        match rendered {
            Rendered::Inline(text) => {
                if !text.is_empty() {
                    self.out.push(' ');
                    self.out.push_str(&text);
                }
                self.out.push('\n');
            }
            Rendered::Literal { header, body, extra_newlines } => {
                self.out.push(' ');
                self.out.push_str(&header);
                self.out.push('\n');
                for line in body.split('\n') {
                    if !line.is_empty() {
                        self.indent(indent + 2);
                        self.out.push_str(line);
                    }
                    self.out.push('\n');
                }
                self.out.push_str(&"\n".repeat(extra_newlines));
            }
        }
    }

    /// What follows `-` or `?`: like [`Emitter::value`], but a collection without properties starts on the same
    /// line (`- name: a`, `- - a`).
    pub(crate) fn item(&mut self, node: &Node, indent: usize) {
        match node {
            Node::Mapping(m) if !m.entries.is_empty() && props_text(&m.props).is_empty() => {
                self.out.push(' ');
                self.mapping(m, indent + 2, true);
            }
            Node::Sequence(s) if !s.items.is_empty() && props_text(&s.props).is_empty() => {
                self.out.push(' ');
                self.sequence(s, indent + 2, true);
            }
            Node::Sequence(s) if !s.items.is_empty() => {
                self.push_props(&props_text(&s.props));
                self.out.push('\n');
                self.sequence(s, indent + 2, false);
            }
            _ => self.value(node, indent),
        }
    }

    fn mapping(&mut self, m: &Mapping, indent: usize, first_inline: bool) {
        for (i, (key, value)) in m.entries.iter().enumerate() {
            if i > 0 || !first_inline {
                self.indent(indent);
            }
            self.entry(key, value, indent);
        }
    }

    /// `key: value` (or `? key` / `: value`) from where the key starts, through the end of its last line.
    pub(crate) fn entry(&mut self, key: &Node, value: &Node, indent: usize) {
        if let Node::Scalar(k) = key {
            if k.style == ScalarStyle::Auto && k.props.is_empty() {
                self.string_key(&k.value, indent);
                return self.value(value, indent);
            }
        }
        match implicit_key(key) {
            Some(text) => {
                self.out.push_str(&text);
                self.out.push(':');
            }
            None => {
                self.out.push('?');
                match key {
                    Node::Scalar(s) => self.scalar(s, indent, true),
                    _ => self.item(key, indent),
                }
                self.indent(indent);
                self.out.push(':');
            }
        }
        self.value(value, indent);
    }

    /// [`Emitter::entry`] for a block list without properties given item by item, as `entry` writes it when
    /// given the whole list. The buffer grows by an eighth at a time, not by doubling. `None` for a key that
    /// is not written as a plain implicit key.
    pub(crate) fn list_entry(
        &mut self,
        key: &Node,
        fill: &mut dyn FnMut(&mut NewList<'_>),
        indent: usize,
    ) -> Option<()> {
        self.out.push_str(&implicit_key(key)?);
        self.out.push(':');
        let mut list = NewList { at: indent + self.layout.seq, any: false, e: self };
        fill(&mut list);
        if !list.any {
            self.empty(&Props::default(), "[]");
        }
        Some(())
    }

    fn sequence(&mut self, s: &Sequence, indent: usize, first_inline: bool) {
        for (i, item) in s.items.iter().enumerate() {
            if i > 0 || !first_inline {
                self.indent(indent);
            }
            self.out.push('-');
            self.item(item, indent);
        }
    }

    fn empty(&mut self, props: &Props, text: &str) {
        self.push_props(&props_text(props));
        self.out.push(' ');
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn push_props(&mut self, props: &str) {
        if !props.is_empty() {
            self.out.push(' ');
            self.out.push_str(props);
        }
    }

    /// A new string key (no properties) through its `:`, as [`Emitter::entry`] writes one: implicit (`key:`)
    /// when it is written on one line and not too long for readers, else `? key` then `:` on the next line.
    fn string_key(&mut self, key: &str, indent: usize) {
        if let Some(at) = self.spell_str(key) {
            let text = self.spellings.text(at);
            if !text.is_empty() && text.len() <= MAX_IMPLICIT_KEY {
                self.out.push_str(text);
                self.out.push(':');
                return;
            }
        }
        match render_auto(key, true) {
            Rendered::Inline(text) if !text.is_empty() && text.len() <= MAX_IMPLICIT_KEY => {
                self.out.push_str(&text);
                self.out.push(':');
            }
            _ => {
                self.out.push('?');
                self.auto_string(key, indent, true);
                self.indent(indent);
                self.out.push(':');
            }
        }
    }

    /// The slot that holds the text of the new string `v` (no properties; see [`Spellings`]), kept there for
    /// the next time; `None` for one that is not kept.
    fn spell_str(&mut self, v: &str) -> Option<usize> {
        #[cfg(test)]
        if self.spellings.off {
            return None;
        }
        let at = Spellings::slot(v)?;
        let slots = &mut self.spellings.slots;
        if slots.is_empty() {
            slots.resize(Spellings::SLOTS, None);
        }
        match &slots[at] {
            Some((value, _)) if value == v => return Some(at),
            // A text seen once is written without being kept: most names are unique, and keeping one costs
            // two copies. One seen twice in a row at its slot takes the slot.
            Some(_) if std::mem::replace(&mut self.spellings.missed[at], glance(v)) != glance(v) => return None,
            _ => {}
        }
        // Kept only when of one line (then `render_auto` writes it inline, the same for a key as for a value),
        // so a text found kept is one of one line.
        if v.contains('\n') {
            return None;
        }
        let Rendered::Inline(text) = render_auto(v, false) else { return None };
        slots[at] = Some((v.to_string(), text.into_owned()));
        Some(at)
    }

    pub(crate) fn indent(&mut self, n: usize) {
        const SPACES: &str = "                                                                ";
        let mut n = n;
        while n > SPACES.len() {
            self.out.push_str(SPACES);
            n -= SPACES.len();
        }
        self.out.push_str(&SPACES[..n]);
    }
}

/// The items of a block list written anew, one at a time (see [`crate::ListWriter::finish`]): each a mapping
/// whose entries the caller gives as strings, integers and mappings of them, written as the emitter writes
/// the same mapping of new nodes, without making the nodes. The function's results, one per workload, are
/// written so.
pub struct NewList<'e> {
    e: &'e mut Emitter,
    at: usize,
    any: bool,
}

impl NewList<'_> {
    /// One item: a mapping with the entries `entries` writes.
    pub fn item(&mut self, entries: impl FnOnce(&mut NewMapping<'_>)) {
        let e = &mut *self.e;
        if !self.any {
            e.out.push('\n');
            self.any = true;
        }
        // As `flush` grows it: by an eighth at a time, not by doubling.
        if e.out.capacity() - e.out.len() < 1 << 16 {
            e.out.reserve_exact((e.out.len() / 8).max(1 << 20));
        }
        e.indent(self.at);
        e.out.push_str("- ");
        let mut m = NewMapping { indent: self.at + 2, first_inline: true, written: 0, e };
        entries(&mut m);
        if m.written == 0 {
            m.e.out.push_str("{}\n");
        }
    }
}

/// The entries of a block mapping written anew (see [`NewList`]).
pub struct NewMapping<'e> {
    e: &'e mut Emitter,
    indent: usize,
    /// Whether the first entry goes on the line already started (after `- `).
    first_inline: bool,
    written: usize,
}

impl NewMapping<'_> {
    /// `key: value`, the value a string.
    pub fn string(&mut self, key: &str, value: &str) {
        self.key(key);
        self.e.auto_string(value, self.indent, false);
    }

    /// `key: value`, the value an integer.
    pub fn integer(&mut self, key: &str, value: i64) {
        self.key(key);
        let out = &mut self.e.out;
        out.push_str(if value < 0 { " -" } else { " " });
        push_decimal(out, value.unsigned_abs());
        out.push('\n');
    }

    /// `key:` and a mapping with the entries `entries` writes under it (`{}` for none).
    pub fn mapping(&mut self, key: &str, entries: impl FnOnce(&mut NewMapping<'_>)) {
        self.key(key);
        let mark = self.e.out.len();
        self.e.out.push('\n');
        let indent = self.indent + self.e.layout.map;
        let mut m = NewMapping { indent, first_inline: false, written: 0, e: &mut *self.e };
        entries(&mut m);
        if m.written == 0 {
            self.e.out.truncate(mark);
            self.e.out.push_str(" {}\n");
        }
    }

    /// An entry's start and key, through its `:`.
    fn key(&mut self, key: &str) {
        if self.written > 0 || !self.first_inline {
            self.e.indent(self.indent);
        }
        self.written += 1;
        self.e.string_key(key, self.indent);
    }
}

/// Writes `n`'s decimal digits, without the formatting machinery (what writes a result's file index, once a
/// workload, and the core's canonical text, once a scalar).
pub fn push_decimal(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let (mut rest, mut at) = (n, digits.len());
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

/// A key written `key` before `:`, or `None` when it needs the explicit `? key` form (empty, long, collection).
fn implicit_key(key: &Node) -> Option<Cow<'_, str>> {
    let full = match key {
        // `*a:` could read as an alias named `a:` to YAML 1.2 readers; the space keeps it unambiguous.
        Node::Alias(name) => Cow::Owned(format!("*{name} ")),
        Node::Scalar(s) => match render(s, true) {
            Rendered::Inline(text) if !text.is_empty() => {
                let props = props_text(&s.props);
                if props.is_empty() {
                    text
                } else {
                    Cow::Owned(format!("{props} {text}"))
                }
            }
            _ => return None,
        },
        Node::Mapping(_) | Node::Sequence(_) => return None,
    };
    (full.len() <= MAX_IMPLICIT_KEY).then_some(full)
}

/// `&anchor !tag`, or empty.
fn props_text(props: &Props) -> String {
    if props.is_empty() {
        return String::new();
    }
    let mut parts = Vec::new();
    if let Some(anchor) = &props.anchor {
        parts.push(format!("&{anchor}"));
    }
    if let Some(tag) = &props.tag {
        parts.push(tag_text(tag));
    }
    parts.join(" ")
}

/// The shortest form libyaml reads back as `tag`: `!`, `!!str`, `!local`, else verbatim `!<...>`.
pub(crate) fn tag_text(tag: &str) -> String {
    if tag == "!" {
        return "!".to_string();
    }
    if let Some(suffix) = tag.strip_prefix("tag:yaml.org,2002:").filter(|s| !s.is_empty()) {
        return format!("!!{}", uri_escape(suffix, false));
    }
    if let Some(suffix) = tag.strip_prefix('!').filter(|s| !s.is_empty()) {
        return format!("!{}", uri_escape(suffix, false));
    }
    format!("!<{}>", uri_escape(tag, true))
}

/// Percent-encodes what libyaml's tag scanner would not take literally (it decodes `%XX` back). `!` is encoded
/// in shorthand tags because `!a!b` would read as an undefined handle `!a!`.
fn uri_escape(s: &str, verbatim: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        let literal =
            b.is_ascii_alphanumeric() || b"-_;/?:@&=+$.~*'()".contains(&b) || (verbatim && b",[]!".contains(&b));
        if literal {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn render(s: &Scalar, key: bool) -> Rendered<'_> {
    let v = s.value.as_str();
    let literal = |single_line_ok: bool| match literal_block(v, single_line_ok) {
        Some(r) if !key => r,
        _ => Rendered::Inline(Cow::Owned(quoted(v))),
    };
    match s.style {
        ScalarStyle::Plain if v.is_empty() || plain_text_stands(v) => Rendered::Inline(Cow::Borrowed(v)),
        // Plain text that cannot stand on one line again (a folded multi-line plain with blank lines): a string.
        ScalarStyle::Plain | ScalarStyle::SingleQuoted => Rendered::Inline(Cow::Owned(quoted(v))),
        // kpt writes the function's output into the user's files: `"on"` must not come back as `'on'`.
        ScalarStyle::DoubleQuoted => Rendered::Inline(Cow::Owned(double_quoted(v))),
        ScalarStyle::Auto => render_auto(v, key),
        ScalarStyle::Folded => literal(false),
        ScalarStyle::Literal => literal(true),
    }
}

/// A new string (`ScalarStyle::Auto`): plain where every reader takes it for that string, else a literal
/// block for text of several lines (not as a key), else quoted.
fn render_auto(v: &str, key: bool) -> Rendered<'_> {
    if plain_is_safe_string(v) {
        return Rendered::Inline(Cow::Borrowed(v));
    }
    match literal_block(v, false) {
        Some(r) if !key => r,
        _ => Rendered::Inline(Cow::Owned(quoted(v))),
    }
}

/// A node written in flow style, on one line: what goes into a flow collection the input wrote (`{a: b}`,
/// `[x, y]`). Plain text stays plain only where nothing in it is a flow indicator; block scalars become
/// double-quoted strings, since a flow collection cannot hold one.
pub(crate) fn flow_text(node: &Node) -> String {
    let with_props = |props: &Props, text: String| {
        let p = props_text(props);
        if p.is_empty() {
            text
        } else {
            format!("{p} {text}")
        }
    };
    match node {
        Node::Alias(name) => format!("*{name}"),
        Node::Scalar(s) => with_props(&s.props, flow_scalar(s)),
        Node::Sequence(q) => {
            with_props(&q.props, format!("[{}]", q.items.iter().map(flow_text).collect::<Vec<_>>().join(", ")))
        }
        Node::Mapping(m) => {
            let entries: Vec<String> =
                m.entries.iter().map(|(k, v)| format!("{}: {}", flow_key(k), flow_text(v))).collect();
            with_props(&m.props, format!("{{{}}}", entries.join(", ")))
        }
    }
}

/// A key in a flow mapping; an alias key takes a space before `:` (`*a :`) as in block style, and an empty
/// key is written `?` (`{? : v}`): libyaml and go-yaml v2 refuse a `:` with nothing before it (`{: v}`).
pub(crate) fn flow_key(k: &Node) -> String {
    match k {
        Node::Alias(name) => format!("*{name} "),
        _ => match flow_text(k) {
            text if text.is_empty() => "?".to_string(),
            text => text,
        },
    }
}

fn flow_scalar(s: &Scalar) -> String {
    let v = s.value.as_str();
    let flow_safe = !v.contains([',', '[', ']', '{', '}', ':', '#']);
    match s.style {
        ScalarStyle::Plain if v.is_empty() || (flow_safe && plain_text_stands(v)) => v.to_string(),
        ScalarStyle::Auto if flow_safe && plain_is_safe_string(v) => v.to_string(),
        ScalarStyle::DoubleQuoted | ScalarStyle::Literal | ScalarStyle::Folded => double_quoted(v),
        ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::Auto => quoted(v),
    }
}

/// True when `v` written plain in block context reads back as exactly `v` (for text that was read plain; its
/// type is whatever it was, since readers resolve plain text by its value alone).
///
/// Every scalar of the output goes through here: ASCII text is checked in one pass over its bytes, anything
/// else by [`plain_text_stands_general`] (the same rules, on characters).
fn plain_text_stands(v: &str) -> bool {
    let b = v.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    let mut prev = 0u8;
    for &c in b {
        match c {
            b'\t' | b' '..=b'~' => {}
            0x80.. => return plain_text_stands_general(v),
            // Other ASCII controls and DEL are not printable.
            _ => return false,
        }
        // `: `, `:\t`, ` #`, `\t#`
        if (matches!(c, b' ' | b'\t') && prev == b':') || (c == b'#' && matches!(prev, b' ' | b'\t')) {
            return false;
        }
        prev = c;
    }
    let blank = |i: usize| matches!(b.get(i), None | Some(b' ' | b'\t'));
    if matches!(first, b' ' | b'\t') || matches!(last, b' ' | b'\t' | b':') {
        return false;
    }
    // Indicators cannot start plain text, except `-`, `?` and `:` before a non-blank (`-x`, `:x`).
    let indicator_ok = matches!(first, b'-' | b'?' | b':') && !blank(1);
    let indicator = matches!(
        first,
        b'-' | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    );
    if indicator && !indicator_ok {
        return false;
    }
    let marker = (b.starts_with(b"---") || b.starts_with(b"...")) && blank(3);
    !marker
}

/// [`plain_text_stands`] for any text.
fn plain_text_stands_general(v: &str) -> bool {
    let Some(first) = v.chars().next() else {
        return false;
    };
    let second = v.chars().nth(1);
    let blank = |c: Option<char>| matches!(c, None | Some(' ' | '\t'));
    if v.starts_with([' ', '\t']) || v.ends_with([' ', '\t']) || v.ends_with(':') {
        return false;
    }
    if !v.chars().all(|c| c == '\t' || printable(c)) || v.contains(['\u{85}', '\u{2028}', '\u{2029}', '\u{FEFF}']) {
        return false;
    }
    // Indicators cannot start plain text, except `-`, `?` and `:` before a non-blank (`-x`, `:x`).
    let indicator_ok = "-?:".contains(first) && !blank(second);
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) && !indicator_ok {
        return false;
    }
    let marker = (v.starts_with("---") || v.starts_with("...")) && blank(v.chars().nth(3));
    !marker && !v.contains(": ") && !v.contains(":\t") && !v.contains(" #") && !v.contains("\t#")
}

/// YAML's printable characters, without line breaks and tab (those are escaped or need a block).
fn printable(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// Single quotes when every character is printable on one line, else double quotes with escapes.
fn quoted(v: &str) -> String {
    if v.chars().all(printable) {
        return format!("'{}'", v.replace('\'', "''"));
    }
    double_quoted(v)
}

/// Double quotes, with escapes for what cannot stand in them.
fn double_quoted(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) => out.push(c),
            // \uXXXX rather than YAML-only escapes (\N, \L, \P, \x): every reader knows it.
            c => out.push_str(&format!("\\u{:04X}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// A literal block for `v` when the notes' rules allow one: lines of printable text or tabs, no CR, U+0085,
/// U+2028, U+2029 or BOM, no whitespace-only line; multi-line unless `single_line_ok`.
fn literal_block(v: &str, single_line_ok: bool) -> Option<Rendered<'_>> {
    let body = v.trim_end_matches('\n');
    let trailing = v.len() - body.len();
    if body.is_empty() || !(single_line_ok || v.contains('\n')) {
        return None;
    }
    if !v.chars().all(|c| c == '\n' || c == '\t' || printable(c)) {
        return None;
    }
    if body.split('\n').any(|line| !line.is_empty() && line.trim_matches([' ', '\t']).is_empty()) {
        return None;
    }
    // The content's indentation is found from its first line; text starting with a blank needs it stated.
    let indicator = if body.starts_with([' ', '\t', '\n']) { "2" } else { "" };
    let chomp = match trailing {
        0 => "-",
        1 => "",
        _ => "+",
    };
    Some(Rendered::Literal { header: format!("|{indicator}{chomp}"), body, extra_newlines: trailing.saturating_sub(1) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_stream;

    fn round(input: &str) -> String {
        emit_stream(&parse_stream(input.as_bytes()).expect("parses"))
    }

    #[test]
    fn kyaml_layout() {
        let input = "spec:\n  containers:\n  - name: a\n    image: b\n    args: [x, 'y']\n  empty: {}\n  none: []\nl:\n- - a\n  - b\n- c\n";
        let want = "spec:\n  containers:\n  - name: a\n    image: b\n    args:\n    - x\n    - 'y'\n  empty: {}\n  none: []\nl:\n- - a\n  - b\n- c\n";
        assert_eq!(round(input), want);
    }

    #[test]
    fn scalars_keep_their_style() {
        assert_eq!(
            round("a: 0644\nb: \"0644\"\nc: 'on'\nd: \"tab\\there\"\ne: x\n  y\n"),
            "a: 0644\nb: \"0644\"\nc: 'on'\nd: \"tab\\there\"\ne: x y\n"
        );
        assert_eq!(
            round("a: |\n  x\n  y\nb: |2-\n   lead\nc: |+\n  keep\n\nd: >\n  f\n  g\n"),
            "a: |\n  x\n  y\nb: |2-\n   lead\nc: |+\n  keep\n\nd: |\n  f g\n"
        );
    }

    #[test]
    fn props_aliases_and_keys() {
        assert_eq!(
            round("base: &b {x: 1}\nm:\n  <<: *b\n  !!str 1: !local v\n  \"on\": &s !!str 2\n"),
            "base: &b\n  x: 1\nm:\n  <<: *b\n  !!str 1: !local v\n  \"on\": &s !!str 2\n"
        );
        assert_eq!(round("&a k: v\n? *a\n: 1\n? \"\"\n: 2\n?\n: 3\n"), "&a k: v\n*a : 1\n\"\": 2\n?\n: 3\n");
        assert_eq!(round("- &a\n  k: v\n- !!seq\n  - x\n"), "- &a\n  k: v\n- !!seq\n  - x\n");
        assert_eq!(tag_text("tag:example.com,2000:app/x"), "!<tag:example.com,2000:app/x>");
        assert_eq!(tag_text("!a!b c"), "!a%21b%20c");
    }

    /// What a fresh emitter writes for `node` at `indent`, where `how` starts.
    fn fresh(how: Start, key: Option<&Node>, node: &Node, indent: usize, layout: Layout) -> String {
        let mut e = Emitter::new(0);
        e.layout = layout;
        match how {
            Start::Item => e.item(node, indent),
            Start::Value => e.value(node, indent),
            Start::Entry => e.entry(key.expect("a key"), node, indent),
        }
        e.out
    }

    #[test]
    fn new_mappings_are_written_as_the_same_nodes_are() {
        // Strings plain, quoted and of several lines, empty mappings, integers, keys that must be quoted or
        // written `? key`, in both layouts; each item twice, so that kept spellings are used too.
        let long_key = "k".repeat(MAX_IMPLICIT_KEY + 1);
        let strings = ["plain", "yes", "", "a: b", "two\nlines", "é ünïcode: x", "-", "0644", "it's"];
        let keys = ["message", "on", "", "a key: with a colon", long_key.as_str(), "#k", "a key\nof two lines"];
        type Entry<'a> = (&'a str, Option<&'a str>, Option<i64>, bool);
        let items: Vec<Vec<Entry>> = (0..keys.len() * 2)
            .map(|i| {
                (0..4)
                    .map(|j| {
                        let n = i * 4 + j;
                        let key = keys[n % keys.len()];
                        match n % 4 {
                            0 | 1 => (key, Some(strings[n % strings.len()]), None, false),
                            2 => (key, None, Some([n as i64 - 9, i64::MIN, i64::MAX, 0][(n / 4 + i) % 4]), false),
                            _ => (key, None, None, n % 3 == 0),
                        }
                    })
                    .collect()
            })
            .chain([Vec::new()])
            .collect();
        let node = |entries: &[Entry]| {
            let mut m = Mapping::default();
            for &(key, string, integer, nested) in entries {
                let value = match (string, integer) {
                    (Some(s), _) => Node::string(s),
                    (_, Some(i)) => Node::Scalar(Scalar {
                        value: i.to_string().into(),
                        style: ScalarStyle::Plain,
                        props: Props::default(),
                    }),
                    _ if nested => {
                        let mut inner = Mapping::default();
                        inner.entries.push((Node::string("path"), Node::string("a/b.yaml")));
                        Node::Mapping(inner)
                    }
                    _ => Node::Mapping(Mapping::default()),
                };
                m.entries.push((Node::string(key), value));
            }
            Node::Mapping(m)
        };
        for layout in [Layout::default(), Layout { map: 4, seq: 2 }] {
            let mut reference = Emitter::new(0);
            reference.layout = layout;
            let list = Node::Sequence(Sequence {
                items: items.iter().chain(&items).map(|e| node(e)).collect(),
                props: Props::default(),
            });
            reference.entry(&Node::string("results"), &list, 2);
            let mut e = Emitter::new(0);
            e.layout = layout;
            let mut fill = |list: &mut NewList<'_>| {
                for entries in items.iter().chain(&items) {
                    list.item(|m| {
                        for &(key, string, integer, nested) in entries {
                            match (string, integer) {
                                (Some(s), _) => m.string(key, s),
                                (_, Some(i)) => m.integer(key, i),
                                _ if nested => m.mapping(key, |inner| inner.string("path", "a/b.yaml")),
                                _ => m.mapping(key, |_| {}),
                            }
                        }
                    });
                }
            };
            e.list_entry(&Node::string("results"), &mut fill, 2).expect("a plain key");
            assert_eq!(e.out, reference.out);
        }
        let mut e = Emitter::new(0);
        e.list_entry(&Node::string("results"), &mut |_| {}, 0).expect("a plain key");
        assert_eq!(e.out, "results: []\n");
    }

    #[test]
    fn a_kept_spelling_is_what_the_rules_write() {
        // Strings plain and quoted, as keys and values, some sharing a slot (same length and end bytes), some
        // not kept (multi-line, long, empty), each written several times and in turn with the others.
        let long = "x".repeat(Spellings::LONGEST + 1);
        let texts = ["name", "yes", "a: b", "it's", "-", "", "a1b", "a2b", "a\nb", "10m", "0644", "~", "é: x", &long];
        let strings: Vec<Node> = texts.iter().map(|t| Node::string(*t)).collect();
        let mut m = Mapping::default();
        for (i, k) in strings.iter().enumerate() {
            let v = &strings[(i * 5 + 3) % strings.len()];
            m.entries.push((k.clone(), v.clone()));
        }
        let list = Node::Sequence(Sequence { items: vec![Node::Mapping(m); 3], props: Props::default() });
        let mut kept = Emitter::new(0);
        let mut reference = Emitter::new(0);
        reference.spellings.off = true;
        for e in [&mut kept, &mut reference] {
            e.value(&list, 0);
            e.entry(&strings[0], &list, 0);
        }
        assert_eq!(kept.out, reference.out);
        assert!(kept.spellings.slots.iter().flatten().count() >= 8);
    }

    #[test]
    fn remembered_text_is_what_a_fresh_write_gives() {
        let docs = parse_stream(
            b"- name: fluent-bit\n  image: fluent/fluent-bit:3.1.9\n  args: ['-c', /etc/fb.conf]\n  env:\n  - {name: A, value: '1'}\n  script: |\n    line one\n    line two\n\
- name: fluent-bit\n  image: fluent/fluent-bit:3.1.9\n  args: ['-c', /etc/fb.conf]\n  env:\n  - {name: A, value: '2'}\n  script: |\n    line one\n    line two\n\
- name: fluent-bit\n  image: fluent/fluent-bit:3.1.9\n  args: ['-c', /etc/fb.conf]\n  env:\n  - {name: A, value: \"1\"}\n  script: |\n    line one\n    line two\n\
- name: fluent-bit\n  image: fluent/fluent-bit:3.1.9\n  args: ['-c', /etc/fb.conf]\n  env:\n  - {name: A, value: !x '1'}\n  script: |\n    line one\n    line two\n\
- a long annotation value, long enough to be remembered: {\"config\":\"d3ceae63680d0cea\"}\n",
        )
        .expect("parses");
        let items = &docs[0].root.as_sequence().expect("a list").items;
        let key = Node::string("sidecars");
        let other_key = Node::string("containers");
        // Equal nodes, nodes that differ only deep down (a value, its style, a tag), in each place, at two
        // indentations and in two layouts, in an order that makes each be looked up after the others were kept.
        let mut cases = Vec::new();
        for layout in [Layout::default(), Layout { map: 4, seq: 2 }] {
            for indent in [2, 6] {
                for how in [Start::Item, Start::Value, Start::Entry] {
                    for k in [&key, &other_key] {
                        for node in items.iter().chain(items.iter().rev()) {
                            cases.push((how, k, node, indent, layout));
                        }
                    }
                }
            }
        }
        let mut e = Emitter::new(0);
        for &(how, k, node, indent, layout) in &cases {
            e.layout = layout;
            let start = e.out.len();
            match how {
                Start::Item => e.new_item(node, indent),
                Start::Value => e.new_value(node, indent),
                Start::Entry => e.new_entry(k, node, indent),
            }
            let key = (how == Start::Entry).then_some(k);
            assert_eq!(&e.out[start..], fresh(how, key, node, indent, layout), "{node:?} at {indent}");
        }
        // More cases than the memo keeps: old ones were let go, and written again right; and some were hits
        // (each node comes again right after itself, in the reversed half).
        assert!(cases.len() > Memo::MOST && e.memo.kept.len() == Memo::MOST);
        assert!(e.memo.hits >= 16, "{} hits", e.memo.hits);
    }

    #[test]
    fn documents() {
        assert_eq!(round("a\n---\n--- |\n  x\n"), "a\n---\n---\n|\n  x\n");
        assert_eq!(
            round("%YAML 1.1\n---\na: 1\n...\n%YAML 1.1\n--- &r\nb: 2\n"),
            "%YAML 1.1\n---\na: 1\n...\n%YAML 1.1\n--- &r\nb: 2\n"
        );
        assert_eq!(round("&a\n"), "&a\n");
        assert_eq!(round(""), "");
    }

    #[test]
    fn plain_text_fast_path_agrees_with_the_rules() {
        // Every string of up to 4 characters over an alphabet of the characters the rules look at.
        let alphabet =
            [' ', '\t', ':', '#', '-', '.', '?', ',', '[', 'a', '0', '\'', '"', '\n', '\u{7f}', '\u{1}', 'é'];
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> =
                strings.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            for s in &longer {
                assert_eq!(plain_text_stands(s), plain_text_stands_general(s), "{s:?}");
            }
            strings = longer;
        }
        for s in ["--- x", "...", "a: b", "a :b", "a #b", "a#b", "http://x", "-x", "- x", "?x", ":x", "x:", "12:30"] {
            assert_eq!(plain_text_stands(s), plain_text_stands_general(s), "{s:?}");
        }
    }

    #[test]
    fn auto_strings() {
        let inline = |v: &str| match render(&Scalar::string(v), false) {
            Rendered::Inline(t) => t.into_owned(),
            Rendered::Literal { header, .. } => header,
        };
        assert_eq!(inline("nginx"), "nginx");
        assert_eq!(inline("on"), "'on'");
        assert_eq!(inline("it's"), "it's");
        assert_eq!(inline("'q"), "'''q'");
        assert_eq!(inline("\u{2028}"), "\"\\u2028\"");
        assert_eq!(inline("a\nb\n"), "|");
        assert_eq!(inline(" a\nb"), "|2-");
        assert_eq!(inline("a\n \nb"), "\"a\\n \\nb\"");
    }
}
#[cfg(test)]
mod estimate_tests {
    use super::*;
    use crate::parse_stream;

    #[test]
    fn the_reservation_fits_without_much_to_spare() {
        let item = "- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: web\n    labels: {app: web, tier: \"on\"}\n  spec:\n    template:\n      spec:\n        containers:\n        - name: app\n          image: nginx:1.27\n          args: [--port=8080, 'yes', \"12:30\"]\n          env:\n          - {name: A, value: '1'}\n          resources: {requests: {cpu: 100m}}\n          command:\n          - |\n            multi\n            line\n";
        let many = format!("items:\n{}", item.repeat(50));
        let empty = "a:\n  b:\n  - {}\n  - []\n  c:\n    d:\n    - {}\n    - &x {}\n";
        for input in ["a: b\n", "l:\n- - a\n  - b\n- c\n", "x: &a !!str 1\ny: *a\n", empty, item, &many] {
            let docs = parse_stream(input.as_bytes()).unwrap();
            let out = emit_stream(&docs);
            let reserved = reserve(&docs[0].root);
            assert!(reserved >= out.len(), "{reserved} < {} for {input}", out.len());
            assert!(reserved <= out.len() + out.len() / 5 + 100, "{reserved} for {} bytes: {input}", out.len());
        }
    }
}
