// The playground's per-document line diff (src/diff.js, a classic script run here in a VM context).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const diff = vm.createContext({});
vm.runInContext(readFileSync(new URL("../src/diff.js", import.meta.url), "utf8"), diff);
const plain = (value) => JSON.parse(JSON.stringify(value));

test("the edit script turns the one text into the other, and is no longer than needed", () => {
  // Deterministic pseudo-random line lists over a small alphabet, so that there are many equal lines.
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let round = 0; round < 300; round++) {
    const a = Array.from({ length: Math.floor(next() * 30) }, () => "abcd"[Math.floor(next() * 4)]);
    const b = Array.from({ length: Math.floor(next() * 30) }, () => "abcd"[Math.floor(next() * 4)]);
    const ops = plain(diff.lineEdits(a, b, 1000));
    assert.deepEqual(ops.filter(([op]) => op !== "+").map(([, l]) => l), a);
    assert.deepEqual(ops.filter(([op]) => op !== "-").map(([, l]) => l), b);
    // Minimal: the kept lines are a longest common subsequence.
    const lcs = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--)
      for (let j = b.length - 1; j >= 0; j--)
        lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    assert.equal(ops.filter(([op]) => op === " ").length, lcs[0][0]);
  }
});

test("documents pair by position: unchanged ones are counted, changed ones shown with context", () => {
  const before = "# a comment\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n";
  const after = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n";
  const d = plain(diff.diffDocuments(before, after));
  assert.equal(d.changed, 2);
  assert.equal(d.unchanged, 0);
  assert.equal(d.documents[1].title, "Deployment web");
  assert.deepEqual(d.documents[1].rows.slice(-3), [[" ", "spec:"], ["-", "  replicas: 1"], ["+", "  replicas: 2"]]);
  assert.deepEqual(d.documents[0].rows[0], ["-", "# a comment"]);
  const same = plain(diff.diffDocuments(after, after));
  assert.deepEqual([same.changed, same.unchanged, same.documents.length], [0, 2, 0]);
});
