//! The one core every entry point wraps: bytes in, bytes out, findings, exit code.

use crate::config;
use crate::inject::{self, NoPlan};
use crate::krm::{Finding, ResourceList, Severity};
use crate::select::Candidate;
use crate::workload::{ObjectRef, WorkloadTable};
use crate::yaml::{emit_stream, parse_stream, Document, Node};

/// What an entry point writes: stdout, stderr, and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub exit_code: i32,
}

impl Output {
    /// A failure before anything could be read: nothing on stdout, one line on stderr.
    pub fn failed(message: impl std::fmt::Display) -> Output {
        Output { stdout: Vec::new(), stderr: format!("sidecar-injector: error: {message}\n"), exit_code: 1 }
    }
}

/// The KRM function: a ResourceList in, the ResourceList with the injection and `results` out.
/// On any error the items come back unchanged, with the errors in `results`, and the exit code is 1.
pub fn process(input: &[u8]) -> Output {
    let mut list = match ResourceList::read(input) {
        Ok(list) => list,
        Err(e) => return Output::failed(e),
    };
    let (config, items) = list.config_and_items();
    let findings = transform(items, config.as_ref());
    let stdout = list.write(&findings).into_bytes();
    finish(stdout, &findings)
}

/// kustomize's legacy exec plugin: the config apart, the resources as a plain multi-document stream in and out.
/// Findings go to stderr only; on an error nothing is written to stdout.
pub fn process_stream(config_text: &[u8], input: &[u8]) -> Output {
    let config = match parse_stream(config_text) {
        Ok(mut docs) if docs.len() == 1 => docs.remove(0).root,
        Ok(docs) => return Output::failed(format!("the plugin config must be one YAML document, found {}", docs.len())),
        Err(e) => return Output::failed(format!("the plugin config is not valid YAML: {e}")),
    };
    let docs = match parse_stream(input) {
        Ok(docs) => docs,
        Err(e) => return Output::failed(format!("input is not valid YAML: {e}")),
    };
    let versions: Vec<Option<(i32, i32)>> = docs.iter().map(|d| d.version).collect();
    let mut items: Vec<Node> = docs.into_iter().map(|d| d.root).collect();
    let findings = transform(&mut items, Some(&config));
    if has_errors(&findings) {
        return finish(Vec::new(), &findings);
    }
    let docs: Vec<Document> = items.into_iter().zip(versions).map(|(root, version)| Document { root, version }).collect();
    finish(emit_stream(&docs).into_bytes(), &findings)
}

fn finish(stdout: Vec<u8>, findings: &[Finding]) -> Output {
    let mut stderr = String::new();
    let errors: Vec<&Finding> = findings.iter().filter(|f| f.severity == Severity::Error).collect();
    if let Some(first) = errors.first() {
        stderr.push_str(&format!("sidecar-injector: {}", first.line()));
        if errors.len() > 1 {
            stderr.push_str(&format!(" (and {} more errors; see the results)", errors.len() - 1));
        }
        stderr.push('\n');
    }
    for warning in findings.iter().filter(|f| f.severity == Severity::Warning) {
        stderr.push_str(&format!("sidecar-injector: {}\n", warning.line()));
    }
    Output { stdout, stderr, exit_code: if errors.is_empty() { 0 } else { 1 } }
}

fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// Injects into every selected workload of `items`. Plans every workload first; if any plan fails, nothing is
/// changed and the findings say why.
fn transform(items: &mut [Node], function_config: Option<&Node>) -> Vec<Finding> {
    let workloads = WorkloadTable::default();
    let injection = match config::load(function_config, &workloads) {
        Ok(injection) => injection,
        Err(errors) => {
            let source = function_config.map(ObjectRef::of);
            return errors
                .into_iter()
                .map(|e| {
                    let f = Finding::new(Severity::Error, e.message).at(e.path);
                    match &source {
                        Some(r) => f.about_ref(r),
                        None => f,
                    }
                })
                .collect();
        }
    };

    let mut findings = crate::check::config_warnings(&injection);
    let mut plans = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some(workload) = workload_of(item, &workloads) else { continue };
        if is_local_config(item) || !selected(item, workload, &injection) {
            continue;
        }
        match inject::plan(item, workload, &injection) {
            Ok(plan) => {
                findings.extend(crate::check::workload_warnings(item, workload, &injection));
                plans.push((index, plan));
            }
            Err(NoPlan::NoPodTemplate(path)) => findings.push(
                Finding::new(Severity::Warning, format!("has no pod template at {path}; skipped"))
                    .about(item)
                    .at(path),
            ),
            Err(NoPlan::Errors(errors)) => findings.extend(
                errors.into_iter().map(|e| Finding::new(Severity::Error, e.message).about(item).at(e.path)),
            ),
        }
    }
    if has_errors(&findings) {
        return findings;
    }
    for (index, plan) in plans {
        let message = if plan.changes_something() {
            format!("injected {:?}: added {}", injection.name, describe(&plan.added))
        } else {
            format!("injection {:?} already present; unchanged", injection.name)
        };
        findings.push(Finding::new(Severity::Info, message).about(&items[index]));
        inject::apply(&mut items[index], plan);
    }
    findings
}

fn workload_of<'a>(item: &Node, workloads: &'a WorkloadTable) -> Option<&'a crate::workload::WorkloadKind> {
    let api_version = item.get("apiVersion")?.as_str()?;
    let kind = item.get("kind")?.as_str()?;
    workloads.lookup(api_version, kind)
}

/// kpt's convention: an object annotated `config.kubernetes.io/local-config: "true"` is not deployed.
fn is_local_config(item: &Node) -> bool {
    let annotation = item.get("metadata").and_then(|m| m.get("annotations")).and_then(|a| a.get("config.kubernetes.io/local-config"));
    annotation.and_then(Node::as_scalar).is_some_and(|s| s.value == "true")
}

fn selected(item: &Node, workload: &crate::workload::WorkloadKind, injection: &config::Injection) -> bool {
    let metadata = item.get("metadata");
    let text = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Node::as_scalar).map(|s| s.value.as_str());
    let labels: Vec<(String, String)> = metadata
        .and_then(|m| m.get("labels"))
        .and_then(Node::as_mapping)
        .map(|m| {
            m.entries
                .iter()
                .filter_map(|(k, v)| Some((k.as_scalar()?.value.clone(), v.as_scalar()?.value.clone())))
                .collect()
        })
        .unwrap_or_default();
    injection.selector.matches(&Candidate {
        kind: &workload.kind,
        name: text("name").unwrap_or(""),
        namespace: text("namespace"),
        labels: &labels,
    })
}

/// "containers log-agent, init-perms; volume logs"
fn describe(added: &[(&str, String)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for what in ["container", "volume"] {
        let names: Vec<&str> = added.iter().filter(|(w, _)| *w == what).map(|(_, n)| n.as_str()).collect();
        if !names.is_empty() {
            let plural = if names.len() > 1 { "s" } else { "" };
            parts.push(format!("{what}{plural} {}", names.join(", ")));
        }
    }
    parts.join("; ")
}
