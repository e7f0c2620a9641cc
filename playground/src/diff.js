// Which lines the function changed, document by document: the function keeps documents in their order, so
// document i of the output is document i of the input, and a line diff per pair stays small even for 10,000
// workloads (one full-text diff of 300,000 lines would not).

function splitDocuments(text) {
  const docs = [];
  let current = [];
  for (const line of text.split("\n")) {
    if (/^---(\s|$)/.test(line)) {
      if (current.length > 0) docs.push(current);
      current = [];
    } else if (line !== "..." ) {
      current.push(line);
    }
  }
  while (current.length > 0 && current[current.length - 1] === "") current.pop();
  if (current.length > 0) docs.push(current);
  // Comment-only or empty documents are not resources: the function does not write them back.
  return docs.filter((lines) => lines.some((l) => l.trim() !== "" && !l.trimStart().startsWith("#")));
}

// Myers' O((N+M)D) shortest edit script; null when it needs more than maxEdits edits.
function lineEdits(a, b, maxEdits) {
  const n = a.length, m = b.length, max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, v, a, b, d, offset);
    }
  }
  return null;
}

function backtrack(trace, last, a, b, d, offset) {
  const ops = [];
  let x = a.length, y = b.length;
  for (let step = d; step > 0; step--) {
    const v = trace[step];
    const k = x - y;
    const prevK = k === -step || (k !== step && v[offset + k - 1] < v[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = v[offset + prevK], prevY = prevX - prevK;
    while (x > prevX && y > prevY) ops.push([" ", a[--x]]), y--;
    if (x === prevX) ops.push(["+", b[--y]]);
    else ops.push(["-", a[--x]]);
  }
  while (x > 0 && y > 0) ops.push([" ", a[--x]]), y--;
  return ops.reverse();
}

function titleOf(lines) {
  const kind = lines.find((l) => /^kind:/.test(l));
  const name = lines.find((l) => /^ {2}name:/.test(l));
  return [kind && kind.slice(5).trim(), name && name.slice(7).trim()].filter(Boolean).join(" ") || "document";
}

// Hunks with `context` lines around each change; a ["@", ...] row stands for the unchanged lines left out.
function hunks(ops, context) {
  const keep = ops.map(() => false);
  ops.forEach(([op], i) => {
    if (op !== " ") for (let j = Math.max(0, i - context); j <= Math.min(ops.length - 1, i + context); j++) keep[j] = true;
  });
  const rows = [];
  let skipped = 0;
  ops.forEach((row, i) => {
    if (keep[i]) {
      if (skipped) rows.push(["@", `${skipped} unchanged lines`]);
      skipped = 0;
      rows.push(row);
    } else skipped++;
  });
  if (skipped) rows.push(["@", `${skipped} unchanged lines`]);
  return rows;
}

// {documents: [{title, rows}], unchanged, truncated}: at most maxRows rows in all, so that the page can render them.
function diffDocuments(before, after, maxRows = 4000) {
  const a = splitDocuments(before), b = splitDocuments(after);
  const out = { documents: [], unchanged: 0, truncated: 0, changed: 0 };
  let rows = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] || [], y = b[i] || [];
    if (x.length === y.length && x.every((l, j) => l === y[j])) { out.unchanged++; continue; }
    out.changed++;
    if (rows >= maxRows) { out.truncated++; continue; }
    const ops = lineEdits(x, y, 2000) || [...x.map((l) => ["-", l]), ...y.map((l) => ["+", l])];
    const docRows = hunks(ops, 3);
    rows += docRows.length;
    out.documents.push({ title: titleOf(y.length ? y : x), rows: docRows });
  }
  return out;
}
