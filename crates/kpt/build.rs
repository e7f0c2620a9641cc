//! Link settings the Go js/wasm ABI needs, for the wasm32 build only (the native rlib links nothing).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("wasm32") {
        return;
    }
    // The glue looks the memory up as `mem` (the name Go's linker gives it).
    println!("cargo:rustc-link-arg-cdylib=--export-memory=mem");
    // The glue writes argv and the environment into 4096..12288 before calling `run`, where Go's linker leaves a
    // hole. Putting the 1 MiB stack first keeps static data above it: that range is then the far end of a stack
    // that is empty when the glue writes, and that only a nearly overflowing stack would reach.
    println!("cargo:rustc-link-arg-cdylib=--stack-first");
    println!("cargo:rustc-link-arg-cdylib=-zstack-size=1048576");
}
