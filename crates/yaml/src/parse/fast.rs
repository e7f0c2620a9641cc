//! libyaml's events for the plain YAML most manifests are written in, without libyaml.
//!
//! libyaml decodes, checks and re-encodes every character, then scans it through a token queue: about 200
//! instructions per byte of a manifest, most of the cost of reading one. Almost every manifest is written in a
//! small part of YAML, one line at a time: block mappings and lists, plain and quoted scalars (over lines
//! too; escapes on one line), flow collections on one line, literal and folded block scalars, comments, `---`
//! between documents. This reader reads that part and gives exactly the events libyaml gives for it (values, styles,
//! places and marks). At the first line it cannot be sure of, it gives nothing more (`None`), and the caller
//! has libyaml read the stream from the start, skipping the events already given (see `Events` in the parent
//! module). What it reads is so a prefix of what libyaml reads; errors are always libyaml's, or the tree
//! builder's own on libyaml's marks.
//!
//! It gives up on: tabs and carriage returns, control and line-break characters outside ASCII, a byte order
//! mark past the start, directives, `...`, block scalars with an indentation indicator (`|2`), escapes in
//! double-quoted scalars over several lines, anchors, tags and aliases, complex keys (`?`), flow
//! collections over several lines or with implicit or empty entries, keys near libyaml's limit of 1,024
//! characters, and any line its indentation does not place (all of which libyaml either reads otherwise or
//! rejects).
use std::collections::VecDeque;

use super::{Event, Mark, Place};
use crate::{Props, Scalar, ScalarStyle, Text};

/// libyaml's limit on a simple key is 1,024 characters; anything near it is left to libyaml.
const LONGEST_KEY: usize = 1000;
/// Flow collections nested deeper than this on one line are left to libyaml.
const FLOW_DEPTH: usize = 32;
/// Events of one line (a flow collection's) beyond this are left to libyaml.
const MOST_QUEUED: usize = 4096;

pub(super) struct FastReader<'a> {
    src: &'a str,
    /// Where the next line starts.
    pos: usize,
    /// The 1-based number of the line at `pos`.
    line: usize,
    /// The line being read.
    cur: Line,
    /// The last offset a column was counted to on a line outside ASCII, and its count of characters.
    counted: (usize, usize),
    queue: VecDeque<(Event, Mark, Place)>,
    blocks: Vec<Block>,
    pending: Pending,
    /// Where an empty node for `pending` would stand: just past its indicator (`:` or `-`), as libyaml places it.
    pending_at: (usize, Mark),
    /// The last line ended with a plain scalar, which the next line may continue: its events wait for it.
    hold: bool,
    /// The blank lines, and whether a comment line, before the line being read.
    skipped: (usize, bool),
    /// The text of the held plain scalar, while lines continue it.
    folded: Option<String>,
    state: State,
}

#[derive(Clone, Copy, Default)]
struct Line {
    start: usize,
    /// At its line break, or the end of the input.
    end: usize,
    number: usize,
    ascii: bool,
}

/// An open block collection.
struct Block {
    mapping: bool,
    indent: usize,
    /// A list whose `-` stand at its parent mapping's indentation (`key:\n- a`).
    indentless: bool,
}

/// What the last indicator of a line still waits for: a node on a later line (or an empty scalar).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pending {
    Nothing,
    /// The document's root.
    Root,
    /// The value of the innermost block mapping's last key.
    MappingValue,
    /// The innermost block list's last item.
    ListItem,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    BeforeDocument,
    InDocument,
    Ended,
}

/// Gives up on the stream: libyaml reads it.
type Sure<T> = Option<T>;

