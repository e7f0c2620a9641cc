//! End to end with the real `kpt`: `fn render --allow-exec` on a Kptfile pipeline, and `fn eval --exec` with
//! `--fn-config` and with `-- key=value`, on a package with comments. Checks the package files afterwards
//! (comments kept, sidecar present, nothing else changed) and the `--results-dir` output.
//! Where `kpt` was not on PATH when the tests were built, every test here is ignored with that reason, so the
//! test runner reports it as skipped.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use lossless_yaml::{parse_stream, Node};

pub(crate) const PACKAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/kpt/package");

/// A fresh copy of the test package in a temporary directory, with a Kptfile whose pipeline runs `exec`.
pub(crate) fn package(test: &str, mutator: Option<&str>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sidecar-injector-kpt-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["deploy.yaml", "injector.yaml"] {
        std::fs::copy(Path::new(PACKAGE).join(file), dir.join(file)).unwrap();
    }
    let pipeline = match mutator {
        Some(m) => format!("pipeline:\n  mutators:\n{m}"),
        None => String::new(),
    };
    std::fs::write(
        dir.join("Kptfile"),
        format!(
            "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: {test}\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n{pipeline}"
        ),
    )
    .unwrap();
    dir
}

fn kpt(args: &[&str]) -> (bool, String) {
    let out = Command::new("kpt").args(args).output().expect("kpt runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// `kpt fn eval DIR --exec <the binary> --results-dir DIR/results ARGS...`.
fn eval(dir: &Path, args: &[&str]) -> (bool, String) {
    let binary = binary();
    let results = dir.join("results");
    let mut all =
        vec!["fn", "eval", dir.to_str().unwrap(), "--exec", &binary, "--results-dir", results.to_str().unwrap()];
    all.extend_from_slice(args);
    kpt(&all)
}

fn binary() -> String {
    common::native_binary_path().to_string_lossy().into_owned()
}

/// The deploy.yaml documents, parsed.
fn documents(dir: &Path) -> Vec<Node> {
    let text = std::fs::read(dir.join("deploy.yaml")).unwrap();
    parse_stream(&text).unwrap().into_iter().map(|d| d.root).collect()
}

/// The package file after the run equals the original plus exactly the injected container: every comment
/// line of the original is still there, and removing the sidecar gives back the original tree.
pub(crate) fn assert_only_sidecar_added(dir: &Path, sidecar: &str, list: &str) {
    let before_text = std::fs::read_to_string(Path::new(PACKAGE).join("deploy.yaml")).unwrap();
    let after_text = std::fs::read_to_string(dir.join("deploy.yaml")).unwrap();
    for line in before_text.lines().filter(|l| l.contains('#')) {
        let comment = &line[line.find('#').unwrap()..];
        assert!(after_text.contains(comment), "comment {comment:?} lost:\n{after_text}");
    }
    let before = parse_stream(before_text.as_bytes()).unwrap();
    let mut after = documents(dir);
    assert_eq!(before.len(), after.len());
    // Take the sidecar and the status record out again; what is left must be the original, value for value.
    let template = after[0]
        .as_mapping_mut()
        .and_then(|m| m.get_mut("spec"))
        .and_then(|n| n.as_mapping_mut())
        .and_then(|m| m.get_mut("template"))
        .and_then(|n| n.as_mapping_mut())
        .expect("pod template");
    let annotations = template
        .get_mut("metadata")
        .and_then(|n| n.as_mapping_mut())
        .and_then(|m| m.get_mut("annotations"))
        .and_then(|n| n.as_mapping_mut())
        .expect("the template's annotations");
    let status = annotations.remove("sidecar-injector.dev/status").expect("a status record");
    assert!(status.as_str().is_some_and(|s| s.contains(&format!("\"{sidecar}\""))), "{after_text}");
    if annotations.entries.is_empty() {
        template.get_mut("metadata").and_then(|n| n.as_mapping_mut()).unwrap().remove("annotations");
    }
    if template.get("metadata").and_then(|m| m.as_mapping()).is_some_and(|m| m.entries.is_empty()) {
        template.remove("metadata");
    }
    let pod = template.get_mut("spec").and_then(|n| n.as_mapping_mut()).expect("pod spec");
    let entries = pod.get_mut(list).and_then(|n| n.as_sequence_mut()).expect("sidecar list");
    let at = entries.items.iter().position(|c| c.get("name").and_then(Node::as_str) == Some(sidecar));
    entries.items.remove(at.unwrap_or_else(|| panic!("sidecar {sidecar} not in {list}:\n{after_text}")));
    if entries.items.is_empty() {
        pod.remove(list);
    }
    for (b, a) in before.iter().zip(&after) {
        assert!(b.root.same_meaning(a), "something besides the sidecar changed:\n{after_text}");
    }
}

#[test]
#[cfg_attr(not(host_kpt), ignore = "kpt is not on PATH")]
fn render_runs_the_kptfile_pipeline_and_keeps_comments() {
    let mutator = format!("  - exec: {}\n    configPath: injector.yaml\n", binary());
    let dir = package("render", Some(&mutator));
    let results = dir.join("results");
    let (ok, log) =
        kpt(&["fn", "render", dir.to_str().unwrap(), "--allow-exec", "--results-dir", results.to_str().unwrap()]);
    assert!(ok, "kpt fn render failed:\n{log}");
    assert_only_sidecar_added(&dir, "fluent-bit", "containers");
    let results = std::fs::read_to_string(results.join("results.yaml")).unwrap();
    assert!(results.contains("injected \"log-shipper\": added container fluent-bit"), "{results}");
    assert!(results.contains("path: deploy.yaml"), "results name the file:\n{results}");

    // Rendering again changes nothing: the pipeline is idempotent on the user's files.
    let first = std::fs::read_to_string(dir.join("deploy.yaml")).unwrap();
    let (ok, log) = kpt(&["fn", "render", dir.to_str().unwrap(), "--allow-exec"]);
    assert!(ok, "second render failed:\n{log}");
    assert_eq!(first, std::fs::read_to_string(dir.join("deploy.yaml")).unwrap());
}

#[test]
#[cfg_attr(not(host_kpt), ignore = "kpt is not on PATH")]
fn render_with_a_config_map_in_the_kptfile() {
    let mutator = format!(
        "  - exec: {}\n    configMap:\n      name: log-agent\n      image: fluent/fluent-bit:3.1\n      native: \"true\"\n      cpu: 10m\n",
        binary()
    );
    let dir = package("render-configmap", Some(&mutator));
    let (ok, log) = kpt(&["fn", "render", dir.to_str().unwrap(), "--allow-exec"]);
    assert!(ok, "kpt fn render failed:\n{log}");
    assert_only_sidecar_added(&dir, "log-agent", "initContainers");
    let text = std::fs::read_to_string(dir.join("deploy.yaml")).unwrap();
    assert!(text.contains("restartPolicy: Always"), "{text}");
}

#[test]
#[cfg_attr(not(host_kpt), ignore = "kpt is not on PATH")]
fn eval_with_fn_config() {
    let dir = package("eval-fn-config", None);
    let config = dir.join("injector.yaml");
    let (ok, log) = eval(&dir, &["--fn-config", config.to_str().unwrap()]);
    assert!(ok, "kpt fn eval failed:\n{log}");
    assert_only_sidecar_added(&dir, "fluent-bit", "containers");
    let results = std::fs::read_to_string(dir.join("results/results.yaml")).unwrap();
    assert!(results.contains("added container fluent-bit"), "{results}");
}

#[test]
#[cfg_attr(not(host_kpt), ignore = "kpt is not on PATH")]
fn eval_with_key_value_pairs() {
    let dir = package("eval-pairs", None);
    let (ok, log) = eval(&dir, &["--", "name=log-agent", "image=fluent/fluent-bit:3.1", "port=2020", "memory=32Mi"]);
    assert!(ok, "kpt fn eval failed:\n{log}");
    assert_only_sidecar_added(&dir, "log-agent", "containers");
    let text = std::fs::read_to_string(dir.join("deploy.yaml")).unwrap();
    assert!(text.contains("containerPort: 2020"), "{text}");
}

#[test]
#[cfg_attr(not(host_kpt), ignore = "kpt is not on PATH")]
fn eval_with_a_bad_config_fails_names_the_field_and_changes_nothing() {
    let dir = package("eval-bad", None);
    let before = std::fs::read_to_string(dir.join("deploy.yaml")).unwrap();
    let (ok, log) = eval(&dir, &["--", "name=log-agent", "image=fluent/fluent-bit:3.1", "prot=2020"]);
    assert!(!ok, "kpt fn eval should fail:\n{log}");
    assert!(log.contains("data.prot"), "the error names the field:\n{log}");
    assert_eq!(before, std::fs::read_to_string(dir.join("deploy.yaml")).unwrap(), "files changed on error");
    let results = std::fs::read_to_string(dir.join("results/results.yaml")).unwrap();
    assert!(results.contains("severity: error") && results.contains("data.prot"), "{results}");
}

/// A pod template sharing the workload's labels through an alias (`labels: *labels`) is read, not edited, by an
/// injection that adds no labels: it is injected, and the rest of the package with it (one such file used to
/// fail the whole package).
#[test]
#[cfg_attr(not(host_kpt), ignore = "kpt is not on PATH")]
fn eval_injects_a_workload_whose_template_labels_are_an_alias() {
    let dir = package("eval-labels-alias", None);
    let shared = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: shared-labels
  labels: &labels
    app: shared
spec:
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels: *labels
    spec:
      containers:
      - name: app
        image: example/app:1.0
      volumes:
      - name: logs
        emptyDir: {}
"#;
    std::fs::write(dir.join("shared-labels.yaml"), shared).unwrap();
    let config = dir.join("injector.yaml");
    let (ok, log) = eval(&dir, &["--fn-config", config.to_str().unwrap()]);
    assert!(ok, "kpt fn eval failed:\n{log}");
    assert_only_sidecar_added(&dir, "fluent-bit", "containers");
    let text = std::fs::read_to_string(dir.join("shared-labels.yaml")).unwrap();
    assert!(text.contains("labels: *labels") && text.contains("name: fluent-bit"), "{text}");
}

pub(crate) const EXAMPLE_PACKAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../kpt-package");

/// A scratch directory laid out like the repository: `dist/sidecar-injector` (the binary of this test run) next
/// to `pkg/`, a copy of kpt-package/. Returns the directory and the package's file names.
pub(crate) fn example_layout(test: &str) -> (PathBuf, Vec<String>) {
    let root = std::env::temp_dir().join(format!("sidecar-injector-kpt-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::create_dir_all(root.join("dist")).unwrap();
    std::os::unix::fs::symlink(common::native_binary_path(), root.join("dist/sidecar-injector")).unwrap();
    let mut files = Vec::new();
    for entry in std::fs::read_dir(EXAMPLE_PACKAGE).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), pkg.join(entry.file_name())).unwrap();
        files.push(entry.file_name().to_string_lossy().into_owned());
    }
    (root, files)
}

/// `kpt fn render pkg --allow-exec [--results-dir DIR]`, started in `root` as the README says.
fn render_example(root: &Path, results: Option<&str>) {
    let mut cmd = Command::new("kpt");
    cmd.args(["fn", "render", "pkg", "--allow-exec"]).current_dir(root);
    if let Some(dir) = results {
        cmd.args(["--results-dir", dir]);
    }
    let out = cmd.output().expect("kpt runs");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "kpt fn render failed:\n{log}");
}

