#!/usr/bin/env bash
# The project's test command: builds the release artifacts (./build.sh), then runs every test of the workspace
# against them, then the doc tests.
#
# Runs all suites even after a failure (so one run shows everything) and exits non-zero if any failed.
# Tests that need a host tool that is missing (kpt, kubectl, kustomize, node, docker-registry, PyYAML) are built as
# ignored (crates/host-tests/build.rs probes PATH), so the runner reports them as skipped, and --status-level skip
# names each one. SIDECAR_INJECTOR_BIN / SIDECAR_INJECTOR_WASM / SIDECAR_INJECTOR_KPT_WASM point the host tests at other
# artifacts.
#
#   ./test.sh            everything (cold: see the README for how long)
#   ./test.sh core       only the core's and the YAML layer's tests: no artifacts, no wasmtime
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

failed=()

run() { # name, command...
    local name=$1 start status=0
    shift
    printf '==> %s: %s\n' "$name" "$*" >&2
    start=$SECONDS
    "$@" || status=$?
    printf '==> %s: exit %d after %ds\n' "$name" "$status" $((SECONDS - start)) >&2
    if ((status != 0)); then failed+=("$name"); fi
}

nextest() { # packages...
    if cargo nextest --version >/dev/null 2>&1; then
        cargo nextest run "$@" --all-targets --no-fail-fast --status-level skip --final-status-level skip
    else
        echo "cargo-nextest not installed: falling back to cargo test" >&2
        cargo test "$@" --all-targets --no-fail-fast
    fi
}

case "${1:-all}" in
core)
    run "core tests" nextest -p sidecar-injector -p lossless-yaml
    run "doc tests" cargo test -p sidecar-injector -p lossless-yaml --doc --no-fail-fast
    ;;
all)
    run "release artifacts (./build.sh)" ./build.sh build
    if [[ " ${failed[*]} " != *" release artifacts "* ]]; then
        # The host tests run what ships, not a build of their own.
        export SIDECAR_INJECTOR_BIN="${SIDECAR_INJECTOR_BIN:-$PWD/dist/sidecar-injector}"
        export SIDECAR_INJECTOR_WASM="${SIDECAR_INJECTOR_WASM:-$PWD/dist/sidecar-injector.wasm}"
        export SIDECAR_INJECTOR_KPT_WASM="${SIDECAR_INJECTOR_KPT_WASM:-$PWD/dist/sidecar-injector.kpt.wasm}"
    fi
    run "tests (every crate)" nextest --workspace
    run "doc tests" cargo test --workspace --doc --no-fail-fast
    ;;
*)
    echo "usage: $0 [all|core]" >&2
    exit 2
    ;;
esac

if ((${#failed[@]} > 0)); then
    printf '==> FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "==> all tests passed" >&2
