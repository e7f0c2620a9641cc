//! PyYAML's pure-Python SafeLoader follows YAML 1.1 and shares no code with libyaml: the YAML layer's output
//! must read to it as the input did, on the layer's own test corpus (crates/yaml/tests/yaml/support/corpus.rs).

#[path = "../../../yaml/tests/yaml/support/corpus.rs"]
mod corpus;

use corpus::{auto_docs, corpus, round_trip, TRICKY};
use lossless_yaml::emit_stream;

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
/// Built only where `python3 -c "import yaml"` worked when the tests were compiled (crates/host-tests/build.rs); elsewhere the
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
