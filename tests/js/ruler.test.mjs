// The waveform's time ruler labels (captioner/edit/static/ruler.js) under Node's test runner.
import assert from "node:assert/strict";
import { test } from "node:test";

import { rulerLabel } from "../../captioner/edit/static/ruler.js";

test("labels: m:ss, h:mm:ss past an hour, tenths only when needed", () => {
  assert.equal(rulerLabel(0), "0:00");
  assert.equal(rulerLabel(5), "0:05");
  assert.equal(rulerLabel(65), "1:05");
  assert.equal(rulerLabel(3599), "59:59");
  assert.equal(rulerLabel(3600), "1:00:00");
  assert.equal(rulerLabel(3725.5), "1:02:05.5");
  assert.equal(rulerLabel(0.30000000000000004), "0:00.3");
});
