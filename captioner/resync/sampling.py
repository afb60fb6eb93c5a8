"""Listening to a long media file in stretches: the words resync times captions by, without
transcribing the whole file.

Transcribing an hour takes minutes on two cores; the fit needs far less.  A rate and an offset are
pinned by a few dozen anchors spread over the file, so :func:`listen` hears a :data:`WINDOW` every
:data:`SPACING` seconds (an hour: 16 windows, about 5 minutes of audio), fits, and then only where the
fit puts a split (material cut or inserted somewhere between two stretches heard) hears more: the
middle of the bracket between the split's last anchor before it and first anchor after it, halving
it, until the bracket is short enough to hear whole (:data:`CLOSE`).  Media up to
:data:`WHOLE_BELOW` long is heard whole, as before.  A cut and an insertion of the same length
between two stretches heard cancel out and go unnoticed; the cues between them keep the offset
around them.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from captioner.resync.anchors import Heard, match
from captioner.resync.fit import TOLERANCE, Anchor, Fit, fit

Hear = Callable[[float, float], list[Heard]]  # the words heard in [start, end) s of the media, in media time

WHOLE_BELOW = 600.0  # s: shorter media is transcribed whole
WINDOW = 20.0  # s heard at a time
SPACING = 240.0  # s between the starts of the first round's windows
CLOSE = 45.0  # s: a split's bracket this short is heard whole
EDGE = 0.3  # s: words this close to a window's edge may be cut off there, and are dropped
MAX_ROUNDS = 8  # of halving brackets: 240 s to under CLOSE takes 3


@dataclass(frozen=True)
class Listened:
    words: list[Heard]  # in media order
    spans: list[tuple[float, float]] | None  # the stretches of the media heard (s); None: all of it


def listen(cues: Sequence[tuple[float, float, str]], duration: float, hear: Hear) -> Listened:
    """The words heard in the media: all of them for media up to :data:`WHOLE_BELOW` long, else
    those of the stretches the fit of ``cues`` needs (see the module)."""
    if duration <= WHOLE_BELOW:
        return Listened(hear(0.0, duration), None)
    heard: list[Heard] = []
    covered: list[tuple[float, float]] = []

    def take(start: float, end: float) -> None:
        start, end = max(0.0, start), min(duration, end)
        if end - start < 1.0 or _covered(covered, start, end):
            return
        words = hear(start, end)
        low = start + EDGE if start > 0 else start
        high = end - EDGE if end < duration else end
        heard.extend(w for w in words if w.start >= low and w.end <= high)
        covered.append((start, end))

    count = max(2, round(duration / SPACING) + 1)
    for k in range(count):
        first = k * (duration - WINDOW) / (count - 1)
        take(first, first + WINDOW)
    for _ in range(MAX_ROUNDS):
        heard.sort(key=lambda w: w.start)
        brackets = [b for b in _split_brackets(cues, heard, covered) if not _covered(covered, *b)]
        if not brackets:
            break
        for low, high in brackets:
            gaps = _uncovered(covered, low, high)
            if sum(b - a for a, b in gaps) <= CLOSE:
                for a, b in gaps:
                    take(a - EDGE, b + EDGE)
            else:
                a, b = max(gaps, key=lambda g: g[1] - g[0])
                middle = (a + b) / 2
                take(middle - WINDOW / 2, middle + WINDOW / 2)
    heard.sort(key=lambda w: w.start)
    return Listened(heard, sorted(covered))


def _uncovered(covered: list[tuple[float, float]], start: float, end: float) -> list[tuple[float, float]]:
    """The parts of [start, end] not heard yet."""
    gaps, cursor = [], start
    for a, b in sorted(covered):
        if a > cursor:
            gaps.append((cursor, min(a, end)))
        cursor = max(cursor, b)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return [(a, b) for a, b in gaps if b - a > 1e-6]


def _covered(covered: list[tuple[float, float]], start: float, end: float) -> bool:
    """Whether [start, end] lies within the stretches heard (joined where they touch)."""
    cursor = start
    for a, b in sorted(covered):
        if a > cursor + 1e-6:
            break
        cursor = max(cursor, b)
    return cursor >= end - 1e-6


def _split_brackets(
    cues: Sequence[tuple[float, float, str]], heard: list[Heard], covered: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """For each split of the fit to what was heard so far: the media times of its last agreeing
    anchor before it and first after it (where the words that place the split are)."""
    matched = match(cues, heard, covered).anchors if heard else []
    found = fit(matched) if matched else None
    if found is None or len(found.pieces) < 2:
        return []
    anchors = sorted(_agreeing(matched, found), key=lambda a: a.caption)
    since = [p.since for p in found.pieces]
    brackets = []
    for piece in range(1, len(found.pieces)):
        before = [a for a in anchors if _piece_of(since, a.caption) == piece - 1]
        after = [a for a in anchors if _piece_of(since, a.caption) == piece]
        if before and after and after[0].media > before[-1].media:
            brackets.append((before[-1].media, after[0].media))
    return brackets


def _agreeing(anchors: list[Anchor], found: Fit) -> list[Anchor]:
    return [a for a in anchors if abs(found.at(a.caption) - a.media) <= TOLERANCE]


def _piece_of(since: list[float], t: float) -> int:
    return max(0, bisect.bisect_right(since, t) - 1)
