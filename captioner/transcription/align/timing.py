"""Every script word's final span: the model's times kept in order, the words it could not time
(missing from the audio, or past the last window) placed between their timed neighbours."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class _Span(Protocol):
    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...


def finish_times(times: Sequence[_Span | None], duration: float) -> tuple[list[tuple[float, float]], set[int]]:
    """(start, end) for every word, and the indexes of the words that had no time (``None``): a run
    of those shares the gap between the words around it evenly (after the last timed word: the
    rest of the media), so they keep their place in the order."""
    spans: list[tuple[float, float] | None] = []
    floor = 0.0
    for t in times:
        if t is None:
            spans.append(None)
            continue
        start = min(max(t.start, floor), duration)
        end = min(max(t.end, start), duration)
        spans.append((start, end))
        floor = start
    unheard = {k for k, s in enumerate(spans) if s is None}
    k = 0
    while k < len(spans):
        if spans[k] is not None:
            k += 1
            continue
        end = k
        while end < len(spans) and spans[end] is None:
            end += 1
        before = spans[k - 1][1] if k > 0 and spans[k - 1] is not None else 0.0  # type: ignore[index]
        after = spans[end][0] if end < len(spans) and spans[end] is not None else max(duration, before)  # type: ignore[index]
        after = max(after, before)
        step = (after - before) / (end - k)
        for i in range(k, end):
            spans[i] = (before + step * (i - k), before + step * (i - k + 1))
        k = end
    return [s for s in spans if s is not None], unheard
