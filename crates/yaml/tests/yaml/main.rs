//! The YAML layer's tests, one binary: `layer` (meaning kept, new strings stay strings, hostile input gives
//! errors) and `splice` (what the caller did not change is written back byte for byte).

mod layer;
mod splice;
