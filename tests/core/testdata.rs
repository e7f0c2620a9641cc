//! Every case under `testdata/cases/` through the library, each case a test of its own (named after its
//! folder); the host tests run the same cases through the native binary and the `.wasm`.
//! The case format is in `tests/support/cases.rs`.
//!
//! Besides the expected files, every case is checked for what must hold whatever the expected files say:
//! output is deterministic; a successful output run again is unchanged (idempotent); every input item is still
//! in the output with every value's meaning (under YAML 1.1 and 1.2) and key order; a failed run changes no item.
//!
//! `UPDATE_EXPECTED=1 cargo test --test core testdata::` rewrites the expected files from the library's output
//! and still fails, so that every rewrite is reviewed in the diff.

use std::path::Path;

use lossless_yaml::{parse_stream, Node};

#[path = "../support/cases.rs"]
mod cases;
use cases::{differences, write_or_remove, Case};

macro_rules! case {
    ($ident:ident, $name:literal) => {
        #[test]
        fn $ident() {
            check(&cases::case_in(&Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cases"), $name));
        }
    };
}
include!(concat!(env!("OUT_DIR"), "/testdata_cases.rs"));

fn run_library(case: &Case, input: &[u8]) -> sidecar_injector::Output {
    match &case.plugin_config {
        Some(config) => sidecar_injector::process_stream(config.as_bytes(), input),
        None => sidecar_injector::process(input),
    }
}

fn check(case: &Case) {
    matches_expected_files(case);
    deterministic_and_idempotent(case);
    loses_nothing_from_its_input(case);
}

fn matches_expected_files(case: &Case) {
    let out = run_library(case, &case.input);
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        write_or_remove(&case.dir.join("expected.yaml"), &out.stdout);
        write_or_remove(&case.dir.join("expected.stderr"), out.stderr.as_bytes());
        let exit = if out.exit_code == 0 { Vec::new() } else { format!("{}\n", out.exit_code).into_bytes() };
        write_or_remove(&case.dir.join("expected.exit"), &exit);
        panic!("UPDATE_EXPECTED: expected files rewritten; review the diff, then run again without it");
    }
    let failures = differences(case, "library", &out.stdout, &out.stderr, out.exit_code);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn deterministic_and_idempotent(case: &Case) {
    let first = run_library(case, &case.input);
    let again = run_library(case, &case.input);
    assert_eq!(first, again, "{}: two runs on the same input differ", case.name);
    if first.exit_code != 0 || first.stdout.is_empty() {
        return;
    }
    // The output of a ResourceList run is itself a ResourceList; a plugin run's output is a stream.
    let second = run_library(case, &first.stdout);
    assert_eq!(second.exit_code, 0, "{}: running on its own output failed: {}", case.name, second.stderr);
    assert_eq!(
        items_text(case, &second.stdout),
        items_text(case, &first.stdout),
        "{}: running on its own output changed the items",
        case.name
    );
}

fn loses_nothing_from_its_input(case: &Case) {
    let out = run_library(case, &case.input);
    let Ok(input_items) = items(case, &case.input) else { return };
    if out.stdout.is_empty() {
        assert_ne!(out.exit_code, 0, "{}: empty output on success", case.name);
        return;
    }
    let output_items = items(case, &out.stdout).expect("output parses");
    assert_eq!(input_items.len(), output_items.len(), "{}: item count changed", case.name);
    for (i, (before, after)) in input_items.iter().zip(&output_items).enumerate() {
        if out.exit_code != 0 {
            assert!(before == after, "{}: item {i} changed although the run failed", case.name);
        }
        assert_records_kept(case, before, after, i);
        let mut before = before.clone();
        strip(&mut before, &case.may_remove);
        if let Err(why) = crate::invariants::contained(&before, after, "") {
            panic!("{}: item {i}: {why}: the input's value is lost or changed in the output", case.name);
        }
    }
}

/// The items of a ResourceList, or the documents of a plugin stream.
fn items(case: &Case, bytes: &[u8]) -> Result<Vec<Node>, String> {
    let docs = parse_stream(bytes).map_err(|e| e.to_string())?;
    if case.plugin_config.is_some() {
        return Ok(docs.into_iter().map(|d| d.root).collect());
    }
    let [doc] = docs.as_slice() else { return Err("not one document".into()) };
    Ok(doc.root.get("items").and_then(Node::as_sequence).map(|s| s.items.clone()).ok_or("no items")?)
}

fn items_text(case: &Case, bytes: &[u8]) -> String {
    format!("{:?}", items(case, bytes))
}

/// The status record is the function's own and is rewritten by any change; what must hold is that every
/// injection the input records is still recorded in the output (unless the case may remove it).
fn assert_records_kept(case: &Case, before: &Node, after: &Node, i: usize) {
    let names = |item: &Node| -> Vec<String> {
        let mut found = Vec::new();
        collect_status(item, &mut found);
        found
            .iter()
            .flat_map(|json| {
                serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json).expect("status is JSON")
            })
            .map(|(name, _)| name)
            .collect()
    };
    let kept = names(after);
    for name in names(before) {
        assert!(
            kept.contains(&name) || case.may_remove.contains(&name),
            "{}: item {i}: the status record of injection {name:?} was lost",
            case.name
        );
    }
}

fn collect_status(node: &Node, out: &mut Vec<String>) {
    match node {
        Node::Mapping(m) => {
            for (k, v) in &m.entries {
                match (k.as_str(), v.as_str()) {
                    (Some("sidecar-injector.dev/status"), Some(json)) => out.push(json.to_string()),
                    _ => collect_status(v, out),
                }
            }
        }
        Node::Sequence(s) => s.items.iter().for_each(|i| collect_status(i, out)),
        _ => {}
    }
}

/// Takes out of `node` the list entries and mapping keys named in `names` and the status record (checked
/// apart, by `assert_records_kept`), wherever they are.
fn strip(node: &mut Node, names: &[String]) {
    match node {
        Node::Sequence(seq) => {
            seq.items.retain(|item| {
                let id = item.get("name").or_else(|| item.get("mountPath")).and_then(Node::as_str);
                !id.is_some_and(|id| names.iter().any(|n| n == id))
            });
            seq.items.iter_mut().for_each(|i| strip(i, names));
        }
        Node::Mapping(map) => {
            map.entries.retain(|(k, _)| {
                let key = k.as_str().unwrap_or("");
                key != "sidecar-injector.dev/status" && !names.iter().any(|n| n == key)
            });
            // A list or mapping that only held stripped things goes too, as the function drops it; one that
            // was empty in the input stays, and is checked like everything else.
            let is_empty = |v: &Node| match v {
                Node::Sequence(s) => s.items.is_empty(),
                Node::Mapping(m) => m.entries.is_empty(),
                _ => false,
            };
            let mut emptied = Vec::new();
            for (k, v) in map.entries.iter_mut() {
                let was_empty = is_empty(v);
                strip(v, names);
                if !was_empty && is_empty(v) {
                    emptied.push(k.clone());
                }
            }
            map.entries.retain(|(k, _)| !emptied.contains(k));
        }
        _ => {}
    }
}
