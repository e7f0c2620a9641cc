//! Properties over generated ResourceLists (proptest): workloads of every kind (and things that only look like
//! one), with random names, labels, annotations, containers and values drawn from the strings YAML 1.1 readers
//! misread, each written in a random style (plain, single, double quoted, literal block, `!!str`, flow), with
//! anchors and aliases; non-workload items; and a random valid SidecarInjector config.
//!
//! For each: the run succeeds; it is deterministic; idempotent; keeps every item, in order; loses no value or
//! key order; the output minus what the injection adds equals the input (`tests/invariants`); the injection
//! lands in exactly the selected workloads, in the list the config says, with the config's values read as
//! YAML 1.2 and written so that a YAML 1.1 reader sees the same strings.
//!
//! `PROPTEST_CASES=N cargo test --test properties` runs N cases per property (default 48: a few seconds).

use crate::invariants;

use lossless_yaml::{parse_stream, resolve_core, resolve_yaml11, Node, Resolved, ScalarStyle};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

// ---- scalars --------------------------------------------------------------------------------------------------

/// Strings that YAML 1.1 or 1.2 readers take for something else when plain, and strings that need quoting.
const TRICKY: &[&str] = &[
    "0644",
    "0o17",
    "0x1F",
    "1_000",
    "12:30",
    "190:20:30",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "Y",
    "NO",
    "true",
    "False",
    "null",
    "~",
    "",
    ".inf",
    "-.Inf",
    ".nan",
    "1e3",
    "1.5",
    "+12",
    "-0",
    "08",
    "=",
    "10m",
    "32Mi",
    "nginx:1.27",
    "web",
    "a b",
    "it's",
    "a:b",
    "http://x/y?z#f",
    "-a",
    "é",
    "日本",
    "tab\there",
    "multi\nline\n",
    "two\nlines",
    " lead",
    "trail ",
    "#hash",
    "@at",
    "%pct",
    "\u{2028}",
    "\u{85}",
    "\u{FEFF}x",
    "'",
    "\"",
    "\\",
    "---",
    "...",
    "- a",
    "? x",
    ": y",
    "a: b",
    "a #b",
    "*x",
    "&x",
    "!x",
    "<<",
    "[a]",
    "{b}",
    "x,y",
    "0",
    "-1",
    "1.",
    "NaN",
    "Infinity",
    "0b101",
    "0xdead",
    "1e",
    "08:00",
    "2024-1-1",
];

#[derive(Clone, Copy, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
    Str,
}

#[derive(Clone, Debug)]
struct Sc {
    text: String,
    style: Style,
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![
        3 => Just(Style::Plain),
        2 => Just(Style::Single),
        2 => Just(Style::Double),
        1 => Just(Style::Literal),
        1 => Just(Style::Str),
    ]
}

fn tricky() -> impl Strategy<Value = Sc> {
    (prop::sample::select(TRICKY), style()).prop_map(|(t, style)| Sc { text: t.to_string(), style })
}

/// A string every reader takes for a string (quoted unless plain is a string to YAML 1.2), for config fields
/// that must be strings: the config is read as YAML 1.2.
fn config_string() -> impl Strategy<Value = Sc> {
    tricky().prop_map(|mut sc| {
        let plain = lossless_yaml::Scalar {
            value: sc.text.clone().into(),
            style: ScalarStyle::Plain,
            props: Default::default(),
        };
        if matches!(sc.style, Style::Plain) && !matches!(resolve_core(&plain), Resolved::Str) {
            sc.style = Style::Double;
        }
        sc
    })
}

