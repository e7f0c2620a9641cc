//! Compiles `schemas/sidecar-injector.schema.json` into `$OUT_DIR/schema_tables.rs`: flat static tables that
//! `src/config/schema.rs` walks, so the module neither carries a JSON Schema engine (2 MB of wasm) nor parses
//! JSON at start-up.
//!
//! The compiler accepts only the keywords the validator implements and fails the build on any other, so the
//! schema editors see and the checks the function makes cannot drift apart silently.
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Map, Value};

const SCHEMA: &str = "schemas/sidecar-injector.schema.json";
/// Must equal `QUANTITY_PATTERN` in tools/gen-schema/src/main.rs: `src/config/schema.rs` matches this language by hand.
const QUANTITY_PATTERN: &str = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$";
/// Keywords that carry no constraint the function enforces (`format` is an annotation in draft 2020-12).
const IGNORED: &[&str] = &["description", "title", "format", "$schema", "$id", "$comment"];

fn main() {
    println!("cargo:rerun-if-changed={SCHEMA}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=tests/support/case_list.rs");
    println!("cargo:rerun-if-changed=src/config/schema_kind.rs");
    write_case_list(std::path::Path::new("testdata/cases"));
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let result = std::fs::read_to_string(SCHEMA)
        .map_err(|e| format!("reading {SCHEMA}: {e}"))
        .and_then(|text| serde_json::from_str::<Value>(&text).map_err(|e| format!("parsing {SCHEMA}: {e}")))
        .and_then(|schema| generate(&schema));
    match result {
        Ok(code) => {
            let path = Path::new(&out_dir).join("schema_tables.rs");
            if let Err(e) = std::fs::write(&path, code) {
                panic!("writing {}: {e}", path.display());
            }
        }
        // A build script reports by failing; the message names the schema node at fault.
        Err(e) => panic!("{SCHEMA}: {e}"),
    }
}

include!("tests/support/case_list.rs");
include!("src/config/schema_kind.rs");

impl Kind {
    fn code(&self) -> &'static str {
        match self {
            Kind::Object => "O",
            Kind::Array => "A",
            Kind::String => "S",
            Kind::Integer => "I",
            Kind::Boolean => "B",
            Kind::Number => "F",
            Kind::IntOrString => "IS",
            Kind::Quantity => "Q",
            Kind::Any => "X",
        }
    }
}

/// `additionalProperties` of an object node.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Additional {
    Forbid,
    Any,
    Schema(u16),
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Node {
    kind: Kind,
    props: Vec<(String, u16, bool)>,
    additional: Additional,
    items: u16,
    values: Vec<String>,
}

impl Node {
    fn of(kind: Kind) -> Node {
        Node { kind, props: Vec::new(), additional: Additional::Any, items: 0, values: Vec::new() }
    }
}

struct Compiler<'a> {
    defs: &'a Map<String, Value>,
    nodes: Vec<Option<Node>>,
    labels: Vec<String>,
    def_index: HashMap<String, u16>,
    interned: HashMap<Node, u16>,
}

/// Where a schema sits: an optional property may also be null, which the validator reads as absent.
#[derive(Clone, Copy, PartialEq)]
enum Position {
    Optional,
    Other,
}

impl<'a> Compiler<'a> {
    fn reserve(&mut self, label: String) -> Result<u16, String> {
        let index = u16::try_from(self.nodes.len()).map_err(|_| "more than 65535 schema nodes".to_string())?;
        if index >= u16::MAX - 1 {
            return Err("more than 65533 schema nodes".into());
        }
        self.nodes.push(None);
        self.labels.push(label);
        Ok(index)
    }

    fn def(&mut self, reference: &str) -> Result<u16, String> {
        let name = reference
            .strip_prefix("#/$defs/")
            .ok_or_else(|| format!("unsupported $ref {reference:?}: only #/$defs/NAME"))?;
        if let Some(&index) = self.def_index.get(name) {
            return Ok(index);
        }
        let schema = self.defs.get(name).ok_or_else(|| format!("$ref to a missing definition {name:?}"))?;
        let index = self.reserve(name.to_string())?;
        self.def_index.insert(name.to_string(), index);
        let node = self.node(schema, &format!("$defs/{name}"), Position::Other)?;
        self.nodes[index as usize] = Some(node);
        Ok(index)
    }

