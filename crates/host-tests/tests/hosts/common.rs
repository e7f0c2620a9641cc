//! Shared harness for the integration tests: runs the function the way the hosts do.
//!
//! A module of the host-tests binary; every other module uses a different subset, hence the blanket
//! `dead_code` allow.
//!
//! Two runners with the same shape as a host invocation (stdin bytes, environment, argv in; stdout,
//! stderr, exit code out):
//! - [`run_wasm`]: the release `sidecar-injector.wasm` under the wasmtime crate, as a WASI preview-1
//!   command with nothing inherited from the test process — the sandbox `wasmtime run` gives by default.
//! - [`run_native`]: the binary cargo built for this test run, with a cleared environment.
//!
//! A trap or a signal is reported as [`CRASH_CODE`], never as 0 or 1, so "exit code is 0 or 1" is a
//! complete "did not panic" assertion for both runners.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use wasmtime::{
    Cache, CacheConfig, Config, Engine, InstancePre, Linker, Module, Store, StoreLimits, StoreLimitsBuilder,
};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{I32Exit, WasiCtxBuilder};

/// The `code` of a run that did not exit on its own: a wasm trap (a Rust panic under
/// `panic = "abort"` is an `unreachable` trap), the hang guard, the memory limit, or a native signal.
/// The reason is appended to `stderr`. Real exit codes are never negative (WASI and POSIX both use 0..=255
/// in practice), so this cannot collide with one.
pub const CRASH_CODE: i32 = -1;

/// argv[0] as the hosts pass it (kustomize and kpt run the function by its name or path; the
/// function must not depend on it, but it should see a realistic one).
pub const ARGV0: &str = "sidecar-injector";

/// Overrides which module [`wasm_module_path`] returns, skipping the build. CI points it at the
/// artifact it ships (`dist/sidecar-injector.wasm`), so the tested bytes are the released bytes.
pub const WASM_OVERRIDE_ENV: &str = "SIDECAR_INJECTOR_WASM";

/// Hang guard for both runners. The function does one pass over a small document; anything near a
/// minute is a loop, not slowness. Generous because nextest runs many tests at once on 2 cores.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Linear-memory cap for one wasm instance. Large enough that no realistic ResourceList hits it,
/// small enough that a runaway allocation fails the test instead of swapping the CI machine.
pub const MEMORY_LIMIT_BYTES: usize = 1 << 30;

/// Cap on captured stdout/stderr of a wasm run: `MemoryOutputPipe` traps the guest past its capacity,
/// which turns an output loop into a visible crash rather than an unbounded buffer.
const OUTPUT_CAPACITY_BYTES: usize = 256 << 20;

/// Granularity of the epoch hang guard: a background thread bumps the engine's epoch this often.
const EPOCH_TICK: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutput {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub code: i32,
}

impl RunOutput {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// True when the program ended through its own exit path (0 or 1 per the KRM spec), i.e. it
    /// neither trapped/panicked nor was stopped by a guard.
    pub fn exited_cleanly(&self) -> bool {
        self.code == 0 || self.code == 1
    }
}

/// The repository root: the tests read testdata/, kustomization-examples/ and the like from it.
pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

pub fn repo_root() -> PathBuf {
    PathBuf::from(ROOT).canonicalize().expect("the repository root exists")
}

/// Overrides which native binary [`native_binary_path`] returns, skipping the build; `./test.sh` points it at
/// `dist/sidecar-injector`, the binary it ships.
pub const NATIVE_OVERRIDE_ENV: &str = "SIDECAR_INJECTOR_BIN";

/// Where the artifacts this crate builds for itself go. A nested `cargo build` into the outer target dir would
/// wait forever on the lock the outer `cargo test` holds while running us, hence a sibling directory.
pub fn nested_target_dir() -> PathBuf {
    let outer = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_relative() { repo_root().join(p) } else { p })
        .unwrap_or_else(|| repo_root().join("target"));
    outer.join("host-tests")
}

