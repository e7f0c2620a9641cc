// The package's entry point: loads the WebAssembly module once, at import, then exports the function.
//
// The glue in pkg/ is wasm-bindgen's `--target web` output: an ES module with no imports of its own, which
// browsers, Web Workers, bundlers and Node can all load. Only how the .wasm bytes are fetched differs: Node's
// fetch cannot read file: URLs, so under Node the bytes are read from disk.
import init, * as wasm from "./pkg/sidecar_injector_js.js";

const wasmUrl = new URL("./pkg/sidecar_injector_js_bg.wasm", import.meta.url);

if (wasmUrl.protocol === "file:" && typeof process === "object" && process.versions?.node) {
  const { readFileSync } = await import("node:fs");
  wasm.initSync({ module: readFileSync(wasmUrl) });
} else {
  await init({ module_or_path: wasmUrl });
}

// The glue would turn a number into its digits and fail on undefined with a message about `.length`: say
// what was expected instead.
function yamlText(name, value) {
  if (typeof value !== "string") {
    throw new TypeError(`${name} must be a string of YAML, not ${value === null ? "null" : typeof value}`);
  }
  return value;
}

/** @type {typeof import("./index.d.ts").transform} */
export function transform(resourceList) {
  return wasm.transform(yamlText("resourceList", resourceList));
}

/** @type {typeof import("./index.d.ts").transformManifests} */
export function transformManifests(manifests, config) {
  return wasm.transformManifests(yamlText("manifests", manifests), yamlText("config", config));
}

export const version = wasm.version;
