//! The core's tests, one binary: the library against the testdata cases, computed properties, the replay of the
//! fuzz corpus, and the benchmark's inputs. Nothing here runs a host or links wasmtime (see crates/host-tests).

mod bench_smoke;
mod fuzz_replay;
mod invariants;
mod item_by_item;
mod properties;
mod testdata;
