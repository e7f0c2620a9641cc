//! The WASI command and the native binary: the same few lines around `process`.
//!
//! Modes: a ResourceList on stdin (the KRM function: kustomize, kpt, Argo CD); or, when the kustomize legacy
//! exec plugin contract is in force (`KUSTOMIZE_PLUGIN_CONFIG_STRING` set, or a config file as the first
//! argument), a plain stream of resources on stdin.

use std::io::{Read, Write};
use std::process::ExitCode;

use sidecar_injector::{process, process_stream, Output};

const USAGE: &str = "usage: sidecar-injector < resource-list.yaml
       sidecar-injector CONFIG_FILE < resources.yaml   (kustomize legacy exec plugin; the config may also come
                                                       from the environment variable KUSTOMIZE_PLUGIN_CONFIG_STRING)
A KRM function that injects sidecar containers into Kubernetes workloads. See the README.";

fn main() -> ExitCode {
    let output = run().unwrap_or_else(|e| Output::failed(format!("{e:#}")));
    // Straight to the file descriptor, not through std's line buffer. A failed write (a closed stdout: the host
    // gave up; a host refusing the size) must not become a panic, nor a success with the output lost.
    let written = write_stdout(&output.stdout);
    let mut stderr = std::io::stderr();
    let _ = stderr.write_all(output.stderr.as_bytes());
    if let Err(e) = written {
        let _ = writeln!(stderr, "sidecar-injector: error: cannot write stdout: {e}");
        return ExitCode::from(1);
    }
    ExitCode::from(u8::try_from(output.exit_code).unwrap_or(1))
}

/// Writes in pieces of at most 1 MiB: wasmtime fails one write of 200 MB with ENOMEM (seen with the wasmtime
/// crate 48; the output was lost and the exit code was 0 before this was checked).
fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    for chunk in bytes.chunks(1 << 20) {
        stdout.write_all(chunk)?;
    }
    stdout.flush()
}

fn run() -> anyhow::Result<Output> {
    let arg = std::env::args_os().nth(1);
    match arg.as_ref().and_then(|a| a.to_str()) {
        Some("-h" | "--help") => {
            return Ok(Output { stdout: format!("{USAGE}\n").into_bytes(), stderr: String::new(), exit_code: 0 })
        }
        Some("--version") => {
            return Ok(Output {
                stdout: format!(
                    "sidecar-injector {} (commit {})\n",
                    env!("CARGO_PKG_VERSION"),
                    env!("SIDECAR_INJECTOR_GIT_COMMIT")
                )
                .into_bytes(),
                stderr: String::new(),
                exit_code: 0,
            })
        }
        _ => {}
    }
    let input = read_stdin().map_err(|e| anyhow::anyhow!("cannot read stdin: {e}"))?;
    let config = match std::env::var("KUSTOMIZE_PLUGIN_CONFIG_STRING") {
        Ok(text) if !text.trim().is_empty() => Some(text.into_bytes()),
        _ => match &arg {
            Some(path) => Some(read_config_file(path)?),
            None => None,
        },
    };
    Ok(match config {
        Some(config) => process_stream(&config, &input),
        None => process(&input),
    })
}

/// Stdin whole. Natively, one buffer grown as it fills: the allocator moves a large buffer's pages rather than
/// copying them, and pages not yet written cost nothing (reading in pieces and joining them wrote the input
/// twice: 9,000 more page faults and 0.1 s at 10,000 workloads).
#[cfg(not(target_os = "wasi"))]
fn read_stdin() -> std::io::Result<Vec<u8>> {
    let mut input = Vec::new();
    std::io::stdin().lock().read_to_end(&mut input)?;
    Ok(input)
}

/// Stdin whole, in a buffer of its size: read in pieces, joined once. A buffer grown by doubling holds up to
/// twice the input and copies it on each growth, and a wasm module's memory keeps every peak (the 10 MB list
/// took 3.3x its size in wasm memory with `read_to_end`, 2.9x with this).
#[cfg(target_os = "wasi")]
fn read_stdin() -> std::io::Result<Vec<u8>> {
    let mut stdin = std::io::stdin().lock();
    let mut pieces: Vec<Vec<u8>> = Vec::new();
    let mut size = 1 << 16;
    loop {
        let mut piece = Vec::with_capacity(size);
        (&mut stdin).take(size as u64).read_to_end(&mut piece)?;
        let full = piece.len() == size;
        if !piece.is_empty() {
            pieces.push(piece);
        }
        if !full {
            break;
        }
        size = (size * 2).min(1 << 24);
    }
    let mut input = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
    for piece in pieces {
        input.extend_from_slice(&piece);
    }
    Ok(input)
}

#[cfg(not(target_os = "wasi"))]
fn read_config_file(path: &std::ffi::OsStr) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read the plugin config {}: {e}", path.to_string_lossy()))
}

/// The module is given no directory to read: its only inputs are stdin and the environment.
#[cfg(target_os = "wasi")]
fn read_config_file(path: &std::ffi::OsStr) -> anyhow::Result<Vec<u8>> {
    anyhow::bail!(
        "the wasm module reads no files (asked for {}); pass the plugin config in KUSTOMIZE_PLUGIN_CONFIG_STRING",
        path.to_string_lossy()
    )
}
