// Find and replace (captioner/edit/static/findreplace.js) under Node's test runner.
import assert from "node:assert/strict";
import { test } from "node:test";

import { applyChanges, pattern, preview } from "../../captioner/edit/static/findreplace.js";

const cues = [
  { start: 0, end: 1, text: "The portal opens.\nPortal two", words: [["The", 0.9, 0, 0.2]] },
  { start: 1, end: 2, text: "portals and a teleportal" },
  { start: 2, end: 3, text: "nothing here (a.b)" },
];

test("plain text, any case, by default; what changes is previewed per cue", () => {
  const p = preview(cues, "portal", "gate");
  assert.equal(p.count, 4);
  assert.deepEqual(p.changes.map((c) => [c.index, c.after, c.count]), [
    [0, "The gate opens.\ngate two", 2], [1, "gates and a telegate", 2],
  ]);
  assert.equal(preview(cues, "(a.b)", "$1").changes[0].after, "nothing here $1");  // taken as is
});

test("whole words and case", () => {
  assert.deepEqual(preview(cues, "portal", "gate", { wholeWord: true }).changes.map((c) => c.after),
    ["The gate opens.\ngate two"]);
  assert.deepEqual(preview(cues, "Portal", "Gate", { wholeWord: true, matchCase: true }).changes.map((c) => c.after),
    ["The portal opens.\nGate two"]);
  assert.equal(preview([{ text: "café cafés" }], "café", "x", { wholeWord: true }).changes[0].after, "x cafés");
});

test("regular expressions with groups; bad or empty-matching ones are refused", () => {
  const p = preview(cues, "(\\w+)als\\b", "$1al's", { regex: true });
  assert.deepEqual(p.changes.map((c) => c.after), ["portal's and a teleportal"]);
  assert.match(pattern("(", { regex: true }).error, /not a regular expression/);
  assert.match(pattern("a*", { regex: true }).error, /empty/);
  assert.match(pattern("").error, /type/);
  assert.equal(preview(cues, "zzz", "y").count, 0);
});

test("applying the changes touches only the cues changed, and not the ones given", () => {
  const p = preview(cues, "portal", "gate", { wholeWord: true });
  const { cues: next, changed } = applyChanges(cues, p.changes);
  assert.deepEqual(changed, [0]);
  assert.equal(next[0].text, "The gate opens.\ngate two");
  assert.deepEqual(next[0].words, []);
  assert.equal(next[1], cues[1]);
  assert.equal(cues[0].text, "The portal opens.\nPortal two");
});
