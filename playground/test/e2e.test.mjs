// The playground in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core): served from
// 127.0.0.1 and opened from file://, it runs an example, reports a broken config's error with its field path,
// keeps its state in the URL, completes keys from the schema, and stays responsive while the worker transforms
// 10,000 workloads; and the npm package imported by a page as browsers import it. Skipped, by name, when Chromium or
// playwright-core is missing (.ci/run installs both).
//
// PLAYGROUND_SCREENSHOT=docs/playground.png writes the screenshot the README shows.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, readFileSync } from "node:fs";
import { extname } from "node:path";

import { transformManifests, version } from "../../npm/index.js";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const page = new URL("../../dist/playground/index.html", import.meta.url).pathname;

let playwright = null;
try {
  playwright = await import("playwright-core");
} catch {}
// CI sets SIDECAR_INJECTOR_JS_REQUIRED=1: there a missing browser fails the run instead of skipping it.
const required = process.env.SIDECAR_INJECTOR_JS_REQUIRED === "1";
const skip = required
  ? false
  : !existsSync(CHROMIUM)
  ? `no Chromium at ${CHROMIUM} (apt-get install chromium)`
  : !playwright
    ? "playwright-core is not installed (npm ci in playground/)"
    : false;

let browser, server, origin;

// A page that uses the npm package as a browser does: an ES module import, the .wasm fetched beside the glue.
// A testdata case, checked against its expected.yaml like every other artifact.
const caseFile = (file) => readFileSync(new URL(`../../testdata/cases/configmap-config/${file}`, import.meta.url), "utf8");
const LIST = caseFile("input.yaml");
const PACKAGE_PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { transform, version } from "/npm/index.js";
window.done = { version: version(), ...transform(${JSON.stringify(LIST)}), broken: transform("items: [") };
</script>`;

before(async () => {
  if (skip) return;
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}`);
  assert.ok(playwright, "playwright-core is not installed (npm ci in playground/)");
  assert.ok(existsSync(page), `${page} is missing: ./build.sh playground builds it`);
  const html = readFileSync(page);
  // The page at /, and the npm package's files under /npm/ for the test of its browser import.
  const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html; charset=utf-8" };
  server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/") return res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
    if (path === "/package.html") return res.writeHead(200, { "content-type": types[".html"] }).end(PACKAGE_PAGE);
    const file = /^\/npm\/(index\.js|pkg\/sidecar_injector_js(?:_bg\.wasm|\.js))$/.exec(path);
    if (file) {
      const body = readFileSync(new URL(`../../npm/${file[1]}`, import.meta.url));
      return res.writeHead(200, { "content-type": types[extname(file[1])] }).end(body);
    }
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await playwright.chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container: no sandbox; the machine's closed network: no background connections. (launch
    // starts from a new empty profile of its own.)
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open(url) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const p = await context.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(String(e)));
  await p.goto(url);
  return { p, errors, close: () => context.close() };
}

const statusIs = (p, re, timeout = 30000) =>
  p.waitForFunction((src) => new RegExp(src).test(document.getElementById("status").textContent), re.source, { timeout });

const brokenConfig = `apiVersion: sidecar-injector.dev/v1alpha1
kind: SidecarInjector
metadata:
  name: logging
spec:
  native: "yes"
  containers:
  - name: fluent-bit
    image: fluent/fluent-bit:3.1.9
`;

test("an example runs: output, results and the diff show the injected sidecar", { skip }, async () => {
  const { p, errors, close } = await open(`${origin}/`);
  await statusIs(p, /^ok \(exit 0\)/);
  const output = await p.inputValue("#output");
  assert.match(output, /\n {6}- name: fluent-bit\n {8}image: fluent\/fluent-bit:3\.1\.9\n/);
  // Byte for byte what the npm package gives in Node for the same example.
  const example = await p.evaluate(() => PLAYGROUND.examples.find((e) => e.name === "logging"));
  assert.equal(output, transformManifests(example.manifests, example.config).output);
  const results = await p.locator("#results li.result-info").allTextContents();
  assert.ok(results.some((t) => /\[Deployment web\/web\]/.test(t)), results.join("\n"));
  const added = await p.locator("#diff .row.add").allTextContents();
  assert.ok(added.some((t) => t.includes("name: fluent-bit")), added.slice(0, 20).join("\n"));
  assert.match(await p.textContent("#version"), /^sidecar-injector \d+\.\d+\.\d+ \(WebAssembly\)$/);
  assert.equal(await p.evaluate(() => location.hash), "#example=logging");
  if (process.env.PLAYGROUND_SCREENSHOT) {
    // With the cursor on a field of the config, so that the hint panel shows the schema's help.
    await p.evaluate(() => {
      const t = document.getElementById("config");
      const at = t.value.indexOf("image: fluent/") + 3;
      t.focus();
      t.setSelectionRange(at, at);
      const line = t.value.slice(0, at).split("\n").length - 1;
      t.scrollTop = Math.max(0, (line - 4) * parseFloat(getComputedStyle(t).lineHeight));
      t.dispatchEvent(new Event("click"));
    });
    await p.screenshot({ path: process.env.PLAYGROUND_SCREENSHOT });
  }
  assert.deepEqual(errors, []);
  await close();
});

