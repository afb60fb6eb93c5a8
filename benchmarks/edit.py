"""How fast ``captioner edit`` serves its index and opens a long media page, and its memory.

1. Index: a tree of N short FLAC files with captions and a lock (as ``check_speed.py`` builds it),
   ``captioner check`` run once (warm stat cache, as for check's own figure), then ``captioner edit``
   started in a child process: the time from its start to a served index (``/api/files`` answered
   with every row), on the first start (its summaries computed: each file probed, captions read)
   and on a second (summary cache warm).  Target: under 2 s warm for 1,000 files.
2. Media page: a 1-hour media file (jfk.mp4's audio looped) with a 1-hour transcript (the real JFK
   transcript from the pipeline, repeated along the hour) and its captions; the time from navigation
   to the first paint of the cue list, measured in headless Chromium (``performance.mark`` after the
   list is drawn), median of 3 loads after a first one.  Target: under 1 s.
3. The server's resident memory (VmRSS) and its peak (VmHWM) after all that, waveform peaks included.

    python benchmarks/edit.py [--files 1000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import ROOT  # noqa: E402
from benchmarks.check_speed import check, make_tree  # noqa: E402
from captioner.captions.segmentation import segment  # noqa: E402
from captioner.core.style import Style  # noqa: E402
from captioner.core.transcript import Transcript  # noqa: E402
from captioner.output.writers import render_srt, render_vtt  # noqa: E402

HOUR = 3600.0


def start_server(root: Path, cache: Path) -> tuple[subprocess.Popen, str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CAPTIONER_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "captioner", "edit", "--no-browser", "--root", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    url = proc.stdout.readline().strip()
    return proc, url, started


def served_index(root: Path, cache: Path, count: int) -> tuple[float, subprocess.Popen, str]:
    proc, url, started = start_server(root, cache)
    client = httpx.Client(follow_redirects=True, timeout=600)
    page = client.get(url)
    files = client.get(url.split("/?")[0] + "/api/files").json()["files"]
    seconds = time.perf_counter() - started
    assert page.status_code == 200 and len(files) == count, (page.status_code, len(files))
    return seconds, proc, url


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads): on a busy machine the wall time
    waits for cores, this does not."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> str:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return f"VmRSS {fields['VmRSS'].strip()}, peak VmHWM {fields['VmHWM'].strip()}"


def jfk_transcript(work: Path, cache: Path) -> Transcript:
    """The real pipeline's JFK transcript (``-f json``; the transcript cache makes reruns fast)."""
    clip = work / "jfk.mp4"
    clip.write_bytes((ROOT / "samples" / "jfk.mp4").read_bytes())
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CAPTIONER_CACHE_DIR": str(cache)}
    subprocess.run([sys.executable, "-m", "captioner", str(clip), "-f", "json", "-q", "--overwrite"], env=env,
                   check=True)  # fmt: skip
    return Transcript.from_json((work / "jfk.json").read_text("utf-8"))


def make_hour(root: Path, cache: Path) -> tuple[str, int]:
    """hour.m4a (JFK looped for an hour), hour.json (its transcript repeated) and hour.srt/.vtt."""
    from captioner.media.ffmpeg import ffmpeg_exe

    work = root.parent / "jfk-work"
    work.mkdir(exist_ok=True)
    one = jfk_transcript(work, cache)
    period = 11.0  # jfk.mp4's length
    loops = int(HOUR // period)
    media = root / "hour.m4a"
    subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-stream_loop", str(loops - 1), "-i",
         str(ROOT / "samples" / "jfk.mp4"), "-vn", "-c:a", "aac", "-b:a", "32k", str(media)],
        check=True,
    )  # fmt: skip
    words, segments = [], []
    for k in range(loops):
        offset = k * period
        words += [w.shifted(offset) for w in one.words or []]
        segments += [
            replace(s, id=len(segments) + n, start=s.start + offset, end=s.end + offset)
            for n, s in enumerate(one.segments)
        ]
    hour = Transcript(language="en", duration=loops * period, segments=segments, words=words)
    (root / "hour.json").write_text(hour.to_json(), "utf-8")
    cues = segment(hour, Style())
    (root / "hour.srt").write_text(render_srt(cues), "utf-8")
    (root / "hour.vtt").write_text(render_vtt(cues), "utf-8")
    return "hour.m4a", len(cues)


def first_paint(url: str, base: str, rel: str, loads: int = 4) -> list[float]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--mute-audio", "--window-size=1280,860",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='captioner-bench-')}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(url)
        times = []
        for _ in range(loads):
            driver.get(f"{base}/edit?path={rel}")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                mark = driver.execute_script(
                    "const m = performance.getEntriesByName('cues-painted'); return m.length ? m[0].startTime : null"
                )
                if mark is not None:
                    break
                time.sleep(0.02)
            times.append(mark / 1000)
            deadline = time.monotonic() + 120  # let the waveform load (peaks computed once) before the next
            while time.monotonic() < deadline and driver.execute_script("return document.body.dataset.waveform") != (
                "ready"
            ):
                time.sleep(0.1)
        return times
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="build the trees here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        root, cache = base / f"tree{args.files}", base / "cache"
        started = time.perf_counter()
        make_tree(root, args.files)
        print(f"tree of {args.files} files built in {time.perf_counter() - started:.1f} s")
        check(root, cache)  # fills the stat cache
        warm_check = check(root, cache).seconds
        print(f"captioner check, warm stat cache: {warm_check:.2f} s (for comparison, same machine, same moment)")
        for label in ("first start (summaries computed)", "second start (summary cache warm)",
                      "third start (summary cache warm)"):  # fmt: skip
            seconds, proc, _ = served_index(root, cache, args.files)
            print(f"served index, {label}: {seconds:.2f} s (server CPU {cpu_seconds(proc.pid):.2f} s); "
                  f"server {memory(proc.pid)}")  # fmt: skip
            proc.terminate()
            proc.wait()
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

        rel, cues = make_hour(root, cache)
        seconds, proc, url = served_index(root, cache, args.files + 1)
        try:
            times = first_paint(url, url.split("/?")[0], rel)
            print(f"media page of a 1-hour transcript ({cues} cues): first paint of the cue list "
                  f"{times[0]:.2f} s on the first load, median of the next {len(times) - 1}: "
                  f"{statistics.median(times[1:]):.2f} s")  # fmt: skip
            print(f"server after the index, the hour's page and its waveform: {memory(proc.pid)}")
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
