//! The YAML layer's own reader of the common subset gives exactly libyaml's events, or leaves the stream to
//! libyaml (`lossless_yaml::fast_reader_agrees`, shared with crates/yaml/tests/yaml/fast.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = lossless_yaml::fast_reader_agrees(data) {
        panic!("{e}\n--- input\n{:?}", String::from_utf8_lossy(data));
    }
});
