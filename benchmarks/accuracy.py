"""Accuracy and trust: captioner against a plain faster-whisper run on the developer corpus.

    python benchmarks/accuracy.py [--corpus DIR] [--cache DIR] [--only ID ...] [--vad-compare] [--repeats 5]

For every speech item of the corpus manifest with a reference text: WER (CER for Japanese) of
captioner's captions and of a plain faster-whisper run with the same model and beam size (its
segments as cues, as ``benchmarks/plain_faster_whisper.py`` writes them), per item and per
language; cue counts on the non-speech items; cue start/end errors against the forced-aligned
word timings in ``corpus/timing`` (scored by ``tools/caption_score.py`` with ``--ref-timings``).
``--vad-compare`` also runs captioner with faster-whisper's VAD filter (wall time and WER side by side).
Transcripts are cached in ``--cache`` (a temp folder by default) so filters can be iterated on.
Where Whisper falls back to sampling (temperature > 0, short disfluent clips) its words change from
run to run, on both sides alike (even with a fixed seed), so there both sides are run
``--repeats`` times and their mean WER is compared.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from captioner.captions.segmentation import segment  # noqa: E402
from captioner.core.transcript import Transcript  # noqa: E402
from captioner.media.audio import extract_audio  # noqa: E402
from captioner.media.probe import probe  # noqa: E402
from captioner.output.writers import render  # noqa: E402
from captioner.refine.refine import refine  # noqa: E402
from captioner.refine.speech import detect_speech, find_holes  # noqa: E402
from captioner.run.settings import Settings  # noqa: E402
from captioner.transcription.base import TranscribeOptions  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "captioner-accuracy-cache"
CER_LANGUAGES = {"ja", "zh"}
LONG_ITEM_SECONDS = 30.0  # items at least this long get the hole report


def load_scorer(corpus: Path):
    path = corpus.parent / "tools" / "caption_score.py"
    spec = importlib.util.spec_from_file_location("caption_score", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["caption_score"] = module
    spec.loader.exec_module(module)
    return module


class Runner:
    def __init__(self, cache: Path) -> None:
        self.cache = cache
        cache.mkdir(parents=True, exist_ok=True)
        self._backend = None

    @property
    def backend(self):
        if self._backend is None:
            from captioner.transcription.local.engine import LocalBackend

            self._backend = LocalBackend()
        return self._backend

    def captioner(self, item: dict, path: Path, audio, vad: bool, repeat: int = 0) -> Transcript:
        cached = self.cache / f"{item['id']}.{'vad' if vad else 'novad'}{f'.r{repeat}' if repeat else ''}.json"
        if cached.exists():
            return Transcript.from_json(cached.read_text("utf-8"))
        started = time.perf_counter()
        tr = self.backend.transcribe(audio, TranscribeOptions(vad=vad))
        tr.meta["wall_seconds"] = round(time.perf_counter() - started, 2)
        cached.write_text(tr.to_json(), "utf-8")
        return tr

    def plain(self, item: dict, path: Path, repeat: int = 0) -> dict:
        """The plain script's call on the file, its segments as cues."""
        cached = self.cache / f"{item['id']}.plain{f'.r{repeat}' if repeat else ''}.json"
        if cached.exists():
            return json.loads(cached.read_text("utf-8"))
        started = time.perf_counter()
        segments, _ = self.backend._model.transcribe(str(path), beam_size=5, word_timestamps=True)
        segments = list(segments)
        cues = [(s.start, s.end, s.text.strip()) for s in segments]
        out = {
            "cues": cues,
            "temperatures": [s.temperature for s in segments],
            "wall_seconds": round(time.perf_counter() - started, 2),
        }
        cached.write_text(json.dumps(out), "utf-8")
        return out


def srt_of(cues: list[tuple[float, float, str]]) -> str:
    from captioner.core.cues import Cue

    return render("srt", [Cue(a, b, (t,)) for a, b, t in cues if t], None)


def score(scorer, srt_text: str, item: dict, ref_words: list[dict] | None, work: Path, name: str) -> dict:
    path = work / f"{item['id']}.{name}.srt"
    path.write_text(srt_text, "utf-8")
    rules = scorer.Rules()
    result = scorer.score_file(str(path), rules, item.get("reference_text"), ref_words)
    if item.get("language") in CER_LANGUAGES and result.get("wer") and item.get("reference_text"):
        # CJK is written without spaces: the scorer joins cue lines with one, which would count
        # every line and cue break as an inserted character; the CER here ignores spaces
        import jiwer

        cues = scorer.parse_srt(srt_text, [])
        for c in cues:
            c.lines = scorer.plain_lines(c.raw_lines)
        hyp = "".join(scorer.normalise_text(scorer.hypothesis_text(cues)[0]).split())
        ref = "".join(scorer.normalise_text(item["reference_text"]).split())
        result["wer"]["cer"] = round(jiwer.cer(ref, hyp), 4)
    return result


