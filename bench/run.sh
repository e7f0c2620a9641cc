#!/usr/bin/env bash
# The benchmark (issue 5): `./build.sh bench [quick]` runs this. See docs/performance.md.
#
#   bench/run.sh [quick|full] [--only SUBSTR[,SUBSTR...]]
#
#   quick: sizes 1, 10 and 1,000 only, 3 runs each (about 3 minutes); the default: 1 to 10,000 (about 8
#   minutes); full: also kustomize and kpt on 10,000 workloads (they take minutes a run: about 20 minutes more).
#
# Builds what it measures, then runs crates/host-tests/examples/bench.rs, which generates the inputs under $OUT (default
# target/bench) and writes results.md, results.tsv and plot.svg there:
#   - dist/sidecar-injector and dist/sidecar-injector.wasm, as ./build.sh builds them (release);
#   - the parse-and-emit floor (bench/floor, the same YAML layer and release settings), native and wasm;
#   - crates/host-tests/examples/wasm_run (the embedded wasmtime runner) and crates/host-tests/examples/bench (the driver), in a "bench-tools"
#     profile defined here (release, opt-level 3, no LTO: wasmtime with LTO takes far longer to build, and
#     only the runner's own speed depends on it).
# Installs what it needs that is missing and can be installed (Debian's `time` for peak memory, and binaryen,
# whose wasm-opt ./build.sh applies to the module when present); says which rows are skipped when kubectl or
# kpt is not on PATH.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
OUT="${BENCH_OUT:-$TARGET_DIR/bench}"
WASM_TARGET=wasm32-wasip1
PROFILE_FLAGS=(
    --config 'profile.bench-tools.inherits="release"'
    --config 'profile.bench-tools.opt-level=3'
    --config 'profile.bench-tools.lto=false'
    --config 'profile.bench-tools.codegen-units=16'
    --config 'profile.bench-tools.panic="unwind"'
)

log() { printf '==> %s\n' "$*" >&2; }

quick=()
full=()
only=()
while (($#)); do
    case "$1" in
    quick | --quick) quick=(--quick) ;;
    full | --full) full=(--hosts-at-10000) ;;
    --only) only=(--only "$2") && shift ;;
    *) echo "usage: $0 [quick|full] [--only SUBSTR[,SUBSTR...]]" >&2 && exit 2 ;;
    esac
    shift
done

if [[ ! -x /usr/bin/time ]]; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        log "installing Debian's time (for peak memory)"
        apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null; } ||
            log "could not install time: peak memory will be missing"
    else
        log "/usr/bin/time is missing (Debian package 'time'): peak memory will be missing"
    fi
fi
if ! command -v wasm-opt >/dev/null && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    # ./build.sh runs wasm-opt when it is there (the module is smaller); measure what it ships.
    log "installing Debian's binaryen (wasm-opt), which ./build.sh uses when present"
    apt-get install -y -qq binaryen >/dev/null 2>&1 || log "could not install binaryen: measuring rustc's module as it is"
fi
for tool in kubectl kpt; do
    command -v "$tool" >/dev/null || log "$tool not on PATH: its rows are skipped"
done

./build.sh build
log "building the parse-and-emit floor (bench/floor), native and $WASM_TARGET"
cargo build --release --manifest-path bench/floor/Cargo.toml --target-dir "$TARGET_DIR"
cargo build --release --manifest-path bench/floor/Cargo.toml --target-dir "$TARGET_DIR" --target "$WASM_TARGET"
log "building the host-tests examples wasm_run and bench (profile bench-tools)"
cargo build "${PROFILE_FLAGS[@]}" --profile bench-tools -p host-tests --example wasm_run --example bench

mkdir -p "$OUT"
"$TARGET_DIR/bench-tools/examples/bench" \
    --out "$OUT" \
    --native dist/sidecar-injector \
    --wasm dist/sidecar-injector.wasm \
    --wasm-raw "$TARGET_DIR/$WASM_TARGET/release/sidecar-injector.wasm" \
    --floor "$TARGET_DIR/release/parse-emit" \
    --floor-wasm "$TARGET_DIR/$WASM_TARGET/release/parse-emit.wasm" \
    --runner "$TARGET_DIR/bench-tools/examples/wasm_run" \
    --kpt-wasm dist/sidecar-injector.kpt.wasm \
    "${quick[@]}" "${full[@]}" "${only[@]}"
