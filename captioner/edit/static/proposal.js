// The media page's re-transcription proposal box: its cues, and a word diff against the text it
// would replace (dropped words struck, new ones marked), so that a lost word is seen before Accept.
import { wordDiff } from "./cueops.js";

const { cueElement, el, time } = globalThis.CueView;

function diffNodes(diff) {
  const nodes = [];
  for (const [op, token] of diff) {
    if (nodes.length) nodes.push(document.createTextNode(" "));
    nodes.push(op === "=" ? document.createTextNode(token) : el(op === "-" ? "del" : "ins", "", token));
  }
  return nodes;
}

// Show the proposal `data` ({language, cues}) for range [start, end], against `current` text.
export function showProposal([start, end], current, data) {
  document.getElementById("proposal-cues").replaceChildren(...data.cues.map((c, k) => cueElement(c, k)));
  const diff = wordDiff(current, data.cues.map((c) => c.text).join(" "));
  document.getElementById("proposal-diff").replaceChildren(...diffNodes(diff));
  const dropped = diff.filter(([op]) => op === "-").length, added = diff.filter(([op]) => op === "+").length;
  document.getElementById("proposal-title").textContent =
    `Proposal for ${time(start)} – ${time(end)} (${data.language}): ${data.cues.length} cue(s), ` +
    `${dropped} word(s) dropped, ${added} new`;
  document.getElementById("proposal").hidden = false;
}

export function hideProposal() {
  document.getElementById("proposal").hidden = true;
}
