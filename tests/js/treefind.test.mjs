// Find and replace across the tree (captioner/edit/static/treefind.js) under Node's test runner.
import assert from "node:assert/strict";
import { test } from "node:test";

import { previewTree, replaceRequest } from "../../captioner/edit/static/treefind.js";

const files = [
  { path: "a.mp4", versions: { srt: "1" }, cues: [{ start: 0, end: 1, text: "Ask not", reviewed: true, voices: ["Ann"] },
    { start: 1, end: 2, text: "what your country" }] },
  { path: "b/c.mp4", problem: "not a valid srt file" },
  { path: "d.mp4", versions: { srt: "2" }, cues: [{ start: 0, end: 1, text: "ask NOT, ask Notary" }] },
  { path: "e.mp4", versions: { srt: null }, cues: [{ start: 0, end: 1, text: "nothing here" }] },
];

test("every file's matches, whole word and case as within a file; unreadable files skipped", () => {
  const found = previewTree(files, "not", "never", { wholeWord: true });
  assert.deepEqual(found.files.map((f) => f.path), ["a.mp4", "d.mp4"]);
  assert.equal(found.count, 2);
  assert.equal(found.cues, 2);
  assert.equal(found.files[1].cues[0].text, "ask never, ask Notary");
  assert.equal(previewTree(files, "not", "never", { wholeWord: true, matchCase: true }).count, 1);
  assert.equal(previewTree(files, "not", "x").count, 4);  // "nothing" and "Notary" too
  const regex = previewTree(files, "(\\w+) not", "$1 never", { regex: true });
  assert.deepEqual(regex.files.map((f) => f.cues[0].text), ["Ask never", "ask never, ask neverary"]);
  assert.match(previewTree(files, "(", "", { regex: true }).error, /not a regular expression/);
});

test("the request carries each changed file's versions and its whole cue list, unchanged cues as they were", () => {
  const body = replaceRequest(previewTree(files, "country", "land"));
  assert.equal(body.files.length, 1);
  assert.deepEqual(body.files[0], { path: "a.mp4", versions: { srt: "1" }, cues: [
    { start: 0, end: 1, text: "Ask not", reviewed: true, voices: ["Ann"] },
    { start: 1, end: 2, text: "what your land", reviewed: false, voices: [] }] });
  assert.equal(files[0].cues[1].text, "what your country");  // the input is left alone
});