def ref_word_timings(corpus: Path, item: dict) -> list[dict] | None:
    if item.get("timing_granularity") != "word" or not item.get("timing_file"):
        return None
    data = json.loads((corpus / item["timing_file"]).read_text("utf-8"))
    return data.get("words") or None


def sampled(transcript: Transcript) -> bool:
    """Whether Whisper fell back to sampling (temperature > 0) on some window: such decodes
    differ from run to run, on both sides, so one run of each says little."""
    return any((s.temperature or 0.0) > 0 for s in transcript.segments)


def average_repeats(row, item, repeats, scorer, work, runner, path, audio, settings, variant) -> None:
    """Replace the WER (CER) of both sides by its mean over ``repeats`` runs each."""
    metric = "cer" if item.get("language") in CER_LANGUAGES else "wer"
    plain = [row["plain"]["wer"][metric]]
    ours = [row[variant]["wer"][metric]]
    for r in range(1, repeats):
        cues = runner.plain(item, path, repeat=r)["cues"]
        plain.append(score(scorer, srt_of(cues), item, None, work, f"plain.r{r}")["wer"][metric])
        raw = runner.captioner(item, path, audio, vad=variant == "vad", repeat=r)
        tr = refine(raw, audio, filters=settings.filters, retime_words=settings.retime)
        srt = render("srt", segment(tr, settings.style), tr)
        ours.append(score(scorer, srt, item, None, work, f"{variant}.r{r}")["wer"][metric])
    row["plain"]["wer"][metric] = sum(plain) / len(plain)
    row[variant]["wer"][metric] = sum(ours) / len(ours)
    row["repeats"] = {"plain": plain, variant: ours}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--vad-compare", action="store_true", help="also run with the VAD filter")
    ap.add_argument("--no-refine", action="store_true", help="captioner without filters and retiming")
    ap.add_argument(
        "--repeats",
        type=int,
        default=5,
        help="runs of each side averaged on items whose decoding sampled (temperature fallback)",
    )
    args = ap.parse_args(argv)

    scorer = load_scorer(args.corpus)
    items = json.loads((args.corpus / "manifest.json").read_text("utf-8"))["items"]
    items = [
        i
        for i in items
        if ((i["kind"] == "speech" and i.get("reference_text")) or i["kind"] == "nonspeech")
        and (not args.only or i["id"] in args.only)
    ]
    runner = Runner(args.cache)
    work = Path(tempfile.mkdtemp(prefix="captioner-accuracy-"))
    settings = Settings()
    if args.no_refine:
        settings = replace(settings, filters=None, retime=False)
    variants = ["novad", "vad"] if args.vad_compare else ["novad"]
    rows = []
    for item in items:
        path = args.corpus / item["file"]
        audio = extract_audio(probe(path))
        ref_words = ref_word_timings(args.corpus, item)
        plain = runner.plain(item, path)
        row = {"item": item, "plain": score(scorer, srt_of(plain["cues"]), item, ref_words, work, "plain")}
        row["plain_wall"] = plain["wall_seconds"]
        for variant in variants:
            raw = runner.captioner(item, path, audio, vad=variant == "vad")
            tr = refine(raw, audio, filters=settings.filters, retime_words=settings.retime)
            cues = segment(tr, settings.style)
            row[variant] = score(scorer, render("srt", cues, tr), item, ref_words, work, variant)
            if ref_words and variant == variants[0]:  # cue times at the words: no linger, no reading-speed stretch
                tight = segment(tr, replace(settings.style, linger=0.0, target_cps=1000.0, min_duration=0.0))
                row["words"] = score(scorer, render("srt", tight, tr), item, ref_words, work, "words")
            if variant == variants[0] and item.get("duration_s", 0) >= LONG_ITEM_SECONDS:
                holes = find_holes(tr.words or [], detect_speech(audio), min_length=0.0, margin=0.0)
                row["holes"] = {
                    "longest_hole": max((b - a for a, b in holes), default=0.0),
                    "longest_cue": max((c.end - c.start for c in cues), default=0.0),
                    "speech": tr.meta.get("speech_seconds"),
                }
            row[f"{variant}_wall"] = raw.meta.get("wall_seconds")
            row[f"{variant}_meta"] = tr.meta
            noisy = sampled(raw) or any(plain.get("temperatures", [1]))
            if variant == variants[0] and args.repeats > 1 and item["kind"] == "speech" and noisy:
                average_repeats(row, item, args.repeats, scorer, work, runner, path, audio, settings, variant)
        rows.append(row)
        print(f"done {item['id']}", file=sys.stderr, flush=True)
    report(rows, variants)
    print(f"\nsrt files in {work}")
    return 0


