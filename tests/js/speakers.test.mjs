// The speaker field's parsing (captioner/edit/static/speakers.js) under Node's test runner.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatSpeakers, parseSpeakers, speakerNames } from "../../captioner/edit/static/speakers.js";

test("a name, a dialogue's names, none", () => {
  assert.deepEqual(parseSpeakers("  Ann  "), { voices: ["Ann"] });
  assert.deepEqual(parseSpeakers("Ann,  Bob  Smith"), { voices: ["Ann", "Bob Smith"] });
  assert.deepEqual(parseSpeakers("Ann, Ann"), { voices: ["Ann"] });
  assert.deepEqual(parseSpeakers(""), { voices: [] });
  assert.deepEqual(parseSpeakers("   "), { voices: [] });
  assert.equal(formatSpeakers(["Ann", "Bob"]), "Ann, Bob");
  assert.equal(formatSpeakers(undefined), "");
});

test("names a caption file would misread are refused", () => {
  assert.match(parseSpeakers("Ann,").error, /empty/);
  assert.match(parseSpeakers("<b>Ann").error, /cannot hold/);
  assert.match(parseSpeakers("Tom & Jerry").error, /cannot hold/);
  assert.match(parseSpeakers("x".repeat(33)).error, /longer/);
});

test("the names offered: the known ones first, then the cues'", () => {
  assert.deepEqual(speakerNames(["Ann", "Ann"], [{ voices: ["Bob"] }, { voices: ["Ann"] }, {}]), ["Ann", "Bob"]);
});
