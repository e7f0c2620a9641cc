//! The whole KRM function (`process`, ResourceList mode): never a panic, exit 0 or 1, deterministic, output that
//! parses, nothing lost, and idempotent on success. The checks are `tests/invariants`' (shared with the replay
//! test).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/core/invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = invariants::check_process(data) {
        panic!("{e}\n--- input\n{}", String::from_utf8_lossy(data));
    }
});
