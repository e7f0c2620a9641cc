//! Which hosts the end-to-end tests can drive. A test whose host is missing is compiled `#[ignore]`d with the
//! reason (`#[cfg_attr(not(host_kpt), ignore = "...")]`), so the test runner reports it as skipped, by name,
//! never as passed. Also writes the list of testdata cases, one test each.

const HOST_TOOLS: &[&str] = &["kpt", "kubectl", "kustomize", "node", "wasmtime", "docker-registry"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PATH");
    for tool in HOST_TOOLS {
        // `docker-registry` -> `host_docker_registry`
        let cfg = format!("host_{}", tool.replace('-', "_"));
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        if on_path(tool) {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
    // PyYAML: an independent YAML 1.1 reader the YAML layer's output is checked against.
    println!("cargo::rustc-check-cfg=cfg(host_pyyaml)");
    let pyyaml = std::process::Command::new("python3").args(["-c", "import yaml"]).output();
    if pyyaml.is_ok_and(|o| o.status.success()) {
        println!("cargo:rustc-cfg=host_pyyaml");
    }
    write_case_list(std::path::Path::new("../../testdata/cases"));
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
