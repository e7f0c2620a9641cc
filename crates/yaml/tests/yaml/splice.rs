//! Writing back into the source: what the caller did not change comes back byte for byte.

use lossless_yaml::*;

const MIXED: &str = r#"# head comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web   # trailing
  labels: {app: web, tier: "on"}
spec:
  template:
    spec:
      # the app
      containers:
        - name: app
          image: nginx:1.27
          args: ["-c", 'x', y]   # flow
          ports: [{containerPort: 80}]
          command:
            - |
              multi
                
              line
          env:
            - {name: A, value: '1'}
      description: >-
        folded
        text
rbac:
  verbs: [get, list]
anchors:
  base: &b {x: 1}
  use: *b
# tail comment
"#;

fn parse(text: &str) -> Vec<Document> {
    parse_stream(text.as_bytes()).expect("parses")
}

#[test]
fn unchanged_is_the_input() {
    let docs = parse(MIXED);
    assert_eq!(emit_stream_from(&docs, MIXED.as_bytes()), MIXED);
}

#[test]
fn an_added_entry_is_the_only_difference() {
    let mut docs = parse(MIXED);
    let spec = docs[0].root.as_mapping_mut().unwrap().get_mut("spec").unwrap().as_mapping_mut().unwrap();
    let template = spec.get_mut("template").unwrap().as_mapping_mut().unwrap();
    template.entries.insert(0, (Node::string("metadata"), Node::mapping()));
    let m = template.get_mut("metadata").unwrap().as_mapping_mut().unwrap();
    let mut ann = Mapping::default();
    ann.insert("a", Node::string("on"));
    m.insert("annotations", Node::Mapping(ann));
    let pod = template.get_mut("spec").unwrap().as_mapping_mut().unwrap();
    let containers = pod.get_mut("containers").unwrap().as_sequence_mut().unwrap();
    let mut side = Mapping::default();
    side.insert("name", Node::string("sidecar"));
    let mut args = Sequence::default();
    args.items.push(Node::string("--x"));
    side.insert("args", Node::Sequence(args));
    containers.items.insert(0, Node::Mapping(side));
    let out = emit_stream_from(&docs, MIXED.as_bytes());
    println!("{out}");
    let again = parse(&out);
    lossless_yaml::meaning::same_docs(&docs, &again).unwrap();
}

#[test]
fn an_item_whose_dash_line_holds_a_comment_is_copied() {
    let text = "items:\n- # The web app.\n  kind: Deployment\n  labels: {app: web}  # flow\n- kind: Service\n";
    let mut docs = parse(text);
    let items = docs[0].root.as_mapping_mut().unwrap().get_mut("items").unwrap().as_sequence_mut().unwrap();
    items.items.push(Node::string("new"));
    assert_eq!(emit_stream_from(&docs, text.as_bytes()), format!("{text}- new\n"));
}

#[test]
fn a_changed_flow_collection_stays_flow() {
    let text = "m: {a: 1,  b: \"two\"}  # c\nl: [x, *y, z]\nn: {}\ne: [\n  a,  # first\n  b\n]\n";
    let text = format!("y: &y 0\n{text}");
    let mut docs = parse(&text);
    let root = docs[0].root.as_mapping_mut().unwrap();
    root.get_mut("m").unwrap().as_mapping_mut().unwrap().insert("new", Node::string("on"));
    root.get_mut("l").unwrap().as_sequence_mut().unwrap().items.remove(0);
    root.get_mut("n").unwrap().as_mapping_mut().unwrap().insert("k", Node::string("a, b"));
    root.get_mut("e").unwrap().as_sequence_mut().unwrap().items.push(Node::string("c"));
    let out = emit_stream_from(&docs, text.as_bytes());
    assert_eq!(
        out,
        "y: &y 0\nm: {a: 1,  b: \"two\", new: 'on'}  # c\nl: [*y, z]\nn: {k: 'a, b'}\ne: [\n  a,  # first\n  b, c\n]\n"
    );
    lossless_yaml::meaning::same_docs(&docs, &parse(&out)).unwrap();
}

#[test]
fn comments_left_by_a_removed_entry_do_not_join_a_block_scalar() {
    let text = "a: |\n  text\nb: 1\n  # deeper\nc: 2\n# above d\nd: 3\n";
    let mut docs = parse(text);
    docs[0].root.as_mapping_mut().unwrap().remove("b");
    let out = emit_stream_from(&docs, text.as_bytes());
    assert_eq!(out, "a: |\n  text\nc: 2\n# above d\nd: 3\n");
    lossless_yaml::meaning::same_docs(&docs, &parse(&out)).unwrap();
}

