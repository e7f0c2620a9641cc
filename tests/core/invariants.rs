//! What must hold for any input whatever: the checks the property tests, the fuzz targets (`fuzz/`) and the
//! replay of the fuzz corpus (`tests/fuzz_replay.rs`) share. Each returns `Err(description)` on a violation; a
//! panic inside the library is a violation the caller sees as a panic.
//!
//! - [`check_yaml`]: parse → emit → parse keeps every scalar's value, tag, anchor and meaning (YAML 1.1 and the
//!   1.2 core schema), every key's order, and is a fixed point (emitting again gives the same bytes).
//! - [`check_process`] (ResourceList mode) and [`check_plugin`] (legacy plugin mode): deterministic; exit 0 or 1;
//!   the output parses; no input item is lost, reordered or changed in meaning ([`contained`]); the output minus
//!   what the injection adds equals the input ([`strip_injected`]); a failed run changes no item; a successful
//!   run is idempotent.
//!
//! Included by path from the fuzz crate, so it uses nothing but the library and std.
#![allow(dead_code)]

#[allow(unused_imports)] // each includer uses a different subset
pub use lossless_yaml::meaning::{check_round_trip as check_yaml, same_docs, same_tree};
use lossless_yaml::meaning::{key_text, short};
use lossless_yaml::{parse_stream, resolve_core, Mapping, Node, Resolved};
use std::collections::HashMap;

use sidecar_injector::{process, process_stream, Output};

/// Every value of `before` is in `after` with the same value, properties and meaning; mapping keys keep their
/// relative order; list entries of `before` appear in `after` in the same order (the injection only adds
/// entries and keys).
pub fn contained(before: &Node, after: &Node, path: &str) -> Result<(), String> {
    match (before, after) {
        (Node::Scalar(_), Node::Scalar(_)) => same_tree(before, after, path),
        (Node::Mapping(a), Node::Mapping(b)) => {
            if a.props != b.props {
                return Err(format!("{path}: properties {:?} became {:?}", a.props, b.props));
            }
            let mut last = 0;
            for (k, v) in &a.entries {
                let at = format!("{path}.{}", key_text(k));
                let found = b.entries.iter().position(|(k2, _)| same_tree(k, k2, "").is_ok());
                let i = found.ok_or_else(|| format!("{at}: key lost"))?;
                if i < last {
                    return Err(format!("{at}: key moved before an earlier key"));
                }
                last = i;
                contained(v, &b.entries[i].1, &at)?;
            }
            Ok(())
        }
        (Node::Sequence(a), Node::Sequence(b)) => {
            if a.props != b.props {
                return Err(format!("{path}: properties {:?} became {:?}", a.props, b.props));
            }
            let mut j = 0;
            for (i, item) in a.items.iter().enumerate() {
                while j < b.items.len() && contained(item, &b.items[j], "").is_err() {
                    j += 1;
                }
                if j == b.items.len() {
                    return Err(format!("{path}[{i}]: entry lost, changed or moved"));
                }
                j += 1;
            }
            Ok(())
        }
        (Node::Alias(x), Node::Alias(y)) if x == y => Ok(()),
        // A null where the injection puts a list or a map (`initContainers:`, `metadata: ~`): nothing is lost.
        (Node::Scalar(s), Node::Mapping(_) | Node::Sequence(_))
            if s.props.is_empty() && matches!(resolve_core(s), Resolved::Null) =>
        {
            Ok(())
        }
        _ => Err(format!("{path}: {} became {}", short(before), short(after))),
    }
}

/// The annotation on a pod template that records what each injection added there (README: the status record).
pub const STATUS_ANNOTATION: &str = "sidecar-injector.dev/status";

/// `node` with every injection taken out as the status records say (those given by pod template path in
/// `records`, as [`status_records`] finds them in this tree or another): the containers, init containers,
/// volumes and image pull secrets they name; the env, envFrom and volumeMounts entries they name in the app's
/// containers; the annotation and label keys they name on the template; and the status annotation itself. Then,
/// everywhere, lists and maps of those kinds that are empty (or null) are dropped, on both sides alike. Written
/// apart from the library's own undo, from the README's description, so that the two check each other.
pub fn strip_injected(node: &Node, records: &HashMap<String, Records>) -> Node {
    let mut node = node.clone();
    let mut stack = vec![(&mut node, String::new())];
    while let Some((n, path)) = stack.pop() {
        match n {
            Node::Mapping(m) => {
                if let Some(records) = records.get(&path) {
                    strip_template(m, records);
                }
                if let Some(a) =
                    m.get_mut("metadata").and_then(|md| md.as_mapping_mut()).and_then(|md| md.get_mut("annotations"))
                {
                    if let Some(a) = a.as_mapping_mut() {
                        a.remove(STATUS_ANNOTATION);
                    }
                }
                tidy(m);
                stack.extend(m.entries.iter_mut().map(|(k, v)| {
                    let at = format!("{path}.{}", key_text(k));
                    (v, at)
                }));
            }
            Node::Sequence(s) => stack.extend(s.items.iter_mut().enumerate().map(|(i, v)| (v, format!("{path}[{i}]")))),
            _ => {}
        }
    }
    node
}

