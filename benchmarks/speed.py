"""captioner vs faster-whisper on one file: wall time, CPU time, peak memory, WER.

    python benchmarks/speed.py [MEDIA] [--rounds N] [--batch-size 8] [--music FILE | --no-music]

MEDIA defaults to the corpus' 3.7-minute reading (en_lj001_printing_longform.flac).  Three runs
are compared, each a fresh process (model load included) with the same embedded model and
settings (int8, beam 5, word timestamps, every core):

- captioner (``--no-cache``, srt and vtt written);
- a plain faster-whisper script (``plain_faster_whisper.py``: ``WhisperModel.transcribe``);
- faster-whisper's ``BatchedInferencePipeline(model).transcribe(..., batch_size=8)`` (its own VAD
  chunking), what a user who wants speed reaches for.

They run alternated, round after round (A, B, C, A, B, C, ...), so that other work on the machine
hits all three alike; the load average is printed before and after.  Wall time is noisy on a
shared machine: CPU time (user + system, from ``wait4``) is the second, load-robust figure.
Then the minute of music (``--music``, default the corpus' nonspeech_music_vibe_ace.ogg): captioner
vs the plain script, alternated the same way.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import srt
from _common import DEFAULT_CORPUS, ROOT, ChildRun, load_average, manifest, python, run_child, wer


def captions_text(text: str) -> str:
    return " ".join(s.content for s in srt.parse(text))


def measure(commands: dict[str, list[str]], rounds: int, env: dict[str, str]) -> dict[str, list[ChildRun]]:
    """Every command ``rounds`` times, alternated; exits on a failed run."""
    runs: dict[str, list[ChildRun]] = {name: [] for name in commands}
    for number in range(1, rounds + 1):
        for name, cmd in commands.items():
            run = run_child(cmd, env)
            if run.returncode != 0:
                sys.exit(f"{name} failed: {run.stderr.strip()[-500:]}")
            runs[name].append(run)
            print(
                f"  round {number} {name:24} wall {run.seconds:6.2f} s  cpu {run.cpu_seconds:6.2f} s  "
                f"peak RSS {run.peak_rss_mb:5.0f} MB",
                file=sys.stderr,
                flush=True,
            )
    return runs


def table(runs: dict[str, list[ChildRun]], errors: dict[str, str], last: str = "WER") -> None:
    print(f"{'':26} {'wall s (each round)':>24} {'median':>7} {'cpu s med':>9} {'peak RSS MB':>12} {last:>6}")
    for name, done in runs.items():
        walls = ", ".join(f"{r.seconds:.2f}" for r in done)
        rss = f"{min(r.peak_rss_mb for r in done):.0f}-{max(r.peak_rss_mb for r in done):.0f}"
        print(
            f"{name:26} {walls:>24} {median_wall(done):7.2f} {median_cpu(done):9.2f} {rss:>12} "
            f"{errors.get(name, ''):>6}"
        )


def median_wall(runs: list[ChildRun]) -> float:
    return statistics.median(r.seconds for r in runs)


def median_cpu(runs: list[ChildRun]) -> float:
    return statistics.median(r.cpu_seconds for r in runs)


def ratio(runs: dict[str, list[ChildRun]], ours: str, theirs: str) -> str:
    a, b = runs[ours], runs[theirs]
    return f"wall {median_wall(a) / median_wall(b):.2f}, cpu {median_cpu(a) / median_cpu(b):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("media", nargs="?", type=Path, help="default: the corpus' en_lj001_printing_longform.flac")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rounds", "--runs", type=int, default=2, help="rounds of alternated runs (default 2)")
    parser.add_argument("--batch-size", type=int, default=8, help="the batched pipeline's batch size (default 8)")
    parser.add_argument("--music", type=Path, help="default: the corpus' nonspeech_music_vibe_ace.ogg")
    parser.add_argument("--no-music", action="store_true", help="skip the music comparison")
    args = parser.parse_args()
    args.media = args.media or args.corpus / "en_lj001_printing_longform.flac"
    args.music = args.music or args.corpus / "nonspeech_music_vibe_ace.ogg"

    reference = next((i.get("reference_text") for i in manifest(args.corpus) if i["file"] == args.media.name), None)
    sys.path.insert(0, str(ROOT))
    from captioner.transcription.local.model_files import resolve_model

    model_dir = resolve_model("base")
    plain_script = str(ROOT / "benchmarks" / "plain_faster_whisper.py")
    env = {"PYTHONPATH": str(ROOT)}
    work = Path(tempfile.mkdtemp(prefix="captioner-bench-"))
    try:
        media = work / args.media.name
        shutil.copyfile(args.media, media)
        commands = {
            "captioner (no cache)": [
                python(), "-m", "captioner", str(media), "-f", "srt,vtt", "--overwrite", "--no-cache", "-q"
            ],
            "plain faster-whisper": [python(), plain_script, model_dir, str(media)],
            f"batched pipeline (bs {args.batch_size})": [
                python(), plain_script, model_dir, str(media), "--batch-size", str(args.batch_size)
            ],
        }  # fmt: skip
        print(f"file: {args.media.name}  rounds: {args.rounds}  load average before: {load_average()}")
        runs = measure(commands, args.rounds, env)
        errors: dict[str, str] = {}
        if reference:
            texts = {name: done[-1].stdout for name, done in runs.items()}
            texts["captioner (no cache)"] = media.with_suffix(".srt").read_text("utf-8")
            errors = {name: f"{wer(reference, captions_text(text)):.3f}" for name, text in texts.items()}
        print(f"load average after: {load_average()}")
        table(runs, errors)
        names = list(commands)
        print(f"captioner / batched pipeline: {ratio(runs, names[0], names[2])}  (target wall <= 0.85)")
        print(f"captioner / plain script:     {ratio(runs, names[0], names[1])}")

        if not args.no_music and args.music.exists():
            music = work / args.music.name
            shutil.copyfile(args.music, music)
            commands = {
                "captioner (no cache)": [
                    python(), "-m", "captioner", str(music), "-f", "srt", "--overwrite", "--no-cache", "-q"
                ],
                "plain faster-whisper": [python(), plain_script, model_dir, str(music)],
            }  # fmt: skip
            print(f"\nfile: {args.music.name}  rounds: {args.rounds}  load average before: {load_average()}")
            music_runs = measure(commands, args.rounds, env)
            cues = {
                "captioner (no cache)": len(list(srt.parse(music.with_suffix(".srt").read_text("utf-8")))),
                "plain faster-whisper": len(list(srt.parse(music_runs["plain faster-whisper"][-1].stdout))),
            }
            print(f"load average after: {load_average()}")
            table(music_runs, {name: str(n) for name, n in cues.items()}, "cues")
            print(f"captioner / plain script: {ratio(music_runs, *commands)}  (target wall <= 0.3)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
