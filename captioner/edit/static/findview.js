// The media page's find bar (page wiring; the search and the replacing are findreplace.js): the
// preview lists each cue that would change, before and after; Replace all is one undo step.
import { status } from "./common.js";
import { applyChanges, preview } from "./findreplace.js";

const { el } = globalThis.CueView;

// page: {cues(), replace(cues, changed), select(k)}
export function createFind(page) {
  const $ = (id) => document.getElementById(id);
  const results = $("find-results");

  function current() {
    const options = { matchCase: $("find-case").checked, wholeWord: $("find-word").checked, regex: $("find-regex").checked };
    return preview(page.cues(), $("find").value, $("replace-with").value, options);
  }

  function show() {
    const found = $("find").value ? current() : { changes: [], count: 0 };
    results.replaceChildren(...(found.changes || []).map(({ index, before, after }) => {
      const li = el("li", "find-change");
      li.dataset.index = String(index);
      li.append(el("span", "cue-num", String(index + 1)), el("del", "", before), " → ", el("ins", "", after));
      li.addEventListener("click", () => page.select(index));
      return li;
    }));
    $("find-count").textContent = found.error ? found.error
      : $("find").value ? `${found.count} match(es) in ${found.changes.length} cue(s)` : "";
    $("replace-all").disabled = !!found.error || !found.changes.length;
  }

  function replaceAll() {
    const found = current();
    if (found.error || !found.changes.length) { show(); return; }
    const { cues, changed } = applyChanges(page.cues(), found.changes);
    page.replace(cues, changed);
    status(`Replaced ${found.count} match(es) in ${changed.length} cue(s): Undo (Ctrl+Z) puts them back.`, "ok");
    show();
  }

  for (const id of ["find", "replace-with", "find-case", "find-word", "find-regex"]) $(id).addEventListener("input", show);
  $("replace-all").addEventListener("click", replaceAll);
  return { show };
}
