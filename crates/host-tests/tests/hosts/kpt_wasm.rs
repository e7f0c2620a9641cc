//! The kpt module (`dist/sidecar-injector.kpt.wasm`, crates/kpt) in kpt's own wasm runtime: `kpt fn eval
//! --allow-alpha-wasm` and `kpt fn render --allow-alpha-wasm` with `KPT_FN_WASM_RUNTIME=nodejs`, the runtime
//! kpt's release binaries have (the embedded wasmtime needs a cgo build).
//!
//! Two levels: the real kpt on packages, where every file and results.yaml must come out exactly as with the
//! native binary as an `exec:` function (which the testdata tests hold byte for byte to the WASI module); and
//! kpt's real node glue run directly on ResourceLists, for every testdata case and inputs of several MB. The glue
//! is not in this repository: kpt writes it to `$TMPDIR/kpt-wasm-fn/` on each wasm run, and [`glue`] takes it
//! from there.

use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::{self, RunOutput};
use crate::kpt::{assert_only_sidecar_added, package, EXAMPLE_PACKAGE};
use crate::testdata::cases;

fn module() -> String {
    common::kpt_wasm_module_path().to_string_lossy().into_owned()
}

/// A fresh directory for one test. kpt writes its glue under `$TMPDIR/kpt-wasm-fn/` and never removes it, so each
/// run gets `DIR/tmp` as its TMPDIR.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sidecar-injector-kpt-wasm-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    dir
}

/// `kpt ARGS` in `cwd` with the node runtime; success and the whole log.
fn kpt(cwd: &Path, tmp: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("kpt")
        .args(args)
        .current_dir(cwd)
        .env("KPT_FN_WASM_RUNTIME", "nodejs")
        .env("TMPDIR", tmp)
        .output()
        .expect("kpt runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---- kpt's glue, run directly ---------------------------------------------------------------------------------

/// kpt's node glue as the kpt on PATH writes it, taken from a real `kpt fn eval --allow-alpha-wasm` run (once per
/// test process).
fn glue() -> &'static Path {
    static GLUE: OnceLock<PathBuf> = OnceLock::new();
    GLUE.get_or_init(|| {
        let dir = scratch("glue");
        let pkg = package("wasm-glue", None);
        let config = pkg.join("injector.yaml");
        let (ok, log) = kpt(
            &dir,
            &dir.join("tmp"),
            &["fn", "eval", pkg.to_str().unwrap(), "--allow-alpha-wasm", "--exec", &module(), "--fn-config"]
                .into_iter()
                .chain([config.to_str().unwrap()])
                .collect::<Vec<_>>(),
        );
        assert!(ok, "kpt fn eval with the kpt module failed:\n{log}");
        let runs = std::fs::read_dir(dir.join("tmp/kpt-wasm-fn")).expect("kpt wrote its glue under TMPDIR");
        let glue = runs
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("kpt-fn-wasm-glue-runner.js"))
            .find(|p| p.is_file())
            .expect("kpt-fn-wasm-glue-runner.js under $TMPDIR/kpt-wasm-fn/nodejs-*");
        let text = read(&glue);
        assert!(text.contains("processResourceList") && text.contains("KPT_FN_WASM_PATH"), "not kpt's glue");
        glue
    })
}

/// The module under kpt's glue, as kpt starts it: `node GLUE` with the module's path in `KPT_FN_WASM_PATH` and
/// the ResourceList on stdin.
fn run_glue(input: &[u8], timeout: Duration) -> RunOutput {
    let path = std::env::var("PATH").unwrap_or_default();
    let env = [("KPT_FN_WASM_PATH", module()), ("PATH", path)];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    common::run_program_in(Path::new("node"), &common::repo_root(), input, &env, &[glue().to_str().unwrap()], timeout)
}

