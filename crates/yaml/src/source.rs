//! Reading the source text around a node: where its comment lines start, where its line ends, whether a node
//! is still what was read. Shared by the parser (which records origins) and the emitter (which copies them).
//!
//! Every function takes byte offsets into the source and stays within it; none assumes more than that the
//! offsets came from libyaml's marks for this text.
use super::{Mapping, Node, Origin, Props, Scalar, ScalarStyle, Sequence};

/// How many bytes of line break end just before `i`: libyaml breaks lines at `\n`, `\r\n`, `\r` and (YAML
/// 1.1) U+0085, U+2028 and U+2029, and counts columns from there.
pub(crate) fn break_before(src: &[u8], i: usize) -> usize {
    match src[..i] {
        [.., b'\r', b'\n'] => 2,
        [.., b'\n' | b'\r'] => 1,
        [.., 0xC2, 0x85] => 2,
        [.., 0xE2, 0x80, 0xA8 | 0xA9] => 3,
        _ => 0,
    }
}

/// How many bytes of line break start at `i` (see [`break_before`]).
pub(crate) fn break_at(src: &[u8], i: usize) -> usize {
    match src[i.min(src.len())..] {
        [b'\r', b'\n', ..] => 2,
        [b'\n' | b'\r', ..] => 1,
        [0xC2, 0x85, ..] => 2,
        [0xE2, 0x80, 0xA8 | 0xA9, ..] => 3,
        _ => 0,
    }
}

/// Past the blanks, line breaks and comments from `i` (not past `end`).
pub(crate) fn skip_trivia(src: &[u8], mut i: usize, end: usize) -> usize {
    while i < end {
        match src[i] {
            b' ' | b'\t' => i += 1,
            b'#' => {
                while i < end && break_at(src, i) == 0 {
                    i += 1;
                }
            }
            _ => match break_at(src, i) {
                0 => break,
                n => i += n,
            },
        }
    }
    i.min(end)
}

/// Whether `text` holds a line break.
pub(crate) fn has_break(text: &[u8]) -> bool {
    // Every line break holds one of these bytes (most text has none, and is looked at one byte at a time).
    text.iter().any(|&b| matches!(b, b'\n' | b'\r' | 0xC2 | 0xE2)) && (0..text.len()).any(|i| break_at(text, i) > 0)
}

/// The offset of the first byte of the line holding `pos` (on the first line, past a byte order mark).
pub(crate) fn line_start(src: &[u8], pos: usize) -> usize {
    let mut i = pos;
    // The last byte of any line break is one of these; most text has only `\n`.
    while let Some(j) = src[..i].iter().rposition(|&b| matches!(b, b'\n' | b'\r' | 0x85 | 0xA8 | 0xA9)) {
        if break_before(src, j + 1) > 0 {
            return j + 1;
        }
        i = j;
    }
    if pos >= 3 && src.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    }
}

fn blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Where the comment lines and blank lines right above `pos` start, when only indentation precedes `pos` on
/// its line; `pos` otherwise. Lines before `bound` (the end of what came before the node) are not looked at:
/// the last lines of a block scalar may look like comments.
pub(crate) fn lead_above(src: &[u8], pos: usize, bound: usize) -> usize {
    let ls = line_start(src, pos);
    if ls < bound || !src[ls..pos].iter().all(|&b| blank(b)) {
        return pos;
    }
    let mut lead = ls;
    while lead > 0 && lead > bound {
        let line_end = lead - break_before(src, lead).max(1);
        let prev = line_start(src, line_end);
        if prev < bound {
            break;
        }
        let line = &src[prev..line_end];
        let text = line.iter().position(|&b| !blank(b) && b != b'\r').map(|i| &line[i..]);
        match text {
            None => lead = prev,
            Some(t) if t[0] == b'#' => lead = prev,
            Some(_) => break,
        }
    }
    lead
}

/// The `-` of a block list item that starts at `start`: the indicator found going back over blanks, or, when
/// the item starts a line, the `-` that begins an earlier line holding nothing else but a comment (`- # note`),
/// over comment lines and blank lines. Not before `bound`.
pub(crate) fn find_dash(src: &[u8], start: usize, bound: usize) -> Option<usize> {
    let mut i = start;
    while i > bound && blank(src[i - 1]) {
        i -= 1;
    }
    if i > bound && src[i - 1] == b'-' {
        return Some(i - 1);
    }
    if i > 0 && break_before(src, i) == 0 {
        return None;
    }
    // Lines above, nearest first.
    let mut end = i;
    while end > bound && end > 0 {
        let line_end = end - break_before(src, end).max(1);
        let ls = line_start(src, line_end);
        if ls < bound {
            return None;
        }
        let line = &src[ls..line_end];
        let indent = line.iter().take_while(|&&b| blank(b)).count();
        let text = &line[indent..];
        match text.first() {
            Some(b'-') if text.get(1).is_none_or(|&b| blank(b) || b == b'\r') => return Some(ls + indent),
            None | Some(b'#' | b'\r') => end = ls,
            Some(_) => return None,
        }
    }
    None
}

/// Just past the `:`, `-` or `?` that introduces an empty node which libyaml places at the next token: the
/// first indicator after `from`, over blanks, line breaks and comments, if it comes before `limit`.
pub(crate) fn after_indicator(src: &[u8], from: usize, limit: usize) -> usize {
    let i = skip_trivia(src, from, limit);
    match src.get(i) {
        Some(b':' | b'-' | b'?') if i < limit => i + 1,
        _ => limit,
    }
}

