//! Every shell command in the user docs works when pasted from the repository root.
//!
//! Each ```sh block of [`DOCS`] is run the way a user pastes it: one bash per block (so a variable or a `cd` set on
//! one line holds for the next), from the root of a scratch copy of the repository (the files git tracks, plus
//! `dist/` holding the artifacts under test, as after `./build.sh`), so that commands which write (`kpt fn
//! render`, `./build.sh install-plugin`) leave the checkout alone. `HOME` and `TMPDIR` point into the scratch
//! directory and the kustomize plugin variables are unset, so `~/.config/kustomize/plugin` is the scratch's own.
//!
//! Every line must exit 0, unless its comment says otherwise: `# exits 1` expects that code, and `# exits 1:
//! "text"` also expects `text` in its output (stdout and stderr; `...` in it stands for anything). A block that is
//! not meant to be run is fenced ```text or ```yaml. `<!-- output-of: COMMAND -->` before a ```diff block says the
//! block is what COMMAND (one of the sh lines) prints, from its first hunk on; the test compares them.
//!
//! Blocks are grouped by the hosts their commands start (`kpt`, `kubectl`, standalone `kustomize`, `wasmtime`):
//! one test per group, ignored where its host is missing, so a missing host shows up as a skipped test by name.
//! A block using a host no group covers fails [`every_block_has_a_group_and_the_docs_hold_together`].

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The user docs whose commands must work from the repository root. The maintainer docs under docs/ (benchmark,
/// fuzzing, robustness) hold commands that take many minutes and are not listed.
const DOCS: &[&str] = &[
    "README.md",
    "kustomization-examples/README.md",
    "kpt-package/README.md",
    "argocd/README.md",
    "docs/hosts.md",
    "docs/troubleshooting-notes.md",
];

/// Commands shown in the docs that this test does not run, and why. Each must still appear in the docs, so the
/// list cannot outlive the commands.
const NOT_RUN: &[(&str, &str)] = &[
    ("./test.sh", "it is the test command this test is part of"),
    ("./test.sh core", "part of ./test.sh, which runs this test"),
];

/// The host programs that decide a block's group. Any other program (./build.sh, cargo, diff, sed...) is taken to
/// be present wherever the tests run.
const HOSTS: &[&str] = &["kpt", "kubectl", "kustomize", "wasmtime", "podman", "node"];

/// Programs no group runs yet: a doc command using one needs a group (and a host probe) first.
const UNGROUPED: &[&str] = &["docker", "npm", "npx"];

/// The limit for one block; `./build.sh` in a cold target directory is the slow part.
const BLOCK_TIMEOUT: Duration = Duration::from_secs(900);

#[derive(Debug)]
struct Line {
    /// The command as pasted (continuation lines joined), without its trailing comment.
    command: String,
    /// Hosts the comment says the command needs besides the programs it starts (`# needs kustomize v5.7.0+ and
    /// wasmtime on PATH`: a KRM function's `exec` in a kustomization starts wasmtime).
    needs: Vec<&'static str>,
    expected_code: i32,
    expected_text: Option<String>,
}

#[derive(Debug)]
struct Block {
    doc: &'static str,
    /// 1-based line of the opening fence, for messages.
    at: usize,
    lines: Vec<Line>,
}

impl Block {
    fn hosts(&self) -> BTreeSet<&'static str> {
        let started =
            self.lines.iter().flat_map(|l| programs(&l.command)).filter_map(|p| HOSTS.iter().find(|h| **h == p));
        started.copied().chain(self.lines.iter().flat_map(|l| l.needs.iter().copied())).collect()
    }

    fn place(&self) -> String {
        format!("{}:{}", self.doc, self.at)
    }
}

/// A ```diff block that is the output of a command.
struct ExpectedOutput {
    doc: &'static str,
    command: String,
    text: String,
}

fn read_doc(doc: &str) -> String {
    let path = common::repo_root().join(doc);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Fenced blocks of a Markdown file: (info string, 1-based line of the fence, body, the line before the fence).
fn fenced_blocks(text: &str) -> Vec<(String, usize, String, String)> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate();
    let mut previous = "";
    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            let indent = line.len() - trimmed.len();
            let mut body = String::new();
            for (_, inner) in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    break;
                }
                body.push_str(inner.get(indent..).unwrap_or(inner.trim_start()));
                body.push('\n');
            }
            blocks.push((info.trim().to_string(), n + 1, body, previous.to_string()));
        }
        previous = line;
    }
    blocks
}

