// Builds the playground into one self-contained HTML file: styles, scripts, the examples, the schema and the
// worker (the wasm-bindgen glue, the .wasm as base64, the diff) all inlined, so that the page works opened from
// file:// (where a page may load no other file) as well as from any static host.
//
//   node playground/build.mjs OUT_DIR GLUE_JS WASM     (./build.sh playground runs it)
// GLUE_JS: wasm-bindgen's `--target no-modules` glue (a classic script: Chromium starts no module worker from a
// Blob on a file:// page); WASM: the package's module (the same bytes the glue was generated with).
import { readFileSync, writeFileSync, mkdirSync, readdirSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const [outDir, glue, wasmPath] = process.argv.slice(2);
if (!outDir || !glue || !wasmPath) {
  console.error("usage: node playground/build.mjs OUT_DIR GLUE_JS WASM (./build.sh playground runs it)");
  process.exit(2);
}
const read = (...p) => readFileSync(join(...p), "utf8");

// `key:` followed by `- item` lines, from a kustomization.yaml (block lists, as every example writes them).
function listUnder(text, key) {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => l === `${key}:`);
  if (at < 0) return [];
  const items = [];
  for (const l of lines.slice(at + 1)) {
    const m = /^-\s+(\S+)\s*$/.exec(l);
    if (!m) break;
    items.push(m[1]);
  }
  return items;
}

// kustomize's `namespace:` field, the one transformation the examples rely on (the service mesh selects by
// the Namespace's labels): set on every document that names none, but not on the Namespace objects.
function withNamespace(doc, namespace) {
  if (!namespace || /^kind:\s*Namespace\s*$/m.test(doc) || /^metadata:\n(?: {2}.*\n)*? {2}namespace:/m.test(doc)) return doc;
  return doc.replace(/^metadata:\n/m, `metadata:\n  namespace: ${namespace}\n`);
}

// The use case column of kustomization-examples/README.md's table.
function titles() {
  const out = {};
  for (const m of read(root, "kustomization-examples/README.md").matchAll(/^\| \[([a-z0-9-]+)\/\]\([^)]*\) \| ([^|]+) \|/gm)) out[m[1]] = m[2].trim();
  return out;
}

function examples() {
  const names = titles();
  const dirs = readdirSync(join(root, "kustomization-examples"), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, "kustomization-examples", e.name, "kustomization.yaml")))
    .map((e) => e.name)
    // The KRM-function forms repeat another example with an exec annotation only kustomize reads.
    .filter((n) => !n.startsWith("krm-function"))
    .sort((a, b) => (a === "logging" ? -1 : b === "logging" ? 1 : a.localeCompare(b)));
  return dirs.map((name) => {
    const dir = join(root, "kustomization-examples", name);
    const k = read(dir, "kustomization.yaml");
    const [transformer] = listUnder(k, "transformers");
    const namespace = /^namespace:\s*(\S+)\s*$/m.exec(k)?.[1];
    const manifests = listUnder(k, "resources")
      .flatMap((f) => read(dir, f).replace(/\n*$/, "\n").split(/^---\n/m))
      .map((doc) => withNamespace(doc, namespace))
      .join("---\n");
    return { name, title: names[name] || name, manifests, config: read(dir, transformer) };
  });
}

// Inside a <script>, "</script" or "<!--" would end or confuse the element: JSON-escape "<".
const scriptJson = (value) => JSON.stringify(value).replace(/</g, "\\u003c");
const scriptCode = (code) => {
  if (/<\/script|<!--/i.test(code)) throw new Error("inlined code contains </script or <!--");
  return code;
};

const wasm = readFileSync(wasmPath);
const workerSource = [
  readFileSync(glue, "utf8"),
  `const WASM_BASE64 = ${JSON.stringify(wasm.toString("base64"))};`,
  read(here, "src/diff.js"),
  read(here, "src/worker.js"),
].join("\n");
const data = {
  examples: examples(),
  schema: JSON.parse(read(root, "schemas/sidecar-injector.schema.json")),
  workerSource,
};

const html = read(here, "src/index.html")
  .replace("/*STYLE*/", () => read(here, "src/style.css"))
  .replace("/*DATA*/", () => `const PLAYGROUND = ${scriptJson(data)};`)
  .replace("/*APP*/", () => scriptCode(read(here, "src/hints.js") + "\n" + read(here, "src/app.js")));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "index.html"), html);
console.log(`${join(outDir, "index.html")}: ${data.examples.length} examples, ${html.length} bytes`);
