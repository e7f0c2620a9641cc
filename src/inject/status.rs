//! The status record: the annotation `sidecar-injector.dev/status` on the pod template says, per injection, the
//! hash of the config that was applied and exactly what it added. With it a re-run can tell "already there"
//! from "upgraded", take out exactly what an old config added, notice hand-edits, and remove an injection.
//!
//! The value is one line of JSON (readable by `kubectl get -o jsonpath` and jq), injections sorted by name, empty
//! parts left out:
//! `{"log-shipper":{"config":"9f3c…","containers":{"fluent-bit":"a1b2…"},"volumes":{"logs":"…"},"env":{"app":["LOG_DIR"]}}}`
//! Containers and volumes carry the hash of what was inserted, so a changed one is known to be a hand-edit.

use super::parts::{Place, Shape, PARTS};
use lossless_yaml::{parse_stream, Node};

/// What one injection added to one pod template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    /// The injection's config hash.
    pub(crate) config: String,
    /// Per row of [`PARTS`], in its order.
    pub(crate) parts: Vec<Entries>,
    /// What the workload itself had where the injection put its parts, as YAML text, by place: a list or map
    /// it had empty or null (`spec/volumes`, `metadata/annotations`, `spec/containers/app/env`), which taking
    /// the injection out gives back as written rather than dropping; its own container a sidecar was merged
    /// over or replaced (`spec/containers/envoy`); its own entry replaced under onConflict: Replace
    /// (`spec/volumes#logs`, `spec/containers/app/env#LOG_LEVEL`, `metadata/annotations#team`: the list's place,
    /// `#`, the entry's identity).
    pub(crate) before: Vec<(String, String)>,
}

/// What a record keeps for one part kind, in the row's [`Shape`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Entries {
    /// Identity -> hash of the inserted node.
    Hashes(Vec<(String, String)>),
    /// App container name -> the identities added to it.
    PerContainer(Vec<(String, Vec<String>)>),
    /// Identities.
    Keys(Vec<String>),
}

impl Entries {
    fn empty(shape: Shape) -> Entries {
        match shape {
            Shape::Hashes => Entries::Hashes(Vec::new()),
            Shape::PerContainer => Entries::PerContainer(Vec::new()),
            Shape::Keys => Entries::Keys(Vec::new()),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Entries::Hashes(e) => e.is_empty(),
            Entries::PerContainer(e) => e.is_empty(),
            Entries::Keys(e) => e.is_empty(),
        }
    }

    /// The identities, with the hash where the shape keeps one ("" otherwise).
    pub(crate) fn hashes(&self) -> &[(String, String)] {
        match self {
            Entries::Hashes(e) => e,
            _ => &[],
        }
    }

    /// The hash recorded for `name`: `Some("")` where the shape keeps names only.
    pub(crate) fn recorded(&self, name: &str) -> Option<&str> {
        match self {
            Entries::Hashes(e) => e.iter().find(|(n, _)| n == name).map(|(_, h)| h.as_str()),
            Entries::Keys(e) => e.iter().any(|n| n == name).then_some(""),
            Entries::PerContainer(_) => None,
        }
    }

    /// Whether `name` was added to the app container `container`.
    pub(crate) fn recorded_in(&self, container: &str, name: &str) -> bool {
        match self {
            Entries::PerContainer(e) => e.iter().any(|(c, names)| c == container && names.iter().any(|n| n == name)),
            _ => false,
        }
    }

    /// Records `name`, added with a node whose meaning hashes to `hash`.
    pub(crate) fn push(&mut self, name: &str, hash: String) {
        match self {
            Entries::Hashes(e) => e.push((name.to_string(), hash)),
            Entries::Keys(e) => e.push(name.to_string()),
            Entries::PerContainer(_) => unreachable!("per-container parts are recorded with push_in"),
        }
    }

    /// Records what was added to one app container (nothing: no entry).
    pub(crate) fn push_in(&mut self, container: &str, names: Vec<String>) {
        if let (Entries::PerContainer(e), false) = (self, names.is_empty()) {
            e.push((container.to_string(), names));
        }
    }

    /// The identities, without hashes (for Hashes and Keys shapes).
    pub(crate) fn names(&self) -> Vec<&str> {
        match self {
            Entries::Hashes(e) => e.iter().map(|(n, _)| n.as_str()).collect(),
            Entries::Keys(e) => e.iter().map(String::as_str).collect(),
            Entries::PerContainer(_) => Vec::new(),
        }
    }

    /// App container name -> identities (for the PerContainer shape).
    pub(crate) fn per_container(&self) -> &[(String, Vec<String>)] {
        match self {
            Entries::PerContainer(e) => e,
            _ => &[],
        }
    }
}

impl Record {
    /// A record of nothing added yet, for the config whose hash is `config`.
    pub(crate) fn new(config: impl Into<String>) -> Record {
        Record {
            config: config.into(),
            parts: PARTS.iter().map(|k| Entries::empty(k.record)).collect(),
            before: Vec::new(),
        }
    }

    /// Whether the record kept what the workload had at `place`.
    pub(crate) fn kept(&self, place: &str) -> bool {
        self.before.iter().any(|(p, _)| p == place)
    }

