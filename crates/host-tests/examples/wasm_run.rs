//! A minimal WASI preview-1 runner on the embedded wasmtime crate, for the benchmark (`./build.sh bench`).
//! Not part of the product: wasmtime is a dev-dependency, and this is an example target.
//!
//! ```text
//! wasm_run precompile IN.wasm OUT.cwasm          # Engine::precompile_module: a serialized module
//! wasm_run run MODULE [--env NAME]... [--stats FILE] [-- ARGS...]
//! ```
//!
//! `run` loads MODULE (a `.wasm` is compiled at load with Cranelift, no compilation cache; a `.cwasm` from
//! `precompile` is deserialized) and runs its `_start` the way the tests' harness does: stdin read whole into a
//! memory pipe, stdout and stderr captured in memory pipes and copied out at the end, nothing else given (no
//! preopened directories, no sockets); `--env NAME` passes the host's variable NAME through (the kustomize
//! legacy plugin's `KUSTOMIZE_PLUGIN_CONFIG_STRING`). The exit code is the module's; a trap exits 134.
//! `--stats FILE` writes one line of phase timings and the module's final linear-memory size.
use std::io::{Read, Write};
use std::time::Instant;

use wasmtime::{Config, Engine, Linker, Module, Store};
use wasmtime_wasi::p1::{self, WasiP1Ctx};
use wasmtime_wasi::p2::pipe::{MemoryInputPipe, MemoryOutputPipe};
use wasmtime_wasi::{I32Exit, WasiCtxBuilder};

const OUTPUT_CAPACITY: usize = 1 << 30;

fn engine() -> Engine {
    // wasmtime's defaults (Cranelift, parallel compilation, no cache): what `wasmtime run` does without
    // configuration. The same settings must serialize and deserialize, hence one function.
    let mut config = Config::new();
    // For experiments only (the benchmark never sets it): WASM_RUN_CONFIG=serial,opt-none,opt-size.
    for knob in std::env::var("WASM_RUN_CONFIG").unwrap_or_default().split(',') {
        match knob {
            "serial" => {
                config.parallel_compilation(false);
            }
            "opt-none" => {
                config.cranelift_opt_level(wasmtime::OptLevel::None);
            }
            "opt-size" => {
                config.cranelift_opt_level(wasmtime::OptLevel::SpeedAndSize);
            }
            _ => {}
        }
    }
    Engine::new(&config).unwrap_or_else(|e| fail(&format!("wasmtime engine: {e:#}")))
}

fn fail(message: &str) -> ! {
    eprintln!("wasm_run: {message}");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("precompile") if args.len() == 3 => precompile(&args[1], &args[2]),
        Some("run") if args.len() >= 2 => run(&args[1..]),
        Some("--version") => println!("wasm_run (wasmtime {})", wasmtime_version()),
        _ => {
            eprintln!("usage: wasm_run precompile IN.wasm OUT.cwasm\n       wasm_run run MODULE [--env NAME]... [--stats FILE] [-- ARGS...]");
            std::process::exit(2)
        }
    }
}

fn wasmtime_version() -> &'static str {
    // The dev-dependency is pinned in Cargo.toml.
    "48.0.8"
}

fn precompile(input: &str, output: &str) {
    let bytes = std::fs::read(input).unwrap_or_else(|e| fail(&format!("reading {input}: {e}")));
    let compiled = engine().precompile_module(&bytes).unwrap_or_else(|e| fail(&format!("compiling {input}: {e:#}")));
    std::fs::write(output, compiled).unwrap_or_else(|e| fail(&format!("writing {output}: {e}")));
}

fn run(args: &[String]) {
    let t0 = Instant::now();
    let module_path = &args[0];
    let mut envs: Vec<(String, String)> = Vec::new();
    let mut stats: Option<String> = None;
    let mut guest_args = vec!["sidecar-injector".to_string()];
    let mut rest = args[1..].iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--env" => {
                let name = rest.next().unwrap_or_else(|| fail("--env needs a name"));
                if let Ok(value) = std::env::var(name) {
                    envs.push((name.clone(), value));
                }
            }
            "--stats" => stats = Some(rest.next().unwrap_or_else(|| fail("--stats needs a file")).clone()),
            "--" => {
                guest_args.extend(rest.by_ref().cloned());
            }
            other => fail(&format!("unknown argument {other}")),
        }
    }

    let engine = engine();
    let t_engine = t0.elapsed();
    let module = if module_path.ends_with(".cwasm") {
        // SAFETY: the file is one this program wrote with `precompile` on the same engine settings; wasmtime
        // checks its header (version, settings) and refuses a mismatch.
        unsafe { Module::deserialize_file(&engine, module_path) }
    } else {
        Module::from_file(&engine, module_path)
    }
    .unwrap_or_else(|e| fail(&format!("loading {module_path}: {e:#}")));
    let t_load = t0.elapsed();

    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).unwrap_or_else(|e| fail(&format!("reading stdin: {e}")));
    let stdout = MemoryOutputPipe::new(OUTPUT_CAPACITY);
    let stderr = MemoryOutputPipe::new(OUTPUT_CAPACITY);
    let wasi = WasiCtxBuilder::new()
        .stdin(MemoryInputPipe::new(input))
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .envs(&envs)
        .args(&guest_args)
        .build_p1();
    let mut linker: Linker<WasiP1Ctx> = Linker::new(&engine);
    p1::add_to_linker_sync(&mut linker, |s| s).unwrap_or_else(|e| fail(&format!("linking WASI: {e:#}")));
    let mut store = Store::new(&engine, wasi);
    let instance = linker.instantiate(&mut store, &module).unwrap_or_else(|e| fail(&format!("instantiating: {e:#}")));
    let memory = instance.get_memory(&mut store, "memory");
    let t_instance = t0.elapsed();
    let outcome = instance.get_typed_func::<(), ()>(&mut store, "_start").and_then(|f| f.call(&mut store, ()));
    let t_run = t0.elapsed();
    let code = match outcome {
        Ok(()) => 0,
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(I32Exit(code)) => *code,
            None => {
                eprintln!("wasm_run: the module trapped: {e:#}");
                134
            }
        },
    };
    let memory_bytes = memory.map_or(0, |m| m.data_size(&store));
    drop(store);
    let _ = std::io::stdout().write_all(&stdout.contents());
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(&stderr.contents());
    if let Some(path) = stats {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        let line = format!(
            "engine_ms={:.3} load_ms={:.3} instantiate_ms={:.3} run_ms={:.3} total_ms={:.3} linear_memory_bytes={memory_bytes}\n",
            ms(t_engine),
            ms(t_load - t_engine),
            ms(t_instance - t_load),
            ms(t_run - t_instance),
            ms(t0.elapsed()),
        );
        let _ = std::fs::write(path, line);
    }
    std::process::exit(code)
}
