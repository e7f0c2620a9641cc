//! Writes `schemas/sidecar-injector.schema.json`, the JSON Schema (draft 2020-12) of the functionConfig.
//!
//! `cargo run -p gen-schema [OUTPUT]` (from the repository root)
//!
//! The container, volume, metadata and label-selector parts come from k8s-openapi's schemars impls, so they
//! are the API server's own types; this tool only makes them strict (an unknown field is an error, as it is
//! for `kubectl apply --validate=strict`) and fixes the two types whose generated schemas say nothing useful
//! (IntOrString and Quantity). build.rs compiles the written file into the tables `src/config/schema.rs`
//! validates with, so the module never parses JSON Schema at run time.
use std::process::ExitCode;

use k8s_openapi::api::core::v1::{Container, EnvFromSource, EnvVar, LocalObjectReference, Volume, VolumeMount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use schemars::generate::SchemaSettings;
use schemars::SchemaGenerator;
use serde_json::{json, Map, Value};

const DEFAULT_OUTPUT: &str = "schemas/sidecar-injector.schema.json";
const SCHEMA_ID: &str = "https://sidecar-injector.dev/schemas/v1alpha1/sidecar-injector.schema.json";
const API_VERSION: &str = "sidecar-injector.dev/v1alpha1";

const INT_OR_STRING: &str = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/// The grammar `resource.ParseQuantity` accepts, minus its oddities (a lone sign or dot reads as zero there).
/// `src/config/schema.rs` matches the same language by hand: keep the two in step.
const QUANTITY_PATTERN: &str = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?[0-9]+)?$";

/// One property of an object this tool defines (not one of Kubernetes' own).
struct Field {
    name: &'static str,
    required: bool,
    description: &'static str,
    schema: Value,
}

impl Field {
    fn required(name: &'static str, description: &'static str, schema: Value) -> Field {
        Field { name, required: true, description, schema }
    }

    fn optional(name: &'static str, description: &'static str, schema: Value) -> Field {
        Field { name, required: false, description, schema }
    }
}

