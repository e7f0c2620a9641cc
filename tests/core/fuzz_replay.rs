//! Replays what the fuzzers found, without a fuzzer: every file under `fuzz/corpus/<target>/` (the minimized
//! corpus, inputs that each reach code the others do not) and `fuzz/regressions/<target>/` (every crash found,
//! kept after its fix) goes through the same checks as the fuzz target (`tests/invariants`). See
//! `fuzz/README.md` for running the fuzzers themselves.

use crate::invariants;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// The files of one target, regressions first, in a fixed order.
fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut all = Vec::new();
    for dir in ["regressions", "corpus"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else { continue };
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).filter(|p| p.is_file()).collect();
        files.sort();
        all.extend(files);
    }
    all
}

/// Runs `check` on every input of `target`; a failed check or a panic names the file.
fn replay(target: &str, min_files: usize, check: impl Fn(&[u8]) -> Result<(), String>) {
    let files = inputs(target);
    assert!(files.len() >= min_files, "fuzz/corpus/{target}: {} files; was the corpus deleted?", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let name = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(path).display().to_string();
        match catch_unwind(AssertUnwindSafe(|| check(&data))) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(format!("{name}: {}", e.chars().take(3000).collect::<String>())),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{name}: panicked: {message}"));
            }
        }
    }
    eprintln!("{target}: {} inputs replayed", files.len());
    assert!(failures.is_empty(), "{} of {} inputs fail:\n\n{}", failures.len(), files.len(), failures.join("\n\n"));
}

#[test]
fn yaml_roundtrip_corpus_and_regressions() {
    replay("yaml_roundtrip", 20, invariants::check_yaml);
}

#[test]
fn process_corpus_and_regressions() {
    replay("process", 20, invariants::check_process);
}

#[test]
fn plugin_corpus_and_regressions() {
    replay("plugin", 2, |data| {
        let (config, stream) = invariants::split_plugin_input(data);
        invariants::check_plugin(config, stream)
    });
}
