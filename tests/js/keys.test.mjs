// The media page's keys (captioner/edit/static/keys.js) under Node's test runner.
import assert from "node:assert/strict";
import { test } from "node:test";

import { actionFor, keyName, nextSpeed, seekTarget } from "../../captioner/edit/static/keys.js";

const press = (key, code, mods = {}) => ({ key, code, ...mods });

test("Space on the player is the page's play/pause (issue 27: the player's own key toggled again)", () => {
  assert.equal(actionFor(press(" ", "Space"), "player"), "play-pause");
  assert.equal(actionFor(press(" ", "Space"), "page"), "play-pause");
  assert.equal(actionFor(press(" ", "Space"), "text"), null);  // a space typed in the text box
});

test("play, pause and seek work inside the text box with Ctrl; single keys do not", () => {
  assert.equal(actionFor(press(" ", "Space", { ctrlKey: true }), "text"), "play-pause");
  assert.equal(actionFor(press(",", "Comma", { ctrlKey: true }), "text"), "back-1");
  assert.equal(actionFor(press(".", "Period", { ctrlKey: true }), "text"), "forward-1");
  assert.equal(actionFor(press("<", "Comma", { ctrlKey: true, shiftKey: true }), "text"), "back-5");
  assert.equal(actionFor(press(">", "Period", { metaKey: true, shiftKey: true }), "text"), "forward-5");
  assert.equal(actionFor(press("s", "KeyS", { ctrlKey: true }), "text"), "save");
  assert.equal(actionFor(press("Escape", "Escape"), "text"), "leave-text");
  for (const k of ["s", "m", "a", "v", "[", "ArrowLeft", "Delete"]) assert.equal(actionFor(press(k, ""), "text"), null, k);
  assert.equal(actionFor(press("z", "KeyZ", { ctrlKey: true }), "text"), null);  // the text box's own undo
});

test("outside the text box: seek, speed, split, merge, add, delete, nudge, undo", () => {
  assert.equal(actionFor(press("ArrowLeft", "ArrowLeft"), "page"), "back-1");
  assert.equal(actionFor(press("ArrowRight", "ArrowRight", { shiftKey: true }), "page"), "forward-5");
  assert.equal(actionFor(press("<", "Comma", { shiftKey: true }), "page"), "slower");
  assert.equal(actionFor(press(">", "Period", { shiftKey: true }), "page"), "faster");
  assert.equal(actionFor(press("s", "KeyS"), "page"), "split");
  assert.equal(actionFor(press("M", "KeyM", { shiftKey: true }), "page"), null);
  assert.equal(actionFor(press("m", "KeyM"), "page"), "merge");
  assert.equal(actionFor(press("a", "KeyA"), "page"), "add");
  assert.equal(actionFor(press("Delete", "Delete"), "page"), "delete");
  assert.equal(actionFor(press("ArrowLeft", "ArrowLeft", { altKey: true, shiftKey: true }), "page"), "end-earlier");
  assert.equal(actionFor(press("Z", "KeyZ", { ctrlKey: true, shiftKey: true }), "page"), "redo");
  assert.equal(keyName(press("Z", "KeyZ", { ctrlKey: true, shiftKey: true })), "Ctrl+Shift+z");
});

test("speeds step within 0.5-2x; seeking stays within the media", () => {
  assert.equal(nextSpeed(1, 1), 1.25);
  assert.equal(nextSpeed(2, 1), 2);
  assert.equal(nextSpeed(0.5, -1), 0.5);
  assert.equal(nextSpeed(1.1, -1), 1);
  assert.equal(seekTarget(0.4, -1, 11), 0);
  assert.equal(seekTarget(10.5, 5, 11), 11);
  assert.equal(seekTarget(3, 5, null), 8);
});
