"""--vocabulary on the developer corpus: names and terms the embedded model misspells, given to it.

    python benchmarks/vocabulary.py [--corpus DIR] [--cache DIR] [--find] [--only ID ...]

Every speech item with a reference is transcribed three times through the API, as ``captioner
FILE`` and ``captioner FILE --vocabulary names.txt`` would: without a vocabulary, with
:data:`VOCABULARY` as a list without a language (given to every file), and with it as an English
list (``# language: en`` first line: given only to the speech the engine hears as English).  One
list for the whole corpus, as a project's ``captioner.toml`` gives one file for every media file.
The terms were picked from a run without it (``--find`` lists, per
item, the reference's capitalised or long words the transcript lacks): names and terms the model
misspells in the long readings.  Reported side by side, for the items whose references hold a
term and for all the others: WER (CER for Japanese) and the misspelt terms (a term's occurrences
in the reference minus those in the transcript, after normalising both).  Transcripts are cached
in ``--cache``, so a second run only formats.  The report splits "all the others" into the items
in the vocabulary's language and the rest, where the English list must change nothing.  Per
item it says how many windows sounded like a term (decoded again with the terms) and in how many
that decoding was kept; for the other items whose captions changed, whether any kept it: where
none did, the change is Whisper's sampling at a temperature fallback (the baseline of the other
English items moved 0.274 / 0.292 / 0.296 over three runs without a vocabulary).
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
VOCABULARY_LANGUAGE = "en"


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


def captions(captioner, path: Path, **options) -> tuple[str, int, int]:  # type: ignore[no-untyped-def]
    """The text of the captions ``captioner FILE`` would write, how many windows were decoded again
    with the terms (the speech sounded like one: see captioner's vocabulary_gate), and in how many
    of them that decoding was kept."""
    transcript = captioner.transcribe(path, **options)
    used = transcript.meta.get("vocabulary") or {}
    return (
        " ".join(cue.text for cue in captioner.make_cues(transcript)),
        used.get("near_misses", 0),
        used.get("taken", 0),
    )


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
        plain, _, _ = captions(captioner, path)
        if args.find:
            found = candidates(reference, plain)
            if found:
                print(f"{item['id']}: {', '.join(found)}", flush=True)
            continue
        anywhere, _, _ = captions(captioner, path, vocabulary=VOCABULARY)
        taught, near, taken = captions(captioner, path, vocabulary=VOCABULARY, vocabulary_language=VOCABULARY_LANGUAGE)
        terms = tuple(t for t in VOCABULARY if term_count(reference, t))
        rows.append(
            {
                "id": item["id"],
                "language": language,
                "group": 0 if terms else 1 if language == VOCABULARY_LANGUAGE else 2,
                "words": len(normalise(reference).split()),
                "terms": sum(term_count(reference, t) for t in terms),
                "plain": error_rate(reference, plain, language),
                "anywhere": error_rate(reference, anywhere, language),
                "taught": error_rate(reference, taught, language),
                "plain_miss": misspelt(reference, plain, terms),
                "anywhere_miss": misspelt(reference, anywhere, terms),
                "taught_miss": misspelt(reference, taught, terms),
                "same": taught == plain,
                "near": near,
                "taken": taken,
            }
        )
        r = rows[-1]
        print(
            f"{r['id']:<44} {language}  WER {r['plain']:.3f} -> {r['anywhere']:.3f} (no language)"
            f" -> {r['taught']:.3f} ({VOCABULARY_LANGUAGE})"
            + (
                f"  misspelt terms {r['plain_miss']}/{r['terms']} -> {r['anywhere_miss']} -> {r['taught_miss']}"
                if terms
                else ""
            )
            + (f"  ({near} windows decoded again with the terms, {taken} kept)" if near else ""),
            flush=True,
        )
    if args.find:
        return
    report(rows)


def report(rows: list[dict]) -> None:
    print(f"\nvocabulary ({len(VOCABULARY)} terms, {VOCABULARY_LANGUAGE}): {', '.join(VOCABULARY)}")
    head = f"{'items':<34} {'n':>3} {'words':>6} {'WER without':>12} {'no language':>12} {'with en':>8}"
    print(f"{head} {'misspelt without':>17} {'no language':>12} {'with en':>8}")
    labels = ("with a term in their reference", f"the others in {VOCABULARY_LANGUAGE}", "the others in other languages")
    for group_id, label in enumerate(labels):
        group = [r for r in rows if r["group"] == group_id]
        if not group:
            continue
        words = sum(r["words"] for r in group)
        rates = {k: sum(r[k] * r["words"] for r in group) / words for k in ("plain", "anywhere", "taught")}
        miss = Counter()
        for r in group:
            for k in ("plain", "anywhere", "taught"):
                miss[k] += r[f"{k}_miss"]
        terms = sum(r["terms"] for r in group)
        print(
            f"{label:<34} {len(group):>3} {words:>6} {rates['plain']:>12.3f} {rates['anywhere']:>12.3f} "
            f"{rates['taught']:>8.3f} {miss['plain']:>11}/{terms:<5} {miss['anywhere']:>7}/{terms:<4} "
            f"{miss['taught']:>3}/{terms}"
        )
    for key, label in (("anywhere", "no language"), ("taught", f"with {VOCABULARY_LANGUAGE}")):
        worse = [r["id"] for r in rows if r["group"] and r[key] > r["plain"] + 1e-9]
        print(f"other items made worse ({label}): {len(worse)}" + (f" ({', '.join(worse)})" if worse else ""))
    changed = [r for r in rows if r["group"] and not r["same"]]
    print(
        f"other items whose captions changed ({VOCABULARY_LANGUAGE}): {len(changed)}; of them with a window decoded "
        f"with the terms: {sum(1 for r in changed if r['near'])}, kept: {sum(1 for r in changed if r['taken'])} "
        "(where none was kept, every window's words came from the prompt of a run without a vocabulary: the "
        "change is Whisper's sampling at a temperature fallback, different on every run)"
    )
    foreign = [r for r in rows if r["group"] == 2]
    same = sum(r["same"] for r in foreign)
    print(
        f"items in other languages captioned word for word as without a vocabulary ({VOCABULARY_LANGUAGE}): "
        f"{same}/{len(foreign)}"
    )


if __name__ == "__main__":
    main()
