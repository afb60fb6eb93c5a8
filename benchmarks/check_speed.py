"""How fast ``captioner check`` is on a tree of media with up-to-date captions, and whether its memory
stays flat as the tree grows.

Generates trees of N short FLAC files (1.5 s tones, each with its own frequency, so every file has
other bytes and another audio hash), hand-made captions and a lock written through the
``captioner.ci.lockfile`` API (no transcription), then runs ``captioner check`` in a child process and
reports its wall time and peak RSS (``os.wait4`` on that very process): cold (``--no-cache``: every
media file demuxed and hashed) and warm (the per-user stat cache filled by a previous check).

    python benchmarks/check_speed.py [--sizes 100,1000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import ROOT, run_child  # noqa: E402
from captioner.ci.config import load_config  # noqa: E402
from captioner.ci.lockfile import Lock, LockEntry, write_lock  # noqa: E402
from captioner.ci.status import caption_paths  # noqa: E402
from captioner.media.hashing import audio_hash, file_sha256  # noqa: E402

RATE = 16000
SRT = "1\n00:00:00,000 --> 00:00:01,000\nTone {n}.\n\n"
VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nTone {n}.\n"


def write_tone(path: Path, frequency: float, seconds: float = 1.5) -> None:
    t = np.arange(int(RATE * seconds)) / RATE
    samples = (0.3 * np.sin(2 * np.pi * frequency * t) * 32767).astype(np.int16)
    with av.open(str(path), "w", format="flac") as container:
        stream = container.add_stream("flac", rate=RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="s16", layout="mono")
        frame.sample_rate = RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def make_tree(root: Path, count: int) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "captioner.toml").write_text("", "utf-8")
    config = load_config(root)
    lock = Lock()
    for n in range(count):
        rel = f"set{n // 100:02d}/clip{n:04d}.flac"
        media = root / rel
        media.parent.mkdir(parents=True, exist_ok=True)
        write_tone(media, 200 + n * 1.7)
        captions = {}
        for fmt, cap in caption_paths(rel, config.formats).items():
            (root / cap).write_text((SRT if fmt == "srt" else VTT).format(n=n), "utf-8")
            captions[fmt] = file_sha256(root / cap)
        lock.entries[rel] = LockEntry(
            audio=audio_hash(media),
            settings=config.settings_hash(rel),
            summary=config.summary_for(rel),
            captions=captions,
        )
    write_lock(root / config.lock, lock)
    old = time.time() - 60  # outside the stat cache's racy window
    for path in root.rglob("*"):
        os.utime(path, (old, old))


def check(root: Path, cache: Path, *extra: str):
    cmd = [sys.executable, "-m", "captioner", "check", "--root", str(root), *extra]
    result = run_child(cmd, env={"PYTHONPATH": str(ROOT), "CAPTIONER_CACHE_DIR": str(cache)})
    if result.returncode != 0:
        raise SystemExit(f"check failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--keep", type=Path, help="build the trees here and keep them")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        print(f"{'files':>6} {'mode':<6} {'wall s':>7} {'peak MB':>8}  summary")
        for size in sizes:
            root = base / f"tree{size}"
            started = time.perf_counter()
            make_tree(root, size)
            built = time.perf_counter() - started
            cache = base / f"cache{size}"
            rows = [("cold", check(root, cache, "--no-cache"))]
            check(root, cache)  # fills the stat cache
            rows.append(("warm", check(root, cache)))
            for mode, result in rows:
                summary = result.stdout.strip().splitlines()[-1]
                print(f"{size:>6} {mode:<6} {result.seconds:>7.2f} {result.peak_rss_mb:>8.1f}  {summary}")
            print(f"{'':>6} (tree built in {built:.1f} s)")


if __name__ == "__main__":
    main()