/// The end of the rest of `end`'s line when that is only blanks and a comment: past its line break (or at the
/// end of the text). `end` itself when something else follows on the line, or when `end` starts a line (a
/// block scalar ends past its line breaks).
pub(crate) fn trailer_end(src: &[u8], end: usize) -> usize {
    if end == 0 || end >= src.len() || break_before(src, end) > 0 {
        return end.min(src.len());
    }
    let mut i = end;
    while i < src.len() && blank(src[i]) {
        i += 1;
    }
    if i < src.len() && src[i] == b'#' {
        while i < src.len() && break_at(src, i) == 0 {
            i += 1;
        }
    }
    match break_at(src, i) {
        0 if i >= src.len() => i,
        0 => end,
        n => i + n,
    }
}

/// Where a collection's first entry starts, past the properties (`&a !!map`) written before it.
pub(crate) fn content_start(src: &[u8], start: usize, props: &Props, end: usize) -> usize {
    if props.is_empty() {
        return start;
    }
    let mut i = start;
    loop {
        i = skip_trivia(src, i, end);
        match src.get(i) {
            Some(b'&' | b'!') => {
                while i < end && !matches!(src[i], b' ' | b'\t' | b'\n' | b'\r') {
                    i += 1;
                }
            }
            _ => return i.min(end),
        }
    }
}

/// The column (in bytes, which is characters for the blanks that indent YAML) of `pos`.
pub(crate) fn column(src: &[u8], pos: usize) -> usize {
    pos - line_start(src, pos)
}

/// The column of `pos` as the spaces that indent what is written at it, when what precedes it on its line is
/// ASCII (indentation, `- `, `? `); `None` otherwise: a byte order mark at a line's start (YAML lets one start
/// any document) is three bytes that readers do not count as indentation.
pub(crate) fn indent_column(src: &[u8], pos: usize) -> Option<usize> {
    let ls = line_start(src, pos);
    src[ls..pos].is_ascii().then_some(pos - ls)
}

/// A fast 64-bit hash (multiply-rotate over words), folded to 32 bits for the origin's check. Not keyed: it
/// guards against the function's own edits, not against crafted input, and a collision can only make an
/// edited node look unedited when its children's offsets hash the same, which an edit does not choose.
struct Check(u64);

impl Check {
    const K: u64 = 0x517c_c1b7_2722_0a95;

    fn word(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(Self::K);
    }

    fn bytes(&mut self, b: &[u8]) {
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            self.word(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let mut last = [0u8; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.word(u64::from_le_bytes(last));
        self.word(b.len() as u64);
    }

    fn props(&mut self, p: &Props) {
        for part in [&p.anchor, &p.tag] {
            match part {
                Some(s) => self.bytes(s.as_bytes()),
                None => self.word(u64::MAX),
            }
        }
    }

    fn done(self) -> u32 {
        // Never 0, which marks a scalar whose text is its value.
        ((self.0 >> 32) as u32 ^ self.0 as u32) | 1
    }
}

fn style_code(s: ScalarStyle) -> u64 {
    match s {
        ScalarStyle::Plain => 1,
        ScalarStyle::SingleQuoted => 2,
        ScalarStyle::DoubleQuoted => 3,
        ScalarStyle::Literal => 4,
        ScalarStyle::Folded => 5,
        ScalarStyle::Auto => 6,
    }
}

/// The check a scalar read as `text` gets: 0 when `text` is its value (plain, no properties: compared as text
/// when written), a hash of what it is and of `text` otherwise.
pub(crate) fn scalar_check(s: &Scalar, text: &[u8]) -> u32 {
    if s.style == ScalarStyle::Plain && s.props.is_empty() && text == s.value.as_bytes() {
        return 0;
    }
    let mut h = Check(0);
    h.word(style_code(s.style));
    h.bytes(s.value.as_bytes());
    h.props(&s.props);
    h.bytes(text);
    h.done()
}

fn child(h: &mut Check, n: &Node) {
    let (kind, origin) = match n {
        Node::Scalar(s) => (1, s.props.origin),
        Node::Sequence(s) => (2, s.props.origin),
        Node::Mapping(m) => (3, m.props.origin),
        Node::Alias(name) => {
            h.word(4);
            h.bytes(name.as_bytes());
            return;
        }
    };
    h.word(kind);
    h.word(u64::from(origin.start) << 32 | u64::from(origin.end));
}

/// The check of a sequence read as `text`. Its children's own checks cover their text; a collection of aliases
/// only, or of nothing (`{}`), has its own text hashed too, or a node read from another text that happened to
/// sit at the same offsets would pass.
pub(crate) fn sequence_check(s: &Sequence, text: &[u8]) -> u32 {
    let mut h = Check(2);
    h.props(&s.props);
    s.items.iter().for_each(|n| child(&mut h, n));
    h.word(s.items.len() as u64);
    if s.items.iter().all(|n| matches!(n, Node::Alias(_))) {
        h.bytes(text);
    }
    h.done()
}

/// [`sequence_check`] for a mapping.
pub(crate) fn mapping_check(m: &Mapping, text: &[u8]) -> u32 {
    let mut h = Check(3);
    h.props(&m.props);
    for (k, v) in &m.entries {
        child(&mut h, k);
        child(&mut h, v);
    }
    h.word(m.entries.len() as u64);
    if m.entries.iter().all(|(k, v)| matches!(k, Node::Alias(_)) && matches!(v, Node::Alias(_))) {
        h.bytes(text);
    }
    h.done()
}

/// The text a node was read from, if it has an origin inside `src`.
pub(crate) fn text_of(src: &[u8], o: &Origin) -> Option<(usize, usize)> {
    let (start, end) = (o.start as usize, o.end as usize);
    (o.is_known() && start <= end && end <= src.len()).then_some((start, end))
}
