//! The one core every entry point wraps: bytes in, bytes out, findings, exit code.

use crate::config::{self, Injection};
use crate::inject::{self, Failure, Outcome};
use crate::keys::LOCAL_CONFIG_ANNOTATION;
use crate::krm::{Finding, ResourceList, Severity};
use crate::select::{self, Choice, NamespaceIndex};
use crate::workload::{retired_api_version, ObjectRef, TypeMeta};
use lossless_yaml::{emit_stream_from, parse_stream, Document, Node};

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
    // Read and written back as UTF-8 (unchanged text is copied from what was read).
    let input = lossless_yaml::utf8_input(input);
    let input: &[u8] = &input;
    item_by_item(input).unwrap_or_else(|| whole(input))
}

/// [`process`], always on the whole tree of the input: the same output, at the memory of the whole tree. For
/// tests and the benchmark, which compare the two ways.
#[doc(hidden)]
pub fn process_whole(input: &[u8]) -> Output {
    whole(&lossless_yaml::utf8_input(input))
}

/// [`process`] item by item, or `None` where it runs on the whole tree instead. For tests and the benchmark.
#[doc(hidden)]
pub fn process_item_by_item(input: &[u8]) -> Option<Output> {
    item_by_item(&lossless_yaml::utf8_input(input))
}

/// [`process`] on the whole tree of the input: every case, at the memory of the whole tree.
fn whole(input: &[u8]) -> Output {
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
    let stdout = list.write(input, &findings).into_bytes();
    finish(stdout, &findings)
}

/// [`process`] one item at a time (docs/design.md, "Item by item"): each item is read, injected, written and
/// dropped before the next is read, so that memory holds the input, the output and one item's tree. `None`
/// where the result could differ from [`whole`]'s, which is then run instead: a list this way cannot read
/// (see `lossless_yaml::ListReader`), a functionConfig not found ahead of the items, a Namespace after a
/// workload that looked for it, errors (the items then come back as they were), a run that found nothing to
/// say, `results` ahead of the items.
fn item_by_item(input: &[u8]) -> Option<Output> {
    let ahead = crate::krm::function_config_ahead(input)?;
    let mut reader = lossless_yaml::ListReader::open(input, "items").ok()??;
    let mut writer = lossless_yaml::ListWriter::new(input, reader.head())?;
    if let Some((_, key_at)) = &ahead {
        writer.list_ends_by(*key_at);
    }
    let mut run = Run::start(ahead.as_ref().map(|(config, _)| config)).ok()?;
    while let Some(mut item) = reader.next_item().ok()? {
        if !run.item(&mut item) {
            return None;
        }
        writer.item(item)?;
    }
    let (docs, items_end) = reader.finish().ok()?;
    let list = ResourceList::of(docs).ok()?;
    let read_ahead = |config: &Node, key_at: usize| {
        list.function_config_key_at() == Some(key_at)
            && list.function_config().is_some_and(|c| c.same_meaning(config) && c.span() == config.span())
    };
    match &ahead {
        Some((config, key_at)) if read_ahead(config, *key_at) => {}
        None if list.function_config().is_none() => {}
        _ => return None,
    }
    let findings = run.finish();
    if findings.is_empty() || has_errors(&findings) || list.has_before_items("results") {
        return None;
    }
    // The results are written one by one when they are new to the list; a list that had some gets them in place.
    let stdout = if list.has_key("results") {
        writer.finish(&list.into_document(&findings), items_end, None)?
    } else {
        let mut results = |list: &mut lossless_yaml::NewList<'_>| {
            for finding in &findings {
                list.item(|m| finding.write_new(m));
            }
        };
        writer.finish(&list.into_document(&[]), items_end, Some(("results", &mut results)))?
    };
    Some(finish(stdout.into_bytes(), &findings))
}

/// kustomize's legacy exec plugin: the config apart, the resources as a plain multi-document stream in and out.
/// Findings go to stderr only; on an error nothing is written to stdout.
pub fn process_stream(config_text: &[u8], input: &[u8]) -> Output {
    let input = lossless_yaml::utf8_input(input);
    let input: &[u8] = &input;
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
    finish(emit_stream_from(&docs, input).into_bytes(), &findings)
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
    let mut run = match Run::start(function_config) {
        Ok(run) => run,
        Err(findings) => return findings,
    };
    let objects = objects_mut(items, &mut run.findings);
    run.namespaces = NamespaceIndex::of(objects.iter().map(|o| &**o));
    for item in objects {
        run.object(item);
    }
    run.finish()
}

/// One run of the injection over the objects of a list, object by object.
struct Run {
    injection: Injection,
    findings: Vec<Finding>,
    namespaces: NamespaceIndex,
    unknown_namespaces: Vec<String>,
    workloads: usize,
    local_workloads: usize,
    selected_workloads: usize,
}

