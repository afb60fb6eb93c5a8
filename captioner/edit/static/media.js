// The media page: wires the player, the cue list and the keys to the cue operations (cueops.js), the
// waveform (waveform.js) and the proposal box (proposal.js); loading and saving.
import { factsText, getJSON, keyPlace, mediaUrl, postJSON, status } from "./common.js";
import * as ops from "./cueops.js";
import * as keys from "./keys.js";
import { hideProposal, requestProposal } from "./proposal.js";
import { createDrafts } from "./draftview.js";
import { createFind } from "./findview.js";
import { measure, meterPieces } from "./meter.js";
import { createPlayer } from "./player.js";
import { createTimeFields } from "./timefields.js";
import { parseTime } from "./timecode.js";
import { createWaveform } from "./waveform.js";

const { cueElement, fillCue, findCue, fillTrack, el, time } = globalThis.CueView;
const path = new URLSearchParams(location.search).get("path");
const video = document.getElementById("player");
const list = document.getElementById("cues");
const editor = Object.assign(el("textarea", "cue-edit"), { rows: 2, ariaLabel: "Cue text" });
const meterBox = Object.assign(el("div", "meter"), { id: "meter" });  // lengths and speed of the text typed

let doc = null;
let cues = [];            // {start, end, text, words, reviewed, doubtful, problems, errors}; replaced, never mutated
let selected = -1, current = -1;
let marked = [], anchor = -1;  // the cues selected together (Shift/Ctrl+click), for a shift
const history = new ops.History();
let dirty = false, version = 0, versions = {};
let track = null;
let proposal = null;
const timers = {};
const player = createPlayer(video, () => doc && doc.duration);
const drafts = createDrafts({ path, state: () => ({ cues, versions }), restore: (list) => commit(list, { structural: true }) });
const find = createFind({ cues: () => cues, replace: (next, changed) => commit(next, { changed }), select });
const times = createTimeFields({ cue: () => cues[selected] || null, edit: (changes) => editCue(selected, changes),
  speakers: () => [...((doc && doc.speakers) || []), ...cues.flatMap((c) => c.voices || [])] });
const waveform = createWaveform({
  video, path, get duration() { return doc && doc.duration; }, cues: () => cues, selected: () => selected,
  select: (k) => select(k, { seek: true }),
  retime: (k, start, end) => editCue(k, ops.snapRetime(cues, k, start, end, { ...snapping(), tolerance: 0.15 })),
});

// -- helpers ----------------------------------------------------------------------------------

function later(name, ms, fn) {
  clearTimeout(timers[name]);
  timers[name] = setTimeout(fn, ms);
}

function plain(list_) {
  return list_.map((c) => ({ start: c.start, end: c.end, text: c.text, reviewed: !!c.reviewed, voices: c.voices || [] }));
}

const round = ops.round;
function setButtons() {
  document.getElementById("undo").disabled = !history.canUndo;
  document.getElementById("redo").disabled = !history.canRedo;
  document.getElementById("save").disabled = !dirty;
  document.title = (dirty ? "• " : "") + (doc ? doc.name : "") + " — captioner edit";
  document.getElementById("counts").textContent = ops.countsText(cues);
  if (dirty) drafts.keep();
  find.show();
}

function rowOf(index) { return list.children[index] || null; }
// Where dragged or nudged edges snap: the style's minimum gap, the shot changes (on the video's frames).
function snapping() { return { minGap: doc.style.min_gap, shots: waveform.shots, frame: doc.frame }; }
// -- rendering --------------------------------------------------------------------------------

function renderList() {
  const fragment = document.createDocumentFragment();
  cues.forEach((cue, k) => fragment.appendChild(cueElement(cue, k)));
  list.replaceChildren(fragment);
  current = -1;
  if (selected >= cues.length) selected = cues.length - 1;
  if (selected >= 0) placeEditor();
  applyFilter();
}

function refreshRow(k) {
  const li = rowOf(k);
  if (li) fillCue(li, cues[k], k);
}

function applyFilter() {
  const show = document.getElementById("show").value;
  cues.forEach((cue, k) => {
    const hide = (show === "doubtful" && !cue.doubtful.length) ||
      (show === "problems" && !(cue.problems.length || cue.errors.length));
    rowOf(k).classList.toggle("hidden", hide && k !== selected);
  });
}

