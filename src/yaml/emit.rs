//! A tree to text, in kyaml's block layout, keeping every scalar's meaning for YAML 1.1 and 1.2 readers.
//!
//! Layout: 2-space indented mappings; a list under a key starts at the key's column; `- - a` for a list in a
//! list; `{}` and `[]` for empty collections. Plain text read plain goes back unchanged; quoted and block scalars
//! never become plain; strings the function created are quoted unless [`plain_is_safe_string`] says otherwise.
//! Recursion follows the tree, whose depth the parser bounds.
use super::scalar::plain_is_safe_string;
use super::{Document, Mapping, Node, Props, Scalar, ScalarStyle, Sequence};

/// libyaml (and go-yaml, PyYAML) forget a possible implicit key after 1024 characters; longer keys use `? `.
const MAX_IMPLICIT_KEY: usize = 1000;

/// One document; starts with `%YAML` or `---` only when the document needs it.
pub fn emit_document(doc: &Document) -> String {
    document(doc).0
}

/// Documents separated by `---` (and `...` before a document with a `%YAML` directive, which YAML requires).
pub fn emit_stream(docs: &[Document]) -> String {
    let mut out = String::new();
    for (i, doc) in docs.iter().enumerate() {
        let (text, explicit_start) = document(doc);
        if i > 0 && doc.version.is_some() {
            out.push_str("...\n");
        } else if i > 0 && !explicit_start {
            out.push_str("---\n");
        }
        out.push_str(&text);
    }
    out
}

/// The document's text, and whether it starts with its own `---` (or directive).
fn document(doc: &Document) -> (String, bool) {
    let mut e = Emitter { out: String::new() };
    let mut explicit = false;
    if let Some((major, minor)) = doc.version {
        e.out.push_str(&format!("%YAML {major}.{minor}\n"));
        explicit = true;
    }
    let explicit = e.root(&doc.root, explicit);
    (e.out, explicit)
}

struct Emitter {
    out: String,
}

/// A scalar as written: on the indicator's line, or a literal block whose lines follow.
enum Rendered {
    Inline(String),
    Literal { header: String, body: String, extra_newlines: usize },
}

impl Emitter {
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
    fn value(&mut self, node: &Node, indent: usize) {
        match node {
            Node::Alias(name) => self.out.push_str(&format!(" *{name}\n")),
            Node::Scalar(s) => self.scalar(s, indent, false),
            Node::Mapping(m) if m.entries.is_empty() => self.empty(&m.props, "{}"),
            Node::Sequence(s) if s.items.is_empty() => self.empty(&s.props, "[]"),
            Node::Mapping(m) => {
                self.push_props(&props_text(&m.props));
                self.out.push('\n');
                self.mapping(m, indent + 2, false);
            }
            Node::Sequence(s) => {
                self.push_props(&props_text(&s.props));
                self.out.push('\n');
                // kyaml's layout: a list under a key starts at the key's column.
                self.sequence(s, indent, false);
            }
        }
    }

    fn scalar(&mut self, s: &Scalar, indent: usize, key: bool) {
        self.push_props(&props_text(&s.props));
        match render(s, key) {
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
    fn item(&mut self, node: &Node, indent: usize) {
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

    fn indent(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }
}

/// A key written `key` before `:`, or `None` when it needs the explicit `? key` form (empty, long, collection).
fn implicit_key(key: &Node) -> Option<String> {
    let (text, props) = match key {
        // `*a:` could read as an alias named `a:` to YAML 1.2 readers; the space keeps it unambiguous.
        Node::Alias(name) => (format!("*{name} "), Props::default()),
        Node::Scalar(s) => match render(s, true) {
            Rendered::Inline(text) if !text.is_empty() => (text, s.props.clone()),
            _ => return None,
        },
        Node::Mapping(_) | Node::Sequence(_) => return None,
    };
    let props = props_text(&props);
    let full = if props.is_empty() { text } else { format!("{props} {text}") };
    (full.len() <= MAX_IMPLICIT_KEY).then_some(full)
}

/// `&anchor !tag`, or empty.
fn props_text(props: &Props) -> String {
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
fn tag_text(tag: &str) -> String {
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

fn render(s: &Scalar, key: bool) -> Rendered {
    let v = s.value.as_str();
    let literal = |single_line_ok: bool| match literal_block(v, single_line_ok) {
        Some(r) if !key => r,
        _ => Rendered::Inline(quoted(v)),
    };
    match s.style {
        ScalarStyle::Plain if v.is_empty() || plain_text_stands(v) => Rendered::Inline(v.to_string()),
        // Plain text that cannot stand on one line again (a folded multi-line plain with blank lines): a string.
        ScalarStyle::Plain | ScalarStyle::SingleQuoted => Rendered::Inline(quoted(v)),
        // kpt writes the function's output into the user's files: `"on"` must not come back as `'on'`.
        ScalarStyle::DoubleQuoted => Rendered::Inline(double_quoted(v)),
        ScalarStyle::Auto if plain_is_safe_string(v) => Rendered::Inline(v.to_string()),
        ScalarStyle::Auto | ScalarStyle::Folded => literal(false),
        ScalarStyle::Literal => literal(true),
    }
}

/// True when `v` written plain in block context reads back as exactly `v` (for text that was read plain; its
/// type is whatever it was, since readers resolve plain text by its value alone).
fn plain_text_stands(v: &str) -> bool {
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
fn literal_block(v: &str, single_line_ok: bool) -> Option<Rendered> {
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
    Some(Rendered::Literal {
        header: format!("|{indicator}{chomp}"),
        body: body.to_string(),
        extra_newlines: trailing.saturating_sub(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;

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
        assert_eq!(round("? *a\n: 1\n? \"\"\n: 2\n?\n: 3\n"), "*a : 1\n\"\": 2\n?\n: 3\n");
        assert_eq!(round("- &a\n  k: v\n- !!seq\n  - x\n"), "- &a\n  k: v\n- !!seq\n  - x\n");
        assert_eq!(tag_text("tag:example.com,2000:app/x"), "!<tag:example.com,2000:app/x>");
        assert_eq!(tag_text("!a!b c"), "!a%21b%20c");
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
    fn auto_strings() {
        let s = |v: &str| render(&Scalar::string(v), false);
        let inline = |v: &str| match s(v) {
            Rendered::Inline(t) => t,
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
