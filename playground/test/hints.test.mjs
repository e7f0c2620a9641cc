// The editor's schema hints without a browser: hints.js is a classic script of plain functions, run here in a
// VM context. Every example's config (which the function accepts) must draw no schema problem, and the paths
// it computes must be the function's own (the field paths of testdata's wrong-type errors).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import vm from "node:vm";

const hints = vm.createContext({});
// Arrays made in the VM context are not this realm's: compare their JSON.
const plain = (value) => JSON.parse(JSON.stringify(value));
vm.runInContext(readFileSync(new URL("../src/hints.js", import.meta.url), "utf8"), hints);
const schema = JSON.parse(readFileSync(new URL("../../schemas/sidecar-injector.schema.json", import.meta.url), "utf8"));
const examplesDir = new URL("../../kustomization-examples/", import.meta.url);

test("every example config: no unknown key, no value outside an enum", () => {
  const dirs = readdirSync(examplesDir).filter((d) => existsSync(new URL(`${d}/injector.yaml`, examplesDir)));
  assert.ok(dirs.length >= 8, dirs.join(" "));
  for (const d of dirs) {
    const text = readFileSync(new URL(`${d}/injector.yaml`, examplesDir), "utf8");
    assert.deepEqual(plain(hints.schemaProblems(schema, text)), [], d);
  }
});

test("field paths as the function writes them, lists at their key's column or indented", () => {
  const text = readFileSync(new URL("../../testdata/cases/wrong-type/input.yaml", import.meta.url), "utf8");
  const config = text.slice(text.indexOf("functionConfig:\n") + "functionConfig:\n".length).replace(/^ {2}/gm, "");
  // The paths testdata/cases/wrong-type/expected.yaml reports.
  for (const path of ["spec.native", "spec.containers[0].ports[0].containerPort", "spec.selector.kinds"]) {
    const line = hints.lineOfPath(config, path);
    assert.ok(line >= 0, path);
    assert.equal(hints.formatPath(hints.keyPaths(config).find((p) => p.line === line).path), path);
  }
  const indented = "spec:\n  containers:\n    - name: a\n      image: a\n    - name: b\n      ports:\n        - containerPort: 1\n";
  assert.deepEqual(plain(hints.keyPaths(indented).map((p) => hints.formatPath(p.path))), [
    "spec", "spec.containers", "spec.containers[0].name", "spec.containers[0].image", "spec.containers[1].name",
    "spec.containers[1].ports", "spec.containers[1].ports[0].containerPort",
  ]);
});

test("suggestions: the keys allowed where one is typed, required ones first, present ones left out", () => {
  const text = "apiVersion: sidecar-injector.dev/v1alpha1\nkind: SidecarInjector\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: a\n    im";
  const h = hints.hintsAt(schema, text, text.length);
  assert.equal(hints.formatPath(h.parentPath), "spec.containers[0]");
  assert.deepEqual(plain(h.suggestions.map((s) => s.key)), ["image", "imagePullPolicy"]);
  const top = hints.hintsAt(schema, "kind: SidecarInjector\n", "kind: SidecarInjector\n".length);
  assert.deepEqual(plain(top.suggestions.map((s) => s.key)), ["apiVersion", "metadata", "spec"]);
});
