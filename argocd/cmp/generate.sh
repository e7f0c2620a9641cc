#!/usr/bin/env bash
# The Config Management Plugin's generate command (installed as /usr/local/bin/sidecar-injector-generate).
# Runs in the Application's source directory and prints the manifests with the sidecars injected: on stdout
# only YAML objects (Argo CD parses all of it), diagnostics on stderr.
#
#   - the config: ./sidecar-injector.yaml, or the file named by the Application's plugin env
#     SIDECAR_INJECTOR_CONFIG (Argo CD passes it as ARGOCD_ENV_SIDECAR_INJECTOR_CONFIG);
#   - the manifests: `kustomize build .` when the directory has a kustomization (`kubectl kustomize .` if there
#     is no kustomize binary), otherwise every *.yaml / *.yml file of the directory but the config, in name order;
#   - the injector: sidecar-injector on PATH (or $SIDECAR_INJECTOR), in its kustomize legacy plugin mode
#     (config file as argv[1], a plain YAML stream on stdin and stdout).
# Any failure exits non-zero with nothing half-done on stdout, so Argo CD never syncs a partial render.
set -euo pipefail
shopt -s inherit_errexit

config=${ARGOCD_ENV_SIDECAR_INJECTOR_CONFIG:-sidecar-injector.yaml}
injector=${SIDECAR_INJECTOR:-sidecar-injector}

if [[ ! -f $config ]]; then
    echo "sidecar-injector-generate: no config $config in $PWD" >&2
    exit 1
fi

manifests() {
    if [[ -f kustomization.yaml || -f kustomization.yml || -f Kustomization ]]; then
        if command -v kustomize >/dev/null; then
            kustomize build .
        else
            kubectl kustomize .
        fi
        return
    fi
    local files=() f
    shopt -s nullglob
    for f in *.yaml *.yml; do
        [[ $f -ef $config ]] || files+=("$f")
    done
    if ((${#files[@]} == 0)); then
        echo "sidecar-injector-generate: no manifests (*.yaml, *.yml) in $PWD" >&2
        exit 1
    fi
    # One stream: a document separator between files, unless the next file starts with its own.
    awk 'FNR == 1 && NR != 1 && !/^---/ { print "---" } { print }' "${files[@]}"
}

# Render fully before printing anything: a failure leaves stdout empty.
stream=$(manifests)
output=$(printf '%s\n' "$stream" | "$injector" "$config")
printf '%s\n' "$output"
