// What a user installs: `npm pack`'s tarball holds the module, the glue, the types and the README; installed
// with npm --offline into an empty project (no network, no registry), it imports and transforms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const pkgDir = new URL("..", import.meta.url).pathname;

test("npm pack, then npm install --offline of the tarball: the package imports and runs", (t) => {
  const work = mkdtempSync(join(tmpdir(), "sidecar-injector-pack-"));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: pkgDir, encoding: "utf8" }));
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, ["README.md", "index.d.ts", "index.js", "package.json", "pkg/sidecar_injector_js.js", "pkg/sidecar_injector_js_bg.wasm"]);

  const project = join(work, "project");
  execFileSync("mkdir", ["-p", project]);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user", version: "1.0.0", private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", join(work, packed.filename)], { cwd: project, stdio: "pipe" });
  const script = `
import { transformManifests } from "sidecar-injector";
const manifests = "apiVersion: apps/v1\\nkind: Deployment\\nmetadata:\\n  name: web\\nspec:\\n  template:\\n    spec:\\n      containers:\\n      - name: app\\n        image: example/app:1.0\\n";
const config = "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: agent\\ndata:\\n  name: agent\\n  image: example/agent:1.0\\n";
const r = transformManifests(manifests, config);
process.stdout.write(JSON.stringify({ ok: r.ok, output: r.output, results: r.results }));
`;
  writeFileSync(join(project, "main.mjs"), script);
  const got = JSON.parse(execFileSync("node", ["main.mjs"], { cwd: project, encoding: "utf8" }));
  assert.equal(got.ok, true);
  assert.match(got.output, /- name: agent\n {8}image: example\/agent:1\.0\n/);
  const info = got.results.find((r) => r.severity === "info");
  assert.deepEqual(info.resourceRef, { apiVersion: "apps/v1", kind: "Deployment", name: "web" });
  const types = readFileSync(join(project, "node_modules/sidecar-injector/index.d.ts"), "utf8");
  assert.match(types, /export function transformManifests\(manifests: string, config: string\): TransformOutput;/);
});
