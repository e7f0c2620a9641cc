//! The YAML layer's tests, one binary: `layer` (meaning kept, new strings stay strings, hostile input gives
//! errors), `splice` (what the caller did not change is written back byte for byte) and `list` (a list read
//! and written item by item gives those same bytes).

mod fast;
mod layer;
mod list;
mod splice;