/// The fields of `SidecarInjector.spec`. A new spec field is one more entry here (and its handling in
/// `src/config`); build.rs picks the schema change up on the next build.
fn spec_fields(g: &mut SchemaGenerator) -> Vec<Field> {
    vec![
        Field::optional(
            "containers",
            "The sidecar containers to add to every selected workload's pod template, as core/v1 Containers. \
             A container of the same name that this injection did not add is a conflict (see onConflict).",
            array_of(g.subschema_for::<Container>()),
        ),
        Field::optional(
            "initContainers",
            "Plain init containers to add to the selected pod templates, as core/v1 Containers. They run to \
             completion, in order, before the pod's other containers start.",
            array_of(g.subschema_for::<Container>()),
        ),
        Field::optional(
            "native",
            "Inject `containers` as native sidecars (Kubernetes 1.29+): init containers with `restartPolicy: \
             Always`, which start before the app containers and stop after them. Default false: they are added \
             to `containers`.",
            json!({ "type": "boolean" }),
        ),
        Field::optional(
            "volumes",
            "Volumes the sidecars mount, added to the pod template as core/v1 Volumes. A volume of the same \
             name that this injection did not add is a conflict (see onConflict).",
            array_of(g.subschema_for::<Volume>()),
        ),
        Field::optional(
            "env",
            "Environment variables added to the app's own containers (all regular containers, or those named \
             in appContainers; never the injected ones), e.g. OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317.",
            array_of(g.subschema_for::<EnvVar>()),
        ),
        Field::optional(
            "envFrom",
            "ConfigMap or Secret sources of environment variables added to the app's own containers.",
            array_of(g.subschema_for::<EnvFromSource>()),
        ),
        Field::optional(
            "volumeMounts",
            "Volume mounts added to the app's own containers, e.g. the shared log volume at /var/log/app.",
            array_of(g.subschema_for::<VolumeMount>()),
        ),
        Field::optional(
            "appContainers",
            "Names of the app containers that get env, envFrom and volumeMounts. Default: every regular \
             container of the pod that this function did not inject.",
            array_of(json!({ "type": "string" })),
        ),
        Field::optional(
            "annotations",
            "Annotations added to the pod template's metadata.",
            json!({ "type": "object", "additionalProperties": { "type": "string" } }),
        ),
        Field::optional(
            "labels",
            "Labels added to the pod template's metadata.",
            json!({ "type": "object", "additionalProperties": { "type": "string" } }),
        ),
        Field::optional(
            "imagePullSecrets",
            "Image pull secrets added to the pod spec, for the sidecars' images.",
            array_of(g.subschema_for::<LocalObjectReference>()),
        ),
        Field::optional(
            "position",
            "Where the injected containers go among the pod's own.",
            object(vec![
                Field::optional(
                    "containers",
                    "Classic sidecars: Last (default) after the app's containers, or First before them (then \
                     kubectl.kubernetes.io/default-container is set to the app's first container unless set).",
                    json!({ "type": "string", "enum": ["First", "Last"] }),
                ),
                Field::optional(
                    "initContainers",
                    "Init containers and native sidecars: First (default) before the workload's own init \
                     containers, so those can use them, or Last after them.",
                    json!({ "type": "string", "enum": ["First", "Last"] }),
                ),
            ]),
        ),
        Field::optional(
            "workloadKinds",
            "Custom workload kinds and where their pod template lives, added to the built-in ones (Argo \
             Rollout and OpenKruise CloneSet are built in).",
            array_of(object(vec![
                Field::required(
                    "apiVersion",
                    "The kind's API group and version, e.g. example.com/v1.",
                    json!({ "type": "string" }),
                ),
                Field::required("kind", "The kind, e.g. MyWorkload.", json!({ "type": "string" })),
                Field::required(
                    "podTemplatePath",
                    "Dot-separated path of the pod template (the object with metadata and spec), e.g. \
                     spec.template.",
                    json!({ "type": "string" }),
                ),
            ])),
        ),
        Field::optional(
            "exclude",
            "Resources not to inject into, in the same shape as selector: a resource that matches is excluded.",
            object(selector_fields(g)),
        ),
        Field::optional(
            "namespaceSelector",
            "A label selector on the Namespace objects in the input: only workloads in a namespace whose \
             Namespace object is in the input and matches are selected.",
            g.subschema_for::<LabelSelector>().to_value(),
        ),
        Field::optional(
            "optIn",
            "Inject only into workloads that ask for it in their sidecar-injector.dev/inject annotation or \
             label (on the workload, its pod template, or its Namespace object): by name, or with true, \
             enabled, yes or on. Default false.",
            json!({ "type": "boolean" }),
        ),
        Field::optional(
            "remove",
            "Take this injection out of every selected workload (by its status record) instead of adding it.",
            json!({ "type": "boolean" }),
        ),
        Field::optional(
            "onConflict",
            "What to do with a container, volume, env var, mount, annotation or label of the same name that \
             this injection did not add: Fail (default, an error), Skip (keep the workload's), Replace (use \
             this injection's, which then owns it), Merge (a container the workload declares with a sidecar's \
             name is laid over the configured one: the workload's fields win, env, ports and volumeMounts \
             merge entry by entry; taking the injection out gives the declaration back; other parts are kept \
             as with Skip).",
            json!({ "type": "string", "enum": ["Fail", "Skip", "Replace", "Merge"] }),
        ),
        Field::optional(
            "selector",
            "Which resources to inject into. Every given criterion must match; without a selector, every \
             workload with a pod template is selected.",
            object(selector_fields(g)),
        ),
        // ---- issue 11, selection (items 2-10): fields added by the wip-select branch ----
        Field::optional(
            "hostNetworkPods",
            "Pods with `hostNetwork: true` use the node's ports, so a sidecar's ports would clash between \
             two such pods on one node: Skip (default) leaves them alone with a warning, Inject injects them \
             too.",
            json!({ "type": "string", "enum": ["Skip", "Inject"] }),
        ),
        // ---- end of the wip-select additions ----
        // ---- issue 11, items 11-13 (branch wip-merge): onConflict Merge is in the enum above ----
        Field::optional(
            "failOnWarnings",
            "Make every warning an error (exit code 1, nothing changed). kustomize drops a plugin's stderr \
             when it succeeds, so under kubectl kustomize or Argo CD a warning is never seen otherwise. \
             Default false.",
            json!({ "type": "boolean" }),
        ),
        // ---- end of issue 11, items 11-13 ----
    ]
}

