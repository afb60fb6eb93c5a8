// A cue's speakers as a person types them: "Ann" (the cue's speaker), "Ann, Bob" (a dialogue cue, a
// name a line), "" (no speaker).  The names are checked as --speaker-names checks them.  No DOM
// (tests/js runs it under `node --test`); timefields.js wires the speaker field to it.

export const MAX_NAME_CHARS = 32;

// {voices: [names]} or {error}.
export function parseSpeakers(text) {
  const names = text.split(",").map((n) => n.split(/\s+/).filter(Boolean).join(" "));
  if (names.length === 1 && !names[0]) return { voices: [] };
  for (const name of names) {
    if (!name) return { error: "a speaker name is empty (names are separated by commas)" };
    if (name.length > MAX_NAME_CHARS) return { error: `a speaker name is longer than ${MAX_NAME_CHARS} characters` };
    // eslint-disable-next-line no-control-regex
    if (/[<>&\u0000-\u001f]/.test(name)) return { error: "a speaker name cannot hold <, > or &" };
  }
  if (names.length > 8) return { error: "at most 8 speakers in a cue" };
  return { voices: names.length > 1 && new Set(names).size === 1 ? [names[0]] : names };
}

export function formatSpeakers(voices) {
  return (voices || []).join(", ");
}

// The names to offer: the media's known speakers, then any the cues name.
export function speakerNames(known, cues) {
  return [...new Set([...(known || []), ...cues.flatMap((cue) => cue.voices || [])])];
}
