// The media page's draft in localStorage (page wiring; what is stored and when it is offered back
// is draft.js): written half a second after a change, removed on save, offered back on opening.
import { status } from "./common.js";
import { draftKey, makeDraft, readDraft } from "./draft.js";

// page: {path, state() -> {cues, versions}, restore(cues)}
export function createDrafts(page) {
  const key = draftKey(page.path);
  const bar = document.getElementById("draft");
  let timer = null, warned = false;

  function write() {
    const { cues, versions } = page.state();
    try {
      localStorage.setItem(key, makeDraft(cues, versions, Date.now()));
      document.body.dataset.draft = "kept";
    } catch (error) {
      if (!warned) status(`The draft cannot be kept in this browser (${error.message}): save often.`, "error");
      warned = true;
    }
  }

  function clear() {
    clearTimeout(timer);
    try { localStorage.removeItem(key); } catch (error) { /* storage off: nothing kept */ }
    bar.hidden = true;
  }

  // Offer the draft kept for this media, if there is one that differs from the files.
  function offer(versions, cues) {
    let draft = null;
    try { draft = readDraft(localStorage.getItem(key), versions, cues); } catch (error) { draft = null; }
    if (!draft) return;
    const when = draft.saved ? new Date(draft.saved).toLocaleString() : "earlier";
    document.getElementById("draft-text").textContent = `Unsaved edits of ${when} were kept in this browser` +
      (draft.sameVersion ? "." : ", but the caption files changed since: restoring puts the draft's cues over them.");
    bar.hidden = false;
    document.getElementById("draft-restore").onclick = () => { bar.hidden = true; page.restore(draft.cues); };
    document.getElementById("draft-discard").onclick = clear;
  }

  return {
    keep() { clearTimeout(timer); timer = setTimeout(write, 500); },
    clear, offer,
  };
}
