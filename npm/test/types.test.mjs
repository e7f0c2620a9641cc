// index.d.ts as a TypeScript user meets it: test/types/use.ts must compile under --strict (the misuses in it
// marked @ts-expect-error must be errors). Skipped, by name, without the typescript dev dependency (npm ci);
// SIDECAR_INJECTOR_JS_REQUIRED=1 (CI) makes that a failure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";

const tsc = new URL("../node_modules/typescript/bin/tsc", import.meta.url).pathname;
const required = process.env.SIDECAR_INJECTOR_JS_REQUIRED === "1";
const skip = !required && !existsSync(tsc) ? "typescript is not installed (npm ci in npm/)" : false;

test("index.d.ts: a strict TypeScript program type-checks, and misuses do not", { skip }, () => {
  const project = new URL("types/tsconfig.json", import.meta.url).pathname;
  const r = spawnSync(process.execPath, [tsc, "-p", project], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
