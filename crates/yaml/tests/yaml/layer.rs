//! The YAML layer end to end: what is read comes back with the same meaning, new strings stay strings, hostile
//! input gives errors (never a panic or a stack overflow). PyYAML (a YAML 1.1 reader independent of libyaml)
//! reading the output as it read the input is checked in crates/host-tests, on the same corpus.

use std::time::{Duration, Instant};

use lossless_yaml::meaning::same_docs;
use lossless_yaml::*;

#[path = "support/corpus.rs"]
pub(crate) mod corpus;
use corpus::{auto_docs, corpus, round_trip, DEPLOYMENT, RESOURCE_LIST, TRICKY};

#[test]
fn corpus_keeps_every_meaning_and_is_a_fixed_point() {
    for input in corpus() {
        round_trip(&input);
    }
}

#[test]
fn layout_of_a_deployment_is_kyamls() {
    let out = round_trip(DEPLOYMENT.as_bytes());
    for want in [
        "      containers:\n      - name: nginx\n        image: nginx:1.27\n",
        "        args:\n        - \"--port\"\n        - \"8080\"\n        - --verbose\n",
        "          defaultMode: 0644\n",
        "          value: \"on\"\n",
        "        emptyDir: {}\n",
        "    matchLabels:\n      app: web\n",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    let out = round_trip(RESOURCE_LIST.as_bytes());
    assert!(out.contains("      internal.config.kubernetes.io/id: '1'\n"), "{out}");
    assert!(out.contains("    script: |\n      #!/bin/sh\n      echo \"---\"\n"), "{out}");
}

fn strings_in(node: &Node, out: &mut Vec<Scalar>) {
    match node {
        Node::Scalar(s) => out.push(s.clone()),
        Node::Sequence(seq) => seq.items.iter().for_each(|n| strings_in(n, out)),
        Node::Mapping(m) => m.entries.iter().for_each(|(k, v)| {
            strings_in(k, out);
            strings_in(v, out);
        }),
        Node::Alias(_) => {}
    }
}

#[test]
fn new_strings_come_back_as_the_same_strings() {
    for s in TRICKY {
        let docs = auto_docs(s);
        let out = emit_stream(&docs);
        let back = parse_stream(out.as_bytes()).unwrap_or_else(|e| panic!("{s:?}: {e}\n{out}"));
        assert_eq!(back.len(), docs.len(), "{s:?}\n{out}");
        let mut scalars = Vec::new();
        back.iter().for_each(|d| strings_in(&d.root, &mut scalars));
        let ours: Vec<&Scalar> = scalars.iter().filter(|x| x.value != "value" && x.value != "v").collect();
        let expected = if *s == "value" || *s == "v" { 0 } else { 5 };
        assert_eq!(ours.len(), expected, "{s:?}\n{out}");
        for x in ours {
            assert_eq!(x.value, *s, "{out}");
            assert_eq!(resolve_core(x), Resolved::Str, "{s:?} as {:?}\n{out}", x.style);
            assert_eq!(resolve_yaml11(x), Resolved::Str, "{s:?} as {:?}\n{out}", x.style);
        }
        assert_eq!(emit_stream(&back), out, "fixed point for {s:?}");
    }
}

fn nested(open: &str, depth: usize, close: &str) -> String {
    format!("{}x{}", open.repeat(depth), close.repeat(depth))
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    for (what, input) in [
        ("flow", nested("[", 10_000, "]")),
        ("flow-open", "[".repeat(100_000)),
        ("block", nested("- ", 10_000, "")),
        ("mapping", nested("{a: ", 10_000, "}")),
    ] {
        let start = Instant::now();
        let e = parse_stream(input.as_bytes()).expect_err(what);
        assert!(e.message.contains("depth") && e.message.contains(&MAX_DEPTH.to_string()), "{what}: {e}");
        assert_eq!(e.line, 1, "{what}: {e}");
        assert!(start.elapsed() < Duration::from_secs(2), "{what} took {:?}", start.elapsed());
    }
    // At the limit it still works, and emitting and reparsing it does too.
    round_trip(nested("[", MAX_DEPTH, "]").as_bytes());
    round_trip(nested("- ", MAX_DEPTH, "").as_bytes());
}

#[test]
fn alias_bomb_stays_small() {
    let mut input = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (prev, name) in "abcdefgh".chars().zip("bcdefghi".chars()) {
        let refs = vec![format!("*{prev}"); 9].join(",");
        input.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    let out = round_trip(input.as_bytes());
    assert!(out.len() < 4 * input.len(), "{} bytes out", out.len());
}

#[test]
fn errors_carry_positions() {
    let cases: &[(&str, &[u8], usize, &str)] = &[
        ("invalid UTF-8", b"a: 1\nb: caf\xe9\n", 2, "utf-8"),
        ("NUL byte", b"a: 1\nb: x\0y\n", 2, "control characters"),
        ("unclosed quote", b"a: 1\nb: \"open\nc: 2\n", 4, "quoted scalar"),
        ("duplicate key", b"a: 1\nb:\n  x: 1\n  \"x\": 2\n", 4, "duplicate key \"x\""),
        ("mapping as key", b"a: 1\n? {b: 1}\n: c\n", 2, "mapping as a mapping key"),
        ("list as key", b"a: 1\n[b]: c\n", 2, "list as a mapping key"),
        ("bad indentation", b"a:\n  b: 1\n c: 2\n", 3, ""),
        ("tab indentation", b"a:\n\tb: 1\n", 2, "cannot start any token"),
        ("undefined tag handle", b"a: !e!x y\n", 1, "tag handle"),
        ("UTF-16 surrogate", b"\xff\xfea\x00:\x00 \x00\x00\xdc\n\x00", 1, "surrogate"),
    ];
    for (what, input, line, text) in cases {
        let e = parse_stream(input).expect_err(what);
        assert_eq!(e.line, *line, "{what}: {e}");
        assert!(e.column >= 1, "{what}: {e}");
        assert!(e.message.to_lowercase().contains(text), "{what}: {e}");
    }
}

/// Bytes that parse must come back with the same meaning; bytes that do not must give an error, never a panic.
#[test]
fn mutated_inputs_never_panic() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const BYTES: &[u8] = b" \n\t-:?[]{},#&*!|>'\"%@`.0aZ\\\r\xc3\xa9\xe2\x80\xa8~<=";
    let mut parsed = 0;
    for input in corpus() {
        for _ in 0..150 {
            let mut m = input.clone();
            for _ in 0..1 + next() % 3 {
                let at = (next() as usize) % (m.len() + 1);
                let b = BYTES[(next() as usize) % BYTES.len()];
                match next() % 3 {
                    0 if at < m.len() => m[at] = b,
                    1 if at < m.len() => {
                        m.remove(at);
                    }
                    _ => m.insert(at, b),
                }
            }
            if let Ok(docs) = parse_stream(&m) {
                parsed += 1;
                let out = emit_stream(&docs);
                let again = parse_stream(out.as_bytes())
                    .unwrap_or_else(|e| panic!("{e}\n--- input\n{}\n--- output\n{out}", String::from_utf8_lossy(&m)));
                if let Err(e) = same_docs(&docs, &again) {
                    panic!("{e}\n--- input\n{}\n--- output\n{out}", String::from_utf8_lossy(&m));
                }
            }
        }
    }
    assert!(parsed > 1000, "only {parsed} mutants parsed");
}

/// UTF-16 input is read as the UTF-8 text `utf8_input` gives, and written back from it: that text must mean what
/// the UTF-16 bytes mean. A U+FEFF right after the byte order mark is content (or a second mark, which a reader
/// skips at the start of a line); the text without any mark would lose the first of them to the UTF-8 reader.
/// (Found by fuzzing `plugin`: `fuzz/regressions/plugin/utf16-zero-width-no-break-space-after-the-mark`.)
#[test]
fn utf16_input_keeps_the_zero_width_no_break_spaces_after_its_mark() {
    for extra in 0..4 {
        for big in [true, false] {
            let text: String = "\u{FEFF}".repeat(extra) + "ners: x\n";
            let mut input: Vec<u8> = if big { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
            for unit in text.encode_utf16() {
                input.extend(if big { unit.to_be_bytes() } else { unit.to_le_bytes() });
            }
            let what = format!("{extra} U+FEFF after the mark, big-endian {big}");
            let read = parse_stream(&input).expect(&what);
            let utf8 = utf8_input(&input);
            let read_as_utf8 = parse_stream(&utf8).expect(&what);
            same_docs(&read, &read_as_utf8).unwrap_or_else(|e| panic!("{what}: {e}"));
            let written = emit_stream_from(&read_as_utf8, &utf8);
            let again = parse_stream(written.as_bytes()).expect(&what);
            same_docs(&read, &again).unwrap_or_else(|e| panic!("{what}: written back: {e}\n{written:?}"));
        }
    }
}
