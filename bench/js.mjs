// The JavaScript package beside the native binary (./build.sh bench-js runs this; bench/README.md):
// the package's size, and the time to transform the benchmark's 1,000-workload ResourceList, in Node
// in-process (after import, the module compiled once) and as a whole `node` process, against the native
// binary as a whole process. Each Node output is checked byte for byte against the native binary's.
//
//   node bench/js.mjs --input DIR/in/1000 --native dist/sidecar-injector --out target/bench/js.md [--runs N]
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { spawnSync, execFileSync } from "node:child_process";
import { tmpdir, loadavg, cpus } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const runs = Number(args.runs || 7);
const listPath = join(args.input, "resource-list.yaml");
const streamPath = join(args.input, "kustomize-plugin/workloads.yaml");
const configPath = join(args.input, "kustomize-plugin/injector.yaml");
const list = readFileSync(listPath);
const stream = readFileSync(streamPath);
const config = readFileSync(configPath, "utf8");

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;

// --- sizes ---
const wasmPath = join(root, "npm/pkg/sidecar_injector_js_bg.wasm");
const wasm = readFileSync(wasmPath);
const glue = readFileSync(join(root, "npm/pkg/sidecar_injector_js.js"));
const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: join(root, "npm"), encoding: "utf8" }));

// --- Node, in-process ---
const importStart = performance.now();
const pkg = await import(join(root, "npm/index.js"));
const importMs = performance.now() - importStart;
const listText = list.toString("utf8"), streamText = stream.toString("utf8");
const timed = (fn) => { const t = performance.now(); const r = fn(); return [performance.now() - t, r]; };

// --- whole processes, interleaved so that the machine's drift hits both alike ---
const work = mkdtempSync(join(tmpdir(), "bench-js-"));
const once = join(work, "once.mjs");
writeFileSync(once, `import { transform } from ${JSON.stringify(join(root, "npm/index.js"))};
import { readFileSync } from "node:fs";
const input = readFileSync(0, "utf8");
const started = performance.now();
const r = transform(input);
process.stderr.write(String(performance.now() - started));
process.stdout.write(r.output);
process.exitCode = r.exitCode;
`);
const spawnTimed = (cmd, argv, input, env) => {
  const t = performance.now();
  const r = spawnSync(cmd, argv, { input, maxBuffer: 1 << 30, env: { ...process.env, ...env } });
  const elapsed = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return [elapsed, r.stdout, r.stderr.toString()];
};

const native = spawnTimed(args.native, [], list)[1];
const nativeStream = spawnTimed(args.native, [], stream, { KUSTOMIZE_PLUGIN_CONFIG_STRING: config })[1];
const check = (what, got, want) => {
  if (Buffer.compare(Buffer.from(got), want) !== 0) throw new Error(`${what}: output differs from the native binary's`);
};
check("transform", pkg.transform(listText).output, native);
check("transformManifests", pkg.transformManifests(streamText, config).output, nativeStream);
check("node process", spawnTimed("node", [once], list)[1], native);

const t = { transform: [], manifests: [], nodeProcess: [], firstCall: [], nativeProcess: [], nativeStream: [] };
for (let i = 0; i < runs; i++) {
  t.transform.push(timed(() => pkg.transform(listText))[0]);
  t.manifests.push(timed(() => pkg.transformManifests(streamText, config))[0]);
  const [whole, , firstCall] = spawnTimed("node", [once], list);
  t.nodeProcess.push(whole);
  t.firstCall.push(Number(firstCall));
  t.nativeProcess.push(spawnTimed(args.native, [], list)[0]);
  t.nativeStream.push(spawnTimed(args.native, [], stream, { KUSTOMIZE_PLUGIN_CONFIG_STRING: config })[0]);
}
rmSync(work, { recursive: true, force: true });

const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
const ratio = (x) => `${(x / m.nativeProcess).toFixed(2)}×`;
const report = `# The JavaScript package beside the native binary

${new Date().toISOString().slice(0, 16)}Z, node ${process.version}, ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)};
input: the benchmark's ${(list.length / (1 << 20)).toFixed(1)} MiB ResourceList of 1,000 workloads (\`bench/gen.rs\`); medians of ${runs} runs,
interleaved. Every output below was checked byte for byte against the native binary's.

| package (npm/) | bytes | gzipped |
|---|---:|---:|
| \`pkg/sidecar_injector_js_bg.wasm\` | ${wasm.length} (${kb(wasm.length)}) | ${gzipSync(wasm, { level: 9 }).length} (${kb(gzipSync(wasm, { level: 9 }).length)}) |
| \`pkg/sidecar_injector_js.js\` (glue) | ${glue.length} | ${gzipSync(glue, { level: 9 }).length} |
| \`npm pack\` tarball | ${packed.size} (${kb(packed.size)}) | (is gzip) |
| installed (unpacked) | ${packed.unpackedSize} (${kb(packed.unpackedSize)}) | |

| 1,000 workloads | median | vs native process |
|---|---:|---:|
| native binary, whole process (\`dist/sidecar-injector < resource-list.yaml\`) | ${ms(m.nativeProcess)} | 1.00× |
| Node, \`transform(resourceList)\` in-process (module already loaded) | ${ms(m.transform)} | ${ratio(m.transform)} |
| Node, whole process (\`node\` start, import, read stdin, \`transform\`, write) | ${ms(m.nodeProcess)} | ${ratio(m.nodeProcess)} |
| … of which the one \`transform\` call (a new process: V8 still runs its baseline code) | ${ms(m.firstCall)} | ${ratio(m.firstCall)} |
| native binary, plugin mode (\`KUSTOMIZE_PLUGIN_CONFIG_STRING\`, the stream) | ${ms(m.nativeStream)} | ${ratio(m.nativeStream)} |
| Node, \`transformManifests(stream, config)\` (runs twice: output, then results) | ${ms(m.manifests)} | ${ratio(m.manifests)} |

Importing the package (compiling and instantiating the module) took ${ms(importMs)} in this process.
`;
if (args.out) writeFileSync(args.out, report);
process.stdout.write(report);
