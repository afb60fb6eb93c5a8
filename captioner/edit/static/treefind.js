// Find and replace across the tree: the search of findreplace.js over every file's cues, and what a
// replacement sends to be saved file by file.  No DOM (tests/js runs it under `node --test`);
// treefindview.js wires the index page's find bar to it.
import { applyChanges, pattern, preview } from "./findreplace.js";

// files: [{path, versions, cues} | {path, problem}] as /api/tree-cues gives them.
// {files: [{path, versions, changes, cues (after)}], count, cues (changed)} or {error}.
export function previewTree(files, query, replacement, options = {}) {
  const { error } = pattern(query, options);
  if (error) return { error };
  const out = [];
  let count = 0, changed = 0;
  for (const file of files) {
    if (!file.cues) continue;
    const found = preview(file.cues, query, replacement, options);
    if (!found.changes.length) continue;
    out.push({ path: file.path, versions: file.versions, changes: found.changes,
      cues: applyChanges(file.cues, found.changes).cues });
    count += found.count;
    changed += found.changes.length;
  }
  return { files: out, count, cues: changed };
}

// The body of /api/replace-tree for a preview: each changed file's cues as the server takes them.
export function replaceRequest(found) {
  return {
    files: found.files.map(({ path, versions, cues }) => ({
      path, versions,
      cues: cues.map((c) => ({ start: c.start, end: c.end, text: c.text, reviewed: !!c.reviewed, voices: c.voices || [] })),
    })),
  };
}
