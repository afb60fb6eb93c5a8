"""``captioner align`` on the corpus' timed items, beside captioner's own transcription and aeneas.

    python benchmarks/align.py [--corpus DIR] [--items a,b] [--aeneas PYTHON] [--detail] [--keep DIR]

Items with word timings (``timing/<item>.json``, granularity "word": the MFA and Picovoice items)
are aligned with their reference text as the script (the segments' texts, one a line) and scored
per item: the median and 95th percentile of the absolute word-start error, and whether the output's
words are the script's words exactly (after making line breaks spaces).  Items with segment
timings (the LJ reading, the aeneas sonnet) are scored by segment starts (a script line's first
word against the segment's start), median.  Beside it, in the same run, the word times of
captioner's own transcription of the item (its words matched to the reference's in order, only the
matched ones scored), and aeneas (``--aeneas`` names a Python where ``aeneas`` is installed; it
needs Debian's espeak; skipped with a note when missing).  Last, the wall time of aligning the
3.7-minute reading against transcribing it, the model loaded once for both (a shared machine).
Both paths are scored after captioner's word retiming, as they are written.  Beside each
median/p95 is the bias (the signed median: negative is early); ``--detail`` adds, per item, the
aligner's figures before the retiming, and every start off by more than 0.1 s tagged by where it
is (after a pause, in no speech, at a window's edge; see benchmarks/_align_detail.py).  ``--keep
DIR`` writes each item's aligned transcript before the retiming (to try retiming rules on).
"""

from __future__ import annotations

import argparse
import difflib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _align_detail import describe, signed, window_cuts  # noqa: E402
from _common import DEFAULT_CORPUS, normalise  # noqa: E402

WORD_ITEMS = [
    "en_mfa_acoustic_corpus",
    "en_mfa_cold_corpus",
    "en_picovoice_quilter",
    "de_picovoice_test",
    "it_picovoice_test",
    "pt_picovoice_test",
    "ja_picovoice_test",
]
SEGMENT_ITEMS = ["en_lj001_printing_longform", "en_aeneas_sonnet001"]
LONG_ITEM = "en_lj001_printing_longform"


def media_of(corpus: Path, item: str) -> Path:
    return next(p for p in corpus.iterdir() if p.stem == item and p.suffix != ".json")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def starts_by_reference(ref_words: list[str], words: list[tuple[str, float]]) -> list[float | None]:
    """For each reference word, the start of the output word where it begins: by characters when
    both texts are the same letters (a script's words, however they were cut), else by matching
    the normalised words in order (a transcription)."""
    ref_norm = [normalise(w).replace(" ", "") for w in ref_words]
    out_norm = [normalise(w).replace(" ", "") for w, _ in words]
    if "".join(ref_norm) == "".join(out_norm):
        at: dict[int, float] = {}
        pos = 0
        for norm, (_, start) in zip(out_norm, words):
            at.setdefault(pos, start)
            pos += len(norm)
        found: list[float | None] = []
        pos = 0
        for norm in ref_norm:
            found.append(at.get(pos))
            pos += len(norm)
        return found
    matched: list[float | None] = [None] * len(ref_words)
    for a, b, size in difflib.SequenceMatcher(None, ref_norm, out_norm, autojunk=False).get_matching_blocks():
        for k in range(size):
            matched[a + k] = words[b + k][1]
    return matched


def scored(timing: dict, words: list[tuple[str, float]]) -> tuple[list[dict], list[float | None]]:
    """The reference's scored units (its words; for segment timings, each segment as its first
    word with the segment's times) and the output start found for each (None: not found)."""
    if timing["granularity"] == "word":
        ref = timing["words"]
        return ref, starts_by_reference([w["word"] for w in ref], words)
    ref_words: list[str] = []
    units = []
    for seg in timing["segments"]:
        units.append({"word": seg["text"].split()[0], "start": seg["start"], "end": seg["end"], "at": len(ref_words)})
        ref_words.extend(seg["text"].split())
    found = starts_by_reference(ref_words, words)
    return units, [found[u["at"]] for u in units]


def errors(timing: dict, words: list[tuple[str, float]]) -> list[float]:
    """Signed start errors (output - reference) of the scored units found."""
    ref, found = scored(timing, words)
    return [s - r["start"] for s, r in zip(found, ref) if s is not None]


def figures(signed: list[float], q: float) -> str:
    """``median/quantile bias`` of the absolute errors, the bias being the signed median."""
    if not signed:
        return "-"
    absolute = [abs(e) for e in signed]
    return f"{statistics.median(absolute):.3f}/{percentile(absolute, q):.3f} {statistics.median(signed):+.3f}"


@dataclass
class Aligned:
    raw: list[tuple[str, float]]  # the aligner's word starts, before captioner's word retiming
    transcript: Any  # the aligner's transcript, before the retiming
    words: list[tuple[str, float]]  # as written
    exact: str
    seconds: float
    audio: Any
    utterances: list[tuple[float, float]]