/// What the glue prints where the function wrote no ResourceList (the input was none): the glue then prints
/// `processResourceListErrors(input)`, the error message, with console.log's newline.
fn glue_stdout(stdout: &[u8], stderr: &str) -> Vec<u8> {
    if stdout.is_empty() {
        format!("{}\n", stderr.trim_end()).into_bytes()
    } else {
        stdout.to_vec()
    }
}

/// One testdata case through the glue: stdout, stderr and exit code as expected. Cases of the kustomize legacy
/// plugin mode (a plain stream and a config in the environment) have no kpt form; for them the module must
/// answer the same bytes exactly as the WASI module does with no environment.
fn check_case(name: &str) {
    let case = cases::case_in(&common::repo_root().join("testdata/cases"), name);
    let (stdout, stderr, exit) = match case.plugin_config {
        None => {
            let want = cases::expected(&case);
            (want.stdout, want.stderr, want.exit)
        }
        Some(_) => {
            let wasi = common::run_wasm(&case.input, &[], &[]);
            (wasi.stdout.clone(), wasi.stderr_str(), wasi.code)
        }
    };
    let out = run_glue(&case.input, common::DEFAULT_TIMEOUT);
    assert_eq!(out.stderr_str(), stderr, "{name}: stderr");
    assert_eq!(out.code, exit, "{name}: exit code");
    assert!(out.stdout == glue_stdout(&stdout, &stderr), "{name}: stdout differs:\n{}", out.stdout_str());
}

mod testdata {
    macro_rules! case {
        ($ident:ident, $name:literal) => {
            #[test]
            #[cfg_attr(not(all(host_kpt, host_node)), ignore = "kpt or node is not on PATH")]
            fn $ident() {
                super::check_case($name);
            }
        };
    }
    include!(concat!(env!("OUT_DIR"), "/testdata_cases.rs"));
}

/// `n` Deployments in one ResourceList with a typed config, each with comments and values whose style must
/// survive.
fn resource_list(n: usize, config: &str) -> String {
    let mut text =
        format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig:\n{config}items:\n");
    for i in 0..n {
        text.push_str(&format!(
            "- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web-{i} # the {i}th
    namespace: shop
  spec:
    template:
      spec:
        containers:
        - name: app
          image: nginx:1.27
          env:
          - name: ENABLED
            value: 'on'
        volumes:
        - name: conf
          configMap:
            name: web-{i}
            defaultMode: 0644
"
        ));
    }
    text
}

const CONFIG: &str = "  apiVersion: sidecar-injector.dev/v1alpha1
  kind: SidecarInjector
  metadata:
    name: log-shipper
  spec:
    containers:
    - name: fluent-bit
      image: fluent/fluent-bit:3.1
      resources:
        requests:
          cpu: 10m
          memory: 32Mi
";