impl Run {
    /// The run of the functionConfig's injection; its errors as findings when it has any.
    fn start(function_config: Option<&Node>) -> Result<Run, Vec<Finding>> {
        let injection = match config::load(function_config) {
            Ok(injection) => injection,
            Err(errors) => {
                let source = function_config.map(ObjectRef::of);
                return Err(errors
                    .into_iter()
                    .map(|e| {
                        let f = Finding::new(Severity::Error, e.message).at(e.path);
                        match &source {
                            Some(r) => f.about_ref(r),
                            None => f,
                        }
                    })
                    .collect());
            }
        };
        Ok(Run {
            findings: crate::advice::config_warnings(&injection),
            injection,
            namespaces: NamespaceIndex::default(),
            unknown_namespaces: Vec::new(),
            workloads: 0,
            local_workloads: 0,
            selected_workloads: 0,
        })
    }

    /// One item of a list read one at a time: its objects (those of a `kind: List` too). False when it holds a
    /// Namespace that an earlier workload asked for: the items before it would have been chosen with it.
    fn item(&mut self, item: &mut Node) -> bool {
        let objects = objects_mut(std::slice::from_mut(item), &mut self.findings);
        let mut in_time = true;
        for object in &objects {
            in_time &= self.namespaces.add(object);
        }
        if !in_time {
            return false;
        }
        for object in objects {
            self.object(object);
        }
        true
    }

    fn object(&mut self, item: &mut Node) {
        let injection = &self.injection;
        let findings = &mut self.findings;
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
            return;
        }
        let Some(workload) = select::workload(item, &injection.selection.workloads) else {
            self.local_workloads += usize::from(select::is_local_workload(item, &injection.selection.workloads));
            return;
        };
        self.workloads += 1;
        let mut choice = select::choose(item, workload, injection, &self.namespaces, findings);
        if choice.passed_selectors() {
            self.selected_workloads += 1;
        }
        if let Choice::NamespaceNotInInput(ns) = &choice {
            if !self.unknown_namespaces.contains(ns) {
                self.unknown_namespaces.push(ns.clone());
                findings.push(Finding::new(
                    Severity::Warning,
                    format!("namespace {ns:?} has no Namespace object in the input, so spec.namespaceSelector cannot select its workloads; they are not injected"),
                ).about_ref(&injection.source).at("spec.namespaceSelector"));
            }
        }
        if matches!(choice, Choice::Selected) && !injection.policy.remove {
            if let Some(warning) = TypeMeta::read(item).and_then(|t| retired_api_version(&t)) {
                findings.push(Finding::new(Severity::Warning, warning).about(item).at("apiVersion"));
            }
            // Not injected, so (as for a workload no longer selected) an earlier injection is taken out.
            if let Some((path, warning, why)) = select::left_alone(item, workload, injection) {
                findings.push(Finding::new(Severity::Warning, warning).about(item).at(path));
                choice = Choice::LeftAlone(why);
            }
        }
        let selected = matches!(choice, Choice::Selected);
        let result = if selected && !injection.policy.remove {
            inject::inject(item, workload, injection)
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
                    findings.extend(crate::advice::workload_warnings(item, workload, injection));
                }
                let why = match (&choice, injection.policy.remove) {
                    (_, true) => "spec.remove is true".to_string(),
                    (Choice::Declined(why) | Choice::LeftAlone(why), _) => why.clone(),
                    (Choice::NotSelected | Choice::NamespaceNotInInput(_), _) => "no longer selected".to_string(),
                    (Choice::Selected, _) => String::new(),
                };
                findings.push(Finding::new(Severity::Info, describe(&injection.name, &report, &why)).about(item));
            }
            Ok(Outcome::NothingToAdd(report)) => {
                for (path, message) in &report.warnings {
                    findings.push(Finding::new(Severity::Warning, message.clone()).about(item).at(path.clone()));
                }
                // Either the workload already has, as its own, everything the config adds (nothing to do, and a
                // status record alone would only restart its pods), or the parts go into app containers it lacks.
                let finding = if !report.own.is_empty() {
                    Finding::new(
                        Severity::Info,
                        format!(
                            "{:?} already in place: the workload's own {} already matched; they stay its own, and the workload is left as it is, without a status record",
                            injection.name,
                            report.own.join(", ")
                        ),
                    )
                } else {
                    Finding::new(
                        Severity::Warning,
                        format!(
                            "{:?} has nothing to add to this workload (its parts go into app containers it lacks); left as it is, without a status record",
                            injection.name
                        ),
                    )
                    .at(workload.pod_spec_field().key("containers"))
                };
                findings.push(finding.about(item));
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

    /// The findings, with what only the whole run can tell.
    fn finish(mut self) -> Vec<Finding> {
        let (injection, findings) = (&self.injection, &mut self.findings);
        // After an error nothing is injected anyway, and the error says why.
        if self.selected_workloads == 0 && !injection.policy.remove && !has_errors(findings) {
            findings.push(nothing_selected(injection, self.workloads, self.local_workloads));
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
        self.findings
    }
}

/// The objects of the input, with the items of each `kind: List` (what `kubectl get -o yaml` prints) in place
/// of the List, which is kept as it is around them.
fn objects_mut<'a>(items: &'a mut [Node], findings: &mut Vec<Finding>) -> Vec<&'a mut Node> {
    let mut objects = Vec::new();
    for item in items {
        if !TypeMeta::read(item).is_some_and(|t| t.api_version == "v1" && t.kind == "List") {
            objects.push(item);
            continue;
        }
        let list = ObjectRef::of(item);
        match item.as_mapping_mut().and_then(|m| m.get_mut("items")) {
            None => {}
            Some(Node::Sequence(inner)) => objects.extend(objects_mut(&mut inner.items, findings)),
            Some(n) if n.is_null() => {}
            Some(other) => findings.push(
                Finding::new(Severity::Error, format!("expected a list, found {}", other.describe()))
                    .about_ref(&list)
                    .at("items"),
            ),
        }
    }
    objects
}