function placeEditor() {
  for (const li of list.querySelectorAll("li.selected, li.marked")) li.classList.remove("selected", "marked");
  for (const k of marked) if (rowOf(k)) rowOf(k).classList.add("marked");
  times.fill();
  const li = rowOf(selected);
  if (!li) { editor.remove(); return; }
  li.classList.add("selected");
  if (editor.parentNode !== li) li.append(editor, meterBox);
  if (document.activeElement !== editor) editor.value = cues[selected].text;
  showMeter();
  editor.rows = Math.max(2, cues[selected].text.split("\n").length);
  li.scrollIntoView({ block: "nearest" });
  waveform.highlight();
}

function showMeter() {
  const cue = cues[selected];
  if (!cue || !doc) return;
  const pieces = meterPieces(measure(editor.value, cue.start, cue.end, doc.style));
  meterBox.replaceChildren(...pieces.map(([text, level]) => el("span", `meter-${level}`, text)));
}

function select(k, { seek = false, shift = false, ctrl = false } = {}) {
  if (k < 0 || k >= cues.length) return;
  ({ marked, anchor } = ops.clickSelection(marked, anchor, k, { shift, ctrl }));
  selected = k;
  placeEditor();
  if (seek) video.currentTime = cues[k].start;
}

function follow() {
  const k = findCue(cues, video.currentTime);
  if (k !== current) {
    const before = rowOf(current);
    if (before) before.classList.remove("current");
    current = k;
    const now = rowOf(k);
    if (now) {
      now.classList.add("current");
      if (!video.paused) now.scrollIntoView({ block: "nearest" });
    }
  }
  player.checkStop();
  requestAnimationFrame(follow);
}

// -- changes, undo, analysis ------------------------------------------------------------------

function commit(next, { structural = false, changed = [] } = {}) {
  history.push({ cues, selected });
  if (structural) marked = [];
  apply(next, structural, changed);
}

function apply(next, structural, changed) {
  cues = next;
  dirty = true;
  version += 1;
  if (structural) {
    renderList();
    waveform.rebuild();
  } else {
    for (const k of changed) { refreshRow(k); waveform.update(k); }
    if (selected >= 0) placeEditor();
  }
  setButtons();
  later("track", 250, () => fillTrack(track, cues));
  later("analyse", 400, analyse);
}

function restore(state) {
  if (!state) return;
  selected = state.selected;
  marked = [];
  apply(state.cues, true, []);
  editor.value = selected >= 0 && selected < cues.length ? cues[selected].text : "";
}

function undo() { restore(history.undo({ cues, selected })); }
function redo() { restore(history.redo({ cues, selected })); }

async function analyse() {
  const sent = version;
  try {
    const data = await postJSON(`/api/analyse?path=${encodeURIComponent(path)}`, { cues: plain(cues) });
    if (sent !== version) return;  // edited meanwhile: a newer analysis follows
    cues = cues.map((c, k) => ({ ...c, ...data.cues[k], text: c.text }));
    cues.forEach((_, k) => refreshRow(k));
    applyFilter();
    setButtons();
  } catch (error) {
    status(`Cannot check the cues: ${error.message}`, "error");
  }
}

function editCue(k, changes) {
  if (k < 0 || k >= cues.length) return;
  const { cues: next, index, moved } = ops.edit(cues, k, changes);
  if (moved && selected === k) selected = index;
  commit(next, { structural: moved, changed: [k] });
}

// Typing: one undo step per visit to the editor.
let typingPushed = false;
editor.addEventListener("focus", () => { typingPushed = false; });
editor.addEventListener("input", () => {
  if (selected < 0) return;
  if (!typingPushed) {
    history.push({ cues, selected });
    typingPushed = true;
  }
  const next = cues.slice();
  next[selected] = { ...next[selected], text: editor.value };
  cues = next;
  showMeter();
  dirty = true;
  version += 1;
  setButtons();
  later("track", 250, () => fillTrack(track, cues));
  later("analyse", 400, analyse);
});
editor.addEventListener("change", () => {
  if (document.getElementById("auto-reflow").checked) reflow();
});
editor.addEventListener("click", (event) => event.stopPropagation());

// -- cue operations ---------------------------------------------------------------------------

function need() {
  if (selected < 0) { status("Select a cue first (click it in the list or on the waveform)."); return false; }
  return true;
}

async function reflow() {
  if (!need()) return;
  const k = selected;
  try {
    const data = await postJSON(`/api/reflow?path=${encodeURIComponent(path)}`,
      { text: cues[k].text, language: doc.language });
    if (data.text !== cues[k].text) {
      editCue(k, { text: data.text });
      editor.value = data.text;
    }
    status(data.fits ? "Lines re-flowed." : "Re-flowed, but the text needs more lines than the style allows.");
  } catch (error) {
    status(`Cannot re-flow: ${error.message}`, "error");
  }
}

