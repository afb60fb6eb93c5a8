// The static review report (captioner review --html): one media, its cues and doubtful cues, no server.
(function () {
  "use strict";
  const { cueElement, findCue, fillTrack, time } = globalThis.CueView;
  const data = JSON.parse(document.getElementById("captioner-data").textContent);
  const video = document.getElementById("player");
  const list = document.getElementById("cues");
  const cues = data.cues;
  let current = -1;

  list.replaceChildren(...cues.map((c, k) => cueElement(c, k)));
  const doubtful = cues.filter((c) => c.doubtful.length).length;
  const problems = cues.filter((c) => c.problems.length || c.errors.length).length;
  document.getElementById("summary").textContent =
    `${cues.length} cues · ${doubtful} doubtful · ${problems} with style problems · ` +
    `${data.language || "language unknown"}${data.duration ? " · " + time(data.duration).slice(0, 8) : ""}`;
  video.classList.toggle("audio-only", !data.video);
  if (data.src) video.src = data.src;
  const track = video.addTextTrack("captions", "Captions", data.language || "");
  track.mode = "showing";
  fillTrack(track, cues);

  list.addEventListener("click", (event) => {
    const li = event.target.closest("li.cue");
    if (li) video.currentTime = cues[Number(li.dataset.index)].start;
  });
  document.getElementById("only-doubtful").addEventListener("input", (event) => {
    cues.forEach((c, k) => {
      const flagged = c.doubtful.length || c.problems.length || c.errors.length;
      list.children[k].classList.toggle("hidden", event.target.checked && !flagged);
    });
  });
  video.addEventListener("error", () => {
    document.getElementById("media-note").textContent =
      `The media (${data.src}) is not beside this report: the cues are still listed.`;
  });
  function follow() {
    const k = findCue(cues, video.currentTime);
    if (k !== current) {
      if (current >= 0) list.children[current].classList.remove("current");
      current = k;
      if (k >= 0) {
        list.children[k].classList.add("current");
        if (!video.paused) list.children[k].scrollIntoView({ block: "nearest" });
      }
    }
    requestAnimationFrame(follow);
  }
  requestAnimationFrame(follow);
})();
