"""captioner vs a plain faster-whisper script on one file: wall time, peak memory, WER.

    python benchmarks/speed.py [MEDIA] [--runs N]

MEDIA defaults to the corpus' 3.7-minute reading (en_lj001_printing_longform.flac).  Both run as
fresh processes (model load included) with the same model and settings; the figures printed are
the best of --runs runs.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import srt
from _common import DEFAULT_CORPUS, ROOT, manifest, python, run_child, wer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("media", nargs="?", type=Path, default=DEFAULT_CORPUS / "en_lj001_printing_longform.flac")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()

    reference = next((i.get("reference_text") for i in manifest(args.corpus) if i["file"] == args.media.name), None)
    sys.path.insert(0, str(ROOT))
    from captioner.transcription.local.model_files import resolve_model

    model_dir = resolve_model("base")
    work = Path(tempfile.mkdtemp(prefix="captioner-bench-"))
    media = work / args.media.name
    shutil.copyfile(args.media, media)
    captioner = [python(), "-m", "captioner", str(media), "-f", "srt,vtt", "--overwrite", "--no-cache", "-q"]
    plain = [python(), str(ROOT / "benchmarks" / "plain_faster_whisper.py"), model_dir, str(media)]
    env = {"PYTHONPATH": str(ROOT)}
    rows = {}
    for name, cmd in (("plain faster-whisper", plain), ("captioner", captioner)):
        runs = [run_child(cmd, env) for _ in range(args.runs)]
        for r in runs:
            if r.returncode != 0:
                sys.exit(f"{name} failed: {r.stderr.strip()[-500:]}")
        best = min(runs, key=lambda r: r.seconds)
        text = best.stdout if name != "captioner" else media.with_suffix(".srt").read_text("utf-8")
        words = " ".join(s.content for s in srt.parse(text))
        rows[name] = (best.seconds, max(r.peak_rss_mb for r in runs), wer(reference, words) if reference else None)
    shutil.rmtree(work)

    print(f"file: {args.media.name}  runs: {args.runs} (best wall time, max peak RSS)")
    print(f"{'':22} {'wall s':>8} {'peak RSS MB':>12} {'WER':>7}")
    for name, (secs, rss, err) in rows.items():
        print(f"{name:22} {secs:8.2f} {rss:12.0f} {'' if err is None else f'{err:7.3f}'}")
    (ps, pr, _), (cs, cr, _) = rows["plain faster-whisper"], rows["captioner"]
    print(f"ratio captioner/plain: wall {cs / ps:.2f}, RSS {cr / pr:.2f}")


if __name__ == "__main__":
    main()
