#!/usr/bin/env bash
# The JavaScript package's benchmark (./build.sh bench-js): its size, and 1,000 workloads in Node beside the
# native binary, on the benchmark's own generated input. Writes target/bench/js.md (BENCH_OUT overrides).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
OUT="${BENCH_OUT:-$TARGET_DIR/bench}"
./build.sh js
cargo build --release -p sidecar-injector-cli --bin sidecar-injector
# The generator only: the debug build of the driver is enough to write the inputs.
cargo build -p host-tests --example bench
mkdir -p "$OUT"
"$TARGET_DIR/debug/examples/bench" --gen 1000 "$OUT"
node bench/js.mjs --input "$OUT/in/1000" --native "$TARGET_DIR/release/sidecar-injector" --out "$OUT/js.md" "$@"
