"""Cue start times of the transcription path against the corpus' word timings, per item, side by side.

    python benchmarks/cue_starts.py [--corpus DIR] [--cache DIR] [--source NAME=DIR ...] [--only ID ...]

For every corpus item with word timings (``timing/*.json`` of granularity "word": the MFA and
Picovoice items), captioner captions the media as a user would (``python -m captioner``, one call
per checkout, the transcript cache in ``--cache`` shared, so every checkout formats the same
transcripts), and each cue whose first word the scorer (``tools/caption_score.py``) aligns to a
reference word is measured: |cue start - that word's start|.  Printed per item: the mean and the
largest error and the signed mean (+ late), one column group per checkout (``--source NAME=DIR``:
e.g. main's code exported with ``git archive``; this checkout is always there, as "this"), then the
corpus mean (the mean of the items' means, as ``benchmarks/accuracy.py`` reports it).

Other benchmarks call :func:`measure` and :func:`print_table` (or :func:`score_starts` on captions of
their own) to print these figures beside theirs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "captioner-bench-transcripts"


@dataclass(frozen=True)
class ItemStarts:
    """One item's cue start errors (seconds; signed: + the cue starts after the reference word)."""

    errors: tuple[float, ...]

    @property
    def mean(self) -> float | None:
        return statistics.fmean(abs(e) for e in self.errors) if self.errors else None

    @property
    def worst(self) -> float | None:
        return max(abs(e) for e in self.errors) if self.errors else None

    @property
    def signed(self) -> float | None:
        return statistics.fmean(self.errors) if self.errors else None


def load_scorer(corpus: Path) -> ModuleType:
    path = corpus.parent / "tools" / "caption_score.py"
    spec = importlib.util.spec_from_file_location("caption_score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["caption_score"] = module  # its dataclasses look the module up here
    spec.loader.exec_module(module)
    return module


def timed_items(corpus: Path, only: list[str] | None = None) -> list[dict]:
    """The corpus items with word timings."""
    items = json.loads((corpus / "manifest.json").read_text("utf-8"))["items"]
    return [
        i
        for i in items
        if i.get("timing_granularity") == "word" and i.get("timing_file") and (not only or i["id"] in only)
    ]


def reference_words(corpus: Path, item: dict) -> list[dict]:
    return json.loads((corpus / item["timing_file"]).read_text("utf-8"))["words"]


def score_starts(scorer: ModuleType, srt_text: str, ref_words: list[dict]) -> ItemStarts:
    """The signed start error of every cue of ``srt_text`` whose first word the scorer aligns to one
    of ``ref_words`` (its difflib alignment, as ``caption_score.py --ref-timings`` does)."""
    cues = scorer.parse_srt(srt_text, [])
    for cue in cues:
        cue.lines = scorer.plain_lines(cue.raw_lines)
    ref = [(tok, float(w["start"])) for w in ref_words for tok in scorer.normalise_text(str(w["word"])).split()]
    hyp: list[str] = []
    firsts: list[tuple[int, float]] = []  # (index of the cue's first token, cue start)
    previous = None
    for cue in cues:
        if not cue.lines or cue.text == previous:
            continue
        previous = cue.text
        tokens = scorer.normalise_text(cue.text).split()
        if tokens:
            firsts.append((len(hyp), cue.start_ms / 1000))
            hyp.extend(tokens)
    import difflib

    matcher = difflib.SequenceMatcher(a=hyp, b=[t for t, _ in ref], autojunk=False)
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            mapping.update((i1 + k, j1 + k) for k in range(i2 - i1))
    return ItemStarts(tuple(round(start - ref[mapping[i]][1], 3) for i, start in firsts if i in mapping))


def caption(source: Path, items: list[dict], corpus: Path, cache: Path, out: Path) -> None:
    """Caption the items with the checkout at ``source`` (one call, the transcript cache shared)."""
    media = out / "media"
    media.mkdir(parents=True, exist_ok=True)
    for item in items:
        if not (media / item["file"]).exists():
            shutil.copyfile(corpus / item["file"], media / item["file"])
    env = {**os.environ, "PYTHONPATH": str(source), "CAPTIONER_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "captioner", str(media), "-o", str(out), "-f", "srt", "--overwrite", "-q"]
    # from the checkout's own folder: ``python -m`` puts the working directory before PYTHONPATH
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=source)
    if proc.returncode != 0:
        raise SystemExit(f"captioner ({source}) failed:\n{proc.stderr[-2000:]}")


def measure(
    sources: dict[str, Path], corpus: Path = DEFAULT_CORPUS, cache: Path = DEFAULT_CACHE, only: list[str] | None = None
) -> dict[str, dict[str, ItemStarts]]:
    """Each checkout's cue start errors per timed item: {name: {item id: ItemStarts}}."""
    scorer = load_scorer(corpus)
    items = timed_items(corpus, only)
    results: dict[str, dict[str, ItemStarts]] = {}
    with tempfile.TemporaryDirectory(prefix="captioner-cue-starts-") as tmp:
        for name, source in sources.items():
            out = Path(tmp) / name
            caption(source, items, corpus, cache, out)
            results[name] = {
                item["id"]: score_starts(
                    scorer,
                    (out / f"{Path(item['file']).stem}.srt").read_text("utf-8"),
                    reference_words(corpus, item),
                )
                for item in items
            }
    return results


def corpus_mean(per_item: dict[str, ItemStarts]) -> float | None:
    means = [s.mean for s in per_item.values() if s.mean is not None]
    return statistics.fmean(means) if means else None


def _cell(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def print_table(results: dict[str, dict[str, ItemStarts]], file=None) -> None:  # type: ignore[no-untyped-def]
    """Per item, for each checkout: cues measured, mean |error|, largest |error|, signed mean; then
    the corpus mean and the worst item."""
    names = list(results)
    items = list(next(iter(results.values()), {}))
    print("cue start error against the reference words (s; signed: + late)", file=file)
    head = f"{'item':28}" + "".join(f" | {n[:12]:>12}  n   mean    max  signed" for n in names)
    print(head, file=file)
    for item in items:
        row = f"{item[:28]:28}"
        for name in names:
            s = results[name][item]
            row += f" | {'':12} {len(s.errors):2} {_cell(s.mean):>6} {_cell(s.worst):>6} {_cell(s.signed, True):>7}"
        print(row, file=file)
    for name in names:
        means = {k: v.mean for k, v in results[name].items() if v.mean is not None}
        worst = max(means, key=lambda k: means[k], default=None)
        print(
            f"{name}: corpus mean {_cell(corpus_mean(results[name]))} s over {len(means)} items; "
            f"worst item {worst} {_cell(means.get(worst) if worst else None)} s",
            file=file,
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="transcript cache shared by the checkouts")
    ap.add_argument("--source", action="append", default=[], help="NAME=DIR: another checkout's code beside this one")
    ap.add_argument("--only", nargs="*")
    args = ap.parse_args(argv)
    sources: dict[str, Path] = {}
    for spec in args.source:
        name, _, folder = spec.partition("=")
        sources[name] = Path(folder).resolve()
    sources["this"] = ROOT
    print_table(measure(sources, args.corpus, args.cache, args.only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
