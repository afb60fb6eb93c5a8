// The live meter (captioner/edit/static/meter.js) under Node's test runner.
import assert from "node:assert/strict";
import { test } from "node:test";

import { measure, meterPieces } from "../../captioner/edit/static/meter.js";

const style = { max_chars: 42, max_lines: 2, max_cps: 20 };

test("each line against the style's length, warning from 90% before it is passed", () => {
  const m = measure("a".repeat(37) + "\n" + "b".repeat(38), 0, 10, style);
  assert.deepEqual(m.lines.map((l) => [l.chars, l.level]), [[37, "ok"], [38, "near"]]);
  assert.equal(measure("a".repeat(42), 0, 10, style).lines[0].level, "near");
  assert.equal(measure("a".repeat(43), 0, 10, style).lines[0].level, "over");
  assert.equal(measure("é".repeat(40) + "  ", 0, 10, style).lines[0].chars, 40);  // code points, stripped
  assert.equal(measure("😀".repeat(2), 0, 10, style).lines[0].chars, 2);
});

test("reading speed in characters per second, as the server's check counts it", () => {
  const m = measure("abcdefghij\nklmnopqrst", 0, 1, style);  // 20 chars in 1 s: at the ceiling
  assert.deepEqual([m.cps.value, m.cps.level, m.level], [20, "near", "near"]);
  assert.equal(measure("a".repeat(21), 0, 1, style).cps.level, "over");
  assert.equal(measure("a".repeat(17), 0, 1, style).cps.level, "ok");
  assert.equal(measure("", 0, 1, style).level, "ok");
  assert.equal(measure("a\nb\nc", 0, 10, style).count.level, "over");
});

test("the meter's pieces", () => {
  assert.deepEqual(meterPieces(measure("Hello there\nfriend", 0, 2, style)), [
    ["line 1: 11/42", "ok"], ["line 2: 6/42", "ok"], ["8.5/20 chars/s", "ok"],
  ]);
  assert.deepEqual(meterPieces(measure("a\nb\nc", 0, 1, style)).at(-2), ["3/2 lines", "over"]);
});
