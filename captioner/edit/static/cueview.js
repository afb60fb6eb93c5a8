// The cue list as the media page and the static review report show it.  A classic script (the
// report inlines it): it defines globalThis.CueView.  Caption text only ever reaches the page as
// text (textContent, VTT cue text escaped), never as HTML.
(function () {
  "use strict";

  function time(seconds) {
    const ms = Math.max(0, Math.round(seconds * 1000));
    const h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60, s = Math.floor(ms / 1000) % 60;
    const pad = (n, w) => String(n).padStart(w, "0");
    return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms % 1000, 3)}`;
  }

  function shadeClass(p) {
    if (p === null || p === undefined) return "w-none";
    if (p < 0.4) return "w-low";
    if (p < 0.7) return "w-mid";
    return "w-high";
  }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The words of a cue, shaded by confidence: [token, probability|null, start, end] entries, "\n" a line break.
  function wordsElement(cue) {
    const box = el("div", "cue-words");
    const words = cue.words && cue.words.length ? cue.words : cue.text.split("\n").flatMap(
      (line, k) => (k ? [["\n", null]] : []).concat(line.split(/\s+/).filter(Boolean).map((t) => [t, null])));
    let first = true;
    for (const [token, p] of words) {
      if (token === "\n") { box.appendChild(document.createElement("br")); first = true; continue; }
      if (!first) box.appendChild(document.createTextNode(" "));
      first = false;
      const span = el("span", "w " + shadeClass(p), token);
      if (p !== null && p !== undefined) span.title = `confidence ${p.toFixed(2)}`;
      box.appendChild(span);
    }
    return box;
  }

  // A cue's list item: its body (number, times, flags, words, notes) is the item's first child, so
  // a page may keep more (an editor) after it.
  function cueElement(cue, index) {
    const li = el("li", "cue");
    li.appendChild(el("div", "cue-body"));
    fillCue(li, cue, index);
    return li;
  }

  function fillCue(li, cue, index) {
    li.dataset.index = String(index);
    const body = li.firstChild;
    body.replaceChildren();
    li.classList.toggle("doubtful", !!(cue.doubtful && cue.doubtful.length));
    li.classList.toggle("problem", !!(cue.problems && cue.problems.length));
    li.classList.toggle("error", !!(cue.errors && cue.errors.length));
    li.classList.toggle("reviewed", !!cue.reviewed);
    const head = el("div", "cue-head");
    head.appendChild(el("span", "cue-num", String(index + 1)));
    head.appendChild(el("span", "cue-time", `${time(cue.start)} → ${time(cue.end)}`));
    if (cue.voices && cue.voices.length) head.appendChild(el("span", "cue-speaker", cue.voices.join(", ")));
    const flags = el("span", "cue-flags");
    if (cue.errors && cue.errors.length) flags.appendChild(el("span", "flag flag-error", "error"));
    if (cue.doubtful && cue.doubtful.length) flags.appendChild(el("span", "flag flag-doubt", "doubtful"));
    if (cue.problems && cue.problems.length) flags.appendChild(el("span", "flag flag-style", "style"));
    if (cue.reviewed) flags.appendChild(el("span", "flag flag-reviewed", "reviewed"));
    head.appendChild(flags);
    body.appendChild(head);
    body.appendChild(wordsElement(cue));
    const notes = [...(cue.errors || []).map((t) => ["error", t]), ...(cue.doubtful || []).map((t) => ["doubt", t]),
                   ...(cue.problems || []).map((t) => ["style", t])];
    if (notes.length) {
      const ul = el("ul", "cue-notes");
      for (const [kind, text] of notes) ul.appendChild(el("li", "note-" + kind, text));
      body.appendChild(ul);
    }
  }

  // The index of the cue shown at time t (the last one starting at or before t that has not ended), or -1.
  function findCue(cues, t) {
    let lo = 0, hi = cues.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cues[mid].start <= t + 1e-4) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found >= 0 && t < cues[found].end ? found : -1;
  }

  // WebVTT cue text is markup: escape it so the player shows the characters typed.
  function vttText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function fillTrack(track, cues) {
    if (track.cues) for (const cue of Array.from(track.cues)) track.removeCue(cue);
    for (const cue of cues) {
      if (cue.end > cue.start) track.addCue(new VTTCue(cue.start, cue.end, vttText(cue.text)));
    }
  }

  globalThis.CueView = { time, shadeClass, cueElement, fillCue, findCue, vttText, fillTrack, el };
})();