    /// What the workload had at `place` before the injection, if the record kept it.
    pub(crate) fn before(&self, place: &str) -> Option<Node> {
        let (_, text) = self.before.iter().find(|(p, _)| p == place)?;
        parse_stream(text.as_bytes()).ok()?.into_iter().next().map(|d| d.root)
    }

    /// Names no part: the injection added (or adopted) nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.parts.iter().all(Entries::is_empty) && self.before.is_empty()
    }
}

impl Default for Record {
    fn default() -> Record {
        Record::new("")
    }
}

/// Every injection's record on one pod template, sorted by injection name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Status {
    records: Vec<(String, Record)>,
}

impl Status {
    /// Reads the annotation's value.
    pub(crate) fn parse(text: &str) -> Result<Status, String> {
        let docs = parse_stream(text.as_bytes()).map_err(|e| e.to_string())?;
        let root = match docs.as_slice() {
            [] => return Ok(Status::default()),
            [doc] => &doc.root,
            _ => return Err("more than one document".into()),
        };
        let map = root.as_mapping().ok_or("expected a JSON object")?;
        let mut records = Vec::new();
        for (name, value) in &map.entries {
            let name = name.as_str().ok_or("injection names must be strings")?.to_string();
            records.push((name, Record::from_node(value)?));
        }
        records.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Status { records })
    }

    /// Takes out the record of the injection `name`.
    pub(crate) fn take(&mut self, name: &str) -> Option<Record> {
        let index = self.records.iter().position(|(n, _)| n == name)?;
        Some(self.records.remove(index).1)
    }

    /// Sets the record of the injection `name`.
    pub(crate) fn put(&mut self, name: &str, record: Record) {
        self.take(name);
        self.records.push((name.to_string(), record));
        self.records.sort_by(|a, b| a.0.cmp(&b.0));
    }

    /// Gives `entries` of a record taken out (what the workload had where the status annotation stands) to the
    /// first remaining record that lacks them: taking out the last injection then still gives them back.
    pub(crate) fn hand_over(&mut self, entries: impl Iterator<Item = (String, String)>) {
        let Some((_, record)) = self.records.first_mut() else { return };
        for (place, text) in entries {
            if !record.kept(&place) {
                record.before.push((place, text));
            }
        }
    }

    /// Names of every container any injection added.
    pub(crate) fn injected_containers(&self) -> impl Iterator<Item = &str> {
        self.records
            .iter()
            .flat_map(|(_, r)| PARTS.iter().zip(&r.parts).filter(|(k, _)| k.place == Place::Containers))
            .flat_map(|(_, entries)| entries.hashes())
            .map(|(name, _)| name.as_str())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The annotation's value.
    pub(crate) fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        out.push('{');
        for (i, (name, record)) in self.records.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_string(name, &mut out);
            out.push(':');
            record.write_json(&mut out);
        }
        out.push('}');
        out
    }
}

