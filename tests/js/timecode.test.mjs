// Typed times (captioner/edit/static/timecode.js) under Node's test runner.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatTime, parseTime, timeEdit } from "../../captioner/edit/static/timecode.js";

test("times are typed as SRT or VTT timecodes, minutes and seconds, or seconds", () => {
  assert.equal(parseTime("00:01:02,500"), 62.5);
  assert.equal(parseTime("00:01:02.5"), 62.5);
  assert.equal(parseTime("01:02.250"), 62.25);
  assert.equal(parseTime("62.25"), 62.25);
  assert.equal(parseTime(" 7 "), 7);
  assert.equal(parseTime("1:00:00"), 3600);
  for (const bad of ["", "abc", "1:60", "1:61:00", "1.2345", "-1", "1e3", "101:00:00", "1::2"]) {
    assert.equal(parseTime(bad), null, bad);
  }
  assert.equal(parseTime("-0.5", { signed: true }), -0.5);
  assert.equal(parseTime("+00:00:01,200", { signed: true }), 1.2);
});

test("formatting reads back", () => {
  for (const t of [0, 0.001, 62.5, 3599.999, 3600, 36000.25]) assert.equal(parseTime(formatTime(t)), t);
  assert.equal(formatTime(62.5), "00:01:02.500");
  assert.equal(formatTime(-1.2), "-00:00:01.200");
});

test("a typed start, end or duration changes one edge; a cue never ends before it starts", () => {
  const cue = { start: 10, end: 12 };
  assert.deepEqual(timeEdit(cue, "start", "00:00:09,500"), { changes: { start: 9.5 } });
  assert.deepEqual(timeEdit(cue, "end", "13"), { changes: { end: 13 } });
  assert.deepEqual(timeEdit(cue, "duration", "1.25"), { changes: { end: 11.25 } });
  assert.ok(timeEdit(cue, "start", "12.5").error);
  assert.ok(timeEdit(cue, "duration", "0").error);
  assert.match(timeEdit(cue, "end", "soon").error, /not a time/);
});
