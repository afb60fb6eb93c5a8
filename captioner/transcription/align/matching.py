"""Where each script word is in the audio, roughly: the script matched to a fast transcription.

A greedy transcription of the speech (the words heard, each with a time estimated within its
Whisper segment) is matched to the script word by word (difflib's longest matching blocks, on
words normalised to their letters).  A script word then is

- ``matched``: the same word was heard; it takes that word's time;
- ``replaced``: heard as something else (a number written as digits, a misheard name); it takes
  a time spread over what was heard in its place;
- ``absent``: nothing was heard in its place (the audio lacks it, or Whisper skipped it).

Heard words with no script words in their place are speech the script lacks.  Pure functions.
"""

from __future__ import annotations

import bisect
import difflib
import unicodedata
from dataclasses import dataclass

MATCHED, REPLACED, ABSENT = "matched", "replaced", "absent"
UNSCRIPTED_MIN_WORDS = 3  # fewer heard words without a script word are noise, a filler, a repeat


@dataclass(frozen=True)
class Heard:
    """A word of the fast transcription: its text, estimated time and its Whisper segment's index."""

    word: str
    time: float
    segment: int


@dataclass(frozen=True)
class Placed:
    """A script word's rough place: ``status`` (see the module), ``time`` estimated, ``segment``
    the heard segment it falls in (-1: none, for an absent word)."""

    status: str
    time: float
    segment: int


@dataclass(frozen=True)
class Matching:
    placed: list[Placed]
    unscripted: list[tuple[float, float]]  # heard speech with no script words, as time ranges
    matched: int  # script words matched


def normalise(word: str) -> str:
    """A word's letters and digits, case-folded (punctuation, apostrophes and marks dropped)."""
    text = unicodedata.normalize("NFKC", word).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def match(script: list[str], heard: list[Heard]) -> Matching:
    """Place every script word (see the module) by matching it to the heard words."""
    a = [normalise(w) for w in script]
    b = [normalise(h.word) for h in heard]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    placed: list[Placed | None] = [None] * len(script)
    unscripted: list[tuple[float, float]] = []
    matched = 0
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                h = heard[j1 + k]
                placed[i1 + k] = Placed(MATCHED, h.time, h.segment)
            matched += i2 - i1
        elif op == "replace":
            for k in range(i2 - i1):  # spread over the heard words in their place
                h = heard[j1 + (k * (j2 - j1)) // (i2 - i1)]
                placed[i1 + k] = Placed(REPLACED, h.time, h.segment)
            if j2 - j1 >= (i2 - i1) + 2 * UNSCRIPTED_MIN_WORDS:
                unscripted.append((heard[j1 + (i2 - i1)].time, heard[j2 - 1].time))
        elif op == "insert" and j2 - j1 >= UNSCRIPTED_MIN_WORDS:
            unscripted.append((heard[j1].time, heard[j2 - 1].time))
    return Matching(_absent_times(placed), unscripted, matched)


def _absent_times(placed: list[Placed | None]) -> list[Placed]:
    """Absent words' times interpolated between the placed words around them."""
    known = [k for k, p in enumerate(placed) if p is not None]
    out: list[Placed] = []
    for k, p in enumerate(placed):
        if p is not None:
            out.append(p)
            continue
        at = bisect.bisect_left(known, k)
        before = known[at - 1] if at > 0 else None
        after = known[at] if at < len(known) else None
        times = [placed[i].time for i in (before, after) if i is not None]  # type: ignore[union-attr]
        if before is not None and after is not None:
            time = times[0] + (times[1] - times[0]) * (k - before) / (after - before)
        else:
            time = times[0] if times else 0.0
        out.append(Placed(ABSENT, time, -1))
    return out


def heard_words(segments: list[tuple[float, float, list[str]]]) -> list[Heard]:
    """The heard segments' (start, end, words) as words timed by their place in the segment's
    characters (Whisper's segments are timed, its greedy words are not)."""
    out: list[Heard] = []
    for index, (start, end, words) in enumerate(segments):
        total = sum(len(w) for w in words) or 1
        done = 0
        for w in words:
            out.append(Heard(w, start + (end - start) * (done + len(w) / 2) / total, index))
            done += len(w)
    return out
