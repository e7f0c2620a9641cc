//! With the real `kpt`: the package files after `kpt fn eval --exec` differ from what kpt writes with a no-op
//! function (`cat`) only by the injection, line for line. The package (testdata/kpt/layout) has flow
//! collections (labels, args, ports, RBAC verbs), folded and literal scalars, comments after values and on their
//! own lines, a pod template without `metadata`, and files with no workload at all.
//!
//! Compared with `cat`'s run rather than with the original files, because kpt rewrites some text itself, whatever
//! the function returns (measured here with `cat`): one space before a comment after a value, a folded scalar and
//! a literal block holding a line of only spaces as double-quoted strings, and new keys moved after the existing
//! ones (so the new pod template `metadata` lands after `spec`). Those lines are the same in both runs.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/kpt/layout");
const FILES: &[&str] = &["app.yaml", "rbac.yaml", "injector.yaml"];

fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).current_dir(dir).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{program} {args:?} failed:\n{text}");
    text
}

/// The package in a fresh git repository, committed.
fn package() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sidecar-injector-kpt-layout-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for file in FILES {
        std::fs::copy(Path::new(PACKAGE).join(file), dir.join(file)).unwrap();
    }
    std::fs::write(
        dir.join("Kptfile"),
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: layout\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n",
    )
    .unwrap();
    run(&dir, "git", &["init", "-q", "."]);
    commit(&dir, "original");
    dir
}

fn commit(dir: &Path, message: &str) {
    run(dir, "git", &["add", "-A"]);
    run(
        dir,
        "git",
        &["-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "--allow-empty", "-m", message],
    );
}

#[test]
#[cfg_attr(not(host_kpt), ignore = "kpt is not on PATH")]
fn eval_changes_nothing_but_the_injection() {
    let dir = package();
    run(&dir, "kpt", &["fn", "eval", ".", "--exec", "cat"]);
    commit(&dir, "what kpt writes by itself");
    let binary = common::native_binary_path();
    let log =
        run(&dir, "kpt", &["fn", "eval", ".", "--exec", binary.to_str().unwrap(), "--fn-config", "injector.yaml"]);
    assert!(log.contains("injected \"log-shipper\""), "{log}");

    let stat = run(&dir, "git", &["diff", "--numstat", "HEAD"]);
    let changed: Vec<&str> = stat.lines().filter_map(|l| l.split('\t').nth(2)).collect();
    assert_eq!(changed, ["app.yaml"], "only the file with workloads changes:\n{stat}");
    let diff = run(&dir, "git", &["diff", "-U0", "HEAD", "--", "app.yaml"]);
    let removed: Vec<&str> = diff.lines().filter(|l| l.starts_with('-') && !l.starts_with("---")).collect();
    assert!(removed.is_empty(), "lines changed or removed beyond the injection:\n{diff}");
    let added: Vec<&str> = diff.lines().filter(|l| l.starts_with('+') && !l.starts_with("+++")).collect();
    // Both workloads get the sidecar (17 lines) and a status record (metadata, annotations, the record: 3).
    assert_eq!(added.iter().filter(|l| l.trim_start_matches('+').trim() == "- name: fluent-bit").count(), 2, "{diff}");
    assert_eq!(added.iter().filter(|l| l.contains("sidecar-injector.dev/status:")).count(), 2, "{diff}");
    assert_eq!(added.len(), 2 * (17 + 3), "{diff}");
    // The injected lists are indented as the file indents its lists: `- ` two columns in where the file does.
    assert!(diff.contains("+        - name: fluent-bit\n+          image: fluent/fluent-bit:3.1\n+          args:\n+            - \"-i\""), "{diff}");
    let _ = std::fs::remove_dir_all(&dir);
}
