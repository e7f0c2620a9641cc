#!/usr/bin/env bash
# The project's test command: every test target, then the doc tests.
#
# Runs all suites even after a failure (so one run shows everything) and exits non-zero if any failed.
# Tests that need a host tool that is missing (kpt, kubectl, kustomize, node, PyYAML) are built as ignored
# (build.rs probes PATH), so the runner reports them as skipped, and --status-level skip names each one.
# SIDECAR_INJECTOR_WASM=/path/to/module.wasm tests that module instead of building one.
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

if cargo nextest --version >/dev/null 2>&1; then
    run "tests (nextest)" cargo nextest run --all-targets --no-fail-fast --status-level skip
else
    echo "cargo-nextest not installed: falling back to cargo test" >&2
    run "tests (cargo test)" cargo test --all-targets --no-fail-fast
fi
run "doc tests" cargo test --doc --no-fail-fast

if ((${#failed[@]} > 0)); then
    printf '==> FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "==> all tests passed" >&2