/// Drops the empty or null lists and maps an injection creates or empties.
fn tidy(m: &mut Mapping) {
    drop_empty(m, &["containers", "initContainers", "volumes", "imagePullSecrets", "env", "envFrom", "volumeMounts"]);
    if let Some(metadata) = m.get_mut("metadata").and_then(Node::as_mapping_mut) {
        drop_empty(metadata, &["annotations", "labels"]);
    }
    drop_empty(m, &["metadata"]);
}

/// The status records of every pod template in `node`, by the template's path.
pub fn status_records(node: &Node) -> HashMap<String, Records> {
    let mut out = HashMap::new();
    let mut stack = vec![(node, String::new())];
    while let Some((n, path)) = stack.pop() {
        match n {
            Node::Mapping(m) => {
                if let Some(records) = status_of(m) {
                    out.insert(path.clone(), records);
                }
                stack.extend(m.entries.iter().map(|(k, v)| (v, format!("{path}.{}", key_text(k)))));
            }
            Node::Sequence(s) => stack.extend(s.items.iter().enumerate().map(|(i, v)| (v, format!("{path}[{i}]")))),
            _ => {}
        }
    }
    out
}

/// Both trees' status records together, per template.
fn union(a: &HashMap<String, Records>, b: &HashMap<String, Records>) -> HashMap<String, Records> {
    let mut out = a.clone();
    for (path, records) in b {
        out.entry(path.clone()).or_default().extend(records.iter().cloned());
    }
    out
}