test("a broken config: no output, the error result with its field path, and a link that restores it", { skip }, async () => {
  const { p, errors, close } = await open(`${origin}/`);
  await statusIs(p, /^ok/);
  await p.fill("#config", brokenConfig);
  await statusIs(p, /^failed \(exit 1\)/);
  const error = p.locator("#results li.result-error").first();
  assert.equal(await error.locator("code.field-path").textContent(), "spec.native");
  assert.match(await error.textContent(), /\[SidecarInjector logging\] spec\.native: expected a boolean, found the string "yes"/);
  assert.equal(await p.isVisible("#output-note"), true);
  assert.match(await p.inputValue("#output"), /^sidecar-injector: error \[SidecarInjector logging\]: spec\.native: /);
  // The error points into the config: a click selects the line.
  await error.click();
  const selected = await p.evaluate(() => { const t = document.getElementById("config"); return t.value.slice(t.selectionStart, t.selectionEnd); });
  assert.equal(selected, '  native: "yes"');
  // The state is in the URL: a new page opened on it shows the same config and the same error.
  const url = await p.evaluate(() => location.href);
  assert.match(url, /#state=[A-Za-z0-9_-]+$/);
  const second = await open(url);
  await statusIs(second.p, /^failed/);
  assert.equal(await second.p.inputValue("#config"), brokenConfig);
  assert.equal(await second.p.locator("#results li.result-error code.field-path").first().textContent(), "spec.native");
  assert.deepEqual([...errors, ...second.errors], []);
  await second.close();
  await close();
});

test("the editor completes keys from the schema and explains the field under the cursor", { skip }, async () => {
  const { p, close } = await open(`${origin}/`);
  await statusIs(p, /^ok/);
  await p.fill("#config", "apiVersion: sidecar-injector.dev/v1alpha1\nkind: SidecarInjector\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: a\n    image: a:1\n  nati");
  await p.focus("#config");
  await p.evaluate(() => { const t = document.getElementById("config"); t.setSelectionRange(t.value.length, t.value.length); });
  await p.keyboard.press("End");
  assert.deepEqual(await p.locator("#hints .sugg").allTextContents(), ["native"]);
  await p.keyboard.press("Tab");
  await p.keyboard.type("maybe");
  assert.match(await p.inputValue("#config"), /\n {2}native: maybe$/);
  await p.keyboard.press("ArrowLeft");
  const hints = await p.textContent("#hints");
  assert.match(hints, /at spec\.native/);
  assert.match(hints, /boolean — /);
  // Unknown keys are flagged with the likely one.
  await p.fill("#config", "apiVersion: sidecar-injector.dev/v1alpha1\nkind: SidecarInjector\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: a\n    imagePullPolcy: Always\n");
  await p.keyboard.press("ArrowUp");
  assert.match(await p.textContent("#hints"), /line 8: spec\.containers\[0\]\.imagePullPolcy: unknown field \(did you mean imagePullPolicy\?\)/);
  await close();
});

test("10,000 workloads: the page stays responsive while the worker runs, then shows the result", { skip }, async () => {
  const { p, errors, close } = await open(`${origin}/`);
  await statusIs(p, /^ok/);
  // The page's frames while the status says running: the longest gap between two animation frames. (A
  // textarea of megabytes, not the worker, is what stops frames: the page keeps the large input out of it.)
  await p.evaluate(() => {
    window.__frames = { maxGap: 0, during: 0 };
    let last = performance.now();
    const frame = () => {
      const now = performance.now();
      if (document.getElementById("status").classList.contains("busy")) {
        window.__frames.maxGap = Math.max(window.__frames.maxGap, now - last);
        window.__frames.during++;
      }
      last = now;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  await p.selectOption("#example", "large");
  await statusIs(p, /^running on 4\.\d MB/, 10000);
  assert.match(await p.inputValue("#manifests"), /^# 4\.\d MB of generated Deployments; the first 64\.0 KB shown, read-only\.\n/);
  // The page answers while the worker runs.
  const started = Date.now();
  assert.match(await p.textContent("#status"), /^running/);
  assert.ok(Date.now() - started < 1000, `the page took ${Date.now() - started} ms to answer during the run`);
  await statusIs(p, /^ok \(exit 0\) in \d+ ms/, 120000);
  const frames = await p.evaluate(() => window.__frames);
  assert.ok(frames.during > 10, `the run was too short to measure: ${JSON.stringify(frames)}`);
  assert.ok(frames.maxGap < 1000, `no frame for ${frames.maxGap.toFixed(0)} ms during the run`);
  assert.match(await p.textContent("#counts"), /^0 errors, \d+ warnings, 10000 info$/);
  assert.match(await p.textContent("#output-note"), /^The output is \d+\.\d MB: showing the first 25\d\.\d KB; download for all of it\.$/);
  // The whole output is there to download: every workload has the sidecar.
  const whole = await p.evaluate(async () => await (await fetch(document.getElementById("download").href)).text());
  assert.equal(whole.match(/\n {6}- name: fluent-bit\n/g).length, 10000);
  assert.match(await p.textContent("#diff p"), /^10000 documents changed, 0 unchanged; \d+ changed documents not shown$/);
  assert.deepEqual(errors, []);
  await close();
});

test("the npm package imported by a browser page: the module is fetched beside it, and transforms", { skip }, async () => {
  const { p, errors, close } = await open(`${origin}/package.html`);
  const done = await (await p.waitForFunction(() => window.done, null, { timeout: 30000 })).jsonValue();
  assert.equal(done.ok, true, done.stderr);
  assert.equal(done.output, caseFile("expected.yaml"));
  assert.equal(done.stderr, existsSync(new URL("../../testdata/cases/configmap-config/expected.stderr", import.meta.url)) ? caseFile("expected.stderr") : "");
  assert.equal(done.broken.ok, false);
  assert.equal(done.broken.results[0].severity, "error");
  assert.equal(done.version, version());
  assert.deepEqual(errors, []);
  await close();
});

test("opened from file://, the page loads its worker and runs", { skip }, async () => {
  const { p, errors, close } = await open(`file://${page}#example=cache`);
  await statusIs(p, /^ok \(exit 0\)/);
  assert.match(await p.inputValue("#output"), /name: redis/);
  assert.deepEqual(errors, []);
  await close();
});
