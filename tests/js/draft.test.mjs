// The draft kept in the browser (captioner/edit/static/draft.js) under Node's test runner.
import assert from "node:assert/strict";
import { test } from "node:test";

import { draftKey, makeDraft, readDraft } from "../../captioner/edit/static/draft.js";

const disk = [{ start: 0, end: 1, text: "hello", words: [["hello", 0.9, 0, 1]] }];
const versions = { srt: "abc", vtt: "def" };

test("a draft is offered back with the cues typed, and whether the files changed since", () => {
  const typed = [{ ...disk[0], text: "hello there", reviewed: true }];
  const raw = makeDraft(typed, versions, 1000);
  const back = readDraft(raw, versions, disk);
  assert.deepEqual(back.cues.map((c) => [c.start, c.end, c.text, c.reviewed]), [[0, 1, "hello there", true]]);
  assert.equal(back.sameVersion, true);
  assert.equal(back.saved, 1000);
  assert.equal(readDraft(raw, { srt: "changed", vtt: "def" }, disk).sameVersion, false);
  assert.equal(readDraft(raw, { srt: "abc", vtt: "def", txt: "new" }, disk).sameVersion, false);
  assert.equal(draftKey("talks/a.mp4"), "captioner-draft:talks/a.mp4");
});

test("nothing is offered for the cues on disk, garbage, or another format", () => {
  assert.equal(readDraft(makeDraft(disk, versions, 1), versions, disk), null);
  for (const raw of [null, "", "{", "[]", '{"format": 2, "cues": []}', '{"format": 1, "cues": [{"start": "x"}]}']) {
    assert.equal(readDraft(raw, versions, disk), null, String(raw));
  }
});