/// What one status record says: (list, owner container or "", key field, values).
pub type Records = Vec<(String, String, &'static str, String)>;

fn status_of(template: &Mapping) -> Option<Records> {
    let text = template.get("metadata")?.get("annotations")?.get(STATUS_ANNOTATION)?.as_scalar()?.value.to_string();
    let docs = parse_stream(text.as_bytes()).ok()?;
    let mut out = Records::new();
    for (_, record) in &docs.first()?.root.as_mapping()?.entries {
        let Some(record) = record.as_mapping() else { continue };
        let texts = |n: &Node| -> Vec<String> {
            n.as_sequence()
                .map(|s| s.items.iter().filter_map(|i| Some(i.as_scalar()?.value.to_string())).collect())
                .unwrap_or_default()
        };
        for (field, list, key) in [
            ("containers", "containers", "name"),
            ("initContainers", "initContainers", "name"),
            ("volumes", "volumes", "name"),
        ] {
            for (name, _) in record.get(field).and_then(Node::as_mapping).map(|m| m.entries.as_slice()).unwrap_or(&[]) {
                if let Some(name) = name.as_scalar() {
                    out.push((list.into(), String::new(), key, name.value.to_string()));
                }
            }
        }
        for (field, key) in [("env", "name"), ("envFrom", ""), ("volumeMounts", "mountPath")] {
            for (container, names) in
                record.get(field).and_then(Node::as_mapping).map(|m| m.entries.as_slice()).unwrap_or(&[])
            {
                let Some(container) = container.as_scalar() else { continue };
                for name in texts(names) {
                    out.push((field.into(), container.value.to_string(), key, name));
                }
            }
        }
        for (field, list) in
            [("annotations", "annotations"), ("labels", "labels"), ("imagePullSecrets", "imagePullSecrets")]
        {
            for name in record.get(field).map(texts).unwrap_or_default() {
                out.push((list.into(), String::new(), if list == "imagePullSecrets" { "name" } else { "" }, name));
            }
        }
    }
    Some(out)
}

fn text_of(node: Option<&Node>) -> String {
    node.and_then(Node::as_scalar).map(|s| s.value.to_string()).unwrap_or_default()
}

/// `configMapRef:NAME:PREFIX` or `secretRef:NAME:PREFIX`: how a record names an envFrom entry.
fn env_from_key(node: &Node) -> String {
    let source = if node.get("configMapRef").is_some() { "configMapRef" } else { "secretRef" };
    format!("{source}:{}:{}", text_of(node.get(source).and_then(|r| r.get("name"))), text_of(node.get("prefix")))
}

fn strip_template(template: &mut Mapping, records: &Records) {
    let remove_entries = |list: &mut Node, key: &str, value: &str| {
        if let Node::Sequence(s) = list {
            s.items.retain(|item| {
                let id = if key.is_empty() { env_from_key(item) } else { text_of(item.get(key)) };
                id != value
            });
        }
    };
    if let Some(spec) = template.get_mut("spec").and_then(Node::as_mapping_mut) {
        for (list, owner, key, value) in records {
            match list.as_str() {
                "containers" | "initContainers" | "volumes" | "imagePullSecrets" => {
                    if let Some(l) = spec.get_mut(list) {
                        remove_entries(l, key, value);
                    }
                }
                "env" | "envFrom" | "volumeMounts" => {
                    let containers = spec.get_mut("containers").and_then(Node::as_sequence_mut);
                    for c in containers.into_iter().flat_map(|s| s.items.iter_mut()) {
                        if text_of(c.get("name")) != *owner {
                            continue;
                        }
                        if let Some(l) = c.as_mapping_mut().and_then(|m| m.get_mut(list)) {
                            remove_entries(l, key, value);
                        }
                    }
                }
                _ => {}
            }
        }
        for c in spec.get_mut("containers").and_then(Node::as_sequence_mut).into_iter().flat_map(|s| s.items.iter_mut())
        {
            if let Some(c) = c.as_mapping_mut() {
                drop_empty(c, &["env", "envFrom", "volumeMounts"]);
            }
        }
        drop_empty(spec, &["containers", "initContainers", "volumes", "imagePullSecrets"]);
    }
    if let Some(metadata) = template.get_mut("metadata").and_then(Node::as_mapping_mut) {
        for (list, _, _, key) in records.iter().filter(|r| r.0 == "annotations" || r.0 == "labels") {
            if let Some(m) = metadata.get_mut(list).and_then(Node::as_mapping_mut) {
                m.remove(key);
            }
        }
        if let Some(m) = metadata.get_mut("annotations").and_then(Node::as_mapping_mut) {
            m.remove(STATUS_ANNOTATION);
        }
        drop_empty(metadata, &["annotations", "labels"]);
    }
    drop_empty(template, &["metadata"]);
}

/// Removes the keys `keys` of `map` whose value is an empty collection without properties, or null.
fn drop_empty(map: &mut Mapping, keys: &[&str]) {
    map.entries.retain(|(k, v)| {
        let Some(key) = k.as_scalar().map(|s| s.value.as_str()) else { return true };
        if !keys.contains(&key) {
            return true;
        }
        match v {
            Node::Sequence(s) => !(s.items.is_empty() && s.props.is_empty()),
            Node::Mapping(m) => !(m.entries.is_empty() && m.props.is_empty()),
            Node::Scalar(s) => !matches!(resolve_core(s), Resolved::Null),
            Node::Alias(_) => true,
        }
    });
}

/// True when some pod template in `node` carries a status record.
pub fn has_status(node: &Node) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match n {
            Node::Mapping(m) => {
                if m.get("metadata")
                    .and_then(|md| md.get("annotations"))
                    .and_then(|a| a.get(STATUS_ANNOTATION))
                    .is_some()
                {
                    return true;
                }
                stack.extend(m.entries.iter().map(|(_, v)| v));
            }
            Node::Sequence(s) => stack.extend(s.items.iter()),
            _ => {}
        }
    }
    false
}

/// A ResourceList's root mapping, its items and functionConfig, if `bytes` is one.
pub struct List {
    pub root: Node,
    pub items: Vec<Node>,
    pub config: Option<Node>,
}

pub fn read_list(bytes: &[u8]) -> Option<List> {
    let mut docs = parse_stream(bytes).ok()?;
    if docs.len() != 1 {
        return None;
    }
    let root = docs.remove(0).root;
    root.as_mapping()?;
    let items = match root.get("items") {
        Some(Node::Sequence(s)) => s.items.clone(),
        _ => Vec::new(),
    };
    let config = root.get("functionConfig").cloned();
    Some(List { root, items, config })
}