/// The memory the module starts with, read by instantiating it in node with do-nothing imports.
fn initial_memory_bytes() -> usize {
    let script = "const m = new WebAssembly.Module(require('fs').readFileSync(process.argv[1]));
const go = {}; for (const i of WebAssembly.Module.imports(m)) go[i.name] = () => {};
console.log(new WebAssembly.Instance(m, { go }).exports.mem.buffer.byteLength);";
    let out = Command::new("node").args(["-e", script, &module()]).output().expect("node runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// An input of several MB: many times the module's initial memory, so the memory grows during the call, between
/// imports (reading the input, building the output); each growth detaches the glue's cached DataView, and only
/// `runtime.resetMemoryDataView` after it keeps the glue working. The output is the WASI module's, byte for byte.
#[test]
#[cfg_attr(not(all(host_kpt, host_node)), ignore = "kpt or node is not on PATH")]
fn an_input_of_several_mb_grows_the_memory_and_gives_the_wasi_modules_output() {
    let input = resource_list(25_000, CONFIG);
    let initial = initial_memory_bytes();
    assert!(input.len() > 8 << 20, "{} bytes", input.len());
    assert!(input.len() > 4 * initial, "input {} bytes, initial memory {initial} bytes", input.len());
    // Generous: nextest runs tests side by side on 2 cores.
    let timeout = Duration::from_secs(180);
    let wasi = common::run_wasm_module(common::wasm_module(), input.as_bytes(), &[], &[], timeout);
    assert_eq!(wasi.code, 0, "{}", wasi.stderr_str());
    let out = run_glue(input.as_bytes(), timeout);
    assert_eq!((out.code, out.stderr_str()), (0, wasi.stderr_str()));
    assert!(out.stdout == wasi.stdout, "the kpt module's output differs from the WASI module's");
    // Once per workload, and once in the functionConfig the output carries.
    assert_eq!(out.stdout_str().matches("- name: fluent-bit").count(), 25_000 + 1);
}

/// The deepest nesting the YAML layer accepts, through everything that recurses: fits the module's stack (1 MiB,
/// as the WASI module's).
#[test]
#[cfg_attr(not(all(host_kpt, host_node)), ignore = "kpt or node is not on PATH")]
fn nesting_at_the_limit_fits_the_stack() {
    let depth = lossless_yaml::MAX_DEPTH - 6;
    let deep = format!("{}x{}", "[".repeat(depth), "]".repeat(depth));
    let input =
        resource_list(1, CONFIG).replace("defaultMode: 0644\n", &format!("defaultMode: 0644\n        deep: {deep}\n"));
    let wasi = common::run_wasm(input.as_bytes(), &[], &[]);
    assert_eq!(wasi.code, 0, "{}", wasi.stderr_str());
    let out = run_glue(input.as_bytes(), common::DEFAULT_TIMEOUT);
    assert_eq!((out.code, out.stderr_str()), (0, wasi.stderr_str()));
    assert!(out.stdout == wasi.stdout, "{}", out.stdout_str());
}

// ---- the real kpt ---------------------------------------------------------------------------------------------

/// Replaces the name of the function in results.yaml, the one place the two runs may differ.
fn results_of(path: &Path, function: &str) -> String {
    read(path).replace(function, "FUNCTION")
}

#[test]
#[cfg_attr(not(all(host_kpt, host_node)), ignore = "kpt or node is not on PATH")]
fn eval_exec_changes_the_files_exactly_as_the_native_exec_function() {
    let tmp = scratch("eval");
    let wasm = package("wasm-eval", None);
    let native = package("wasm-eval-native", None);
    for (dir, function) in [(&wasm, module()), (&native, common::native_binary_path().to_string_lossy().into_owned())] {
        let config = dir.join("injector.yaml");
        let results = dir.join("results");
        let mut args = vec!["fn", "eval", dir.to_str().unwrap(), "--exec", &function];
        args.extend(["--allow-alpha-wasm", "--fn-config", config.to_str().unwrap()]);
        args.extend(["--results-dir", results.to_str().unwrap()]);
        let (ok, log) = kpt(&tmp, &tmp.join("tmp"), &args);
        assert!(ok, "kpt fn eval --exec {function} failed:\n{log}");
    }
    assert_only_sidecar_added(&wasm, "fluent-bit", "containers");
    assert_eq!(read(&wasm.join("deploy.yaml")), read(&native.join("deploy.yaml")));
    let native_results =
        results_of(&native.join("results/results.yaml"), &common::native_binary_path().to_string_lossy());
    assert_eq!(results_of(&wasm.join("results/results.yaml"), &module()), native_results);
    assert!(native_results.contains("added container fluent-bit"), "{native_results}");
}

/// A bad config fails the kpt run, and kpt reports the same stderr, exit code and results as for the native
/// `exec:` function (node itself exits 0 whatever a module does; the module sets `process.exitCode`).
#[test]
#[cfg_attr(not(all(host_kpt, host_node)), ignore = "kpt or node is not on PATH")]
fn a_bad_config_fails_the_kpt_run_with_the_message_of_the_wasi_module() {
    let tmp = scratch("bad");
    let dir = package("wasm-bad", None);
    let before = read(&dir.join("deploy.yaml"));
    let results = dir.join("results");
    let module = module();
    let args = ["fn", "eval", dir.to_str().unwrap(), "--allow-alpha-wasm", "--exec", &module, "--results-dir"];
    let pairs = ["--", "name=log-agent", "image=fluent/fluent-bit:3.1", "prot=2020"];
    let (ok, log) = kpt(&tmp, &tmp.join("tmp"), &[&args[..], &[results.to_str().unwrap()], &pairs[..]].concat());
    assert!(!ok, "kpt fn eval should fail:\n{log}");
    assert_eq!(before, read(&dir.join("deploy.yaml")), "files changed on error");

    // The WASI module on the ResourceList kpt builds from those pairs.
    let function_input = "  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: function-input\n  data:\n    \
                          name: log-agent\n    image: fluent/fluent-bit:3.1\n    prot: \"2020\"\n";
    let wasi = common::run_wasm(resource_list(1, function_input).as_bytes(), &[], &[]);
    assert_eq!(wasi.code, 1);
    let message = wasi.stderr_str();
    assert!(message.contains("data.prot: unknown field"), "{message}");
    let results = read(&results.join("results.yaml"));
    assert!(results.contains(&format!("stderr: |\n      {message}")), "kpt records the module's stderr:\n{results}");
    assert!(results.contains("exitCode: 1") && results.contains("severity: error"), "{results}");
    assert!(log.contains(&format!("{:?}", message.trim_end())), "kpt shows the message:\n{log}");
}

/// A scratch directory with `dist/` holding the functions under the names the example's Kptfile uses, and a
/// copy of kpt-package/ as `pkg/` whose `exec:` steps name `function`.
fn example_with(test: &str, function: &Path, name: &str) -> PathBuf {
    let root = scratch(test);
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::create_dir_all(root.join("dist")).unwrap();
    std::os::unix::fs::symlink(function, root.join("dist").join(name)).unwrap();
    for entry in std::fs::read_dir(EXAMPLE_PACKAGE).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), pkg.join(entry.file_name())).unwrap();
    }
    let kptfile = read(&pkg.join("Kptfile"));
    assert_eq!(kptfile.matches("- exec: dist/sidecar-injector\n").count(), 2, "{kptfile}");
    std::fs::write(
        pkg.join("Kptfile"),
        kptfile.replace("- exec: dist/sidecar-injector\n", &format!("- exec: dist/{name}\n")),
    )
    .unwrap();
    root
}

