// The studio's cue operations: pure functions over plain cue objects, no DOM (tests/js runs them
// under `node --test`; media.js only wires the page's events to them).
//
// A cue is {start, end, text, words, reviewed, ...}; an operation returns new arrays and new cue
// objects and never changes the ones it is given (the undo history keeps them).  `words` are the
// server's shading entries [token, probability|null, start|null, end|null] ("\n" a line break):
// the transcript word(s) each token of the text was matched to, with their times.

export const round = (t) => Math.round(t * 1000) / 1000;

// The cue's text as tokens, "\n" between lines.
export function tokensOf(text) {
  const out = [];
  text.split("\n").forEach((line, k) => {
    if (k) out.push("\n");
    out.push(...line.split(/\s+/).filter(Boolean));
  });
  return out;
}

function joinTokens(tokens) {
  let k = 0, j = tokens.length;
  while (k < j && tokens[k] === "\n") k += 1;
  while (j > k && tokens[j - 1] === "\n") j -= 1;
  return tokens.slice(k, j).join(" ").replace(/ ?\n ?/g, "\n").replace(/\n+/g, "\n");
}

// [start, end] of each token of the text ("\n" excluded): from the cue's words when they are the
// words of this text and carry times; otherwise spread over the cue by characters (an estimate).
export function tokenTimes(cue) {
  const tokens = tokensOf(cue.text).filter((t) => t !== "\n");
  const words = (cue.words || []).filter((w) => w[0] !== "\n");
  const timed = words.length === tokens.length && words.every((w, k) => w[0] === tokens[k] &&
    Number.isFinite(w[2]) && Number.isFinite(w[3]));
  if (timed) return { tokens, times: words.map((w) => [w[2], w[3]]), fromWords: true };
  const total = tokens.reduce((n, t) => n + t.length + 1, 0) || 1;
  const span = cue.end - cue.start;
  let at = 0;
  const times = tokens.map((t) => {
    const a = cue.start + (span * at) / total;
    at += t.length + 1;
    return [a, cue.start + (span * (at - 1)) / total];
  });
  return { tokens, times, fromWords: false };
}

// The cue's word entries for tokens [from, to) of its text (no "\n"), or [] when they do not match.
function wordsFor(cue, from, to) {
  const words = (cue.words || []).filter((w) => w[0] !== "\n");
  const tokens = tokensOf(cue.text).filter((t) => t !== "\n");
  if (words.length !== tokens.length || !words.every((w, k) => w[0] === tokens[k])) return [];
  return words.slice(from, to);
}

// Tokens (with "\n") of the cue whose word index (among real tokens) satisfies keep(index).
function keepTokens(cue, keep) {
  const out = [];
  let n = 0;
  for (const t of tokensOf(cue.text)) {
    if (t === "\n") out.push(t);
    else { if (keep(n)) out.push(t); n += 1; }
  }
  return joinTokens(out);
}

// Split cue k at time `at` (the middle when `at` is not inside it): between the two words whose
// boundary is nearest `at`; the first half ends where its last word ends, the second starts where
// its first word starts (each half timed from its words).  null: fewer than two words.
export function split(cues, k, at) {
  const cue = cues[k];
  if (!cue) return null;
  const { tokens, times, fromWords } = tokenTimes(cue);
  if (tokens.length < 2) return null;
  if (!(at > cue.start && at < cue.end)) at = (cue.start + cue.end) / 2;
  let cut = 1, best = Infinity;
  for (let i = 1; i < tokens.length; i++) {
    const distance = Math.abs((times[i - 1][1] + times[i][0]) / 2 - at);
    if (distance < best) { best = distance; cut = i; }
  }
  let end = round(Math.min(cue.end, Math.max(cue.start, times[cut - 1][1])));
  let start = round(Math.max(cue.start, Math.min(cue.end, times[cut][0])));
  if (!fromWords) { end = round((times[cut - 1][1] + times[cut][0]) / 2); start = end; }
  if (start < end) start = end;
  const first = { ...cue, end, text: keepTokens(cue, (n) => n < cut), words: wordsFor(cue, 0, cut) };
  const second = { ...cue, start, text: keepTokens(cue, (n) => n >= cut), words: wordsFor(cue, cut, tokens.length) };
  const next = cues.slice();
  next.splice(k, 1, first, second);
  return next;
}