impl Record {
    fn from_node(node: &Node) -> Result<Record, String> {
        let map = node.as_mapping().ok_or("each injection's record must be an object")?;
        let object = |key: &str| -> Result<Option<&lossless_yaml::Mapping>, String> {
            let Some(m) = map.get(key) else { return Ok(None) };
            m.as_mapping().map(Some).ok_or(format!("{key}: expected an object"))
        };
        let mut parts = Vec::new();
        for kind in PARTS {
            let key = kind.field;
            let entries = match kind.record {
                Shape::Hashes => Entries::Hashes(match object(key)? {
                    None => Vec::new(),
                    Some(m) => m
                        .entries
                        .iter()
                        .map(|(k, v)| match (k.as_str(), v.as_str()) {
                            (Some(k), Some(v)) => Ok((k.to_string(), v.to_string())),
                            _ => Err(format!("{key}: expected string names and hashes")),
                        })
                        .collect::<Result<_, _>>()?,
                }),
                Shape::PerContainer => Entries::PerContainer(match object(key)? {
                    None => Vec::new(),
                    Some(m) => m
                        .entries
                        .iter()
                        .map(|(k, v)| {
                            let k = k.as_str().ok_or(format!("{key}: expected string container names"))?;
                            let names = strings(Some(v)).ok_or(format!("{key}.{k}: expected a list of strings"))?;
                            Ok((k.to_string(), names))
                        })
                        .collect::<Result<_, String>>()?,
                }),
                Shape::Keys => {
                    Entries::Keys(strings(map.get(key)).ok_or(format!("{key}: expected a list of strings"))?)
                }
            };
            parts.push(entries);
        }
        let before = match object("before")? {
            None => Vec::new(),
            Some(m) => m
                .entries
                .iter()
                .map(|(k, v)| match (k.as_str(), v.as_str()) {
                    (Some(k), Some(v)) if parse_stream(v.as_bytes()).is_ok_and(|d| d.len() == 1) => {
                        Ok((k.to_string(), v.to_string()))
                    }
                    _ => Err("before: expected places and the YAML of one node each".to_string()),
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Record { config: map.get("config").and_then(Node::as_str).unwrap_or_default().to_string(), parts, before })
    }

    fn write_json(&self, out: &mut String) {
        out.push_str("{\"config\":");
        json_string(&self.config, out);
        for (kind, entries) in PARTS.iter().zip(&self.parts) {
            if entries.is_empty() {
                continue;
            }
            out.push_str(",\"");
            out.push_str(kind.field);
            out.push_str("\":");
            match entries {
                Entries::Hashes(entries) => json_object(entries, |hash, out| json_string(hash, out), out),
                Entries::PerContainer(entries) => json_object(entries, |names, out| json_list(names, out), out),
                Entries::Keys(names) => json_list(names, out),
            }
        }
        // After the table's rows, whose order is the record's key order.
        if !self.before.is_empty() {
            out.push_str(",\"before\":");
            json_object(&self.before, |text, out| json_string(text, out), out);
        }
        out.push('}');
    }
}

fn strings(node: Option<&Node>) -> Option<Vec<String>> {
    match node {
        None => Some(Vec::new()),
        Some(n) => n.as_sequence()?.items.iter().map(|i| i.as_str().map(str::to_string)).collect(),
    }
}

/// `{"name": value, ...}`, in order.
fn json_object<T>(entries: &[(String, T)], value: impl Fn(&T, &mut String), out: &mut String) {
    out.push('{');
    for (i, (name, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(name, out);
        out.push(':');
        value(v, out);
    }
    out.push('}');
}

fn json_list(names: &[String], out: &mut String) {
    out.push('[');
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(name, out);
    }
    out.push(']');
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    // Names and hashes, almost always: nothing to escape.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\' && b != 0x7f) {
        out.push_str(s);
        out.push('"');
        return;
    }
    // The text between escapes goes in whole: a record is written for every injected workload.
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            // The YAML of a declaration kept under `before` has many.
            b'\n' => Some("\\n"),
            0..0x20 | 0x7f => None,
            _ => continue,
        };
        out.push_str(&s[from..i]);
        match escape {
            Some(escape) => out.push_str(escape),
            None => out.push_str(&format!("\\u{b:04x}")),
        }
        from = i + 1;
    }
    out.push_str(&s[from..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::super::parts::{ANNOTATIONS, CONTAINERS};
    use super::*;

    fn record(config: &str, rows: &[(usize, Entries)]) -> Record {
        let mut record = Record::new(config);
        for (index, entries) in rows {
            record.parts[*index] = entries.clone();
        }
        record
    }

    #[test]
    fn a_json_string_reads_back_as_its_text() {
        let mut text: String = (0u8..0x80).map(char::from).collect();
        text.push_str("é\u{2028}😀\"\\end");
        for s in [text.as_str(), "", "plain", "\"", "a\nb\\"] {
            let mut out = String::new();
            json_string(s, &mut out);
            assert_eq!(serde_json::from_str::<String>(&out).expect("JSON"), s, "{out}");
        }
    }

    #[test]
    fn a_status_record_round_trips_through_its_json() {
        let mut status = Status::default();
        status.put("zeta", record("1", &[(ANNOTATIONS, Entries::Keys(vec!["a/b".into()]))]));
        let env = PARTS.iter().position(|k| k.field == "env").unwrap();
        status.put(
            "alpha",
            record(
                "2",
                &[
                    (CONTAINERS, Entries::Hashes(vec![("c\"x".into(), "h".into())])),
                    (env, Entries::PerContainer(vec![("app".into(), vec!["A".into(), "B".into()])])),
                ],
            ),
        );
        let json = status.to_json();
        assert_eq!(
            json,
            r#"{"alpha":{"config":"2","containers":{"c\"x":"h"},"env":{"app":["A","B"]}},"zeta":{"config":"1","annotations":["a/b"]}}"#
        );
        assert_eq!(Status::parse(&json).unwrap(), status);
    }

    #[test]
    fn what_the_workload_had_before_round_trips_as_yaml_text() {
        let mut with_before = record("3", &[]);
        with_before.before = vec![("spec/volumes".into(), "[]".into()), ("spec/containers/app/env".into(), "~".into())];
        let mut status = Status::default();
        status.put("x", with_before);
        let json = status.to_json();
        assert_eq!(json, r#"{"x":{"config":"3","before":{"spec/volumes":"[]","spec/containers/app/env":"~"}}}"#);
        let back = Status::parse(&json).unwrap();
        assert_eq!(back, status);
        let record = back.records[0].1.clone();
        assert!(record.before("spec/volumes").is_some_and(|n| n.as_sequence().is_some_and(|s| s.items.is_empty())));
        assert!(record.before("spec/containers/app/env").is_some_and(|n| n.is_null()));
        assert!(record.before("metadata").is_none());
    }

    #[test]
    fn a_malformed_status_record_is_an_error_not_a_panic() {
        for bad in [
            "[1]",
            "{\"a\": 1}",
            "{\"a\": {\"before\": {\"spec/volumes\": 1}}}",
            "{\"a\": {\"containers\": [1]}}",
            "{\"a\": {\"env\": {\"app\": \"x\"}}}",
            "{",
        ] {
            assert!(Status::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Status::parse("").unwrap(), Status::default());
    }
}