function split() {
  if (!need()) return;
  const next = ops.split(cues, selected, video.currentTime);
  if (!next) { status("A cue of one word cannot be split."); return; }
  commit(next, { structural: true });
}

async function merge() {
  if (!need() || selected + 1 >= cues.length) return;
  const a = cues[selected], b = cues[selected + 1];
  let text = `${a.text} ${b.text}`.replace(/\s+/g, " ").trim();
  try {
    text = (await postJSON(`/api/reflow?path=${encodeURIComponent(path)}`, { text, language: doc.language })).text;
  } catch (error) { /* keep one line */ }
  commit(ops.merge(cues, selected, text), { structural: true });
}

function add() {
  const added = ops.add(cues, video.currentTime, { duration: doc.duration });
  if (!added) { status("No room for a cue here: move the player to a gap between cues."); return; }
  history.push({ cues, selected });
  selected = added.index;
  apply(added.cues, true, []);
  editor.focus();
}

function remove() {
  if (!need()) return;
  commit(ops.remove(cues, [selected]), { structural: true });
}

function nudge(side, frames) {
  if (!need()) return;
  const { cues: next, index, moved } = ops.nudge(cues, selected, side, frames * doc.frame, snapping());
  history.push({ cues, selected });
  selected = index;
  apply(next, moved, [index]);
}

// Shift the selected cues (all: this cue and every later one) by the offset typed beside the buttons.
function shiftCues(all) {
  if (!need()) return;
  const offset = parseTime(document.getElementById("shift-by").value, { signed: true });
  if (!offset) { status("Type the offset in seconds or as a time (negative: earlier)."); return; }
  const indices = all ? cues.map((_, k) => k).filter((k) => k >= selected) : (marked.length ? marked : [selected]);
  const done = ops.shiftSelected(cues, indices, offset);
  if (!done) { status("That would move a cue before the start of the media."); return; }
  history.push({ cues, selected });
  marked = done.indices;
  selected = done.indices[0];
  apply(done.cues, true, []);
  status(`Shifted ${indices.length} cue(s) by ${offset} s.`);
}

// A person checked the cue (or every cue) against the audio: it is no longer doubtful.
function toggleReviewed() {
  if (!need()) return;
  commit(ops.markReviewed(cues, [selected], !cues[selected].reviewed), { changed: [selected] });
}

function reviewAll() {
  commit(ops.markReviewed(cues, cues.map((_, k) => k)), { changed: cues.map((_, k) => k) });
  status(`All ${cues.length} cues marked reviewed: Save keeps the marks.`);
}

// -- saving -----------------------------------------------------------------------------------

async function save() {
  status("Saving…");
  try {
    const data = await postJSON(`/api/save?path=${encodeURIComponent(path)}`, { cues: plain(cues), versions });
    versions = data.versions;
    dirty = false;
    drafts.clear();
    setButtons();
    status(`Saved ${data.written.join(", ")}.` + (data.hint ? ` Note: ${data.hint}.` : ""), "ok");
  } catch (error) {
    if (error.status === 422 && error.data && error.data.cues) {
      const marked = cues.slice();
      for (const [k, errors] of Object.entries(error.data.cues)) marked[k] = { ...marked[k], errors };
      cues = marked;
      cues.forEach((_, k) => refreshRow(k));
      const first = Number(Object.keys(error.data.cues)[0]);
      select(first);
    }
    status(error.message, "error");
  }
}

// -- re-transcription -------------------------------------------------------------------------

async function retranscribe() {
  let range = null;
  if (waveform.selection) range = [waveform.selection.start, waveform.selection.end];
  else if (selected >= 0) range = [cues[selected].start, cues[selected].end];
  if (!range) { status("Select a cue, or drag a range on the waveform, to re-transcribe."); return; }
  proposal = await requestProposal(path, range, ops.coveredText(cues, range[0], range[1]));
}

function acceptProposal() {
  if (!proposal) return;
  const { cues: next, index } = ops.replaceRange(cues, proposal.start, proposal.end, proposal.cues);
  history.push({ cues, selected });
  selected = index;
  closeProposal();
  apply(next, true, []);
}

function closeProposal() {
  proposal = null;
  hideProposal();
  waveform.clearSelection();
}

// -- keyboard ---------------------------------------------------------------------------------