/// An artifact of the product: the file `override_env` names, or else a release build of `package`'s `bin` (its
/// library when `bin` is `None`: the kpt module is a cdylib) for `target`, if any, made once per test process (nextest runs each test in its own process; later builds
/// are cargo no-ops that take well under a second). Release, because that is what ships: panic=abort and LTO
/// change behaviour (a panic becomes a trap).
fn artifact(override_env: &str, package: &str, bin: Option<&str>, target: Option<&str>) -> PathBuf {
    if let Some(p) = std::env::var_os(override_env).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "{override_env}={} does not name a file", p.display());
        return p;
    }
    let target_dir = nested_target_dir();
    let mut cargo = Command::new(env!("CARGO"));
    cargo.current_dir(repo_root()).args(["build", "--release", "-p", package]);
    match bin {
        Some(bin) => cargo.args(["--bin", bin]),
        None => cargo.arg("--lib"),
    };
    if let Some(target) = target {
        cargo.args(["--target", target]);
    }
    // --target-dir already wins over these; removing them keeps the nested build from inheriting an outer
    // override of the build target.
    let status = cargo
        .arg("--target-dir")
        .arg(&target_dir)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .unwrap_or_else(|e| panic!("could not start `{}`: {e}", env!("CARGO")));
    assert!(
        status.success(),
        "building {} ({}) failed ({status}); is the target installed? run `rustup target add {}`, or set \
         {override_env}=/path/to/the/artifact",
        bin.unwrap_or(package),
        target.unwrap_or("native"),
        target.unwrap_or("...")
    );
    let file = bin.map_or_else(|| package.replace('-', "_"), str::to_owned);
    let p = match target {
        Some(target) => target_dir.join(target).join("release").join(format!("{file}.wasm")),
        None => target_dir.join("release").join(file),
    };
    assert!(p.is_file(), "cargo reported success but {} is missing", p.display());
    p
}

/// The release wasm module (the WASI command).
pub fn wasm_module_path() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        artifact(WASM_OVERRIDE_ENV, "sidecar-injector-cli", Some("sidecar-injector"), Some("wasm32-wasip1"))
    })
    .clone()
}

/// One engine per process: compiling the module is the expensive part of a run, and a `Module` is
/// tied to the engine that compiled it.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        // Epoch interruption rather than fuel: fuel instruments every block and slows all runs,
        // epochs cost one check per loop header and function entry.
        config.epoch_interruption(true);
        // Compiling the module with this debug-profile Cranelift takes about 4 s of CPU, and nextest
        // runs every test in its own process: without a disk cache each wasm test pays it again.
        // wasmtime keys entries by module hash, engine settings and its own version, so a stale
        // entry is never used; the directory goes with `cargo clean`.
        let mut cache_config = CacheConfig::new();
        cache_config.with_directory(nested_target_dir().join("module-cache"));
        match Cache::new(cache_config) {
            Ok(cache) => {
                config.cache(Some(cache));
            }
            Err(e) => eprintln!("[harness] wasmtime compilation cache disabled: {e}"),
        }
        let engine = Engine::new(&config).expect("wasmtime engine");
        // The engine lives in a static, so the ticker runs until the test process exits.
        let ticker = engine.clone();
        std::thread::Builder::new()
            .name("wasm-epoch-ticker".into())
            .spawn(move || loop {
                ticker.increment_epoch();
                std::thread::sleep(EPOCH_TICK);
            })
            .expect("spawn epoch ticker");
        engine
    })
}

/// Per-instance state: WASI plus the resource limiter the store consults on every `memory.grow`.
pub struct HostState {
    wasi: WasiP1Ctx,
    limits: StoreLimits,
}

/// Compiles a module file and links it against WASI preview 1 only. Anything else the module
/// imports fails here, as it would in `wasmtime run`, kustomize's exec of wasmtime, or any WASI host.
pub fn load_module(path: &Path) -> InstancePre<HostState> {
    let engine = engine();
    let module = Module::from_file(engine, path).unwrap_or_else(|e| panic!("compiling {}: {e:?}", path.display()));
    link(&module)
}

pub fn link(module: &Module) -> InstancePre<HostState> {
    let mut linker: Linker<HostState> = Linker::new(engine());
    p1::add_to_linker_sync(&mut linker, |s: &mut HostState| &mut s.wasi).expect("add WASI p1 to linker");
    linker.instantiate_pre(module).unwrap_or_else(|e| panic!("linking the module against WASI preview 1: {e:?}"))
}

