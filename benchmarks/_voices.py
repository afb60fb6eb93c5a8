"""Scoring of ``--speakers voices`` for benchmarks/speakers.py: word attribution under the best
mapping of found speakers to true ones, and a diarization error rate with pyannote.metrics'
definition (missed speech + false alarm + confusion over the reference speech, 10 ms frames, no
scoring within 0.25 s of a reference speaker boundary, the best one-to-one speaker mapping)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

FRAME = 0.01
COLLAR = 0.25
Turn = tuple[float, float, str]


def best_mapping(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str], int]:
    """The one-to-one mapping of found labels onto true ones that agrees most; how many agree."""
    found = sorted({f for f, _ in pairs})
    true = sorted({t for _, t in pairs})
    best: tuple[dict[str, str], int] = ({}, -1)
    slots = true + [f"(extra {k})" for k in range(max(0, len(found) - len(true)))]
    for perm in itertools.permutations(slots, len(found)):
        mapping = dict(zip(found, perm, strict=True))
        right = sum(1 for f, t in pairs if mapping[f] == t)
        if right > best[1]:
            best = (mapping, right)
    return best


def attribution(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Share of words whose found speaker maps onto their true one (best mapping)."""
    if not pairs:
        return None
    return best_mapping(pairs)[1] / len(pairs)


def merge(turns: Sequence[Turn], bridge: float = 0.5) -> list[Turn]:
    """A speaker's turns closer than ``bridge`` seconds joined."""
    out: list[Turn] = []
    for a, b, who in sorted(turns):
        same = [k for k, t in enumerate(out) if t[2] == who and a - t[1] <= bridge]
        if same:
            k = same[-1]
            out[k] = (out[k][0], max(out[k][1], b), who)
        else:
            out.append((a, b, who))
    return out


def _grid(turns: Sequence[Turn], names: list[str], frames: int) -> np.ndarray:
    grid = np.zeros((len(names), frames), dtype=bool)
    for a, b, who in turns:
        grid[names.index(who), int(round(a / FRAME)) : int(round(b / FRAME))] = True
    return grid


def der(reference: Sequence[Turn], hypothesis: Sequence[Turn]) -> float:
    """The diarization error rate of ``hypothesis`` against ``reference`` (see the module)."""
    end = max([b for _, b, _ in [*reference, *hypothesis]], default=0.0)
    frames = int(round(end / FRAME)) + 1
    ref_names = sorted({w for *_, w in reference})
    hyp_names = sorted({w for *_, w in hypothesis})
    ref, hyp = _grid(reference, ref_names, frames), _grid(hypothesis, hyp_names, frames)
    scored = np.ones(frames, dtype=bool)
    for a, b, _ in reference:
        for edge in (a, b):
            scored[max(0, int(round((edge - COLLAR) / FRAME))) : int(round((edge + COLLAR) / FRAME))] = False
    ref, hyp = ref[:, scored], hyp[:, scored]
    total = ref.sum()
    if total == 0:
        return 0.0
    n_ref, n_hyp = ref.sum(axis=0), hyp.sum(axis=0)
    best_correct = 0
    slots = list(range(len(ref_names))) + [-1] * len(hyp_names)
    for perm in set(itertools.permutations(slots, len(hyp_names))):
        correct = np.zeros(ref.shape[1], dtype=int)
        for h, r in enumerate(perm):
            if r >= 0:
                correct += ref[r] & hyp[h]
        best_correct = max(best_correct, int(correct.sum()))
    errors = np.maximum(n_ref, n_hyp).sum() - best_correct  # miss + false alarm + confusion
    return float(errors / total)
