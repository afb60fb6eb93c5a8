"""captioner on a whole library: one call vs one process per file, the cache, memory on long input.

    python benchmarks/library.py [--part batch|reformat|memory|all] [--clips 20] [--hours 1]

- batch: the first N short speech clips of the corpus, one `captioner` call (cache off) vs N
  separate runs of the plain faster-whisper script (same model and settings).  Target ratio <= 0.35
  (#19; it was 0.5).  The plain runs vary most (63-87 s for the same 20 clips: Whisper samples at
  temperature fallbacks on the disfluent ones): compare medians of several runs.
- reformat: the 3.7-minute reading transcribed once, then re-formatted from the transcript cache
  with another --max-chars, as a fresh process.  Target < 1 s.
- memory: a long file made by looping the corpus' reading with ffmpeg (--hours), captioned with
  the cache off; wall and peak RSS.  Targets (#19): <= 180 s and <= 900 MB for an hour, 2 cores.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import DEFAULT_CORPUS, ROOT, manifest, python, run_child

sys.path.insert(0, str(ROOT))


def captioner(*args: object) -> list[str]:
    return [python(), "-m", "captioner", *[str(a) for a in args]]


def env(cache: Path) -> dict[str, str]:
    return {"PYTHONPATH": str(ROOT), "CAPTIONER_CACHE_DIR": str(cache)}


def batch(corpus: Path, work: Path, count: int) -> None:
    from captioner.transcription.local.model_files import resolve_model

    items = [i for i in manifest(corpus) if i["kind"] == "speech" and i["duration_s"] <= 15][:count]
    folder = work / "clips"
    folder.mkdir()
    for item in items:
        shutil.copyfile(corpus / item["file"], folder / item["file"])
    audio_seconds = sum(i["duration_s"] for i in items)
    model_dir = resolve_model("base")
    plain_script = ROOT / "benchmarks" / "plain_faster_whisper.py"
    plain_runs = [run_child([python(), str(plain_script), model_dir, str(folder / i["file"])]) for i in items]
    plain = sum(r.seconds for r in plain_runs)
    ours = run_child(captioner(folder, "-f", "srt", "--no-cache", "-q"), env(work / "cache"))
    if ours.returncode != 0 or any(r.returncode for r in plain_runs):
        sys.exit(f"a run failed: {ours.stderr[-500:]}")
    print(f"batch: {len(items)} clips, {audio_seconds:.0f} s of audio")
    plain_rss = max(r.peak_rss_mb for r in plain_runs)
    print(f"  {len(items)} plain faster-whisper processes: {plain:7.2f} s (peak RSS {plain_rss:.0f} MB)")
    print(f"  one captioner call:                {ours.seconds:7.2f} s (peak RSS {ours.peak_rss_mb:.0f} MB)")
    print(f"  ratio captioner/plain: {ours.seconds / plain:.2f}  (target <= 0.35)")


def reformat(corpus: Path, work: Path) -> None:
    media = work / "reading.flac"
    shutil.copyfile(corpus / "en_lj001_printing_longform.flac", media)
    first = run_child(captioner(media, "-f", "srt,vtt", "-q"), env(work / "cache"))
    again = run_child(captioner(media, "-f", "srt,vtt", "--max-chars", "32", "--overwrite"), env(work / "cache"))
    if first.returncode or again.returncode or "from the cache" not in again.stderr:
        sys.exit(f"reformat run failed: {again.stderr[-500:]}")
    print("reformat: en_lj001_printing_longform.flac (221.7 s)")
    print(f"  first run (transcribed):               {first.seconds:6.2f} s")
    print(f"  --max-chars 32 from the cache (process): {again.seconds:6.2f} s  (target < 1 s)")


def memory(corpus: Path, work: Path, hours: float) -> None:
    from captioner.media.ffmpeg import ffmpeg_exe

    source = corpus / "en_lj001_printing_longform.flac"
    loops = max(1, round(hours * 3600 / 221.7))
    media = work / "long.flac"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-stream_loop", str(loops - 1), "-i", str(source), "-ac", "1", "-ar", "16000",
         "-c:a", "flac", str(media)],
        check=True,
    )  # fmt: skip
    run = run_child(captioner(media, "-f", "srt", "--no-cache", "-q"), env(work / "cache"))
    if run.returncode:
        sys.exit(f"long run failed: {run.stderr[-500:]}")
    print(f"memory: {loops} x the reading = {loops * 221.7 / 60:.0f} min of audio")
    speed = loops * 221.7 / run.seconds
    print(f"  wall {run.seconds:.0f} s ({speed:.1f}x real time), peak RSS {run.peak_rss_mb:.0f} MB")
    print("  (targets for an hour: <= 180 s, <= 900 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=["batch", "reformat", "memory", "all"], default="all")
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="captioner-library-"))
    try:
        if args.part in ("batch", "all"):
            batch(args.corpus, work, args.clips)
        if args.part in ("reformat", "all"):
            reformat(args.corpus, work)
        if args.part in ("memory", "all"):
            memory(args.corpus, work, args.hours)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
