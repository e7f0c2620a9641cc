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
    // A closed stdout (the host gave up) must not become a panic.
    let _ = std::io::stdout().write_all(&output.stdout);
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(output.stderr.as_bytes());
    ExitCode::from(u8::try_from(output.exit_code).unwrap_or(1))
}

fn run() -> anyhow::Result<Output> {
    let arg = std::env::args_os().nth(1);
    match arg.as_ref().and_then(|a| a.to_str()) {
        Some("-h" | "--help") => return Ok(Output { stdout: format!("{USAGE}\n").into_bytes(), stderr: String::new(), exit_code: 0 }),
        Some("--version") => {
            return Ok(Output { stdout: format!("sidecar-injector {}\n", env!("CARGO_PKG_VERSION")).into_bytes(), stderr: String::new(), exit_code: 0 })
        }
        _ => {}
    }
    let mut input = Vec::new();
    std::io::stdin().read_to_end(&mut input).map_err(|e| anyhow::anyhow!("cannot read stdin: {e}"))?;
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
