// Schema-driven hints for the config editor, from schemas/sidecar-injector.schema.json: where the cursor is
// (its field path, worked out from indentation), what the schema says of that field, which keys may follow,
// and the keys and values the schema does not allow. The function's own results remain the authority: this
// only reads block-style YAML as people write configs, line by line.

// Each meaningful line as {line, col, dash, key, value}: `- ` list markers and `key:` at a column.
function scanLine(text, line) {
  const m = /^(\s*)((?:-\s+)*)(.*)$/.exec(text);
  const indent = m[1].length;
  const dashes = m[2];
  const rest = m[3];
  if (rest.startsWith("#") || (rest.trim() === "" && dashes === "")) return null;
  const dashCols = [];
  let col = indent;
  for (const d of dashes.match(/-\s+/g) || []) { dashCols.push(col); col += d.length; }
  const km = /^("[^"]*"|'[^']*'|[^\s#'"{[][^:#]*?)\s*:(\s|$)(.*)$/.exec(rest);
  return {
    line, dashCols, col,
    key: km ? km[1].replace(/^["']|["']$/g, "") : null,
    value: km ? km[3].replace(/\s+#.*$/, "").trim() : rest.trim(),
  };
}

// The path of every line's key: [{line, path: ["spec", "containers", 0, "image"], key, value}].
function keyPaths(text) {
  const stack = []; // {col, kind: "key"|"item", name}
  const out = [];
  const counters = new Map(); // list identity -> next index
  text.split("\n").forEach((raw, line) => {
    const s = scanLine(raw, line);
    if (!s) return;
    const tokens = [...s.dashCols.map((c) => ({ col: c, kind: "item" })), ...(s.key !== null ? [{ col: s.col, kind: "key", name: s.key }] : [])];
    if (tokens.length === 0) return;
    const first = tokens[0];
    // A list may sit at its key's own column (`containers:` then `- name:` below it, as kubectl writes).
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.col > first.col || (top.col === first.col && !(first.kind === "item" && top.kind === "key"))) stack.pop();
      else break;
    }
    for (const t of tokens) {
      if (t.kind === "item") {
        const owner = stack.map((e) => e.name).join("\u0000");
        const index = counters.get(owner) ?? 0;
        counters.set(owner, index + 1);
        stack.push({ col: t.col, kind: "item", name: index });
      } else {
        // A key's nested lists start counting afresh.
        const path = [...stack.map((e) => e.name), t.name].join("\u0000");
        for (const k of [...counters.keys()]) if (k === path || k.startsWith(path + "\u0000")) counters.delete(k);
        stack.push({ col: t.col, kind: "key", name: t.name });
      }
    }
    if (s.key !== null) out.push({ line, path: stack.map((e) => e.name), key: s.key, value: s.value });
  });
  return out;
}

function formatPath(path) {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

// One schema node with its $ref, allOf, anyOf and oneOf folded in: properties merged, first description kept.
function resolveSchema(root, node, seen = new Set()) {
  const out = { description: undefined, types: new Set(), enum: undefined, const: undefined, properties: {}, required: new Set(), items: undefined, closed: false };
  const visit = (n) => {
    if (!n || typeof n !== "object" || seen.has(n)) return;
    seen.add(n);
    if (out.description === undefined && n.description) out.description = n.description;
    for (const t of [].concat(n.type || [])) if (t !== "null") out.types.add(t);
    if (n.enum && !out.enum) out.enum = n.enum.filter((v) => v !== null);
    if (n.const !== undefined) out.const = n.const;
    Object.assign(out.properties, Object.fromEntries(Object.entries(n.properties || {}).filter(([k]) => !(k in out.properties))));
    for (const r of n.required || []) out.required.add(r);
    if (n.items && !out.items) out.items = n.items;
    if (n.additionalProperties === false) out.closed = true;
    if (n.$ref) visit(n.$ref.split("/").slice(1).reduce((o, k) => o && o[k], root));
    for (const k of ["allOf", "anyOf", "oneOf"]) for (const v of n[k] || []) visit(v);
  };
  visit(node);
  return out;
}

// The schema at a path, or null where the schema knows no such field.
function schemaAt(root, path) {
  const kindDef = root.$defs.SidecarInjector;
  let node = resolveSchema(root, kindDef);
  for (const seg of path) {
    if (typeof seg === "number") {
      if (!node.items) return null;
      node = resolveSchema(root, node.items);
    } else {
      const p = node.properties[seg];
      if (!p) return null;
      node = resolveSchema(root, p);
    }
  }
  return node;
}

function configRoot(root, text) {
  // A ConfigMap config has a flat `data` schema of its own.
  return /^kind:\s*ConfigMap\s*$/m.test(text) ? { ...root, $defs: { ...root.$defs, SidecarInjector: root.$defs.ConfigMap } } : root;
}

// Everything the hint panel shows for the cursor at `offset` of `text`.
function hintsAt(schema, text, offset) {
  const root = configRoot(schema, text);
  const lineNo = text.slice(0, offset).split("\n").length - 1;
  const lineText = text.split("\n")[lineNo] || "";
  const paths = keyPaths(text);
  const here = paths.find((p) => p.line === lineNo);
  // The partial key being typed: the line holds no `:` yet.
  const partial = /^(\s*)((?:-\s+)*)([A-Za-z0-9_.-]*)$/.exec(lineText);
  let parentPath, typed = null;
  if (partial) {
    typed = partial[3];
    const col = partial[1].length + partial[2].length;
    const probe = text.split("\n").slice(0, lineNo).join("\n") + "\n" + " ".repeat(col) + (partial[2] ? "- " : "") + "x:";
    const probed = keyPaths(probe).pop();
    parentPath = probed ? probed.path.slice(0, -1) : [];
  } else {
    parentPath = here ? here.path.slice(0, -1) : [];
  }
  const field = here && !partial ? { path: here.path, schema: schemaAt(root, here.path) } : null;
  const parent = schemaAt(root, parentPath);
  const present = new Set(paths.filter((p) => p.path.length === parentPath.length + 1 && formatPath(p.path.slice(0, -1)) === formatPath(parentPath)).map((p) => p.key));
  let suggestions = [];
  if (parent && typed !== null) {
    suggestions = Object.keys(parent.properties).filter((k) => k.startsWith(typed) && !present.has(k))
      .map((k) => ({ key: k, required: parent.required.has(k), description: resolveSchema(root, parent.properties[k]).description }));
    suggestions.sort((x, y) => Number(y.required) - Number(x.required) || x.key.localeCompare(y.key));
  }
  let values = [];
  if (field && field.schema && (field.schema.enum || field.schema.const !== undefined || field.schema.types.has("boolean"))) {
    values = field.schema.enum || (field.schema.const !== undefined ? [field.schema.const] : [true, false]);
  }
  return { parentPath, field, suggestions, values, typed };
}

// The keys the schema does not know, and values outside an enum: [{line, path, message}].
function schemaProblems(schema, text) {
  const root = configRoot(schema, text);
  const problems = [];
  for (const p of keyPaths(text)) {
    const parent = schemaAt(root, p.path.slice(0, -1));
    if (!parent) continue; // under a field already reported
    const own = parent.properties[p.key];
    if (!own) {
      if (parent.closed || Object.keys(parent.properties).length > 0) {
        const near = Object.keys(parent.properties).find((k) => k.toLowerCase() === p.key.toLowerCase() || editDistance(k, p.key) <= 2);
        problems.push({ line: p.line, path: formatPath(p.path), message: `unknown field${near ? ` (did you mean ${near}?)` : ""}` });
      }
      continue;
    }
    const s = resolveSchema(root, own);
    const v = p.value.replace(/^["']|["']$/g, "");
    if (s.enum && p.value !== "" && !s.enum.map(String).includes(v)) {
      problems.push({ line: p.line, path: formatPath(p.path), message: `${JSON.stringify(v)} is not one of ${s.enum.join(", ")}` });
    }
  }
  return problems;
}

function editDistance(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

// The line of the config where a result's field path points, or -1.
function lineOfPath(text, fieldPath) {
  const hit = keyPaths(text).find((p) => formatPath(p.path) === fieldPath);
  if (hit) return hit.line;
  // An index the path names whose entry has no key of its own: the nearest enclosing key.
  const shorter = fieldPath.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
  return shorter && shorter !== fieldPath ? lineOfPath(text, shorter) : -1;
}
