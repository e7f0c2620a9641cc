//! `ListReader` and `ListWriter`: a list read and written item by item gives the bytes the whole tree gives,
//! for every edit; where the writer is not sure it says so (`None`) rather than write something else.
use lossless_yaml::{emit_stream_from, parse_stream, ListReader, ListWriter, Node};

use super::layer::corpus::corpus;

/// What each item goes through, on both paths.
type Edit = fn(usize, &mut Node);

const EDITS: [(&str, Edit); 4] = [
    ("none", |_, _| {}),
    ("an entry added to every item", |_, n| {
        if let Some(m) = n.as_mapping_mut() {
            m.insert("added", Node::string("new: text"));
        }
    }),
    ("the first entry of every item taken out", |_, n| {
        if let Some(m) = n.as_mapping_mut() {
            if !m.entries.is_empty() {
                m.entries.remove(0);
            }
        }
    }),
    ("only the second item changed, with a nested mapping", |i, n| {
        if let (1, Some(m)) = (i, n.as_mapping_mut()) {
            let mut inner = lossless_yaml::Mapping::default();
            inner.insert("a", Node::string("b"));
            m.insert("nested", Node::Mapping(inner));
        }
    }),
];

fn whole(text: &[u8], edit: Edit) -> String {
    let mut docs = parse_stream(text).expect("parses");
    if let Some(Node::Sequence(items)) = docs[0].root.as_mapping_mut().and_then(|m| m.get_mut("items")) {
        items.items.iter_mut().enumerate().for_each(|(i, n)| edit(i, n));
    }
    emit_stream_from(&docs, text)
}

fn item_by_item(text: &[u8], edit: Edit) -> Option<String> {
    let mut reader = ListReader::open(text, "items").expect("parses")?;
    let mut writer = ListWriter::new(text, reader.head())?;
    let mut i = 0;
    while let Some(mut item) = reader.next_item().expect("parses") {
        edit(i, &mut item);
        i += 1;
        writer.item(item)?;
    }
    let (docs, end) = reader.finish().expect("parses");
    writer.finish(&docs[0], end, None)
}

/// A list of `doc` twice, indented as kpt writes it, and under the other layout (items indented under the key).
fn lists(doc: &str) -> Vec<String> {
    let item = |indent: &str| {
        let mut out = String::new();
        for (n, line) in doc.lines().enumerate() {
            let lead = if n == 0 {
                format!("{indent}- ")
            } else if line.is_empty() {
                String::new()
            } else {
                format!("{indent}  ")
            };
            out.push_str(&format!("{lead}{line}\n"));
        }
        out
    };
    ["", "  "]
        .iter()
        .map(|indent| {
            let items = item(indent);
            format!("apiVersion: v1\nkind: List # comment\nitems:\n{items}{items}# between\n{items}tail: {{a: 1}}\n")
        })
        .collect()
}

#[test]
fn the_same_bytes_as_the_whole_tree() {
    let (mut streamed, mut whole_only) = (0, 0);
    for input in corpus() {
        let Ok(text) = std::str::from_utf8(&input) else { continue };
        let docs = match parse_stream(text.as_bytes()) {
            Ok(d) if d.len() == 1 && d[0].root.as_mapping().is_some_and(|m| !m.entries.is_empty()) => d,
            _ => continue,
        };
        if text.starts_with('%') || text.starts_with("---") || docs[0].root.get("items").is_some() {
            continue;
        }
        for list in lists(text.trim_end_matches('\n')) {
            // Not every document makes a valid item (a key more indented than the rest, say).
            if parse_stream(list.as_bytes()).is_err() {
                continue;
            }
            for (label, edit) in EDITS {
                match item_by_item(list.as_bytes(), edit) {
                    Some(out) => {
                        assert_eq!(out, whole(list.as_bytes(), edit), "{label}:\n{list}");
                        streamed += 1;
                    }
                    None => whole_only += 1,
                }
            }
        }
    }
    eprintln!("{streamed} item by item, {whole_only} whole only");
    assert!(streamed > 100, "{streamed} item by item, {whole_only} whole only");
}

#[test]
fn shapes_it_does_not_read() {
    for text in
        ["- a\n", "items: [a, b]\n", "items: &x\n- a\n", "other:\n- a\n", "{items: [a]}\n", "a: 1\n---\nitems:\n- a\n"]
    {
        assert!(ListReader::open(text.as_bytes(), "items").expect("parses").is_none(), "{text}");
    }
    assert!(ListReader::open(b"items:\n- a\n", "items").expect("parses").is_some());
}
