//! The fast reader (`parse/fast.rs`) gives exactly libyaml's events, with the same places and marks, or stops
//! and lets libyaml give them: on the corpus, on every YAML file of the repository and the fuzz corpus, and on
//! mutations of them made to sit at its edges (indentation, indicators, quotes, truncation).
use std::path::{Path, PathBuf};

use lossless_yaml::{events_as_text, fast_reader_agrees};

use super::layer::corpus::corpus;

/// The fast reader's events are libyaml's (`fast_reader_agrees` says how, for an input libyaml rejects).
fn same_events(input: &[u8], what: &str) -> usize {
    fast_reader_agrees(input).unwrap_or_else(|e| {
        panic!(
            "{what}: {e}\n--- input\n{}\n--- as text: {:?}",
            String::from_utf8_lossy(input),
            String::from_utf8_lossy(input)
        )
    })
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if !matches!(path.file_name().and_then(|n| n.to_str()), Some("target" | "node_modules" | ".git")) {
                files(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

fn repository_yaml() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut paths = Vec::new();
    for dir in ["testdata", "kustomization-examples", "kpt-package", "argocd", "schemas", "crates", "tests"] {
        files(&root.join(dir), &mut paths);
    }
    paths.retain(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")));
    files(&root.join("fuzz/corpus"), &mut paths);
    paths.sort();
    paths.into_iter().filter_map(|p| Some((p.display().to_string(), std::fs::read(&p).ok()?))).collect()
}

/// A small deterministic generator, so that a failure names a case that reruns.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

const EDGES: [&[u8]; 24] = [
    b":",
    b"-",
    b" ",
    b"  ",
    b"#",
    b"'",
    b"\"",
    b"''",
    b"[",
    b"]",
    b"{",
    b"}",
    b",",
    b"\t",
    b"?",
    b"|",
    b"&a ",
    b"*",
    b"!",
    b"\n",
    b"\n  ",
    b"---\n",
    b"\\",
    b"\xC2\x85",
];

fn mutations(input: &[u8], rng: &mut Rng, count: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let lines: Vec<usize> =
        std::iter::once(0).chain(input.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1)).collect();
    for &at in &lines {
        out.push(input[..at].to_vec());
        let mut indented = input.to_vec();
        indented.insert(at, b' ');
        out.push(indented);
        if input.get(at) == Some(&b' ') {
            let mut less = input.to_vec();
            less.remove(at);
            out.push(less);
        }
    }
    for _ in 0..count {
        let mut m = input.to_vec();
        let at = rng.below(m.len() + 1);
        match rng.below(3) {
            0 if at < m.len() => {
                m.remove(at);
            }
            _ => {
                let edge = EDGES[rng.below(EDGES.len())];
                m.splice(at..at, edge.iter().copied());
            }
        }
        out.push(m);
    }
    out
}

#[test]
fn the_corpus_gives_libyamls_events() {
    let mut rng = Rng(0x5EED);
    let mut given = 0;
    for (i, input) in corpus().iter().enumerate() {
        given += same_events(input, &format!("corpus item {i}"));
        for (j, m) in mutations(input, &mut rng, 200).iter().enumerate() {
            same_events(m, &format!("corpus item {i}, mutation {j}"));
        }
    }
    assert!(given > 0, "the fast reader read none of the corpus");
}

#[test]
fn the_repositorys_yaml_and_the_fuzz_corpus_give_libyamls_events() {
    let files = repository_yaml();
    assert!(files.len() > 1000, "found {} files", files.len());
    let (mut fast, mut total) = (0, 0);
    let mut rng = Rng(0xF00D);
    for (name, input) in &files {
        let given = same_events(input, name);
        let (all, _) = events_as_text(input, false);
        fast += given;
        total += all.len();
        if !name.contains("fuzz/corpus") {
            for (j, m) in mutations(input, &mut rng, 50).iter().enumerate() {
                same_events(m, &format!("{name}, mutation {j}"));
            }
        }
    }
    eprintln!("the fast reader gave {fast} of {total} events");
}

#[test]
fn a_manifest_in_the_common_subset_is_read_without_libyaml() {
    let input = super::layer::corpus::DEPLOYMENT.as_bytes();
    let (events, given) = events_as_text(input, true);
    assert_eq!(given, events.len(), "{events:#?}");
}

/// Lines of the kinds the fast reader reads, and some it leaves to libyaml, at random indentations: the
/// indentation rules (block ends, indentless lists, empty values, block scalars' content) are where a reader
/// of its own is most likely to part from libyaml.
#[test]
fn random_documents_of_common_lines_give_libyamls_events() {
    const LINES: [&str; 61] = [
        "k: v",
        "key: value # c",
        "k:",
        "k: ",
        "- ",
        "-",
        "- v",
        "- k: v",
        "- k:",
        "- - v",
        "k: [a, b]",
        "k: {a: b, c: [d]}",
        "k: []",
        "k: {}",
        "k: 'it''s'",
        "k: \"q\"",
        "'k': v",
        "\"k\": v",
        "# comment",
        "",
        "  ",
        "k: |",
        "k: |-",
        "k: >",
        "k: >+",
        "k: |2",
        "- |",
        "- >-",
        "text",
        "  more text",
        "k: a: b",
        "k: v # c: d",
        "k: -1",
        "k: a#b",
        "? k",
        ": v",
        "k: &a v",
        "k: *a",
        "--- ",
        "k: [a,",
        "k: 'open",
        "k: \"open",
        "- 'open",
        "x y'",
        "x y\"",
        "it''s'",
        "q'  ",
        "k: 'a' b",
        "k: \"a\\tb\\n\\\"c\\\\\"",
        "k: \"\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\0\\e\\/\\ \"",
        "k: \"\\x+1\"",
        "k: \"\\uD800\"",
        "k: \"\\U00110000\"",
        "k: \"\\q\"",
        "k: \"\\xZ\"",
        "\"k\\\"\": v",
        "- [\"a\\\"\", {\"\\u0041\": b}]",
        "k: \"end\\",
        "k: [a:b, http://x:80/p, c:]",
        "k: {a: b:c, d:e: f}",
        "- [a:, b]",
    ];
    const MARKERS: [&str; 4] = ["---", "--- # c", "...", "--- v"];
    let mut rng = Rng(0xB10C);
    let mut given = 0;
    for case in 0..20_000 {
        let lines = 1 + rng.below(10);
        let mut doc = String::new();
        for _ in 0..lines {
            if rng.below(12) == 0 {
                doc.push_str(MARKERS[rng.below(MARKERS.len())]);
            } else {
                doc.push_str(&" ".repeat(rng.below(7)));
                doc.push_str(LINES[rng.below(LINES.len())]);
            }
            if rng.below(20) != 0 {
                doc.push('\n');
            }
        }
        given += same_events(doc.as_bytes(), &format!("random document {case}"));
    }
    assert!(given > 50_000, "the fast reader gave only {given} events");
}

/// Long scalars over many lines, and a long line of many events: read in one pass each (a scalar's text is
/// not copied again for every line it continues on; a line's columns are counted once).
#[test]
fn long_scalars_and_long_lines_give_libyamls_events() {
    let lines = 50_000;
    let plain = format!("k: {}\nnext: 1\n", vec!["word é"; lines].join("\n  "));
    let quoted = format!("k: '{}'\nnext: 1\n", vec!["it''s é"; lines].join("\n\n  "));
    let block = format!("k: |\n{}\nnext: 1\n", vec!["  line é"; lines].join("\n"));
    let flow = format!("k: [{}]\n", vec!["é"; lines].join(", "));
    for (what, input) in [("plain", &plain), ("quoted", &quoted), ("block", &block), ("flow", &flow)] {
        let given = same_events(input.as_bytes(), what);
        assert!(given > 0, "{what}: the fast reader gave nothing");
    }
}
