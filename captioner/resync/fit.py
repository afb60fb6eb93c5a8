"""The time map from a caption file's clock to its media's: one frame-rate ratio and a piecewise
constant offset (a new piece where material was inserted or cut), fitted to anchors, pairs of
(caption time, media time), some of them wrong.

For each candidate rate ``r`` the anchors' offsets ``y - r*x`` are grouped around a few levels (at
least 0.5 s apart), a cue's start and end anchors brought onto one level by the file's habit (how
much earlier than its speech a cue opens, and later it closes); a Viterbi pass over the anchors in
caption order picks one level per anchor, paying 1 for an anchor further than :data:`TOLERANCE`
from its level and :data:`SPLIT_COST` for a change of level.  The rates are compared by a
truncated L1 loss (:attr:`Fit.cost`), rate 1 favoured by :data:`RATE_PRIOR`; each piece's offset is
the mean of the median start and the median end offset of its agreeing anchors, so that the habit
moves nothing.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction
from itertools import product

import numpy as np

TOLERANCE = 0.25  # s: an anchor this close to its piece's offset agrees with it
SPLIT_COST = 2.5  # a new piece must explain more than 2.5 anchors that would otherwise disagree
MIN_SUPPORT = 2  # anchors an offset level needs to be a candidate at all
MAX_LEVELS = 12
RATE_PRIOR = 0.5  # cost a rate other than 1 pays: it must fit clearly better
# Rates this close (relative) are told apart by the slope of the anchors that agree, not by the
# cost: 25/24 and 25/23.976 differ by 0.1%, 0.2 s over the 3.7-minute reading, within TOLERANCE.
NEIGHBOUR_RATES = 0.003
# The slope decides when it keeps one rate (within SLOPE_KEEP standard errors) and rejects the
# others (beyond SLOPE_REJECT): over an hour it does, over 3.7 minutes (+-0.0002..0.0009) it may not.
SLOPE_KEEP = 2.0
SLOPE_REJECT = 3.0
NEIGHBOUR_COST = 1.0  # a neighbour this much costlier (about one anchor) is as good a fit
FRAME_RATES = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001), Fraction(30))
# 1 first: it wins every tie.  24/23.976 and 30/29.97 are the same ratio (1001/1000).
RATES: tuple[float, ...] = tuple(
    dict.fromkeys([1.0, *(float(a / b) for a, b in product(FRAME_RATES, FRAME_RATES) if a != b)])
)
# When the anchors cannot tell two neighbouring ratios apart, the one of a film master's frame rate
# (23.976 or 29.97 fps, what most caption files are timed to) against the other frame rates: the
# captions of a 23.976 fps release played at PAL's 25 fps are the classic mismatch.
FILM_RATIOS: tuple[float, ...] = tuple(
    float(a / b)
    for a, b in product(FRAME_RATES, FRAME_RATES)
    if a != b and (a.denominator == 1001) != (b.denominator == 1001)
)


@dataclass(frozen=True)
class Anchor:
    """A caption time known to belong at a media time (a cue's start at its first word's start, or
    its end at its last word's end)."""

    caption: float
    media: float
    is_start: bool = True
    cue_start: float | None = None  # the start of the anchor's cue (a new piece starts at a cue)


@dataclass(frozen=True)
class Piece:
    """From caption time ``since`` on (until the next piece), media time is ``rate * t + offset``."""

    since: float
    offset: float


@dataclass(frozen=True)
class Fit:
    rate: float
    pieces: tuple[Piece, ...]
    agreeing: int  # anchors within TOLERANCE of their piece
    anchors: int
    spread: float  # mean distance of the agreeing anchors from their piece's level

    @property
    def cost(self) -> float:
        """Disagreeing anchors, each agreeing one by its distance in TOLERANCE's units, and
        SPLIT_COST a split (a truncated L1 loss: Whisper's word times scatter by ~0.1 s, and a
        rate that gains an anchor or two at the edge of TOLERANCE must not beat a closer fit)."""
        disagreeing = self.anchors - self.agreeing
        return disagreeing + self.agreeing * self.spread / TOLERANCE + SPLIT_COST * (len(self.pieces) - 1)

    def at(self, t: float) -> float:
        """The media time of caption time ``t``."""
        index = max(0, bisect.bisect_right([p.since for p in self.pieces], t) - 1)
        return self.rate * t + self.pieces[index].offset

    @property
    def splits(self) -> list[tuple[float, float]]:
        """(media time where material was inserted or cut, seconds inserted there; negative: removed)."""
        return [
            (self.rate * after.since + min(before.offset, after.offset), after.offset - before.offset)
            for before, after in zip(self.pieces, self.pieces[1:])
        ]


def _levels(offsets: np.ndarray) -> np.ndarray:
    """A few offset levels that many anchors agree on, the best supported first."""
    ordered = np.sort(offsets)
    support = np.searchsorted(ordered, offsets + TOLERANCE, "right") - np.searchsorted(
        ordered, offsets - TOLERANCE, "left"
    )
    levels: list[float] = []
    free = np.ones(len(offsets), dtype=bool)
    for i in np.argsort(-support, kind="stable"):
        if len(levels) >= MAX_LEVELS or support[i] < MIN_SUPPORT:
            break
        if not free[i] or any(abs(offsets[i] - level) < 2 * TOLERANCE for level in levels):
            continue  # one level per 0.5 s: two closer ones would be noise taken for a split
        near = np.abs(offsets - offsets[i]) <= TOLERANCE
        levels.append(float(np.median(offsets[near])))
        free &= ~near
    return np.array(levels)


def _viterbi(offsets: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The cheapest level per anchor (cost: disagreeing anchors + SPLIT_COST per change)."""
    distance = np.abs(offsets[:, None] - levels[None, :])
    emit = (distance > TOLERANCE) + 1e-3 * np.minimum(distance, TOLERANCE)
    cost = emit[0].copy()
    back = np.zeros((len(offsets), len(levels)), dtype=np.int64)
    for i in range(1, len(offsets)):
        best = int(np.argmin(cost))
        switch = cost[best] + SPLIT_COST
        back[i] = np.where(cost <= switch, np.arange(len(levels)), best)
        cost = np.minimum(cost, switch) + emit[i]
    path = np.empty(len(offsets), dtype=np.int64)
    path[-1] = int(np.argmin(cost))
    for i in range(len(offsets) - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def _piece_offset(offsets: np.ndarray, starts: np.ndarray) -> float:
    """The mean of the agreeing starts' and ends' median offsets (either alone if the other is missing)."""
    medians = [float(np.median(offsets[side])) for side in (starts, ~starts) if side.any()]
    return sum(medians) / len(medians)


def _boundary(before: float, first: Anchor) -> float:
    """Where a new piece starts in caption time: midway between the last anchor before it and the
    start of the cue of its first anchor (that cue's start goes with its anchor)."""
    cue = first.caption if first.cue_start is None else first.cue_start
    return (before + cue) / 2 if cue > before else cue


def _habit(anchors: list[Anchor], offsets: np.ndarray) -> float:
    """How much later a cue's start anchor sits than its end anchor, the median over the cues with
    both (within 1 s of each other): captions timed from clip boundaries open ~0.1 s before their
    speech and close ~0.25 s after it, and the two must fall on one offset level."""
    start_of: dict[float, float] = {}
    gaps = []
    for anchor, offset in zip(anchors, offsets):
        if anchor.cue_start is None:
            continue
        if anchor.is_start:
            start_of[anchor.cue_start] = float(offset)
        elif anchor.cue_start in start_of and abs(start_of[anchor.cue_start] - offset) < 1.0:
            gaps.append(start_of[anchor.cue_start] - float(offset))
    return float(np.median(gaps)) if len(gaps) >= 3 else 0.0


def fit_rate(anchors: list[Anchor], rate: float) -> Fit | None:
    """The best piecewise offset for ``rate`` (None: no offset level has support)."""
    x = np.array([a.caption for a in anchors])
    starts = np.array([a.is_start for a in anchors])
    raw = np.array([a.media for a in anchors]) - rate * x
    half = _habit(anchors, raw) / 2
    offsets = raw - np.where(starts, half, -half)  # starts and ends on one level
    levels = _levels(offsets)
    if len(levels) == 0:
        return None
    path = _viterbi(offsets, levels)
    pieces: list[Piece] = []
    agreeing, spread = 0, 0.0
    bounds = [0, *(i for i in range(1, len(path)) if path[i] != path[i - 1]), len(path)]
    for first, stop in zip(bounds, bounds[1:]):
        distance = np.abs(offsets[first:stop] - levels[path[first]])
        near = np.zeros(len(path), dtype=bool)
        near[first:stop] = distance <= TOLERANCE
        agreeing += int(near.sum())
        spread += float(distance[distance <= TOLERANCE].sum())
        lead = first + int(np.argmax(distance <= TOLERANCE))  # its first agreeing anchor
        since = -np.inf if not pieces else _boundary(float(x[lead - 1]), anchors[lead])
        pieces.append(Piece(since, _piece_offset(raw[near], starts[near])))
    return Fit(rate, tuple(pieces), agreeing, len(anchors), spread / max(agreeing, 1))


def fit(anchors: list[Anchor]) -> Fit | None:
    """The cheapest fit over :data:`RATES` for anchors in caption order (None: nothing agrees);
    a rate other than 1 pays :data:`RATE_PRIOR`."""
    if len(anchors) < MIN_SUPPORT:
        return None
    found = [f for f in (fit_rate(anchors, rate) for rate in RATES) if f is not None]
    if not found:
        return None
    best = min(found, key=lambda f: f.cost + (0.0 if f.rate == 1.0 else RATE_PRIOR))
    return _nearest_slope(best, found, anchors)


def _nearest_slope(best: Fit, found: list[Fit], anchors: list[Anchor]) -> Fit:
    """Among the fits whose rate is within :data:`NEIGHBOUR_RATES` of ``best``'s (25/24 and
    25/23.976, 0.1% apart), the one whose rate is nearest the anchors' own slope (see
    :func:`anchor_slope`) when that slope tells them apart (a long file); else,
    of those within :data:`NEIGHBOUR_COST` of the cheapest, the one of a film frame rate
    (:data:`FILM_RATIOS`).  The truncated loss cannot tell them apart: both put every anchor within
    TOLERANCE, and on the 3.7-minute reading with all four edits 25/24 cost 25.21 against
    25/23.976's 25.33, the slope 1.04167 +- 0.00093: it chose 25/24, 4 of 31 cue starts 0.11-0.12 s off."""
    neighbours = [f for f in found if f is not best and abs(f.rate / best.rate - 1) <= NEIGHBOUR_RATES]
    if not neighbours:
        return best
    measured = anchor_slope(anchors, best)
    if measured is not None:
        slope, error = measured
        nearest = min([best, *neighbours], key=lambda f: abs(f.rate - slope))
        others = [f for f in (best, *neighbours) if f is not nearest]
        if abs(nearest.rate - slope) <= SLOPE_KEEP * error and all(
            abs(f.rate - slope) > SLOPE_REJECT * error for f in others
        ):
            return nearest
    if best.rate == 1.0 or _film(best.rate):
        return best  # rate 1 keeps its prior (RATE_PRIOR)
    close = [f for f in neighbours if _film(f.rate) and f.cost <= best.cost + NEIGHBOUR_COST]
    return min(close, key=lambda f: f.cost) if close else best


def _film(rate: float) -> bool:
    return any(abs(rate - ratio) < 1e-9 for ratio in FILM_RATIOS)


def anchor_slope(anchors: list[Anchor], fitted: Fit) -> tuple[float, float] | None:
    """The least-squares slope of media time over caption time of the anchors that agree with
    ``fitted`` (each piece, and starts apart from ends, with an intercept of its own, so that
    splits and the captions' habit do not bend it), and its standard error; None with too few."""
    since = [p.since for p in fitted.pieces]
    groups: dict[tuple[int, bool], list[tuple[float, float]]] = {}
    for a in anchors:
        if abs(fitted.at(a.caption) - a.media) <= TOLERANCE:
            piece = max(0, bisect.bisect_right(since, a.caption) - 1)
            groups.setdefault((piece, a.is_start), []).append((a.caption, a.media))
    xs, ys = [], []
    for pairs in groups.values():
        x = np.array([p[0] for p in pairs])
        y = np.array([p[1] for p in pairs])
        xs.append(x - x.mean())
        ys.append(y - y.mean())
    if not xs:
        return None
    x, y = np.concatenate(xs), np.concatenate(ys)
    freedom = len(x) - len(xs) - 1
    spread = float(np.dot(x, x))
    if freedom < 3 or spread <= 0:
        return None
    slope = float(np.dot(x, y)) / spread
    residual = float(np.sum((y - slope * x) ** 2)) / freedom
    return slope, (residual / spread) ** 0.5
