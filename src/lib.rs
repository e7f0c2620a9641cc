//! sidecar-injector: a KRM function that adds sidecar containers, volumes, mounts and env to Kubernetes
//! workloads, for kustomize, kpt and Argo CD.
//!
//! Data flows one way: [`yaml`] reads the input keeping every value's text and style; [`krm`] unwraps the
//! ResourceList; [`config`] turns the functionConfig into an [`config::Injection`]; [`workload`] says where each
//! kind keeps its pod template and [`select`] which workloads are chosen; [`inject`] plans and applies the
//! changes; [`check`] warns about what will hurt later; [`krm`] and [`yaml`] write the result.
//! Every entry point (the WASI command, the native binary) is a thin wrapper around [`process`].

pub mod check;
pub mod config;
pub mod inject;
pub mod krm;
mod process;
pub mod select;
pub mod workload;

pub use process::{process, process_stream, Output};
