//! The one core every entry point wraps: bytes in, bytes out, findings, exit code.

use crate::config;
use crate::inject::{self, Failure, Outcome};
use crate::krm::{Finding, ResourceList, Severity};
use crate::select::{self, Choice, NamespaceIndex};
use crate::workload::ObjectRef;
use lossless_yaml::{emit_stream, parse_stream, Document, Node};

/// What an entry point writes: stdout, stderr, and the exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The output ResourceList (or, in the plugin mode, the resource stream); empty when nothing could be read,
    /// and in the plugin mode on an error.
    pub stdout: Vec<u8>,
    /// One line per error, then one per warning.
    pub stderr: String,
    /// 0, or 1 when there was an error.
    pub exit_code: i32,
}

impl Output {
    /// A failure before anything could be read: nothing on stdout, one line on stderr.
    pub fn failed(message: impl std::fmt::Display) -> Output {
        Output { stdout: Vec::new(), stderr: format!("sidecar-injector: error: {message}\n"), exit_code: 1 }
    }
}

/// The KRM function: a ResourceList in, the ResourceList with the injection and `results` out.
/// On any error the items come back exactly as they were read, with the errors in `results`, and the exit
/// code is 1.
pub fn process(input: &[u8]) -> Output {
    let mut list = match ResourceList::read(input) {
        Ok(list) => list,
        Err(e) => return Output::failed(e),
    };
    let (config, items) = list.config_and_items();
    let mut findings = transform(items, config.as_ref());
    if has_errors(&findings) {
        // Nothing is changed after all: drop the reports of changes.
        findings.retain(|f| f.severity != Severity::Info);
        // Workloads are changed one by one; reading the input again is the cheapest way back to all of
        // them as they were, and costs nothing on the path that succeeds.
        list = match ResourceList::read(input) {
            Ok(list) => list,
            Err(e) => return Output::failed(e),
        };
    }
    let stdout = list.write(&findings).into_bytes();
    finish(stdout, &findings)
}