// Merge cue k with the next one; `text` the merged text (a re-flow of both), else both joined.
export function merge(cues, k, text) {
  const a = cues[k], b = cues[k + 1];
  if (!a || !b) return null;
  const joined = text ?? `${a.text} ${b.text}`.replace(/\s+/g, " ").trim();
  const merged = { ...a, end: Math.max(a.end, b.end), text: joined, words: [...(a.words || []), ...(b.words || [])],
    reviewed: !!(a.reviewed && b.reviewed) };
  const next = cues.slice();
  next.splice(k, 2, merged);
  return next;
}

// An empty cue at time t, up to `length` seconds, in the gap it falls in (never over a cue, never
// past `duration`): {cues, index}, or null when the gap is under 0.1 s.
export function add(cues, t, { length = 2, duration = null } = {}) {
  t = round(Math.max(0, t));
  let k = cues.findIndex((c) => c.start > t);
  if (k < 0) k = cues.length;
  const start = round(Math.max(t, k > 0 ? cues[k - 1].end : 0));
  const limit = k < cues.length ? cues[k].start : (duration || start + length);
  const end = round(Math.min(start + length, limit));
  if (end - start < 0.1) return null;
  const next = cues.slice();
  next.splice(k, 0, { start, end, text: "", words: [], doubtful: [], problems: [], errors: ["empty cue"] });
  return { cues: next, index: k };
}

export function remove(cues, indices) {
  const gone = new Set(indices);
  return cues.filter((_, k) => !gone.has(k));
}

// Cue k with `changes` (start, end, text...); the list re-sorted by start when a start moved it.
// {cues, index (where cue k went), moved}.
export function edit(cues, k, changes) {
  const next = cues.slice();
  const cue = { ...cues[k], ...changes };
  next[k] = cue;
  const moved = "start" in changes && next.some((c, j) => j > 0 && c.start < next[j - 1].start);
  if (moved) next.sort((a, b) => a.start - b.start);
  return { cues: next, index: next.indexOf(cue), moved };
}

// Move one edge of cue k by `delta` seconds (never before 0, never past the other edge, never across
// a neighbour: it stops `minGap` short of it).
// A nudge that passes a shot change's snapping point (see shotPoint) stops on it.
export function nudge(cues, k, side, delta, { minGap = 0, shots = [], frame = 0.04 } = {}) {
  const cue = cues[k];
  let value = round(Math.max(0, cue[side] + delta));
  const from = cue[side], ahead = (p) => (delta > 0 ? p > from + 1e-6 && p <= value + 1e-6 : p < from - 1e-6 && p >= value - 1e-6);
  const passed = shots.map((s) => shotPoint(s, side, frame)).filter(ahead);
  if (passed.length) value = delta > 0 ? Math.min(...passed) : Math.max(...passed);
  if (side === "start") value = Math.min(value, round(cue.end - 0.001));
  else value = Math.max(value, round(cue.start + 0.001));
  return edit(cues, k, { [side]: snapEdge(cues, k, side, value, { minGap }) });
}

// Netflix's shot-change rule: a cue starts on the shot change's frame, and ends SHOT_OUT_FRAMES
// frames before it; an edge within SHOT_SNAP_FRAMES frames of that point goes to it.
export const SHOT_SNAP_FRAMES = 12, SHOT_OUT_FRAMES = 2;

export function shotPoint(shot, side, frame) {
  return round(side === "start" ? shot : shot - SHOT_OUT_FRAMES * frame);
}

// Where an edge at `t` lands for the shot changes `shots` (in order): the nearest snapping point
// within SHOT_SNAP_FRAMES frames, else `t`.
export function snapToShot(t, side, shots, frame) {
  let best = t, distance = SHOT_SNAP_FRAMES * frame + 1e-6;
  for (const shot of shots) {
    const point = shotPoint(shot, side, frame);
    if (Math.abs(point - t) <= distance) { best = point; distance = Math.abs(point - t); }
  }
  return best;
}

// Shift the cues at `indices` by `offset` seconds (Subtitle Edit's "adjust all times" when the
// indices run to the end).  null when a cue would start before 0.
export function shift(cues, indices, offset) {
  const moving = new Set(indices);
  if (cues.some((c, k) => moving.has(k) && c.start + offset < 0)) return null;
  const next = cues.map((c, k) => (moving.has(k)
    ? { ...c, start: round(c.start + offset), end: round(c.end + offset),
        words: (c.words || []).map((w) => (Number.isFinite(w[2]) ? [w[0], w[1], round(w[2] + offset), round(w[3] + offset)] : w)) }
    : c));
  return next.sort((a, b) => a.start - b.start);
}