def report(rows: list[dict], variants: list[str]) -> None:
    name = {"novad": "captioner", "vad": "capt. +VAD"}
    head = f"{'item':38} {'lang':4} {'dur s':>6} {'plain':>7} " + " ".join(f"{name[v]:>12}" for v in variants)
    print("WER per item (CER for ja); non-speech: cue count")
    print(head)
    per_lang: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
    walls = defaultdict(float)
    timing = defaultdict(lambda: {"start": [], "end": [], "start_signed": [], "end_signed": []})
    nonspeech = []
    for row in rows:
        item = row["item"]
        lang = item.get("language")
        for key in ("plain", *variants):
            walls[key] += row.get(f"{key}_wall") or 0.0
        if item["kind"] == "nonspeech":
            counts = [row["plain"]["cue_count"]] + [row[v]["cue_count"] for v in variants]
            nonspeech.append((item["id"], counts))
            continue
        cells = []
        for key in ("plain", *variants):
            w = row[key]["wer"]
            metric = "cer" if lang in CER_LANGUAGES else "wer"
            value = w[metric]
            cells.append(value)
            if metric == "cer":
                ref_len = len(item["reference_text"].replace(" ", ""))
                per_lang[lang][key][0] += value * ref_len
                per_lang[lang][key][1] += ref_len
            else:
                per_lang[lang][key][0] += value * w["ref_words"]
                per_lang[lang][key][1] += w["ref_words"]
            t = row[key].get("timing")
            if t and t["start_abs_error_s"].get("mean") is not None:
                timing[key]["start"].append(t["start_abs_error_s"]["mean"])
                timing[key]["end"].append(t["end_abs_error_s"]["mean"])
                timing[key]["start_signed"].append(t["start_abs_error_s"]["signed_mean"])
                timing[key]["end_signed"].append(t["end_abs_error_s"]["signed_mean"])
        print(
            f"{item['id'][:38]:38} {lang:4} {item['duration_s']:6.1f} "
            + " ".join(f"{c:>{7 if k == 0 else 12}.3f}" for k, c in enumerate(cells))
            + (f"  (mean of {len(row['repeats']['plain'])} runs each: sampled)" if "repeats" in row else "")
        )
    print("\nper language (WER; CER for ja), weighted by reference length")
    print(f"{'lang':6} " + f"{'plain':>7} " + " ".join(f"{name[v]:>12}" for v in variants))
    totals = defaultdict(lambda: [0.0, 0])
    for lang in sorted(per_lang):
        cells = []
        for key in ("plain", *variants):
            e, n = per_lang[lang][key]
            cells.append(e / n if n else float("nan"))
            if lang not in CER_LANGUAGES:
                totals[key][0] += e
                totals[key][1] += n
        print(f"{lang:6} " + " ".join(f"{c:>{7 if k == 0 else 12}.3f}" for k, c in enumerate(cells)))
    print(
        f"{'all*':6} "
        + " ".join(
            f"{totals[k][0] / max(totals[k][1], 1):>{7 if i == 0 else 12}.3f}"
            for i, k in enumerate(("plain", *variants))
        )
        + "   (*word-level languages)"
    )
    print("\nnon-speech items: cues written")
    for ident, counts in nonspeech:
        print(f"{ident:38} " + " ".join(f"{c:>{7 if k == 0 else 12}}" for k, c in enumerate(counts)))
    print("\ncue timing vs forced-aligned words (mean over items of mean |error|, s; signed: + late)")
    for row in rows:
        t = row.get("words", {}).get("timing")
        if t and t["start_abs_error_s"].get("mean") is not None:
            for k in ("start", "end"):
                timing["words"][k].append(t[f"{k}_abs_error_s"]["mean"])
                timing["words"][f"{k}_signed"].append(t[f"{k}_abs_error_s"]["signed_mean"])
    name["words"] = "capt. at words"
    for key in ("plain", *variants, "words"):
        t = timing[key]
        if t["start"]:
            n = len(t["start"])
            print(
                f"{(name.get(key) or key):14} start {sum(t['start']) / n:.3f} "
                f"(signed {sum(t['start_signed']) / n:+.3f})"
                f"  end {sum(t['end']) / n:.3f} (signed {sum(t['end_signed']) / n:+.3f})  items {n}"
            )
    print(f"\nlong items (>= {LONG_ITEM_SECONDS:.0f} s): longest stretch of VAD speech with no word, longest cue (s)")
    for row in rows:
        if "holes" in row:
            h = row["holes"]
            print(
                f"{row['item']['id'][:38]:38} speech {h['speech'] or 0:7.1f}  longest hole {h['longest_hole']:5.2f}"
                f"  longest cue {h['longest_cue']:5.2f}"
            )
    print("\nwall time of transcription, all items (s): " + ", ".join(f"{k} {v:.1f}" for k, v in walls.items()))


if __name__ == "__main__":
    sys.exit(main())