fn selector_fields(g: &mut SchemaGenerator) -> Vec<Field> {
    vec![
        Field::optional(
            "kinds",
            "Resource kinds to inject into, such as Deployment, StatefulSet, DaemonSet, Job, CronJob or Pod. \
             Default: every kind with a pod template.",
            array_of(json!({ "type": "string" })),
        ),
        Field::optional(
            "names",
            "Resource names to inject into, as globs (`*` matches any run of characters, `?` one character). \
             Default: any name.",
            array_of(json!({ "type": "string" })),
        ),
        Field::optional(
            "namespaces",
            "Namespaces whose resources to inject into, as globs (`*`, `?`). Default: any namespace.",
            array_of(json!({ "type": "string" })),
        ),
        Field::optional(
            "labelSelector",
            "A meta/v1 label selector the resource's own labels must match.",
            g.subschema_for::<LabelSelector>().to_value(),
        ),
        // ---- issue 11, selection (item 4): added by the wip-select branch ----
        Field::optional(
            "podSelector",
            "A meta/v1 label selector the pod template's labels must match (a Pod's own labels), where most \
             controllers carry theirs.",
            g.subschema_for::<LabelSelector>().to_value(),
        ),
        // ---- end of the wip-select additions ----
    ]
}

/// The keys of the ConfigMap form (`kpt fn eval DIR --exec ... -- name=log-agent image=...`): every value is a
/// string, so lists and maps are spelled out in small inline formats.
fn config_map_data_fields() -> Vec<Field> {
    let string = || json!({ "type": "string" });
    vec![
        Field::required("name", "The injection's name, which is also the name of the sidecar container.", string()),
        Field::required("image", "The sidecar's container image, such as `fluent/fluent-bit:3.1`.", string()),
        Field::optional(
            "native",
            "\"true\" to inject the sidecar as a native sidecar (an init container with `restartPolicy: \
             Always`); default \"false\".",
            json!({ "type": "string", "enum": ["true", "false"] }),
        ),
        Field::optional(
            "command",
            "The sidecar's command, as a YAML flow list such as `[\"sh\", \"-c\", \"echo hi\"]`.",
            string(),
        ),
        Field::optional(
            "args",
            "The sidecar's arguments, as a YAML flow list such as `[\"--config\", \"/etc/agent.yaml\"]`.",
            string(),
        ),
        Field::optional(
            "imagePullPolicy",
            "The sidecar's image pull policy: Always, IfNotPresent or Never.",
            json!({ "type": "string", "enum": ["Always", "IfNotPresent", "Never"] }),
        ),
        Field::optional("port", "A containerPort the sidecar exposes, such as \"8080\".", string()),
        Field::optional("cpu", "The sidecar's CPU request, as a quantity such as \"100m\".", string()),
        Field::optional("memory", "The sidecar's memory request, as a quantity such as \"64Mi\".", string()),
        Field::optional(
            "env",
            "Environment variables for the sidecar, as comma-separated NAME=value pairs: `LOG_LEVEL=info,MODE=tail`.",
            string(),
        ),
        Field::optional(
            "volume",
            "The name of an emptyDir volume to add to the pod, shared with the sidecar.",
            string(),
        ),
        Field::optional("mountPath", "Where the sidecar mounts `volume`, such as `/var/log/app`.", string()),
        Field::optional(
            "kinds",
            "Resource kinds to inject into, comma-separated: `Deployment,StatefulSet`. Default: every kind with \
             a pod template.",
            string(),
        ),
        Field::optional(
            "names",
            "Resource names to inject into, comma-separated globs: `web-*,api`. Default: any name.",
            string(),
        ),
        Field::optional(
            "namespaces",
            "Namespaces to inject into, comma-separated globs: `prod-*,staging`. Default: any namespace.",
            string(),
        ),
        Field::optional(
            "matchLabels",
            "Labels the resource must have, comma-separated key=value pairs: `app=web,tier=frontend`.",
            string(),
        ),
        // ---- issue 11, item 13 (branch wip-merge) ----
        Field::optional(
            "failOnWarnings",
            "\"true\" to make every warning an error (spec.failOnWarnings); default \"false\".",
            json!({ "type": "string", "enum": ["true", "false"] }),
        ),
        // ---- end of issue 11, item 13 ----
    ]
}

