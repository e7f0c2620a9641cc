//! The functionConfig: the SidecarInjector and ConfigMap forms, validated, turned into one `Injection`.
pub mod schema;
pub use schema::FieldError;