/// The product module, compiled and linked once per process.
pub fn wasm_module() -> &'static InstancePre<HostState> {
    static PRE: OnceLock<InstancePre<HostState>> = OnceLock::new();
    PRE.get_or_init(|| load_module(&wasm_module_path()))
}

/// Runs `sidecar-injector.wasm` as a WASI command: only `env`, argv = [ARGV0, args...], stdio as memory pipes,
/// no preopened directories, no sockets (the builder's default denies every address and name lookup).
pub fn run_wasm(stdin: &[u8], env: &[(&str, &str)], args: &[&str]) -> RunOutput {
    run_wasm_module(wasm_module(), stdin, env, args, DEFAULT_TIMEOUT)
}

/// [`run_wasm`] for any linked module and deadline; lets the harness's own tests exercise the guards.
pub fn run_wasm_module(
    pre: &InstancePre<HostState>,
    stdin: &[u8],
    env: &[(&str, &str)],
    args: &[&str],
    timeout: Duration,
) -> RunOutput {
    run_wasm_measured(pre, stdin, env, args, timeout).0
}

/// [`run_wasm_module`], also returning the size of the module's linear memory when it ended. Wasm memory only
/// grows, so that is the run's peak (0 if the module never started).
pub fn run_wasm_measured(
    pre: &InstancePre<HostState>,
    stdin: &[u8],
    env: &[(&str, &str)],
    args: &[&str],
    timeout: Duration,
) -> (RunOutput, usize) {
    let stdout = MemoryOutputPipe::new(OUTPUT_CAPACITY_BYTES);
    let stderr = MemoryOutputPipe::new(OUTPUT_CAPACITY_BYTES);
    let mut argv = vec![ARGV0];
    argv.extend_from_slice(args);
    let wasi = WasiCtxBuilder::new()
        .stdin(MemoryInputPipe::new(stdin.to_vec()))
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .envs(env)
        .args(argv.as_slice())
        .build_p1();
    let limits = StoreLimitsBuilder::new()
        .memory_size(MEMORY_LIMIT_BYTES)
        // A refused grow would otherwise return -1 to the guest, which Rust turns into an abort with
        // no hint why; a trap names the limit.
        .trap_on_grow_failure(true)
        .build();
    let mut store = Store::new(engine(), HostState { wasi, limits });
    store.limiter(|s| &mut s.limits);
    let ticks = (timeout.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
    store.set_epoch_deadline(ticks);
    store.epoch_deadline_trap();

    let mut instance = None;
    let outcome = pre
        .instantiate(&mut store)
        .inspect(|i| instance = Some(*i))
        .and_then(|instance| instance.get_typed_func::<(), ()>(&mut store, "_start"))
        .and_then(|start| start.call(&mut store, ()));
    let memory_bytes = instance.and_then(|i| i.get_memory(&mut store, "memory")).map_or(0, |m| m.data_size(&store));
    let mut crash = None;
    let code = match outcome {
        Ok(()) => 0,
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(I32Exit(code)) => *code,
            None => {
                // The chain holds the trap and the wasm backtrace; `{e:?}` would add the host's Rust
                // backtrace too, dozens of wasmtime frames that say nothing about the module.
                let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
                crash = Some(format!("\n[harness] wasm did not exit normally: {}\n", chain.join("\n  caused by: ")));
                CRASH_CODE
            }
        },
    };
    drop(store);
    let mut err = stderr.contents().to_vec();
    if let Some(msg) = crash {
        err.extend_from_slice(msg.as_bytes());
    }
    let out = RunOutput { stdout: stdout.contents().to_vec(), stderr: err, code };
    (out, memory_bytes)
}

/// Overrides which module [`kpt_wasm_module_path`] returns; `./test.sh` points it at `dist/sidecar-injector.kpt.wasm`.
pub const KPT_WASM_OVERRIDE_ENV: &str = "SIDECAR_INJECTOR_KPT_WASM";