/// The root without `results` (which the function sets) and `items` (compared apart).
fn envelope(root: &Node) -> Node {
    let mut root = root.clone();
    if let Some(m) = root.as_mapping_mut() {
        m.entries.retain(|(k, _)| !matches!(k.as_scalar().map(|s| s.value.as_str()), Some("results" | "items")));
    }
    root
}

/// Exit 0 or 1; stderr whole lines, each `sidecar-injector: ...`; a failure lists every error, one per line,
/// then the warnings. `empty_ok`: an empty stdout is a success (no documents in).
fn check_output_shape(out: &Output, empty_ok: bool) -> Result<(), String> {
    if out.exit_code != 0 && out.exit_code != 1 {
        return Err(format!("exit code {}", out.exit_code));
    }
    if out.stderr.contains('\r') || (!out.stderr.is_empty() && !out.stderr.ends_with('\n')) {
        return Err(format!("stderr is not whole lines: {:?}", out.stderr));
    }
    if out.exit_code == 1 {
        // Every error, one per line, then the warnings: a host that shows only stderr shows them all.
        let lines: Vec<&str> = out.stderr.lines().collect();
        let errors = lines.iter().take_while(|l| l.starts_with("sidecar-injector: error")).count();
        if errors == 0 {
            return Err(format!("exit 1 without an error line first on stderr: {:?}", out.stderr));
        }
        if let Some(line) = lines[errors..].iter().find(|l| !l.starts_with("sidecar-injector: warning")) {
            return Err(format!("after the errors, a stderr line that is not a warning: {line:?}"));
        }
    } else if out.stdout.is_empty() && !empty_ok {
        return Err("exit 0 with nothing on stdout".into());
    }
    if let Some(line) = out.stderr.lines().find(|l| !l.starts_with("sidecar-injector: ")) {
        return Err(format!("a stderr line that is not the function's: {line:?}"));
    }
    Ok(())
}

/// The KRM function on `data`: see the module's documentation.
pub fn check_process(data: &[u8]) -> Result<(), String> {
    let out = process(data);
    let again = process(data);
    if out != again {
        return Err("two runs on the same input differ".into());
    }
    // Item by item or on the whole tree, the output is the same (the first is only a way to use less memory).
    if let Some(item_by_item) = sidecar_injector::process_item_by_item(data) {
        let whole = sidecar_injector::process_whole(data);
        if item_by_item != whole {
            return Err(format!(
                "item by item and on the whole tree differ\n--- item by item (exit {})\n{}{}\n--- whole (exit {})\n{}{}",
                item_by_item.exit_code,
                String::from_utf8_lossy(&item_by_item.stdout),
                item_by_item.stderr,
                whole.exit_code,
                String::from_utf8_lossy(&whole.stdout),
                whole.stderr
            ));
        }
    }
    check_process_output(data, &out)
}

/// [`check_process`] on a run already made (all but the determinism check: one run less).
pub fn check_process_output(data: &[u8], out: &Output) -> Result<(), String> {
    check_output_shape(out, false)?;
    if out.stdout.is_empty() {
        return Ok(());
    }
    let output = std::str::from_utf8(&out.stdout).map_err(|e| format!("stdout is not UTF-8: {e}"))?;
    let after =
        read_list(&out.stdout).ok_or_else(|| format!("stdout is not one ResourceList\n--- stdout\n{output}"))?;
    let before = read_list(data).ok_or("stdout written for an input that is not a ResourceList")?;
    compare_runs(&before, &after, out.exit_code, output)?;
    if out.exit_code == 0 {
        let rerun = process(&out.stdout);
        if rerun.exit_code != 0 {
            return Err(format!("running on its own output failed: {}\n--- output\n{output}", rerun.stderr));
        }
        let third = read_list(&rerun.stdout).ok_or("the rerun's stdout is not a ResourceList")?;
        same_items(&after.items, &third.items).map_err(|e| format!("not idempotent: {e}\n--- output\n{output}"))?;
    }
    Ok(())
}

fn same_items(a: &[Node], b: &[Node]) -> Result<(), String> {
    if a.len() != b.len() {
        return Err(format!("{} items became {}", a.len(), b.len()));
    }
    a.iter().zip(b).enumerate().try_for_each(|(i, (x, y))| same_tree(x, y, &format!("items[{i}]")))
}

