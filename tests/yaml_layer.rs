//! The YAML layer end to end: what is read comes back with the same meaning, new strings stay strings, hostile
//! input gives errors (never a panic or a stack overflow), and PyYAML (a YAML 1.1 reader independent of libyaml)
//! reads the output as it read the input.
mod invariants;

use std::time::{Duration, Instant};

use invariants::same_docs;
use sidecar_injector::yaml::*;

/// parse → emit → parse keeps every meaning; emitting again changes nothing. Returns the emitted text.
fn round_trip(input: &[u8]) -> String {
    let shown = String::from_utf8_lossy(input);
    let docs = parse_stream(input).unwrap_or_else(|e| panic!("input does not parse: {e}\n{shown}"));
    let out = emit_stream(&docs);
    let again = parse_stream(out.as_bytes()).unwrap_or_else(|e| panic!("output does not parse: {e}\n{out}"));
    if let Err(e) = same_docs(&docs, &again) {
        panic!("meaning changed: {e}\n--- input\n{shown}\n--- output\n{out}");
    }
    assert_eq!(emit_stream(&again), out, "not a fixed point\n--- input\n{shown}");
    assert!(out.is_empty() || out.ends_with('\n'), "no final newline: {out:?}");
    out
}

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
  labels:
    app: web
    tier: "frontend"
  annotations:
    deployment.kubernetes.io/revision: "3"
    example.com/enabled: 'true'
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels:
        app: web
    spec:
      securityContext:
        runAsUser: 1000
        fsGroup: 2000
      containers:
      - name: nginx
        image: nginx:1.27
        args: ["--port", "8080", --verbose]
        ports:
        - containerPort: 8080
          protocol: TCP
        env:
        - name: ENABLED
          value: "on"
        - name: MODE
          value: "0644"
        - name: SCHEDULE
          value: "12:30"
        resources:
          limits: {cpu: 500m, memory: 128Mi}
        livenessProbe:
          httpGet: {path: /healthz, port: 8080}
          initialDelaySeconds: 5
      volumes:
      - name: config
        configMap:
          name: web-config
          defaultMode: 0644
          items:
          - key: nginx.conf
            path: nginx.conf
            mode: 0400
      - name: empty
        emptyDir: {}
"#;

const RESOURCE_LIST: &str = r#"apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: cm
    annotations:
      config.kubernetes.io/index: '0'
      config.kubernetes.io/path: 'cm.yaml'
      internal.config.kubernetes.io/index: '0'
      internal.config.kubernetes.io/path: 'cm.yaml'
      internal.config.kubernetes.io/seqindent: 'compact'
      internal.config.kubernetes.io/id: '1'
      config.k8s.io/id: '1'
  data:
    enabled: "yes"
    level: "NO"
    time: "12:30"
    date: "2024-01-01"
    script: |
      #!/bin/sh
      echo "---"
      exit 0
- apiVersion: batch/v1
  kind: Job
  metadata:
    name: job
    annotations:
      internal.config.kubernetes.io/id: '2'
  spec:
    template:
      spec:
        restartPolicy: Never
        containers:
        - name: main
          image: busybox
          command: [sh, -c, 'echo hi']
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: function-input
  data:
    sidecar: envoy
"#;

