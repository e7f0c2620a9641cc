// The Web Worker, a classic script: wasm-bindgen's no-modules glue (the global `wasm_bindgen`) is concatenated
// in front of this file, and the .wasm bytes are inlined as base64 (WASM_BASE64, defined by
// playground/build.mjs): a page opened from file:// may neither fetch a file nor start a worker from one, nor a
// module worker from a Blob, but it may start a classic one from a Blob.
const { initSync, transformManifests, version } = wasm_bindgen;
const wasmBytes = Uint8Array.from(atob(WASM_BASE64), (c) => c.charCodeAt(0));
initSync({ module: wasmBytes });

// What the page is sent of a large run: copying 30 MB of output and 10,000 result objects into the page, and
// laying them out, would stall it for seconds after the run. The whole output goes as a Blob (not copied).
const OUTPUT_HEAD = 256 << 10;
const RESULTS_SENT = 500;

self.onmessage = (event) => {
  const { id, manifests, config } = event.data;
  const started = performance.now();
  let result;
  try {
    result = transformManifests(manifests, config);
  } catch (error) {
    // A trap (out of memory, say) leaves the instance unusable: the page starts a new worker.
    result = { output: "", stderr: String(error), exitCode: 1, ok: false,
      results: [{ severity: "error", message: `the module failed: ${error}` }], fatal: true };
  }
  const millis = performance.now() - started;
  const { output, results } = result;
  const diff = output ? diffDocuments(manifests, output) : null;
  const counts = { error: 0, warning: 0, info: 0 };
  for (const r of results) counts[r.severity]++;
  self.postMessage({
    id, millis, diff, counts,
    ok: result.ok, exitCode: result.exitCode, stderr: result.stderr, fatal: Boolean(result.fatal),
    outputHead: output.length > OUTPUT_HEAD ? output.slice(0, output.lastIndexOf("\n", OUTPUT_HEAD) + 1) : output,
    outputLength: output.length,
    outputBlob: output ? new Blob([output], { type: "application/yaml" }) : null,
    results: results.slice(0, RESULTS_SENT),
    resultCount: results.length,
  });
};
self.postMessage({ ready: true, version: version() });
