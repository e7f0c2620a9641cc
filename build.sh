#!/usr/bin/env bash
# Builds the release artifacts into dist/:
#   dist/sidecar-injector        native binary (kustomize/kpt exec, Argo CD image)
#   dist/sidecar-injector.wasm   WASI preview-1 command module (wasmtime run, kustomize exec of a runtime)
#   dist/sidecar-injector.kpt.wasm  module for kpt's alpha wasm runtime (Go js/wasm ABI; docs/kpt-wasm.md)
#   npm/pkg/                     the JavaScript package's module (./build.sh js; see docs/javascript.md)
#
# Usage: ./build.sh [build|demo|install-plugin [PLUGIN_HOME]|push-kpt-wasm REF|bench [quick|full]|image|release|js|pack|playground|help]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

BIN=sidecar-injector
WASM_TARGET=wasm32-wasip1
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
DIST=${SIDECAR_INJECTOR_DIST:-dist} # the host tests build a release elsewhere
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

ensure_target() { # [target, default $WASM_TARGET]
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
    ensure_target
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
    ensure_target "$KPT_WASM_TARGET"
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
    ensure_target "$JS_TARGET"
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

# --- the container image and the release (docs/image.md) ----------------------------------------------------

# The statically linked binary the image and the release ship: musl, so it runs on any Linux, FROM scratch.
STATIC_TARGET="$(uname -m)-unknown-linux-musl"
STATIC_OUT="$TARGET_DIR/$STATIC_TARGET/release/$BIN"
# Where `./build.sh image` tags the image; set SIDECAR_INJECTOR_IMAGE to your registry's repository to push it.
IMAGE_REPO=${SIDECAR_INJECTOR_IMAGE:-localhost/sidecar-injector}

version() { # the workspace version, Cargo.toml's [workspace.package] version
    sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml
}

commit() { # what --version prints too (crates/cli/build.rs)
    git rev-parse --short=12 HEAD 2>/dev/null || echo unknown
}

# podman or docker, whichever is on PATH (CONTAINER_CLI=... chooses); podman first, since a docker client
# without an engine answers --version but cannot build.
container_cli() {
    if [[ -n ${CONTAINER_CLI:-} ]]; then
        echo "$CONTAINER_CLI"
    elif command -v podman >/dev/null; then
        echo podman
    elif command -v docker >/dev/null; then
        echo docker
    else
        echo "error: neither podman nor docker is on PATH (apt-get install podman; see docs/image.md)" >&2
        return 1
    fi
}


# SIDECAR_INJECTOR_STATIC_BINARY=path uses that binary instead of building one (the tests pass the one they built).
build_static() {
    if [[ -n ${SIDECAR_INJECTOR_STATIC_BINARY:-} ]]; then
        STATIC_OUT=$SIDECAR_INJECTOR_STATIC_BINARY
        return 0
    fi
    ensure_target "$STATIC_TARGET"
    log "cargo build --release --target $STATIC_TARGET (static)"
    cargo build --release -p sidecar-injector-cli --target "$STATIC_TARGET" --bin "$BIN"
}

# The function image: image/Containerfile with a build context of its own (the binary, passwd, group), so
# that nothing else of the tree is sent to the builder. Tags REPO:VERSION and REPO:VERSION-COMMIT.
build_image() {
    local cli context version commit
    cli=$(container_cli)
    build_static
    # A context of its own per build: the host tests may run several builds at once.
    mkdir -p "$TARGET_DIR"
    context=$(mktemp -d "$TARGET_DIR/image-context.XXXXXX")
    cp -f "$STATIC_OUT" "$context/$BIN"
    cp -f image/passwd image/group "$context/"
    version=$(version)
    commit=$(commit)
    log "$cli build -f image/Containerfile -t $IMAGE_REPO:$version -t $IMAGE_REPO:$version-$commit"
    "$cli" build --quiet -f image/Containerfile \
        --build-arg VERSION="$version" --build-arg REVISION="$commit" \
        -t "$IMAGE_REPO:$version" -t "$IMAGE_REPO:$version-$commit" "$context" >/dev/null
    rm -rf "$context"
    printf '%s:%s %s bytes\n' "$IMAGE_REPO" "$version" \
        "$("$cli" image inspect --format '{{.Size}}' "$IMAGE_REPO:$version")"
}

# The Argo CD images (argocd/README.md), tagged REPO/kustomize-plugin:VERSION (the built-in kustomize way's init
# image) and REPO/argocd-cmp:VERSION (the CMP sidecar). Their Dockerfiles copy dist/sidecar-injector and
# argocd/cmp/generate.sh from the repository root; the context here has only those, with the static binary.
# ARGOCD_INIT_BASE / ARGOCD_CMP_BASE replace the Dockerfiles' bases (busybox, Argo CD's image).
build_argocd_images() {
    local cli context version commit name base dockerfile
    cli=$(container_cli)
    build_static
    mkdir -p "$TARGET_DIR"
    context=$(mktemp -d "$TARGET_DIR/argocd-image-context.XXXXXX")
    mkdir -p "$context/dist" "$context/argocd/cmp"
    cp -f "$STATIC_OUT" "$context/dist/$BIN"
    cp -f argocd/cmp/generate.sh "$context/argocd/cmp/"
    version=$(version)
    commit=$(commit)
    for name in kustomize-plugin argocd-cmp; do
        if [[ $name == kustomize-plugin ]]; then
            dockerfile=argocd/builtin-kustomize/Dockerfile base=${ARGOCD_INIT_BASE:-}
        else
            dockerfile=argocd/cmp/Dockerfile base=${ARGOCD_CMP_BASE:-}
        fi
        log "$cli build -f $dockerfile -t $IMAGE_REPO/$name:$version${base:+ (base $base)}"
        "$cli" build --quiet -f "$dockerfile" ${base:+--build-arg BASE="$base"} \
            --label org.opencontainers.image.version="$version" --label org.opencontainers.image.revision="$commit" \
            -t "$IMAGE_REPO/$name:$version" -t "$IMAGE_REPO/$name:$version-$commit" "$context" >/dev/null || {
            log "building $name failed; where its base cannot be pulled, name a local one in ARGOCD_INIT_BASE / ARGOCD_CMP_BASE"
            return 1
        }
        printf '%s/%s:%s\n' "$IMAGE_REPO" "$name" "$version"
    done
    rm -rf "$context"
}

# The release: versioned artifacts and their checksums in $DIST/release/ (docs/image.md). The static binaries
# for every Linux target whose std is installed (x86_64 always; aarch64 after `rustup target add
# aarch64-unknown-linux-musl`, linked with rust-lld, no cross gcc needed), every .wasm module of $DIST/, and the
# image as an OCI archive.
RELEASE_LINUX_TARGETS=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl)