// Accept a proposal for start..end: the cues (and, in a cue it cuts into, the words) whose middle
// falls inside the range are replaced by `proposed`; a cue the range cuts keeps its words outside
// the range, timed to end before (or start after) it.  The result is sorted; {cues, index} where
// index is the first proposed cue.
export function replaceRange(cues, start, end, proposed) {
  const kept = [];
  for (const cue of cues) {
    if (cue.end <= start || cue.start >= end) { kept.push(cue); continue; }
    const { tokens, times } = tokenTimes(cue);
    const mid = times.map(([a, b]) => (a + b) / 2);
    const before = tokens.map((_, n) => mid[n] < start);
    const after = tokens.map((_, n) => mid[n] > end);
    const pieces = [[before, true], [after, false]];
    for (const [side, isBefore] of pieces) {
      const idx = side.flatMap((v, n) => (v ? [n] : []));
      if (!idx.length) continue;
      const lo = idx[0], hi = idx[idx.length - 1] + 1;
      const piece = isBefore
        ? { ...cue, end: round(Math.min(cue.end, start, Math.max(times[hi - 1][1], cue.start + 0.001))) }
        : { ...cue, start: round(Math.max(cue.start, end, Math.min(times[lo][0], cue.end - 0.001))) };
      piece.text = keepTokens(cue, (n) => n >= lo && n < hi);
      piece.words = wordsFor(cue, lo, hi);
      if (piece.end > piece.start) kept.push(piece);
    }
  }
  const next = kept.concat(proposed).sort((a, b) => a.start - b.start);
  return { cues: next, index: proposed.length ? next.indexOf(proposed[0]) : -1 };
}

// Mark the cues at `indices` reviewed (or not): a person checked them against the audio.
export function markReviewed(cues, indices, reviewed = true) {
  const marked = new Set(indices);
  return cues.map((c, k) => (marked.has(k) && !!c.reviewed !== reviewed ? { ...c, reviewed } : c));
}

// The undo history: snapshots of {cues, selected}, one per change (typing counts once per visit).
export class History {
  constructor(limit = 500) {
    this.limit = limit;
    this.undoStack = [];
    this.redoStack = [];
  }

  push(state) {
    this.undoStack.push(state);
    if (this.undoStack.length > this.limit) this.undoStack.shift();
    this.redoStack = [];
  }

  // The state to go back to from `current`, or null.
  undo(current) {
    if (!this.undoStack.length) return null;
    this.redoStack.push(current);
    return this.undoStack.pop();
  }

  redo(current) {
    if (!this.redoStack.length) return null;
    this.undoStack.push(current);
    return this.redoStack.pop();
  }

  get canUndo() { return this.undoStack.length > 0; }
  get canRedo() { return this.redoStack.length > 0; }
}

// The words of `before` and `after` aligned (a longest common subsequence of the tokens, compared
// without case and the punctuation around them): [op, token] with op "=" kept, "-" dropped, "+" new.
export function wordDiff(before, after) {
  const key = (t) => t.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "");
  const a = before.split(/\s+/).filter(Boolean), b = after.split(/\s+/).filter(Boolean);
  const n = a.length, m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = key(a[i]) === key(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && key(a[i]) === key(b[j])) {
      out.push(a[i] === b[j] ? ["=", b[j]] : ["-", a[i]], ...(a[i] === b[j] ? [] : [["+", b[j]]]));
      i += 1; j += 1;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push(["-", a[i]]); i += 1;
    } else {
      out.push(["+", b[j]]); j += 1;
    }
  }
  return out;
}

// The text of the cues (and, in a cue the range cuts into, of the words) that start..end covers:
// what a proposal for that range would replace.
export function coveredText(cues, start, end) {
  const parts = [];
  for (const cue of cues) {
    if (cue.end <= start || cue.start >= end) continue;
    const { tokens, times } = tokenTimes(cue);
    parts.push(...tokens.filter((_, n) => { const mid = (times[n][0] + times[n][1]) / 2; return mid >= start && mid <= end; }));
  }
  return parts.join(" ");
}

