"""What a run tells its user interface: progress and messages."""

from __future__ import annotations

from typing import Protocol

from captioner.media.urls import Media
from captioner.run.jobs import FileResult


class Reporter(Protocol):
    """What the pipeline tells the user interface (progress bars, messages).

    ``start_file`` and ``advance`` come from the thread transcribing the file (``advance`` is
    about that thread's file; ``math.inf`` when its transcription is done): with files side by
    side, from several threads at once.  ``info``
    and ``finish_file`` come from the caller's thread, in job order.
    """

    def start_file(self, media: Media, duration: float | None) -> None: ...

    def advance(self, seconds: float) -> None: ...

    def info(self, media: Media | None, message: str) -> None: ...

    def finish_file(self, result: FileResult) -> None: ...


class NullReporter:
    def start_file(self, media: Media, duration: float | None) -> None:
        pass

    def advance(self, seconds: float) -> None:
        pass

    def info(self, media: Media | None, message: str) -> None:
        pass

    def finish_file(self, result: FileResult) -> None:
        pass
