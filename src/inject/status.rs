//! The status record: the annotation `sidecar-injector.dev/status` on the pod template says, per injection, the
//! hash of the config that was applied and exactly what it added. With it a re-run can tell "already there"
//! from "upgraded", take out exactly what an old config added, notice hand-edits, and remove an injection.
//!
//! The value is one line of JSON (readable by `kubectl get -o jsonpath` and jq), injections sorted by name, empty
//! parts left out:
//! `{"log-shipper":{"config":"9f3c…","containers":{"fluent-bit":"a1b2…"},"volumes":{"logs":"…"},"env":{"app":["LOG_DIR"]}}}`
//! Containers and volumes carry the hash of what was inserted, so a changed one is known to be a hand-edit.

use lossless_yaml::{parse_stream, Node};

pub const STATUS_ANNOTATION: &str = "sidecar-injector.dev/status";

/// What one injection added to one pod template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Record {
    /// The injection's config hash.
    pub config: String,
    /// Name -> hash of the inserted node.
    pub containers: Vec<(String, String)>,
    pub init_containers: Vec<(String, String)>,
    pub volumes: Vec<(String, String)>,
    /// App container name -> what was added to it.
    pub env: Vec<(String, Vec<String>)>,
    pub env_from: Vec<(String, Vec<String>)>,
    pub volume_mounts: Vec<(String, Vec<String>)>,
    /// Keys on the pod template's metadata.
    pub annotations: Vec<String>,
    pub labels: Vec<String>,
    pub image_pull_secrets: Vec<String>,
}

/// Every injection's record on one pod template, sorted by injection name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Status {
    pub records: Vec<(String, Record)>,
}

impl Status {
    /// Reads the annotation's value.
    pub fn parse(text: &str) -> Result<Status, String> {
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

    pub fn get(&self, name: &str) -> Option<&Record> {
        self.records.iter().find(|(n, _)| n == name).map(|(_, r)| r)
    }

    pub fn take(&mut self, name: &str) -> Option<Record> {
        let index = self.records.iter().position(|(n, _)| n == name)?;
        Some(self.records.remove(index).1)
    }

    pub fn put(&mut self, name: &str, record: Record) {
        self.take(name);
        self.records.push((name.to_string(), record));
        self.records.sort_by(|a, b| a.0.cmp(&b.0));
    }

    /// Names of every container any injection added.
    pub fn injected_containers(&self) -> impl Iterator<Item = &str> {
        self.records
            .iter()
            .flat_map(|(_, r)| r.containers.iter().chain(&r.init_containers))
            .map(|(name, _)| name.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The annotation's value.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
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
        let hashes = |key: &str| -> Result<Vec<(String, String)>, String> {
            let Some(m) = map.get(key) else { return Ok(Vec::new()) };
            let m = m.as_mapping().ok_or(format!("{key}: expected an object"))?;
            m.entries
                .iter()
                .map(|(k, v)| match (k.as_str(), v.as_str()) {
                    (Some(k), Some(v)) => Ok((k.to_string(), v.to_string())),
                    _ => Err(format!("{key}: expected string names and hashes")),
                })
                .collect()
        };
        let lists = |key: &str| -> Result<Vec<(String, Vec<String>)>, String> {
            let Some(m) = map.get(key) else { return Ok(Vec::new()) };
            let m = m.as_mapping().ok_or(format!("{key}: expected an object"))?;
            m.entries
                .iter()
                .map(|(k, v)| {
                    let k = k.as_str().ok_or(format!("{key}: expected string container names"))?;
                    Ok((k.to_string(), strings(Some(v)).ok_or(format!("{key}.{k}: expected a list of strings"))?))
                })
                .collect()
        };
        let list = |key: &str| strings(map.get(key)).ok_or(format!("{key}: expected a list of strings"));
        Ok(Record {
            config: map.get("config").and_then(Node::as_str).unwrap_or_default().to_string(),
            containers: hashes("containers")?,
            init_containers: hashes("initContainers")?,
            volumes: hashes("volumes")?,
            env: lists("env")?,
            env_from: lists("envFrom")?,
            volume_mounts: lists("volumeMounts")?,
            annotations: list("annotations")?,
            labels: list("labels")?,
            image_pull_secrets: list("imagePullSecrets")?,
        })
    }

    fn write_json(&self, out: &mut String) {
        out.push_str("{\"config\":");
        json_string(&self.config, out);
        for (key, entries) in
            [("containers", &self.containers), ("initContainers", &self.init_containers), ("volumes", &self.volumes)]
        {
            if entries.is_empty() {
                continue;
            }
            out.push_str(&format!(",\"{key}\":{{"));
            for (i, (name, hash)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(name, out);
                out.push(':');
                json_string(hash, out);
            }
            out.push('}');
        }
        for (key, entries) in [("env", &self.env), ("envFrom", &self.env_from), ("volumeMounts", &self.volume_mounts)] {
            if entries.is_empty() {
                continue;
            }
            out.push_str(&format!(",\"{key}\":{{"));
            for (i, (container, names)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(container, out);
                out.push(':');
                json_list(names, out);
            }
            out.push('}');
        }
        for (key, names) in [
            ("annotations", &self.annotations),
            ("labels", &self.labels),
            ("imagePullSecrets", &self.image_pull_secrets),
        ] {
            if !names.is_empty() {
                out.push_str(&format!(",\"{key}\":"));
                json_list(names, out);
            }
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
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut status = Status::default();
        status.put("zeta", Record { config: "1".into(), annotations: vec!["a/b".into()], ..Default::default() });
        status.put(
            "alpha",
            Record {
                config: "2".into(),
                containers: vec![("c\"x".into(), "h".into())],
                env: vec![("app".into(), vec!["A".into(), "B".into()])],
                ..Default::default()
            },
        );
        let json = status.to_json();
        assert_eq!(
            json,
            r#"{"alpha":{"config":"2","containers":{"c\"x":"h"},"env":{"app":["A","B"]}},"zeta":{"config":"1","annotations":["a/b"]}}"#
        );
        assert_eq!(Status::parse(&json).unwrap(), status);
    }

    #[test]
    fn bad_records_are_errors_not_panics() {
        for bad in ["[1]", "{\"a\": 1}", "{\"a\": {\"containers\": [1]}}", "{\"a\": {\"env\": {\"app\": \"x\"}}}", "{"]
        {
            assert!(Status::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Status::parse("").unwrap(), Status::default());
    }
}
