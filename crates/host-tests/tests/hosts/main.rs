//! The host tests, one binary: the shipped artifacts run the way each host runs them. `common` is the harness
//! (the `.wasm` under embedded wasmtime with WASI preview 1 only, the native binary with a cleared environment).

mod common;
#[path = "../../../../tests/core/invariants.rs"]
mod invariants;

mod argocd;
mod hostile;
mod image;
mod kpt;
mod kpt_layout;
mod kpt_wasm;
mod kustomize;
mod pyyaml;
mod readme;
mod testdata;
mod wasm_sandbox;