build_release() {
    local version cli out target triple_out name module archive
    version=$(version)
    out="$DIST/release"
    log "release $version into $out"
    if [[ -n "$(git status --porcelain 2>/dev/null)" ]]; then
        log "warning: the work tree has uncommitted changes; --version will name commit $(commit) all the same"
    fi
    build_wasm
    build_image
    rm -rf "$out"
    mkdir -p "$out"
    for target in "${RELEASE_LINUX_TARGETS[@]}"; do
        if [[ $target != "$STATIC_TARGET" ]] && ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
            log "skipping $target (rustup target add $target to include it)"
            continue
        fi
        if [[ $target == "$STATIC_TARGET" ]]; then
            triple_out=$STATIC_OUT # the very binary the image holds
        else
            log "cargo build --release --target $target"
            # rust-lld ships with rustup and links the musl targets on its own (they bring their C runtime).
            env "CARGO_TARGET_$(tr 'a-z-' 'A-Z_' <<<"$target")_LINKER=rust-lld" \
                cargo build --release -p sidecar-injector-cli --target "$target" --bin "$BIN"
            triple_out="$TARGET_DIR/$target/release/$BIN"
        fi
        cp -f "$triple_out" "$out/$BIN-$version-$target"
    done
    for module in "$DIST"/*.wasm; do
        name=$(basename "$module" .wasm)
        cp -f "$module" "$out/$name-$version.wasm"
    done
    cli=$(container_cli)
    archive="$out/$BIN-$version-image.oci.tar"
    if [[ $cli == *podman* ]]; then
        "$cli" save --quiet --format oci-archive -o "$archive" "$IMAGE_REPO:$version"
    else
        "$cli" save -o "$archive" "$IMAGE_REPO:$version" # docker 25+ writes an OCI image layout in the tar
    fi
    (cd "$out" && sha256sum -- * >SHA256SUMS)
    log "release $version (commit $(commit)) in $out:"
    (cd "$out" && for f in *; do size_line "$f"; done)
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
          writes target/bench/results.md. See docs/performance.md
  image [function|argocd|all]
          the function's container image (podman or docker), FROM scratch with the static binary, tagged
          \$SIDECAR_INJECTOR_IMAGE:VERSION and :VERSION-COMMIT (default localhost/sidecar-injector); and the Argo CD
          images \$SIDECAR_INJECTOR_IMAGE/kustomize-plugin and /argocd-cmp (bases: ARGOCD_INIT_BASE, ARGOCD_CMP_BASE).
          docs/image.md
  release the release artifacts, versioned, into $DIST/release/ with SHA256SUMS: static Linux binaries, the
          .wasm modules, the image as an OCI archive (needs podman or docker). docs/image.md
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
image)
    case "${2:-all}" in
    function) build_image ;;
    argocd) build_argocd_images ;;
    all) build_image && build_argocd_images ;;
    *) usage >&2 && exit 2 ;;
    esac
    ;;
release)
    build_release
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
