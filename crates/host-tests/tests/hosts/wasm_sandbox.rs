//! The function needs nothing from its host but stdin, stdout, stderr, its environment and argv.
//!
//! These tests hold the module (and the native binary) to that: it runs in a WASI sandbox with no
//! preopened directories, no inherited environment and no network, and its import list shows it could
//! not reach files or sockets even if a host granted them. The `harness_*` tests check the harness
//! itself with tiny hand-written modules, so a green product test cannot come from a harness that
//! leaks the test process's environment or swallows traps.
//!
//! The product tests run a real injection in the sandbox and check it happened: the sandbox must not cost
//! the function any of its work.
use crate::common;

use std::time::Duration;

use common::{RunOutput, CRASH_CODE};
use wasmtime::{ExternType, Module};

use common::DEPLOYMENT_ITEM as WORKLOAD;

const CONFIG: &str = "\
apiVersion: sidecar-injector.dev/v1alpha1
kind: SidecarInjector
metadata:
  name: inject
spec:
  containers:
  - name: sandboxed-sidecar
    image: example/sidecar:1.0
    resources: {requests: {cpu: 1m}}
";

/// A ResourceList with one workload and the config.
fn resource_list() -> String {
    let config: String = CONFIG.lines().map(|l| format!("  {l}\n")).collect();
    format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{WORKLOAD}functionConfig:\n{config}")
}

/// A legacy kustomize exec plugin's stdin: a plain YAML stream (the config comes from the environment).
fn plain_stream() -> String {
    WORKLOAD.lines().map(|l| l.get(2..).unwrap_or("")).collect::<Vec<_>>().join("\n") + "\n"
}

/// The run succeeded and injected the sidecar.
fn assert_injected(label: &str, out: &RunOutput) {
    show(label, out);
    assert_eq!(out.code, 0, "{label}: expected exit 0");
    assert!(out.stdout_str().contains("name: sandboxed-sidecar"), "{label}: the sidecar is missing from stdout");
}

fn show(label: &str, out: &RunOutput) {
    eprintln!("--- {label}: exit {}\n--- stdout:\n{}\n--- stderr:\n{}", out.code, out.stdout_str(), out.stderr_str());
}

fn assert_ran(label: &str, out: &RunOutput) {
    show(label, out);
    assert!(out.exited_cleanly(), "{label}: expected exit 0 or 1, got {} (crash/trap)", out.code);
    assert!(
        !out.stdout.is_empty() || !out.stderr.is_empty(),
        "{label}: exited {} without a word on stdout or stderr",
        out.code
    );
}

#[test]
fn wasm_runs_with_no_preopens_no_env_no_args() {
    let out = common::run_wasm(resource_list().as_bytes(), &[], &[]);
    assert_injected("wasm, ResourceList", &out);
}

#[test]
fn wasm_runs_as_legacy_exec_plugin() {
    // kubectl's legacy plugin contract: argv[1] is a config file path the module cannot open (no
    // preopens), the same config is in KUSTOMIZE_PLUGIN_CONFIG_STRING.
    let out = common::run_wasm(
        plain_stream().as_bytes(),
        &[("KUSTOMIZE_PLUGIN_CONFIG_STRING", CONFIG), ("KUSTOMIZE_PLUGIN_CONFIG_ROOT", "/nonexistent")],
        &["/tmp/kust-plugin-config-123"],
    );
    assert_injected("wasm, legacy plugin", &out);
}

#[test]
fn wasm_survives_empty_and_binary_stdin() {
    for (label, input) in [("empty", &b""[..]), ("binary", &b"\x00\xff\xfe\x80 not yaml \x00"[..])] {
        let out = common::run_wasm(input, &[], &[]);
        show(label, &out);
        assert!(out.exited_cleanly(), "{label} stdin: got code {} (crash/trap)", out.code);
    }
}

