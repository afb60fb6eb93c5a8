// The selected cue's start, end and duration as fields a person types times into (page wiring; the
// parsing is timecode.js).  A field's change (Enter, or leaving it) edits the cue.
import { status } from "./common.js";
import { formatTime, timeEdit } from "./timecode.js";

// page: {cue() -> the selected cue or null, edit(changes)}
export function createTimeFields(page) {
  const fields = { start: "cue-start", end: "cue-end", duration: "cue-duration" };
  const inputs = Object.fromEntries(Object.entries(fields).map(([k, id]) => [k, document.getElementById(id)]));

  function fill() {
    const cue = page.cue();
    for (const [field, input] of Object.entries(inputs)) {
      input.disabled = !cue;
      const value = !cue ? "" : formatTime(field === "duration" ? cue.end - cue.start : cue[field]);
      if (document.activeElement !== input) input.value = value;
    }
  }

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
