"""How a file's channels relate: one sound in all of them (an ordinary stereo mix) or different ones
(an interview recorded with one speaker a channel).

The audio stream is decoded once at :data:`RATE` with its channels kept and read a block at a
time (memory stays flat).  Per block of :data:`BLOCK_SECONDS`, for each pair of channels: the
largest normalised cross-correlation within :data:`MAX_LAG` either way (spaced microphones hear
one sound a few milliseconds apart; a channel wired with inverted polarity correlates at -1 and is
the same sound too).  A block where one channel sounds and the other is silent counts as 0 (one
voice there, none here).  The blocks' values are averaged weighted by their energy, so that quiet
stretches (where independent microphone noise decorrelates any two channels) weigh little.

Channels correlating at :data:`SAME` or more carry the same sound and form a group; a channel
below :data:`SILENT_DBFS` throughout carries nothing.  On the developer corpus the ordinary stereo
items correlate at 0.998 and 1.000, the two-talker items at 0.00 and 0.01.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, BinaryIO

import numpy as np

from captioner.media.pcm import Beside, decoding
from captioner.media.probe import MediaInfo, select_audio_stream

RATE = 8000  # Hz: speech's energy is below 4 kHz, and a second of 6 channels is 96 kB
BLOCK_SECONDS = 1.0
MAX_LAG = 0.02  # seconds either way: 7 m of path difference between two microphones
SILENT_DBFS = -50.0  # a block (or a whole channel) quieter than this carries no sound
SAME = 0.8  # channels correlating at least this carry the same sound
DIFFERENT = 0.3  # channels correlating at most this carry clearly different sound

_SILENT_POWER = 10 ** (SILENT_DBFS / 10)  # mean square of a full-scale-normalised signal


@dataclass(frozen=True)
class ChannelReport:
    """What :func:`analyse_channels` found: ``groups`` of channels (0-based) carrying one sound,
    in channel order; channels not in any group are silent."""

    channels: int
    groups: tuple[tuple[int, ...], ...]
    correlation: tuple[tuple[int, int, float], ...]  # (channel, channel, correlation) for each pair

    def between(self, a: int, b: int) -> float:
        """The correlation of channels ``a`` and ``b``."""
        for i, j, value in self.correlation:
            if {i, j} == {a, b}:
                return value
        raise KeyError((a, b))

    @property
    def largest_between_groups(self) -> float:
        """The highest correlation of two channels in different groups (0 with one group)."""
        values = [
            self.between(a, b) for g, h in combinations(self.groups, 2) for a in g for b in h
        ]  # fmt: skip
        return max(values, default=0.0)

    @property
    def different(self) -> bool:
        """Whether two or more groups carry clearly different sound (see :data:`DIFFERENT`)."""
        return len(self.groups) > 1 and self.largest_between_groups <= DIFFERENT

    @property
    def silent(self) -> tuple[int, ...]:
        grouped = {c for g in self.groups for c in g}
        return tuple(c for c in range(self.channels) if c not in grouped)

    def to_meta(self) -> dict[str, Any]:
        """A JSON form (kept with the transcript, so that a cached run can say what was found)."""
        return {
            "count": self.channels,
            "groups": [list(g) for g in self.groups],
            "correlation": [[i, j, round(v, 3)] for i, j, v in self.correlation],
        }

    @classmethod
    def from_meta(cls, data: Any) -> ChannelReport | None:
        """The report :meth:`to_meta` wrote, or None when ``data`` is not one."""
        try:
            return cls(
                channels=int(data["count"]),
                groups=tuple(tuple(int(c) for c in g) for g in data["groups"]),
                correlation=tuple((int(i), int(j), float(v)) for i, j, v in data["correlation"]),
            )
        except (KeyError, TypeError, ValueError):
            return None


def _block_correlations(block: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Per pair of channels of ``block`` (samples x channels): the block's correlation (see the
    module docstring) and its weight (the pair's energy; 0 where both are silent)."""
    x = block - block.mean(axis=0)
    power = (x * x).mean(axis=0)
    size = 1 << int(np.ceil(np.log2(2 * len(x))))
    spectra = np.fft.rfft(x, n=size, axis=0)
    values, weights = [], []
    for a, b in combinations(range(block.shape[1]), 2):
        sounding = power[a] > _SILENT_POWER, power[b] > _SILENT_POWER
        weight = float(power[a] + power[b]) if any(sounding) else 0.0
        if all(sounding):
            cross = np.fft.irfft(spectra[:, a] * np.conj(spectra[:, b]), n=size)
            near = np.concatenate([cross[: lag + 1], cross[-lag:]])
            value = float(np.abs(near).max() / (len(x) * np.sqrt(power[a] * power[b])))
        else:
            value = 0.0
        values.append(min(value, 1.0))
        weights.append(weight)
    return np.array(values), np.array(weights)


