// The page: editors, the worker that runs the function, rendering, and the state in the URL.
// PLAYGROUND (examples, schema, workerSource) is inlined by playground/build.mjs; hints.js comes before this file.
const $ = (id) => document.getElementById(id);
const els = { example: $("example"), manifests: $("manifests"), config: $("config"), run: $("run"), share: $("share"),
  status: $("status"), results: $("results"), counts: $("counts"), diff: $("diff"), output: $("output"),
  outputNote: $("output-note"), download: $("download"), hints: $("hints"), version: $("version") };

// Above this, edits do not rerun by themselves (Run does), and the state is too big for a link.
const AUTO_RUN_LIMIT = 512 << 10;
const URL_STATE_LIMIT = 64 << 10;
const LARGE = "large";

// A generated input too large for the editor: the textarea shows its beginning, read-only, and runs use this.
// (Chromium paints a textarea of megabytes for seconds, during which the page shows no new frame.)
let largeInput = null;
const EDITOR_HEAD = 64 << 10;

let worker = null, workerReady = null, nextId = 1, pending = null, downloadUrl = null;

function startWorker() {
  const url = URL.createObjectURL(new Blob([PLAYGROUND.workerSource], { type: "text/javascript" }));
  worker = new Worker(url);
  workerReady = new Promise((resolve, reject) => {
    worker.onmessage = (e) => {
      if (e.data.ready) { els.version.textContent = `sidecar-injector ${e.data.version} (WebAssembly)`; resolve(); return; }
      if (pending && e.data.id === pending.id) { const p = pending; pending = null; p.resolve(e.data); }
    };
    worker.onerror = (e) => { reject(new Error(e.message || "the worker failed to start")); if (pending) pending.reject(new Error(e.message)); };
  });
  URL.revokeObjectURL(url);
}

// One run at a time: a newer request ends the worker running an older one (a large input can take seconds).
async function runInWorker(manifests, config) {
  if (pending) { pending.reject(new Error("superseded")); pending = null; worker.terminate(); startWorker(); }
  await workerReady;
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending = { id, resolve, reject };
    worker.postMessage({ id, manifests, config });
  });
}

function setStatus(text, cls = "") { els.status.textContent = text; els.status.className = cls; }

async function run() {
  const manifests = largeInput ?? els.manifests.value, config = els.config.value;
  setStatus(`running on ${formatBytes(manifests.length)}…`, "busy");
  let reply;
  try {
    reply = await runInWorker(manifests, config);
  } catch (e) {
    if (e.message !== "superseded") setStatus(`the worker failed: ${e.message}`, "failed");
    return;
  }
  if (reply.fatal) { worker.terminate(); startWorker(); }
  render(reply);
  saveState();
}

function render(reply) {
  const { counts, millis, diff } = reply;
  els.counts.textContent = `${counts.error} errors, ${counts.warning} warnings, ${counts.info} info`;
  setStatus(`${reply.ok ? "ok" : "failed"} (exit ${reply.exitCode}) in ${millis.toFixed(0)} ms`, reply.ok ? "" : "failed");
  renderResults(reply.results, reply.resultCount);
  renderDiff(diff);
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = reply.outputBlob ? URL.createObjectURL(reply.outputBlob) : null;
  els.download.hidden = !downloadUrl;
  if (downloadUrl) els.download.href = downloadUrl;
  if (reply.outputLength > reply.outputHead.length) {
    els.outputNote.hidden = false;
    els.outputNote.textContent = `The output is ${formatBytes(reply.outputLength)}: showing the first ${formatBytes(reply.outputHead.length)}; download for all of it.`;
    els.output.value = reply.outputHead;
  } else {
    els.outputNote.hidden = reply.outputLength > 0 || !reply.stderr;
    els.outputNote.textContent = "No output: the function writes nothing when it fails (stderr below).";
    els.output.value = reply.outputHead || reply.stderr;
  }
}

function renderResults(results, total) {
  els.results.replaceChildren();
  for (const r of results) {
    const li = document.createElement("li");
    li.className = `result result-${r.severity}`;
    const sev = document.createElement("span");
    sev.className = `sev sev-${r.severity}`;
    sev.textContent = r.severity;
    li.append(sev);
    if (r.resourceRef) li.append(` [${r.resourceRef.kind} ${r.resourceRef.namespace ? r.resourceRef.namespace + "/" : ""}${r.resourceRef.name}] `);
    if (r.field) {
      const code = document.createElement("code");
      code.className = "field-path";
      code.textContent = r.field.path;
      li.append(code, ": ");
      if (r.resourceRef && ["SidecarInjector", "ConfigMap"].includes(r.resourceRef.kind)) {
        const line = lineOfPath(els.config.value, r.field.path);
        if (line >= 0) { li.dataset.line = line; li.title = "show in the config"; li.onclick = () => selectLine(els.config, line); }
      }
    }
    li.append(r.message);
    els.results.append(li);
  }
  if (total > results.length) {
    const li = document.createElement("li");
    li.textContent = `… and ${total - results.length} more (download the output: they are its results)`;
    els.results.append(li);
  }
}

