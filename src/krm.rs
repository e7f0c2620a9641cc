//! The KRM Functions Specification's envelope: a `ResourceList` in, the same `ResourceList` out with `results`.
//!
//! The envelope is kept as read: unknown top-level keys, the functionConfig, and every item come back as they
//! were, apart from what the injection changes in the items.

use crate::keys::{INDEX_ANNOTATIONS, PATH_ANNOTATIONS, RESOURCE_LIST_API_VERSIONS as API_VERSIONS};
use crate::workload::ObjectRef;
use lossless_yaml::{emit_document_from, parse_stream, Document, Mapping, Node, Sequence};

/// A parsed ResourceList.
pub struct ResourceList {
    root: Mapping,
    version: Option<(i32, i32)>,
}

/// The input was not a ResourceList this function can read; nothing can be written back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl ResourceList {
    pub fn read(input: &[u8]) -> Result<ResourceList, InputError> {
        let docs = parse_stream(input).map_err(|e| InputError(format!("input is not valid YAML: {e}")))?;
        ResourceList::of(docs)
    }

    /// The list of the documents read: exactly one, a ResourceList.
    pub fn of(mut docs: Vec<Document>) -> Result<ResourceList, InputError> {
        if docs.len() != 1 {
            return Err(InputError(format!(
                "expected one ResourceList document on stdin, found {} documents (a plain stream of resources is read only in the legacy kustomize plugin mode)",
                docs.len()
            )));
        }
        let doc = docs.remove(0);
        let root = match doc.root {
            Node::Mapping(m) => m,
            other => return Err(InputError(format!("expected a ResourceList, found {}", other.describe()))),
        };
        let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
        let api_version = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
        if kind != "ResourceList" || !API_VERSIONS.contains(&api_version) {
            return Err(InputError(format!(
                "expected kind ResourceList with apiVersion config.kubernetes.io/v1, found kind {kind:?} apiVersion {api_version:?}"
            )));
        }
        match root.get("items") {
            None | Some(Node::Sequence(_)) => {}
            Some(n) if n.is_null() => {}
            Some(other) => return Err(InputError(format!("items: expected a list, found {}", other.describe()))),
        }
        Ok(ResourceList { root, version: doc.version })
    }

    /// The functionConfig, unless absent or null.
    pub fn function_config(&self) -> Option<&Node> {
        self.root.get("functionConfig").filter(|n| !n.is_null())
    }

    /// Where the `functionConfig` key was read.
    pub fn function_config_key_at(&self) -> Option<usize> {
        let (key, _) = self.root.entries.iter().find(|(k, _)| k.as_str() == Some("functionConfig"))?;
        key.span().map(|(start, _)| start)
    }

    /// The items, as a list that may be edited in place (created if the input had none).
    pub fn items_mut(&mut self) -> &mut Vec<Node> {
        let items = self.root.entry("items", Node::sequence);
        if !matches!(items, Node::Sequence(_)) {
            *items = Node::sequence();
        }
        match items {
            Node::Sequence(seq) => &mut seq.items,
            _ => unreachable!("made a sequence just above"),
        }
    }

    /// Splits into the functionConfig (read-only) and the items (to edit).
    pub fn config_and_items(&mut self) -> (Option<Node>, &mut Vec<Node>) {
        let config = self.function_config().cloned();
        (config, self.items_mut())
    }

    /// The list's document, with `results` set (left as read when there are none).
    pub fn into_document(mut self, results: &[Finding]) -> Document {
        if !results.is_empty() {
            let list = Sequence { items: results.iter().map(Finding::to_node).collect(), ..Default::default() };
            self.root.insert("results", Node::Sequence(list));
        }
        Document { root: Node::Mapping(self.root), version: self.version }
    }

    /// Whether the list has the top-level key `key`.
    pub fn has_key(&self, key: &str) -> bool {
        self.root.get(key).is_some()
    }

    /// Whether `key` stands before `items` among the list's top-level keys.
    pub fn has_before_items(&self, key: &str) -> bool {
        let keys: Vec<&str> = self.root.keys().collect();
        let at = |k: &str| keys.iter().position(|x| *x == k);
        matches!((at(key), at("items")), (Some(a), Some(b)) if a < b)
    }

    /// Writes the list with `results` set (left as read when there are none). `input` is the text the list was
    /// read from: what the function did not change is written back as it was there, byte for byte.
    pub fn write(self, input: &[u8], results: &[Finding]) -> String {
        emit_document_from(&self.into_document(results), input)
    }
}

