//! The JavaScript entry point: the core's two modes behind wasm-bindgen, each returning one plain object
//! `{output, stderr, exitCode, ok, results}` (see npm/index.d.ts for the types).
//!
//! The core is used only through `process`, `process_stream` and `Output`. Structured results are read back
//! from the ResourceList the core wrote; in the plugin mode, which writes its findings to stderr only, the same
//! items and config are run once more as a ResourceList to get them.

use lossless_yaml::{emit_document, parse_stream, resolve_core, Document, Mapping, Node, Resolved, Sequence};
use serde_json::{Map, Value};
use sidecar_injector::{process, process_stream, Output};
use wasm_bindgen::prelude::*;

/// What one call gives back, before it becomes a JS object.
#[derive(Debug, Clone, PartialEq)]
pub struct Transformed {
    /// The ResourceList (or, in the plugin mode, the resource stream) the function wrote; empty on a failure
    /// before anything could be read, and in the plugin mode on any error.
    pub output: String,
    /// Exactly what the command would write to stderr: the first error's line, then the warnings.
    pub stderr: String,
    pub exit_code: i32,
    /// The ResourceList's `results`, as JSON; an error that stopped the function before it could write a
    /// ResourceList (input that is not YAML, say) is the one result.
    pub results: Vec<Value>,
}

impl Transformed {
    pub fn ok(&self) -> bool {
        self.exit_code == 0
    }
}

/// ResourceList mode (kustomize's and kpt's KRM function): a ResourceList in, the ResourceList out.
pub fn run_resource_list(resource_list: &[u8]) -> Transformed {
    let output = process(resource_list);
    let results = results_of(&output);
    finish(output, results)
}

/// kustomize's legacy exec plugin mode: a multi-document stream of manifests and the config apart.
pub fn run_manifests(manifests: &[u8], config: &[u8]) -> Transformed {
    let output = process_stream(config, manifests);
    // The plugin mode writes no results; the same items under the same config as a ResourceList give them.
    // When the two cannot be put together (the config is not one YAML document, the stream is not YAML),
    // process_stream has already failed with the reason on stderr, which `finish` turns into the result.
    let results = match resource_list_of(manifests, config) {
        Some(list) => results_of(&process(list.as_bytes())),
        None => Vec::new(),
    };
    finish(output, results)
}

fn finish(output: Output, mut results: Vec<Value>) -> Transformed {
    let failed = output.exit_code != 0;
    if failed && !results.iter().any(|r| r.get("severity").and_then(Value::as_str) == Some("error")) {
        results.push(error_result(&output.stderr));
    }
    Transformed {
        // The core writes what it read (a JS string, so UTF-8) and its own UTF-8: nothing is lost here.
        output: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: output.stderr,
        exit_code: output.exit_code,
        results,
    }
}

/// A failure the core reported on stderr only, as one result.
fn error_result(stderr: &str) -> Value {
    let line = stderr.lines().next().unwrap_or("the function failed").trim();
    let message = line.strip_prefix("sidecar-injector: error: ").unwrap_or(line);
    let mut r = Map::new();
    r.insert("message".into(), Value::String(message.to_string()));
    r.insert("severity".into(), Value::String("error".into()));
    Value::Object(r)
}

/// `apiVersion: config.kubernetes.io/v1`, `kind: ResourceList`, the stream's documents as `items`, the config as
/// `functionConfig`; None when either is not YAML, or the config is not exactly one document.
fn resource_list_of(manifests: &[u8], config: &[u8]) -> Option<String> {
    let mut config_docs = parse_stream(config).ok()?;
    if config_docs.len() != 1 {
        return None;
    }
    let items: Vec<Node> = parse_stream(manifests).ok()?.into_iter().map(|d| d.root).collect();
    let mut list = Mapping::default();
    list.insert("apiVersion", Node::string("config.kubernetes.io/v1"));
    list.insert("kind", Node::string("ResourceList"));
    list.insert("items", Node::Sequence(Sequence { items, ..Default::default() }));
    list.insert("functionConfig", config_docs.remove(0).root);
    Some(emit_document(&Document { root: Node::Mapping(list), version: None }))
}

/// The `results` of the ResourceList on the output's stdout.
fn results_of(output: &Output) -> Vec<Value> {
    results_from_tail(&output.stdout).unwrap_or_else(|| results_from_whole(&output.stdout))
}

/// Reads only the text from the top-level `results:` key on: the core writes block style, where a key at
/// column 0 can only be a key of the top-level mapping, and parsing a 30 MB ResourceList a second time just for
/// its last few lines would double the cost of a call. None when that does not hold, and the caller reads the
/// whole document.
fn results_from_tail(stdout: &[u8]) -> Option<Vec<Value>> {
    const KEY: &[u8] = b"\nresults:";
    let start = stdout.windows(KEY.len()).rposition(|w| w == KEY)? + 1;
    let docs = parse_stream(&stdout[start..]).ok()?;
    match docs.first()?.root.get("results")? {
        Node::Sequence(seq) => Some(seq.items.iter().map(to_json).collect()),
        _ => None,
    }
}

