"""Cue words paired with words heard in separate stretches of the media (long media, heard in
windows: see :mod:`captioner.resync.sampling`), where the captions say the same thing more than once.

One difflib pass over all the cue words against all the heard words takes its longest common run
first, at the first place the captions have it, and keeps every other pair in order around it: with
a chorus, an intro or a sentence that recurs, a window heard late in the media is paired with an
early occurrence and forces the windows after it out of place.  Here each stretch is matched on its
own: its 3-word shingles vote for the cue positions they occur at (the diagonal ``cue position -
heard position``), each run of votes is a candidate occurrence, paired word by word with difflib on
its own slice of the cues.  Then, for each candidate rate, the candidates are chained in media order
(caption positions increasing too) so that the offset ``media - rate * caption`` stays on a level,
a change of level costing :data:`STEP_COST` words: the chain pairing the most words wins.  Cue words'
caption times are spread evenly over their cue, close enough (a second or two) to tell one
occurrence from another.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from captioner.resync.fit import RATES

SHINGLE = 3  # words in a row that vote for where a stretch is in the cues
COMMON = 200  # a shingle the cues have more often than this votes for nothing ("one of the")
NEAR = 3  # diagonals this close are one occurrence (the model dropped or added a word or two)
MIN_VOTES = 2  # shingles a candidate occurrence needs
MARGIN = 8  # cue words either side of a candidate's slice
LEVEL = 2.0  # s: candidates whose offsets differ less are on one level
STEP_COST = 12.0  # words: what a change of level (a cut or an insertion) costs the chain


@dataclass(frozen=True)
class Candidate:
    """One occurrence in the cues of (part of) a stretch: its word pairs and their times."""

    pairs: dict[int, int]  # cue word position -> heard word position
    caption: np.ndarray  # the paired cue words' (spread) caption times
    media: np.ndarray  # the paired heard words' media times

    @property
    def cue_span(self) -> tuple[int, int]:
        return min(self.pairs), max(self.pairs)

    @property
    def heard_span(self) -> tuple[int, int]:
        return min(self.pairs.values()), max(self.pairs.values())


def pair_stretches(
    cue_words: Sequence[str],
    cue_times: Sequence[float],
    heard_words: Sequence[str],
    heard_times: Sequence[float],
    spans: Sequence[tuple[float, float]],
    min_run: int,
) -> dict[int, int]:
    """Cue word positions paired with heard word positions (``heard_times`` ascending), each stretch
    of ``spans`` matched on its own and one consistent occurrence chosen (see the module)."""
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i in range(len(cue_words) - SHINGLE + 1):
        index[tuple(cue_words[i : i + SHINGLE])].append(i)
    candidates: list[Candidate] = []
    for lo, hi in _stretches(heard_times, spans):
        for first, last, low, high in _occurrences(index, heard_words, lo, hi):
            found = _candidate(cue_words, cue_times, heard_words, heard_times, (first, last, low, high), min_run)
            if found is not None:
                candidates.append(found)
    candidates.sort(key=lambda c: c.heard_span)
    pairs: dict[int, int] = {}
    for k in _chain(candidates):
        pairs.update(candidates[k].pairs)
    return pairs


def _stretches(heard_times: Sequence[float], spans: Sequence[tuple[float, float]]) -> list[tuple[int, int]]:
    """The heard words of each stretch (spans joined where they touch or overlap), as [lo, hi) ranges."""
    joined: list[list[float]] = []
    for a, b in sorted(spans):
        if joined and a <= joined[-1][1] + 1e-6:
            joined[-1][1] = max(joined[-1][1], b)
        else:
            joined.append([a, b])
    bounds = np.searchsorted(np.asarray(heard_times, dtype=float), [b for _, b in joined], "right")
    ranges, lo = [], 0
    for hi in bounds:
        if hi > lo:
            ranges.append((lo, int(hi)))
        lo = max(lo, int(hi))
    if lo < len(heard_times):  # words past the last span (none when the spans are right)
        ranges.append((lo, len(heard_times)))
    return ranges


def _occurrences(
    index: dict[tuple[str, ...], list[int]], heard_words: Sequence[str], lo: int, hi: int
) -> list[tuple[int, int, int, int]]:
    """The candidate occurrences of heard words [lo, hi): each run of nearby diagonals with
    :data:`MIN_VOTES` shingles or more, as (first heard, last heard, lowest diagonal, highest)."""
    voters: dict[int, list[int]] = defaultdict(list)
    for j in range(lo, hi - SHINGLE + 1):
        places = index.get(tuple(heard_words[j : j + SHINGLE]), ())
        if len(places) <= COMMON:
            for i in places:
                voters[i - j].append(j)
    found: list[tuple[int, int, int, int]] = []
    group: list[int] = []
    for diagonal in [*sorted(voters), None]:
        if group and (diagonal is None or diagonal - group[-1] > NEAR):
            js = [j for d in group for j in voters[d]]
            if len(js) >= MIN_VOTES:
                found.append((min(js), max(js) + SHINGLE - 1, group[0], group[-1]))
            group = []
        if diagonal is not None:
            group.append(diagonal)
    return found


def _candidate(
    cue_words: Sequence[str],
    cue_times: Sequence[float],
    heard_words: Sequence[str],
    heard_times: Sequence[float],
    occurrence: tuple[int, int, int, int],
    min_run: int,
) -> Candidate | None:
    """The word pairs of one occurrence: its heard words against its slice of the cues (difflib,
    runs of ``min_run`` words or more); None with fewer than ``min_run`` pairs."""
    first, last, low, high = occurrence
    start = max(0, first + low - MARGIN)
    stop = min(len(cue_words), last + high + MARGIN + 1)
    matcher = SequenceMatcher(None, cue_words[start:stop], heard_words[first : last + 1], autojunk=False)
    pairs: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        if block.size >= min_run:
            pairs.update((start + block.a + k, first + block.b + k) for k in range(block.size))
    if len(pairs) < min_run:
        return None
    caption = np.array([cue_times[i] for i in pairs])
    media = np.array([heard_times[j] for j in pairs.values()])
    return Candidate(pairs, caption, media)


def _chain(candidates: list[Candidate]) -> list[int]:
    """The candidates (ordered by heard position) chained with heard and cue positions both
    increasing, scored by the words they pair less :data:`STEP_COST` per change of offset level
    (``media - rate * caption`` within :data:`LEVEL`), for each of :data:`RATES` at once: the best
    chain of the best rate (the first of equals)."""
    if not candidates:
        return []
    rates = np.array(RATES)
    media = np.array([float(np.median(c.media)) for c in candidates])
    caption = np.array([float(np.median(c.caption)) for c in candidates])
    offsets = media[:, None] - caption[:, None] * rates[None, :]  # (candidate, rate)
    weight = np.array([float(len(c.pairs)) for c in candidates])
    heard = np.array([c.heard_span for c in candidates])
    cue = np.array([c.cue_span for c in candidates])
    score = np.repeat(weight[:, None], len(RATES), axis=1)
    back = np.full(score.shape, -1)
    for k in range(1, len(candidates)):
        before = score[:k] - STEP_COST * (np.abs(offsets[:k] - offsets[k]) > LEVEL)
        before[(heard[:k, 1] >= heard[k, 0]) | (cue[:k, 1] >= cue[k, 0])] = -np.inf
        best = np.argmax(before, axis=0)
        gain = before[best, np.arange(len(RATES))]
        take = gain > 0
        score[k, take] += gain[take]
        back[k, take] = best[take]
    rate = int(np.argmax(score.max(axis=0)))
    k = int(np.argmax(score[:, rate]))
    chain = []
    while k >= 0:
        chain.append(k)
        k = int(back[k, rate])
    return chain[::-1]
