//! sidecar-injector: a KRM function that adds sidecar containers, volumes, mounts and env to Kubernetes
//! workloads, for kustomize, kpt and Argo CD.
//!
//! The library is the function: [`process`] takes a ResourceList (the bytes a KRM host writes to the function's
//! stdin) and returns an [`Output`] (stdout, stderr, exit code); [`process_stream`] is kustomize's legacy exec
//! plugin mode (the config apart, the resources as a plain YAML stream). Every entry point (the WASI command,
//! the native binary) is a thin wrapper around these two, and nothing else is public.
//!
//! ```
//! let input = br#"
//! apiVersion: config.kubernetes.io/v1
//! kind: ResourceList
//! functionConfig:
//!   apiVersion: sidecar-injector.dev/v1alpha1
//!   kind: SidecarInjector
//!   metadata: {name: log-agent}
//!   spec:
//!     containers:
//!     - name: fluent-bit
//!       image: fluent/fluent-bit:3.1
//!       resources: {requests: {cpu: 50m}}
//! items:
//! - apiVersion: apps/v1
//!   kind: Deployment
//!   metadata: {name: web}
//!   spec:
//!     template:
//!       spec:
//!         containers:
//!         - {name: app, image: nginx:1.27}
//! "#;
//! let out = sidecar_injector::process(input);
//! assert_eq!(out.exit_code, 0, "{}", out.stderr);
//! let stdout = String::from_utf8(out.stdout).unwrap();
//! // The sidecar goes after the app's container, and the pod template records what was added.
//! let items = &stdout[stdout.find("items:").unwrap()..];
//! assert!(items.find("name: app").unwrap() < items.find("name: fluent-bit").unwrap(), "{stdout}");
//! assert!(stdout.contains("sidecar-injector.dev/status"));
//! assert!(stdout.contains("message: 'injected \"log-agent\": added container fluent-bit'"), "{stdout}");
//!
//! // A second run over its own output changes nothing.
//! let again = sidecar_injector::process(stdout.as_bytes());
//! assert!(String::from_utf8(again.stdout).unwrap().contains("already injected; unchanged"));
//!
//! // Bad input is an error on stderr and exit code 1, never a panic.
//! let bad = sidecar_injector::process(b"kind: [");
//! assert_eq!((bad.exit_code, bad.stdout.is_empty()), (1, true));
//! assert!(bad.stderr.starts_with("sidecar-injector: error: input is not valid YAML"));
//! ```
//!
//! Inside, data flows one way (see docs/design.md): `krm` unwraps the ResourceList; `config` turns the
//! functionConfig into one `Injection`; `workload` says which kinds are workloads and where each keeps its pod
//! template; `select` decides which workloads get the injection; `inject` plans and applies it (its parts are
//! one table, `inject::parts`); `check` refuses a pod the API server would reject; `advice` warns about what
//! will hurt later; `krm` and the YAML layer write the result.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod advice;
mod check;
mod config;
mod inject;
mod keys;
mod krm;
mod path;
mod process;
mod select;
mod workload;

pub use process::{process, process_stream, Output};
#[doc(hidden)]
pub use process::{process_item_by_item, process_whole};
