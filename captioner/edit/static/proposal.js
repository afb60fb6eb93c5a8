// The media page's re-transcription proposal box: its cues, and a word diff against the text it
// would replace (dropped words struck, new ones marked), so that a lost word is seen before Accept.
import { postJSON, status } from "./common.js";
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

// Decode `range` of the media again (the page's language and prompt fields) and show the proposal
// against `current`, the text it would replace: {start, end, cues}, or null when it failed.
export async function requestProposal(path, range, current) {
  status(`Re-transcribing ${time(range[0])} – ${time(range[1])}…`);
  const button = document.getElementById("retranscribe");
  button.disabled = true;
  try {
    const data = await postJSON(`/api/retranscribe?path=${encodeURIComponent(path)}`, {
      start: range[0], end: range[1], text: current,
      language: document.getElementById("rt-language").value, prompt: document.getElementById("rt-prompt").value,
    });
    showProposal(range, current, data);
    status("Accept the proposal to replace the cues of that range, or reject it.");
    return { start: range[0], end: range[1], cues: data.cues };
  } catch (error) {
    status(`Cannot re-transcribe: ${error.message}`, "error");
    return null;
  } finally {
    button.disabled = false;
  }
}