#[test]
fn an_explicit_long_key_after_a_changed_entry() {
    let long = "x".repeat(2000);
    let text = format!("m:\n  a: 1\n  big: {long}\n  ? {long}\n  : key\n  flow: [on, on]\n");
    let mut docs = parse(&text);
    docs[0]
        .root
        .as_mapping_mut()
        .unwrap()
        .get_mut("m")
        .unwrap()
        .as_mapping_mut()
        .unwrap()
        .insert("a", Node::string("2"));
    let out = emit_stream_from(&docs, text.as_bytes());
    let again = parse_stream(out.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{}", out.replace(&long, "<long>")));
    lossless_yaml::meaning::same_docs(&docs, &again).unwrap();
}

/// An empty value read right after its `:` (`c: ,` in a flow mapping) and a separator or bracket written anew
/// after it: `{c:, d: }` is refused by libyaml (and go-yaml v2), so a blank goes between. Found by the
/// `yaml_roundtrip` fuzzer (its input is in fuzz/regressions/yaml_roundtrip/flow-empty-value-then-new-entry).
#[test]
fn an_empty_flow_value_keeps_a_blank_after_its_colon() {
    for (text, removed, want) in [
        ("a: {n: p, c: , d}\n", "n", "a: {c: , d: }\n"),
        ("a: {n: p, c: }\n", "n", "a: {c: }\n"),
        ("a: {n: p, c: , d: 1}\n", "n", "a: {c: , d: 1}\n"),
    ] {
        let mut docs = parse(text);
        let a = docs[0].root.as_mapping_mut().unwrap().get_mut("a").unwrap().as_mapping_mut().unwrap();
        a.remove(removed);
        let out = emit_stream_from(&docs, text.as_bytes());
        assert_eq!(out, want, "{text:?}");
        let again = parse(&out);
        assert!(again[0].root.same_meaning(&docs[0].root), "{out:?}");
    }
}

/// A byte order mark before a collection on its line (YAML lets one start any document): three bytes that no
/// reader counts as indentation, so entries cannot be placed by counting bytes; the document is written anew.
/// Found by the `yaml_roundtrip` fuzzer (fuzz/regressions/yaml_roundtrip/bom-before-the-root).
#[test]
fn a_byte_order_mark_before_a_changed_collection_is_not_counted_as_indentation() {
    for text in ["\u{FEFF}\u{FEFF}a:\n b: 1\n", "\u{FEFF}x: 1\n---\n\u{FEFF}a:\n b: 1\n"] {
        let mut docs = parse(text);
        let last = docs.last_mut().unwrap().root.as_mapping_mut().unwrap();
        last.insert("added", Node::string("at the root"));
        let out = emit_stream_from(&docs, text.as_bytes());
        let again = parse(&out);
        assert_eq!(again.len(), docs.len(), "{out:?}");
        for (a, b) in again.iter().zip(&docs) {
            assert!(a.root.same_meaning(&b.root), "{text:?} -> {out:?}");
        }
    }
}

/// A `? key` entry written anew in a changed mapping starts at the mapping's column, not at the indentation of
/// the line its key stood on (`?` then the key indented on the next line). Found by the `yaml_roundtrip`
/// fuzzer (fuzz/regressions/yaml_roundtrip/explicit-key-on-its-own-line).
#[test]
fn an_explicit_key_written_anew_starts_at_its_mapping_column() {
    let text = "a: >\n x\n?\n  w\nb: 1\n";
    let mut docs = parse(text);
    docs[0].root.as_mapping_mut().unwrap().insert("added", Node::string("x"));
    let out = emit_stream_from(&docs, text.as_bytes());
    assert_eq!(out, "a: >\n x\nw:\nb: 1\nadded: x\n");
    assert!(parse(&out)[0].root.same_meaning(&docs[0].root), "{out:?}");
}

/// A later document whose root stands indented (` ? a`, ` a: 1`): its first line keeps the root's column after
/// the `---` written for it. Found by the `yaml_roundtrip` fuzzer
/// (fuzz/regressions/yaml_roundtrip/indented-root-of-a-later-document).
#[test]
fn an_indented_root_of_a_later_document_keeps_its_column() {
    for text in ["x: 1\n---\n a: 1\n b: 2\n", "x: 1\n---\n ?\n :\n"] {
        let mut docs = parse(text);
        docs[1].root.as_mapping_mut().unwrap().insert("added", Node::string("x"));
        let out = emit_stream_from(&docs, text.as_bytes());
        let again = parse(&out);
        assert_eq!(again.len(), 2, "{out:?}");
        assert!(again[1].root.same_meaning(&docs[1].root), "{text:?} -> {out:?}");
    }
}

/// An entry with an empty key written anew into a flow mapping: `{? : v}`, since libyaml and go-yaml v2 refuse
/// `{: v}`. Found by the `yaml_roundtrip` fuzzer (fuzz/regressions/yaml_roundtrip/empty-key-in-a-new-flow-entry).
#[test]
fn an_empty_key_written_anew_into_a_flow_mapping_is_explicit() {
    let text = "z: [{a: 1, ?: , b: 2}]\n";
    let mut docs = parse(text);
    let z = docs[0].root.as_mapping_mut().unwrap().get_mut("z").unwrap().as_sequence_mut().unwrap();
    let item = z.items[0].as_mapping_mut().unwrap();
    item.entries.remove(0);
    item.entries.swap(0, 1);
    let out = emit_stream_from(&docs, text.as_bytes());
    assert!(parse(&out)[0].root.same_meaning(&docs[0].root), "{out:?}");
}

/// A document written anew after a changed one gets its `---` separator unless its text begins with a marker
/// of its own; a plain scalar that begins with three dashes (`---c`) is not one. (Found by fuzzing
/// `yaml_roundtrip`: `fuzz/regressions/yaml_roundtrip/plain-scalar-of-dashes-after-a-changed-document`.)
#[test]
fn a_document_that_begins_with_dashes_keeps_its_separator() {
    for input in ["a: b\n---\n---c\n", "!t\na: [b]\n---\n---c d\n", "a: b\n--- ---c\n!!d\n", "a: b\n---\n---\n"] {
        lossless_yaml::meaning::check_round_trip(input.as_bytes()).unwrap_or_else(|e| panic!("{input:?}: {e}"));
    }
}
