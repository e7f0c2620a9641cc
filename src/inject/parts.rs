//! The injected parts, as data: one row per kind of thing an injection can add to a pod template.
//!
//! The table drives the config (which `spec` lists are parts, their identities, duplicate checks, the hash of
//! what is added, the "nothing to inject" message), applying and removing them ([`super`]), and the status
//! record's shape and JSON ([`super::status`]). A new part that lives in a pod-spec list, in each app
//! container, or in the pod template's metadata is one row here plus its schema; see docs/design.md.
//!
//! The row order is the status record's key order, so it must not change (records already written would be
//! rewritten on the next run).

use crate::config::{env_from_key, name_of};
use lossless_yaml::Node;

/// Where a part goes in the pod template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// `spec.containers` / `spec.initContainers`: placement, native sidecars and names unique across both
    /// lists make these two rows the only ones with code of their own.
    Containers,
    /// A list in the pod spec, `spec.<field>`.
    PodSpec,
    /// A list in each targeted app container, `spec.containers[i].<field>`.
    AppContainers,
    /// A map in the pod template's metadata, `metadata.<field>`.
    TemplateMetadata,
}

/// What identifies one entry of a part's list (two entries with one identity are the same part).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Identity {
    /// The value of this field of the entry (`name`, `mountPath`).
    Field(&'static str),
    /// An envFrom source has no name: it is what it refers to, and its prefix ([`env_from_key`]).
    EnvFromSource,
    /// The map key (annotations, labels).
    MapKey,
}

impl Identity {
    /// The identity of a list entry.
    pub(crate) fn of(self, node: &Node) -> String {
        match self {
            Identity::Field(field) => name_of(node, field),
            Identity::EnvFromSource => env_from_key(node),
            Identity::MapKey => String::new(),
        }
    }

    /// The field of an entry that holds its identity, for duplicate errors ("": the whole entry).
    pub(crate) fn field(self) -> &'static str {
        match self {
            Identity::Field(field) => field,
            Identity::EnvFromSource | Identity::MapKey => "",
        }
    }
}

/// How the status record keeps what was added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `{"name": "hash of the inserted node"}`: a changed one is known to be a hand-edit, and it is named
    /// ("removed volume logs") when taken out.
    Hashes,
    /// `{"app container": ["identity", ...]}`.
    PerContainer,
    /// `["identity", ...]`.
    Keys,
}

/// One kind of injected part.
#[derive(Debug)]
pub(crate) struct PartKind {
    /// The field: in the SidecarInjector's `spec`, in the pod template (at [`PartKind::place`]), and the
    /// status record's key.
    pub(crate) field: &'static str,
    pub(crate) place: Place,
    pub(crate) identity: Identity,
    pub(crate) record: Shape,
    /// What one entry is called in conflict messages: "the workload already has a volume ...".
    pub(crate) noun: &'static str,
    /// ... and in the info result: "added volume logs".
    pub(crate) reported_as: &'static str,
    /// ... and in the config's duplicate errors: "duplicate volume name". Empty: a map, no duplicates.
    pub(crate) duplicate: &'static str,
}

const fn row(
    field: &'static str,
    place: Place,
    identity: Identity,
    record: Shape,
    noun: &'static str,
    reported_as: &'static str,
    duplicate: &'static str,
) -> PartKind {
    PartKind { field, place, identity, record, noun, reported_as, duplicate }
}

use Identity::{EnvFromSource, Field, MapKey};
use Place::{AppContainers, Containers, PodSpec, TemplateMetadata};
use Shape::{Hashes, Keys, PerContainer};

/// Every injected part. The order is the status record's key order and the config's message order.
#[rustfmt::skip]
pub(crate) const PARTS: &[PartKind] = &[
    //  field               place             identity             record        noun                 reported as          duplicate
    row("containers",       Containers,       Field("name"),       Hashes,       "container",         "container",         "container name"),
    row("initContainers",   Containers,       Field("name"),       Hashes,       "container",         "container",         "container name"),
    row("volumes",          PodSpec,          Field("name"),       Hashes,       "volume",            "volume",            "volume name"),
    row("env",              AppContainers,    Field("name"),       PerContainer, "env var",           "env var",           "env var"),
    row("envFrom",          AppContainers,    EnvFromSource,       PerContainer, "envFrom source",    "envFrom",           "envFrom source"),
    row("volumeMounts",     AppContainers,    Field("mountPath"),  PerContainer, "volume mount",      "volume mount",      "mount path"),
    row("annotations",      TemplateMetadata, MapKey,              Keys,         "annotation",        "annotation",        ""),
    row("labels",           TemplateMetadata, MapKey,              Keys,         "label",             "label",             ""),
    row("imagePullSecrets", PodSpec,          Field("name"),       Keys,         "image pull secret", "image pull secret", "image pull secret"),
];

/// Rows with code of their own, by index.
pub(crate) const CONTAINERS: usize = 0;
pub(crate) const INIT_CONTAINERS: usize = 1;
pub(crate) const ANNOTATIONS: usize = 6;

/// The rows at `place`, with their indexes, in table order.
pub(crate) fn at(place: Place) -> impl Iterator<Item = (usize, &'static PartKind)> {
    PARTS.iter().enumerate().filter(move |(_, k)| k.place == place)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_code_of_their_own_are_where_the_code_expects_them() {
        assert_eq!(PARTS[CONTAINERS].field, "containers");
        assert_eq!(PARTS[INIT_CONTAINERS].field, "initContainers");
        assert_eq!(PARTS[ANNOTATIONS].field, "annotations");
    }

    #[test]
    fn every_field_is_one_row() {
        for (i, kind) in PARTS.iter().enumerate() {
            assert!(PARTS[..i].iter().all(|k| k.field != kind.field), "{} twice", kind.field);
            assert_eq!(kind.identity == MapKey, kind.place == TemplateMetadata, "{}", kind.field);
        }
    }
}
