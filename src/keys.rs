//! The well-known keys, annotations and type names the function reads or writes, in one place.

/// The functionConfig's own API.
pub(crate) const API_VERSION: &str = "sidecar-injector.dev/v1alpha1";
/// The functionConfig's own kind.
pub(crate) const KIND: &str = "SidecarInjector";

/// The annotation or label a workload (its metadata or its pod template's) or its Namespace object uses to opt
/// out of, ask for, or decline injections: `false`, `disabled`, `no`, `off` opt out of all; `true`, `enabled`,
/// `yes`, `on` ask for all; otherwise a comma-separated list of injection names it asks for, where `-name`
/// declines that one (see `select`).
pub(crate) const INJECT_KEY: &str = "sidecar-injector.dev/inject";

/// The pod template annotation holding the status record (see `inject::status`).
pub(crate) const STATUS_ANNOTATION: &str = "sidecar-injector.dev/status";

/// kubectl's choice of container for `logs` and `exec`, set when a classic sidecar goes first.
pub(crate) const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

/// kpt's convention: an object annotated `config.kubernetes.io/local-config: "true"` is not deployed.
pub(crate) const LOCAL_CONFIG_ANNOTATION: &str = "config.kubernetes.io/local-config";

/// Where kpt and kustomize say an item came from: the file (each host writes one of the two; the first wins).
pub(crate) const PATH_ANNOTATIONS: [&str; 2] = ["internal.config.kubernetes.io/path", "config.kubernetes.io/path"];
/// ... and its index among the file's documents.
pub(crate) const INDEX_ANNOTATIONS: [&str; 2] = ["internal.config.kubernetes.io/index", "config.kubernetes.io/index"];

/// The ResourceList apiVersions read (the first is the one the specification names).
pub(crate) const RESOURCE_LIST_API_VERSIONS: &[&str] = &["config.kubernetes.io/v1", "config.kubernetes.io/v1alpha1"];