    /// The index of `schema`: a definition's own node, or a shared one for identical inline schemas.
    fn compile(&mut self, schema: &Value, at: &str, position: Position) -> Result<u16, String> {
        let obj = schema.as_object().ok_or_else(|| format!("{at}: a schema must be an object"))?;
        if let Some(reference) = obj.get("$ref") {
            let reference = reference.as_str().ok_or_else(|| format!("{at}: $ref must be a string"))?;
            let extra: Vec<&String> = obj.keys().filter(|k| *k != "$ref" && !ignored(k)).collect();
            if extra.is_empty() {
                return self.def(reference);
            }
        }
        // `anyOf: [X, {"type": "null"}]` is how the generator lets an optional `$ref` property be null.
        if let Some(any_of) = obj.get("anyOf") {
            let alternatives = any_of.as_array().map(Vec::as_slice).unwrap_or_default();
            let rest = obj.keys().any(|k| k != "anyOf" && !ignored(k));
            return match alternatives {
                [x, n] if *n == serde_json::json!({ "type": "null" }) && !rest && position == Position::Optional => {
                    self.compile(x, &format!("{at}/anyOf/0"), Position::Other)
                }
                _ => Err(format!(
                    "{at}: anyOf is supported only as [schema, {{\"type\": \"null\"}}] on an optional property"
                )),
            };
        }
        let node = self.node(schema, at, position)?;
        if let Some(&index) = self.interned.get(&node) {
            return Ok(index);
        }
        let index = self.reserve(at.to_string())?;
        self.nodes[index as usize] = Some(node.clone());
        self.interned.insert(node, index);
        Ok(index)
    }

