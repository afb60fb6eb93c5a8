"""How long ``captioner sync`` takes when every transcript is in the cache, so that hashing the media,
formatting the captions and writing the lock are what it spends its time on (#26: each file's audio
is hashed once per sync).

Builds trees of media copies (samples/; and, when the corpus is there, ``--count`` of its files, every
fourth by name, so several formats and lengths), aged past the stat cache's racy window.  One sync per
tree fills a transcript cache of its own (the model runs then, once).  Each timed run starts as a
tree's first sync in CI with a restored transcript cache: captions, lock and stat cache deleted, then
``captioner sync`` in a child process.  ``--source`` runs another checkout's code (e.g. main's,
exported with ``git archive``) against the same trees and cache: their cache keys agree.

    python benchmarks/sync_speed.py [--corpus DIR] [--count 15] [--runs 3] [--source DIR ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import DEFAULT_CORPUS, ROOT, ChildRun, load_average, run_child  # noqa: E402
from captioner.media.hashing import audio_hash  # noqa: E402
from captioner.media.probe import is_media_file  # noqa: E402


def make_tree(root: Path, media: list[Path]) -> None:
    root.mkdir(parents=True)
    (root / "captioner.toml").write_text("", "utf-8")
    old = time.time() - 600  # older than StatCache.RACY_SECONDS: the check after the sync reuses the hashes
    for path in media:
        copy = root / path.name
        shutil.copyfile(path, copy)
        os.utime(copy, (old, old))


def reset(root: Path, cache: Path) -> None:
    """The tree as before its first sync; the transcript cache kept."""
    for path in root.iterdir():
        if path.suffix in (".srt", ".vtt") or path.name == "captions.lock":
            path.unlink()
    shutil.rmtree(cache / "check", ignore_errors=True)


def sync(source: Path, root: Path, cache: Path) -> ChildRun:
    env = {"CAPTIONER_CACHE_DIR": str(cache), "PYTHONPATH": str(source)}
    run = run_child([sys.executable, "-m", "captioner", "sync", "--root", str(root), "-q"], env)
    if run.returncode != 0:
        raise SystemExit(f"sync of {root.name} with {source} failed: {run.stderr.strip()}")
    return run


def hash_seconds(root: Path) -> float:
    """The best of three in-process passes of audio_hash over the tree's media (the files in the page cache)."""
    media = sorted(p for p in root.iterdir() if is_media_file(p))
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for path in media:
            audio_hash(path)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--count", type=int, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--source", type=Path, action="append", help="a checkout whose code is timed (default: this)")
    args = parser.parse_args()
    sources = [s.resolve() for s in args.source or [ROOT]]
    trees = {"samples": sorted(p for p in (ROOT / "samples").iterdir() if is_media_file(p))}
    if args.corpus.is_dir():
        corpus = sorted(p for p in args.corpus.iterdir() if is_media_file(p))
        trees["corpus"] = corpus[::4][: args.count]
    with tempfile.TemporaryDirectory(prefix="sync-speed-") as tmp:
        for name, media in trees.items():
            root, cache = Path(tmp) / name, Path(tmp) / f"cache-{name}"
            make_tree(root, media)
            mb = sum(p.stat().st_size for p in media) / 1e6
            print(f"{name}: {len(media)} files, {mb:.1f} MB; filling the transcript cache", flush=True)
            sync(sources[0], root, cache)
            times: dict[Path, list[float]] = {source: [] for source in sources}
            for n in range(args.runs):  # the sources in turn, so that the machine's load falls on each alike
                for source in sources:
                    reset(root, cache)
                    run = sync(source, root, cache)
                    times[source].append(run.seconds)
                    print(
                        f"  {source.name}: run {n + 1}: {run.seconds:.2f} s wall, {run.cpu_seconds:.2f} s CPU"
                        f" (load {load_average()})",
                        flush=True,
                    )
            for source, seconds in times.items():
                print(f"  {source.name}: median {statistics.median(seconds):.2f} s wall of {len(seconds)} runs")
            print(f"  one audio hash of every file (what a second hashing costs): {hash_seconds(root):.3f} s")


if __name__ == "__main__":
    main()
