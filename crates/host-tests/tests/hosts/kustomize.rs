//! The function under kustomize, for real: the seed use cases of `kustomization-examples/` built by the real
//! `kubectl kustomize --enable-alpha-plugins` with the plugin installed by the documented command
//! (`./build.sh install-plugin DIR`), compared byte for byte with each directory's `expected.yaml`; the
//! silent skip of exec KRM functions by `kubectl kustomize` that the README warns about; and the KRM exec form
//! of standalone kustomize (`kustomize build --enable-alpha-plugins --enable-exec`), native and `.wasm`.
//!
//! Tests that need a host tool missing when the tests were built are compiled `#[ignore]`d with the reason
//! (build.rs probes PATH), so the runner reports them as skipped. Everything runs the binary cargo built for
//! this test run (and the wasm module the harness builds), never a stale `dist/`: the install command is
//! told which binary to install with `SIDECAR_INJECTOR_BINARY`, and the KRM examples run in a scratch copy
//! of the repository layout whose `dist/` holds the test's artifacts.
//!
//! `UPDATE_EXPECTED=1 cargo nextest run --test kustomize` rewrites the `expected.yaml` files from the real
//! output and still fails, so every rewrite is reviewed in the diff.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use lossless_yaml::{emit_stream, parse_stream, Document, Mapping, Node};

const ROOT: &str = common::ROOT;

/// The seed use cases: one directory each, in the legacy exec plugin form that `kubectl kustomize` runs.
pub(crate) const USE_CASES: &[&str] =
    &["logging", "service-mesh", "monitoring", "secrets-sync", "file-sync", "cache", "security", "cronjob"];

/// The KRM exec function form (standalone kustomize only): native binary, and the `.wasm` under wasmtime.
const KRM_FUNCTION_DIRS: &[&str] = &["krm-function", "krm-function-wasm"];

const FUNCTION_ANNOTATION: &str = "config.kubernetes.io/function";
const PLUGIN_PATH: &str = "sidecar-injector.dev/v1alpha1/sidecarinjector/SidecarInjector";

pub(crate) fn examples() -> PathBuf {
    Path::new(ROOT).join("kustomization-examples")
}

/// A fresh scratch directory for one test (nextest runs each test in its own process).
pub(crate) fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sidecar-injector-kustomize-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn text(out: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// `./build.sh install-plugin HOME`, installing the binary built for this test run.
fn install_plugin(home: &Path, cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(Path::new(ROOT).join("build.sh"));
    cmd.arg("install-plugin");
    if !home.as_os_str().is_empty() {
        cmd.arg(home);
    }
    cmd.current_dir(cwd)
        .env("SIDECAR_INJECTOR_BINARY", common::native_binary_path())
        .env_remove("KUSTOMIZE_PLUGIN_HOME")
        .env_remove("XDG_CONFIG_HOME");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("build.sh runs")
}

/// A plugin home with the plugin installed by the documented command, once per test process.
fn plugin_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = scratch("plugin-home");
        let out = install_plugin(&home, Path::new(ROOT), &[]);
        assert!(out.status.success(), "./build.sh install-plugin failed:\n{}", text(&out));
        assert!(home.join(PLUGIN_PATH).is_file(), "{}", text(&out));
        home
    })
}

/// `kubectl kustomize --enable-alpha-plugins DIR` with `KUSTOMIZE_PLUGIN_HOME=home`.
fn kubectl_kustomize(dir: &Path, home: &Path) -> Output {
    Command::new("kubectl")
        .args(["kustomize", "--enable-alpha-plugins"])
        .arg(dir)
        .env("KUSTOMIZE_PLUGIN_HOME", home)
        .output()
        .expect("kubectl runs")
}

/// Compares `actual` with `dir/expected.yaml`; under `UPDATE_EXPECTED` rewrites it and fails.
pub(crate) fn assert_expected(dir: &Path, actual: &[u8]) {
    let path = dir.join("expected.yaml");
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&path, actual).unwrap();
        panic!("UPDATE_EXPECTED: {} rewritten; review the diff, then run again without it", path.display());
    }
    let expected = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if expected != actual {
        let (e, a) = (String::from_utf8_lossy(&expected), String::from_utf8_lossy(actual));
        let line =
            e.lines().zip(a.lines()).position(|(x, y)| x != y).unwrap_or(e.lines().count().min(a.lines().count()));
        panic!(
            "{} differs from the output, first at line {}:\n  expected: {:?}\n  actual:   {:?}\n\nwhole output:\n{a}",
            path.display(),
            line + 1,
            e.lines().nth(line),
            a.lines().nth(line)
        );
    }
}

