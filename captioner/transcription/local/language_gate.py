"""Per-window language detection that only switches language on clear evidence.

Whisper picks one language from the first 30 s and decodes the whole file in it: a talk that
turns to German half-way gets the German translated (or dropped as unsure).  faster-whisper's
``multilingual`` mode detects the language of every window instead, but takes whatever comes out
on top, and on music, noise or near-silence the detector is a coin toss (top probability 0.4-0.6
on the corpus' non-speech controls, against 0.84-1.00 on every speech window).

:class:`LanguageGate` stands between faster-whisper and the CTranslate2 model: the first
detection of a file sets its language, and a later window is decoded in another language only
when that one comes out on top with at least ``SWITCH_MIN_PROBABILITY``; otherwise the file's
language is put first.  A first detection below that (a file opening on music) holds only until
a window is detected with it.  It keeps, per calling thread (files decoded side by side each
have theirs), the language every window was decoded in.
"""

from __future__ import annotations

import threading
from typing import Any

SWITCH_MIN_PROBABILITY = 0.8


class LanguageGate:
    """A proxy for a CTranslate2 Whisper model whose ``detect_language`` is gated (see above)."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def begin(self, language: str | None = None, sure: bool | None = None) -> None:
        """Start a file on the calling thread; ``language``: its language if already known.  Until
        then, and after :meth:`end`, the thread's detections pass through ungated.

        A piece of a file after the first begins with the :meth:`state` the piece before it ended
        in (``language`` and ``sure``), so that pieces decoded apart are gated as in one pass."""
        self._local.active = True
        self._local.language = language
        self._local.sure = language is not None if sure is None else sure
        self._local.windows = []
        self._local.last = (None, [])

    def end(self) -> None:
        """Stop gating the calling thread's detections (what :meth:`heard` says stays)."""
        self._local.active = False
        self._local.last = (None, [])  # no encoder output kept alive

    def language(self) -> str | None:
        """The calling thread's file language: its first detection, or the first sure one after
        an unsure start."""
        return getattr(self._local, "language", None)

    def state(self) -> tuple[str | None, bool]:
        """The calling thread's file language and whether it was sure (see :meth:`begin`)."""
        return getattr(self._local, "language", None), bool(getattr(self._local, "sure", False))

    def heard(self) -> list[tuple[str, float]]:
        """(language chosen, its probability) for every window detected since ``begin`` (the same
        encoding detected twice, for the file and as its first window, counts once)."""
        return list(getattr(self._local, "windows", []))

    def detect_language(self, features: Any, *args: Any, **kwargs: Any) -> list[list[tuple[str, float]]]:
        active = getattr(self._local, "active", False)
        last, gated = getattr(self._local, "last", (None, []))
        if active and features is not None and features is last:
            return gated  # the same encoding again (the file's, then its first window's): not run twice
        results = self._model.detect_language(features, *args, **kwargs)
        if not active:
            return results
        gated = [self._gate(list(result)) for result in results]
        self._local.last = (features, gated)
        return gated

    def _gate(self, result: list[tuple[str, float]]) -> list[tuple[str, float]]:
        if not result:
            return result
        top, probability = result[0]
        current = getattr(self._local, "language", None)
        sure = probability >= SWITCH_MIN_PROBABILITY
        if current is None or sure:
            if current is None or (sure and not getattr(self._local, "sure", False)):
                self._local.language, self._local.sure = top[2:-2], sure
            chosen = top
        else:
            token = f"<|{current}|>"
            chosen = token if any(t == token for t, _ in result) else top
            result.sort(key=lambda item: item[0] != chosen)  # stable: the rest keep their order
        self._local.windows.append((chosen[2:-2], next(p for t, p in result if t == chosen)))
        return result