impl<'a> FastReader<'a> {
    /// A reader for `input` (without a byte order mark), if it is UTF-8.
    pub(super) fn new(input: &'a [u8]) -> Option<FastReader<'a>> {
        let src = std::str::from_utf8(input).ok()?;
        Some(FastReader {
            src,
            pos: 0,
            line: 1,
            cur: Line::default(),
            counted: (0, 0),
            queue: VecDeque::new(),
            blocks: Vec::new(),
            pending: Pending::Nothing,
            pending_at: (0, Mark { line: 1, column: 1 }),
            hold: false,
            skipped: (0, false),
            folded: None,
            state: State::Start,
        })
    }

    /// The next event, or `None` from the first one this reader cannot be sure of.
    pub(super) fn next(&mut self) -> Option<(Event, Mark, Place)> {
        loop {
            if !self.hold {
                if let Some(e) = self.queue.pop_front() {
                    return Some(e);
                }
            }
            match self.state {
                State::Start => {
                    self.queue.push_back((Event::StreamStart, Mark { line: 1, column: 1 }, Place { start: 0, end: 0 }));
                    self.state = State::BeforeDocument;
                }
                State::Ended => return None,
                State::BeforeDocument | State::InDocument => {
                    if self.step().is_none() {
                        self.queue.clear();
                        self.state = State::Ended;
                        return None;
                    }
                }
            }
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn at(&self, i: usize) -> u8 {
        if i < self.cur.end {
            self.bytes()[i]
        } else {
            b'\n'
        }
    }

    fn blank_or_end(&self, i: usize) -> bool {
        i >= self.cur.end || self.bytes()[i] == b' '
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        while i < self.cur.end && self.bytes()[i] == b' ' {
            i += 1;
        }
        i
    }

    fn mark(&mut self, at: usize) -> Mark {
        let line = self.cur;
        if at < line.start {
            // Not on this line: only the end of the stream, placed by `end_of_stream` itself.
            return Mark { line: line.number, column: 1 };
        }
        let column = if line.ascii {
            at - line.start
        } else {
            // Characters counted on from the last mark of the line (marks come in order), so that a long line
            // outside ASCII costs one pass, not one per event.
            let (from, count) =
                if self.counted.0 >= line.start && self.counted.0 <= at { self.counted } else { (line.start, 0) };
            let count = count + self.bytes()[from..at].iter().filter(|b| (**b & 0xC0) != 0x80).count();
            self.counted = (at, count);
            count
        };
        Mark { line: line.number, column: column + 1 }
    }

    fn push(&mut self, event: Event, start: usize, end: usize) {
        let mark = self.mark(start);
        self.queue.push_back((event, mark, Place { start, end }));
    }

    /// Whether a line has given so many events that they are better left to libyaml, which holds only a few at
    /// a time (a flow list of a million entries on one line).
    fn crowded(&self) -> bool {
        self.queue.len() > MOST_QUEUED
    }

    /// Reads the next line with content into events.
    fn step(&mut self) -> Sure<()> {
        if !self.next_content_line()? {
            self.hold = false;
            self.release_fold();
            return self.end_of_stream();
        }
        let line = self.cur;
        let col = self.skip_spaces(line.start) - line.start;
        if std::mem::take(&mut self.hold) && self.blocks.last().is_some_and(|top| col > top.indent) {
            return self.continue_plain(line.start + col);
        }
        self.release_fold();
        let p = line.start + col;
        let b = self.bytes();
        if col == 0
            && (b[p..line.end].starts_with(b"---") || b[p..line.end].starts_with(b"..."))
            && self.blank_or_end(p + 3)
        {
            let rest = self.skip_spaces(p + 3);
            if b[p] == b'.' || (rest < line.end && b[rest] != b'#') {
                return None;
            }
            if self.state == State::InDocument {
                // `---` ends the document before it: what waits for a value gets an empty one, every block
                // ends, and the document ends, all where the `---` is.
                if self.pending == Pending::Root {
                    self.pending_at = (p, self.mark(p));
                }
                if self.pending != Pending::Nothing {
                    self.empty_scalar();
                }
                while let Some(top) = self.blocks.pop() {
                    let event = if top.mapping { Event::MappingEnd } else { Event::SequenceEnd };
                    self.push(event, p, p);
                }
                self.push(Event::DocumentEnd, p, p);
            }
            self.push(Event::DocumentStart { version: None }, p, p + 3);
            self.state = State::InDocument;
            self.pending = Pending::Root;
            return Some(());
        }
        if self.state == State::BeforeDocument {
            self.push(Event::DocumentStart { version: None }, p, p);
            self.state = State::InDocument;
            self.pending = Pending::Root;
        }
        let entry = b[p] == b'-' && self.blank_or_end(p + 1);
        let pending = std::mem::replace(&mut self.pending, Pending::Nothing);
        let parent = self.blocks.last().map_or(0, |block| block.indent);
        match pending {
            Pending::Nothing => {}
            Pending::Root => self.open(entry, col, p, false),
            Pending::MappingValue if entry && col == parent => self.open(true, col, p, true),
            Pending::MappingValue | Pending::ListItem if col > parent => self.open(entry, col, p, false),
            Pending::MappingValue | Pending::ListItem => self.empty_scalar(),
        }
        while let Some(top) = self.blocks.last() {
            if top.indent > col || (top.indentless && top.indent == col && !entry) {
                let event = if top.mapping { Event::MappingEnd } else { Event::SequenceEnd };
                self.blocks.pop();
                self.push(event, p, p);
            } else {
                break;
            }
        }
        let top = self.blocks.last()?;
        if top.indent != col || top.mapping == entry {
            return None;
        }
        if entry {
            self.list_item(p)
        } else {
            self.mapping_entry(p)
        }
    }

    /// Moves to the next line that is neither blank nor only a comment: `false` at the end of the input.
    fn next_content_line(&mut self) -> Sure<bool> {
        self.skipped = (0, false);
        while self.next_line()? {
            let (start, i) = (self.cur.start, self.cur.end);
            let b = self.bytes();
            let first = self.skip_spaces(start);
            if first < i && b[first] != b'#' {
                return Some(true);
            }
            // What a held plain scalar needs to know of the lines between it and the next.
            if first < i {
                self.skipped.1 = true;
            } else {
                self.skipped.0 += 1;
            }
        }
        Some(false)
    }

    /// Moves to the next line, whatever it holds: `false` at the end of the input.
    fn next_line(&mut self) -> Sure<bool> {
        let b = self.bytes();
        if self.pos < b.len() {
            let start = self.pos;
            let mut ascii = true;
            let mut i = start;
            while i < b.len() && b[i] != b'\n' {
                let c = b[i];
                if (0x20..0x7F).contains(&c) {
                    i += 1;
                } else if c >= 0x80 {
                    let ch = self.src.get(i..)?.chars().next()?;
                    if !allowed(ch) {
                        return None;
                    }
                    ascii = false;
                    i += ch.len_utf8();
                } else {
                    // Tabs, carriage returns and control characters.
                    return None;
                }
            }
            self.cur = Line { start, end: i, number: self.line, ascii };
            self.pos = if i < b.len() { i + 1 } else { i };
            self.line += 1;
            return Some(true);
        }
        Some(false)
    }

    /// Folds a line that continues the plain scalar ending the last line (libyaml's `scan_plain_scalar`):
    /// after a space, or after a line break for every blank line between. Gives up on a comment line between
    /// (the scalar ends there, and libyaml rejects the line) and on `: ` in the line (a key over lines).
    fn continue_plain(&mut self, p: usize) -> Sure<()> {
        let (blank_lines, comment) = self.skipped;
        if comment {
            return None;
        }
        let s = self.plain(p, false)?;
        if s.stop < self.cur.end && self.at(s.stop) == b':' {
            return None;
        }
        let Some((Event::Scalar(held), _, place)) = self.queue.back_mut() else { return None };
        // The text grows in `folded` until the scalar ends: a scalar of many lines is copied once, not per line.
        let value = self.folded.get_or_insert_with(|| std::mem::take(&mut held.value).into());
        if blank_lines == 0 {
            value.push(' ');
        }
        value.extend(std::iter::repeat_n('\n', blank_lines));
        value.push_str(&s.scalar.value);
        place.end = s.end;
        // A comment after it ends the scalar; otherwise the next line may continue it too.
        self.hold = s.stop >= self.cur.end;
        if !self.hold {
            self.release_fold();
        }
        Some(())
    }

    /// Gives the held scalar its folded text, once it has ended.
    fn release_fold(&mut self) {
        if let Some(text) = self.folded.take() {
            if let Some((Event::Scalar(held), ..)) = self.queue.back_mut() {
                held.value = Text::from(text);
            }
        }
    }

    fn end_of_stream(&mut self) -> Sure<()> {
        let b = self.bytes();
        let n = b.len();
        // libyaml ends at the end of the input: first the blocks deeper than the column there, then (on the
        // line after) the rest.
        let last_line = b.iter().rposition(|c| *c == b'\n').map_or(0, |i| i + 1);
        let column = b[last_line..].iter().filter(|c| (**c & 0xC0) != 0x80).count();
        self.cur = Line { start: n, end: n, number: self.line, ascii: true };
        if self.state == State::InDocument {
            if self.pending == Pending::Root {
                self.pending_at = (n, self.mark(n));
            }
            if self.pending != Pending::Nothing {
                self.empty_scalar();
            }
            let at_end = Mark { line: self.line - 1, column: column + 1 };
            while let Some(top) = self.blocks.pop() {
                let event = if top.mapping { Event::MappingEnd } else { Event::SequenceEnd };
                let mark = if column > 0 && top.indent > column { at_end } else { self.mark(n) };
                self.queue.push_back((event, mark, Place { start: n, end: n }));
            }
            self.push(Event::DocumentEnd, n, n);
        }
        self.push(Event::StreamEnd, n, n);
        self.state = State::Ended;
        Some(())
    }

    fn open(&mut self, list: bool, col: usize, p: usize, indentless: bool) {
        let event = if list {
            Event::SequenceStart(Props::default(), false)
        } else {
            Event::MappingStart(Props::default(), false)
        };
        // libyaml starts an indentless list at its first `-` (the entry token, one byte long) and any other
        // block collection where its first token is, taking no room.
        self.push(event, p, if indentless { p + 1 } else { p });
        self.blocks.push(Block { mapping: !list, indent: col, indentless });
    }

    fn empty_scalar(&mut self) {
        let scalar = Scalar { value: Text::default(), style: ScalarStyle::Plain, props: Props::default() };
        let (at, mark) = self.pending_at;
        self.queue.push_back((Event::Scalar(scalar), mark, Place { start: at, end: at }));
    }

    /// `key: value` starting at `p`, in the innermost block mapping.
    fn mapping_entry(&mut self, p: usize) -> Sure<()> {
        let key = self.scalar(p, false)?;
        if key.end != key.stop
            || self.at(key.stop) != b':'
            || !self.blank_or_end(key.stop + 1)
            || key.end - p > LONGEST_KEY
        {
            return None;
        }
        self.push(Event::Scalar(key.scalar), p, key.end);
        let v = self.skip_spaces(key.stop + 1);
        self.value(v, Pending::MappingValue, key.stop + 1)
    }

    /// `- item` with its `-` at `p`, in the innermost block list.
    fn list_item(&mut self, p: usize) -> Sure<()> {
        let v = self.skip_spaces(p + 1);
        if v < self.cur.end && !matches!(self.bytes()[v], b'#' | b'[' | b'{' | b'|' | b'>') {
            // `- key: value` opens a mapping at the key. (No scalar ends on the line: a quoted one over lines,
            // or something `value` gives up on.)
            if let Some(first) = self.scalar(v, false) {
                if first.end == first.stop && self.at(first.stop) == b':' && self.blank_or_end(first.stop + 1) {
                    self.open(false, v - self.cur.start, v, false);
                    return self.mapping_entry(v);
                }
            }
        }
        self.value(v, Pending::ListItem, p + 1)
    }

    /// The rest of a line from `v`, after `key:` or `-` (ending at `indicated`) and their blanks.
    fn value(&mut self, v: usize, pending: Pending, indicated: usize) -> Sure<()> {
        if v >= self.cur.end || self.bytes()[v] == b'#' {
            self.pending = pending;
            self.pending_at = (indicated, self.mark(indicated));
            return Some(());
        }
        let after = match self.bytes()[v] {
            b'|' | b'>' => return self.block_scalar(v),
            b'[' | b'{' => self.flow(v, 1)?,
            b'"' | b'\'' if self.scalar(v, false).is_none() => self.quoted_lines(v)?,
            _ => {
                let s = self.scalar(v, false)?;
                if self.at(s.stop) == b':' {
                    return None;
                }
                // Plain text the next line may continue (not after a comment, which ends it).
                self.hold = s.scalar.style == ScalarStyle::Plain && s.stop >= self.cur.end;
                self.push(Event::Scalar(s.scalar), v, s.end);
                s.end
            }
        };
        let rest = self.skip_spaces(after);
        if rest < self.cur.end && (self.bytes()[rest] != b'#' || rest == after) {
            return None;
        }
        Some(())
    }

    /// A quoted scalar at `v` that does not close on its line: its lines are read and folded as libyaml's
    /// `scan_flow_scalar` folds them (blanks around a line break dropped, the break a space, or a line break for
    /// every empty line after it). Returns the offset past the closing quote, on the line now being read.
    fn quoted_lines(&mut self, v: usize) -> Sure<usize> {
        let b = self.bytes();
        let quote = b[v];
        let mark = self.mark(v);
        // The part of a line up to the closing quote (with its offset), or all of it; `None`: left to libyaml.
        let part = |from: usize, end: usize| -> Sure<(usize, Option<usize>)> {
            let mut i = from;
            while i < end {
                match b[i] {
                    b'\\' if quote == b'"' => return None,
                    b'\'' if quote == b'\'' && i + 1 < end && b[i + 1] == b'\'' => i += 2,
                    c if c == quote => return Some((i, Some(i))),
                    _ => i += 1,
                }
            }
            Some((end, None))
        };
        let unquote = |text: &str| if quote == b'\'' { text.replace("''", "'") } else { text.to_string() };
        let (first_end, closed) = part(v + 1, self.cur.end)?;
        debug_assert!(closed.is_none(), "a scalar closing on its line is read by `scalar`");
        let mut text = unquote(self.src.get(v + 1..first_end)?.trim_end_matches(' '));
        let mut breaks = 0;
        loop {
            if !self.next_line()? {
                return None;
            }
            let line = self.cur;
            let first = self.skip_spaces(line.start);
            let content = &b[first..line.end];
            if first == line.start && (content.starts_with(b"---") || content.starts_with(b"...")) {
                return None;
            }
            if first == line.end {
                breaks += 1;
                continue;
            }
            if breaks == 0 {
                text.push(' ');
            }
            text.extend(std::iter::repeat_n('\n', breaks));
            breaks = 0;
            let (end, closed) = part(first, line.end)?;
            let piece = self.src.get(first..end)?;
            match closed {
                Some(close) => {
                    text.push_str(&unquote(piece));
                    let style = if quote == b'"' { ScalarStyle::DoubleQuoted } else { ScalarStyle::SingleQuoted };
                    let scalar = Scalar { value: Text::from(text), style, props: Props::default() };
                    self.queue.push_back((Event::Scalar(scalar), mark, Place { start: v, end: close + 1 }));
                    return Some(close + 1);
                }
                None => text.push_str(&unquote(piece.trim_end_matches(' '))),
            }
        }
    }

    /// A literal or folded block scalar whose header (`|` or `>`, then an optional chomping indicator) is at `v`:
    /// its lines are read here, as libyaml's `scan_block_scalar` reads them, and the next line read is the first
    /// one after it.
    fn block_scalar(&mut self, v: usize) -> Sure<()> {
        let b = self.bytes();
        let n = b.len();
        let literal = b[v] == b'|';
        let mut i = v + 1;
        let chomp = match self.at(i) {
            b'-' => -1,
            b'+' => 1,
            _ => 0,
        };
        if chomp != 0 {
            i += 1;
        }
        // An indentation indicator, or anything but a comment after the header, is left to libyaml.
        let rest = self.skip_spaces(i);
        if self.at(i).is_ascii_digit() || (rest < self.cur.end && (b[rest] != b'#' || rest == i)) {
            return None;
        }
        // libyaml's indentation for the content: at least one more than the enclosing block's.
        let least = self.blocks.last().map_or(1, |top| top.indent + 1);
        let (mut pos, mut line) = (self.pos, self.line);
        let mut indent = 0;
        let mut text = String::new();
        let (mut leading_break, mut leading_blank, mut trailing) = (false, false, 0usize);
        loop {
            // Indentation and empty lines (libyaml's `scan_block_scalar_breaks`).
            let mut widest = 0;
            let col = loop {
                let mut col = 0;
                while pos + col < n && (indent == 0 || col < indent) && b[pos + col] == b' ' {
                    col += 1;
                }
                widest = widest.max(col);
                match b.get(pos + col) {
                    Some(b'\n') => {
                        trailing += 1;
                        pos += col + 1;
                        line += 1;
                    }
                    // Where the scalar may end, the line must be one this reader reads: no tab in the
                    // indentation, no carriage return or other line break libyaml would see.
                    Some(&c) if c < 0x20 || c == 0x7F => return None,
                    Some(&c) if c >= 0x80 && !allowed(self.src.get(pos + col..)?.chars().next()?) => return None,
                    _ => break col,
                }
            };
            if indent == 0 {
                indent = widest.max(least);
            }
            if col != indent || pos + col >= n {
                break;
            }
            // A line of content.
            let start = pos + col;
            let mut end = start;
            while end < n && b[end] != b'\n' {
                let c = b[end];
                if c == b'\t' || (0x20..0x7F).contains(&c) {
                    end += 1;
                } else if c >= 0x80 {
                    let ch = self.src.get(end..)?.chars().next()?;
                    if !allowed(ch) {
                        return None;
                    }
                    end += ch.len_utf8();
                } else {
                    return None;
                }
            }
            let blank = matches!(b[start], b' ' | b'\t');
            if !literal && leading_break && !leading_blank && !blank {
                if trailing == 0 {
                    text.push(' ');
                }
            } else if leading_break {
                text.push('\n');
            }
            text.extend(std::iter::repeat_n('\n', trailing));
            trailing = 0;
            leading_blank = blank;
            text.push_str(self.src.get(start..end)?);
            leading_break = end < n;
            pos = if end < n { end + 1 } else { n };
            // (At the end of the input the count moves past the last line too, as `next_content_line` does.)
            line += 1;
        }
        if chomp != -1 && leading_break {
            text.push('\n');
        }
        if chomp == 1 {
            text.extend(std::iter::repeat_n('\n', trailing));
        }
        let style = if literal { ScalarStyle::Literal } else { ScalarStyle::Folded };
        self.push(Event::Scalar(Scalar { value: Text::from(text), style, props: Props::default() }), v, pos);
        (self.pos, self.line) = (pos, line);
        Some(())
    }

    /// A plain or quoted scalar starting at `v`; in a flow collection when `flow`.
    fn scalar(&self, v: usize, flow: bool) -> Sure<Token> {
        let b = self.bytes();
        match self.at(v) {
            quote @ (b'"' | b'\'') => {
                let mut i = v + 1;
                let (mut doubled, mut escaped) = (false, false);
                loop {
                    if i >= self.cur.end {
                        return None;
                    }
                    match b[i] {
                        // An escape at the end of the line joins the next: left to `quoted_lines` (which gives up).
                        b'\\' if quote == b'"' && i + 1 >= self.cur.end => return None,
                        b'\\' if quote == b'"' => {
                            escaped = true;
                            i += 2;
                        }
                        b'\'' if quote == b'\'' && self.at(i + 1) == b'\'' => {
                            doubled = true;
                            i += 2;
                        }
                        c if c == quote => break,
                        _ => i += 1,
                    }
                }
                let text = self.src.get(v + 1..i)?;
                let value = if doubled {
                    Text::from(text.replace("''", "'"))
                } else if escaped {
                    Text::from(unescape(text)?)
                } else {
                    Text::new(text)
                };
                let style = if quote == b'"' { ScalarStyle::DoubleQuoted } else { ScalarStyle::SingleQuoted };
                Some(Token { scalar: Scalar { value, style, props: Props::default() }, end: i + 1, stop: i + 1 })
            }
            b'-' if self.blank_or_end(v + 1) => None,
            b'-' => self.plain(v, flow),
            b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@'
            | b'`' | b' ' | b'\n' => None,
            _ => self.plain(v, flow),
        }
    }

    /// A plain scalar from `v` to before `: `, ` #`, the end of the line, or in a flow collection `,[]{}`.
    fn plain(&self, v: usize, flow: bool) -> Sure<Token> {
        let b = self.bytes();
        let mut i = v;
        let mut end = v;
        while i < self.cur.end {
            match b[i] {
                b' ' => {
                    i += 1;
                    continue;
                }
                b'#' if i > v && b[i - 1] == b' ' => break,
                b':' if self.blank_or_end(i + 1) => break,
                // In a flow collection `a:b` is text (`127.0.0.1:80`), and libyaml rejects a `:` before a flow
                // indicator.
                b':' if flow && matches!(self.at(i + 1), b',' | b'?' | b'[' | b']' | b'{' | b'}') => return None,
                b',' | b'[' | b']' | b'{' | b'}' if flow => break,
                _ => {}
            }
            i += 1;
            end = i;
        }
        let value = Text::new(self.src.get(v..end)?);
        Some(Token { scalar: Scalar { value, style: ScalarStyle::Plain, props: Props::default() }, end, stop: i })
    }

    /// A flow collection opening at `v` and closing on the same line: the offset past its end.
    fn flow(&mut self, v: usize, depth: usize) -> Sure<usize> {
        if depth > FLOW_DEPTH {
            return None;
        }
        let list = self.bytes()[v] == b'[';
        let (start, close) = if list {
            (Event::SequenceStart(Props::default(), true), b']')
        } else {
            (Event::MappingStart(Props::default(), true), b'}')
        };
        self.push(start, v, v + 1);
        let mut i = self.skip_spaces(v + 1);
        if self.at(i) != close {
            loop {
                if !list {
                    let key = self.scalar(i, true)?;
                    if key.end != key.stop || self.at(key.stop) != b':' || !self.blank_or_end(key.stop + 1) {
                        return None;
                    }
                    self.push(Event::Scalar(key.scalar), i, key.end);
                    i = self.skip_spaces(key.stop + 1);
                }
                i = self.flow_node(i, depth)?;
                if self.crowded() {
                    return None;
                }
                i = self.skip_spaces(i);
                match self.at(i) {
                    b',' => {
                        i = self.skip_spaces(i + 1);
                        if self.at(i) == close {
                            return None;
                        }
                    }
                    c if c == close => break,
                    _ => return None,
                }
            }
        }
        let end = if list { Event::SequenceEnd } else { Event::MappingEnd };
        self.push(end, i, i + 1);
        Some(i + 1)
    }

    /// An entry's node in a flow collection at `i`: the offset where it stops.
    fn flow_node(&mut self, i: usize, depth: usize) -> Sure<usize> {
        match self.at(i) {
            b'[' | b'{' => self.flow(i, depth + 1),
            _ => {
                let s = self.scalar(i, true)?;
                self.push(Event::Scalar(s.scalar), i, s.end);
                Some(s.stop)
            }
        }
    }
}

/// The text of a double-quoted scalar with its escapes read as libyaml reads them (`scan_flow_scalar`); `None`
/// for an escape libyaml rejects, which it then reports.
fn unescape(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let hex = |chars: &mut std::str::Chars, digits: usize| {
            let code = chars.by_ref().take(digits).collect::<String>();
            if code.len() != digits || !code.bytes().all(|d| d.is_ascii_hexdigit()) {
                return None;
            }
            let value = u32::from_str_radix(&code, 16).ok()?;
            char::from_u32(value)
        };
        out.push(match chars.next()? {
            '0' => '\0',
            'a' => '\x07',
            'b' => '\x08',
            't' => '\t',
            'n' => '\n',
            'v' => '\x0B',
            'f' => '\x0C',
            'r' => '\r',
            'e' => '\x1B',
            ' ' => ' ',
            '"' => '"',
            '/' => '/',
            '\\' => '\\',
            'N' => '\u{85}',
            '_' => '\u{A0}',
            'L' => '\u{2028}',
            'P' => '\u{2029}',
            'x' => hex(&mut chars, 2)?,
            'u' => hex(&mut chars, 4)?,
            'U' => hex(&mut chars, 8)?,
            _ => return None,
        });
    }
    Some(out)
}

/// A scalar read, where its text ends, and where reading stopped (past the blanks after a plain scalar).
struct Token {
    scalar: Scalar,
    end: usize,
    stop: usize,
}

/// A character outside ASCII that libyaml reads as any other: not a control, a line break (NEL, LS, PS), a
/// byte order mark (skipped at a line's start), or a non-character libyaml refuses.
fn allowed(ch: char) -> bool {
    let c = ch as u32;
    c >= 0xA0 && !matches!(c, 0x2028 | 0x2029 | 0xFEFF | 0xFFFE | 0xFFFF)
}