#[test]
fn wasm_imports_only_stdio_env_args_clock_random_exit() {
    let module: &Module = common::wasm_module().module();
    let imports: Vec<(String, String, bool)> = module
        .imports()
        .map(|i| (i.module().to_string(), i.name().to_string(), matches!(i.ty(), ExternType::Func(_))))
        .collect();
    eprintln!("{} imports of {}:", imports.len(), common::wasm_module_path().display());
    for (m, n, _) in &imports {
        eprintln!("  {m}::{n}");
    }
    // Everything the function needs: stdin/stdout/stderr, the environment (the legacy plugin's config),
    // argv, exit, and randomness (std's hash maps seed from it). No filesystem call at all: main.rs reads
    // no file on wasi, so the module needs no preopened directory even to try.
    const ALLOWED: &[&str] = &[
        "fd_read",
        "fd_write",
        "environ_get",
        "environ_sizes_get",
        "args_get",
        "args_sizes_get",
        "random_get",
        "proc_exit",
    ];
    for (m, n, is_func) in &imports {
        assert_eq!(m, "wasi_snapshot_preview1", "import {m}::{n} is not WASI preview 1: hosts would refuse it");
        assert!(is_func, "import {m}::{n} is not a function (memory/table/global imports are not WASI)");
        assert!(
            ALLOWED.contains(&n.as_str()),
            "{n}: not a stdio/env/args/random/exit call; the module must need nothing else"
        );
    }
    let exports: Vec<&str> = module.exports().map(|e| e.name()).collect();
    assert!(exports.contains(&"_start"), "not a WASI command (no _start): {exports:?}");
    assert!(exports.contains(&"memory"), "WASI requires an exported memory: {exports:?}");
}

