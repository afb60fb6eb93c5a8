// The selected cue's start, end and duration as fields a person types times into, and its speaker
// (page wiring; the parsing is timecode.js and speakers.js).  A field's change (Enter, or leaving
// it) edits the cue.
import { status } from "./common.js";
import { formatSpeakers, parseSpeakers, speakerNames } from "./speakers.js";
import { formatTime, timeEdit } from "./timecode.js";

// page: {cue() -> the selected cue or null, edit(changes), speakers() -> the names to offer}
export function createTimeFields(page) {
  const speaker = document.getElementById("cue-speaker");
  const offered = document.getElementById("speaker-names");

  const fields = { start: "cue-start", end: "cue-end", duration: "cue-duration" };
  const inputs = Object.fromEntries(Object.entries(fields).map(([k, id]) => [k, document.getElementById(id)]));

  function fill() {
    const cue = page.cue();
    for (const [field, input] of Object.entries(inputs)) {
      input.disabled = !cue;
      const value = !cue ? "" : formatTime(field === "duration" ? cue.end - cue.start : cue[field]);
      if (document.activeElement !== input) input.value = value;
    }
    speaker.disabled = !cue;
    if (document.activeElement !== speaker) speaker.value = cue ? formatSpeakers(cue.voices) : "";
    const names = speakerNames(page.speakers(), []);
    if (offered.children.length !== names.length) {
      offered.replaceChildren(...names.map((name) => Object.assign(document.createElement("option"), { value: name })));
    }
  }

  speaker.addEventListener("change", () => {
    const cue = page.cue();
    if (!cue) return;
    const { voices, error } = parseSpeakers(speaker.value);
    if (error) status(`Speaker not changed: ${error}.`, "error");
    else if (formatSpeakers(voices) !== formatSpeakers(cue.voices)) page.edit({ voices });
    speaker.blur();
    fill();
  });

  for (const [field, input] of Object.entries(inputs)) {
    input.addEventListener("change", () => {
      const cue = page.cue();
      if (!cue) return;
      const { changes, error } = timeEdit(cue, field, input.value);
      if (error) status(`Not changed: ${error}.`, "error");
      else page.edit(changes);
      input.blur();
      fill();
    });
  }
  return { fill };
}