/// The documented example, run the way the README says (`kpt fn render kpt-package --allow-exec` from the
/// repository root).
#[test]
#[cfg_attr(not(host_kpt), ignore = "kpt is not on PATH")]
fn the_example_package_renders_from_the_repository_root() {
    let (root, files) = example_layout("example");
    let pkg = root.join("pkg");
    let kptfile = std::fs::read_to_string(pkg.join("Kptfile")).unwrap();
    assert_eq!(kptfile.matches("- exec: dist/sidecar-injector").count(), 2, "{kptfile}");
    render_example(&root, Some("results"));
    let results = std::fs::read_to_string(root.join("results/results.yaml")).unwrap();
    assert_example_rendered(&pkg, &files, &results, "exec: dist/sidecar-injector");
}

/// The example package after `kpt fn render` of its two steps (each named `step` in results.yaml): only
/// deployment.yaml changed, every comment of it kept, both sidecars injected with their status entries, and
/// one result per step naming the workload and its file.
pub(crate) fn assert_example_rendered(pkg: &Path, files: &[String], results: &str, step: &str) {
    for file in files {
        let before = std::fs::read_to_string(Path::new(EXAMPLE_PACKAGE).join(file)).unwrap();
        let after = std::fs::read_to_string(pkg.join(file)).unwrap();
        if file != "deployment.yaml" {
            assert_eq!(before, after, "{file} changed");
            continue;
        }
        for line in before.lines().filter(|l| l.contains('#')) {
            let comment = &line[line.find('#').unwrap()..];
            assert!(after.contains(comment), "comment {comment:?} lost:\n{after}");
        }
        assert!(after.contains("defaultMode: 0644"), "the octal mode is kept as written:\n{after}");
    }

    // Both steps injected into the web Deployment, each with its own status entry.
    let deployment = parse_stream(&std::fs::read(pkg.join("deployment.yaml")).unwrap()).unwrap().remove(0).root;
    let template = deployment.get("spec").and_then(|s| s.get("template")).unwrap();
    let containers: Vec<&str> = template
        .get("spec")
        .and_then(|s| s.get("containers"))
        .and_then(Node::as_sequence)
        .unwrap()
        .items
        .iter()
        .filter_map(|c| c.get("name").and_then(Node::as_str))
        .collect();
    assert_eq!(containers, ["nginx", "fluent-bit", "nginx-exporter"]);
    let status = template
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get("sidecar-injector.dev/status"))
        .and_then(Node::as_str)
        .unwrap();
    assert!(status.contains("\"log-shipper\"") && status.contains("\"nginx-exporter\""), "{status}");

    // results.yaml: one entry per pipeline step, each naming the workload and its file.
    assert_eq!(results.matches(step).count(), 2, "{results}");
    assert!(results.contains("injected \"log-shipper\": added container fluent-bit"), "{results}");
    assert!(results.contains("injected \"nginx-exporter\": added container nginx-exporter"), "{results}");
    assert_eq!(results.matches("path: deployment.yaml").count(), 2, "{results}");
    assert!(!results.contains("severity: warning") && !results.contains("severity: error"), "{results}");
}

/// Rendering the example again must change nothing: each of its two injections, re-run with its unchanged
/// config, leaves its parts where they stand (regression: the first one's container used to move behind the
/// second one's on the second render).
#[test]
#[cfg_attr(not(host_kpt), ignore = "kpt is not on PATH")]
fn the_example_package_renders_idempotently() {
    let (root, _) = example_layout("example-twice");
    render_example(&root, None);
    let first = std::fs::read_to_string(root.join("pkg/deployment.yaml")).unwrap();
    render_example(&root, None);
    assert_eq!(first, std::fs::read_to_string(root.join("pkg/deployment.yaml")).unwrap());
}