def _groups(channels: int, sounding: list[bool], correlation: dict[tuple[int, int], float]) -> list[tuple[int, ...]]:
    """Sounding channels joined where they correlate at :data:`SAME` or more (transitively)."""
    parent = list(range(channels))

    def root(c: int) -> int:
        while parent[c] != c:
            c = parent[c]
        return c

    for (a, b), value in correlation.items():
        if sounding[a] and sounding[b] and value >= SAME:
            parent[root(b)] = root(a)
    groups: dict[int, list[int]] = {}
    for c in range(channels):
        if sounding[c]:
            groups.setdefault(root(c), []).append(c)
    return sorted((tuple(g) for g in groups.values()), key=lambda g: g[0])


def analyse_channels(info: MediaInfo, audio_stream: int = 0) -> ChannelReport:
    """How the channels of one audio stream relate (see the module docstring).

    Raises :class:`MediaError` when ffmpeg cannot decode the stream.
    """
    stream = select_audio_stream(info, audio_stream)
    channels = stream.channels or 1
    with decoding(info.path, RATE, None, stream=audio_stream, limits=info.limits) as run:
        return _report(channels, _read_blocks(run.stdout, channels))


def beside_extraction(channels: int) -> Beside[ChannelReport]:
    """The analysis of a stream of ``channels`` channels as a second output of the decode that
    extracts its audio (one decode; the samples analysed are those :func:`analyse_channels` reads)."""
    return Beside(RATE, None, lambda stream: _report(channels, _read_blocks(stream, channels)))


def _report(
    channels: int, totals: tuple[dict[tuple[int, int], tuple[float, float]], list[float], int]
) -> ChannelReport:
    pairs, power, count = totals
    sounding = [count > 0 and p / count > _SILENT_POWER for p in power]
    correlation = {pair: float(v / w) if w > 0 else 0.0 for pair, (v, w) in pairs.items()}
    return ChannelReport(
        channels=channels,
        groups=tuple(_groups(channels, sounding, correlation)),
        correlation=tuple((a, b, value) for (a, b), value in correlation.items()),
    )


def _read_blocks(
    source: BinaryIO, channels: int
) -> tuple[dict[tuple[int, int], tuple[float, float]], list[float], int]:
    """Read interleaved 16-bit samples block by block: per pair the weighted sum of the blocks'
    correlations and the sum of weights; per channel the sum of its blocks' mean squares; the
    number of blocks."""
    block_samples = int(RATE * BLOCK_SECONDS)
    block_bytes = block_samples * channels * 2
    lag = int(RATE * MAX_LAG)
    pairs = {pair: (0.0, 0.0) for pair in combinations(range(channels), 2)}
    power = [0.0] * channels
    count = 0
    while True:
        data = source.read(block_bytes)
        usable = len(data) - len(data) % (2 * channels)
        if usable < 2 * channels * lag * 4:  # the end (a tail shorter than 80 ms is not worth a block)
            break
        block = np.frombuffer(data[:usable], dtype="<i2").reshape(-1, channels).astype(np.float64) / 32768
        count += 1
        for c in range(channels):
            power[c] += float((block[:, c] ** 2).mean())
        if channels > 1:
            values, weights = _block_correlations(block, lag)
            for k, pair in enumerate(pairs):
                v, w = pairs[pair]
                pairs[pair] = (v + values[k] * weights[k], w + weights[k])
        if len(data) < block_bytes:
            break
    return pairs, power, count