function step(direction, predicate = () => true) {
  const from = selected >= 0 ? selected : (direction > 0 ? -1 : cues.length);
  for (let k = from + direction; k >= 0 && k < cues.length; k += direction) {
    if (predicate(cues[k])) { select(k, { seek: true }); return; }
  }
}

const actions = {
  "play-pause": player.playPause, slower: player.slower, faster: player.faster,
  "back-1": () => player.seek(-1), "forward-1": () => player.seek(1),
  "back-5": () => player.seek(-5), "forward-5": () => player.seek(5),
  save, undo, redo, next: () => step(1), previous: () => step(-1),
  "next-doubtful": () => step(1, (c) => c.doubtful.length > 0),
  reviewed: toggleReviewed, replay: () => selected >= 0 && player.playSpan(cues[selected].start, cues[selected].end),
  "edit-text": () => selected >= 0 && editor.focus(), "leave-text": () => document.activeElement.blur(),
  "start-now": () => selected >= 0 && editCue(selected, { start: round(video.currentTime) }),
  "end-now": () => selected >= 0 && editCue(selected, { end: round(video.currentTime) }),
  "start-earlier": () => nudge("start", -1), "start-later": () => nudge("start", 1),
  "end-earlier": () => nudge("end", -1), "end-later": () => nudge("end", 1),
  split, merge, add, delete: remove,
};

document.addEventListener("keydown", (event) => {
  const action = keys.actionFor(event, keyPlace(event.target, video));
  if (!action) return;
  event.preventDefault();
  actions[action]();
});
// -- wiring -----------------------------------------------------------------------------------

list.addEventListener("click", (event) => {
  const li = event.target.closest("li.cue");
  if (li) select(Number(li.dataset.index), { seek: true, shift: event.shiftKey, ctrl: event.ctrlKey || event.metaKey });
});
const buttons = {
  save, undo, redo, reflow, split, merge, add, delete: remove, retranscribe,
  "shift-rest": () => shiftCues(true), "shift-selected": () => shiftCues(false), reviewed: toggleReviewed, "review-all": reviewAll,
  "set-start": () => need() && editCue(selected, { start: round(video.currentTime) }),
  "set-end": () => need() && editCue(selected, { end: round(video.currentTime) }),
  "start-earlier": () => nudge("start", -1), "start-later": () => nudge("start", 1),
  "end-earlier": () => nudge("end", -1), "end-later": () => nudge("end", 1),
  "play-head": () => need() && player.playSpan(cues[selected].start, cues[selected].start + 0.5),
  "play-tail": () => need() && player.playSpan(Math.max(cues[selected].start, cues[selected].end - 0.5), cues[selected].end),
  replay: () => need() && player.playSpan(cues[selected].start, cues[selected].end),
  accept: acceptProposal, reject: closeProposal,
};
for (const [id, fn] of Object.entries(buttons)) document.getElementById(id).addEventListener("click", fn);
document.getElementById("show").addEventListener("input", applyFilter);
window.addEventListener("beforeunload", (event) => { if (dirty) { event.preventDefault(); event.returnValue = ""; } });

async function load() {
  if (!path) { status("No media named (?path=).", "error"); return; }
  try {
    doc = await getJSON(`/api/media?path=${encodeURIComponent(path)}`);
  } catch (error) {
    status(`Cannot open ${path}: ${error.message}`, "error");
    return;
  }
  cues = doc.cues;
  versions = doc.versions;
  document.getElementById("title").textContent = doc.path;
  document.getElementById("facts").textContent = factsText(doc, time);
  renderList();
  setButtons();
  drafts.offer(versions, cues);
  requestAnimationFrame(() => {
    performance.mark("cues-painted");
    document.body.dataset.cues = "painted";
  });
  status(doc.captions ? "" : "No captions yet: play the media and Add (A) cues.");
  video.classList.toggle("audio-only", !doc.video);
  video.src = mediaUrl(doc.path);
  track = video.addTextTrack("captions", "Captions", doc.language || "");
  track.mode = "showing";
  fillTrack(track, cues);
  requestAnimationFrame(follow);
  waveform.load();
}

// For scripts and tests driving the page (read-only views of its state).
globalThis.studio = {
  get doc() { return doc; }, get cues() { return cues; }, get selected() { return selected; }, get current() { return current; },
  get dirty() { return dirty; }, regions: () => waveform.cueRegions(), get range() { return waveform.selection; },
  get shots() { return waveform.shots; },
};
load();
