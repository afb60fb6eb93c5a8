"""--vocabulary on the developer corpus: names and terms the embedded model misspells, given to it.

    python benchmarks/vocabulary.py [--corpus DIR] [--cache DIR] [--find] [--only ID ...]

Every speech item with a reference is transcribed twice through the API, as ``captioner FILE``
and ``captioner FILE --vocabulary names.txt`` would: without a vocabulary, and with
:data:`VOCABULARY` (one list for the whole corpus, as a project's ``captioner.toml`` gives one
file for every media file).  The terms were picked from a run without it (``--find`` lists, per
item, the reference's capitalised or long words the transcript lacks): names and terms the model
misspells in the long readings.  Reported side by side, for the items whose references hold a
term and for all the others: WER (CER for Japanese) and the misspelt terms (a term's occurrences
in the reference minus those in the transcript, after normalising both).  Transcripts are cached
in ``--cache``, so a second run only formats.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _common import DEFAULT_CORPUS, manifest, normalise  # noqa: E402

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "captioner-vocabulary-cache"
CER_LANGUAGES = {"ja", "zh"}

# Picked with --find from a run without a vocabulary (see the module docstring).
VOCABULARY = (
    "Gutenberg",
    "Maintz",
    "Peter Schoeffer",
    "missal",
    "psalters",
    "letterpress",
    "niggarding",
    "churl",
)


def term_count(text: str, term: str) -> int:
    """Occurrences of ``term`` in ``text`` (both normalised), as whole words."""
    pattern = r"(?<!\w)" + re.escape(normalise(term)) + r"(?!\w)"
    return len(re.findall(pattern, normalise(text)))


def misspelt(reference: str, hypothesis: str, terms: tuple[str, ...]) -> int:
    """The reference's occurrences of ``terms`` the hypothesis does not have."""
    return sum(max(0, term_count(reference, t) - term_count(hypothesis, t)) for t in terms)


def error_rate(reference: str, hypothesis: str, language: str) -> float:
    import jiwer

    if language in CER_LANGUAGES:
        return jiwer.cer(normalise(reference).replace(" ", ""), normalise(hypothesis).replace(" ", ""))
    return jiwer.wer(normalise(reference), normalise(hypothesis))


def candidates(reference: str, hypothesis: str) -> list[str]:
    """Words of the reference the transcript lacks that look like names or terms: capitalised
    after the sentence's first word, or eight letters or more."""
    heard = set(normalise(hypothesis).split())
    out: list[str] = []
    for k, raw in enumerate(reference.split()):
        word = raw.strip("\"'.,;:!?()")
        if not word or normalise(word) in heard or word in out:
            continue
        capital = word[0].isupper() and k > 0 and not reference.split()[k - 1].endswith((".", "!", "?"))
        if capital or len(word) >= 8:
            out.append(word)
    return out


def captions(captioner, path: Path, **options) -> str:  # type: ignore[no-untyped-def]
    """The text of the captions ``captioner FILE`` would write."""
    return " ".join(cue.text for cue in captioner.make_cues(captioner.transcribe(path, **options)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--find", action="store_true", help="list candidate terms (no vocabulary run)")
    parser.add_argument("--only", nargs="*", help="item ids")
    args = parser.parse_args()
    os.environ["CAPTIONER_CACHE_DIR"] = str(args.cache)
    import captioner

    items = [
        it
        for it in manifest(args.corpus)
        if it["kind"] == "speech" and it.get("reference_text") and (not args.only or it["id"] in args.only)
    ]
    rows = []
    for item in items:
        path = args.corpus / item["file"]
        reference, language = item["reference_text"], item["language"]
        plain = captions(captioner, path)
        if args.find:
            found = candidates(reference, plain)
            if found:
                print(f"{item['id']}: {', '.join(found)}", flush=True)
            continue
        taught = captions(captioner, path, vocabulary=VOCABULARY)
        terms = tuple(t for t in VOCABULARY if term_count(reference, t))
        rows.append(
            {
                "id": item["id"],
                "language": language,
                "target": bool(terms),
                "words": len(normalise(reference).split()),
                "terms": sum(term_count(reference, t) for t in terms),
                "plain": error_rate(reference, plain, language),
                "taught": error_rate(reference, taught, language),
                "plain_miss": misspelt(reference, plain, terms),
                "taught_miss": misspelt(reference, taught, terms),
            }
        )
        r = rows[-1]
        print(
            f"{r['id']:<44} {language}  WER {r['plain']:.3f} -> {r['taught']:.3f}"
            + (f"  misspelt terms {r['plain_miss']}/{r['terms']} -> {r['taught_miss']}/{r['terms']}" if terms else ""),
            flush=True,
        )
    if args.find:
        return
    print(f"\nvocabulary ({len(VOCABULARY)} terms): {', '.join(VOCABULARY)}")
    head = f"{'items':<34} {'n':>3} {'words':>6} {'WER without':>12} {'WER with':>9}"
    print(f"{head} {'misspelt without':>17} {'with':>5}")
    for label, chosen in (("with a term in their reference", True), ("all the others", False)):
        group = [r for r in rows if r["target"] == chosen]
        if not group:
            continue
        words = sum(r["words"] for r in group)
        plain = sum(r["plain"] * r["words"] for r in group) / words  # word-weighted
        taught = sum(r["taught"] * r["words"] for r in group) / words
        miss = Counter()
        for r in group:
            miss["plain"] += r["plain_miss"]
            miss["taught"] += r["taught_miss"]
        terms = sum(r["terms"] for r in group)
        print(
            f"{label:<34} {len(group):>3} {words:>6} {plain:>12.3f} {taught:>9.3f} "
            f"{miss['plain']:>10}/{terms:<6} {miss['taught']:>5}/{terms}"
        )
    worse = [r["id"] for r in rows if not r["target"] and r["taught"] > r["plain"] + 1e-9]
    print(f"other items made worse: {len(worse)}" + (f" ({', '.join(worse)})" if worse else ""))


if __name__ == "__main__":
    main()
