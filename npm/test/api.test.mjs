// The package's API beyond the byte-for-byte cases: the shape of results (field paths, references, numbers),
// the manifests mode's results, errors for input that is not YAML, and the version.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { transform, transformManifests, version } from "../index.js";

const caseFile = (name, file) => readFileSync(new URL(`../../testdata/cases/${name}/${file}`, import.meta.url), "utf8");

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: app
        image: example/app:1.0
`;

test("a broken config's errors name the field path and the config (ResourceList mode)", () => {
  const got = transform(caseFile("wrong-type", "input.yaml"));
  assert.equal(got.ok, false);
  // The three errors testdata/cases/wrong-type/expected.yaml lists, in its order.
  assert.deepEqual(
    got.results.map((r) => [r.severity, r.field?.path]),
    [
      ["error", "spec.native"],
      ["error", "spec.containers[0].ports[0].containerPort"],
      ["error", "spec.selector.kinds"],
    ],
  );
  assert.deepEqual(got.results[0].resourceRef, {
    apiVersion: "sidecar-injector.dev/v1alpha1",
    kind: "SidecarInjector",
    name: "agent",
  });
  assert.equal(got.results[0].message, 'expected a boolean, found the string "yes"');
});

test("the manifests mode gives the results the plugin mode only prints", () => {
  const got = transformManifests(caseFile("legacy-plugin-stream", "input.yaml"), caseFile("legacy-plugin-stream", "plugin-config.yaml"));
  assert.equal(got.ok, true);
  assert.equal(got.stderr, "");
  const infos = got.results.filter((r) => r.severity === "info");
  assert.ok(infos.length > 0, JSON.stringify(got.results));
  for (const r of infos) assert.ok(r.resourceRef?.kind && r.resourceRef?.name, JSON.stringify(r));
});

test("the manifests mode with a broken config: no output, the error with its field path", () => {
  const config = `apiVersion: sidecar-injector.dev/v1alpha1
kind: SidecarInjector
metadata:
  name: agent
spec:
  containers:
  - name: agent
    image: example/agent:1.0
    ports:
    - containerPort: http
`;
  const got = transformManifests(deployment, config);
  assert.equal(got.ok, false);
  assert.equal(got.exitCode, 1);
  assert.equal(got.output, "");
  const [error] = got.results;
  assert.equal(error.severity, "error");
  assert.equal(error.field.path, "spec.containers[0].ports[0].containerPort");
  assert.match(got.stderr, /spec\.containers\[0\]\.ports\[0\]\.containerPort: /);
});

test("input that is not YAML: one error result carrying the parser's reason", () => {
  const got = transform(caseFile("not-yaml", "input.yaml"));
  assert.equal(got.ok, false);
  assert.equal(got.output, "");
  assert.equal(got.results.length, 1);
  assert.equal(got.results[0].severity, "error");
  assert.equal(`sidecar-injector: error: ${got.results[0].message}\n`, caseFile("not-yaml", "expected.stderr"));
});

test("file.index is a number, as kpt writes it", () => {
  const list = `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    annotations:
      internal.config.kubernetes.io/path: app/web.yaml
      internal.config.kubernetes.io/index: '2'
  spec:
    template:
      spec:
        containers:
        - {name: app, image: example/app:1.0}
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata: {name: agent}
  data: {name: agent, image: example/agent:1.0}
`;
  const got = transform(list);
  assert.equal(got.ok, true, got.stderr);
  const info = got.results.find((r) => r.resourceRef?.name === "web");
  assert.deepEqual(info.file, { path: "app/web.yaml", index: 2 });
});

test("version() is the package's and the workspace's version", () => {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const cargo = readFileSync(new URL("../../Cargo.toml", import.meta.url), "utf8");
  const workspaceVersion = cargo.match(/\[workspace\.package\][^[]*?\nversion = "([^"]+)"/)[1];
  assert.equal(version(), pkg.version);
  assert.equal(version(), workspaceVersion);
});

test("arguments that are not strings are a TypeError, not a crash", () => {
  assert.throws(() => transform(undefined), TypeError);
  assert.throws(() => transformManifests(deployment, 42), TypeError);
});
