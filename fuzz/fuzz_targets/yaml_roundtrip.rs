//! The YAML layer: any bytes either fail to parse with a message, or parse → emit → parse keeps every meaning
//! and is a fixed point. Never a panic. The checks are `tests/invariants`' (shared with the replay test).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/invariants/mod.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = invariants::check_yaml(data) {
        panic!("{e}\n--- input\n{}", String::from_utf8_lossy(data));
    }
});
