#!/usr/bin/env bash
# The project's test command: builds the release artifacts (./build.sh), then runs every test of the workspace
# against them, then the doc tests.
#
# Runs all suites even after a failure (so one run shows everything) and exits non-zero if any failed.
# Tests that need a host tool that is missing (kpt, kubectl, kustomize, node, podman, docker-registry, PyYAML) are
# built as ignored (crates/host-tests/build.rs probes PATH), so the runner reports them as skipped, and
# --status-level skip names each one. SIDECAR_INJECTOR_BIN / SIDECAR_INJECTOR_WASM / SIDECAR_INJECTOR_KPT_WASM point
# the host tests at other artifacts.
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

# ./build.sh image function prints "REPO:TAG SIZE bytes"; the host tests run that image. (The Argo CD images'
# bases cannot be pulled on the CI machines: the host tests build those images on stand-in bases.)
image_for_tests() {
    local line
    line=$(./build.sh image function) || return
    printf '%s\n' "$line"
    export SIDECAR_INJECTOR_IMAGE_REF="${line%% *}"
}

# The JavaScript package (npm/) and the playground (playground/): `./build.sh playground` builds both, then
# Node's own test runner runs each folder's tests (npm/: every testdata case through the package, byte for byte;
# playground/: the page in headless Chromium). Without node or the pinned wasm-bindgen-cli the step is skipped,
# by name, unless SIDECAR_INJECTOR_JS_REQUIRED=1 (.ci/run sets it, and installs both).
js_tests() {
    local want status=0 missing=
    want=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' crates/js/Cargo.toml)
    command -v node >/dev/null || missing="node"
    [[ "$(wasm-bindgen --version 2>/dev/null)" == "wasm-bindgen $want" ]] || missing="${missing:+$missing, }wasm-bindgen-cli $want"
    if [[ -n "$missing" ]]; then
        if [[ "${SIDECAR_INJECTOR_JS_REQUIRED:-}" == 1 ]]; then
            echo "error: $missing missing, and SIDECAR_INJECTOR_JS_REQUIRED=1" >&2
            return 1
        fi
        echo "SKIPPED: javascript package and playground tests ($missing missing; .ci/run installs them)" >&2
        return 0
    fi
    ./build.sh playground || return 1
    (cd npm && node --test --test-reporter=spec test/) || status=1
    (cd playground && node --test --test-reporter=spec test/) || status=1
    return "$status"
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
    if command -v podman >/dev/null; then
        # The image tests run podman, directly and as `docker` (tools/container/docker, first on PATH: kustomize
        # runs `docker`, and a `docker` elsewhere on PATH may be a client without an engine). The settings that make
        # podman work on the CI machines apply unless CONTAINERS_CONF names others (docs/image.md).
        export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/tools/container/containers.conf}"
        export PATH="$PWD/tools/container:$PATH"
        run "container image (./build.sh image function)" image_for_tests
        # The release holds the image as an archive, hence only here; image::the_release_* check it.
        run "release (./build.sh release)" ./build.sh release
        export SIDECAR_INJECTOR_RELEASE_DIR="${SIDECAR_INJECTOR_RELEASE_DIR:-$PWD/dist/release}"
    else
        echo "==> podman not on PATH: the image tests (image::*) are skipped" >&2
    fi
    run "tests (every crate)" nextest --workspace
    run "doc tests" cargo test --workspace --doc --no-fail-fast
    run "javascript package and playground (node --test)" js_tests
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