    fn node(&mut self, schema: &Value, at: &str, position: Position) -> Result<Node, String> {
        let Some(obj) = schema.as_object() else { return Err(format!("{at}: a schema must be an object")) };
        for key in obj.keys() {
            let known = matches!(
                key.as_str(),
                "type"
                    | "properties"
                    | "required"
                    | "additionalProperties"
                    | "items"
                    | "const"
                    | "enum"
                    | "$ref"
                    | "anyOf"
                    | "pattern"
            );
            if !known && !ignored(key) {
                return Err(format!("{at}: keyword {key:?} is not supported by the table compiler"));
            }
        }

        // `{"$ref": X, "required": [...]}`: the definition, with more required properties.
        if let Some(reference) = obj.get("$ref").and_then(Value::as_str) {
            let name = reference.strip_prefix("#/$defs/").unwrap_or(reference);
            let mut merged = self
                .defs
                .get(name)
                .and_then(Value::as_object)
                .cloned()
                .ok_or_else(|| format!("{at}: $ref to a missing definition {name:?}"))?;
            for (key, value) in obj {
                match key.as_str() {
                    "$ref" => {}
                    "required" => {
                        let mut all = merged.get("required").and_then(Value::as_array).cloned().unwrap_or_default();
                        all.extend(value.as_array().cloned().unwrap_or_default());
                        merged.insert("required".into(), Value::Array(all));
                    }
                    // Narrows properties of the definition (a sibling schema applies too, so only the
                    // stricter one matters); a property the definition lacks would be a new one: refused.
                    "properties" => {
                        let own = merged.get_mut("properties").and_then(Value::as_object_mut);
                        let (Some(own), Some(narrowed)) = (own, value.as_object()) else {
                            return Err(format!("{at}: properties beside $ref need properties in the definition"));
                        };
                        for (name, schema) in narrowed {
                            let Some(slot) = own.get_mut(name) else {
                                return Err(format!("{at}: {name:?} beside $ref is not a property of {name:?}"));
                            };
                            *slot = schema.clone();
                        }
                    }
                    k if ignored(k) => {}
                    k => return Err(format!("{at}: {k:?} beside $ref is not supported")),
                }
            }
            return self.node(&Value::Object(merged), at, Position::Other);
        }

        if obj.contains_key("anyOf") {
            return Err(format!("{at}: anyOf is supported only on an optional property"));
        }

        let mut types: Vec<&str> = match obj.get("type") {
            None => Vec::new(),
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => {
                let mut names = Vec::new();
                for t in ts {
                    names.push(t.as_str().ok_or_else(|| format!("{at}: type names must be strings"))?);
                }
                names
            }
            Some(_) => return Err(format!("{at}: type must be a string or a list")),
        };
        if let Some(i) = types.iter().position(|t| *t == "null") {
            if position != Position::Optional {
                return Err(format!("{at}: only an optional property may allow null"));
            }
            types.remove(i);
        } else if position == Position::Optional {
            return Err(format!("{at}: an optional property must allow null (the function reads null as absent)"));
        }
        types.sort_unstable();
        let kind = match types.as_slice() {
            [] => Kind::Any,
            ["object"] => Kind::Object,
            ["array"] => Kind::Array,
            ["string"] => Kind::String,
            ["integer"] => Kind::Integer,
            ["boolean"] => Kind::Boolean,
            ["number"] => Kind::Number,
            ["integer", "string"] => Kind::IntOrString,
            ["number", "string"] => Kind::Quantity,
            other => return Err(format!("{at}: unsupported type combination {other:?}")),
        };
        if let Some(pattern) = obj.get("pattern") {
            if kind != Kind::Quantity || pattern.as_str() != Some(QUANTITY_PATTERN) {
                return Err(format!("{at}: pattern is supported only as the quantity pattern on [string, number]"));
            }
        } else if kind == Kind::Quantity {
            return Err(format!("{at}: a [string, number] schema must carry the quantity pattern"));
        }

        let mut node = Node::of(kind);
        for key in ["const", "enum"] {
            let Some(value) = obj.get(key) else { continue };
            let values = match (key, value) {
                ("const", v) => vec![v.clone()],
                (_, Value::Array(vs)) => vs.clone(),
                _ => return Err(format!("{at}: enum must be a list")),
            };
            if kind != Kind::String {
                return Err(format!("{at}: const and enum are supported only on strings"));
            }
            let null_allowed = values.contains(&Value::Null);
            if (position == Position::Optional) != null_allowed {
                let why = "an optional property's enum must list null, and only then";
                return Err(format!("{at}: {why} (the function reads null as absent)"));
            }
            for v in values.iter().filter(|v| !v.is_null()) {
                let s = v.as_str().ok_or_else(|| format!("{at}: const and enum values must be strings"))?;
                node.values.push(s.to_string());
            }
        }

        let object_keywords = ["properties", "required", "additionalProperties"];
        let has_object_keywords = object_keywords.iter().any(|k| obj.contains_key(*k));
        if has_object_keywords && kind != Kind::Object {
            return Err(format!("{at}: object keywords on a schema whose type is not object"));
        }
        if obj.contains_key("items") && kind != Kind::Array {
            return Err(format!("{at}: items on a schema whose type is not array"));
        }
        match kind {
            Kind::Object => {
                let required: Vec<&str> = obj
                    .get("required")
                    .map(|r| r.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()))
                    .unwrap_or(Some(Vec::new()))
                    .ok_or_else(|| format!("{at}: required must be a list of names"))?;
                let empty = Map::new();
                let properties = match obj.get("properties") {
                    None => &empty,
                    Some(Value::Object(p)) => p,
                    Some(_) => return Err(format!("{at}: properties must be an object")),
                };
                for name in &required {
                    if !properties.contains_key(*name) {
                        return Err(format!("{at}: required property {name:?} is not among the properties"));
                    }
                }
                for (name, schema) in properties {
                    let is_required = required.contains(&name.as_str());
                    let position = if is_required { Position::Other } else { Position::Optional };
                    let index = self.compile(schema, &format!("{at}/properties/{name}"), position)?;
                    node.props.push((name.clone(), index, is_required));
                }
                node.additional = match obj.get("additionalProperties") {
                    None | Some(Value::Bool(true)) => Additional::Any,
                    Some(Value::Bool(false)) => Additional::Forbid,
                    Some(schema) => {
                        let at = format!("{at}/additionalProperties");
                        Additional::Schema(self.compile(schema, &at, Position::Other)?)
                    }
                };
                if !properties.is_empty() && node.additional != Additional::Forbid {
                    return Err(format!("{at}: an object with properties must set additionalProperties: false"));
                }
            }
            Kind::Array => {
                node.items = match obj.get("items") {
                    Some(items) => self.compile(items, &format!("{at}/items"), Position::Other)?,
                    None => return Err(format!("{at}: an array must have items")),
                };
            }
            _ => {}
        }
        Ok(node)
    }
}

