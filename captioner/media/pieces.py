"""Audio cut into pieces of a bounded length at its quietest spots, so that no word is cut in half."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from captioner.core.timestamps import timestamp
from captioner.media.audio import SAMPLE_RATE

_FRAME = SAMPLE_RATE // 50  # 20 ms energy frames
_SMOOTH_FRAMES = 10  # 200 ms: a pause between words, not the gap inside one


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int  # first sample
    end: int  # one past the last sample

    @property
    def offset(self) -> float:
        return self.start / SAMPLE_RATE

    @property
    def duration(self) -> float:
        return (self.end - self.start) / SAMPLE_RATE

    def describe(self, count: int) -> str:
        """``chunk 2/3, 4:50-9:41``: which piece of ``count``, for messages (empty for a lone piece)."""
        if count == 1:
            return ""
        first, last = (timestamp(t, hours="short") for t in (self.offset, self.offset + self.duration))
        return f"chunk {self.index + 1}/{count}, {first}-{last}"


def cut_into_pieces(audio: np.ndarray, max_seconds: float, search_seconds: float | None = None) -> list[Chunk]:
    """Split ``audio`` into pieces of at most ``max_seconds``, each cut in the quietest spot of the
    last ``search_seconds`` (default: a quarter of ``max_seconds``, at most 60 s) before the limit."""
    total = len(audio)
    limit = max(int(max_seconds * SAMPLE_RATE), _FRAME * 2)
    if total <= limit:
        return [Chunk(0, 0, total)]
    window = int((search_seconds if search_seconds is not None else min(max_seconds / 4, 60.0)) * SAMPLE_RATE)
    window = max(min(window, limit - _FRAME), _FRAME)
    chunks: list[Chunk] = []
    start = 0
    while total - start > limit:
        lo, hi = start + limit - window, start + limit
        cut = _quietest(audio, lo, hi)
        chunks.append(Chunk(len(chunks), start, cut))
        start = cut
    chunks.append(Chunk(len(chunks), start, total))
    return chunks


def _quietest(audio: np.ndarray, lo: int, hi: int) -> int:
    """The sample in [lo, hi) at the centre of the quietest 200 ms stretch."""
    frames = (hi - lo) // _FRAME
    if frames < 1:
        return hi
    piece = audio[lo : lo + frames * _FRAME].astype(np.float64).reshape(frames, _FRAME)
    energy = np.sqrt(np.mean(piece**2, axis=1))
    if frames >= _SMOOTH_FRAMES:
        energy = np.convolve(energy, np.ones(_SMOOTH_FRAMES) / _SMOOTH_FRAMES, mode="same")
    # Among (near-)equally quiet frames prefer the latest, so pieces stay long.
    quiet = np.flatnonzero(energy <= energy.min() * 1.05 + 1e-6)
    best = int(quiet[-1])
    return lo + best * _FRAME + _FRAME // 2