/// Splits a shell line into the command and its trailing comment (an unquoted `#` at a word's start).
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let (mut single, mut double) = (false, false);
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            b'#' if !single && !double && (i == 0 || bytes[i - 1].is_ascii_whitespace()) => {
                return (line[..i].trim_end(), Some(&line[i + 1..]));
            }
            _ => {}
        }
    }
    (line.trim_end(), None)
}

/// `exits N` and `exits N: "text"` in a comment.
fn expectation(comment: Option<&str>) -> (i32, Option<String>) {
    let Some(rest) = comment.map(str::trim).and_then(|c| c.strip_prefix("exits ")) else {
        return (0, None);
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let code = digits.parse().unwrap_or_else(|_| panic!("`exits` needs a number: {rest:?}"));
    let rest = rest[digits.len()..].trim_start().strip_prefix(':').map(str::trim_start).unwrap_or("");
    let text = rest.strip_prefix('"').and_then(|r| r.rfind('"').map(|end| r[..end].to_string()));
    (code, text)
}

fn sh_lines(body: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut pending = String::new();
    for raw in body.lines() {
        if pending.is_empty() && (raw.trim().is_empty() || raw.trim_start().starts_with('#')) {
            continue;
        }
        if let Some(head) = raw.strip_suffix('\\') {
            pending.push_str(head);
            continue;
        }
        pending.push_str(raw);
        let (command, comment) = split_comment(&pending);
        let (expected_code, expected_text) = expectation(comment);
        let needs = comment.and_then(|c| c.split_once("needs ")).map_or(Vec::new(), |(_, after)| {
            HOSTS.iter().copied().filter(|h| after.split(|c: char| !c.is_alphanumeric()).any(|w| w == *h)).collect()
        });
        lines.push(Line { command: command.to_string(), needs, expected_code, expected_text });
        pending.clear();
    }
    assert!(pending.is_empty(), "a continuation line ends the block: {pending:?}");
    lines
}

fn blocks_and_outputs() -> (Vec<Block>, Vec<ExpectedOutput>) {
    let mut blocks = Vec::new();
    let mut outputs = Vec::new();
    for &doc in DOCS {
        for (info, at, body, previous) in fenced_blocks(&read_doc(doc)) {
            match info.as_str() {
                "sh" | "bash" | "shell" => blocks.push(Block { doc, at, lines: sh_lines(&body) }),
                "diff" => {
                    let marker = previous.trim().strip_prefix("<!-- output-of:").and_then(|m| m.strip_suffix("-->"));
                    if let Some(command) = marker {
                        outputs.push(ExpectedOutput { doc, command: command.trim().to_string(), text: body });
                    }
                }
                _ => {}
            }
        }
    }
    (blocks, outputs)
}

/// The programs a command line starts: the first word of each part between `|`, `&&`, `||`, `;` and `$(`, after
/// variable assignments and `env` with its options.
fn programs(command: &str) -> Vec<String> {
    let spaced = command.replace("$(", " ; ").replace(['(', ')'], " ; ");
    let mut found = Vec::new();
    let mut at_start = true;
    let mut after_env = false;
    let mut words = spaced.split_whitespace();
    while let Some(word) = words.next() {
        if matches!(word, "|" | "&&" | "||" | ";" | "!") {
            at_start = true;
            continue;
        }
        if !at_start {
            continue;
        }
        if word.contains('=') && !word.starts_with('=') {
            continue; // VAR=value before the program
        }
        if after_env && word.starts_with('-') {
            if word == "-u" {
                words.next();
            }
            continue;
        }
        if word == "env" {
            after_env = true;
            continue;
        }
        found.push(word.rsplit('/').next().unwrap_or(word).to_string());
        at_start = false;
        after_env = false;
    }
    found
}

fn not_run(command: &str) -> Option<&'static str> {
    NOT_RUN.iter().find(|(c, _)| *c == command).map(|(_, why)| *why)
}

