//! The testdata case format, shared by the core's tests (the library) and the host tests (the native binary and
//! the `.wasm`): included by path from both, so it uses nothing but std.
//!
//! A case is a folder of `testdata/cases/`:
//! - `input.yaml`: a ResourceList on stdin; or, with `plugin-config.yaml` beside it, the plain resource stream
//!   of kustomize's legacy exec plugin mode (the config passed in `KUSTOMIZE_PLUGIN_CONFIG_STRING`);
//! - `expected.yaml`: stdout, byte for byte; `expected.stderr`: stderr; `expected.exit`: the exit code (0 if absent);
//! - `may-remove` (only for cases about upgrade, removal or replacement): one name per line of list entries
//!   (containers, volumes, env vars by `name`, mounts by `mountPath`) and annotations that the run may take out
//!   of the input; everything else of the input must still be there.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub struct Case {
    pub name: String,
    pub dir: PathBuf,
    pub input: Vec<u8>,
    pub plugin_config: Option<String>,
    pub may_remove: Vec<String>,
}

pub struct Expected {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub exit: i32,
}

/// The case in the folder `name` of `root` (the `testdata/cases` folder).
pub fn case_in(root: &Path, name: &str) -> Case {
    let dir = root.join(name);
    Case {
        name: name.to_string(),
        input: std::fs::read(dir.join("input.yaml")).unwrap_or_else(|e| panic!("{}: input.yaml: {e}", dir.display())),
        plugin_config: std::fs::read_to_string(dir.join("plugin-config.yaml")).ok(),
        may_remove: std::fs::read_to_string(dir.join("may-remove"))
            .map(|t| t.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect())
            .unwrap_or_default(),
        dir,
    }
}

pub fn expected(case: &Case) -> Expected {
    Expected {
        stdout: std::fs::read(case.dir.join("expected.yaml")).unwrap_or_default(),
        stderr: std::fs::read_to_string(case.dir.join("expected.stderr")).unwrap_or_default(),
        exit: std::fs::read_to_string(case.dir.join("expected.exit"))
            .map(|s| s.trim().parse().expect("expected.exit holds an integer"))
            .unwrap_or(0),
    }
}

pub fn env_for(case: &Case) -> Vec<(&str, &str)> {
    match &case.plugin_config {
        Some(config) => vec![("KUSTOMIZE_PLUGIN_CONFIG_STRING", config.as_str())],
        None => vec![],
    }
}

/// Compares one run with the expected files; returns a description of every difference.
pub fn differences(case: &Case, how: &str, stdout: &[u8], stderr: &str, exit: i32) -> Vec<String> {
    let want = expected(case);
    let mut diffs = Vec::new();
    if stdout != want.stdout.as_slice() {
        diffs.push(format!(
            "{}: {how}: stdout differs from expected.yaml\n--- expected\n{}\n--- actual\n{}",
            case.name,
            String::from_utf8_lossy(&want.stdout),
            String::from_utf8_lossy(stdout)
        ));
    }
    if stderr != want.stderr {
        diffs
            .push(format!("{}: {how}: stderr differs\n--- expected\n{}--- actual\n{}", case.name, want.stderr, stderr));
    }
    if exit != want.exit {
        diffs.push(format!("{}: {how}: exit code {exit}, expected {}", case.name, want.exit));
    }
    diffs
}

pub fn write_or_remove(path: &Path, bytes: &[u8]) {
    if bytes.is_empty() {
        let _ = std::fs::remove_file(path);
    } else {
        std::fs::write(path, bytes).unwrap();
    }
}
