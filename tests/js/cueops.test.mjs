// The studio's cue operations (captioner/edit/static/cueops.js) under Node's test runner.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  History, add, edit, markReviewed, merge, nudge, remove, replaceRange, shift, split, tokenTimes,
} from "../../captioner/edit/static/cueops.js";

// A cue as the server sends it: words [token, probability, start, end].
function cue(start, end, timed) {
  return { start, end, text: timed.map((w) => w[0]).join(" "), words: timed.map(([t, a, b]) => [t, 0.9, a, b]) };
}

// Issue 27's split: "slow" is spoken 9.96-10.47 s; split at 11.0 s it belongs to the first half.
const slow = cue(8.84, 13.92, [
  ["This", 8.84, 9.0], ["is", 9.0, 9.12], ["me", 9.12, 9.3], ["talking", 9.3, 9.6], ["really", 9.6, 9.96],
  ["slow", 9.96, 10.47], ["and", 12.1, 12.3], ["slightly", 12.3, 12.8], ["faster", 12.8, 13.4], ["now.", 13.4, 13.92],
]);

test("split cuts at the word boundary nearest the time, each half timed from its words", () => {
  const [first, second] = split([slow], 0, 11.0);
  assert.equal(first.text, "This is me talking really slow");
  assert.equal(second.text, "and slightly faster now.");
  assert.deepEqual([first.start, first.end], [8.84, 10.47]);
  assert.deepEqual([second.start, second.end], [12.1, 13.92]);
  assert.deepEqual(first.words.map((w) => w[0]), first.text.split(" "));
  assert.deepEqual(second.words.map((w) => w[0]), second.text.split(" "));
});

test("split keeps the cue's line breaks and leaves its input alone", () => {
  const two = { ...slow, text: "This is me talking\nreally slow and slightly faster now." };
  const before = JSON.stringify(two);
  const [first, second] = split([two], 0, 9.5);
  assert.equal(first.text, "This is me talking");
  assert.equal(second.text, "really slow and slightly faster now.");
  assert.equal(second.start, 9.6);
  assert.equal(JSON.stringify(two), before);
});

test("split without word times estimates them from the characters, never loses a word", () => {
  const typed = { start: 0, end: 4, text: "one two three four", words: [] };
  const halves = split([typed], 0, 1.0);
  assert.equal(halves.map((c) => c.text).join(" "), typed.text);
  assert.equal(halves[0].end, halves[1].start);
  assert.equal(split([{ start: 0, end: 1, text: "alone", words: [] }], 0, 0.5), null);
  // Stale words (the text was edited since) are not trusted.
  const edited = { ...slow, text: "This is me talking really quickly and slightly faster now." };
  assert.equal(tokenTimes(edited).fromWords, false);
});

test("merge joins text and words; add finds room; remove and edit", () => {
  const a = cue(0, 1, [["a", 0, 0.5], ["b", 0.5, 1]]);
  const b = cue(1.5, 2, [["c", 1.5, 2]]);
  const [m] = merge([a, b], 0);
  assert.equal(m.text, "a b c");
  assert.deepEqual([m.start, m.end], [0, 2]);
  assert.equal(m.words.length, 3);
  assert.equal(merge([a, b], 1), null);
  const added = add([a, b], 1.1, { duration: 3 });
  assert.equal(added.index, 1);
  assert.deepEqual([added.cues[1].start, added.cues[1].end], [1.1, 1.5]);
  assert.equal(add([a, b], 1.45), null);
  assert.deepEqual(remove([a, b], [0]), [b]);
  const moved = edit([a, b], 0, { start: 1.8, end: 2.5 });
  assert.equal(moved.moved, true);
  assert.equal(moved.index, 1);
  assert.deepEqual(moved.cues.map((c) => c.text), ["c", "a b"]);
});

test("nudge never crosses the other edge or zero; shift moves words with their cues", () => {
  const a = cue(0.02, 1, [["a", 0.02, 1]]);
  assert.equal(nudge([a], 0, "start", -0.1).cues[0].start, 0);
  assert.ok(nudge([a], 0, "end", -5).cues[0].end > 0.02);
  const b = cue(2, 3, [["b", 2, 3]]);
  const later = shift([a, b], [1], 1.5);
  assert.deepEqual(later.map((c) => [c.start, c.end]), [[0.02, 1], [3.5, 4.5]]);
  assert.deepEqual(later[1].words[0], ["b", 0.9, 3.5, 4.5]);
  assert.equal(shift([a, b], [0, 1], -1), null);
});