#[test]
fn wasm_cannot_read_a_host_file_named_in_argv() {
    // The legacy-plugin form with the config only in a file: natively the function reads it; in the
    // sandbox the same path must lead nowhere. The sentinel shows whether the file's content got in.
    const SENTINEL: &str = "sentinel.example/host-file-was-read:1";
    let dir = std::env::temp_dir().join(format!("sidecar-injector-sandbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.yaml");
    std::fs::write(
        &config,
        format!(
            "apiVersion: sidecar-injector.dev/v1alpha1\nkind: SidecarInjector\nmetadata:\n  name: probe\n\
             spec:\n  containers:\n  - name: probe\n    image: {SENTINEL}\n"
        ),
    )
    .unwrap();
    let config_arg = config.to_str().expect("utf-8 temp path");
    let workload = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: nginx\n";

    let native = common::run_native(workload.as_bytes(), &[], &[config_arg]);
    let wasm = common::run_wasm(workload.as_bytes(), &[], &[config_arg]);
    let _ = std::fs::remove_dir_all(&dir);
    show("native, config file in argv[1]", &native);
    show("wasm, config file in argv[1]", &wasm);
    // Without this the negative below would prove nothing: the file is valid and the binary uses it.
    assert!(native.stdout_str().contains(SENTINEL), "premise: the native binary should read and apply the config file");
    assert_ran("wasm, config file in argv[1]", &wasm);
    assert!(
        !wasm.stdout_str().contains(SENTINEL) && !wasm.stderr_str().contains(SENTINEL),
        "the module read a host file without any preopened directory"
    );
}

#[test]
fn native_runs_with_cleared_env_in_empty_dir() {
    // Neither PATH nor HOME, and a working directory with nothing in it: kpt and kustomize run the
    // function from directories it must not depend on.
    let dir = std::env::temp_dir().join(format!("sidecar-injector-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = common::run_native_in(&dir, resource_list().as_bytes(), &[], &[], common::DEFAULT_TIMEOUT);
    let _ = std::fs::remove_dir(&dir);
    assert_injected("native, ResourceList", &out);
}

#[test]
fn native_runs_as_legacy_exec_plugin() {
    let out = common::run_native(
        plain_stream().as_bytes(),
        &[("KUSTOMIZE_PLUGIN_CONFIG_STRING", CONFIG), ("KUSTOMIZE_PLUGIN_CONFIG_ROOT", "/nonexistent")],
        &["/nonexistent/kust-plugin-config-123"],
    );
    assert_injected("native, legacy plugin", &out);
}

#[test]
fn native_and_wasm_agree() {
    // One source, two targets: the stdout a host stores and the exit code it acts on must not depend on
    // which one it runs. (stderr may differ, e.g. by argv[0].)
    for input in [resource_list(), plain_stream(), String::new(), "\u{0}not yaml".to_string()] {
        let wasm = common::run_wasm(input.as_bytes(), &[], &[]);
        let native = common::run_native(input.as_bytes(), &[], &[]);
        assert_eq!(
            (native.code, native.stdout_str()),
            (wasm.code, wasm.stdout_str()),
            "native (left) and wasm (right) differ on input {input:?}"
        );
    }
}

/// Every workload kind, each several times, with labels, annotations, env, init containers, volumes and YAML
/// 1.1-sensitive values; and a config that uses most of what the function can add (native sidecars, init
/// containers, volumes, env and mounts into the app containers, template annotations, a selector).
/// Returns the ResourceList and the config alone.
fn full_case() -> (String, String) {
    const KINDS: &[(&str, &str, &str)] = &[
        ("v1", "Pod", ""),
        ("v1", "PodTemplate", "template:\n"),
        ("v1", "ReplicationController", "spec:\n  template:\n"),
        ("apps/v1", "Deployment", "spec:\n  template:\n"),
        ("apps/v1", "ReplicaSet", "spec:\n  template:\n"),
        ("apps/v1", "StatefulSet", "spec:\n  template:\n"),
        ("apps/v1", "DaemonSet", "spec:\n  template:\n"),
        ("batch/v1", "Job", "spec:\n  template:\n"),
        ("batch/v1", "CronJob", "spec:\n  schedule: '*/5 * * * *'\n  jobTemplate:\n    spec:\n      template:\n"),
    ];
    let mut items = String::new();
    for i in 0..45 {
        let (api_version, kind, path) = KINDS[i % KINDS.len()];
        let policy = if kind == "Job" || kind == "CronJob" { "Never" } else { "Always" };
        let mut template = String::new();
        if kind != "Pod" {
            // A Pod's template metadata is its own.
            template.push_str(&format!("metadata:\n  labels: {{app: w{i}, tier: \"on\"}}\n"));
        }
        template.push_str(&format!(
            "spec:\n  restartPolicy: {policy}\n  initContainers:\n  - name: setup\n    image: busybox:1.36\n    \
             command: [sh, -c, 'echo yes']\n  containers:\n  - name: app\n    image: registry.example/app:{i}\n    \
             args: [on, 0644, \"12:30\", 2024-01-01]\n    env:\n    - {{name: MODE, value: \"yes\"}}\n  volumes:\n  \
             - name: cfg\n    configMap: {{name: cfg, defaultMode: 0644}}\n"
        ));
        let pad = "  ".repeat(path.lines().count());
        let body: String = template.lines().map(|l| format!("{pad}{l}\n")).collect();
        let item = format!(
            "apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: w{i}\n  namespace: team-{}\n  annotations:\n    \
             config.kubernetes.io/index: '{i}'\n{path}{body}",
            i % 3
        );
        for (n, line) in item.lines().enumerate() {
            items.push_str(if n == 0 { "- " } else { "  " });
            items.push_str(line);
            items.push('\n');
        }
    }
    let config = "\
apiVersion: sidecar-injector.dev/v1alpha1
kind: SidecarInjector
metadata:
  name: full
spec:
  native: true
  containers:
  - name: agent
    image: example/agent:2.0
    args: [--mode, on, '0644']
    resources: {requests: {cpu: 5m, memory: 16Mi}}
    volumeMounts: [{name: agent-data, mountPath: /data}]
  initContainers:
  - name: prepare
    image: example/prepare:1.0
    resources: {requests: {cpu: 5m}}
  volumes:
  - name: agent-data
    emptyDir: {}
  env:
  - {name: AGENT_ADDR, value: 'localhost:4317'}
  volumeMounts:
  - {name: agent-data, mountPath: /var/agent}
  annotations:
    example.com/injected: 'yes'
  selector:
    namespaces: [team-0, team-1]
";
    let indented: String = config.lines().map(|l| format!("  {l}\n")).collect();
    let list =
        format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{items}functionConfig:\n{indented}");
    (list, config.to_string())
}

#[test]
fn wasm_does_all_its_work_in_the_sandbox() {
    // No preopened directory, no environment, no arguments, no network: the module still injects into every
    // selected workload of a full multi-workload list, byte for byte as the native binary (given a cleared
    // environment) and the library do.
    let (list, _) = full_case();
    let wasm = common::run_wasm(list.as_bytes(), &[], &[]);
    let native = common::run_native(list.as_bytes(), &[], &[]);
    let library = sidecar_injector::process(list.as_bytes());
    assert_eq!(wasm.code, 0, "{}", wasm.stderr_str());
    assert_eq!(wasm.stdout, native.stdout, "wasm and native stdout differ");
    assert_eq!(wasm.stdout, library.stdout, "wasm and library stdout differ");
    assert_eq!((wasm.code, wasm.stderr_str()), (native.code, native.stderr_str()));
    let out = wasm.stdout_str();
    // 45 workloads, 30 of them in the selected namespaces: each gets the native sidecar and the init container
    // (and the config names each once more).
    assert_eq!(out.matches("- name: agent\n").count(), 31, "{out}");
    assert_eq!(out.matches("- name: prepare\n").count(), 31);
    assert_eq!(out.matches("sidecar-injector.dev/status").count(), 30);
    assert!(out.len() > list.len(), "the output holds the input and the injection");
}

#[test]
fn the_environment_changes_nothing_but_the_plugin_config() {
    // What a host may leave in the environment (kpt and kustomize pass their own; a CI runner passes much more)
    // must not change what the module does; only the legacy plugin's KUSTOMIZE_PLUGIN_CONFIG_STRING is read.
    let (list, config) = full_case();
    let noise: &[(&str, &str)] = &[
        ("HOME", "/root"),
        ("PATH", "/usr/bin:/bin"),
        ("LANG", "tr_TR.UTF-8"),
        ("TZ", "Pacific/Chatham"),
        ("RUST_BACKTRACE", "full"),
        ("RUST_LOG", "trace"),
        ("KUSTOMIZE_PLUGIN_CONFIG_ROOT", "/nonexistent"),
        ("KUSTOMIZE_PLUGIN_CONFIG_STRING", ""),
        ("SIDECAR_INJECTOR_WASM", "/nonexistent.wasm"),
        ("KPT_FN_RUNTIME", "exec"),
    ];
    let quiet = common::run_wasm(list.as_bytes(), &[], &[]);
    let noisy = common::run_wasm(list.as_bytes(), noise, &[]);
    assert_eq!(quiet, noisy, "the environment changed the module's output");
    let native_noisy = common::run_native(list.as_bytes(), noise, &[]);
    assert_eq!(quiet.stdout, native_noisy.stdout, "the environment changed the native binary's output");

    // Plugin mode: the config comes from the environment variable, and nothing else there matters.
    let list_items = lossless_yaml::parse_stream(list.as_bytes()).unwrap().remove(0).root;
    let docs: Vec<lossless_yaml::Document> = list_items
        .get("items")
        .and_then(lossless_yaml::Node::as_sequence)
        .unwrap()
        .items
        .iter()
        .map(|n| lossless_yaml::Document { root: n.clone(), version: None })
        .collect();
    let stream = lossless_yaml::emit_stream(&docs);
    let mut env: Vec<(&str, &str)> =
        noise.iter().filter(|(k, _)| *k != "KUSTOMIZE_PLUGIN_CONFIG_STRING").copied().collect();
    env.push(("KUSTOMIZE_PLUGIN_CONFIG_STRING", &config));
    let plugin = common::run_wasm(stream.as_bytes(), &env, &["/nonexistent/plugin-config.yaml"]);
    let only = common::run_wasm(stream.as_bytes(), &[("KUSTOMIZE_PLUGIN_CONFIG_STRING", &config)], &[]);
    assert_eq!(plugin.code, 0, "{}", plugin.stderr_str());
    assert_eq!(plugin, only, "plugin mode depends on more than KUSTOMIZE_PLUGIN_CONFIG_STRING");
    assert_eq!(plugin.stdout, sidecar_injector::process_stream(config.as_bytes(), stream.as_bytes()).stdout);
    assert_eq!(plugin.stdout_str().matches("- name: agent\n").count(), 30);
}

// ---- the harness itself ------------------------------------------------------------------------

fn probe(wat: &str) -> wasmtime::InstancePre<common::HostState> {
    let module = Module::new(common::engine(), wat).expect("probe module compiles");
    common::link(&module)
}

/// A module that calls one WASI "sizes" function with out-pointers 0 and 4 and exits with the
/// first value (or, for `fd_prestat_get`, with the errno).
fn exit_with(import: &str, call: &str) -> String {
    format!(
        r#"(module
             (import "wasi_snapshot_preview1" "{import}" (func $f (param i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (func (export "_start") {call}))"#
    )
}

#[test]
fn harness_passes_only_the_given_env() {
    let pre = probe(&exit_with(
        "environ_sizes_get",
        "(drop (call $f (i32.const 0) (i32.const 4))) (call $exit (i32.load (i32.const 0)))",
    ));
    assert!(std::env::vars_os().count() > 0, "test process has an environment to leak");
    let none = common::run_wasm_module(&pre, b"", &[], &[], common::DEFAULT_TIMEOUT);
    assert_eq!(none.code, 0, "env leaked into the sandbox: {}", none.stderr_str());
    let two = common::run_wasm_module(&pre, b"", &[("A", "1"), ("B", "2")], &[], common::DEFAULT_TIMEOUT);
    assert_eq!(two.code, 2, "{}", two.stderr_str());
}

#[test]
fn harness_passes_argv0_plus_args() {
    let pre = probe(&exit_with(
        "args_sizes_get",
        "(drop (call $f (i32.const 0) (i32.const 4))) (call $exit (i32.load (i32.const 0)))",
    ));
    let out = common::run_wasm_module(&pre, b"", &[], &["x", "y"], common::DEFAULT_TIMEOUT);
    assert_eq!(out.code, 3, "{}", out.stderr_str());
}

#[test]
fn harness_preopens_nothing() {
    // fd 3 is where the first preopen would be; WASI errno 8 is EBADF.
    let pre = probe(&exit_with("fd_prestat_get", "(call $exit (call $f (i32.const 3) (i32.const 0)))"));
    let out = common::run_wasm_module(&pre, b"", &[], &[], common::DEFAULT_TIMEOUT);
    assert_eq!(out.code, 8, "fd 3 should be EBADF: {}", out.stderr_str());
}

#[test]
fn harness_reports_a_trap_as_crash_code() {
    let pre = probe(r#"(module (memory (export "memory") 1) (func (export "_start") unreachable))"#);
    let out = common::run_wasm_module(&pre, b"", &[], &[], common::DEFAULT_TIMEOUT);
    assert_eq!(out.code, CRASH_CODE);
    assert!(!out.exited_cleanly());
    assert!(out.stderr_str().contains("unreachable"), "trap text missing: {}", out.stderr_str());
}

#[test]
fn harness_stops_an_endless_loop() {
    let pre = probe(r#"(module (memory (export "memory") 1) (func (export "_start") (loop br 0)))"#);
    let started = std::time::Instant::now();
    let out = common::run_wasm_module(&pre, b"", &[], &[], Duration::from_millis(500));
    assert_eq!(out.code, CRASH_CODE, "{}", out.stderr_str());
    assert!(started.elapsed() < Duration::from_secs(30), "guard took {:?}", started.elapsed());
    eprintln!("{}", out.stderr_str());
}

#[test]
fn harness_enforces_the_memory_limit() {
    // One page past the limit, in 64 KiB pages.
    let pages = common::MEMORY_LIMIT_BYTES / 65536 + 1;
    let pre = probe(&format!(
        r#"(module (memory (export "memory") 1)
             (func (export "_start") (drop (memory.grow (i32.const {pages})))))"#
    ));
    let out = common::run_wasm_module(&pre, b"", &[], &[], common::DEFAULT_TIMEOUT);
    assert_eq!(out.code, CRASH_CODE, "{}", out.stderr_str());
}

#[test]
fn harness_reports_exit_codes_and_stdout() {
    // Writes "hi\n" with fd_write, then exits 1.
    let pre = probe(
        r#"(module
             (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
             (memory (export "memory") 1)
             (data (i32.const 16) "hi\n")
             (func (export "_start")
               (i32.store (i32.const 0) (i32.const 16))
               (i32.store (i32.const 4) (i32.const 3))
               (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
               (call $exit (i32.const 1))))"#,
    );
    let out = common::run_wasm_module(&pre, b"", &[], &[], common::DEFAULT_TIMEOUT);
    assert_eq!((out.code, out.stdout.as_slice()), (1, &b"hi\n"[..]), "{}", out.stderr_str());
}

#[test]
fn harness_finds_tools_on_path() {
    assert!(common::tool_available("sh"), "sh is on every machine this runs on");
    assert!(!common::tool_available("surely-no-such-tool-sidecar-injector"));
}