/// Every file of the rendered package (the Kptfile apart, which names the function).
fn package_files(pkg: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(pkg)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != "Kptfile")
        .map(|e| (e.file_name().to_string_lossy().into_owned(), read(&e.path())))
        .collect();
    files.sort();
    files
}

#[test]
#[cfg_attr(not(all(host_kpt, host_node)), ignore = "kpt or node is not on PATH")]
fn render_runs_the_example_pipeline_exactly_as_the_native_exec_function() {
    let wasm = example_with("render", &common::kpt_wasm_module_path(), "sidecar-injector.kpt.wasm");
    let native = example_with("render-native", &common::native_binary_path(), "sidecar-injector");
    for (root, wasm_flag) in [(&wasm, Some("--allow-alpha-wasm")), (&native, None)] {
        let args = ["fn", "render", "pkg", "--allow-exec", "--results-dir", "results"];
        let (ok, log) = kpt(root, &root.join("tmp"), &[&args[..], wasm_flag.as_slice()].concat());
        assert!(ok, "kpt fn render failed:\n{log}");
    }
    let rendered = package_files(&wasm.join("pkg"));
    assert_eq!(rendered, package_files(&native.join("pkg")));
    let deployment = &rendered.iter().find(|(name, _)| name == "deployment.yaml").unwrap().1;
    let original = read(&Path::new(EXAMPLE_PACKAGE).join("deployment.yaml"));
    for line in original.lines().filter(|l| l.contains('#')) {
        assert!(deployment.contains(&line[line.find('#').unwrap()..]), "comment lost:\n{deployment}");
    }
    assert!(deployment.contains("- name: fluent-bit") && deployment.contains("- name: nginx-exporter"));
    let results = results_of(&wasm.join("results/results.yaml"), "dist/sidecar-injector.kpt.wasm");
    assert_eq!(results, results_of(&native.join("results/results.yaml"), "dist/sidecar-injector"));
    assert_eq!(results.matches("exec: FUNCTION").count(), 2, "{results}");

    // Rendering again changes nothing.
    let (ok, log) = kpt(&wasm, &wasm.join("tmp"), &["fn", "render", "pkg", "--allow-exec", "--allow-alpha-wasm"]);
    assert!(ok, "second render failed:\n{log}");
    assert_eq!(package_files(&wasm.join("pkg")), rendered);
}