/// The release module for kpt's wasm runtime (Go js/wasm ABI, crates/kpt).
pub fn kpt_wasm_module_path() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| artifact(KPT_WASM_OVERRIDE_ENV, "sidecar-injector-kpt", None, Some("wasm32-unknown-unknown")))
        .clone()
}

/// The release native binary.
pub fn native_binary_path() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| artifact(NATIVE_OVERRIDE_ENV, "sidecar-injector-cli", Some("sidecar-injector"), None)).clone()
}

/// Runs the native binary with a cleared environment plus `env`, from the crate root.
pub fn run_native(stdin: &[u8], env: &[(&str, &str)], args: &[&str]) -> RunOutput {
    run_native_in(&repo_root(), stdin, env, args, DEFAULT_TIMEOUT)
}

/// [`run_native`] with an explicit working directory (hosts differ: kustomize uses the kustomization's
/// directory, kpt its own) and deadline.
pub fn run_native_in(cwd: &Path, stdin: &[u8], env: &[(&str, &str)], args: &[&str], timeout: Duration) -> RunOutput {
    run_program_in(&native_binary_path(), cwd, stdin, env, args, timeout)
}

/// Runs `program` (a path, or a name looked up on the test's PATH) with a cleared environment plus `env`.
pub fn run_program_in(
    program: &Path,
    cwd: &Path,
    stdin: &[u8],
    env: &[(&str, &str)],
    args: &[&str],
    timeout: Duration,
) -> RunOutput {
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {}: {e}", program.display()));

    // Separate threads for each pipe: a child that writes more than a pipe buffer before reading all of
    // stdin would otherwise deadlock against us.
    let mut child_stdin = child.stdin.take().expect("stdin piped");
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // A child that exits without reading everything closes the pipe; that is its choice, not a failure.
        let _ = child_stdin.write_all(&input);
    });
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            buf
        })
    };
    let out = reader(Box::new(child.stdout.take().expect("stdout piped")));
    let err = reader(Box::new(child.stderr.take().expect("stderr piped")));

    let deadline = Instant::now() + timeout;
    let mut note = None;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if Instant::now() >= deadline {
            // Our own child, by handle: no pid reuse race while it has not been reaped.
            let _ = child.kill();
            note = Some(format!("\n[harness] {} killed after {timeout:?}\n", program.display()));
            break child.wait().expect("wait for killed child");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    let stdout = out.join().expect("stdout reader");
    let mut stderr = err.join().expect("stderr reader");
    let code = match (status.code(), note) {
        (Some(code), None) => code,
        (_, Some(msg)) => {
            stderr.extend_from_slice(msg.as_bytes());
            CRASH_CODE
        }
        (None, None) => {
            use std::os::unix::process::ExitStatusExt;
            let msg = format!("\n[harness] {} ended by signal {:?}\n", program.display(), status.signal());
            stderr.extend_from_slice(msg.as_bytes());
            CRASH_CODE
        }
    };
    RunOutput { stdout, stderr, code }
}

/// Whether an executable named `name` is on PATH now (build.rs decides which host tests are built to run).
pub fn tool_available(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(name)).map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
    })
}

/// The names of the directories in `dir`, sorted (the example directories, the testdata cases).
pub fn subdirectories(dir: &Path) -> Vec<String> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// What every command that reaches the container runtime needs here: tools/container first on PATH (its `docker`
/// runs podman; a `docker` later on PATH may be a client without an engine), and podman's settings for these
/// machines unless CONTAINERS_CONF names others.
pub fn with_containers(cmd: &mut Command) -> &mut Command {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(repo_root().join("tools/container")).chain(std::env::split_paths(&path));
    cmd.env("PATH", std::env::join_paths(dirs).expect("PATH entries without ':'"));
    if std::env::var_os("CONTAINERS_CONF").is_none_or(|c| c.is_empty()) {
        cmd.env("CONTAINERS_CONF", repo_root().join("tools/container").join("containers.conf"));
    }
    cmd
}

/// One minimal Deployment as an item of a ResourceList's `items` (indented for it), for tests that need a
/// workload and nothing more.
pub const DEPLOYMENT_ITEM: &str = "\
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    template:
      spec:
        containers:
        - name: app
          image: nginx:1.27
";
