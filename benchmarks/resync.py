"""``captioner resync`` against ffsubsync on the corpus' long reading, figures side by side.

    python benchmarks/resync.py [--corpus DIR] [--item en_lj001_printing_longform]

Captions: the item's reference cues (``timing/<item>.json``, the LJ Speech clip boundaries) and
captioner's own captions of it.  Cases, each a caption file and a media file made here with ffmpeg:

- offset: the captions 3.7 s late;
- rate: the captions' times scaled by 23.976/25 (timed at 25 fps, played at 23.976);
- insertion: 12 s of other audio (the corpus' music) inserted into the media at a cue boundary;
- removal: 8 s cut out of the media;
- all: the four at once.

Scored: the share of cue starts within 0.10 s of where the truth puts them (cues whose start fell
in the removed stretch have none and are left out), with what each tool found and its wall time.
ffsubsync (``pip install ffsubsync``, optional) runs on the same files when it is installed.
Each run uses a fresh transcript cache unless ``--cache DIR`` (the rate case reuses the offset
case's transcript); the seconds are wall time on a shared machine.

``--hour``: the speed case instead (#28: an hour's captions resynced in under 60 s on 2 cores).  An
hour of distinct speech is made from the reading's clips (the LJ Speech clip boundaries): 16
rounds of them, each round in another order, so that no stretch of a minute repeats; its captions
are the clips as cues, with all four edits (rate, offset +3.7 s, 12 s of music inserted at 20 min,
8 s cut at 40 min).  Printed: resync's wall and CPU seconds (the load average beside them), what it
found, and the share of cue starts within 0.10 s; ffsubsync beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import srt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import DEFAULT_CORPUS, run_child  # noqa: E402

from captioner.media.ffmpeg import ffmpeg_command  # noqa: E402

RATE = 23.976 / 25
INSERT_AT, INSERTED = 71.21, 12.0  # a clip boundary of the LJ reading
REMOVE_AT, REMOVED = 150.0, 8.0


def media_time(t: float, insert: bool, remove: bool) -> float | None:
    """Where original time ``t`` is in the edited media (None: removed)."""
    if remove and REMOVE_AT <= t < REMOVE_AT + REMOVED:
        return None
    moved = t + (INSERTED if insert and t >= INSERT_AT else 0.0)
    return moved - (REMOVED if remove and t >= REMOVE_AT + REMOVED else 0.0)


CASES: dict[str, tuple[Callable[[float], float], bool, bool]] = {
    "offset +3.7 s": (lambda t: t + 3.7, False, False),
    "rate 25/23.976": (lambda t: t * RATE, False, False),
    "insert 12 s": (lambda t: t, True, False),
    "remove 8 s": (lambda t: t, False, True),
    "all four": (lambda t: t * RATE + 3.7, True, True),
}


def make_media(source: Path, music: Path, dest: Path, insert: bool, remove: bool) -> Path:
    """``source`` as 16 kHz mono FLAC, with 12 s of ``music`` inserted and/or 8 s removed."""
    parts, labels = [], []
    cuts = sorted([INSERT_AT] if insert else []) + ([REMOVE_AT] if remove else [])
    start = 0.0
    graph = f"[0:a]aresample=16000,aformat=channel_layouts=mono,asplit={len(cuts) + 1}"
    graph += "".join(f"[s{i}]" for i in range(len(cuts) + 1)) + ";"
    for i, cut in enumerate([*cuts, None]):
        end = "" if cut is None else f":{cut}"
        parts.append(f"[s{i}]atrim={start}{end},asetpts=PTS-STARTPTS[p{i}];")
        labels.append(f"[p{i}]")
        if cut == INSERT_AT and insert:
            labels.append("[m]")
        if cut is not None:
            start = cut + (REMOVED if remove and cut == REMOVE_AT else 0.0)
    graph += "".join(parts)
    if insert:
        graph += "[1:a]aresample=16000,aformat=channel_layouts=mono,atrim=20:32,asetpts=PTS-STARTPTS,volume=0.5[m];"
    graph += "".join(labels) + f"concat=n={len(labels)}:v=0:a=1[o]"
    cmd = [*ffmpeg_command(), "-v", "error", "-y", "-i", str(source), "-i", str(music)]
    subprocess.run([*cmd, "-filter_complex", graph, "-map", "[o]", str(dest)], check=True)
    return dest


def write_srt(cues: list[tuple[float, float, str]], dest: Path, at: Callable[[float], float]) -> Path:
    subs = [srt.Subtitle(i + 1, _td(at(a)), _td(at(b)), text) for i, (a, b, text) in enumerate(cues)]
    dest.write_text(srt.compose(subs, reindex=False), "utf-8")
    return dest


def _td(t: float):  # type: ignore[no-untyped-def]
    import datetime

    return datetime.timedelta(seconds=max(0.0, t))


def read_cues(path: Path) -> list[tuple[float, str]] | None:
    try:
        return [(s.start.total_seconds(), s.content) for s in srt.parse(path.read_text("utf-8"))]
    except (OSError, srt.SRTParseError):
        return None


def score(found: list[tuple[float, str]] | None, truth: list[tuple[float | None, str]]) -> str:
    """The share of the truth's cues (those with a time) whose start is within 0.10 s; a cue is
    found by its text, in order (ffsubsync drops cues it moves before 0 s: those count as misses)."""
    if found is None:
        return "failed"
    hits, at = 0, 0
    for start, text in truth:
        index = next((i for i in range(at, len(found)) if found[i][1] == text), None)
        if index is None:
            continue
        at = index + 1
        hits += start is not None and abs(found[index][0] - start) <= 0.10
    return f"{100 * hits / sum(start is not None for start, _ in truth):.0f}%"


def run_captioner(caps: Path, media: Path, out: Path, env: dict[str, str]) -> tuple[str, str, float]:
    run = run_child([sys.executable, "-m", "captioner", "resync", str(caps), str(media), "-o", str(out)], env)
    if run.returncode != 0:
        return "refused", run.stderr.strip().splitlines()[-1][:90], run.seconds
    found = "; ".join(line for line in run.stdout.splitlines() if not line.startswith("confidence"))
    confidence = re.search(r"confidence ([\d.]+)", run.stdout)
    return "ok", found + (f"; conf {confidence.group(1)}" if confidence else ""), run.seconds


def run_ffsubsync(caps: Path, media: Path, out: Path) -> tuple[str, str, float]:
    tool = shutil.which("ffs", path=str(Path(sys.executable).parent)) or shutil.which("ffs")
    if tool is None:
        return "absent", "not installed", 0.0
    run = run_child([tool, str(media), "-i", str(caps), "-o", str(out)])
    if run.returncode != 0:
        return "failed", run.stderr.strip().splitlines()[-1][:90] if run.stderr.strip() else "", run.seconds
    offset = re.findall(r"offset seconds: ([-\d.]+)", run.stderr)
    ratio = re.findall(r"framerate scale factor: ([\d.]+)", run.stderr)
    return "ok", f"offset {offset[-1] if offset else '?'} s; scale {ratio[-1] if ratio else '?'}", run.seconds


def own_captions(media: Path, folder: Path, env: dict[str, str]) -> list[tuple[float, float, str]]:
    copy = folder / media.name
    shutil.copyfile(media, copy)
    run_child([sys.executable, "-m", "captioner", str(copy), "-f", "srt"], env)
    return [
        (s.start.total_seconds(), s.end.total_seconds(), s.content)
        for s in srt.parse(copy.with_suffix(".srt").read_text("utf-8"))
    ]


HOUR_ROUNDS = 16
HOUR_INSERT_AT, HOUR_REMOVE_AT = 1200.0, 2400.0


def make_hour(source: Path, music: Path, folder: Path, reference: list[tuple[float, float, str]]):  # type: ignore[no-untyped-def]
    """The hour (see ``--hour``) as 16 kHz FLAC, its captions' cues in the original clock, and
    where each cue's start is in the edited media (None: cut)."""
    import random

    import numpy as np

    from captioner.media.audio import SAMPLE_RATE, extract_audio
    from captioner.media.probe import probe

    audio = extract_audio(probe(source))
    music_audio = extract_audio(probe(music))[20 * SAMPLE_RATE : 32 * SAMPLE_RATE] * 0.5
    rng = random.Random(28)
    pieces, cues, t = [], [], 0.0
    for _ in range(HOUR_ROUNDS):
        order = list(range(len(reference)))
        rng.shuffle(order)
        for k in order:
            a, b, text = reference[k]
            clip_end = reference[k + 1][0] if k + 1 < len(reference) else len(audio) / SAMPLE_RATE
            pieces.append(audio[round(a * SAMPLE_RATE) : round(clip_end * SAMPLE_RATE)])
            cues.append((t, t + (b - a), text))
            t += clip_end - a
    hour = np.concatenate(pieces)
    insert_at = next(a for a, _, _ in cues if a >= HOUR_INSERT_AT)  # at a clip boundary
    cut = (round(HOUR_REMOVE_AT * SAMPLE_RATE), round((HOUR_REMOVE_AT + REMOVED) * SAMPLE_RATE))
    at = round(insert_at * SAMPLE_RATE)
    edited = np.concatenate([hour[:at], music_audio, hour[at : cut[0]], hour[cut[1] :]])

    def where(x: float) -> float | None:
        if HOUR_REMOVE_AT <= x < HOUR_REMOVE_AT + REMOVED:
            return None
        return x + (INSERTED if x >= insert_at else 0.0) - (REMOVED if x >= HOUR_REMOVE_AT + REMOVED else 0.0)

    dest = folder / "hour.flac"
    pcm16 = (np.clip(edited, -1, 1) * 32767).astype("<i2").tobytes()
    cmd = [*ffmpeg_command(), "-v", "error", "-y", "-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "-"]
    subprocess.run([*cmd, str(dest)], input=pcm16, check=True)
    return dest, cues, [(where(a), text) for a, _, text in cues]


def hour_case(args: argparse.Namespace, reference: list[tuple[float, float, str]], folder: Path) -> None:
    from _common import load_average

    media, cues, truth = make_hour(
        args.corpus / f"{args.item}.flac", args.corpus / "nonspeech_music_vibe_ace.ogg", folder, reference
    )
    caps = write_srt(cues, folder / "hour.srt", lambda t: t * RATE + 3.7)
    env = {**os.environ, "CAPTIONER_CACHE_DIR": str(args.cache or folder / "cache")}
    mine, theirs = folder / "hour-mine.srt", folder / "hour-theirs.srt"
    before = load_average()
    run = run_child([sys.executable, "-m", "captioner", "resync", str(caps), str(media), "-o", str(mine)], env)
    found = "; ".join(run.stdout.splitlines()) if run.returncode == 0 else run.stderr.strip()[-200:]
    ours = score(read_cues(mine), truth) if run.returncode == 0 else "refused"
    print(
        f"hour ({len(cues)} cues, all four edits): resync {ours} within 0.10 s, {run.seconds:.1f} s wall, "
        f"{run.cpu_seconds:.1f} s CPU, peak {run.peak_rss_mb:.0f} MB (load {before} before, {load_average()} after)"
    )
    print(f"  found: {found}")
    if not args.no_ffsubsync:
        ff_status, ff_found, ff_seconds = run_ffsubsync(caps, media, theirs)
        other = score(read_cues(theirs), truth) if ff_status == "ok" else ff_status
        print(f"  ffsubsync: {other} within 0.10 s, {ff_seconds:.1f} s wall ({ff_found})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--item", default="en_lj001_printing_longform")
    parser.add_argument("--cache", type=Path, help="A transcript cache to keep between runs (default: a fresh one).")
    parser.add_argument("--hour", action="store_true", help="The speed case: an hour's captions (see above).")
    parser.add_argument("--no-ffsubsync", action="store_true", help="With --hour: resync alone.")
    args = parser.parse_args()
    source = args.corpus / f"{args.item}.flac"
    timing = json.loads((args.corpus / "timing" / f"{args.item}.json").read_text("utf-8"))
    reference = [(s["start"], s["end"], s["text"]) for s in timing["segments"]]
    if args.hour:
        with tempfile.TemporaryDirectory() as tmp:
            hour_case(args, reference, Path(tmp))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "CAPTIONER_CACHE_DIR": str(args.cache or folder / "cache")}
        sets = {"reference": reference, "captioner": own_captions(source, folder, env)}
        media = {
            (i, r): make_media(source, args.corpus / "nonspeech_music_vibe_ace.ogg", folder / f"m{i:d}{r:d}.flac", i, r)
            for i, r in {(c[1], c[2]) for c in CASES.values()}
        }
        print(
            f"{'captions':10} {'case':15} {'resync':>7} {'ffsubsync':>9}  "
            "found (captioner) | found (ffsubsync) | seconds"
        )
        for set_name, cues in sets.items():
            for case, (at, insert, remove) in CASES.items():
                caps = write_srt(cues, folder / f"{set_name}-{len(case)}.srt", at)
                truth = [(media_time(a, insert, remove), text) for a, _, text in cues]
                mine = folder / "mine.srt"
                theirs = folder / "theirs.srt"
                for stale in (mine, theirs):
                    stale.unlink(missing_ok=True)
                status, found, seconds = run_captioner(caps, media[(insert, remove)], mine, env)
                ff_status, ff_found, ff_seconds = run_ffsubsync(caps, media[(insert, remove)], theirs)
                ours = score(read_cues(mine), truth) if status == "ok" else status
                other = score(read_cues(theirs), truth) if ff_status == "ok" else ff_status
                print(
                    f"{set_name:10} {case:15} {ours:>7} {other:>9}  {found} | {ff_found} | "
                    f"{seconds:.0f} / {ff_seconds:.0f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
