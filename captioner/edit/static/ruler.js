// The time ruler over the waveform: its labels (wavesurfer's timeline plugin places the ticks for
// the zoom).  No DOM (tests/js runs it under `node --test`).

// A ruler label: m:ss under an hour, h:mm:ss past it; tenths when the tick is not a whole second.
export function rulerLabel(seconds) {
  const tenths = Math.round(seconds * 10);
  const whole = Math.floor(tenths / 10), h = Math.floor(whole / 3600), m = Math.floor(whole / 60) % 60;
  const s = String(whole % 60).padStart(2, "0") + (tenths % 10 ? `.${tenths % 10}` : "");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