fn results_from_whole(stdout: &[u8]) -> Vec<Value> {
    let Ok(docs) = parse_stream(stdout) else { return Vec::new() };
    match docs.first().and_then(|d| d.root.get("results")) {
        Some(Node::Sequence(seq)) => seq.items.iter().map(to_json).collect(),
        _ => Vec::new(),
    }
}

/// Scalars as a YAML 1.2 reader (kpt, kustomize) takes them: `file.index` is a number, the rest strings.
fn to_json(node: &Node) -> Value {
    match node {
        Node::Mapping(m) => {
            Value::Object(m.entries.iter().map(|(k, v)| (lossless_yaml::meaning::key_text(k), to_json(v))).collect())
        }
        Node::Sequence(s) => Value::Array(s.items.iter().map(to_json).collect()),
        Node::Scalar(s) => match resolve_core(s) {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => {
                i64::try_from(i).map(Value::from).unwrap_or_else(|_| Value::String(s.value.to_string()))
            }
            _ => Value::String(s.value.to_string()),
        },
        Node::Alias(name) => Value::String(format!("*{name}")),
    }
}

fn to_js(t: Transformed) -> Result<JsValue, JsValue> {
    let object = js_sys::Object::new();
    let results = js_sys::JSON::parse(&Value::Array(t.results.clone()).to_string())?;
    let ok = t.ok();
    for (key, value) in [
        ("output", JsValue::from_str(&t.output)),
        ("stderr", JsValue::from_str(&t.stderr)),
        ("exitCode", JsValue::from(t.exit_code)),
        ("ok", JsValue::from_bool(ok)),
        ("results", results),
    ] {
        js_sys::Reflect::set(&object, &JsValue::from_str(key), &value)?;
    }
    Ok(object.into())
}

/// A ResourceList (YAML) in; `{output, stderr, exitCode, ok, results}` out.
#[wasm_bindgen]
pub fn transform(resource_list: &str) -> Result<JsValue, JsValue> {
    to_js(run_resource_list(resource_list.as_bytes()))
}

/// Manifests (a multi-document YAML stream) and a SidecarInjector or ConfigMap config in, as kustomize's legacy
/// exec plugin gets them; `{output, stderr, exitCode, ok, results}` out, `output` being the transformed stream.
#[wasm_bindgen(js_name = transformManifests)]
pub fn transform_manifests(manifests: &str, config: &str) -> Result<JsValue, JsValue> {
    to_js(run_manifests(manifests.as_bytes(), config.as_bytes()))
}

/// The function's version, as `sidecar-injector --version` prints it (without the name).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn cases() -> Vec<std::path::PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/cases");
        let mut dirs: Vec<_> = std::fs::read_dir(root).unwrap().map(|e| e.unwrap().path()).collect();
        dirs.sort();
        dirs
    }

    // The shortcut must read exactly what a full parse reads, on every case the project has.
    #[test]
    fn results_from_the_tail_equal_results_from_the_whole_output() {
        let mut with_results = 0;
        for dir in cases() {
            let input = std::fs::read(dir.join("input.yaml")).unwrap();
            let output = process(&input);
            let whole = results_from_whole(&output.stdout);
            if !whole.is_empty() {
                with_results += 1;
                assert_eq!(results_from_tail(&output.stdout), Some(whole), "{}", dir.display());
            }
        }
        assert!(with_results > 20, "only {with_results} cases have results");
    }

    #[test]
    fn plugin_mode_results_name_the_field_of_a_broken_config() {
        let config = b"apiVersion: sidecar-injector.dev/v1alpha1\nkind: SidecarInjector\nmetadata:\n  name: agent\n\
spec:\n  native: \"yes\"\n  containers:\n  - name: agent\n    image: example/agent:1.0\n";
        let manifests =
            b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n\
      containers:\n      - name: app\n        image: example/app:1.0\n";
        let t = run_manifests(manifests, config);
        assert_eq!(t.exit_code, 1);
        assert_eq!(t.output, "");
        assert_eq!(t.results.len(), 1, "{:?}", t.results);
        assert_eq!(t.results[0]["severity"], "error");
        assert_eq!(t.results[0]["field"]["path"], "spec.native");
        assert_eq!(t.results[0]["resourceRef"]["name"], "agent");
        assert!(t.stderr.contains("spec.native: expected a boolean"), "{}", t.stderr);
    }

    #[test]
    fn input_that_is_not_yaml_is_one_error_result_with_the_reason() {
        let t = run_resource_list(b"items: [unclosed\n");
        assert!(!t.ok());
        assert_eq!(t.output, "");
        assert_eq!(t.results.len(), 1);
        assert_eq!(t.results[0]["severity"], "error");
        let message = t.results[0]["message"].as_str().unwrap();
        assert!(!message.is_empty() && !message.starts_with("sidecar-injector:"), "{message}");
        assert!(t.stderr.contains(message), "{} / {message}", t.stderr);
    }

    #[test]
    fn a_config_of_two_documents_is_refused_in_plugin_mode() {
        let t = run_manifests(b"apiVersion: v1\nkind: Service\nmetadata: {name: s}\n", b"a: 1\n---\nb: 2\n");
        assert!(!t.ok());
        assert_eq!(t.results.len(), 1);
        assert!(t.results[0]["message"].as_str().unwrap().contains("one YAML document"), "{:?}", t.results);
    }
}