/// kustomize's legacy exec plugin: the config apart, the resources as a plain multi-document stream in and out.
/// Findings go to stderr only; on an error nothing is written to stdout.
pub fn process_stream(config_text: &[u8], input: &[u8]) -> Output {
    let config = match parse_stream(config_text) {
        Ok(mut docs) if docs.len() == 1 => docs.remove(0).root,
        Ok(docs) => {
            return Output::failed(format!("the plugin config must be one YAML document, found {}", docs.len()))
        }
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
    let docs: Vec<Document> =
        items.into_iter().zip(versions).map(|(root, version)| Document { root, version }).collect();
    finish(emit_stream(&docs).into_bytes(), &findings)
}

/// Every error on stderr, one per line, then every warning: in the plugin mode stderr is all a user gets, and
/// a host that shows only stderr (kpt's summary, a failed kustomize build) shows them all.
fn finish(stdout: Vec<u8>, findings: &[Finding]) -> Output {
    let mut stderr = String::new();
    let mut errors = 0;
    for severity in [Severity::Error, Severity::Warning] {
        for finding in findings.iter().filter(|f| f.severity == severity) {
            stderr.push_str(&format!("sidecar-injector: {}\n", finding.line()));
            errors += usize::from(severity == Severity::Error);
        }
    }
    Output { stdout, stderr, exit_code: if errors == 0 { 0 } else { 1 } }
}

fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// Brings every workload of `items` in line with the injection: injected where selected, taken out where it
/// carries the injection but is no longer selected. Items may be left half-changed when errors are returned.
fn transform(items: &mut [Node], function_config: Option<&Node>) -> Vec<Finding> {
    let injection = match config::load(function_config) {
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
    let mut findings = crate::advice::config_warnings(&injection);
    let namespaces = NamespaceIndex::of(items);
    let mut unknown_namespaces: Vec<String> = Vec::new();

    for item in items.iter_mut() {
        // An alias for the kind hides whether this is a workload: say so rather than pass it by.
        if let Some(field) = ["apiVersion", "kind"].into_iter().find(|f| matches!(item.get(f), Some(Node::Alias(_)))) {
            findings.push(
                Finding::new(
                    Severity::Error,
                    "is a YAML alias; sidecar-injector needs apiVersion and kind written out to tell a workload",
                )
                .about(item)
                .at(field),
            );
            continue;
        }
        let Some(workload) = select::workload(item, &injection.selection.workloads) else { continue };
        let choice = select::choose(item, workload, &injection, &namespaces);
        if let Choice::NamespaceNotInInput(ns) = &choice {
            if !unknown_namespaces.contains(ns) {
                unknown_namespaces.push(ns.clone());
                findings.push(Finding::new(
                    Severity::Warning,
                    format!("namespace {ns:?} has no Namespace object in the input, so spec.namespaceSelector cannot select its workloads; they are not injected"),
                ).about_ref(&injection.source).at("spec.namespaceSelector"));
            }
        }
        let selected = matches!(choice, Choice::Selected);
        let result = if selected && !injection.policy.remove {
            inject::inject(item, workload, &injection)
        } else {
            inject::remove(item, workload, &injection.name)
        };
        match result {
            Ok(Outcome::Unchanged) => {
                if selected && !injection.policy.remove {
                    findings.push(
                        Finding::new(Severity::Info, format!("{:?} already injected; unchanged", injection.name))
                            .about(item),
                    );
                } else if let Choice::Declined(why) = &choice {
                    findings.push(
                        Finding::new(Severity::Info, format!("{:?} not injected: {why}", injection.name)).about(item),
                    );
                }
            }
            Ok(Outcome::Changed(report)) => {
                for (path, message) in &report.warnings {
                    findings.push(Finding::new(Severity::Warning, message.clone()).about(item).at(path.clone()));
                }
                if selected && !injection.policy.remove {
                    findings.extend(crate::advice::workload_warnings(item, workload, &injection));
                }
                let why = match (&choice, injection.policy.remove) {
                    (_, true) => "spec.remove is true".to_string(),
                    (Choice::Declined(why), _) => why.clone(),
                    (Choice::NotSelected | Choice::NamespaceNotInInput(_), _) => "no longer selected".to_string(),
                    (Choice::Selected, _) => String::new(),
                };
                findings.push(Finding::new(Severity::Info, describe(&injection.name, &report, &why)).about(item));
            }
            Err(Failure::NoPodTemplate(path)) => {
                if selected && !injection.policy.remove {
                    findings.push(
                        Finding::new(Severity::Warning, format!("has no pod template at {path}; skipped"))
                            .about(item)
                            .at(path),
                    );
                }
            }
            Err(Failure::Errors(errors)) => findings
                .extend(errors.into_iter().map(|e| Finding::new(Severity::Error, e.message).about(item).at(e.path))),
        }
    }
    if injection.policy.fail_on_warnings {
        let field = match injection.form {
            config::Form::ConfigMap => "data.failOnWarnings",
            config::Form::SidecarInjector => "spec.failOnWarnings",
        };
        for finding in findings.iter_mut().filter(|f| f.severity == Severity::Warning) {
            finding.severity = Severity::Error;
            finding.message.push_str(&format!(" (an error because {field} is true)"));
        }
    }
    findings
}

/// The info result's message.
fn describe(name: &str, report: &inject::Report, why: &str) -> String {
    let mut parts = Vec::new();
    if !report.removed.is_empty() {
        parts.push(format!("removed {}", report.removed.join(", ")));
    }
    if !report.added.is_empty() {
        parts.push(format!("added {}", report.added.join(", ")));
    }
    if !report.updated.is_empty() {
        parts.push(format!("updated {}", report.updated.join(", ")));
    }
    if !report.overwritten.is_empty() {
        parts.push(format!("overwrote hand-edited {}", report.overwritten.join(", ")));
    }
    parts.extend(report.conflicts.iter().cloned());
    if !report.restored.is_empty() {
        parts.push(format!("gave back the workload's own {} as it declared it", report.restored.join(", ")));
    }
    if !report.own.is_empty() {
        parts.push(format!("the workload's own {} already matched; they stay its own", report.own.join(", ")));
    }
    let verb = if !why.is_empty() {
        format!("took {name:?} out ({why})")
    } else if report.upgraded {
        format!("upgraded {name:?} (its config changed)")
    } else {
        format!("injected {name:?}")
    };
    if parts.is_empty() {
        format!("{verb}: everything was already in place; recorded it in {}", crate::keys::STATUS_ANNOTATION)
    } else {
        format!("{verb}: {}", parts.join("; "))
    }
}