fn corpus() -> Vec<Vec<u8>> {
    let long = "x".repeat(5000);
    let long_key = "k".repeat(1100);
    let mut items: Vec<String> = vec![
        "defaultMode: 0644\n".into(),
        "a: \"0644\"\nb: '0644'\nc: 0o17\n".into(),
        "a: 'on'\nb: \"yes\"\nc: y\nd: NO\ne: On\nf: off\ng: n\n".into(),
        "a: \"12:30\"\nb: 12:30\nc: \"2024-01-01\"\nd: 2024-01-01\ne: 2001-12-14t21:59:43.10-05:00\nf: 190:20:30.15\n".into(),
        "a: 1e3\nb: 1_000\nc: \"=\"\nd: =\ne: 0x1F\nf: 0b101\ng: .inf\nh: -.Inf\ni: .nan\nj: ~\nk: null\nl:\nm: 08\nn: +12\no: -0.5\n"
            .into(),
        "base: &base\n  a: 1\n  b: 2\nderived:\n  <<: *base\n  c: 3\nlist:\n- *base\n- <<: [*base]\n  d: 4\nq: \"<<\"\n".into(),
        "data: !!binary |\n  R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5\n".into(),
        "a: !!str 0644\nb: !!int \"3\"\nc: !local x\nd: !<tag:example.com,2000:app/foo> y\ne: ! 0644\nf: !!float 1\ng: !a%21b z\n"
            .into(),
        "%TAG !e! tag:example.com,2000:app/\n---\na: !e!foo x\nb: !e!bar [1]\nc: !!map {k: !!seq [], m: !!str }\n".into(),
        "a: &x hello\nb: *x\nc: &y [1, 2]\nd: *y\ne: &z {k: v}\nf: *z\n".into(),
        "keep: |+\n  a\n\n\nclip: |\n  a\n\n\nstrip: |-\n  a\n\n\nlead: |2\n    indented\n  less\nempty: |\n\nlit_tab: |\n  a\tb\n  \tc\n"
            .into(),
        "- |\n  in a list\n- - |-\n    nested\n  - |+\n    kept\n\n- k: |2\n     lead\n".into(),
        "f: >\n  folded\n  text\n\n  para\nf2: >-\n  x\n   more indented\n  y\nf3: >+\n  k\n\n".into(),
        "script: |\n  ---\n  ...\n  --- x\n  # not a comment\n".into(),
        "a: \"\\u00e9\\u2028\\U0001F600\\x41\\N\\_\\L\\P\\0\\a\\e\\b\\v\\f\\/\"\n".into(),
        "a: \"x\u{2028}y\"\nb: 'p\u{2029}q'\nc: \"x\u{85}y\"\nd: x\u{85}  y\ne: \"\u{2028}\u{2028}\"\n".into(),
        "\u{FEFF}a: 1\nb: \"\u{FEFF}x\"\n".into(),
        "a: 1\r\nb: |\r\n  x\r\n  y\r\nc: \"q\r\n  r\"\r\nd: plain\r\n  folded\r\n".into(),
        "a: \"x\ty\"\nb: 'x\ty'\nc: \"\\ttab\"\nd: x\ty\n".into(),
        "a:\nb: ''\nc: \"\"\nd: []\ne: {}\nf: ~\ng: !!null\nh: &e\n".into(),
        "a: this is\n  multi line\n\n  with blank\nb: 2001-12-14\n  21:59:43.10 -5\nc: one\n  two\n".into(),
        "a: [1, 'two', \"three\", {b: c}, [], {}]\nb: {x: [y, z], 'q': ~, ? r : s}\nc: [a\n  b, c]\n".into(),
        // Implicit keys end after 1024 characters in every libyaml-derived reader: long keys need `? `.
        format!(
            "a: {long}\nb: '{long} '\n? {long_key}\n: v\n? \"{long_key}\\t\"\n: w\n? |\n  {long_key}\n  x\n:\n- s\n? \"{long_key} \"\n: {{m: 1}}\n"
        ),
        "?\n:\n- a\n- b\nk:\n  ? \n  : {x: 1}\n".into(),
        "\"on\": x\n\"1\": x\n'null': x\n\"\": x\n'~': x\n'y': x\n'<<': x\n?\n: z\n".into(),
        "a: '- x'\nb: ': x'\nc: '#x'\nd: '@x'\ne: '%x'\nf: '`x'\ng: '-x'\nh: -x\ni: ?x\nj: :x\nk: x#y\nl: \"a: b\"\nm: 'a #b'\nn: 'it''s'\n"
            .into(),
        "just a plain root\n".into(),
        "'quoted root'\n".into(),
        "|\n  literal root\n".into(),
        "--- &a !!str x\n".into(),
        "42\n".into(),
        "---\n".into(),
        "--- |+\n  x\n\n".into(),
        "a: 1\n---\nb: 2\n---\n- x\n---\n---\nlast\n---\n--->x\n--- ---x\n".into(),
        "%YAML 1.1\n---\na: yes\n...\n%YAML 1.1\n---\nb: no\n".into(),
        "a: \"\\x01\\x7f\\u0085\\ufeff\\ufffe\"\n".into(),
        "a: &k key\n*k : v\n".into(),
        "a: \"trail\\n\\n\"\nb: \" lead\"\nc: \"trail \"\nd: \"\\n\"\ne: \"a\\n \\nb\\n\"\n".into(),
        "a: |\n  x\n   \n  y\n".into(),
        "- - - a\n    - b\n  - c\n- []\n- &s\n  - a\n- *s\n- ? k\n  : v\n".into(),
        "a: !!map {b: c}\nb: !custom [x]\nc: !!set {x, y}\n".into(),
        "a: 😀\nb: \"😀\"\nc: x\u{A0}y\nd: é\n".into(),
        "a: 1\n...\n".into(),
        "a: 'one\n\n  two'\nb: \"x\\\n  y\"\n".into(),
        "? a\n: b\n? |\n  block key\n: c\n? >\n  folded key\n: d\n".into(),
        "[a, b, {c: d}]\n".into(),
        "{}\n".into(),
        "- ~\n- \n- ''\n- null\n- !!str\n".into(),
        "k: - x\n".replace("- x", "-x"),
        "a: \"--- x\"\nb: '... y'\nc: '---'\nd: ---x\n".into(),
        "a: \"#\"\nb: \"?\"\nc: \":\"\nd: \"-\"\ne: \"|\"\nf: \">\"\ng: \"!\"\nh: \"&\"\ni: \"*\"\n".into(),
        DEPLOYMENT.into(),
        RESOURCE_LIST.into(),
    ];
    items.push(format!("{DEPLOYMENT}---\n{RESOURCE_LIST}"));
    items.into_iter().map(String::into_bytes).collect()
}

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

