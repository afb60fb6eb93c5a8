// The media page's player: play/pause, seeking, speed and playing a span (page wiring; the
// arithmetic is in keys.js).
import { nextSpeed, seekTarget } from "./keys.js";

export function createPlayer(video, duration) {
  let stopAt = null;
  const speed = document.getElementById("speed");

  function setSpeed(rate) {
    video.playbackRate = rate;
    speed.value = String(rate);
  }
  speed.addEventListener("input", () => setSpeed(Number(speed.value)));

  // The player's controls toggle on Space's release too (in their shadow tree, which sees the key
  // before the video's own listeners): stopped on the way down, so that one press is one toggle.
  for (const type of ["keyup", "keypress"]) {
    window.addEventListener(type, (event) => {
      if (event.target === video && event.key === " ") { event.preventDefault(); event.stopPropagation(); }
    }, true);
  }

  return {
    playPause: () => (video.paused ? video.play() : video.pause()),
    seek: (delta) => { video.currentTime = seekTarget(video.currentTime, delta, duration()); },
    slower: () => setSpeed(nextSpeed(video.playbackRate, -1)),
    faster: () => setSpeed(nextSpeed(video.playbackRate, 1)),
    playSpan(a, b) {
      video.currentTime = Math.max(0, a);
      stopAt = b;
      video.play();
    },
    // Called on every frame: stops a span played to its end.
    checkStop() {
      if (stopAt !== null && video.currentTime >= stopAt) {
        video.pause();
        stopAt = null;
      }
    },
  };
}
