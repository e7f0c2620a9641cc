//! sidecar-injector: a KRM function that adds sidecar containers, volumes, mounts and env to Kubernetes workloads.
pub mod config;
pub mod yaml;