test("a proposal replaces exactly the words it covers (issue 27: 'Ask not!' duplicated)", () => {
  const cues = [
    cue(0, 2.5, [["And", 0, 0.3], ["so,", 0.3, 0.6], ["ask", 1.6, 1.9], ["not", 1.9, 2.4]]),
    cue(3, 4, [["what", 3, 3.4], ["your", 3.4, 4]]),
  ];
  const proposal = [{ start: 1.5, end: 2.5, text: "Ask not!", words: [] }];
  const { cues: next, index } = replaceRange(cues, 1.5, 2.5, proposal);
  assert.deepEqual(next.map((c) => c.text), ["And so,", "Ask not!", "what your"]);
  assert.equal(index, 1);
  assert.ok(next[0].end <= 1.5);
  // A range inside one cue keeps both sides of it.
  const inner = replaceRange(cues, 0.4, 1.7, [{ start: 0.4, end: 1.7, text: "SO", words: [] }]).cues;
  assert.deepEqual(inner.map((c) => c.text), ["And", "SO", "ask not", "what your"]);
  for (let k = 1; k < inner.length; k++) assert.ok(inner[k - 1].end <= inner[k].start, JSON.stringify(inner));
});

test("reviewed marks and the history", () => {
  const a = cue(0, 1, [["a", 0, 1]]);
  const marked = markReviewed([a], [0]);
  assert.equal(marked[0].reviewed, true);
  assert.equal(a.reviewed, undefined);
  const history = new History(2);
  history.push({ n: 1 });
  history.push({ n: 2 });
  history.push({ n: 3 });
  assert.deepEqual(history.undo({ n: 4 }), { n: 3 });
  assert.deepEqual(history.undo({ n: 3 }), { n: 2 });
  assert.equal(history.undo({ n: 2 }), null);
  assert.deepEqual(history.redo({ n: 2 }), { n: 3 });
  history.push({ n: 9 });
  assert.equal(history.canRedo, false);
});

test("a proposal is shown as a word diff against the text it replaces (issue 27: 'and' dropped)", async () => {
  const { wordDiff, coveredText } = await import("../../captioner/edit/static/cueops.js");
  const cues = [cue(34.4, 36, [["and", 34.4, 34.43], ["make", 34.5, 35], ["the", 35, 35.3], ["world", 35.3, 36]])];
  const current = coveredText(cues, 34.4, 36);
  assert.equal(current, "and make the world");
  assert.deepEqual(wordDiff(current, "Make the world's"), [
    ["-", "and"], ["-", "make"], ["+", "Make"], ["=", "the"], ["-", "world"], ["+", "world's"],
  ]);
  assert.deepEqual(wordDiff("a b", "a b"), [["=", "a"], ["=", "b"]]);
  assert.deepEqual(wordDiff("", "new words"), [["+", "new"], ["+", "words"]]);
  // Only the words inside the range of a cue it cuts into.
  assert.equal(coveredText(cues, 34.9, 36), "the world");
});

test("the counts line follows the cues (issue 27: written once, when the page loaded)", async () => {
  const { counts, countsText } = await import("../../captioner/edit/static/cueops.js");
  const a = { ...cue(0, 1, [["a", 0, 1]]), doubtful: ["low"], problems: [] };
  const b = { ...cue(2, 3, [["b", 2, 3]]), doubtful: [], problems: ["too fast"], reviewed: true };
  assert.deepEqual(counts([a, b]), { cues: 2, doubtful: 1, problems: 1, errors: 0, reviewed: 1 });
  assert.equal(countsText([a, b]), "2 cues · 1 doubtful · 1 with style problems · 1/2 reviewed");
  assert.equal(counts(markReviewed([a, b], [0])).doubtful, 0);
  assert.equal(countsText([{ ...a, errors: ["empty cue"] }]), "1 cue · 1 doubtful · 0 with style problems · 1 that cannot be saved · 0/1 reviewed");
});

test("several cues are selected with shift and ctrl, and shifted together", async () => {
  const { clickSelection, shiftSelected } = await import("../../captioner/edit/static/cueops.js");
  let s = clickSelection([], -1, 2);
  assert.deepEqual(s, { marked: [2], anchor: 2 });
  s = clickSelection(s.marked, s.anchor, 5, { shift: true });
  assert.deepEqual(s.marked, [2, 3, 4, 5]);
  s = clickSelection(s.marked, s.anchor, 0, { shift: true });
  assert.deepEqual(s.marked, [0, 1, 2]);
  s = clickSelection(s.marked, s.anchor, 1, { ctrl: true });
  assert.deepEqual(s, { marked: [0, 2], anchor: 1 });
  s = clickSelection(s.marked, s.anchor, 7, { ctrl: true });
  assert.deepEqual(s.marked, [0, 2, 7]);
  const cues = [cue(0, 1, [["a", 0, 1]]), cue(2, 3, [["b", 2, 3]]), cue(4, 5, [["c", 4, 5]])];
  const done = shiftSelected(cues, [0, 2], 0.5);
  assert.deepEqual(done.cues.map((c) => [c.start, c.end]), [[0.5, 1.5], [2, 3], [4.5, 5.5]]);
  assert.deepEqual(done.indices, [0, 2]);
  // A shift that reorders the cues says where they went.
  const past = shiftSelected(cues, [0], 3);
  assert.deepEqual(past.cues.map((c) => c.text), ["b", "a", "c"]);
  assert.deepEqual(past.indices, [1]);
  assert.equal(shiftSelected(cues, [1], -3), null);
});

