// Times typed by a person: a parser and a formatter (no DOM; tests/js runs them under `node --test`).

// Seconds from "HH:MM:SS,mmm", "HH:MM:SS.mmm", "MM:SS.mmm", "SS.mmm", "SS,mmm" or plain seconds
// ("-0.5" too when `signed`, for an offset); null for anything else (minutes and seconds past 59,
// more than 3 fraction digits, more than 100 hours).
export function parseTime(text, { signed = false } = {}) {
  const match = /^\s*([+-]?)(?:(?:(\d+):)?(\d+):)?(\d+)(?:[.,](\d{1,3}))?\s*$/.exec(String(text));
  if (!match) return null;
  const [, sign, h, m, s, frac] = match;
  if (sign && !signed) return null;
  if ((m !== undefined && Number(s) > 59) || (h !== undefined && Number(m) > 59)) return null;
  const ms = Number(h || 0) * 3600000 + Number(m || 0) * 60000 + Number(s) * 1000 + Number((frac || "").padEnd(3, "0") || 0);
  if (ms > 100 * 3600000) return null;
  return (sign === "-" ? -ms : ms) / 1000;
}

// "HH:MM:SS.mmm" (a leading "-" for a negative offset).
export function formatTime(seconds) {
  const negative = seconds < 0;
  const ms = Math.round(Math.abs(seconds) * 1000);
  const pad = (n, w) => String(n).padStart(w, "0");
  const h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60, s = Math.floor(ms / 1000) % 60;
  return `${negative && ms ? "-" : ""}${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms % 1000, 3)}`;
}

// The changes to a cue for a time typed in one of its fields ("start", "end" or "duration"): the
// start moves alone (the end stays), the end moves alone, a duration sets the end from the start.
// {changes} or {error} (a message for the status line).
export function timeEdit(cue, field, text) {
  const value = parseTime(text);
  if (value === null) return { error: `"${text}" is not a time: type 00:01:02.500, 01:02.5 or 62.5` };
  const start = field === "start" ? value : cue.start;
  const end = field === "end" ? value : field === "duration" ? cue.start + value : cue.end;
  if (!(end > start)) return { error: "the cue would end before it starts" };
  const round = (t) => Math.round(t * 1000) / 1000;
  return { changes: field === "start" ? { start: round(start) } : { end: round(end) } };
}
