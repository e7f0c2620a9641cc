// Every case of testdata/cases through the built package, byte for byte against the same expected files the
// core, the native binary and the .wasm command are held to. A case with plugin-config.yaml is the legacy
// plugin mode (`transformManifests`), the others the ResourceList mode (`transform`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { transform, transformManifests } from "../index.js";

const casesDir = new URL("../../testdata/cases/", import.meta.url).pathname;
const names = readdirSync(casesDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

const readOr = (path, fallback) => (existsSync(path) ? readFileSync(path, "utf8") : fallback);
// Fatal decoding: a case whose bytes are not UTF-8 cannot be passed as a JS string unchanged.
const utf8 = new TextDecoder("utf-8", { fatal: true });

test("there are testdata cases to run", () => {
  assert.ok(names.length > 40, `only ${names.length} cases under ${casesDir}`);
});

for (const name of names) {
  const dir = join(casesDir, name);
  const input = utf8.decode(readFileSync(join(dir, "input.yaml")));
  const pluginConfig = readOr(join(dir, "plugin-config.yaml"), null);
  test(`testdata/${name}`, () => {
    const got = pluginConfig === null ? transform(input) : transformManifests(input, pluginConfig);
    const exit = Number(readOr(join(dir, "expected.exit"), "0").trim());
    assert.equal(got.output, readOr(join(dir, "expected.yaml"), ""), "output differs from expected.yaml");
    assert.equal(got.stderr, readOr(join(dir, "expected.stderr"), ""), "stderr differs from expected.stderr");
    assert.equal(got.exitCode, exit);
    assert.equal(got.ok, exit === 0);
    // An error exit always comes with an error result, and its message is the one stderr starts with.
    const errors = got.results.filter((r) => r.severity === "error");
    if (exit !== 0) {
      assert.ok(errors.length > 0, "a failed run has an error result");
      assert.ok(got.stderr.includes(errors[0].message), `stderr ${JSON.stringify(got.stderr)} names the first error`);
    } else {
      assert.equal(errors.length, 0);
    }
    for (const r of got.results) {
      assert.equal(typeof r.message, "string");
      assert.ok(["error", "warning", "info"].includes(r.severity), r.severity);
    }
  });
}
