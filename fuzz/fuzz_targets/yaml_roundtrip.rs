//! The YAML layer: any bytes either fail to parse with a message, or parse → emit → parse keeps every meaning
//! and is a fixed point. Never a panic. The check is the layer's own (`lossless_yaml::meaning`), shared with
//! the replay test.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = lossless_yaml::meaning::check_round_trip(data) {
        panic!("{e}\n--- input\n{}", String::from_utf8_lossy(data));
    }
});