// ---- an OCI wasm image in a registry on 127.0.0.1 ---------------------------------------------------------------

/// Debian's `docker-registry` (distribution) on a free port of 127.0.0.1, storing in a temporary directory;
/// stopped when dropped.
struct Registry {
    child: Child,
    address: String,
}

impl Registry {
    fn start(dir: &Path) -> Registry {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let address = format!("127.0.0.1:{port}");
        let config = dir.join("registry.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {address}\n",
                dir.join("storage").display()
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("docker-registry starts");
        let mut registry = Registry { child, address };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&registry.address).is_err() {
            if let Some(status) = registry.child.try_wait().unwrap() {
                let mut log = String::new();
                let _ = registry.child.stderr.take().unwrap().read_to_string(&mut log);
                panic!("docker-registry exited ({status}):\n{log}");
            }
            assert!(Instant::now() < deadline, "docker-registry did not listen on {}", registry.address);
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        // Our own child, by handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[cfg_attr(not(all(host_kpt, host_node, host_docker_registry)), ignore = "kpt, node or docker-registry is not on PATH")]
fn the_module_as_an_oci_image_runs_with_eval_and_in_a_kptfile_image_step() {
    let tmp = scratch("oci");
    let registry = Registry::start(&tmp);
    let image = format!("{}/sidecar-injector-kpt-wasm:test", registry.address);
    let (ok, log) = kpt(&tmp, &tmp.join("tmp"), &["alpha", "wasm", "push", &module(), &image]);
    assert!(ok, "kpt alpha wasm push failed:\n{log}");

    let dir = package("wasm-oci-eval", None);
    let config = dir.join("injector.yaml");
    let results = dir.join("results");
    let args = ["fn", "eval", dir.to_str().unwrap(), "--allow-alpha-wasm", "-i", &image, "--fn-config"];
    let (ok, log) = kpt(
        &tmp,
        &tmp.join("tmp"),
        &[&args[..], &[config.to_str().unwrap(), "--results-dir", results.to_str().unwrap()]].concat(),
    );
    assert!(ok, "kpt fn eval -i {image} failed:\n{log}");
    assert!(log.contains(&format!("[RUNNING] WASM \"{image}\"")), "{log}");
    assert_only_sidecar_added(&dir, "fluent-bit", "containers");
    let results = read(&results.join("results.yaml"));
    assert!(
        results.contains(&format!("image: {image}")) && results.contains("added container fluent-bit"),
        "{results}"
    );

    let step = format!("  - image: {image}\n    configPath: injector.yaml\n");
    let dir = package("wasm-oci-render", Some(&step));
    let (ok, log) = kpt(&tmp, &tmp.join("tmp"), &["fn", "render", dir.to_str().unwrap(), "--allow-alpha-wasm"]);
    assert!(ok, "kpt fn render with an image step failed:\n{log}");
    assert_only_sidecar_added(&dir, "fluent-bit", "containers");
    drop(registry);
}