def aligned(backend, media: Path, lines: list[str], language: str | None) -> Aligned:
    from captioner.media.audio import extract_audio
    from captioner.media.probe import probe
    from captioner.refine.refine import refine
    from captioner.transcription.align.aligner import align_script
    from captioner.transcription.align.forced import WhisperAligner
    from captioner.transcription.align.script import script_from_lines

    audio = extract_audio(probe(media), 0)
    script = script_from_lines(lines)
    started = time.perf_counter()
    raw = align_script(WhisperAligner(backend._model), audio, script, language)
    transcript = refine(raw, filters=None)
    seconds = time.perf_counter() - started
    words = [(w.word, w.start) for w in transcript.words or []]
    exact = "".join(w for w, _ in words) == script.text
    utterances = list(raw.voice.utterances or ()) if raw.voice else []
    before = [(w.word, w.start) for w in raw.words or []]
    return Aligned(before, raw, words, "100%" if exact else "DIFFERENT", seconds, audio, utterances)


def transcribed(media: Path, language: str | None) -> tuple[list[tuple[str, float]], float]:
    from captioner.api import transcribe

    started = time.perf_counter()
    transcript = transcribe(media, language=language, cache=False)
    return [(w.word, w.start) for w in transcript.words or []], time.perf_counter() - started


def aeneas_segments(python: str | None, media: Path, lines: list[str], language: str) -> list[float] | None:
    """aeneas' fragment starts for the script's lines (None when it cannot run)."""
    if not python:
        return None
    codes = {"en": "eng", "de": "deu", "it": "ita", "pt": "por", "ja": "jpn"}
    with tempfile.TemporaryDirectory() as tmp:
        text, out = Path(tmp, "s.txt"), Path(tmp, "map.json")
        text.write_text("\n".join(lines), "utf-8")
        config = f"task_language={codes.get(language, 'eng')}|is_text_type=plain|os_task_file_format=json"
        run = subprocess.run(
            [python, "-m", "aeneas.tools.execute_task", str(media), str(text), config, str(out)],
            capture_output=True,
            text=True,
        )
        if run.returncode != 0 or not out.exists():
            return None
        return [float(f["begin"]) for f in json.loads(out.read_text("utf-8"))["fragments"]]


def detail(timing: dict, result: Aligned, heard: list[tuple[str, float]]) -> None:
    """Under an item's line: the bias and the outliers of the raw alignment, the written one and
    the transcription (see benchmarks/_align_detail.py)."""
    cuts = window_cuts(result.audio)
    for label, words in (("align raw", result.raw), ("align", result.words), ("transcribe", heard)):
        ref, found = scored(timing, words)
        errs = signed(found, [r["start"] for r in ref])
        print("\n".join(describe(label, errs, ref, found, result.utterances, cuts)))
    ref, found = scored(timing, result.words)
    if timing["granularity"] != "word" and result.utterances:  # is the reference at the speech's onsets?
        onsets = [a for a, _ in result.utterances]
        gaps = [min(onsets, key=lambda a: abs(a - r["start"])) - r["start"] for r in ref]
        print(f"    the nearest VAD utterance onset to each reference start: median {statistics.median(gaps):+.3f} s")
    _, both = scored(timing, heard)  # the units the transcription found: fillers it skips are not among them
    common = [s - r["start"] for s, t, r in zip(found, both, ref) if s is not None and t is not None]
    print(f"    align on the units the transcription found: {figures(common, 0.95)} ({len(common)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--items", default=",".join(WORD_ITEMS + SEGMENT_ITEMS))
    parser.add_argument("--aeneas", help="a Python with aeneas installed (aeneas-ng; needs espeak)")
    parser.add_argument("--detail", action="store_true", help="each item's bias and outliers, tagged by place")
    parser.add_argument("--keep", type=Path, help="write each item's aligned transcript before the retiming here")
    args = parser.parse_args()
    from captioner.transcription.local.engine import LocalBackend

    backend = LocalBackend()
    if not args.aeneas:
        print("aeneas: skipped (give --aeneas PYTHON where aeneas-ng and espeak are installed)")
    print("word items: |start error| median/p95 and bias (signed median, - is early); segment items: segment starts")
    print(f"{'item':32} {'kind':8} {'align med/p95 bias':>22} {'transcribe med/p95 bias':>24} {'aeneas med':>11} words")
    speeds: dict[str, float] = {}
    for item in args.items.split(","):
        timing = json.loads((args.corpus / "timing" / f"{item}.json").read_text("utf-8"))
        media = media_of(args.corpus, item)
        language = item.split("_")[0]
        lines = [seg["text"] for seg in timing["segments"]]
        result = aligned(backend, media, lines, language)
        heard, transcribe_seconds = transcribed(media, language)
        if item == LONG_ITEM:
            speeds = {"align": result.seconds, "transcribe": transcribe_seconds}
        ours, theirs = errors(timing, result.words), errors(timing, heard)
        kind, anchor = timing["granularity"], "-"
        if kind != "word":
            begins = aeneas_segments(args.aeneas, media, lines, language)
            if begins is not None:
                anchor = f"{statistics.median(abs(b - s['start']) for b, s in zip(begins, timing['segments'])):.3f}"
        a, t = figures(ours, 0.95), figures(theirs, 0.95)
        print(
            f"{item:32} {kind:8} {a:>22} {t:>24} {anchor:>11} {result.exact} ({len(ours)}/{len(theirs)} scored)",
            flush=True,
        )
        if args.detail:
            detail(timing, result, heard)
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / f"{item}.json").write_text(result.transcript.to_json(), "utf-8")
    if speeds:
        print(
            f"speed, {LONG_ITEM} (3.7 min): align {speeds['align']:.1f} s, transcribe {speeds['transcribe']:.1f} s "
            f"(ratio {speeds['align'] / speeds['transcribe']:.2f})"
        )


if __name__ == "__main__":
    main()