fn ignored(key: &str) -> bool {
    IGNORED.contains(&key) || key.starts_with("x-kubernetes-")
}

fn generate(schema: &Value) -> Result<String, String> {
    let empty = Map::new();
    let defs = schema.get("$defs").and_then(Value::as_object).unwrap_or(&empty);
    let expected = serde_json::json!([{ "$ref": "#/$defs/SidecarInjector" }, { "$ref": "#/$defs/ConfigMap" }]);
    if schema.get("oneOf") != Some(&expected) && schema.get("anyOf") != Some(&expected) {
        return Err("the root must be oneOf [SidecarInjector, ConfigMap] (the validator is told which)".into());
    }
    let mut compiler =
        Compiler { defs, nodes: Vec::new(), labels: Vec::new(), def_index: HashMap::new(), interned: HashMap::new() };
    let sidecar_injector = compiler.def("#/$defs/SidecarInjector")?;
    let config_map = compiler.def("#/$defs/ConfigMap")?;

    let mut props_out = String::new();
    let mut nodes_out = String::new();
    let mut values_out = String::new();
    let (mut prop_count, mut value_count) = (0usize, 0usize);
    // Identical property lists (every `{name, value}` pair type, ...) are written once.
    let mut prop_lists: HashMap<Vec<(String, u16, bool)>, usize> = HashMap::new();
    for (index, (node, label)) in compiler.nodes.iter().zip(&compiler.labels).enumerate() {
        let node = node.as_ref().ok_or_else(|| format!("node {index} ({label}) was never filled"))?;
        let (start, len, extra) = match node.kind {
            Kind::Object => {
                let start = match prop_lists.get(&node.props) {
                    Some(&start) => start,
                    None => {
                        let start = prop_count;
                        for (name, target, required) in &node.props {
                            writeln!(props_out, "    p({name:?}, {target}, {required}),").ok();
                        }
                        prop_count += node.props.len();
                        prop_lists.insert(node.props.clone(), start);
                        start
                    }
                };
                let extra = match node.additional {
                    Additional::Forbid => "FORBID".to_string(),
                    Additional::Any => "ANY".to_string(),
                    Additional::Schema(i) => i.to_string(),
                };
                (start, node.props.len(), extra)
            }
            Kind::Array => (0, 0, node.items.to_string()),
            _ if !node.values.is_empty() => {
                let start = value_count;
                for v in &node.values {
                    writeln!(values_out, "    {v:?},").ok();
                }
                value_count += node.values.len();
                (start, node.values.len(), "0".to_string())
            }
            _ => (0, 0, "0".to_string()),
        };
        let label = label.replace(['\n', '\r'], " ");
        writeln!(nodes_out, "    n({}, {start}, {len}, {extra}), // {index}: {label}", node.kind.code()).ok();
    }
    if prop_count > u16::MAX as usize || value_count > u16::MAX as usize {
        return Err("too many properties or values for u16 indices".into());
    }

    let mut out = String::new();
    out.push_str("// @generated by build.rs from schemas/sidecar-injector.schema.json. Do not edit.\n");
    writeln!(out, "const ROOT_SIDECAR_INJECTOR: u16 = {sidecar_injector};").ok();
    writeln!(out, "const ROOT_CONFIG_MAP: u16 = {config_map};").ok();
    writeln!(out, "static NODES: [SchemaNode; {}] = [\n{nodes_out}];", compiler.nodes.len()).ok();
    writeln!(out, "static PROPS: [Prop; {prop_count}] = [\n{props_out}];").ok();
    writeln!(out, "static VALUES: [&str; {value_count}] = [\n{values_out}];").ok();
    Ok(out)
}
