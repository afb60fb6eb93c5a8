"""Caption files for resync: read by pysubs2 in the format their name says, written back in the
same format with only the times changed (each event's text, style and order kept), atomically."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pysubs2

from captioner.errors import CaptionerError
from captioner.output.atomic import atomic_write_text
from captioner.paths import read_regular_file

FORMATS = {".srt": "srt", ".vtt": "vtt", ".ass": "ass", ".ssa": "ssa"}
MAX_BYTES = 64 * 1024 * 1024  # an hour of cues is well under 1 MB


class ResyncError(CaptionerError):
    """Captions that cannot be read, or times that cannot be trusted."""


@dataclass
class Captions:
    subs: pysubs2.SSAFile
    format: str

    @property
    def cues(self) -> list[tuple[float, float, str]]:
        """(start, end, plain text) of each dialogue event, in file order."""
        return [(e.start / 1000, e.end / 1000, e.plaintext) for e in self.subs.events if not e.is_comment]

    def retimed(self, at: Callable[[float], float]) -> str:
        """The file's text with every event's times mapped by ``at`` (never below 0, ends never
        before starts)."""
        for event in self.subs.events:
            start = max(0, round(at(event.start / 1000) * 1000))
            event.end = max(start, round(at(event.end / 1000) * 1000))
            event.start = start
        return self.subs.to_string(self.format)


def read_captions(path: Path) -> Captions:
    """A caption file in one of :data:`FORMATS` (by its extension), else a one-line
    :class:`ResyncError` naming it and the cause, never quoting it."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ResyncError(f"not a caption format resync reads (use {', '.join(FORMATS)})", str(path))
    try:
        text = read_regular_file(path, MAX_BYTES).decode("utf-8-sig")
    except OSError as exc:
        raise ResyncError(f"cannot read: {exc.strerror or type(exc).__name__}", str(path)) from None
    except UnicodeDecodeError as exc:
        raise ResyncError(f"not UTF-8 text (byte {exc.start + 1})", str(path)) from None
    try:
        subs = pysubs2.SSAFile.from_string(text, format_=fmt)
    except Exception:  # the parsers' messages may quote the file
        raise ResyncError(f"not a valid {fmt} file", str(path)) from None
    captions = Captions(subs, fmt)
    if not captions.cues:
        raise ResyncError(f"no cues: not a {fmt} caption file, or an empty one", str(path))
    return captions


def write_captions(path: Path, text: str) -> None:
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise ResyncError(f"cannot write: {exc.strerror or type(exc).__name__}", str(path)) from None
