// The media page's keys: which action a key press asks for, where (no DOM: tests/js runs it under
// `node --test`; media.js maps the action names to what they do).  docs/edit.md has the same table.
//
// `where` is "text" (the cue's text box or another field), "player" (the video element) or "page".
// Keys with Ctrl work everywhere, the text box included, so that an editor can play, pause and seek
// while typing; the single keys only outside a field.

const everywhere = {
  "Ctrl+ ": "play-pause",
  "Ctrl+,": "back-1", "Ctrl+.": "forward-1",
  "Ctrl+Shift+,": "back-5", "Ctrl+Shift+.": "forward-5",
  "Ctrl+s": "save",
};

const outside = {
  " ": "play-pause", k: "play-pause",
  ArrowLeft: "back-1", ArrowRight: "forward-1", "Shift+ArrowLeft": "back-5", "Shift+ArrowRight": "forward-5",
  "Shift+,": "slower", "Shift+.": "faster",
  ArrowDown: "next", n: "next", ArrowUp: "previous", p: "previous",
  d: "next-doubtful", v: "reviewed", r: "replay", Enter: "edit-text",
  "[": "start-now", "]": "end-now",
  "Alt+ArrowLeft": "start-earlier", "Alt+ArrowRight": "start-later",
  "Alt+Shift+ArrowLeft": "end-earlier", "Alt+Shift+ArrowRight": "end-later",
  s: "split", m: "merge", a: "add", Delete: "delete",
  "Ctrl+z": "undo", "Ctrl+Shift+z": "redo", "Ctrl+y": "redo",
};

// The key as "Ctrl+Alt+Shift+key" from a keydown's fields.  `code` names the key whatever Shift
// makes of it ("Comma" for "<"); letters are lower-cased, so that Shift+Z is "Shift+z".
export function keyName({ key, code = "", ctrlKey = false, metaKey = false, altKey = false, shiftKey = false }) {
  const punctuation = { Comma: ",", Period: ".", Space: " ", BracketLeft: "[", BracketRight: "]" };
  let base = punctuation[code] ?? key;
  if (base.length === 1) base = base.toLowerCase();
  return (ctrlKey || metaKey ? "Ctrl+" : "") + (altKey ? "Alt+" : "") + (shiftKey ? "Shift+" : "") + base;
}

// The action a keydown asks for in `where`, or null (the browser's own meaning stays).
export function actionFor(event, where) {
  const name = keyName(event);
  if (everywhere[name]) return everywhere[name];
  if (where === "text") return name === "Escape" ? "leave-text" : null;
  return outside[name] ?? null;
}

// Playback speeds offered (the select on the page lists the same).
export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2];

// The speed one step slower (direction -1) or faster (+1) than `rate`, within 0.5-2x.
export function nextSpeed(rate, direction) {
  if (direction > 0) return SPEEDS.find((s) => s > rate + 1e-9) ?? SPEEDS[SPEEDS.length - 1];
  return [...SPEEDS].reverse().find((s) => s < rate - 1e-9) ?? SPEEDS[0];
}

// The player's time after seeking by `delta` seconds, within 0..duration.
export function seekTarget(now, delta, duration) {
  const end = Number.isFinite(duration) && duration > 0 ? duration : Infinity;
  return Math.min(end, Math.max(0, now + delta));
}
