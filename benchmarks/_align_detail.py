"""Where ``benchmarks/align.py``'s word-start errors come from (``--detail``): the signed errors'
median (the bias: negative is early), and each large error tagged by where it is.

Tags of a word whose start is off by more than OUTLIER seconds:

- ``first``: the item's first word;
- ``pause``: the reference has a pause of at least UTTERANCE_MIN_SILENCE (0.1 s, where captioner's
  VAD cuts utterances) before it;
- ``silence``: the output start lies outside every VAD utterance region of the audio (no speech
  there);
- ``edge``: within EDGE seconds of a cut between the aligner's 30 s windows (or of the item's start);
- ``early`` / ``late``: the sign.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence

import numpy as np

OUTLIER = 0.1  # seconds: a reporting threshold only (the p95 target is 0.20 s)
EDGE = 1.0  # seconds from a window cut


def signed(found: Sequence[float | None], ref_starts: Sequence[float]) -> list[tuple[int, float]]:
    """(reference index, output start - reference start) of every reference word found."""
    return [(k, s - r) for k, (s, r) in enumerate(zip(found, ref_starts)) if s is not None]


def bias(errors: list[tuple[int, float]]) -> float:
    return statistics.median(e for _, e in errors) if errors else 0.0


def window_cuts(audio: np.ndarray) -> list[float]:
    """The seconds where the aligner's windows begin (its pieces, then windows inside each)."""
    from captioner.media.audio import SAMPLE_RATE
    from captioner.media.pieces import cut_into_pieces
    from captioner.transcription.align.aligner import PIECE_SECONDS
    from captioner.transcription.align.forced import WINDOW_SECONDS

    cuts = []
    for piece in cut_into_pieces(audio, PIECE_SECONDS):
        for window in cut_into_pieces(audio[piece.start : piece.end], WINDOW_SECONDS):
            cuts.append(piece.offset + window.start / SAMPLE_RATE)
    return cuts


def tags(
    k: int, error: float, out_start: float, ref: list[dict], utterances: list[tuple[float, float]], cuts: list[float]
) -> list[str]:
    out = []
    if k == 0:
        out.append("first")
    elif ref[k]["start"] - ref[k - 1]["end"] >= 0.1:
        out.append("pause")
    if not any(a <= out_start <= b for a, b in utterances):
        out.append("silence")
    if any(abs(ref[k]["start"] - c) <= EDGE for c in cuts):
        out.append("edge")
    out.append("early" if error < 0 else "late")
    return out


def describe(
    label: str,
    errors: list[tuple[int, float]],
    ref: list[dict],
    starts: Sequence[float | None],
    utterances: list[tuple[float, float]],
    cuts: list[float],
) -> list[str]:
    """Lines: the bias, the outliers counted by tag, and each outlier."""
    large = [(k, e) for k, e in errors if abs(e) > OUTLIER]
    counts: Counter[str] = Counter()
    lines = []
    for k, e in large:
        found = starts[k]
        assert found is not None
        these = tags(k, e, found, ref, utterances, cuts)
        counts.update(these)
        gap = ref[k]["start"] - ref[k - 1]["end"] if k else ref[k]["start"]
        lines.append(
            f"      {ref[k]['word']!r:18} ref {ref[k]['start']:7.2f} out {found:7.2f} err {e:+.2f} "
            f"gap-before {gap:.2f} [{' '.join(these)}]"
        )
    summary = ", ".join(f"{tag} {n}" for tag, n in counts.most_common())
    head = f"    {label:10} bias {bias(errors):+.3f}  |err|>{OUTLIER}: {len(large)}/{len(errors)} ({summary or '-'})"
    return [head, *lines]