fn array_of(items: impl Into<Value>) -> Value {
    json!({ "type": "array", "items": items.into() })
}

fn object(fields: Vec<Field>) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields {
        let mut schema = Map::new();
        schema.insert("description".into(), field.description.into());
        if let Value::Object(rest) = field.schema {
            schema.extend(rest);
        }
        properties.insert(field.name.into(), Value::Object(schema));
        if field.required {
            required.push(Value::from(field.name));
        }
    }
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        schema.insert("required".into(), Value::Array(required));
    }
    Value::Object(schema)
}

fn with_description(description: &str, schema: Value) -> Value {
    let mut out = Map::new();
    out.insert("description".into(), description.into());
    if let Value::Object(rest) = schema {
        out.extend(rest);
    }
    Value::Object(out)
}

fn build() -> Value {
    let mut g = SchemaGenerator::new(SchemaSettings::draft2020_12());
    let metadata = g.subschema_for::<ObjectMeta>().to_value();

    // Keywords beside the `$ref` keep one shared ObjectMeta definition while requiring a name only here
    // (draft 2020-12 applies both; build.rs merges them). The name is restated without null: a required
    // `name: null` must fail here too, as the function reads null as absent.
    let mut injector_metadata = metadata.clone();
    if let Some(obj) = injector_metadata.as_object_mut() {
        obj.insert("required".into(), json!(["name"]));
        obj.insert("properties".into(), json!({ "name": { "type": "string" } }));
    }

    let spec = object(spec_fields(&mut g));
    let injector = object(vec![
        Field::required(
            "apiVersion",
            "The API version of this configuration.",
            json!({ "type": "string", "const": API_VERSION }),
        ),
        Field::required("kind", "Always SidecarInjector.", json!({ "type": "string", "const": "SidecarInjector" })),
        Field::required(
            "metadata",
            "Standard object metadata; `name` names this injection in messages.",
            injector_metadata,
        ),
        Field::required("spec", "What to inject, and where.", json!({ "$ref": "#/$defs/SidecarInjectorSpec" })),
    ]);
    let config_map = object(vec![
        Field::required("apiVersion", "Always v1.", json!({ "type": "string", "const": "v1" })),
        Field::required("kind", "Always ConfigMap.", json!({ "type": "string", "const": "ConfigMap" })),
        Field::optional("metadata", "Standard object metadata.", metadata),
        Field::required(
            "data",
            "The injection, as string key/value pairs (what `kpt fn eval -- key=value ...` writes).",
            object(config_map_data_fields()),
        ),
    ]);

    let mut defs: Vec<(String, Value)> = g.take_definitions(true).into_iter().collect();
    defs.push((
        "SidecarInjector".into(),
        with_description(
            "Injects sidecar containers, init containers and volumes into the pod templates of the selected \
             workloads.",
            injector,
        ),
    ));
    defs.push(("SidecarInjectorSpec".into(), with_description("What to inject, and where.", spec)));
    defs.push((
        "ConfigMap".into(),
        with_description(
            "The short form of one sidecar injection, as `kpt fn eval --exec ... -- name=... image=...` passes it.",
            config_map,
        ),
    ));
    defs.sort_by(|a, b| a.0.cmp(&b.0));

    let mut out = Map::new();
    for (name, mut schema) in defs {
        match name.as_str() {
            // k8s-openapi gives both only `x-kubernetes-int-or-string: true`, which a JSON Schema validator
            // ignores: without a `type`, anything (a list, a mapping) would pass.
            INT_OR_STRING => {
                schema = keep_description(
                    &schema,
                    json!({ "type": ["integer", "string"], "x-kubernetes-int-or-string": true }),
                );
            }
            // The API server reads a quantity from a JSON string or a bare JSON number (`cpu: 0.5`).
            QUANTITY => {
                schema =
                    keep_description(&schema, json!({ "type": ["string", "number"], "pattern": QUANTITY_PATTERN }));
            }
            _ => {}
        }
        make_strict(&mut schema);
        out.insert(name, schema);
    }

    let mut root = Map::new();
    root.insert("$schema".into(), "https://json-schema.org/draft/2020-12/schema".into());
    root.insert("$id".into(), SCHEMA_ID.into());
    root.insert("title".into(), "sidecar-injector functionConfig".into());
    root.insert(
        "description".into(),
        "The functionConfig of the sidecar-injector KRM function: a SidecarInjector resource, or a ConfigMap \
         whose data describes one sidecar."
            .into(),
    );
    root.insert("oneOf".into(), json!([{ "$ref": "#/$defs/SidecarInjector" }, { "$ref": "#/$defs/ConfigMap" }]));
    root.insert("$defs".into(), Value::Object(out));
    Value::Object(root)
}

