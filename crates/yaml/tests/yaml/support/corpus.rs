//! Inputs and helpers the layer's tests share with the PyYAML comparison in crates/host-tests (included by
//! path from both): a corpus of manifests and tricky documents, the strings a writer must quote, a round trip.
#![allow(dead_code)]

use lossless_yaml::meaning::same_docs;
use lossless_yaml::*;

/// parse → emit → parse keeps every meaning; emitting again changes nothing. Returns the emitted text.
pub fn round_trip(input: &[u8]) -> String {
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

pub const DEPLOYMENT: &str = r#"apiVersion: apps/v1
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

pub const RESOURCE_LIST: &str = r#"apiVersion: config.kubernetes.io/v1
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

pub fn corpus() -> Vec<Vec<u8>> {
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

pub const TRICKY: &[&str] = &[
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

pub fn auto_docs(s: &str) -> Vec<Document> {
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
