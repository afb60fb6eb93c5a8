// The index page's find bar: find and replace across the tree (page wiring; the search is
// treefind.js).  The preview lists each cue that would change, by file; Replace all saves file by
// file (a file changed on disk since it was read is refused, the others saved); Undo puts back
// exactly what the replacement replaced.
import { getJSON, postJSON } from "./common.js";
import { previewTree, replaceRequest } from "./treefind.js";

const { el } = globalThis.CueView;

// page: {reload()} (the index's rows after a replacement)
export function createTreeFind(page) {
  const $ = (id) => document.getElementById(id);
  const status = (text, kind = "") => Object.assign($("tree-status"), { textContent: text, className: kind });
  let files = null, loading = null, undoKey = null;

  async function cues() {
    if (files) return files;
    loading = loading || getJSON("/api/tree-cues").then((data) => { files = data.files; loading = null; return files; });
    return loading;
  }

  async function current() {
    const options = { matchCase: $("tree-case").checked, wholeWord: $("tree-word").checked, regex: $("tree-regex").checked };
    return previewTree(await cues(), $("tree-find").value, $("tree-replace").value, options);
  }

  async function show() {
    const found = $("tree-find").value ? await current() : { files: [], count: 0, cues: 0 };
    const items = (found.files || []).flatMap(({ path, changes }) => changes.map(({ index, before, after }) => {
      const li = el("li", "find-change");
      const link = el("a", "", `${path} #${index + 1}`);
      link.href = "/edit?path=" + encodeURIComponent(path);
      li.dataset.path = path;
      li.append(link, " ", el("del", "", before), " → ", el("ins", "", after));
      return li;
    }));
    $("tree-results").replaceChildren(...items);
    $("tree-count").textContent = found.error ? found.error : $("tree-find").value
      ? `${found.count} match(es) in ${found.cues} cue(s) of ${found.files.length} file(s)` : "";
    $("tree-replace-all").disabled = !!found.error || !found.files.length;
    document.body.dataset.treeFind = String(found.count || 0);
  }

  async function replaceAll() {
    const found = await current();
    if (found.error || !found.files.length) return;
    try {
      const done = await postJSON("/api/replace-tree", replaceRequest(found));
      undoKey = done.saved.length ? done.undo : null;
      $("tree-undo").disabled = !undoKey;
      const refused = done.refused.map((r) => `${r.path}: ${r.error}`).join("; ");
      status(`Replaced in ${done.saved.length} file(s)` + (refused ? `; not in ${refused}` : "") + ".",
        refused ? "error" : "ok");
    } catch (error) {
      status(`Not replaced: ${error.message}`, "error");
    }
    await refresh();
  }

  async function undo() {
    if (!undoKey) return;
    try {
      const done = await postJSON("/api/undo-replace", { undo: undoKey });
      const refused = done.refused.map((r) => `${r.path}: ${r.error}`).join("; ");
      status(`Undone in ${done.restored.length} file(s)` + (refused ? `; not in ${refused}` : "") + ".",
        refused ? "error" : "ok");
    } catch (error) {
      status(`Not undone: ${error.message}`, "error");
    }
    undoKey = null;
    $("tree-undo").disabled = true;
    await refresh();
  }

  async function refresh() {
    files = null;
    await show();
    await page.reload();
    document.body.dataset.treeDone = String(Number(document.body.dataset.treeDone || 0) + 1);
  }

  for (const id of ["tree-find", "tree-replace", "tree-case", "tree-word", "tree-regex"]) {
    $(id).addEventListener("input", () => show().catch((error) => status(`Cannot search: ${error.message}`, "error")));
  }
  $("tree-replace-all").addEventListener("click", replaceAll);
  $("tree-undo").addEventListener("click", undo);
}