/// `replacement`, with the description of `schema` (if it had one) in front.
fn keep_description(schema: &Value, replacement: Value) -> Value {
    match schema.get("description").and_then(Value::as_str) {
        Some(description) => with_description(description, replacement),
        None => replacement,
    }
}

/// Every object schema with `properties` rejects other keys; an optional property may be null, which
/// Kubernetes reads as absent (`creationTimestamp: null` is in half the manifests kubectl prints).
fn make_strict(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else { return };
    for key in ["items", "additionalProperties"] {
        if let Some(child) = obj.get_mut(key) {
            make_strict(child);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(children)) = obj.get_mut(key) {
            children.iter_mut().for_each(make_strict);
        }
    }
    let required: Vec<String> = obj
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(|n| n.as_str().map(String::from)).collect())
        .unwrap_or_default();
    if let Some(Value::Object(properties)) = obj.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            make_strict(property);
            if !required.contains(name) {
                make_nullable(property);
            }
        }
        // Beside a `$ref`, `properties` only narrows the referenced ones; `additionalProperties: false` there
        // would refuse every other field of the definition.
        if !obj.contains_key("$ref") {
            obj.entry("additionalProperties").or_insert(Value::Bool(false));
        }
    }
}

fn make_nullable(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else { return };
    // `enum` applies whatever the type says, so null must be one of the values too.
    if let Some(Value::Array(values)) = obj.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    match obj.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            obj.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) => {
            if !types.iter().any(|t| t == "null") {
                types.push("null".into());
            }
        }
        Some(_) => {}
        None => {
            if let Some(reference) = obj.remove("$ref") {
                obj.insert("anyOf".into(), json!([{ "$ref": reference }, { "type": "null" }]));
            }
        }
    }
}

fn main() -> ExitCode {
    let output = std::env::args().nth(1).unwrap_or_else(|| DEFAULT_OUTPUT.to_string());
    let schema = build();
    let mut text = match serde_json::to_string_pretty(&schema) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("gen-schema: {e}");
            return ExitCode::FAILURE;
        }
    };
    text.push('\n');
    if let Err(e) = std::fs::write(&output, text) {
        eprintln!("gen-schema: writing {output}: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!("gen-schema: wrote {output}");
    ExitCode::SUCCESS
}