/// `text` with `...` standing for anything: each part in order.
fn shows(output: &str, text: &str) -> bool {
    let mut rest = output;
    for part in text.split("...").filter(|p| !p.is_empty()) {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// A copy of every file git tracks, keeping modification times (so cargo finds a warm build up to date), with
/// `dist/` holding the artifacts under test. In a fixed place per group under the tests' target directory: the
/// same path each run lets cargo reuse its build there.
fn scratch_repository(group: &str) -> PathBuf {
    let root = common::repo_root();
    let scratch = common::nested_target_dir().join("readme").join(group);
    let _ = std::fs::remove_dir_all(&scratch);
    let repo = scratch.join("repo");
    let out = Command::new("git").args(["ls-files", "-z"]).current_dir(&root).output().expect("git runs");
    assert!(out.status.success(), "git ls-files failed: {}", String::from_utf8_lossy(&out.stderr));
    for file in out.stdout.split(|&b| b == 0).filter(|f| !f.is_empty()) {
        let rel = Path::new(std::str::from_utf8(file).expect("tracked paths are UTF-8"));
        let (from, to) = (root.join(rel), repo.join(rel));
        if !from.is_file() {
            continue; // deleted in the work tree but not yet in the index
        }
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copying {}: {e}", from.display()));
        let modified = std::fs::metadata(&from).and_then(|m| m.modified()).unwrap();
        std::fs::File::options().write(true).open(&to).and_then(|f| f.set_modified(modified)).unwrap();
    }
    std::fs::create_dir_all(repo.join("dist")).unwrap();
    std::fs::copy(common::native_binary_path(), repo.join("dist/sidecar-injector")).unwrap();
    std::fs::copy(common::wasm_module_path(), repo.join("dist/sidecar-injector.wasm")).unwrap();
    std::fs::copy(common::kpt_wasm_module_path(), repo.join("dist/sidecar-injector.kpt.wasm")).unwrap();
    for dir in ["home", "tmp"] {
        std::fs::create_dir_all(scratch.join(dir)).unwrap();
    }
    repo
}

/// The user's cargo and rustup homes, before `HOME` moves into the scratch directory.
fn toolchain_homes() -> Vec<(&'static str, PathBuf)> {
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")]
        .into_iter()
        .map(|(var, default)| (var, std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| home.join(default))))
        .collect()
}

struct LineRun {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs one block in one bash, each line's output and exit code captured in files.
fn run_block(repo: &Path, block: &Block) -> Vec<Option<LineRun>> {
    let scratch = repo.parent().unwrap();
    let outputs = scratch.join("tmp").join(format!("block-{}", block.at));
    std::fs::create_dir_all(&outputs).unwrap();
    let mut script = String::from("set -o pipefail\n");
    for (i, line) in block.lines.iter().enumerate() {
        if not_run(&line.command).is_some() {
            continue;
        }
        let file = outputs.join(i.to_string());
        let file = file.display();
        // The command on lines of its own, so that nothing it contains can swallow the redirections.
        script.push_str(&format!(
            "{{\n{}\n}} >'{file}.out' 2>'{file}.err' </dev/null\necho $? >'{file}.rc'\n",
            line.command
        ));
    }
    let mut bash = Command::new("bash");
    common::with_containers(&mut bash);
    bash.arg("-c")
        .arg(&script)
        .current_dir(repo)
        .env("HOME", scratch.join("home"))
        .env("TMPDIR", scratch.join("tmp"))
        .env("CARGO_TARGET_DIR", common::nested_target_dir().join("readme-target"))
        .env("CARGO_INSTALL_ROOT", scratch.join("cargo-install"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (var, path) in toolchain_homes() {
        bash.env(var, path);
    }
    for var in [
        "KUSTOMIZE_PLUGIN_HOME",
        "KUSTOMIZE_PLUGIN_CONFIG_STRING",
        "XDG_CONFIG_HOME",
        "SIDECAR_INJECTOR_BINARY",
        common::NATIVE_OVERRIDE_ENV,
        common::WASM_OVERRIDE_ENV,
    ] {
        bash.env_remove(var);
    }
    let mut child = bash.spawn().expect("bash runs");
    let deadline = Instant::now() + BLOCK_TIMEOUT;
    while child.try_wait().expect("wait for bash").is_none() {
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let read = |path: PathBuf| std::fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned());
    (0..block.lines.len())
        .map(|i| {
            let file = outputs.join(i.to_string());
            let code = read(file.with_extension("rc")).ok()?.trim().parse().ok()?;
            Some(LineRun {
                code,
                stdout: read(file.with_extension("out")).unwrap_or_default(),
                stderr: read(file.with_extension("err")).unwrap_or_default(),
            })
        })
        .collect()
}

/// Runs every block whose hosts are exactly `wanted`, in one scratch copy of the repository.
fn run_group(group: &str, wanted: &[&str]) {
    let wanted: BTreeSet<&str> = wanted.iter().copied().collect();
    let (blocks, outputs) = blocks_and_outputs();
    let blocks: Vec<&Block> = blocks.iter().filter(|b| b.hosts() == wanted).collect();
    assert!(!blocks.is_empty(), "no command block of the docs needs exactly {wanted:?}: this group's test is stale");
    let repo = scratch_repository(group);
    let mut failures = Vec::new();
    let mut ran = 0;
    for block in blocks {
        let results = run_block(&repo, block);
        for (line, result) in block.lines.iter().zip(results) {
            if let Some(why) = not_run(&line.command) {
                eprintln!("[{}] not run: {} ({why})", block.place(), line.command);
                continue;
            }
            let Some(run) = result else {
                failures.push(format!(
                    "{}: `{}` did not finish (the block timed out or stopped)",
                    block.place(),
                    line.command
                ));
                continue;
            };
            ran += 1;
            eprintln!("[{}] exit {}: {}", block.place(), run.code, line.command);
            let output = format!("{}{}", run.stdout, run.stderr);
            let mut problems = Vec::new();
            if run.code != line.expected_code {
                problems.push(format!("exit {} where the docs say {}", run.code, line.expected_code));
            }
            if let Some(text) = &line.expected_text {
                if !shows(&output, text) {
                    problems.push(format!("the output does not show {text:?}"));
                }
            }
            for expected in outputs.iter().filter(|o| o.command == line.command) {
                let hunks = |t: &str| t.lines().skip_while(|l| !l.starts_with("@@")).collect::<Vec<_>>().join("\n");
                if hunks(&run.stdout) != hunks(&expected.text) || hunks(&expected.text).is_empty() {
                    problems.push(format!("its output is not the diff shown in {}", expected.doc));
                }
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{}: `{}`: {}\n--- stdout:\n{}--- stderr:\n{}",
                    block.place(),
                    line.command,
                    problems.join("; "),
                    run.stdout,
                    run.stderr
                ));
            }
        }
    }
    assert!(ran > 0, "no command of group {group} was run");
    assert!(failures.is_empty(), "{} of the docs' commands fail:\n\n{}", failures.len(), failures.join("\n\n"));
}

/// The parts that make the command tests meaningful: every block has a group, the not-run list and the output
/// markers point at real commands, and every message the README's troubleshooting table quotes is one that a
/// command in docs/troubleshooting-notes.md is checked to print.
#[test]
fn every_block_has_a_group_and_the_docs_hold_together() {
    let (blocks, outputs) = blocks_and_outputs();
    let groups: &[&[&str]] = &[
        &[],
        &["kpt"],
        &["kubectl"],
        &["kustomize"],
        &["kustomize", "wasmtime"],
        &["podman"],
        &["kpt", "podman"],
        &["node"],
        &["kpt", "node"],
    ];
    let mut problems = Vec::new();
    for block in &blocks {
        let hosts: Vec<&str> = block.hosts().into_iter().collect();
        if !groups.contains(&hosts.as_slice()) {
            problems
                .push(format!("{}: no test runs a block needing {hosts:?}: split it or add a group", block.place()));
        }
        for line in &block.lines {
            for program in programs(&line.command) {
                if UNGROUPED.contains(&program.as_str()) {
                    problems.push(format!(
                        "{}: `{}` needs {program}, which no test group runs",
                        block.place(),
                        line.command
                    ));
                }
            }
        }
    }
    let commands: Vec<&str> = blocks.iter().flat_map(|b| &b.lines).map(|l| l.command.as_str()).collect();
    for (command, _) in NOT_RUN {
        if !commands.contains(command) {
            problems.push(format!("NOT_RUN lists `{command}`, which no doc shows any more"));
        }
    }
    for output in &outputs {
        if !commands.contains(&output.command.as_str()) {
            problems.push(format!("{}: output-of `{}` is not a command of an sh block", output.doc, output.command));
        }
    }
    let readme = read_doc("README.md");
    let section = readme.split("\n## Troubleshooting").nth(1).expect("the README has a Troubleshooting section");
    let section = section.split("\n## ").next().unwrap();
    let checked: Vec<String> = blocks
        .iter()
        .filter(|b| b.doc == "docs/troubleshooting-notes.md")
        .flat_map(|b| &b.lines)
        .filter_map(|l| l.expected_text.clone())
        .collect();
    let mut quoted = 0;
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let message = row[3..].split('`').next().unwrap();
        quoted += 1;
        if !checked.iter().any(|c| c == message) {
            problems.push(format!(
                "the README quotes `{message}`, which no command in docs/troubleshooting-notes.md is checked to print"
            ));
        }
    }
    assert!(quoted >= 5, "only {quoted} messages found in the README's troubleshooting table");
    assert!(commands.len() >= 10, "only {} commands found in {DOCS:?}", commands.len());
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The README's config reference names every field the schema accepts: each `spec` field (and each of
/// `position`), each key of the ConfigMap form, and the annotations the function reads and writes.
#[test]
fn the_config_reference_names_every_field_of_the_schema() {
    let path = common::repo_root().join("schemas/sidecar-injector.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let properties = |pointer: &str| -> Vec<String> {
        let node = schema.pointer(pointer).unwrap_or_else(|| panic!("{pointer} not in the schema"));
        node.as_object().unwrap().keys().cloned().collect()
    };
    let readme = read_doc("README.md");
    let reference = readme.split("\n## Config reference").nth(1).expect("a Config reference section");
    let reference = reference.split("\n## ").next().unwrap();
    let mut names: Vec<String> = Vec::new();
    for field in properties("/$defs/SidecarInjectorSpec/properties") {
        if field == "position" {
            names.extend(
                properties("/$defs/SidecarInjectorSpec/properties/position/properties")
                    .iter()
                    .map(|p| format!("position.{p}")),
            );
        } else {
            names.push(field);
        }
    }
    names.extend(properties("/$defs/ConfigMap/properties/data/properties"));
    names.extend(["sidecar-injector.dev/inject", "sidecar-injector.dev/status"].map(String::from));
    assert!(names.len() > 30, "only {} names read from the schema", names.len());
    let missing: Vec<&String> = names.iter().filter(|n| !reference.contains(&format!("`{n}`"))).collect();
    assert!(missing.is_empty(), "the README's config reference does not name {missing:?}");
}

/// Docs written by other work in progress, linked before they land.
const PENDING_LINKS: &[&str] = &["docs/design.md"];

/// Every relative link of the user docs and of docs/ names a file or directory of this repository.
#[test]
fn links_stay_inside_the_repository_and_resolve() {
    let root = common::repo_root();
    let mut docs: Vec<String> = DOCS.iter().map(|d| d.to_string()).collect();
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && !docs.contains(&format!("docs/{name}")) {
            docs.push(format!("docs/{name}"));
        }
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for doc in &docs {
        let text = read_doc(doc);
        let dir = Path::new(doc).parent().unwrap();
        for target in text.split("](").skip(1).filter_map(|rest| rest.split(')').next()) {
            let target = target.split('#').next().unwrap();
            if target.is_empty() || target.contains("://") {
                continue;
            }
            checked += 1;
            // Resolved by hand: the target may not exist, and must not climb out of the repository.
            let mut parts: Vec<&str> = dir.iter().map(|p| p.to_str().unwrap()).collect();
            for part in target.split('/').filter(|p| !p.is_empty() && *p != ".") {
                if part == ".." {
                    if parts.pop().is_none() {
                        problems.push(format!("{doc}: {target} points outside the repository"));
                    }
                } else {
                    parts.push(part);
                }
            }
            let resolved = parts.join("/");
            if !root.join(&resolved).exists() && !PENDING_LINKS.contains(&resolved.as_str()) {
                problems.push(format!("{doc}: {target} ({resolved}) does not exist"));
            }
        }
    }
    assert!(checked >= 20, "only {checked} relative links found");
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn commands_without_a_host_work() {
    run_group("plain", &[]);
}

#[test]
#[cfg_attr(not(host_kpt), ignore = "kpt is not on PATH")]
fn kpt_commands_work() {
    run_group("kpt", &["kpt"]);
}

#[test]
#[cfg_attr(not(host_kubectl), ignore = "kubectl is not on PATH")]
fn kubectl_commands_work() {
    run_group("kubectl", &["kubectl"]);
}

#[test]
#[cfg_attr(not(host_kustomize), ignore = "standalone kustomize is not on PATH")]
fn kustomize_commands_work() {
    run_group("kustomize", &["kustomize"]);
}

/// The docs' one such command is the `.wasm` example, which needs `exec.args` (kustomize v5.7.0+).
#[test]
#[cfg_attr(
    not(all(host_kustomize_exec_args, host_wasmtime)),
    ignore = "needs standalone kustomize v5.7.0+ (exec.args) and the wasmtime CLI; v4.5.4 is the newest installable here"
)]
fn kustomize_with_wasmtime_commands_work() {
    run_group("kustomize-wasmtime", &["kustomize", "wasmtime"]);
}

#[test]
#[cfg_attr(not(host_podman), ignore = "podman is not on PATH")]
fn podman_commands_work() {
    run_group("podman", &["podman"]);
}

#[test]
#[cfg_attr(not(all(host_kpt, host_podman)), ignore = "kpt or podman is not on PATH")]
fn kpt_with_podman_commands_work() {
    run_group("kpt-podman", &["kpt", "podman"]);
}

/// kpt's wasm runtime runs the kpt module under node.
#[test]
#[cfg_attr(not(all(host_kpt, host_node)), ignore = "kpt or node is not on PATH")]
fn kpt_with_node_commands_work() {
    run_group("kpt-node", &["kpt", "node"]);
}

/// The JavaScript package's commands run wasm-bindgen-cli (at the crate's version) and node.
#[test]
#[cfg_attr(not(all(host_node, host_wasm_bindgen)), ignore = "node or wasm-bindgen-cli is not on PATH")]
fn node_commands_work() {
    run_group("node", &["node"]);
}

#[test]
fn the_command_parser_finds_programs_and_expectations() {
    assert_eq!(programs("KUSTOMIZE_PLUGIN_HOME=~/x kubectl kustomize --enable-alpha-plugins dir"), ["kubectl"]);
    assert_eq!(programs("env -u A -u B HOME=$T kubectl kustomize d | grep -c x"), ["kubectl", "grep"]);
    assert_eq!(programs("(cd $T && kpt fn render pkg)"), ["cd", "kpt"]);
    assert_eq!(programs("T=$(mktemp -d) && cp -r a $T/b"), ["mktemp", "cp"]);
    assert_eq!(programs("dist/sidecar-injector c < d | diff -u d -"), ["sidecar-injector", "diff"]);
    assert_eq!(split_comment("echo '# not' \"#\" a#b # real"), ("echo '# not' \"#\" a#b", Some(" real")));
    assert_eq!(expectation(Some(" exits 1: \"a \"quoted\" b\"")), (1, Some("a \"quoted\" b".to_string())));
    assert_eq!(expectation(Some(" exits 1: diff found changes")), (1, None));
    assert_eq!(expectation(Some(" builds dist/")), (0, None));
    assert!(shows(
        "err: fork/exec /a/b/SidecarInjector: exec format error",
        "fork/exec .../SidecarInjector: exec format error"
    ));
    assert!(!shows("exec format error: fork/exec", "fork/exec ...exec format error"));
    let lines = sh_lines("# a comment\n\nfoo \\\n  bar  # exits 2\nbaz # needs kustomize 5.7+, wasmtime\n");
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].needs, ["kustomize", "wasmtime"]);
    assert_eq!((lines[0].command.as_str(), lines[0].expected_code), ("foo   bar", 2));
}