/// The functionConfig of a ResourceList's text, found before the items are read: the value under a
/// `functionConfig:` written at the start of a line, read on its own (up to the next line that starts with
/// anything but a blank or a comment). What it finds is checked against the whole read afterwards
/// ([`ResourceList::function_config`] and the key's place): kpt and kustomize write the functionConfig after the
/// items, and the items are injected as they are read.
///
/// `None` when such an entry cannot be read on its own; `Some(None)` when there is none.
pub fn function_config_ahead(input: &[u8]) -> Option<Option<(Node, usize)>> {
    const KEY: &[u8] = b"functionConfig:";
    // Looked for from the end, where kpt and kustomize write it: the rest of the list is not read twice. (Had
    // the list another such line, what is found here is not the list's functionConfig, and the check after the
    // whole read says so.)
    let mut end = input.len();
    let key_at = loop {
        let Some(i) = memrfind(&input[..end], KEY) else { return Some(None) };
        let line_start = i == 0 || input[i - 1] == b'\n';
        if line_start && matches!(input.get(i + KEY.len()), None | Some(b' ' | b'\t' | b'\n' | b'\r' | b'#')) {
            break i;
        }
        end = i + KEY.len() - 1;
    };
    // The entry runs to the next line that starts with text (another key, `---`, `...`).
    let mut end = input.len();
    let mut line = key_at;
    while let Some(nl) = input[line..].iter().position(|&b| b == b'\n') {
        line += nl + 1;
        if matches!(input.get(line), Some(b) if !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'#')) {
            end = line;
            break;
        }
    }
    let mut docs = lossless_yaml::parse_part(input, key_at..end).ok()?;
    let Some(Node::Mapping(mut m)) = docs.pop().map(|d| d.root) else { return None };
    if !docs.is_empty() || m.entries.len() != 1 {
        return None;
    }
    let value = m.remove("functionConfig")?;
    Some((!value.is_null()).then_some((value, key_at)))
}

/// Where `needle` last occurs in `haystack`. It looks for the needle's rarest-looking byte (an upper-case
/// letter in `functionConfig:`) eight bytes at a time: a byte-by-byte loop over a list cost as much as a tenth
/// of the run beyond reading and writing it.
fn memrfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let pivot = needle.iter().position(u8::is_ascii_uppercase).unwrap_or(0);
    // Where a needle could end: no later than the haystack's end.
    let mut end = (haystack.len() + 1).checked_sub(needle.len() - pivot)?;
    while let Some(i) = rfind_byte(&haystack[..end], needle[pivot]) {
        if let Some(start) = i.checked_sub(pivot) {
            if haystack[start..].starts_with(needle) {
                return Some(start);
            }
        }
        end = i;
    }
    None
}

/// Where `byte` last occurs in `haystack`, eight bytes to a step: a word whose XOR with the byte repeated has a
/// zero byte holds it.
fn rfind_byte(haystack: &[u8], byte: u8) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let repeated = u64::from_ne_bytes([byte; 8]);
    let mut words = haystack.rchunks_exact(8);
    let mut end = haystack.len();
    for word in &mut words {
        let bytes: [u8; 8] = word.try_into().expect("chunks of eight");
        let x = u64::from_ne_bytes(bytes) ^ repeated;
        end -= 8;
        if x.wrapping_sub(ONES) & !x & HIGHS != 0 {
            return word.iter().rposition(|&b| b == byte).map(|i| end + i);
        }
    }
    words.remainder().iter().rposition(|&b| b == byte)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One entry of the ResourceList's `results`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub message: String,
    /// The object the finding is about: a workload, or the functionConfig.
    pub resource: Option<ObjectRef>,
    /// The field path inside that object.
    pub field: Option<String>,
    /// The file the object came from, and its index there (from the host's path/index annotations).
    pub file: Option<(String, Option<String>)>,
}

impl Finding {
    pub fn new(severity: Severity, message: impl Into<String>) -> Finding {
        Finding { severity, message: message.into(), resource: None, field: None, file: None }
    }

    /// About an item of the list: names it and the file it came from.
    pub fn about(mut self, object: &Node) -> Finding {
        self.resource = Some(ObjectRef::of(object));
        self.file = file_of(object);
        self
    }

    pub fn about_ref(mut self, object: &ObjectRef) -> Finding {
        self.resource = Some(object.clone());
        self
    }

    pub fn at(mut self, path: impl Into<String>) -> Finding {
        self.field = Some(path.into());
        self
    }