fn double(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || matches!(c, '\u{7F}'..='\u{9F}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}') => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The scalar's text in its style, if that style can hold it here; checked by reading it back (`flow`: inside a
/// flow collection). Otherwise double quotes, which hold anything.
fn render_inline(sc: &Sc, flow: bool, key: bool) -> String {
    let candidate = match sc.style {
        Style::Plain => Some(sc.text.clone()),
        Style::Single => Some(format!("'{}'", sc.text.replace('\'', "''"))),
        Style::Str => Some(format!("!!str {}", sc.text)),
        Style::Double | Style::Literal => None,
    };
    if let Some(c) = candidate {
        let probe = match (flow, key) {
            (false, false) => format!("k: {c}\n"),
            (false, true) => format!("{c}: v\n"),
            (true, false) => format!("[{c}]\n"),
            (true, true) => format!("{{{c}: v}}\n"),
        };
        if reads_back(&probe, &sc.text, flow, key) && !c.contains('\n') {
            return c;
        }
    }
    double(&sc.text)
}

fn reads_back(probe: &str, text: &str, flow: bool, key: bool) -> bool {
    let Ok(docs) = parse_stream(probe.as_bytes()) else { return false };
    let Some(doc) = docs.first() else { return false };
    let node = match (flow, key) {
        (false, false) => doc.root.get("k"),
        (true, false) => doc.root.as_sequence().and_then(|s| s.items.first()),
        (_, true) => doc.root.as_mapping().and_then(|m| m.entries.first()).map(|(k, _)| k),
    };
    matches!(node, Some(Node::Scalar(s)) if s.value == text) && docs.len() == 1
}

// ---- trees ----------------------------------------------------------------------------------------------------

/// A node to write.
#[derive(Clone, Debug)]
enum Y {
    S(Sc),
    /// A block mapping (`flow`: written `{k: v, ...}` when every value is a scalar).
    M(Vec<(Sc, Y)>, bool),
    L(Vec<Y>, bool),
    /// `&name value`, and an alias to an anchor defined earlier.
    Anchor(String, Box<Y>),
    Alias(String),
    /// A block scalar: its header (`|`, `>-`) and its lines, written indented under its key (a line of only
    /// spaces stays one, deeper than the indentation: what ConfigMap scripts have).
    Block(&'static str, Vec<&'static str>),
}

thread_local! {
    /// Writing "as people do": comments on lines and between entries, list items' mappings starting on the `-`
    /// line. For the byte-for-byte property; the other properties write without.
    static DECORATED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn decorated() -> bool {
    DECORATED.with(|d| d.get())
}

fn key(k: &str) -> Sc {
    Sc { text: k.to_string(), style: Style::Plain }
}

fn s(t: &str) -> Y {
    Y::S(Sc { text: t.to_string(), style: Style::Plain })
}

fn m(entries: Vec<(&str, Y)>) -> Y {
    Y::M(entries.into_iter().map(|(k, v)| (key(k), v)).collect(), false)
}

fn is_scalar(y: &Y) -> bool {
    matches!(y, Y::S(_) | Y::Alias(_)) || matches!(y, Y::Anchor(_, inner) if is_scalar(inner))
}

fn flow_text(y: &Y) -> String {
    match y {
        Y::S(sc) => render_inline(sc, true, false),
        Y::Alias(a) => format!("*{a}"),
        Y::Anchor(a, inner) => format!("&{a} {}", flow_text(inner)),
        Y::M(entries, _) => {
            let parts: Vec<String> =
                entries.iter().map(|(k, v)| format!("{}: {}", render_inline(k, true, true), flow_text(v))).collect();
            format!("{{{}}}", parts.join(", "))
        }
        Y::L(items, _) => format!("[{}]", items.iter().map(flow_text).collect::<Vec<_>>().join(", ")),
        Y::Block(..) => unreachable!("a block scalar is never in a flow collection"),
    }
}

/// The end of a line holding a value: a comment when decorated.
fn end_line(out: &mut String) {
    if decorated() {
        out.push_str("  # noted");
    }
    out.push('\n');
}

/// Writes what follows `key:` or `- ` for `y`, whose collection is at column `indent`.
fn write_value(out: &mut String, y: &Y, indent: usize) {
    match y {
        Y::S(sc) if matches!(sc.style, Style::Literal) && sc.text.contains('\n') && literal_ok(&sc.text) => {
            let body = sc.text.trim_end_matches('\n');
            let chomp = match sc.text.len() - body.len() {
                0 => "-",
                1 => "",
                _ => "+",
            };
            out.push_str(&format!(" |{chomp}\n"));
            for line in sc.text.strip_suffix('\n').unwrap_or(&sc.text).split('\n') {
                if !line.is_empty() {
                    out.push_str(&" ".repeat(indent + 2));
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        Y::S(_) | Y::Alias(_) => {
            out.push(' ');
            out.push_str(&flow_text(y));
            end_line(out);
        }
        Y::Block(header, lines) => {
            out.push_str(&format!(" {header}\n"));
            for line in lines {
                out.push_str(&" ".repeat(indent + 2));
                out.push_str(line);
                out.push('\n');
            }
        }
        Y::Anchor(a, inner) if is_scalar(inner) => {
            out.push_str(&format!(" &{a}"));
            write_value(out, inner, indent);
        }
        Y::Anchor(a, inner) => {
            out.push_str(&format!(" &{a}"));
            write_value(out, inner, indent);
        }
        Y::M(entries, _) if entries.is_empty() => out.push_str(" {}\n"),
        Y::L(items, _) if items.is_empty() => out.push_str(" []\n"),
        Y::M(entries, true) if entries.iter().all(|(_, v)| is_scalar(v)) => {
            out.push(' ');
            out.push_str(&flow_text(y));
            end_line(out);
        }
        Y::L(items, true) if items.iter().all(is_scalar) => {
            out.push(' ');
            out.push_str(&flow_text(y));
            end_line(out);
        }
        Y::M(entries, _) => {
            out.push('\n');
            write_entries(out, entries, indent + 2);
        }
        Y::L(items, _) => {
            out.push('\n');
            for item in items {
                out.push_str(&" ".repeat(indent));
                out.push('-');
                match item {
                    // `- key: value`, the way people write list items.
                    Y::M(entries, false) if decorated() && !entries.is_empty() => {
                        out.push(' ');
                        write_entries_from(out, entries, indent + 2, true);
                    }
                    _ => write_value(out, item, indent + 2),
                }
            }
        }
    }
}

fn literal_ok(text: &str) -> bool {
    !text.starts_with([' ', '\t', '\n'])
        && text.chars().all(|c| {
            c == '\n' || (c as u32 >= 0x20 && !matches!(c, '\u{7F}'..='\u{9F}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}'))
        })
        && text.split('\n').all(|l| l.is_empty() || !l.trim().is_empty())
}

fn write_entries(out: &mut String, entries: &[(Sc, Y)], indent: usize) {
    write_entries_from(out, entries, indent, false)
}

/// `first_inline`: the first entry goes on the current line (after `- `).
fn write_entries_from(out: &mut String, entries: &[(Sc, Y)], indent: usize, first_inline: bool) {
    for (i, (k, v)) in entries.iter().enumerate() {
        if first_inline && i == 0 {
            out.push_str(&render_inline(k, false, true));
            out.push(':');
            write_value(out, v, indent);
            continue;
        }
        if decorated() && k.text.len() % 2 == 0 {
            out.push_str(&" ".repeat(indent));
            out.push_str("# about the next key\n");
        }
        out.push_str(&" ".repeat(indent));
        out.push_str(&render_inline(k, false, true));
        out.push(':');
        write_value(out, v, indent);
    }
}

// ---- workloads ------------------------------------------------------------------------------------------------

const KINDS: &[(&str, &str, &[&str])] = &[
    ("v1", "Pod", &[]),
    ("v1", "PodTemplate", &["template"]),
    ("v1", "ReplicationController", &["spec", "template"]),
    ("apps/v1", "Deployment", &["spec", "template"]),
    ("apps/v1", "ReplicaSet", &["spec", "template"]),
    ("apps/v1", "StatefulSet", &["spec", "template"]),
    ("apps/v1", "DaemonSet", &["spec", "template"]),
    ("batch/v1", "Job", &["spec", "template"]),
    ("batch/v1", "CronJob", &["spec", "jobTemplate", "spec", "template"]),
];

/// One generated item and what the test needs to know about it.
#[derive(Clone, Debug)]
struct Item {
    y: Y,
    /// Index into KINDS when it is a workload with a pod template.
    workload: Option<usize>,
    team: Option<&'static str>,
    local_config: bool,
}

type AppContainer = (Vec<Sc>, Vec<(Sc, Sc)>);

#[derive(Clone, Debug)]
struct WorkloadParts {
    kind: usize,
    team: Option<&'static str>,
    local_config: bool,
    has_template: bool,
    /// Each app container's args and env values.
    containers: Vec<AppContainer>,
    init: bool,
    volumes: bool,
    labels: Vec<(Sc, Sc)>,
    annotations: Vec<(Sc, Sc)>,
    template_labels: bool,
    extra: Vec<Sc>,
    anchors: bool,
    flow: bool,
}

fn workload_parts() -> impl Strategy<Value = WorkloadParts> {
    (
        (
            0..KINDS.len(),
            prop::option::of(prop::sample::select(&["a", "b"][..])),
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.9),
        ),
        prop::collection::vec(
            (prop::collection::vec(tricky(), 0..4), prop::collection::vec((tricky(), tricky()), 0..3)),
            1..3,
        ),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        prop::collection::vec((tricky(), tricky()), 0..3),
        prop::collection::vec((tricky(), tricky()), 0..3),
        prop::collection::vec(tricky(), 0..3),
    )
        .prop_map(
            |(
                (kind, team, local_config, has_template),
                containers,
                (init, volumes, template_labels, anchors, flow),
                labels,
                annotations,
                extra,
            )| {
                WorkloadParts {
                    kind,
                    team,
                    local_config,
                    has_template,
                    containers,
                    init,
                    volumes,
                    labels,
                    annotations,
                    template_labels,
                    extra,
                    anchors,
                    flow,
                }
            },
        )
}

/// Keys made unique within their mapping (a duplicate key is an error, not what these properties are about).
fn unique(entries: Vec<(Sc, Sc)>, prefix: &str) -> Vec<(Sc, Y)> {
    entries
        .into_iter()
        .enumerate()
        .map(|(i, (k, v))| (Sc { text: format!("{prefix}{i}/{}", k.text), style: k.style }, Y::S(v)))
        .collect()
}

/// Which of the config's parts a generated workload already has of its own, identical to the config's.
#[derive(Clone, Copy, Debug, Default)]
struct Carry {
    annotations: bool,
    /// An empty `annotations: {}` on the pod template (when it has none of its own).
    empty_annotations: bool,
    /// The workload's own parts differ from the config's (same names, other values): a conflict, for a
    /// config with onConflict Replace or Merge.
    differ: bool,
    env: bool,
    volumes: bool,
    sidecar: bool,
}

fn carry() -> impl Strategy<Value = Carry> {
    (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()).prop_map(
        |(annotations, empty_annotations, env, volumes, sidecar)| Carry {
            annotations,
            empty_annotations,
            differ: false,
            env,
            volumes,
            sidecar,
        },
    )
}

/// The workload's own value where it differs from the config's.
fn own_other(sc: &Sc) -> Sc {
    Sc { text: format!("own {}", sc.text), style: Style::Double }
}

/// A config value as the workload's own copy writes it: the same string for every reader. The config is read as
/// YAML 1.2, so its plain `yes` is a string; the workload's plain `yes` would be a boolean to Kubernetes.
fn own_copy(sc: &Sc) -> Sc {
    match sc.style {
        Style::Plain => Sc { text: sc.text.clone(), style: Style::Double },
        style => Sc { text: sc.text.clone(), style },
    }
}

fn build_workload(p: &WorkloadParts, index: usize, own: Option<(&Cfg, Carry)>) -> Item {
    let (api_version, kind, path) = KINDS[p.kind];
    let (cfg, carry) = match own {
        Some((cfg, carry)) => (Some(cfg), carry),
        None => (None, Carry::default()),
    };
    let value: fn(&Sc) -> Sc = if carry.differ { own_other } else { own_copy };
    let own_annotations: Vec<(Sc, Y)> = match cfg {
        Some(cfg) if carry.annotations => cfg.annotation_entries(value),
        _ => Vec::new(),
    };
    let mut labels: Vec<(Sc, Y)> = Vec::new();
    if let Some(team) = p.team {
        labels.push((key("team"), s(team)));
    }
    labels.extend(unique(p.labels.clone(), "l"));
    let mut annotations = unique(p.annotations.clone(), "example.com/a");
    if p.local_config {
        annotations
            .push((key("config.kubernetes.io/local-config"), Y::S(Sc { text: "true".into(), style: Style::Double })));
    }
    annotations
        .push((key("internal.config.kubernetes.io/index"), Y::S(Sc { text: index.to_string(), style: Style::Single })));
    if path.is_empty() {
        annotations.extend(own_annotations.iter().cloned());
    }
    if p.anchors {
        annotations.push((
            key("anchored"),
            Y::Anchor(format!("a{index}"), Box::new(Y::S(Sc { text: "shared".into(), style: Style::Single }))),
        ));
        annotations.push((key("aliased"), Y::Alias(format!("a{index}"))));
    }
    let metadata = Y::M(
        vec![
            (key("name"), s(&format!("w{index}-{}", kind.to_lowercase()))),
            (key("labels"), Y::M(labels, p.flow)),
            (key("annotations"), Y::M(annotations, false)),
        ],
        false,
    );
    let containers: Vec<Y> = p
        .containers
        .iter()
        .enumerate()
        .map(|(i, (args, env))| {
            let mut env: Vec<Y> = env
                .iter()
                .enumerate()
                .map(|(j, (_, v))| {
                    Y::M(vec![(key("name"), s(&format!("E{j}"))), (key("value"), Y::S(v.clone()))], p.flow)
                })
                .collect();
            if let (Some(cfg), true) = (cfg, carry.env) {
                env.extend(cfg.env_entries(value));
            }
            let mut fields = vec![
                ("name", s(&format!("app-{i}"))),
                ("image", s(&format!("registry.example/app:1.{i}"))),
                ("args", Y::L(args.iter().cloned().map(Y::S).collect(), p.flow)),
                ("env", Y::L(env, false)),
                ("ports", Y::L(vec![m(vec![("containerPort", s("8080"))])], p.flow)),
            ];
            // Taking an injection out drops the lists it leaves empty: an `env: []` it filled goes too (the
            // status record does not say the list was there before). Not a matter of layout.
            if decorated() && matches!(&fields[3].1, Y::L(items, _) if items.is_empty()) {
                fields.remove(3);
            }
            m(fields)
        })
        .collect();
    let mut containers = containers;
    let mut init_containers = Vec::new();
    if p.init {
        init_containers.push(m(vec![("name", s("app-init")), ("image", s("busybox:1.36"))]));
    }
    if let Some(cfg) = cfg.filter(|c| carry.sidecar && c.sidecars > 0) {
        let image = if carry.differ { "example/own-sidecar:9" } else { SIDECAR_IMAGE };
        match cfg.native {
            true => init_containers.push(cfg.container("sc-0".into(), image, value, true)),
            false => containers.push(cfg.container("sc-0".into(), image, value, false)),
        }
    }
    let mut spec = vec![("containers", Y::L(containers, false))];
    if !init_containers.is_empty() {
        spec.insert(0, ("initContainers", Y::L(init_containers, false)));
    }
    let mut volumes = Vec::new();
    if p.volumes {
        volumes
            .push(m(vec![("name", s("data")), ("configMap", m(vec![("name", s("cfg")), ("defaultMode", s("0644"))]))]));
    }
    if let (Some(cfg), true) = (cfg, carry.volumes) {
        let own = |name: &str| m(vec![("name", s(name)), ("hostPath", m(vec![("path", s("/own"))]))]);
        match carry.differ {
            true => volumes.extend((0..cfg.volumes).map(|i| own(&format!("sc-vol-{i}")))),
            false => volumes.extend(cfg.volume_entries()),
        }
    }
    if !volumes.is_empty() {
        spec.push(("volumes", Y::L(volumes, false)));
    }
    // Empty collections as list items and values (`- {}` once made the emitter's size estimate underflow).
    spec.push(("tolerations", Y::L(vec![Y::M(vec![], p.flow), Y::L(vec![], false)], false)));
    spec.push(("securityContext", Y::M(vec![], false)));
    for (i, v) in p.extra.iter().enumerate() {
        spec.push((["hostname", "subdomain", "schedulerName"][i], Y::S(v.clone())));
    }
    if kind == "Job" || kind == "CronJob" {
        spec.push(("restartPolicy", s("Never")));
    }
    let pod_spec = m(spec);
    let mut template_metadata = Vec::new();
    let mut template_annotations = own_annotations;
    if p.template_labels {
        template_metadata.push(("labels", Y::M(vec![(key("team"), s("x"))], p.flow)));
        template_annotations.push((key("example.com/note"), s("kept")));
    }
    if !template_annotations.is_empty() || (carry.empty_annotations && !path.is_empty()) {
        // Where the injection writes its status record: with template labels, a flow mapping it edits in flow
        // style.
        template_metadata.push(("annotations", Y::M(template_annotations, p.template_labels && p.flow)));
    }
    let template = if template_metadata.is_empty() {
        m(vec![("spec", pod_spec)])
    } else {
        Y::M(vec![(key("metadata"), m(template_metadata)), (key("spec"), pod_spec)], false)
    };
    // Wrap the template in its path, from the inside out; a Pod's template is the Pod itself.
    let mut body: Vec<(Sc, Y)> =
        vec![(key("apiVersion"), s(api_version)), (key("kind"), s(kind)), (key("metadata"), metadata)];
    if path.is_empty() {
        if let Y::M(entries, _) = template {
            body.extend(entries.into_iter().filter(|(k, _)| k.text == "spec"));
        }
    } else if p.has_template {
        let mut node = template;
        for k in path.iter().rev() {
            node = m(vec![(k, node)]);
        }
        if let Y::M(entries, _) = node {
            body.extend(entries);
        }
    } else {
        body.push((key(path[0]), m(vec![("replicas", s("3"))])));
    }
    if kind == "CronJob" {
        if let Some((_, Y::M(spec, _))) = body.iter_mut().find(|(k, _)| k.text == "spec") {
            spec.insert(0, (key("schedule"), Y::S(Sc { text: "*/5 * * * *".into(), style: Style::Single })));
        }
    }
    let has_template = p.has_template || path.is_empty();
    Item { y: Y::M(body, false), workload: has_template.then_some(p.kind), team: p.team, local_config: p.local_config }
}

fn other_item(choice: usize, index: usize, values: &[(Sc, Sc)]) -> Item {
    let mut data = unique(values.to_vec(), "k");
    // Block scalars as ConfigMaps hold them: a script with an indented blank line, a folded description.
    data.push((key("app.py"), Y::Block("|", vec!["import os", "def main():", "    x = 1", "    ", "    return x"])));
    data.push((key("description"), Y::Block(">-", vec!["folded", "text", "", "kept"])));
    let data = Y::M(data, false);
    let name = s(&format!("o{index}"));
    let y = match choice {
        0 => m(vec![
            ("apiVersion", s("v1")),
            ("kind", s("ConfigMap")),
            ("metadata", m(vec![("name", name)])),
            ("data", data),
        ]),
        1 => m(vec![
            ("apiVersion", s("v1")),
            ("kind", s("Service")),
            ("metadata", m(vec![("name", name)])),
            ("spec", m(vec![("ports", Y::L(vec![m(vec![("port", s("80"))])], true))])),
        ]),
        // Looks like a workload, is not one: another group's Deployment.
        _ => m(vec![
            ("apiVersion", s("example.com/v1")),
            ("kind", s("Deployment")),
            ("metadata", m(vec![("name", name)])),
            (
                "spec",
                m(vec![(
                    "template",
                    m(vec![(
                        "spec",
                        m(vec![("containers", Y::L(vec![m(vec![("name", s("app")), ("image", s("x"))])], false))]),
                    )]),
                )]),
            ),
            ("data", data),
        ]),
    };
    Item { y, workload: None, team: None, local_config: false }
}

// ---- the config -----------------------------------------------------------------------------------------------

const SIDECAR_IMAGE: &str = "example/sidecar:1.0";

#[derive(Clone, Debug)]
struct Cfg {
    sidecars: usize,
    init: bool,
    volumes: usize,
    native: bool,
    args: Vec<Sc>,
    env: Vec<Sc>,
    annotations: Vec<Sc>,
    /// 0: no selector; 1: kinds; 2: matchLabels team=a.
    selector: usize,
    kinds: Vec<usize>,
    /// spec.onConflict, when given.
    on_conflict: Option<&'static str>,
}

fn cfg() -> impl Strategy<Value = Cfg> {
    (
        (0usize..3, any::<bool>(), 0usize..3, any::<bool>()),
        prop::collection::vec(config_string(), 0..4),
        prop::collection::vec(config_string(), 0..3),
        prop::collection::vec(config_string(), 0..3),
        (0usize..3, prop::collection::vec(0..KINDS.len(), 1..4)),
    )
        .prop_map(|((sidecars, init, volumes, native), args, env, annotations, (selector, kinds))| {
            let sidecars = if sidecars == 0 && !init && volumes == 0 { 1 } else { sidecars };
            Cfg { sidecars, init, volumes, native, args, env, annotations, selector, kinds, on_conflict: None }
        })
}

impl Cfg {
    fn selects(&self, item: &Item) -> bool {
        let Some(kind) = item.workload else { return false };
        !item.local_config
            && match self.selector {
                1 => self.kinds.contains(&kind),
                2 => item.team == Some("a"),
                _ => true,
            }
    }

    /// A configured container; `value` writes its strings (`as_native`: as the injection writes a native one).
    fn container(&self, name: String, image: &str, value: fn(&Sc) -> Sc, as_native: bool) -> Y {
        let mut entries = vec![
            ("name", s(&name)),
            ("image", s(image)),
            ("args", Y::L(self.args.iter().map(|a| Y::S(value(a))).collect(), false)),
            ("resources", m(vec![("requests", m(vec![("cpu", s("10m"))]))])),
        ];
        if as_native {
            entries.push(("restartPolicy", s("Always")));
        }
        m(entries)
    }

    fn volume_entries(&self) -> Vec<Y> {
        (0..self.volumes)
            .map(|i| m(vec![("name", s(&format!("sc-vol-{i}"))), ("emptyDir", Y::M(vec![], false))]))
            .collect()
    }

    fn env_entries(&self, value: fn(&Sc) -> Sc) -> Vec<Y> {
        self.env
            .iter()
            .enumerate()
            .map(|(i, v)| m(vec![("name", s(&format!("SC_ENV_{i}"))), ("value", Y::S(value(v)))]))
            .collect()
    }

    fn annotation_entries(&self, value: fn(&Sc) -> Sc) -> Vec<(Sc, Y)> {
        self.annotations
            .iter()
            .enumerate()
            .map(|(i, v)| (key(&format!("sc.example.com/a{i}")), Y::S(value(v))))
            .collect()
    }

    fn y(&self) -> Y {
        let as_written = |sc: &Sc| sc.clone();
        let mut spec: Vec<(&str, Y)> = vec![("native", s(if self.native { "true" } else { "false" }))];
        spec.push((
            "containers",
            Y::L(
                (0..self.sidecars)
                    .map(|i| self.container(format!("sc-{i}"), SIDECAR_IMAGE, as_written, false))
                    .collect(),
                false,
            ),
        ));
        if self.init {
            spec.push((
                "initContainers",
                Y::L(vec![self.container("sc-init".into(), "example/init:1.0", as_written, false)], false),
            ));
        }
        spec.push(("volumes", Y::L(self.volume_entries(), false)));
        spec.push(("env", Y::L(self.env_entries(as_written), false)));
        spec.push(("annotations", Y::M(self.annotation_entries(as_written), false)));
        if let Some(policy) = self.on_conflict {
            spec.push(("onConflict", s(policy)));
        }
        match self.selector {
            1 => spec.push((
                "selector",
                m(vec![("kinds", Y::L(self.kinds.iter().map(|k| s(KINDS[*k].1)).collect(), true))]),
            )),
            2 => {
                spec.push(("selector", m(vec![("labelSelector", m(vec![("matchLabels", m(vec![("team", s("a"))]))]))])))
            }
            _ => {}
        }
        m(vec![
            ("apiVersion", s("sidecar-injector.dev/v1alpha1")),
            ("kind", s("SidecarInjector")),
            ("metadata", m(vec![("name", s("inject"))])),
            ("spec", m(spec)),
        ])
    }

    /// The injected containers' names, and the list each goes to.
    fn containers(&self) -> Vec<(String, &'static str)> {
        let sidecar_list = if self.native { "initContainers" } else { "containers" };
        let mut out: Vec<(String, &'static str)> =
            (0..self.sidecars).map(|i| (format!("sc-{i}"), sidecar_list)).collect();
        if self.init {
            out.push(("sc-init".into(), "initContainers"));
        }
        out
    }
}

// ---- the ResourceList -----------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Case {
    items: Vec<Item>,
    cfg: Cfg,
    text: String,
}

fn case() -> impl Strategy<Value = Case> {
    case_carrying(Just(Carry::default()), Just(None))
}

/// Generated lists whose workloads already have, of their own, some of the parts the config adds; the config's
/// onConflict from `policy`.
fn case_carrying(
    carry: impl Strategy<Value = Carry>,
    policy: impl Strategy<Value = Option<&'static str>>,
) -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(
            prop_oneof![
                4 => (workload_parts(), carry).prop_map(Ok),
                1 => (0usize..3, prop::collection::vec((tricky(), tricky()), 0..4)).prop_map(Err),
            ],
            0..7,
        ),
        (cfg(), policy),
        any::<bool>(),
    )
        .prop_map(|(parts, (mut cfg, policy), explicit_start)| {
            cfg.on_conflict = policy;
            let items: Vec<Item> = parts
                .iter()
                .enumerate()
                .map(|(i, p)| match p {
                    Ok((w, carry)) => build_workload(w, i, Some((&cfg, *carry))),
                    Err((choice, values)) => other_item(*choice, i, values),
                })
                .collect();
            let root = Y::M(
                vec![
                    (key("apiVersion"), s("config.kubernetes.io/v1")),
                    (key("kind"), s("ResourceList")),
                    (key("items"), Y::L(items.iter().map(|i| i.y.clone()).collect(), false)),
                    (key("functionConfig"), cfg.y()),
                ],
                false,
            );
            let mut text = String::from(if explicit_start { "---\n" } else { "" });
            if let Y::M(entries, _) = &root {
                write_entries(&mut text, entries, 0);
            }
            Case { items, cfg, text }
        })
}

/// The pod spec of a generated workload in the output.
fn pod_spec(item: &Node, kind: usize) -> Option<&Node> {
    let mut node = item;
    for k in KINDS[kind].2 {
        node = node.get(k)?;
    }
    node.get("spec")
}

fn names(list: Option<&Node>) -> Vec<String> {
    list.and_then(Node::as_sequence)
        .map(|s| s.items.iter().filter_map(|c| Some(c.get("name")?.as_scalar()?.value.to_string())).collect())
        .unwrap_or_default()
}

/// The config's strings (read as YAML 1.2) arrive as the same strings for a YAML 1.1 reader.
fn same_strings_for_kubernetes(config: &Node, injected: &Node, path: &str) -> Result<(), String> {
    match (config, injected) {
        (Node::Scalar(c), Node::Scalar(i)) => {
            let string_in_config = matches!(resolve_core(c), Resolved::Str | Resolved::Timestamp);
            let ok = c.value == i.value
                && if string_in_config {
                    resolve_yaml11(i) == Resolved::Str && resolve_core(i) == Resolved::Str
                } else {
                    resolve_core(c) == resolve_core(i)
                };
            ok.then_some(()).ok_or_else(|| {
                format!(
                    "{path}: {:?} ({:?}) became {:?} {:?} ({:?} under YAML 1.1)",
                    c.value,
                    c.style,
                    i.value,
                    i.style,
                    resolve_yaml11(i)
                )
            })
        }
        (Node::Mapping(c), Node::Mapping(i)) => {
            for (k, v) in &c.entries {
                let name = k.as_scalar().map(|s| s.value.to_string()).unwrap_or_default();
                let other = i.get(&name).ok_or(format!("{path}.{name}: missing"))?;
                same_strings_for_kubernetes(v, other, &format!("{path}.{name}"))?;
            }
            Ok(())
        }
        (Node::Sequence(c), Node::Sequence(i)) if c.items.len() == i.items.len() => c
            .items
            .iter()
            .zip(&i.items)
            .enumerate()
            .try_for_each(|(n, (a, b))| same_strings_for_kubernetes(a, b, &format!("{path}[{n}]"))),
        _ => Err(format!("{path}: {} became {}", config.describe(), injected.describe())),
    }
}

fn check_case(case: &Case) -> Result<(), TestCaseError> {
    let input = case.text.as_bytes();
    if std::env::var_os("PROPERTIES_SHOW").is_some() {
        eprintln!("{}\n=====", case.text);
    }
    let parsed = invariants::read_list(input)
        .ok_or_else(|| TestCaseError::fail(format!("generated input does not parse:\n{}", case.text)))?;
    prop_assert_eq!(parsed.items.len(), case.items.len());
    let out = sidecar_injector::process(input);
    prop_assert_eq!(out.exit_code, 0, "stderr: {}\n--- input\n{}", out.stderr, case.text);
    invariants::check_process(input).map_err(|e| TestCaseError::fail(format!("{e}\n--- input\n{}", case.text)))?;

    let output = invariants::read_list(&out.stdout).expect("checked above");
    let config = parsed.config.as_ref().expect("a config");
    let config_containers: Vec<&Node> = ["containers", "initContainers"]
        .iter()
        .filter_map(|f| config.get("spec")?.get(f)?.as_sequence())
        .flat_map(|s| s.items.iter())
        .collect();
    for (index, (item, after)) in case.items.iter().zip(&output.items).enumerate() {
        let Some(kind) = item.workload else { continue };
        let spec = pod_spec(after, kind);
        let selected = case.cfg.selects(item);
        for (name, list) in case.cfg.containers() {
            let present = names(spec.and_then(|s| s.get(list))).contains(&name);
            prop_assert_eq!(
                present,
                selected,
                "item {}: {} in {}: selected {}\n--- input\n{}",
                index,
                name,
                list,
                selected,
                case.text
            );
            if present {
                let injected = spec
                    .and_then(|s| s.get(list))
                    .and_then(Node::as_sequence)
                    .and_then(|l| {
                        l.items
                            .iter()
                            .find(|c| c.get("name").and_then(Node::as_scalar).is_some_and(|s| s.value == name))
                    })
                    .expect("present");
                let configured = config_containers
                    .iter()
                    .find(|c| c.get("name").and_then(Node::as_scalar).is_some_and(|s| s.value == name))
                    .expect("configured");
                same_strings_for_kubernetes(configured, injected, &format!("items[{index}].{name}")).map_err(|e| {
                    TestCaseError::fail(format!("{e}\n--- output\n{}", String::from_utf8_lossy(&out.stdout)))
                })?;
            }
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
}

#[test]
fn generated_resource_lists_keep_everything_and_inject_where_selected() {
    let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() });
    if let Err(e) = runner.run(&case(), |c| check_case(&c)) {
        panic!("{e}");
    }
}

/// The same lists through kustomize's legacy plugin mode: the items as a plain stream, the config apart.
#[test]
fn generated_streams_in_plugin_mode() {
    let mut runner = TestRunner::new(Config { cases: cases() / 2, failure_persistence: None, ..Config::default() });
    let result = runner.run(&case(), |c| {
        let list = invariants::read_list(c.text.as_bytes()).expect("parses");
        let docs: Vec<lossless_yaml::Document> =
            list.items.iter().map(|n| lossless_yaml::Document { root: n.clone(), version: None }).collect();
        let stream = lossless_yaml::emit_stream(&docs);
        let config = lossless_yaml::emit_document(&lossless_yaml::Document {
            root: list.config.expect("config"),
            version: None,
        });
        let out = sidecar_injector::process_stream(config.as_bytes(), stream.as_bytes());
        prop_assert_eq!(out.exit_code, 0, "{}", out.stderr);
        invariants::check_plugin(config.as_bytes(), stream.as_bytes())
            .map_err(|e| TestCaseError::fail(format!("{e}\n--- stream\n{stream}")))
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The generator itself: its text reads back as the items it meant (a generator that wrote something else would
/// make every property above vacuous).
#[test]
fn the_generator_writes_what_it_means() {
    let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() });
    let result = runner.run(&(tricky(), any::<bool>(), any::<bool>()), |(sc, flow, key)| {
        let text = render_inline(&sc, flow, key);
        let probe = match (flow, key) {
            (false, false) => format!("k: {text}\n"),
            (false, true) => format!("{text}: v\n"),
            (true, false) => format!("[{text}]\n"),
            (true, true) => format!("{{{text}: v}}\n"),
        };
        prop_assert!(reads_back(&probe, &sc.text, flow, key), "{:?} as {:?}", sc, probe);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

// ---- byte for byte ------------------------------------------------------------------------------------------

/// The text of each item of the ResourceList's `items` (written at column 0 by the generator): from its `-`
/// line through the line before the next item's, comment lines and blank lines included.
fn item_texts(text: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    let mut inside = false;
    for line in text.split_inclusive('\n') {
        if !inside {
            inside = line.starts_with("items:");
            continue;
        }
        if line.starts_with('-') {
            items.push(String::new());
        } else if !(line.trim().is_empty() || line.starts_with(' ')) {
            break;
        }
        if let Some(item) = items.last_mut() {
            item.push_str(line);
        }
    }
    items
}

/// The same list, with `remove: true` as the config's first spec field.
fn with_remove(text: &str) -> String {
    let at = text.find("\nfunctionConfig:").expect("a config");
    let spec = at + text[at..].find("\n  spec:\n").expect("a config spec") + "\n  spec:\n".len();
    format!("{}    remove: true\n{}", &text[..spec], &text[spec..])
}

/// Written the way people write (comments after values and above keys, flow collections, block scalars, list
/// items' mappings on the `-` line): the items the run does not change come back byte for byte, and after taking
/// the injection out again (`remove: true`, on the output) every item is byte for byte what it was.
#[test]
fn untouched_items_and_removed_injections_come_back_byte_for_byte() {
    let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() });
    // The generator runs on this thread (each test has its own).
    DECORATED.with(|d| d.set(true));
    let result = runner.run(&case(), |c| {
        let text = c.text.clone();
        let before = item_texts(&text);
        prop_assert_eq!(before.len(), c.items.len(), "the generator's items\n{}", text);
        let out = sidecar_injector::process(text.as_bytes());
        prop_assert_eq!(out.exit_code, 0, "stderr: {}\n--- input\n{}", out.stderr, text);
        let output = String::from_utf8(out.stdout).expect("UTF-8");
        let after = item_texts(&output);
        prop_assert_eq!(after.len(), before.len(), "items in the output\n{}", output);
        for (i, item) in c.items.iter().enumerate() {
            if !c.cfg.selects(item) {
                prop_assert_eq!(
                    &after[i],
                    &before[i],
                    "item {} is not selected, yet changed\n--- output\n{}",
                    i,
                    output
                );
            }
        }
        invariants::check_process(text.as_bytes())
            .map_err(|e| TestCaseError::fail(format!("{e}\n--- input\n{text}")))?;
        let removed = sidecar_injector::process(with_remove(&output).as_bytes());
        prop_assert_eq!(removed.exit_code, 0, "stderr: {}", removed.stderr);
        let back = String::from_utf8(removed.stdout).expect("UTF-8");
        let back_items = item_texts(&back);
        for (i, (b, a)) in before.iter().zip(&back_items).enumerate() {
            prop_assert_eq!(
                a,
                b,
                "item {} after inject and remove\n--- input\n{}\n--- injected\n{}\n--- removed\n{}",
                i,
                text,
                output,
                back
            );
        }
        prop_assert_eq!(back_items.len(), before.len());
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The run's output with the config's `spec.remove` set to true.
fn with_remove_in_tree(output: &[u8]) -> String {
    let mut docs = parse_stream(output).expect("the output parses");
    let spec = docs[0]
        .root
        .as_mapping_mut()
        .and_then(|m| m.get_mut("functionConfig"))
        .and_then(Node::as_mapping_mut)
        .and_then(|c| c.get_mut("spec"))
        .and_then(Node::as_mapping_mut)
        .expect("a config spec");
    let plain_true =
        lossless_yaml::Scalar { value: "true".into(), style: ScalarStyle::Plain, props: Default::default() };
    spec.insert("remove", Node::Scalar(plain_true));
    lossless_yaml::emit_document(&docs[0])
}

/// Issue 11, item 1: what a workload had of its own before the injection is still there after the injection is
/// taken out, even where it is identical to what the config adds. Inject, then remove, gives back every item as
/// it was read: in meaning, and as the YAML layer writes it (styles, key order).
#[test]
fn inject_then_remove_gives_back_workloads_that_already_had_some_parts() {
    let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() });
    let result = runner.run(&case_carrying(carry(), Just(None)), |c| check_inject_then_remove(&c));
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The same with the workload's own parts differing from the config's, under onConflict Replace (the config's
/// replace them while injected) and Merge (a sidecar the workload declares is laid over the config's; other
/// parts stay the workload's): taking the injection out gives back every one as the workload had it.
#[test]
fn inject_then_remove_gives_back_what_replace_or_merge_took_over() {
    let mut runner = TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() });
    let differing = carry().prop_map(|c| Carry { differ: true, ..c });
    let policy = prop::sample::select(&["Replace", "Merge"][..]).prop_map(Some);
    let result = runner.run(&case_carrying(differing, policy), |c| check_inject_then_remove(&c));
    if let Err(e) = result {
        panic!("{e}");
    }
}

fn check_inject_then_remove(c: &Case) -> Result<(), TestCaseError> {
    let injected = sidecar_injector::process(c.text.as_bytes());
    prop_assert_eq!(injected.exit_code, 0, "inject: {}\n--- input\n{}", injected.stderr, c.text);
    let removal = with_remove_in_tree(&injected.stdout);
    let removed = sidecar_injector::process(removal.as_bytes());
    prop_assert_eq!(removed.exit_code, 0, "remove: {}\n--- input\n{}", removed.stderr, removal);
    let before = invariants::read_list(c.text.as_bytes()).expect("parses");
    let after = invariants::read_list(&removed.stdout).expect("parses");
    prop_assert_eq!(before.items.len(), after.items.len());
    for (i, (b, a)) in before.items.iter().zip(&after.items).enumerate() {
        let text = |n: &Node| lossless_yaml::emit_document(&lossless_yaml::Document { root: n.clone(), version: None });
        prop_assert!(
            b.same_meaning(a),
            "item {} changed in meaning\n--- input\n{}\n--- after inject\n{}\n--- after remove\n{}",
            i,
            text(b),
            String::from_utf8_lossy(&injected.stdout),
            text(a)
        );
        prop_assert_eq!(text(b), text(a), "item {} is written differently", i);
    }
    Ok(())
}