// What the counts line shows: cues, doubtful, with style problems, with errors, reviewed.
export function counts(cues) {
  const n = (test) => cues.filter(test).length;
  return {
    cues: cues.length,
    doubtful: n((c) => !c.reviewed && (c.doubtful || []).length > 0),
    problems: n((c) => (c.problems || []).length > 0),
    errors: n((c) => (c.errors || []).length > 0),
    reviewed: n((c) => !!c.reviewed),
  };
}

export function countsText(cues) {
  const c = counts(cues);
  const parts = [`${c.cues} cue${c.cues === 1 ? "" : "s"}`, `${c.doubtful} doubtful`, `${c.problems} with style problems`];
  if (c.errors) parts.push(`${c.errors} that cannot be saved`);
  parts.push(`${c.reviewed}/${c.cues} reviewed`);
  return parts.join(" · ");
}

// The cues selected after a click on cue k (sorted indices) and the new anchor: k alone; with
// shift, the run from the anchor to k; with ctrl (cmd), k added or taken out.
export function clickSelection(marked, anchor, k, { shift = false, ctrl = false } = {}) {
  if (shift && anchor >= 0) {
    const [a, b] = anchor < k ? [anchor, k] : [k, anchor];
    return { marked: Array.from({ length: b - a + 1 }, (_, n) => a + n), anchor };
  }
  if (ctrl) {
    const set = new Set(marked);
    if (set.has(k)) set.delete(k); else set.add(k);
    return { marked: [...set].sort((x, y) => x - y), anchor: k };
  }
  return { marked: [k], anchor: k };
}

// shift() that also says where the shifted cues went: {cues, indices} or null.
export function shiftSelected(cues, indices, offset) {
  const moved = shift(cues, indices, offset);
  if (!moved) return null;
  const original = new Set(indices.map((k) => cues[k]));
  const kept = new Set(cues.filter((c) => !original.has(c)));
  return { cues: moved, indices: moved.flatMap((c, k) => (kept.has(c) ? [] : [k])) };
}

// Where an edge of cue k dragged or nudged to `t` lands: on the neighbour's edge less the style's
// minimum gap when within `tolerance` of that point, and never across the neighbour's edge (no
// overlap); never past the cue's other edge.
// A shot change near the edge comes first (snapToShot, with `shots` and the video's `frame`).
export function snapEdge(cues, k, side, t, { minGap = 0, tolerance = 0, shots = [], frame = 0.04 } = {}) {
  const cue = cues[k];
  t = snapToShot(t, side, shots, frame);
  if (side === "end") {
    const next = cues[k + 1];
    if (next) {
      const limit = next.start - minGap;
      if (t > next.start || Math.abs(t - limit) <= tolerance) t = limit;
    }
    return round(Math.max(t, cue.start + 0.001));
  }
  const previous = cues[k - 1];
  if (previous) {
    const limit = previous.end + minGap;
    if (t < previous.end || Math.abs(t - limit) <= tolerance) t = limit;
  }
  return round(Math.max(0, Math.min(t, cue.end - 0.001)));
}

// A region dragged on the waveform to start..end: a resized edge snaps (snapEdge); a moved cue
// keeps its length and snaps by the edge that comes near a neighbour.  The changes for edit().
export function snapRetime(cues, k, start, end, options = {}) {
  const cue = cues[k];
  const moved = Math.abs(start - cue.start) > 1e-6 && Math.abs(end - cue.end) > 1e-6;
  if (!moved) {  // a resized edge snaps; the other stays where it is
    const same = (a, b) => Math.abs(a - b) <= 1e-6;
    return { start: same(start, cue.start) ? cue.start : snapEdge(cues, k, "start", start, options),
      end: same(end, cue.end) ? cue.end : snapEdge(cues, k, "end", end, options) };
  }
  const length = end - start;
  const probe = { ...cue, start, end };
  const around = cues.slice();
  around[k] = probe;
  const snappedEnd = snapEdge(around, k, "end", end, options);
  if (snappedEnd !== round(end)) return { start: round(Math.max(0, snappedEnd - length)), end: snappedEnd };
  const snappedStart = snapEdge(around, k, "start", start, options);
  return { start: snappedStart, end: round(snappedStart + length) };
}