fn docs(bytes: &[u8]) -> Vec<Node> {
    parse_stream(bytes).unwrap().into_iter().map(|d| d.root).collect()
}

pub(crate) fn read_doc(path: &Path) -> Node {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut all = docs(&bytes);
    assert_eq!(all.len(), 1, "{} must be one document", path.display());
    all.remove(0)
}

fn path<'a>(node: &'a Node, keys: &[&str]) -> Option<&'a Node> {
    keys.iter().try_fold(node, |n, k| n.get(k))
}

fn str_at<'a>(node: &'a Node, keys: &[&str]) -> Option<&'a str> {
    path(node, keys).and_then(Node::as_str)
}

fn seq<'a>(node: &'a Node, keys: &[&str]) -> &'a [Node] {
    path(node, keys).and_then(Node::as_sequence).map_or(&[], |s| s.items.as_slice())
}

/// The pod spec of a workload in kustomize's output, by kind.
fn pod_spec(item: &Node) -> Option<&Node> {
    match item.get("kind").and_then(Node::as_str)? {
        "Pod" => item.get("spec"),
        "CronJob" => path(item, &["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => path(item, &["spec", "template", "spec"]),
    }
}

fn pod_annotations(item: &Node) -> Option<&Node> {
    match item.get("kind").and_then(Node::as_str)? {
        "Pod" => path(item, &["metadata", "annotations"]),
        "CronJob" => path(item, &["spec", "jobTemplate", "spec", "template", "metadata", "annotations"]),
        _ => path(item, &["spec", "template", "metadata", "annotations"]),
    }
}

fn names(list: &[Node]) -> Vec<&str> {
    list.iter().filter_map(|c| c.get("name").and_then(Node::as_str)).collect()
}

// --- the plugin install command ---------------------------------------------------------------------------

#[test]
fn install_plugin_puts_the_binary_where_kustomize_looks() {
    let dir = scratch("install");
    // An explicit home, relative to where the command is typed (not to build.sh's directory).
    let out = install_plugin(Path::new("homes/explicit"), &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let installed = dir.join("homes/explicit").join(PLUGIN_PATH);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(lines.next().map(PathBuf::from), Some(installed.clone()), "prints the installed path:\n{stdout}");
    let usage = lines.next().unwrap_or_default();
    assert!(
        usage.contains(&format!("KUSTOMIZE_PLUGIN_HOME={}", dir.join("homes/explicit").display()))
            && usage.contains("kubectl kustomize --enable-alpha-plugins"),
        "prints the kubectl command:\n{stdout}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&installed).unwrap().permissions().mode();
    assert_eq!(mode & 0o755, 0o755, "executable");
    assert_eq!(std::fs::read(&installed).unwrap(), std::fs::read(common::native_binary_path()).unwrap());

    // The defaults: $KUSTOMIZE_PLUGIN_HOME, else $XDG_CONFIG_HOME/kustomize/plugin, else ~/.config/kustomize/plugin.
    let kph = dir.join("kph");
    let out = install_plugin(Path::new(""), &dir, &[("KUSTOMIZE_PLUGIN_HOME", kph.to_str().unwrap())]);
    assert!(out.status.success() && kph.join(PLUGIN_PATH).is_file(), "{}", text(&out));
    let xdg = dir.join("xdg");
    let out = install_plugin(Path::new(""), &dir, &[("XDG_CONFIG_HOME", xdg.to_str().unwrap())]);
    assert!(out.status.success() && xdg.join("kustomize/plugin").join(PLUGIN_PATH).is_file(), "{}", text(&out));
    let home = dir.join("home");
    let out = install_plugin(Path::new(""), &dir, &[("HOME", home.to_str().unwrap())]);
    assert!(
        out.status.success() && home.join(".config/kustomize/plugin").join(PLUGIN_PATH).is_file(),
        "{}",
        text(&out)
    );

    // Installing again over the same file works (copy, then rename).
    let out = install_plugin(Path::new("homes/explicit"), &dir, &[]);
    assert!(out.status.success(), "{}", text(&out));
}

// --- the use cases, with the real kubectl kustomize ----------------------------------------------------------

/// Builds one use-case directory with `kubectl kustomize --enable-alpha-plugins` and the installed plugin.
fn kubectl_builds_expected(name: &str) {
    let dir = examples().join(name);
    let out = kubectl_kustomize(&dir, plugin_home());
    assert!(out.status.success(), "kubectl kustomize {name} failed:\n{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("sidecar-injector:"), "the examples are free of warnings:\n{stderr}");
    assert_expected(&dir, &out.stdout);
}

macro_rules! use_case_tests {
    ($($test:ident => $dir:literal),* $(,)?) => {$(
        #[test]
        #[cfg_attr(not(host_kubectl), ignore = "kubectl is not on PATH")]
        fn $test() {
            kubectl_builds_expected($dir);
        }
    )*};
}

use_case_tests! {
    kubectl_kustomize_logging => "logging",
    kubectl_kustomize_service_mesh => "service-mesh",
    kubectl_kustomize_monitoring => "monitoring",
    kubectl_kustomize_secrets_sync => "secrets-sync",
    kubectl_kustomize_file_sync => "file-sync",
    kubectl_kustomize_cache => "cache",
    kubectl_kustomize_security => "security",
    kubectl_kustomize_cronjob => "cronjob",
}

/// Without kubectl the builds are skipped, but the expected files can still be checked: each has the
/// sidecars its config names, where the config puts them, and the status record of the injection.
#[test]
fn every_expected_output_carries_what_its_config_adds() {
    for name in USE_CASES {
        let dir = examples().join(name);
        let config = read_doc(&dir.join("injector.yaml"));
        let injection = str_at(&config, &["metadata", "name"]).unwrap();
        let native = path(&config, &["spec", "native"]).and_then(Node::as_scalar).is_some_and(|s| s.value == "true");
        let sidecars = names(seq(&config, &["spec", "containers"]));
        let expected = docs(&std::fs::read(dir.join("expected.yaml")).unwrap());
        let injected: Vec<&Node> = expected
            .iter()
            .filter(|item| {
                pod_annotations(item)
                    .and_then(|a| a.get("sidecar-injector.dev/status"))
                    .and_then(Node::as_str)
                    .is_some_and(|s| s.contains(&format!("\"{injection}\"")))
            })
            .collect();
        assert!(!injected.is_empty(), "{name}: no workload in expected.yaml records the injection {injection}");
        for item in injected {
            let spec = pod_spec(item).unwrap();
            let list = if native { seq(spec, &["initContainers"]) } else { seq(spec, &["containers"]) };
            for sidecar in &sidecars {
                let found = list.iter().find(|c| c.get("name").and_then(Node::as_str) == Some(sidecar));
                let found = found.unwrap_or_else(|| panic!("{name}: sidecar {sidecar} missing"));
                if native {
                    assert_eq!(str_at(found, &["restartPolicy"]), Some("Always"), "{name}: {sidecar} is not native");
                }
            }
        }
    }
}

// --- where warnings go: kubectl kustomize drops a succeeding plugin's stderr -----------------------------------

/// A Job with a classic `:latest` sidecar and no requests: three warnings. Returns the kustomization's directory.
fn warning_layout(test: &str, fail_on_warnings: bool) -> PathBuf {
    let dir = scratch(test);
    std::fs::write(dir.join("kustomization.yaml"), "resources: [job.yaml]\ntransformers: [injector.yaml]\n").unwrap();
    std::fs::write(
        dir.join("job.yaml"),
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n      \
         restartPolicy: Never\n      containers: [{name: migrate, image: example/migrate:1.0}]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("injector.yaml"),
        format!(
            "apiVersion: sidecar-injector.dev/v1alpha1\nkind: SidecarInjector\nmetadata: {{name: proxy}}\nspec:\n  \
             failOnWarnings: {fail_on_warnings}\n  containers: [{{name: proxy, image: \"example/proxy:latest\"}}]\n"
        ),
    )
    .unwrap();
    dir
}

/// What the README says about warnings under kubectl: a legacy plugin that exits 0 has its stderr thrown away,
/// so the warnings never show; with `spec.failOnWarnings: true` the build fails and shows every one, one per line.
#[test]
#[cfg_attr(not(host_kubectl), ignore = "kubectl is not on PATH")]
fn kubectl_kustomize_drops_warnings_unless_fail_on_warnings() {
    let quiet = kubectl_kustomize(&warning_layout("warnings-dropped", false), plugin_home());
    assert!(quiet.status.success(), "{}", text(&quiet));
    assert!(
        quiet.stderr.is_empty(),
        "kubectl showed the warnings after all (the README says it does not):\n{}",
        text(&quiet)
    );
    assert!(String::from_utf8_lossy(&quiet.stdout).contains("name: proxy"), "{}", text(&quiet));

    let failed = kubectl_kustomize(&warning_layout("warnings-fail", true), plugin_home());
    assert!(!failed.status.success(), "{}", text(&failed));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("sidecar-injector: error")).collect();
    assert_eq!(errors.len(), 3, "{}", text(&failed));
    for what in ["no resource requests", ":latest", "the Job never completes"] {
        assert!(errors.iter().any(|l| l.contains(what) && l.contains("spec.failOnWarnings")), "{what}: {stderr}");
    }
    assert!(failed.stdout.is_empty(), "{}", text(&failed));
}

// --- kubectl kustomize and the KRM function form: the silent skip ---------------------------------------------

/// `kubectl kustomize` has no `--enable-exec`: a transformer with `config.kubernetes.io/function` is dropped
/// without a word, exit 0, even with the legacy plugin installed. The README's warning depends on this.
#[test]
#[cfg_attr(not(host_kubectl), ignore = "kubectl is not on PATH")]
fn kubectl_kustomize_silently_skips_the_krm_function_form() {
    let dir = examples().join("krm-function");
    let out = kubectl_kustomize(&dir, plugin_home());
    assert!(out.status.success(), "{}", text(&out));
    assert!(out.stderr.is_empty(), "kubectl said something after all:\n{}", text(&out));
    let output = String::from_utf8_lossy(&out.stdout);
    assert!(!output.contains("fluent-bit") && !output.contains("sidecar-injector.dev/status"), "injected:\n{output}");
    // The output is the app's manifest as it is.
    let input = docs(&std::fs::read(dir.join("deployment.yaml")).unwrap());
    let output = docs(&out.stdout);
    assert_eq!(output.len(), 1);
    assert!(input[0].same_meaning(&output[0]), "{}", text(&out));
}

/// `exec.args` (the .wasm form) exists only since kustomize v5.7.0; kubectl's embedded kustomize before that
/// rejects the whole build, naming the field. Never does it inject.
#[test]
#[cfg_attr(not(host_kubectl), ignore = "kubectl is not on PATH")]
fn kubectl_kustomize_never_runs_the_wasm_krm_form() {
    let out = kubectl_kustomize(&examples().join("krm-function-wasm"), plugin_home());
    let output = String::from_utf8_lossy(&out.stdout);
    assert!(!output.contains("fluent-bit") && !output.contains("sidecar-injector.dev/status"), "injected:\n{output}");
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("unknown field") && stderr.contains("args"), "{}", text(&out));
    }
}

// --- the KRM function form ----------------------------------------------------------------------------------

/// The exec spec of a KRM-form config: (path, args).
fn exec_spec(config: &Node) -> (String, Vec<String>) {
    let annotation =
        str_at(config, &["metadata", "annotations", FUNCTION_ANNOTATION]).expect("the function annotation");
    let spec = read_doc_text(annotation);
    let exec = spec.get("exec").expect("exec:");
    let path = str_at(exec, &["path"]).expect("exec.path").to_string();
    let args = seq(exec, &["args"]).iter().map(|a| a.as_str().unwrap().to_string()).collect();
    (path, args)
}

fn read_doc_text(text: &str) -> Node {
    docs(text.as_bytes()).remove(0)
}

/// A copy of the repository layout the KRM examples rely on: `<scratch>/kustomization-examples/<name>` and
/// `<scratch>/dist/` with this test run's binary and module, so `../../dist/...` resolves as in the repository.
pub(crate) fn krm_layout(test: &str, name: &str, wasm: bool) -> PathBuf {
    let root = scratch(test);
    let dir = root.join("kustomization-examples").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(examples().join(name)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    std::fs::create_dir_all(root.join("dist")).unwrap();
    std::fs::copy(common::native_binary_path(), root.join("dist/sidecar-injector")).unwrap();
    if wasm {
        std::fs::copy(common::wasm_module_path(), root.join("dist/sidecar-injector.wasm")).unwrap();
    }
    dir
}

/// The resources a kustomization lists, in order, as kustomize hands them to a function.
fn kustomization_resources(dir: &Path) -> Vec<Node> {
    let kustomization = read_doc(&dir.join("kustomization.yaml"));
    seq(&kustomization, &["resources"])
        .iter()
        .flat_map(|r| docs(&std::fs::read(dir.join(r.as_str().unwrap())).unwrap()))
        .collect()
}

/// The ResourceList standalone kustomize sends a KRM exec function: the resources as items, and the transformer
/// resource itself as functionConfig, marked local-config.
fn krm_input(dir: &Path) -> Vec<u8> {
    let mut config = read_doc(&dir.join("injector.yaml"));
    let annotations = config
        .as_mapping_mut()
        .and_then(|m| m.get_mut("metadata"))
        .and_then(Node::as_mapping_mut)
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Node::as_mapping_mut)
        .unwrap();
    annotations.insert("config.kubernetes.io/local-config", Node::string("true"));
    let mut list = Mapping::default();
    list.insert("apiVersion", Node::string("config.kubernetes.io/v1"));
    list.insert("kind", Node::string("ResourceList"));
    let mut items = Node::sequence();
    items.as_sequence_mut().unwrap().items = kustomization_resources(dir);
    list.insert("items", items);
    list.insert("functionConfig", config);
    emit_stream(&[Document { root: Node::Mapping(list), version: None }]).into_bytes()
}

fn identity(item: &Node) -> (String, String, String) {
    let s = |k: &[&str]| str_at(item, k).unwrap_or_default().to_string();
    (s(&["kind"]), s(&["metadata", "namespace"]), s(&["metadata", "name"]))
}

/// Every item of a function's output has the meaning of the object of the same kind and name in expected.yaml.
fn assert_items_match_expected(dir: &Path, stdout: &[u8]) {
    let output = docs(stdout).remove(0);
    let items = seq(&output, &["items"]);
    let expected = docs(&std::fs::read(dir.join("expected.yaml")).unwrap());
    assert_eq!(items.len(), expected.len(), "{}", String::from_utf8_lossy(stdout));
    for item in items {
        let twin = expected.iter().find(|e| identity(e) == identity(item)).expect("the item is in expected.yaml");
        assert!(
            twin.same_meaning(item),
            "{}: differs from expected.yaml:\n{}",
            dir.display(),
            String::from_utf8_lossy(stdout)
        );
    }
}

/// Here without kustomize: the exec form run the way standalone kustomize runs it (hosts.md): the exec path
/// resolved against the kustomization's directory, which is also the working directory, a ResourceList on stdin.
#[test]
fn krm_function_native_under_the_kustomize_exec_contract() {
    let dir = krm_layout("krm-native-contract", "krm-function", false);
    let (exec, args) = exec_spec(&read_doc(&dir.join("injector.yaml")));
    assert!(exec.contains('/') && args.is_empty(), "a relative path to the binary: {exec} {args:?}");
    let program = dir.join(&exec);
    assert!(program.is_file(), "{exec} does not resolve from the kustomization's directory to {}", program.display());
    let out = Command::new(&program)
        .current_dir(&dir)
        .stdin(std::fs::File::open(write_input(&dir)).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_items_match_expected(&dir, &out.stdout);
}

fn write_input(dir: &Path) -> PathBuf {
    let path = dir.join("resource-list.input");
    std::fs::write(&path, krm_input(dir)).unwrap();
    path
}

/// The same for the `.wasm`: `wasmtime run ../../dist/sidecar-injector.wasm` from the kustomization's directory
/// names the module ./build.sh writes; the module runs as `wasmtime run` runs it (stdio only), under the
/// wasmtime crate the tests link, since the wasmtime CLI may be absent.
#[test]
fn krm_function_wasm_under_the_kustomize_exec_contract() {
    let dir = krm_layout("krm-wasm-contract", "krm-function-wasm", true);
    let (exec, args) = exec_spec(&read_doc(&dir.join("injector.yaml")));
    assert_eq!(exec, "wasmtime", "found on PATH");
    assert_eq!(args.first().map(String::as_str), Some("run"));
    assert_eq!(args.len(), 2, "run MODULE, nothing else (no --dir, no --env): {args:?}");
    let module = dir.join(&args[1]);
    assert!(module.is_file(), "{} does not resolve from the kustomization's directory", args[1]);
    assert_eq!(module.canonicalize().unwrap(), dir.join("../../dist/sidecar-injector.wasm").canonicalize().unwrap());
    let out = common::run_wasm(&krm_input(&dir), &[], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr_str());
    assert_items_match_expected(&dir, &out.stdout);
}

/// The KRM form's expected output is the legacy form's: both go through kustomize's one JSON-to-YAML printer,
/// and what the function writes does not depend on the config's metadata. Pinned here with kubectl (the same
/// config without the function annotation, as a legacy plugin), since standalone kustomize may be absent.
fn krm_expected_equals_the_legacy_plugin_output(name: &str) {
    let dir = krm_layout(&format!("krm-as-legacy-{name}"), name, false);
    let config = std::fs::read_to_string(dir.join("injector.yaml")).unwrap();
    // Drop the metadata.annotations block (the function annotation is its only entry).
    let mut legacy = String::new();
    let mut skipping = false;
    for line in config.lines() {
        if line == "  annotations:" {
            skipping = true;
        } else if skipping && !line.starts_with("    ") {
            skipping = false;
        }
        if !skipping {
            legacy.push_str(line);
            legacy.push('\n');
        }
    }
    assert!(path(&read_doc_text(&legacy), &["metadata", "annotations"]).is_none(), "{legacy}");
    std::fs::write(dir.join("injector.yaml"), legacy).unwrap();
    let out = kubectl_kustomize(&dir, plugin_home());
    assert!(out.status.success(), "{name}: {}", text(&out));
    assert_expected(&examples().join(name), &out.stdout);
}

#[test]
#[cfg_attr(not(host_kubectl), ignore = "kubectl is not on PATH")]
fn krm_function_expected_equals_the_legacy_plugin_output() {
    krm_expected_equals_the_legacy_plugin_output("krm-function");
}

#[test]
#[cfg_attr(not(host_kubectl), ignore = "kubectl is not on PATH")]
fn krm_function_wasm_expected_equals_the_legacy_plugin_output() {
    krm_expected_equals_the_legacy_plugin_output("krm-function-wasm");
}

/// `kustomize build --enable-alpha-plugins --enable-exec` in the scratch layout.
pub(crate) fn kustomize_build(dir: &Path, home: Option<&Path>) -> Output {
    let mut cmd = Command::new("kustomize");
    cmd.args(["build", "--enable-alpha-plugins", "--enable-exec"]).arg(dir);
    if let Some(home) = home {
        cmd.env("KUSTOMIZE_PLUGIN_HOME", home);
    }
    cmd.output().expect("kustomize runs")
}

#[test]
#[cfg_attr(not(host_kustomize), ignore = "standalone kustomize is not on PATH")]
fn kustomize_runs_the_krm_function_native() {
    let dir = krm_layout("kustomize-krm-native", "krm-function", false);
    let out = kustomize_build(&dir, None);
    assert!(out.status.success(), "{}", text(&out));
    assert_expected(&examples().join("krm-function"), &out.stdout);
}

/// Not run here: the newest standalone kustomize these machines can install is v4.5.4 (hosts.md), and the `.wasm`
/// form's `exec.args` came with v5.7.0. The next test pins what v4.5.4 does instead; the one after, the way round it.
#[test]
#[cfg_attr(
    not(all(host_kustomize_exec_args, host_wasmtime)),
    ignore = "needs standalone kustomize v5.7.0+ (exec.args) and the wasmtime CLI; v4.5.4 is the newest installable here"
)]
fn kustomize_runs_the_krm_function_wasm() {
    let dir = krm_layout("kustomize-krm-wasm", "krm-function-wasm", true);
    let out = kustomize_build(&dir, None);
    assert!(out.status.success(), "kustomize v5.7.0 or later is needed for exec.args:\n{}", text(&out));
    assert_expected(&examples().join("krm-function-wasm"), &out.stdout);
}

/// Why the `.wasm` form needs v5.7.0: an older kustomize does not know `exec.args` and drops it without a word,
/// so it starts `wasmtime` with no arguments (kubectl's v5.5.0 refuses the field instead; tested above). A
/// `wasmtime` first on PATH that records its arguments shows it; the build then fails, and injects nothing.
#[test]
#[cfg_attr(
    not(all(host_kustomize, not(host_kustomize_exec_args))),
    ignore = "needs a standalone kustomize older than v5.7.0 on PATH"
)]
fn kustomize_before_5_7_drops_exec_args() {
    let dir = krm_layout("kustomize-krm-wasm-old", "krm-function-wasm", true);
    let bin = dir.parent().unwrap().join("recording-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let record = bin.join("argv");
    let script = format!("#!/bin/sh\nprintf '%s\\n' \"$#\" \"$@\" > '{}'\nexit 3\n", record.display());
    std::fs::write(bin.join("wasmtime"), script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(bin.join("wasmtime"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin.clone()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    let out = Command::new("kustomize")
        .args(["build", "--enable-alpha-plugins", "--enable-exec"])
        .arg(&dir)
        .env("PATH", path)
        .output()
        .expect("kustomize runs");
    assert!(!out.status.success(), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("fluent-bit"), "{}", text(&out));
    let argv =
        std::fs::read_to_string(&record).unwrap_or_else(|e| panic!("wasmtime was not run ({e}):\n{}", text(&out)));
    assert_eq!(argv, "0\n", "wasmtime got arguments after all: {argv:?}");
}

/// Writes an executable `sh` script.
fn write_script(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// The way the `.wasm` runs under a kustomize older than v5.7.0 (the example's comment, docs/hosts.md): a
/// script named in `exec.path` starts `wasmtime run` on the module. The real wasmtime CLI, the release module,
/// the example's own expected output.
#[test]
#[cfg_attr(not(all(host_kustomize, host_wasmtime)), ignore = "needs standalone kustomize and the wasmtime CLI on PATH")]
fn kustomize_runs_the_wasm_module_through_a_script() {
    let dir = krm_layout("kustomize-krm-wasm-script", "krm-function-wasm", true);
    write_script(&dir.join("run-wasm"), "exec wasmtime run ../../dist/sidecar-injector.wasm");
    let injector = std::fs::read_to_string(dir.join("injector.yaml")).unwrap();
    let exec = "        path: wasmtime\n        args: [run, ../../dist/sidecar-injector.wasm]\n";
    assert!(injector.contains(exec), "the example's exec: block changed; update this test:\n{injector}");
    std::fs::write(dir.join("injector.yaml"), injector.replace(exec, "        path: ./run-wasm\n")).unwrap();
    let out = kustomize_build(&dir, None);
    assert!(out.status.success(), "{}", text(&out));
    assert_expected(&examples().join("krm-function-wasm"), &out.stdout);
}

/// The legacy plugin form with the `.wasm` as the plugin (the README's security section): an executable that
/// runs `wasmtime run --env KUSTOMIZE_PLUGIN_CONFIG_STRING MODULE`. The module cannot open the config file
/// kustomize names in argv[1] (WASI gives it no files), so it reads the config from the variable. Every use
/// case, under kubectl's kustomize and the standalone one where it is installed, gives the native plugin's
/// expected output.
#[test]
#[cfg_attr(not(all(host_kubectl, host_wasmtime)), ignore = "needs kubectl and the wasmtime CLI on PATH")]
fn the_wasm_module_runs_as_a_legacy_plugin_under_wasmtime() {
    let home = scratch("wasm-plugin-home");
    let plugin = home.join(PLUGIN_PATH);
    std::fs::create_dir_all(plugin.parent().unwrap()).unwrap();
    let module = home.join("sidecar-injector.wasm");
    std::fs::copy(common::wasm_module_path(), &module).unwrap();
    write_script(&plugin, &format!("exec wasmtime run --env KUSTOMIZE_PLUGIN_CONFIG_STRING '{}'", module.display()));
    let standalone = cfg!(host_kustomize);
    for name in USE_CASES {
        let dir = examples().join(name);
        let out = kubectl_kustomize(&dir, &home);
        assert!(out.status.success(), "{name}, kubectl: {}", text(&out));
        assert_expected(&dir, &out.stdout);
        if standalone {
            let out = kustomize_build(&dir, Some(&home));
            assert!(out.status.success(), "{name}, kustomize: {}", text(&out));
            assert_expected(&dir, &out.stdout);
        }
    }
}

/// Standalone kustomize runs the legacy plugin form too (`--enable-alpha-plugins` is enough; `--enable-exec`
/// changes nothing for it), with the same output as kubectl's embedded kustomize.
#[test]
#[cfg_attr(not(host_kustomize), ignore = "standalone kustomize is not on PATH")]
fn kustomize_runs_the_legacy_plugin_use_cases() {
    for name in USE_CASES {
        let dir = examples().join(name);
        let out = kustomize_build(&dir, Some(plugin_home()));
        assert!(out.status.success(), "{name}: {}", text(&out));
        assert_expected(&dir, &out.stdout);
    }
}

// --- the directory, its README, the top-level README and metadata.yaml agree ---------------------------------------

/// The directories of kustomization-examples/, sorted.
pub(crate) fn example_dirs() -> Vec<String> {
    common::subdirectories(&examples())
}

#[test]
fn every_example_directory_is_tested_and_listed() {
    let dirs = example_dirs();
    let mut known: Vec<String> = USE_CASES.iter().chain(KRM_FUNCTION_DIRS).map(|s| s.to_string()).collect();
    known.sort();
    assert_eq!(
        dirs, known,
        "a directory of kustomization-examples/ that no test runs, or a test without its directory"
    );

    let listing = std::fs::read_to_string(examples().join("README.md")).unwrap();
    // The top-level README leads to the listing, which links every directory.
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap();
    assert!(readme.contains("(kustomization-examples/)"), "README.md does not link kustomization-examples/");
    for name in &known {
        let dir = examples().join(name);
        for file in ["kustomization.yaml", "injector.yaml", "expected.yaml"] {
            assert!(dir.join(file).is_file(), "{name}/{file} is missing");
        }
        assert!(listing.contains(&format!("({name}/)")), "kustomization-examples/README.md does not link {name}/");
        let config = read_doc(&dir.join("injector.yaml"));
        let krm = path(&config, &["metadata", "annotations", FUNCTION_ANNOTATION]).is_some();
        assert_eq!(krm, KRM_FUNCTION_DIRS.contains(&name.as_str()), "{name}: the function annotation decides the form");
        let kustomization = read_doc(&dir.join("kustomization.yaml"));
        assert_eq!(names_of(seq(&kustomization, &["transformers"])), ["injector.yaml"], "{name}");
        for resource in seq(&kustomization, &["resources"]) {
            assert!(dir.join(resource.as_str().unwrap()).is_file(), "{name}: {resource:?}");
        }
    }
}

fn names_of(list: &[Node]) -> Vec<&str> {
    list.iter().filter_map(Node::as_str).collect()
}

/// metadata.yaml: catalog-style function metadata; every path it names exists (or is a build artifact).
#[test]
fn metadata_yaml_parses_and_names_what_exists() {
    let meta = read_doc(&Path::new(ROOT).join("metadata.yaml"));
    assert_eq!(str_at(&meta, &["name"]), Some("sidecar-injector"));
    assert!(str_at(&meta, &["description"]).is_some_and(|d| d.len() > 40));
    assert_eq!(str_at(&meta, &["license"]), Some("Apache-2.0"));
    let tags = names_of(seq(&meta, &["tags"]));
    assert!(tags.contains(&"mutator"), "{tags:?}");
    let build = std::fs::read_to_string(Path::new(ROOT).join("build.sh")).unwrap();
    for artifact in seq(&meta, &["exec"]) {
        let p = str_at(artifact, &["path"]).unwrap();
        let file = p.strip_prefix("dist/").expect("artifacts are in dist/");
        assert!(
            build.contains(&format!("$DIST/$BIN{}", file.strip_prefix("sidecar-injector").unwrap())),
            "build.sh makes {p}"
        );
    }
    for config in seq(&meta, &["configs"]) {
        if let Some(schema) = str_at(config, &["schema"]) {
            assert!(Path::new(ROOT).join(schema).is_file(), "{schema}");
        }
    }
    let examples = seq(&meta, &["examples"]);
    let listed: Vec<&str> = examples.iter().filter_map(|e| str_at(e, &["path"])).collect();
    assert_eq!(listed.len(), examples.len(), "every example has a path");
    for p in &listed {
        assert!(Path::new(ROOT).join(p).is_dir(), "metadata.yaml names {p}, which does not exist");
    }
    for name in USE_CASES.iter().chain(KRM_FUNCTION_DIRS) {
        assert!(
            listed.contains(&format!("kustomization-examples/{name}").as_str()),
            "metadata.yaml does not list {name}"
        );
    }
    for p in ["kpt-package", "argocd/builtin-kustomize", "argocd/cmp"] {
        assert!(listed.contains(&p), "metadata.yaml does not list {p}");
    }
}
