//! The checked-in schema is what the generator writes: a change to the generator without a regenerated file
//! (or a hand edit of the file) fails here.

#[test]
fn checked_in_schema_is_what_the_generator_writes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let checked_in = std::fs::read_to_string(root.join("schemas/sidecar-injector.schema.json")).expect("schema file");
    let out = std::env::temp_dir().join(format!("sidecar-injector-schema-{}.json", std::process::id()));
    let status =
        std::process::Command::new(env!("CARGO_BIN_EXE_gen-schema")).arg(&out).status().expect("gen-schema runs");
    assert!(status.success(), "gen-schema failed");
    let generated = std::fs::read_to_string(&out).expect("gen-schema wrote its output");
    let _ = std::fs::remove_file(&out);
    assert!(generated == checked_in, "schemas/sidecar-injector.schema.json is stale: run `cargo run -p gen-schema`");
}
