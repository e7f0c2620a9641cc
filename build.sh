#!/usr/bin/env bash
# Builds the release artifacts into dist/:
#   dist/sidecar-injector        native binary (kustomize/kpt exec, Argo CD image)
#   dist/sidecar-injector.wasm   WASI preview-1 command module (wasmtime run, kustomize exec of a runtime)
#   dist/sidecar-injector.kpt.wasm  module for kpt's alpha wasm runtime (Go js/wasm ABI; docs/kpt-wasm.md)
#
# Usage: ./build.sh [build|demo|install-plugin [PLUGIN_HOME]|push-kpt-wasm REF|bench [quick|full]|help]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

BIN=sidecar-injector
WASM_TARGET=wasm32-wasip1
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
DIST=dist
NATIVE_OUT="$TARGET_DIR/release/$BIN"
WASM_OUT="$TARGET_DIR/$WASM_TARGET/release/$BIN.wasm"
# The README names testdata/demo/; examples/demo/ was the first plan. Whichever exists.
DEMO_INPUTS=(testdata/demo/resource-list.yaml examples/demo/resource-list.yaml)

log() { printf '==> %s\n' "$*" >&2; }

size_line() { # path
    local bytes gz
    bytes=$(stat -c %s "$1")
    gz=$(gzip -9c <"$1" | wc -c)
    printf '%-31s %9d bytes (%s), %9d gzipped\n' "$1" "$bytes" "$(numfmt --to=iec "$bytes")" "$gz"
}

ensure_wasm_target() { # [target, default $WASM_TARGET]
    local target=${1:-$WASM_TARGET}
    if command -v rustup >/dev/null; then
        if ! rustup target list --installed | grep -qx "$target"; then
            log "installing rustup target $target"
            rustup target add "$target"
        fi
    elif [[ ! -d "$(rustc --print sysroot)/lib/rustlib/$target" ]]; then
        # Without rustup there is no way to add a target's std here; say what is missing.
        echo "error: no rustup, and the toolchain has no $target std" >&2
        exit 1
    fi
}

build_native() {
    log "cargo build --release (native)"
    cargo build --release -p sidecar-injector-cli --bin "$BIN"
    mkdir -p "$DIST"
    cp -f "$NATIVE_OUT" "$DIST/$BIN"
}

build_wasm() {
    ensure_wasm_target
    log "cargo build --release --target $WASM_TARGET"
    cargo build --release -p sidecar-injector-cli --target "$WASM_TARGET" --bin "$BIN"
    mkdir -p "$DIST"
    cp -f "$WASM_OUT" "$DIST/$BIN.wasm"
    maybe_wasm_opt "$DIST/$BIN.wasm"
}

# kpt's wasm runtime speaks Go's js/wasm ABI, not WASI: the same core behind the adapter in crates/kpt, built
# for wasm32-unknown-unknown. kpt's --exec takes a file as wasm only if its name ends in .wasm.
KPT_WASM_TARGET=wasm32-unknown-unknown
KPT_WASM=$DIST/$BIN.kpt.wasm

build_kpt_wasm() {
    ensure_wasm_target "$KPT_WASM_TARGET"
    log "cargo build --release --target $KPT_WASM_TARGET (kpt's wasm runtime)"
    cargo build --release -p sidecar-injector-kpt --target "$KPT_WASM_TARGET"
    mkdir -p "$DIST"
    cp -f "$TARGET_DIR/$KPT_WASM_TARGET/release/sidecar_injector_kpt.wasm" "$KPT_WASM"
    maybe_wasm_opt "$KPT_WASM"
}

# push-kpt-wasm: the kpt module as an OCI wasm image (platform wasm/js), for `kpt fn eval --allow-alpha-wasm -i REF`
# and Kptfile `image: REF` steps. kpt pushes with the credentials of `docker login` / ~/.docker/config.json.
push_kpt_wasm() { # reference, e.g. REGISTRY/OWNER/sidecar-injector-kpt-wasm:v0.1.0
    if [[ -z "${1:-}" ]]; then
        echo "usage: $0 push-kpt-wasm REGISTRY/NAME:TAG" >&2
        exit 2
    fi
    build_kpt_wasm
    log "kpt alpha wasm push $KPT_WASM $1"
    kpt alpha wasm push "$KPT_WASM" "$1"
}