const TRICKY: &[&str] = &[
    // The notes' rules, one case each.
    "",
    " a",
    "a ",
    "a\tb",
    "a\rb",
    "a\u{85}b",
    "a\u{2028}b",
    "a\u{2029}b",
    "a\u{A0}b",
    "a\u{1}b",
    "\u{7F}",
    "\u{9F}",
    "?a",
    ":a",
    ",a",
    "[a",
    "]a",
    "{a",
    "}a",
    "#a",
    "&a",
    "*a",
    "!a",
    "|a",
    ">a",
    "'a",
    "\"a",
    "%a",
    "@a",
    "`a",
    ".a",
    "--- a",
    "---",
    "-",
    "- a",
    "-a",
    "a: b",
    "a #b",
    "a:",
    "yes",
    "YES",
    "No",
    "oN",
    "OFF",
    "NULL",
    "TRUE",
    "false",
    "<<",
    "=",
    "0644",
    "0x1F",
    "0b101",
    "1_000",
    "12:30",
    "2024-01-01",
    ".inf",
    ".nan",
    "+.5",
    "-1",
    "_1",
    "+_1",
    // The brief's list.
    "1.0",
    ".5",
    "+1",
    "null",
    "Null",
    "~",
    "y",
    "N",
    "True",
    "off",
    "12:30:00",
    "#a",
    "multi\nline",
    "trail\n\n",
    "\u{2028}",
    "\u{FEFF}x",
    "tab\there",
    "it's",
    // More.
    "nginx:1.27",
    "a b",
    "x\ny\n",
    " lead\nx\n",
    "\nstarts with newline",
    "a\n \nb",
    "\t",
    "'",
    "''",
    "\\",
    "\"\\\"",
    "a\u{0}b",
    "😀",
    "é",
    "a\r\nb\r\n",
    "...",
    "... x",
    "a\u{FFFE}",
    "line\n\n\n",
    "key: value\n",
    "- item\n- item\n",
];

