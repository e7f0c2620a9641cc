//! The module's own validator (`config::schema`, tables compiled from the schema by build.rs) must agree with a
//! real JSON Schema engine on every config of the corpus: `testdata/schema/valid/*.yaml` must pass both,
//! `testdata/schema/invalid/*.yaml` must fail both. An invalid file may list the module's exact errors in
//! `# expect: PATH: MESSAGE` lines.
//!
//! Each file is read with the crate's YAML parser; the JSON the reference engine sees is that tree with every
//! scalar typed by the YAML 1.2 core schema, which is what kpt and kustomize would send to the API server.
//! A config that has no JSON form (an alias, a `!!binary` value, `.inf`) is checked against the module alone.
//!
//! The test that the checked-in schema is what `gen-schema` writes needs k8s-openapi:
//! `cargo test -p gen-schema`.
use std::path::{Path, PathBuf};

use super::schema::{validate, Root};
use lossless_yaml::{parse_stream, resolve_core, Node, Resolved};
use serde_json::{Map, Number, Value};

const SCHEMA: &str = include_str!("../../schemas/sidecar-injector.schema.json");

fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/schema").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    files
}

fn reference() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        // `format` is an annotation in draft 2020-12, and the module does not check it either.
        .should_validate_formats(false)
        .build(&schema)
        .expect("the schema compiles")
}

/// The JSON the API server would get for this tree; `None` when it has no JSON form.
fn to_json(node: &Node) -> Option<Value> {
    Some(match node {
        Node::Alias(_) => return None,
        Node::Scalar(s) => match resolve_core(s) {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => match (i64::try_from(i), u64::try_from(i)) {
                (Ok(i), _) => Value::from(i),
                (_, Ok(u)) => Value::from(u),
                _ => return None,
            },
            Resolved::Float(f) => Value::Number(Number::from_f64(f)?),
            Resolved::Str | Resolved::Timestamp => Value::String(s.value.to_string()),
            Resolved::Merge | Resolved::Binary | Resolved::Other(_) => return None,
        },
        Node::Sequence(s) => Value::Array(s.items.iter().map(to_json).collect::<Option<_>>()?),
        Node::Mapping(m) => {
            let mut out = Map::new();
            for (key, value) in &m.entries {
                out.insert(key.as_scalar()?.value.to_string(), to_json(value)?);
            }
            Value::Object(out)
        }
    })
}

struct Case {
    name: String,
    module_errors: Vec<String>,
    /// `None`: no JSON form, checked by the module alone.
    reference_valid: Option<bool>,
    expected_errors: Vec<String>,
}