    /// The result as an item of the list's `results`. [`Finding::write_new`] writes the same mapping straight
    /// into new text: the two must agree (the item-by-item tests compare both ways' output on every case).
    pub fn to_node(&self) -> Node {
        let mut m = Mapping::default();
        m.insert("message", Node::string(&self.message));
        m.insert("severity", Node::string(self.severity.as_str()));
        if let Some(r) = &self.resource {
            let mut rr = Mapping::default();
            rr.insert("apiVersion", Node::string(&r.api_version));
            rr.insert("kind", Node::string(&r.kind));
            rr.insert("name", Node::string(&r.name));
            if let Some(ns) = &r.namespace {
                rr.insert("namespace", Node::string(ns));
            }
            m.insert("resourceRef", Node::Mapping(rr));
        }
        if let Some(path) = &self.field {
            let mut f = Mapping::default();
            f.insert("path", Node::string(path));
            m.insert("field", Node::Mapping(f));
        }
        if let Some((path, index)) = &self.file {
            let mut f = Mapping::default();
            f.insert("path", Node::string(path));
            if let Some(index) = index.as_ref().and_then(|i| i.parse::<i64>().ok()) {
                f.insert(
                    "index",
                    lossless_yaml::Node::Scalar(lossless_yaml::Scalar {
                        value: index.to_string().into(),
                        style: lossless_yaml::ScalarStyle::Plain,
                        props: Default::default(),
                    }),
                );
            }
            m.insert("file", Node::Mapping(f));
        }
        Node::Mapping(m)
    }

    /// [`Finding::to_node`] written straight into a list of new results: the same entries, in the same order.
    pub fn write_new(&self, m: &mut lossless_yaml::NewMapping<'_>) {
        m.string("message", &self.message);
        m.string("severity", self.severity.as_str());
        if let Some(r) = &self.resource {
            m.mapping("resourceRef", |rr| {
                rr.string("apiVersion", &r.api_version);
                rr.string("kind", &r.kind);
                rr.string("name", &r.name);
                if let Some(ns) = &r.namespace {
                    rr.string("namespace", ns);
                }
            });
        }
        if let Some(path) = &self.field {
            m.mapping("field", |f| f.string("path", path));
        }
        if let Some((path, index)) = &self.file {
            m.mapping("file", |f| {
                f.string("path", path);
                if let Some(index) = index.as_ref().and_then(|i| i.parse::<i64>().ok()) {
                    f.integer("index", index);
                }
            });
        }
    }

    /// One line for stderr or a terminal.
    pub fn line(&self) -> String {
        let mut s = String::from(self.severity.as_str());
        if let Some(r) = &self.resource {
            s.push_str(&format!(" [{r}]"));
        }
        s.push_str(": ");
        if let Some(path) = &self.field {
            s.push_str(&format!("{path}: "));
        }
        s.push_str(&self.message);
        // One line, whatever names from the input the message quotes (a key or a container name may hold a line
        // break): line breaks are shown escaped.
        if s.contains(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}']) {
            s = s
                .replace('\n', "\\n")
                .replace('\r', "\\r")
                .replace('\u{85}', "\\u0085")
                .replace('\u{2028}', "\\u2028")
                .replace('\u{2029}', "\\u2029");
        }
        s
    }
}

/// The file an item came from, from the annotations kpt and kustomize set.
fn file_of(object: &Node) -> Option<(String, Option<String>)> {
    let annotations = object.get("metadata")?.get("annotations")?;
    let text = |key: &str| annotations.get(key).and_then(Node::as_str).map(str::to_string);
    let first = |keys: [&str; 2]| keys.into_iter().find_map(text);
    let path = first(PATH_ANNOTATIONS)?;
    let index = first(INDEX_ANNOTATIONS);
    Some((path, index))
}

#[cfg(test)]
mod tests {
    use super::memrfind;

    #[test]
    fn memrfind_finds_the_last_occurrence_wherever_it_lies() {
        let needle = b"functionConfig:";
        let naive = |hay: &[u8]| {
            (hay.len() >= needle.len()).then(|| hay.windows(needle.len()).rposition(|w| w == needle)).flatten()
        };
        for len in 0..40 {
            for at in 0..=len {
                // Near-misses around the needle: the pivot byte alone, a needle cut short, at either end.
                let mut hay = b"C functionConfigC".repeat(len / 8 + 1);
                hay.truncate(at);
                assert_eq!(memrfind(&hay, needle), naive(&hay), "{:?}", String::from_utf8_lossy(&hay));
                let mut with = b"functionConfig: first, then ".to_vec();
                with.extend_from_slice(&hay);
                with.extend_from_slice(needle);
                let last = with.len() - needle.len();
                with.extend_from_slice(&hay);
                assert_eq!(memrfind(&with, needle), Some(last), "{:?}", String::from_utf8_lossy(&with));
            }
        }
    }
}