function renderDiff(diff) {
  els.diff.replaceChildren();
  if (!diff) { els.diff.textContent = "Nothing: there is no output."; return; }
  const head = document.createElement("p");
  head.textContent = `${diff.changed} documents changed, ${diff.unchanged} unchanged` + (diff.truncated ? `; ${diff.truncated} changed documents not shown` : "");
  els.diff.append(head);
  for (const doc of diff.documents) {
    const box = document.createElement("div");
    box.className = "doc";
    const h = document.createElement("h3");
    h.textContent = doc.title;
    box.append(h);
    for (const [op, text] of doc.rows) {
      const row = document.createElement("div");
      row.className = "row " + ({ "+": "add", "-": "del", "@": "skip", " ": "same" })[op];
      row.textContent = op === "@" ? `  … ${text}` : `${op} ${text}`;
      box.append(row);
    }
    els.diff.append(box);
  }
}

function selectLine(textarea, line) {
  const lines = textarea.value.split("\n");
  const start = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0);
  textarea.focus();
  textarea.setSelectionRange(start, start + lines[line].length);
  textarea.scrollTop = Math.max(0, (line - 3) * parseFloat(getComputedStyle(textarea).lineHeight));
  updateHints();
}

// --- hints ---
let currentSuggestions = [];
function updateHints() {
  const text = els.config.value;
  const h = hintsAt(PLAYGROUND.schema, text, els.config.selectionStart);
  const parts = [];
  const where = h.field ? h.field.path : h.parentPath;
  parts.push(`<div><b>at</b> <code>${escapeHtml(formatPath(where) || "(top level)")}</code></div>`);
  if (h.field && h.field.schema) {
    const s = h.field.schema;
    const type = [...s.types].join(" | ");
    parts.push(`<div>${type ? `<i>${escapeHtml(type)}</i> — ` : ""}${escapeHtml(s.description || "")}</div>`);
    if (h.values.length) parts.push(`<div>values: ${h.values.map((v) => `<code>${escapeHtml(String(v))}</code>`).join(" ")}</div>`);
  } else if (h.field) {
    parts.push(`<div class="problem">not a field the schema knows</div>`);
  }
  currentSuggestions = h.suggestions;
  if (h.suggestions.length) {
    parts.push(`<div>keys here: ${h.suggestions.slice(0, 40).map((s, i) =>
      `<span class="sugg${i === 0 ? " first" : ""}${s.required ? " req" : ""}" data-key="${escapeHtml(s.key)}" title="${escapeHtml(s.description || "")}">${escapeHtml(s.key)}</span>`).join("")}</div>`);
  }
  const problems = schemaProblems(PLAYGROUND.schema, text);
  for (const p of problems.slice(0, 20)) parts.push(`<div class="problem">line ${p.line + 1}: <code>${escapeHtml(p.path)}</code>: ${escapeHtml(p.message)}</div>`);
  els.hints.innerHTML = parts.join("");
}

function acceptSuggestion(key) {
  const ta = els.config, text = ta.value, pos = ta.selectionStart;
  const lineStart = text.lastIndexOf("\n", pos - 1) + 1;
  const typed = /[A-Za-z0-9_.-]*$/.exec(text.slice(lineStart, pos))[0];
  const insert = `${key}: `;
  ta.setRangeText(insert, pos - typed.length, pos, "end");
  ta.dispatchEvent(new Event("input"));
}

els.hints.addEventListener("click", (e) => { const k = e.target.dataset?.key; if (k) { acceptSuggestion(k); els.config.focus(); } });
els.config.addEventListener("keydown", (e) => {
  if (e.key === "Tab" && !e.shiftKey) {
    e.preventDefault();
    if (currentSuggestions.length) acceptSuggestion(currentSuggestions[0].key);
    else els.config.setRangeText("  ", els.config.selectionStart, els.config.selectionEnd, "end");
  }
});
for (const ev of ["keyup", "click", "focus"]) els.config.addEventListener(ev, updateHints);

