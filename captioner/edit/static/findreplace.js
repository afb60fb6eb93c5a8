// Find and replace across the cues of a file: whole word, case, regular expression.  No DOM
// (tests/js runs it under `node --test`); findview.js wires the page's find bar to it.

const WORD = "[\\p{L}\\p{N}\\p{M}_]";

// The search as a global RegExp, or {error} (an empty query, a bad or empty-matching expression).
export function pattern(query, { regex = false, wholeWord = false, matchCase = false } = {}) {
  if (!query) return { error: "type what to find" };
  let source = regex ? query : query.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  if (wholeWord) source = `(?<!${WORD})(?:${source})(?!${WORD})`;
  let re;
  try {
    re = new RegExp(source, "gu" + (matchCase ? "" : "i"));
  } catch (error) {
    return { error: `not a regular expression: ${error.message}` };
  }
  if (re.test("")) return { error: "the expression matches empty text" };
  re.lastIndex = 0;
  return { re };
}

// Each cue's text with its matches replaced: {changes: [{index, before, after, count}], count}
// or {error}.  A regular expression's replacement may use $1, $<name>; plain text is taken as is.
export function preview(cues, query, replacement, options = {}) {
  const { re, error } = pattern(query, options);
  if (error) return { error };
  const changes = [];
  let count = 0;
  cues.forEach((cue, index) => {
    const n = [...cue.text.matchAll(re)].length;
    if (!n) return;
    const after = options.regex ? cue.text.replace(re, replacement) : cue.text.replace(re, () => replacement);
    count += n;
    changes.push({ index, before: cue.text, after, count: n });
  });
  return { changes, count };
}

// The cues with the previewed changes applied (new cue objects for the changed ones only; their
// words are dropped, the page's check shades the new text again): {cues, changed}.
export function applyChanges(cues, changes) {
  const next = cues.slice();
  for (const { index, after } of changes) next[index] = { ...cues[index], text: after, words: [] };
  return { cues: next, changed: changes.map((c) => c.index) };
}
