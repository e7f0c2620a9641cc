//! kustomize's legacy exec plugin mode (`process_stream`): the input is the config, a NUL byte, then the
//! resource stream (without a NUL, all of it is the stream under a fixed config). Same properties as `process`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/core/invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    let (config, stream) = invariants::split_plugin_input(data);
    if let Err(e) = invariants::check_plugin(config, stream) {
        panic!("{e}\n--- input\n{}", String::from_utf8_lossy(data));
    }
});