// --- examples, state in the URL ---
function generateLarge(count) {
  const docs = [];
  for (let i = 0; i < count; i++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  namespace: team-${i % 20}
  labels:
    app.kubernetes.io/name: app-${i}
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: app-${i}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-${i}
    spec:
      containers:
      - name: app
        image: registry.example.com/app:${1 + (i % 9)}.0
        ports:
        - containerPort: 8080
        resources:
          requests: {cpu: 50m, memory: 64Mi}
`);
  }
  return docs.join("---\n");
}

function loadExample(name) {
  largeInput = null;
  els.manifests.readOnly = false;
  if (name === LARGE) {
    largeInput = generateLarge(10000);
    els.manifests.value = `# ${formatBytes(largeInput.length)} of generated Deployments; the first ${formatBytes(EDITOR_HEAD)} shown, read-only.\n` +
      `# Pick another example to edit manifests.\n` + largeInput.slice(0, largeInput.indexOf("---\n", EDITOR_HEAD));
    els.manifests.readOnly = true;
    els.config.value = PLAYGROUND.examples[0].config;
  } else {
    const ex = PLAYGROUND.examples.find((e) => e.name === name) || PLAYGROUND.examples[0];
    els.manifests.value = ex.manifests;
    els.config.value = ex.config;
  }
}

async function encodeState(obj) {
  const stream = new Blob([JSON.stringify(obj)]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function decodeState(text) {
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return JSON.parse(await new Response(stream).text());
}

// The hash holds the example's name while it is unedited, else both texts compressed.
async function saveState() {
  const name = els.example.value;
  const ex = PLAYGROUND.examples.find((e) => e.name === name);
  let hash;
  if (ex && ex.manifests === els.manifests.value && ex.config === els.config.value) hash = `example=${encodeURIComponent(name)}`;
  else if (largeInput !== null && els.config.value === PLAYGROUND.examples[0].config) hash = `example=${LARGE}`;
  else if (largeInput !== null) { history.replaceState(null, "", location.pathname + location.search); return false; }
  else {
    const state = await encodeState({ manifests: els.manifests.value, config: els.config.value });
    if (state.length > URL_STATE_LIMIT) { history.replaceState(null, "", location.pathname + location.search); return false; }
    hash = `state=${state}`;
  }
  history.replaceState(null, "", `#${hash}`);
  return true;
}

async function restoreState() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.has("state")) {
    try {
      const s = await decodeState(params.get("state"));
      els.manifests.value = s.manifests;
      els.config.value = s.config;
      els.example.value = "";
      return;
    } catch (e) {
      setStatus(`the link's state could not be read (${e.message}): showing the first example`, "failed");
    }
  }
  const name = params.get("example") || PLAYGROUND.examples[0].name;
  els.example.value = name === LARGE || PLAYGROUND.examples.some((e) => e.name === name) ? name : PLAYGROUND.examples[0].name;
  loadExample(els.example.value);
}

function formatBytes(n) { return n < 1024 ? `${n} B` : n < 1 << 20 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1 << 20)).toFixed(1)} MB`; }
function escapeHtml(s) { return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]); }

let timer = null;
function scheduleRun() {
  clearTimeout(timer);
  if ((largeInput ?? els.manifests.value).length + els.config.value.length > AUTO_RUN_LIMIT) { setStatus("edited: press Run (large input)"); return; }
  timer = setTimeout(run, 300);
}

async function main() {
  for (const ex of PLAYGROUND.examples) els.example.append(new Option(`${ex.name} — ${ex.title}`, ex.name));
  els.example.append(new Option("10,000 Deployments (generated)", LARGE));
  els.example.append(new Option("(edited)", ""));
  els.example.addEventListener("change", () => { if (els.example.value) { loadExample(els.example.value); updateHints(); run(); } });
  for (const ta of [els.manifests, els.config]) ta.addEventListener("input", () => {
    const name = els.example.value;
    const ex = PLAYGROUND.examples.find((e) => e.name === name);
    if (ex && (ex.manifests !== els.manifests.value || ex.config !== els.config.value)) els.example.value = "";
    scheduleRun();
  });
  els.config.addEventListener("input", updateHints);
  els.run.addEventListener("click", run);
  els.share.addEventListener("click", async () => {
    const fits = await saveState();
    if (!fits) { setStatus(`too large for a link (over ${formatBytes(URL_STATE_LIMIT)} compressed)`, "failed"); return; }
    try { await navigator.clipboard.writeText(location.href); setStatus("link copied"); } catch { setStatus("the address bar holds the link"); }
  });
  startWorker();
  await restoreState();
  updateHints();
  try { await workerReady; } catch (e) { setStatus(`the module did not load: ${e.message}`, "failed"); return; }
  await run();
}

main();