test("edges snap to the neighbour less the minimum gap, and never cross it", async () => {
  const { snapEdge, snapRetime } = await import("../../captioner/edit/static/cueops.js");
  const cues = [cue(0, 1, [["a", 0, 1]]), cue(2, 3, [["b", 2, 3]]), cue(4, 5, [["c", 4, 5]])];
  const opts = { minGap: 0.08, tolerance: 0.15 };
  assert.equal(snapEdge(cues, 1, "end", 3.85, opts), 3.92);  // near: snaps
  assert.equal(snapEdge(cues, 1, "end", 3.7, opts), 3.7);  // far: stays
  assert.equal(snapEdge(cues, 1, "end", 4.5, opts), 3.92);  // across: stops short
  assert.equal(snapEdge(cues, 1, "start", 1.02, opts), 1.08);
  assert.equal(snapEdge(cues, 1, "start", 0.5, opts), 1.08);
  assert.equal(snapEdge(cues, 2, "end", 9, opts), 9);  // the last cue: nothing after it
  assert.equal(snapEdge(cues, 0, "start", -1, opts), 0);
  // A nudge (no tolerance) only stops at the neighbour's edge: a chained cue stays possible.
  assert.equal(snapEdge(cues, 1, "end", 3.96, { minGap: 0.08 }), 3.96);
  assert.equal(snapEdge(cues, 1, "end", 4.04, { minGap: 0.08 }), 3.92);
  // A moved cue keeps its length.
  assert.deepEqual(snapRetime(cues, 1, 2.85, 3.85, opts), { start: 2.92, end: 3.92 });
  assert.deepEqual(snapRetime(cues, 1, 1.1, 2.1, opts), { start: 1.08, end: 2.08 });
  assert.deepEqual(snapRetime(cues, 1, 2, 3.5, opts), { start: 2, end: 3.5 });
});

test("edges snap to shot changes (Netflix: start on the cut, end 2 frames before) within 12 frames", async () => {
  const { nudge, snapEdge, snapRetime, snapToShot } = await import("../../captioner/edit/static/cueops.js");
  const frame = 0.04, shots = [3.0, 6.4];
  assert.equal(snapToShot(3.3, "start", shots, frame), 3.0);  // 7.5 frames after the cut
  assert.equal(snapToShot(3.5, "start", shots, frame), 3.5);  // 12.5 frames: stays
  assert.equal(snapToShot(6.2, "end", shots, frame), 6.32);  // ends 2 frames before the cut
  assert.equal(snapToShot(6.45, "end", shots, frame), 6.32);  // across the cut too
  assert.equal(snapToShot(6.45, "end", [], frame), 6.45);
  const cues = [{ start: 0.5, end: 2.6, text: "a" }, { start: 3.2, end: 6.1, text: "b" }, { start: 7, end: 9, text: "c" }];
  const opts = { minGap: 0.08, tolerance: 0.15, shots, frame };
  assert.equal(snapEdge(cues, 1, "start", 3.25, opts), 3.0);
  assert.equal(snapEdge(cues, 0, "end", 2.8, opts), 2.92);  // the cut is past the next cue's min gap
  assert.deepEqual(snapRetime(cues, 1, 3.2, 6.25, opts), { start: 3.2, end: 6.32 });
  // A nudge stops on a snapping point it passes, and the next one moves on.
  const once = nudge(cues, 1, "end", 0.3, opts).cues;
  assert.equal(once[1].end, 6.32);
  assert.equal(nudge(once, 1, "end", frame, opts).cues[1].end, 6.36);
  assert.equal(nudge(cues, 1, "start", -frame, opts).cues[1].start, 3.16);  // nothing passed
  const onCut = nudge(cues, 1, "start", -0.3, opts).cues;
  assert.equal(onCut[1].start, 3.0);
  assert.equal(nudge(onCut, 1, "start", -frame, opts).cues[1].start, 2.96);  // and on past it
});
