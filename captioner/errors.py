"""Errors that end one file's processing with a one-line message (no traceback without --debug)."""

from __future__ import annotations


class CaptionerError(Exception):
    """A failure to report as ``captioner: error: <path>: <cause>``.

    ``path`` is the file the failure concerns (None when it concerns the run as a whole).
    """

    def __init__(self, cause: str, path: str | None = None) -> None:
        super().__init__(cause)
        self.cause = cause
        self.path = path

    def with_path(self, path: str) -> CaptionerError:
        if self.path is None:
            self.path = path
        return self

    def __str__(self) -> str:
        return f"{self.path}: {self.cause}" if self.path else self.cause


class MediaError(CaptionerError):
    """The media file cannot be read, has no audio, or ffmpeg failed on it."""


class ModelError(CaptionerError):
    """The Whisper model cannot be found, joined, verified or loaded."""


class BackendError(CaptionerError):
    """A transcription backend failed (the hosted service, or the local engine)."""


class OutputError(CaptionerError):
    """An output file cannot be written."""


class RunError(CaptionerError):
    """A failure that concerns the whole run, not the file it happened in (the cluster's scheduler
    went away, say): the run stops, keeping what it finished."""