/// The warning for an injection that selected no workload: silence would say it did its work.
fn nothing_selected(injection: &Injection, workloads: usize, local_workloads: usize) -> Finding {
    let selection = &injection.selection;
    let mut criteria = Vec::new();
    describe_selector(&selection.selector, "spec.selector", &mut criteria);
    if let Some(exclude) = &selection.exclude {
        describe_selector(exclude, "spec.exclude", &mut criteria);
    }
    if let Some(ls) = &selection.namespace_selector {
        criteria.push(format!("spec.namespaceSelector {}", ls.describe()));
    }
    let message = match (workloads, criteria.is_empty()) {
        (0, _) if local_workloads > 0 => format!(
            "injection {:?} selected no workload: the input has none that is deployed ({local_workloads} marked {LOCAL_CONFIG_ANNOTATION}: \"true\")",
            injection.name
        ),
        (0, _) => format!(
            "injection {:?} selected no workload: the input has none (no object of a kind with a pod template: {})",
            injection.name,
            selection.workloads.kind_names().join(", ")
        ),
        (n, true) => format!("injection {:?} selected no workload (the input has {n})", injection.name),
        (n, false) => format!(
            "injection {:?} selected no workload (the input has {n}); it selects on {}",
            injection.name,
            criteria.join("; ")
        ),
    };
    Finding::new(Severity::Warning, message).about_ref(&injection.source)
}

fn describe_selector(selector: &select::Selector, field: &str, out: &mut Vec<String>) {
    let globs = |globs: &[String]| globs.iter().map(|g| format!("{g:?}")).collect::<Vec<_>>().join(", ");
    if !selector.kinds.is_empty() {
        out.push(format!("{field}.kinds [{}]", selector.kinds.join(", ")));
    }
    if !selector.names.is_empty() {
        out.push(format!("{field}.names [{}]", globs(&selector.names)));
    }
    if !selector.namespaces.is_empty() {
        out.push(format!("{field}.namespaces [{}]", globs(&selector.namespaces)));
    }
    if let Some(ls) = &selector.label_selector {
        out.push(format!("{field}.labelSelector {}", ls.describe()));
    }
    if let Some(ls) = &selector.pod_selector {
        out.push(format!("{field}.podSelector {}", ls.describe()));
    }
}

/// The info result's message.
fn describe(name: &str, report: &inject::Report, why: &str) -> String {
    // Written into one string: a message for every injected workload.
    use std::fmt::Write;
    let mut s = String::with_capacity(128);
    let (verb, after) = match (why.is_empty(), report.upgraded) {
        (false, _) => ("took ", " out ("),
        (true, true) => ("upgraded ", " (its config changed)"),
        (true, false) => ("injected ", ""),
    };
    let _ = write!(s, "{verb}{name:?}{after}");
    if !why.is_empty() {
        s.push_str(why);
        s.push(')');
    }
    let lists: [(&str, &[String]); 4] = [
        ("removed ", &report.removed),
        ("added ", &report.added),
        ("updated ", &report.updated),
        ("overwrote hand-edited ", &report.overwritten),
    ];
    let mut parts = 0;
    let mut part = |s: &mut String, pieces: &[&str]| {
        s.push_str(if parts == 0 { ": " } else { "; " });
        parts += 1;
        pieces.iter().for_each(|p| s.push_str(p));
    };
    for (head, names) in lists {
        if !names.is_empty() {
            part(&mut s, &[head, &names.join(", ")]);
        }
    }
    for conflict in &report.conflicts {
        part(&mut s, &[conflict]);
    }
    if !report.restored.is_empty() {
        part(&mut s, &["gave back the workload's own ", &report.restored.join(", "), " as it declared it"]);
    }
    if !report.own.is_empty() {
        part(&mut s, &["the workload's own ", &report.own.join(", "), " already matched; they stay its own"]);
    }
    if parts == 0 {
        s.push_str(": everything was already in place; recorded it in ");
        s.push_str(crate::keys::STATUS_ANNOTATION);
    }
    s
}