fn auto_docs(s: &str) -> Vec<Document> {
    let mut value = Mapping::default();
    value.entries.push((Node::string("value"), Node::string(s)));
    let mut key = Mapping::default();
    key.entries.push((Node::string(s), Node::string("v")));
    let item = Sequence { items: vec![Node::string(s), Node::string(s)], props: Props::default() };
    [Node::Mapping(value), Node::Mapping(key), Node::Sequence(item), Node::string(s)]
        .into_iter()
        .map(|root| Document { root, version: None })
        .collect()
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

const PYYAML_COMPARE: &str = r#"
import json, sys, yaml

def load(data):
    try:
        return repr(list(yaml.load_all(data, Loader=yaml.SafeLoader)))
    except Exception as e:
        return "ERROR " + type(e).__name__

pairs = json.load(open(sys.argv[1], encoding="utf-8"))
for name, a, b in pairs:
    ra, rb = load(a.encode("utf-8", "surrogatepass")), load(b.encode("utf-8"))
    if ra != rb:
        print("DIFF %s\n  input:  %s\n  output: %s" % (name, ra[:400], rb[:400]))
strings = json.load(open(sys.argv[2], encoding="utf-8"))
for s, text in strings:
    try:
        got = list(yaml.load_all(text, Loader=yaml.SafeLoader))
    except Exception as e:
        print("DIFF new string %r: %s" % (s, e))
        continue
    want = [{"value": s}, {s: "v"}, [s, s], s]
    if got != want:
        print("DIFF new string %r\n  read: %r\n  text: %r" % (s, got, text))
print("CHECKED %d inputs, %d strings" % (len(pairs), len(strings)))
"#;

/// PyYAML's pure-Python SafeLoader follows YAML 1.1 and shares no code with libyaml: it must read every output
/// as it read the input, and every new string as that string.
/// Built only where `python3 -c "import yaml"` worked when the tests were compiled (build.rs); elsewhere the
/// runner reports it as skipped. CI installs PyYAML, so there it always runs.
#[test]
#[cfg_attr(not(host_pyyaml), ignore = "python3 with PyYAML is not available (pip install pyyaml)")]
fn pyyaml_reads_output_as_it_read_input() {
    let mut pairs = Vec::new();
    for (i, input) in corpus().iter().enumerate() {
        // Everything here is valid UTF-8 (the corpus is built from strings).
        let text = String::from_utf8_lossy(input).into_owned();
        let out = round_trip(input);
        pairs.push(serde_json::json!([format!("corpus #{i}: {}", text.lines().next().unwrap_or("")), text, out]));
    }
    let strings: Vec<_> = TRICKY
        .iter()
        .filter(|s| **s != "value" && **s != "v")
        .map(|s| serde_json::json!([s, emit_stream(&auto_docs(s))]))
        .collect();
    let dir = std::env::temp_dir().join(format!("yaml_layer_pyyaml_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (script, pairs_file, strings_file) = (dir.join("compare.py"), dir.join("pairs.json"), dir.join("strings.json"));
    std::fs::write(&script, PYYAML_COMPARE).expect("write script");
    std::fs::write(&pairs_file, serde_json::to_string(&pairs).expect("json")).expect("write pairs");
    std::fs::write(&strings_file, serde_json::to_string(&strings).expect("json")).expect("write strings");
    let run = std::process::Command::new("python3").arg(&script).arg(&pairs_file).arg(&strings_file).output();
    let _ = std::fs::remove_dir_all(&dir);
    let run = run.expect("run python3");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "python failed: {}\n{stdout}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("CHECKED"), "{stdout}");
    assert!(!stdout.contains("DIFF"), "PyYAML reads differently:\n{stdout}");
    eprintln!("{}", stdout.trim());
}
