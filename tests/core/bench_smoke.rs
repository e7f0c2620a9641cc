//! A cheap check of the benchmark's pieces (`./build.sh bench`), so that they do not rot between runs: the
//! generator's inputs are valid YAML of the promised shape, the function injects into every generated
//! workload, and the parse-and-emit floor (bench/floor) round-trips them. No timing here.
#[path = "../../bench/gen.rs"]
mod gen;

use lossless_yaml::{emit_stream_from, parse_stream, Node};

#[test]
fn resource_list_has_the_workloads_and_every_one_is_injected() {
    let list = gen::resource_list(10);
    let docs = parse_stream(list.as_bytes()).expect("the generated ResourceList parses");
    assert_eq!(docs.len(), 1);
    let items = docs[0].root.get("items").and_then(Node::as_sequence).expect("items");
    assert_eq!(items.items.len(), 10);
    let kinds: std::collections::BTreeSet<&str> =
        items.items.iter().filter_map(|i| i.get("kind").and_then(Node::as_str)).collect();
    assert_eq!(kinds.len(), gen::KINDS.len(), "every kind is in the mix: {kinds:?}");

    let out = sidecar_injector::process(list.as_bytes());
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    // Once in each workload, once in the functionConfig that comes back.
    assert_eq!(text.matches("name: fluent-bit\n").count(), 11, "{text}");
}

#[test]
fn floor_round_trips_the_inputs() {
    for input in [gen::resource_list(10), gen::stream(10)] {
        let docs = parse_stream(input.as_bytes()).expect("parses");
        let emitted = emit_stream_from(&docs, input.as_bytes());
        assert_eq!(emitted, input, "the floor writes its unchanged input back as it was");
        let again = parse_stream(emitted.as_bytes()).expect("the floor's output parses");
        assert_eq!(again, docs, "parse and emit keep the tree");
    }
    assert_eq!(parse_stream(gen::stream(10).as_bytes()).expect("stream").len(), 10);
}

#[test]
fn host_inputs_are_well_formed() {
    let files = gen::package_files(250);
    assert_eq!(
        files.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(),
        ["workloads-000.yaml", "workloads-001.yaml", "workloads-002.yaml"]
    );
    let total: usize = files.iter().map(|(_, text)| parse_stream(text.as_bytes()).expect("package file").len()).sum();
    assert_eq!(total, 250);

    let patches = gen::patches();
    assert_eq!(patches.len(), gen::KINDS.len());
    let mut patch_files = Vec::new();
    for (kind, body) in &patches {
        let doc = parse_stream(body.as_bytes()).expect("patch parses").remove(0).root;
        assert_eq!(doc.get("kind").and_then(Node::as_str), Some(kind.as_str()));
        assert!(body.contains("restartPolicy: Always") && body.contains("fluent-bit-config"), "{body}");
        patch_files.push((kind.clone(), format!("{kind}.yaml")));
    }
    for text in [
        gen::kustomization_plain("w.yaml"),
        gen::kustomization_plugin("w.yaml", "injector.yaml"),
        gen::kustomization_patches("w.yaml", &patch_files),
        gen::plugin_config(),
    ] {
        parse_stream(text.as_bytes()).expect("kustomize input parses");
    }

    // The legacy plugin mode on the same workloads: every one injected.
    let out = sidecar_injector::process_stream(gen::plugin_config().as_bytes(), gen::stream(10).as_bytes());
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout).matches("name: fluent-bit\n").count(), 10);
}