# wasm-opt is optional (Debian: binaryen). Its output ships only if it is smaller; a failure leaves
# rustc's module in place, since the build must not depend on a tool CI does not have.
maybe_wasm_opt() { # module
    local module=$1 tmp before after
    if ! command -v wasm-opt >/dev/null; then
        log "wasm-opt not on PATH (apt-get install binaryen): keeping rustc's module"
        return 0
    fi
    tmp="$module.opt.tmp"
    # rustc's wasm32-wasip1 emits these post-MVP features by default; older binaryen rejects the
    # module unless they are enabled explicitly.
    if wasm-opt -Os --strip-debug --strip-producers \
        --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
        --enable-nontrapping-float-to-int --enable-multivalue --enable-reference-types \
        "$module" -o "$tmp"; then
        before=$(stat -c %s "$module")
        after=$(stat -c %s "$tmp")
        if ((after < before)); then
            mv -f "$tmp" "$module"
            log "wasm-opt -Os: $before -> $after bytes, kept"
        else
            rm -f "$tmp"
            log "wasm-opt -Os: $before -> $after bytes, not smaller, discarded"
        fi
    else
        rm -f "$tmp"
        log "wasm-opt failed: keeping rustc's module"
    fi
}

print_sizes() {
    echo "artifacts:"
    size_line "$DIST/$BIN"
    size_line "$DIST/$BIN.wasm"
    size_line "$KPT_WASM"
}

# install-plugin: the native binary as a kustomize legacy exec plugin, where `kubectl kustomize --enable-alpha-plugins`
# (and standalone kustomize) look for a transformer of kind SidecarInjector, group/version sidecar-injector.dev/v1alpha1.
# SIDECAR_INJECTOR_BINARY=path installs that binary instead of building one (the tests install the one cargo built).
install_plugin() { # [plugin home]
    local caller=${OLDPWD:-$PWD} home src dir
    home=${1:-${KUSTOMIZE_PLUGIN_HOME:-${XDG_CONFIG_HOME:-$HOME/.config}/kustomize/plugin}}
    [[ $home == /* ]] || home="$caller/$home" # relative to where the command was typed, not to this script
    src=${SIDECAR_INJECTOR_BINARY:-}
    if [[ -z "$src" ]]; then
        build_native # cargo rebuilds only what changed
        src="$PWD/$DIST/$BIN"
    elif [[ $src != /* ]]; then
        src="$caller/$src"
    fi
    dir="$home/sidecar-injector.dev/v1alpha1/sidecarinjector"
    mkdir -p "$dir"
    # Copy, then rename: replacing a binary a running kustomize is executing must not fail with "text file busy".
    cp -f "$src" "$dir/.SidecarInjector.$$"
    chmod 0755 "$dir/.SidecarInjector.$$"
    mv -f "$dir/.SidecarInjector.$$" "$dir/SidecarInjector"
    log "installed $dir/SidecarInjector"
    echo "$dir/SidecarInjector"
    echo "use: KUSTOMIZE_PLUGIN_HOME=$home kubectl kustomize --enable-alpha-plugins DIR"
}

usage() {
    cat <<EOF
usage: $0 [command]
  build   (default) release native binary, wasm32-wasip1 module and kpt wasm module into $DIST/, print sizes
  demo    build, then run the native binary on ${DEMO_INPUTS[0]} and print its output
  install-plugin [PLUGIN_HOME]
          install the native binary as a kustomize legacy exec plugin (for kubectl kustomize)
  push-kpt-wasm REGISTRY/NAME:TAG
          build $KPT_WASM and push it as an OCI wasm image (kpt alpha wasm push), for
          kpt fn eval --allow-alpha-wasm -i REGISTRY/NAME:TAG (see docs/kpt-wasm.md)
  bench [quick|full]
          build, then time the function against the parse-and-emit floor, cat, kubectl kustomize and kpt
          (bench/run.sh, ~10 min; quick ~5 min; full adds the hosts at 10,000 workloads);
          writes target/bench/results.md. See bench/README.md
  help    this text
EOF
}

case "${1:-build}" in
build)
    build_native
    build_wasm
    build_kpt_wasm
    print_sizes
    ;;
demo)
    demo_input=
    for f in "${DEMO_INPUTS[@]}"; do
        if [[ -f "$f" ]]; then demo_input=$f && break; fi
    done
    if [[ -z "$demo_input" ]]; then
        echo "error: no demo input (looked for ${DEMO_INPUTS[*]})" >&2
        exit 1
    fi
    build_native
    build_wasm
    print_sizes
    log "$DIST/$BIN < $demo_input"
    status=0
    "$DIST/$BIN" <"$demo_input" || status=$?
    log "exit code $status"
    exit "$status"
    ;;
install-plugin)
    install_plugin "${2:-}"
    ;;
push-kpt-wasm)
    push_kpt_wasm "${2:-}"
    ;;
bench)
    shift
    exec bench/run.sh "$@"
    ;;
help | -h | --help)
    usage
    ;;
*)
    usage >&2
    exit 2
    ;;
esac