fn run(path: &Path, reference: &jsonschema::Validator) -> Case {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
    let expected_errors = text.lines().filter_map(|l| l.strip_prefix("# expect: ")).map(String::from).collect();
    let mut documents = parse_stream(text.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(documents.len(), 1, "{name}: one document per file");
    let doc = documents.remove(0).root;
    // How the function picks the form; the schema's oneOf is selected by the same `kind` constant.
    let root = match doc.get("kind").and_then(Node::as_str) {
        Some("ConfigMap") => Root::ConfigMap,
        _ => Root::SidecarInjector,
    };
    let module_errors = validate(&doc, root).iter().map(ToString::to_string).collect();
    let reference_valid = to_json(&doc).map(|json| reference.is_valid(&json));
    Case { name, module_errors, reference_valid, expected_errors }
}

#[test]
fn valid_configs_pass_both_validators() {
    let reference = reference();
    let files = corpus("valid");
    assert!(files.len() >= 20, "the valid corpus shrank to {}", files.len());
    let mut failures = Vec::new();
    for path in files {
        let case = run(&path, &reference);
        if !case.module_errors.is_empty() {
            failures.push(format!("{}: the module refuses it:\n    {}", case.name, case.module_errors.join("\n    ")));
        }
        match case.reference_valid {
            Some(true) => {}
            Some(false) => {
                let json = to_json(&parse_stream(&std::fs::read(&path).unwrap_or_default()).unwrap()[0].root);
                let errors: Vec<String> = json
                    .map(|j| reference.iter_errors(&j).map(|e| format!("{}: {e}", e.instance_path())).collect())
                    .unwrap_or_default();
                failures.push(format!("{}: jsonschema refuses it:\n    {}", case.name, errors.join("\n    ")));
            }
            None => failures.push(format!("{}: a valid config must have a JSON form", case.name)),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn invalid_configs_fail_both_validators() {
    let reference = reference();
    let files = corpus("invalid");
    assert!(files.len() >= 20, "the invalid corpus shrank to {}", files.len());
    let mut failures = Vec::new();
    let mut module_only = Vec::new();
    for path in files {
        let case = run(&path, &reference);
        if case.reference_valid.is_none() {
            module_only.push(case.name.clone());
        }
        if case.module_errors.is_empty() {
            failures.push(format!("{}: the module accepts it", case.name));
        }
        if case.reference_valid == Some(true) {
            let errors = case.module_errors.join("\n    ");
            failures.push(format!("{}: jsonschema accepts it, the module says:\n    {errors}", case.name));
        }
        if !case.expected_errors.is_empty() && case.expected_errors != case.module_errors {
            failures.push(format!(
                "{}: errors differ\n  expected:\n    {}\n  found:\n    {}",
                case.name,
                case.expected_errors.join("\n    "),
                case.module_errors.join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    // Only the alias cases lack a JSON form; more would mean the comparison quietly stopped comparing.
    assert_eq!(module_only, ["aliases.yaml", "merge-key.yaml"]);
}

/// Every valid config, changed at every place in the ways users get configs wrong (a renamed key, a removed
/// one, a value of another type): the two validators must still agree on each variant.
#[test]
fn mutated_configs_agree() {
    let reference = reference();
    let replacements = [
        plain("1"),
        plain("true"),
        plain("null"),
        plain("0.5"),
        Node::string("text"),
        Node::string("100m"),
        Node::sequence(),
        Node::mapping(),
    ];
    let (mut checked, mut disagreements) = (0usize, Vec::new());
    for path in corpus("valid") {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let text = std::fs::read(&path).expect("readable");
        let doc = parse_stream(&text).expect("parses").remove(0).root;
        let root = match doc.get("kind").and_then(Node::as_str) {
            Some("ConfigMap") => Root::ConfigMap,
            _ => Root::SidecarInjector,
        };
        for place in places(&doc) {
            let mut variants = Vec::new();
            for replacement in &replacements {
                variants.push(mutate(&doc, &place, |slot| match slot {
                    Slot::Entry(m, i) => m.entries[i].1 = replacement.clone(),
                    Slot::Item(s, i) => s.items[i] = replacement.clone(),
                }));
            }
            variants.push(mutate(&doc, &place, |slot| match slot {
                Slot::Entry(m, i) => {
                    m.entries.remove(i);
                }
                Slot::Item(s, i) => {
                    s.items.remove(i);
                }
            }));
            variants.push(mutate(&doc, &place, |slot| {
                if let Slot::Entry(m, i) = slot {
                    let key = m.entries[i].0.as_scalar().map(|s| s.value.to_string()).unwrap_or_default();
                    m.entries[i].0 = Node::string(format!("{key}x"));
                }
            }));
            for variant in variants {
                let module_valid = validate(&variant, root).is_empty();
                let Some(json) = to_json(&variant) else { continue };
                checked += 1;
                if module_valid != reference.is_valid(&json) {
                    disagreements.push(format!("{name}: module valid = {module_valid} for {json}"));
                }
            }
        }
    }
    assert!(checked > 5_000, "only {checked} variants checked");
    disagreements.truncate(10);
    assert!(disagreements.is_empty(), "\n{}", disagreements.join("\n"));
}

fn plain(text: &str) -> Node {
    let mut node = Node::string(text);
    if let Node::Scalar(s) = &mut node {
        s.style = lossless_yaml::ScalarStyle::Plain;
    }
    node
}

/// A place in a tree: the index of an entry or item at each level.
type Place = Vec<usize>;

enum Slot<'a> {
    Entry(&'a mut lossless_yaml::Mapping, usize),
    Item(&'a mut lossless_yaml::Sequence, usize),
}

fn places(doc: &Node) -> Vec<Place> {
    let mut out = Vec::new();
    let mut stack = vec![(doc, Vec::new())];
    while let Some((node, place)) = stack.pop() {
        let children: Vec<&Node> = match node {
            Node::Mapping(m) => m.entries.iter().map(|(_, v)| v).collect(),
            Node::Sequence(s) => s.items.iter().collect(),
            _ => Vec::new(),
        };
        for (i, child) in children.into_iter().enumerate() {
            let mut here = place.clone();
            here.push(i);
            out.push(here.clone());
            stack.push((child, here));
        }
    }
    out
}

fn mutate(doc: &Node, place: &[usize], change: impl FnOnce(Slot<'_>)) -> Node {
    let mut copy = doc.clone();
    let Some((&last, parents)) = place.split_last() else { return copy };
    let mut node = &mut copy;
    for &i in parents {
        node = match node {
            Node::Mapping(m) => &mut m.entries[i].1,
            Node::Sequence(s) => &mut s.items[i],
            _ => unreachable!("places() only walks collections"),
        };
    }
    match node {
        Node::Mapping(m) => change(Slot::Entry(m, last)),
        Node::Sequence(s) => change(Slot::Item(s, last)),
        _ => {}
    }
    copy
}

/// The one known disagreement, kept on purpose: JSON Schema's "integer" includes 10.0, but the API server
/// (Go's encoding/json into an int32) refuses it, and so does the module. No corpus file may hit it.
#[test]
fn integral_floats_are_refused_by_the_module_only() {
    let text = "apiVersion: sidecar-injector.dev/v1alpha1\nkind: SidecarInjector\nmetadata: {name: x}\n\
                spec: {containers: [{name: a, livenessProbe: {exec: {command: [\"true\"]}, periodSeconds: 10.0}}]}\n";
    let doc = parse_stream(text.as_bytes()).expect("parses").remove(0).root;
    let errors: Vec<String> = validate(&doc, Root::SidecarInjector).iter().map(ToString::to_string).collect();
    assert_eq!(errors, ["spec.containers[0].livenessProbe.periodSeconds: expected an integer, found the number 10.0"]);
    assert!(reference().is_valid(&to_json(&doc).expect("has a JSON form")));
}

/// The schema is big (Container and Volume pull in most of core/v1); guard against an accidental blow-up,
/// e.g. definitions inlined instead of referenced.
#[test]
fn schema_stays_a_reasonable_size() {
    assert!(SCHEMA.len() < 400_000, "schema is {} bytes", SCHEMA.len());
}

/// Every functionConfig the function is tested with (testdata/cases, the kpt package, the demo) is judged the
/// same way by the module and by jsonschema; the configs of cases that succeed are valid for both.
#[test]
fn every_testdata_config_agrees_with_the_schema() {
    let reference = reference();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut configs: Vec<(String, Node, bool)> = Vec::new();
    let cases = root.join("testdata/cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&cases).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let succeeds = !dir.join("expected.exit").exists();
        let config = match std::fs::read(dir.join("plugin-config.yaml")) {
            Ok(text) => parse_stream(&text).ok().and_then(|mut d| d.pop()).map(|d| d.root),
            Err(_) => std::fs::read(dir.join("input.yaml"))
                .ok()
                .and_then(|text| parse_stream(&text).ok())
                .and_then(|docs| docs.first().and_then(|d| d.root.get("functionConfig").cloned())),
        };
        if let Some(config) = config {
            configs.push((name, config, succeeds));
        }
    }
    // The example configs users copy: the README's, kpt's, kustomize's (legacy plugin and KRM forms) and Argo CD's.
    let mut examples: Vec<PathBuf> = vec![
        root.join("testdata/kpt/package/injector.yaml"),
        root.join("testdata/demo/injector.yaml"),
        root.join("kpt-package/log-shipper.yaml"),
        root.join("argocd/example-apps/kustomize/sidecar-injector.yaml"),
        root.join("argocd/example-apps/plain/sidecar-injector.yaml"),
    ];
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(root.join("kustomization-examples")).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    examples.extend(dirs.into_iter().filter(|d| d.is_dir()).map(|d| d.join("injector.yaml")));
    for file in examples {
        let text = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let doc = parse_stream(&text).unwrap().remove(0).root;
        configs.push((file.display().to_string(), doc, true));
    }
    let demo = parse_stream(&std::fs::read(root.join("testdata/demo/resource-list.yaml")).unwrap()).unwrap();
    configs.push(("demo".into(), demo[0].root.get("functionConfig").cloned().unwrap(), true));
    assert!(configs.len() > 40, "only {} configs found", configs.len());

    let mut failures = Vec::new();
    for (name, config, succeeds) in &configs {
        let kind = config.get("kind").and_then(Node::as_str);
        let root = match kind {
            Some("ConfigMap") => Root::ConfigMap,
            Some("SidecarInjector") => Root::SidecarInjector,
            _ => continue, // the cases about a wrong kind: neither form applies
        };
        let module_valid = validate(config, root).is_empty();
        let Some(json) = to_json(config) else { continue };
        let reference_valid = reference.is_valid(&json);
        if module_valid != reference_valid {
            failures.push(format!("{name}: module says valid={module_valid}, jsonschema says valid={reference_valid}"));
        }
        if *succeeds && !module_valid {
            failures.push(format!("{name}: the case succeeds but its config is not valid against the schema"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
