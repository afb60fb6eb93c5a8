// The draft of a media page kept in the browser's localStorage, so that a closed tab or a stopped
// server loses no typing: per media path, with the versions of the caption files it was made on.
// No DOM and no storage here (tests/js runs it under `node --test`): the page reads and writes.

export const PREFIX = "captioner-draft:";
const FORMAT = 1;

export function draftKey(path) { return PREFIX + path; }

// What is stored: the cues as a save sends them, the files' versions, when (ms since 1970).
export function makeDraft(cues, versions, now) {
  const plain = cues.map((c) => ({ start: c.start, end: c.end, text: c.text, reviewed: !!c.reviewed }));
  return JSON.stringify({ format: FORMAT, saved: now, versions, cues: plain });
}

function sameVersions(a, b) {
  const keys = new Set([...Object.keys(a || {}), ...Object.keys(b || {})]);
  return [...keys].every((k) => (a || {})[k] === (b || {})[k]);
}

// The stored draft for a page that loaded `versions` and `cues`: {cues, saved, sameVersion}, or null
// when there is none, it is not a draft (another program's value, a newer format), or it holds
// exactly the cues on disk (nothing to offer).
export function readDraft(raw, versions, cues) {
  let data;
  try { data = JSON.parse(raw); } catch (error) { return null; }
  if (!data || data.format !== FORMAT || !Array.isArray(data.cues)) return null;
  const ok = data.cues.every((c) => c && Number.isFinite(c.start) && Number.isFinite(c.end) && typeof c.text === "string");
  if (!ok) return null;
  const draftCues = data.cues.map((c) => ({ start: c.start, end: c.end, text: c.text, reviewed: !!c.reviewed,
    words: [], doubtful: [], problems: [], errors: [] }));
  const same = (a, b) => a.start === b.start && a.end === b.end && a.text === b.text && !!a.reviewed === !!b.reviewed;
  if (draftCues.length === cues.length && draftCues.every((c, k) => same(c, cues[k]))) return null;
  return { cues: draftCues, saved: Number(data.saved) || 0, sameVersion: sameVersions(data.versions, versions) };
}
