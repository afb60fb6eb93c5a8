"""A budget of bytes the run's files may hold at once: decoded audio waiting for a cluster.

A cluster takes as many files at once as its workers can decode, and each holds its decoded audio
on this machine (230 MB an hour of float samples, plus the pieces packed for the wire) until its
last piece is back.  Counting files does not bound that: ten three-hour files hold 7 GB.  So a
file takes its share of the budget before its audio is decoded, and gives it back when its
transcript is in; a file waits while the others hold the budget.  A file larger than the whole
budget waits until it is alone, and then goes (it would never fit otherwise).
"""

from __future__ import annotations

import threading

from captioner import interrupt
from captioner.media.audio import SAMPLE_RATE

# What a second of audio in flight costs this process: its float32 samples, the copies made while
# it is decoded and its pieces packed, and their FLAC.  Measured: 72 MB of RSS a 10-minute file
# (benchmarks/cluster_sim.py, 18 such files at once), 120 kB a second.
BYTES_PER_SECOND = SAMPLE_RATE * 8
UNKNOWN_SECONDS = 3600.0  # a file whose duration the probe did not tell is counted as an hour


class Held:
    """A share of a :class:`ByteBudget`; :meth:`release` gives it back (once)."""

    def __init__(self, budget: ByteBudget, size: int) -> None:
        self._budget = budget
        self.size = size

    def release(self) -> None:
        size, self.size = self.size, 0
        if size:
            self._budget._give_back(size)


class ByteBudget:
    """At most ``limit`` bytes held at once by the files of a run (see the module doc)."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, int(limit))
        self.held = 0
        self.peak = 0  # the most held at once (the benchmarks print it)
        self._changed = threading.Condition()

    def take_audio(self, seconds: float | None) -> Held:
        """The share of ``seconds`` of decoded audio, once it fits (interrupted by Ctrl-C)."""
        return self.take(int(BYTES_PER_SECOND * (UNKNOWN_SECONDS if seconds is None else max(0.0, seconds))))

    def take(self, size: int) -> Held:
        size = min(max(0, int(size)), self.limit)
        with self._changed:
            while self.held + size > self.limit:
                if interrupt.stopping():
                    raise interrupt.Stopped
                self._changed.wait(interrupt.POLL)
            self.held += size
            self.peak = max(self.peak, self.held)
        return Held(self, size)

    def _give_back(self, size: int) -> None:
        with self._changed:
            self.held -= size
            self._changed.notify_all()
