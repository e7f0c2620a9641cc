#!/usr/bin/env bash
# Builds the release artifacts into dist/:
#   dist/sidecar-injector        native binary (kustomize/kpt exec, Argo CD image)
#   dist/sidecar-injector.wasm   WASI preview-1 command module (wasmtime run, kustomize exec of a runtime)
#   npm/pkg/                     the JavaScript package's module (./build.sh js; see docs/javascript.md)
#
# Usage: ./build.sh [build|demo|install-plugin [PLUGIN_HOME]|bench [quick|full]|js|pack|playground|help]
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
    printf '%-28s %9d bytes (%s), %9d gzipped\n' "$1" "$bytes" "$(numfmt --to=iec "$bytes")" "$gz"
}

ensure_wasm_target() {
    if command -v rustup >/dev/null; then
        if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
            log "installing rustup target $WASM_TARGET"
            rustup target add "$WASM_TARGET"
        fi
    elif [[ ! -d "$(rustc --print sysroot)/lib/rustlib/$WASM_TARGET" ]]; then
        # Without rustup there is no way to add a target's std here; say what is missing.
        echo "error: no rustup, and the toolchain has no $WASM_TARGET std" >&2
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

# --- The JavaScript package (npm/) and the playground (playground/), from crates/js through wasm-bindgen. ---
JS_TARGET=wasm32-unknown-unknown
JS_CRATE=sidecar_injector_js
JS_PKG=npm/pkg
PLAYGROUND_OUT="$DIST/playground"

# The CLI refuses a module made by another wasm-bindgen; the crate pins the exact version it must be.
js_wasm_bindgen_version() {
    sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' crates/js/Cargo.toml
}

build_js() {
    local want have
    want=$(js_wasm_bindgen_version)
    have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}') || true
    if [[ "$have" != "$want" ]]; then
        echo "error: wasm-bindgen-cli $want is needed (found: ${have:-none});" \
            "cargo install --locked wasm-bindgen-cli --version =$want" >&2
        exit 1
    fi
    if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$JS_TARGET"; then
        log "installing rustup target $JS_TARGET"
        rustup target add "$JS_TARGET"
    fi
    log "cargo build --release --target $JS_TARGET (crates/js)"
    cargo build --release -p sidecar-injector-js --target "$JS_TARGET"
    log "wasm-bindgen $want --target web -> $JS_PKG/"
    rm -rf "$JS_PKG"
    wasm-bindgen --target web --out-dir "$JS_PKG" --out-name "$JS_CRATE" \
        "$TARGET_DIR/$JS_TARGET/release/$JS_CRATE.wasm"
    maybe_wasm_opt "$JS_PKG/${JS_CRATE}_bg.wasm"
    echo "javascript package (npm/):"
    size_line "$JS_PKG/${JS_CRATE}_bg.wasm"
}

# npm pack: the tarball a user installs, into dist/.
pack_js() {
    build_js
    mkdir -p "$DIST"
    local tarball
    tarball=$(cd npm && npm pack --silent --pack-destination "../$DIST")
    size_line "$DIST/$tarball"
}

# The page's worker is a classic script (Chromium starts no module worker from a Blob on a file:// page): the
# same module's glue again, as wasm-bindgen's `--target no-modules` (a global `wasm_bindgen`).
build_playground() {
    local glue="$TARGET_DIR/playground-glue"
    build_js
    rm -rf "$glue"
    wasm-bindgen --target no-modules --no-typescript --out-dir "$glue" --out-name "$JS_CRATE" \
        "$TARGET_DIR/$JS_TARGET/release/$JS_CRATE.wasm"
    log "node playground/build.mjs -> $PLAYGROUND_OUT/"
    node playground/build.mjs "$PLAYGROUND_OUT" "$glue/$JS_CRATE.js" "$JS_PKG/${JS_CRATE}_bg.wasm"
    size_line "$PLAYGROUND_OUT/index.html"
    echo "open it: file://$PWD/$PLAYGROUND_OUT/index.html (one self-contained file: any browser, no server)"
    echo "or serve it: python3 -m http.server -d $PLAYGROUND_OUT 8000, then http://127.0.0.1:8000/"
}

print_sizes() {
    echo "artifacts:"
    size_line "$DIST/$BIN"
    size_line "$DIST/$BIN.wasm"
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
  build   (default) release native binary and wasm32-wasip1 module into $DIST/, print sizes
  demo    build, then run the native binary on ${DEMO_INPUTS[0]} and print its output
  install-plugin [PLUGIN_HOME]
          install the native binary as a kustomize legacy exec plugin (for kubectl kustomize)
  bench [quick|full]
          build, then time the function against the parse-and-emit floor, cat, kubectl kustomize and kpt
          (bench/run.sh, ~10 min; quick ~5 min; full adds the hosts at 10,000 workloads);
          writes target/bench/results.md. See bench/README.md
  bench-js [--runs N]
          the JavaScript package's size, and 1,000 workloads in Node beside the native binary (bench/js.sh,
          ~2 min); writes target/bench/js.md
  js      the JavaScript package: crates/js through wasm-bindgen into npm/pkg/, print its size
  pack    js, then npm pack into $DIST/ (the tarball users install)
  playground
          js, then the playground page into $PLAYGROUND_OUT/index.html (one file, works from file://)
  help    this text
EOF
}

case "${1:-build}" in
build)
    build_native
    build_wasm
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
bench)
    shift
    exec bench/run.sh "$@"
    ;;
js)
    build_js
    ;;
bench-js)
    shift
    exec bench/js.sh "$@"
    ;;
pack)
    pack_js
    ;;
playground)
    build_playground
    ;;
help | -h | --help)
    usage
    ;;
*)
    usage >&2
    exit 2
    ;;
esac