/// Input and output lists of one run: nothing lost, nothing but the injection added, the envelope kept.
fn compare_runs(before: &List, after: &List, exit_code: i32, output: &str) -> Result<(), String> {
    let fail = |e: String| Err(format!("{e}\n--- output\n{output}"));
    if let Err(e) = same_tree(&envelope(&before.root), &envelope(&after.root), "(root)") {
        return fail(format!("the envelope or functionConfig changed: {e}"));
    }
    if before.items.len() != after.items.len() {
        return fail(format!("{} items became {}", before.items.len(), after.items.len()));
    }
    if exit_code != 0 {
        if let Err(e) = same_items(&before.items, &after.items) {
            return fail(format!("a failed run changed an item: {e}"));
        }
        return Ok(());
    }
    for (i, (b, a)) in before.items.iter().zip(&after.items).enumerate() {
        compare_items(b, a, &format!("items[{i}]")).or_else(fail)?;
    }
    Ok(())
}

/// One item before and after a successful run: the output minus the injection equals the input minus it (what
/// the status records before and after name is taken out of both: a part found already present is adopted, an
/// old one is removed or upgraded); and where nothing was injected before, every input value is still there,
/// with its meaning, in order.
pub fn compare_items(before: &Node, after: &Node, path: &str) -> Result<(), String> {
    if !has_status(before) {
        contained(before, after, path).map_err(|e| format!("lost or changed: {e}"))?;
    }
    let records = union(&status_records(before), &status_records(after));
    same_tree(&strip_injected(before, &records), &strip_injected(after, &records), path)
        .map_err(|e| format!("the output minus the injection is not the input: {e}"))
}

/// kustomize's legacy exec plugin mode: the config apart, a plain stream in and out.
pub fn check_plugin(config: &[u8], data: &[u8]) -> Result<(), String> {
    let out = process_stream(config, data);
    if out != process_stream(config, data) {
        return Err("two runs on the same input differ".into());
    }
    // An empty stream (no documents) comes back empty.
    let empty_input = parse_stream(data).is_ok_and(|d| d.is_empty());
    check_output_shape(&out, empty_input)?;
    if out.exit_code == 1 && !out.stdout.is_empty() {
        return Err("plugin mode wrote stdout on a failure".into());
    }
    if out.exit_code != 0 {
        return Ok(());
    }
    let output = std::str::from_utf8(&out.stdout).map_err(|e| format!("stdout is not UTF-8: {e}"))?;
    let fail = |e: String| Err(format!("{e}\n--- output\n{output}"));
    let before = parse_stream(data).map_err(|e| format!("exit 0 on input that does not parse: {e}"))?;
    let after = match parse_stream(&out.stdout) {
        Ok(docs) => docs,
        Err(e) => return fail(format!("the output does not parse: {e}")),
    };
    if before.len() != after.len() {
        return fail(format!("{} documents became {}", before.len(), after.len()));
    }
    for (i, (b, a)) in before.iter().zip(&after).enumerate() {
        if b.version != a.version {
            return fail(format!("document {i}: version {:?} became {:?}", b.version, a.version));
        }
        compare_items(&b.root, &a.root, &format!("doc{i}")).or_else(fail)?;
    }
    let rerun = process_stream(config, &out.stdout);
    if rerun.exit_code != 0 {
        return fail(format!("running on its own output failed: {}", rerun.stderr));
    }
    let third = parse_stream(&rerun.stdout).map_err(|e| format!("the rerun's output does not parse: {e}"))?;
    if let Err(e) = same_docs(&after, &third) {
        return fail(format!("not idempotent: {e}"));
    }
    Ok(())
}

/// The fuzz target `plugin` splits its input at the first NUL byte: the config before it, the stream after.
/// Without a NUL the whole input is the stream, under [`PLUGIN_CONFIG`].
pub fn split_plugin_input(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (PLUGIN_CONFIG.as_bytes(), data),
    }
}

/// A config that injects a sidecar, an init container and a volume into every workload.
pub const PLUGIN_CONFIG: &str = "\
apiVersion: sidecar-injector.dev/v1alpha1
kind: SidecarInjector
metadata:
  name: fuzz
spec:
  containers:
  - name: fuzz-sidecar
    image: example/sidecar:1.0
    resources: {requests: {cpu: 10m}}
    volumeMounts: [{name: fuzz-vol, mountPath: /fuzz}]
  initContainers:
  - name: fuzz-init
    image: example/init:1.0
    resources: {requests: {cpu: 10m}}
  volumes:
  - name: fuzz-vol
    emptyDir: {}
";
