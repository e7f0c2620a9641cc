//! Which hosts the end-to-end tests can drive. A test whose host is missing is compiled `#[ignore]`d with the
//! reason (`#[cfg_attr(not(host_kpt), ignore = "...")]`), so the test runner reports it as skipped, by name,
//! never as passed. Also writes the list of testdata cases, one test each.

// podman: the container runtime the image tests use (directly, through kpt's KPT_FN_RUNTIME=podman, and as
// `docker` through tools/container/docker for kustomize). A `docker` on PATH is not probed: on these machines it
// is a client without an engine. docker-registry: the local registry of the publish-then-pull test.
// qemu-aarch64-static (Debian's qemu-user-static): runs the release's aarch64 binary on this machine.
const HOST_TOOLS: &[&str] = &[
    "kpt",
    "kubectl",
    "kustomize",
    "node",
    "wasmtime",
    "podman",
    "docker-registry",
    "qemu-aarch64-static",
    "wasm-bindgen",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PATH");
    for tool in HOST_TOOLS {
        let name = tool.replace('-', "_");
        println!("cargo::rustc-check-cfg=cfg(host_{name})");
        if on_path(tool) {
            println!("cargo:rustc-cfg=host_{name}");
        }
    }
    // PyYAML: an independent YAML 1.1 reader the YAML layer's output is checked against.
    println!("cargo::rustc-check-cfg=cfg(host_pyyaml)");
    let pyyaml = std::process::Command::new("python3").args(["-c", "import yaml"]).output();
    if pyyaml.is_ok_and(|o| o.status.success()) {
        println!("cargo:rustc-cfg=host_pyyaml");
    }
    // exec.args / exec.envs (the .wasm form's `wasmtime run MODULE`) came with kustomize v5.7.0.
    println!("cargo::rustc-check-cfg=cfg(host_kustomize_exec_args)");
    if kustomize_version().is_some_and(|v| v >= (5, 7)) {
        println!("cargo:rustc-cfg=host_kustomize_exec_args");
    }
    write_case_list(std::path::Path::new("../../testdata/cases"));
}

/// (major, minor) of the standalone kustomize on PATH: `kustomize version` prints `v5.8.1` (v5) or
/// `{Version:kustomize/v4.5.4 GitCommit:...}` (v4).
fn kustomize_version() -> Option<(u32, u32)> {
    let out = std::process::Command::new("kustomize").arg("version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let start = text.as_bytes().windows(2).position(|w| w[0] == b'v' && w[1].is_ascii_digit())? + 1;
    let mut parts = text[start..].split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(tool))
                .is_ok_and(|m| m.is_file() && std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0)
        })
    })
}

include!("../../tests/support/case_list.rs");
