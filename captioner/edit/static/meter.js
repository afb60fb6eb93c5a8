// The live meter on the cue being typed: characters per line and reading speed against the style's
// limits (the page receives them as doc.style), counted as the server's style check counts them
// (characters of the stripped lines, in code points).  No DOM: tests/js runs it under `node --test`.

export const NEAR = 0.9;  // "near" from 90% of a limit: the meter warns before the limit is passed

function level(value, max, slack = 0) {
  if (value > max + slack) return "over";
  return value >= NEAR * max ? "near" : "ok";
}

// {lines: [{chars, max, level}], count: {lines, max, level}, cps: {value, max, level}, level}
// for `text` shown from start to end; level is the worst of them.
export function measure(text, start, end, style) {
  const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
  const perLine = lines.map((l) => {
    const chars = [...l].length;
    return { chars, max: style.max_chars, level: level(chars, style.max_chars) };
  });
  const chars = perLine.reduce((n, l) => n + l.chars, 0);
  const duration = end - start;
  const value = duration > 0 ? Math.round((chars / duration) * 10) / 10 : Infinity;
  const cps = { value, max: style.max_cps, level: chars ? level(chars / duration, style.max_cps, 0.05) : "ok" };
  const count = { lines: lines.length, max: style.max_lines, level: lines.length > style.max_lines ? "over" : "ok" };
  const order = ["ok", "near", "over"];
  const worst = [...perLine.map((l) => l.level), cps.level, count.level]
    .reduce((a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a), "ok");
  return { lines: perLine, count, cps, level: worst };
}

// The meter as [text, level] pieces: "line 1: 38/42", "2/2 lines" (only when over), "15.2/20 chars/s".
export function meterPieces(m) {
  const pieces = m.lines.map((l, k) => [`line ${k + 1}: ${l.chars}/${l.max}`, l.level]);
  if (m.count.level !== "ok") pieces.push([`${m.count.lines}/${m.count.max} lines`, m.count.level]);
  const cps = Number.isFinite(m.cps.value) ? m.cps.value.toFixed(1) : "∞";
  pieces.push([`${cps}/${m.cps.max} chars/s`, m.cps.level]);
  return pieces;
}
