//! Nothing to link: this package holds the host tests (`tests/hosts`) and the benchmark's tools (`examples/`).
