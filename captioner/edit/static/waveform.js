// The media page's waveform (wavesurfer.js, shipped in vendor/): one region per cue, a range
// dragged on the waveform as the selection (with Alt held, dragging a cue's region moves the cue).  It reads the page's state through `page` and tells
// the page of clicks, retimings and ranges through its callbacks; it changes no cue itself.
import { getJSON, status } from "./common.js";
import { rulerLabel } from "./ruler.js";

const { time, findCue } = globalThis.CueView;

function regionColour(cue, k, selected) {
  if (k === selected) return "rgba(36, 86, 179, 0.35)";
  if (cue.errors && cue.errors.length) return "rgba(179, 38, 30, 0.25)";
  if (cue.doubtful && cue.doubtful.length) return "rgba(184, 92, 0, 0.22)";
  return "rgba(36, 86, 179, 0.13)";
}

// page: {video, path, duration, cues(), selected(), select(k), retime(k, start, end)}
export function createWaveform(page) {
  let ws = null, regions = null, selection = null, highlighted = -1, shots = [];

  function rebuild() {
    if (!regions) return;
    for (const r of regions.getRegions().slice()) if (r.id.startsWith("cue-")) r.remove();
    const selected = page.selected();
    page.cues().forEach((cue, k) => {
      regions.addRegion({ id: `cue-${k}`, start: cue.start, end: cue.end, content: String(k + 1),
        color: regionColour(cue, k, selected), drag: true, resize: true, minLength: 0.05 });
    });
  }

  function update(k) {
    if (!regions) return;
    const cues = page.cues();
    const r = regions.getRegions().find((x) => x.id === `cue-${k}`);
    if (r && cues[k]) r.setOptions({ start: cues[k].start, end: cues[k].end, color: regionColour(cues[k], k, page.selected()) });
  }

  function highlight() {
    const selected = page.selected();
    if (highlighted !== selected) {
      if (highlighted >= 0 && highlighted < page.cues().length) update(highlighted);
      highlighted = selected;
    }
    if (selected >= 0) update(selected);
  }

  function clearSelection() {
    if (selection) { selection.remove(); selection = null; }
  }

  async function load() {
    try {
      // Loaded after the cue list is drawn: the list does not wait for the waveform's code.
      const [{ default: WaveSurfer }, { default: RegionsPlugin }, { default: TimelinePlugin }] = await Promise.all([
        import("./vendor/wavesurfer.esm.js"), import("./vendor/regions.esm.js"), import("./vendor/timeline.esm.js")]);
      const response = await fetch(`/api/peaks?path=${encodeURIComponent(page.path)}`, { credentials: "same-origin" });
      if (!response.ok) throw new Error(await response.text());
      const rate = Number(response.headers.get("x-peaks-rate"));
      const bytes = new Int8Array(await response.arrayBuffer());
      const n = bytes.length / 2, top = new Float32Array(n), bottom = new Float32Array(n);
      for (let i = 0; i < n; i++) { top[i] = bytes[2 * i] / 127; bottom[i] = bytes[2 * i + 1] / 127; }
      const duration = page.duration || n / rate;
      regions = RegionsPlugin.create();
      ws = WaveSurfer.create({
        container: "#waveform", media: page.video, peaks: [top, bottom], duration, height: 96,
        waveColor: "#8a94a6", progressColor: "#4b5d80", cursorColor: "#b3261e", normalize: true,
        autoScroll: true, autoCenter: true,
        plugins: [regions, TimelinePlugin.create({ height: 16, formatTimeCallback: rulerLabel, style: { color: "#4b5d80" } })],
      });
      ws.on("ready", () => {
        rebuild();
        loadShots();
        regions.enableDragSelection({ id: "selection", color: "rgba(11, 93, 30, 0.25)" });
        document.body.dataset.waveform = "ready";
      });
      regions.on("region-created", (region) => {
        if (region.id !== "selection") return;
        if (selection && selection !== region) selection.remove();
        selection = region;
        status(`Range ${time(region.start)} – ${time(region.end)} selected: Re-transcribe decodes it again.`);
      });
      regions.on("region-clicked", (region, event) => {
        event.stopPropagation();
        if (region.id.startsWith("cue-")) page.select(Number(region.id.slice(4)));
      });
      // Regions let pointers through (style.css) so that a drag starting on a cue selects a range,
      // and a click selects the cue there; with Alt or Shift held they take the pointer and a drag moves the cue.
      ws.on("click", (x) => {
        const k = findCue(page.cues(), x * ws.getDuration());
        if (k >= 0) page.select(k);
      });
      const container = document.getElementById("waveform");
      // (Shift as well as Alt: some desktops take Alt+drag to move windows.)
      const moving = (event) => container.classList.toggle("moving", event.altKey || event.shiftKey);
      for (const type of ["keydown", "keyup"]) document.addEventListener(type, moving);
      window.addEventListener("blur", () => container.classList.remove("moving"));
      regions.on("region-updated", (region) => {
        if (region.id.startsWith("cue-")) page.retime(Number(region.id.slice(4)), region.start, region.end);
      });
      document.getElementById("zoom").addEventListener("input", (e) => ws.zoom(Number(e.target.value)));
    } catch (error) {
      status(`No waveform: ${error.message}`, "error");
    }
  }

  // Shot changes (computed by the server once per video): a marker each, and the snapping points
  // of the cue edges (cueops.snapToShot).
  async function loadShots() {
    try {
      shots = (await getJSON(`/api/shots?path=${encodeURIComponent(page.path)}`)).shots;
    } catch (error) {
      status(`No shot changes: ${error.message}`, "error");
    }
    shots.forEach((t, k) => regions.addRegion({ id: `shot-${k}`, start: t, color: "rgba(179, 38, 30, 0.8)",
      drag: false, resize: false }));
    document.body.dataset.shots = String(shots.length);
  }

  return {
    load, rebuild, update, highlight, clearSelection,
    get selection() { return selection; }, get shots() { return shots; },
    cueRegions: () => (regions ? regions.getRegions().filter((r) => r.id.startsWith("cue-")) : []),
  };
}
