"""resync on long media hears stretches, not the whole file (#28: an hour's captions in under a
minute): a simulated hour with a frame-rate ratio, an offset, 12 s inserted and 8 s cut is fitted
from a fraction of its audio, every cue start within 0.10 s; short media is heard whole."""

from __future__ import annotations

import random

from captioner.resync.anchors import Heard
from captioner.resync.judge import find
from captioner.resync.sampling import WHOLE_BELOW, listen

RATE = 25 / (24000 / 1001)
INSERT_AT, INSERTED = 1234.5, 12.0  # original time where 12 s of other material was inserted
REMOVE_AT, REMOVED = 2718.0, 8.0  # original time where 8 s were cut


def _media(t: float) -> float | None:
    """Where original time ``t`` is in the edited media (None: cut)."""
    if REMOVE_AT <= t < REMOVE_AT + REMOVED:
        return None
    shifted = t + (INSERTED if t >= INSERT_AT else 0.0) - (REMOVED if t >= REMOVE_AT + REMOVED else 0.0)
    return RATE * shifted + 3.7


def _hour(seed: int, length: float = 3600.0):
    """Cues of eight words each (every word its own), timed in the original, and a ``hear`` that
    returns the words said in a stretch of the edited media, jittered as Whisper's are."""
    rng = random.Random(seed)
    cues, spoken, t, n = [], [], 1.0, 0
    while t < length - 10:
        words = [(f"w{n}x{k}", t + 0.4 * k) for k in range(8)]
        cues.append((t - 0.05, t + 3.3, " ".join(w for w, _ in words)))
        for word, at in words:
            where = _media(at)
            if where is not None:
                jitter = rng.gauss(0, 0.04)
                spoken.append(Heard(word, where + jitter, where + jitter + 0.3))
        t += 3.2 + rng.uniform(0.3, 2.5)
        n += 1
    calls: list[tuple[float, float]] = []

    def hear(start: float, end: float) -> list[Heard]:
        calls.append((start, end))
        return [w for w in spoken if start <= w.start and w.end <= end]

    return cues, hear, calls


def test_an_hour_is_fitted_from_a_fraction_of_its_audio() -> None:
    cues, hear, calls = _hour(5)
    duration = _media(3600.0) or 0.0
    heard = listen(cues, duration, hear)
    assert sum(b - a for a, b in calls) <= 600  # under 10 minutes of the hour transcribed
    found = find(cues, heard.words, heard.spans)
    assert found.confidence > 0.8  # cues cut by a stretch's edge have one anchor of two
    assert abs(found.fit.rate - RATE) < 1e-9
    assert sorted(round(s, 1) for _, s in found.fit.splits) == [round(-REMOVED * RATE, 1), round(INSERTED * RATE, 1)]
    truth = [(start, _media(start)) for start, _, _ in cues]
    close = [abs(found.fit.at(start) - where) <= 0.10 for start, where in truth if where is not None]
    assert sum(close) >= 0.95 * len(close), f"{sum(close)} of {len(close)}"


def test_short_media_is_heard_whole() -> None:
    cues, hear, calls = _hour(1, length=WHOLE_BELOW - 30)
    listen(cues, WHOLE_BELOW - 20, hear)
    assert calls == [(0.0, WHOLE_BELOW - 20)]
