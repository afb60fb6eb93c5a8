"""Caption files for resync, read in the format their name says and written back in the same format
with only the times changed, atomically.

SRT, WebVTT, ASS and SSA go through pysubs2, which keeps each event's text, tags, style and order
as they were.  SBV, TTML and SCC are read by their readers in captioner's format table
(:data:`captioner.output.writers.FORMAT_TABLE`) and written again by its writers: each cue's lines
and order kept (TTML keeps its ``xml:lang``), the look captioner's own."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pysubs2

from captioner.core.cues import Cue
from captioner.errors import CaptionerError
from captioner.output.atomic import atomic_write_text
from captioner.output.readers import ReadCue, ttml_language
from captioner.output.writers import FORMAT_TABLE, render_cues
from captioner.paths import read_regular_file

PYSUBS2_FORMATS = {".srt": "srt", ".vtt": "vtt", ".ass": "ass", ".ssa": "ssa"}
TABLE_FORMATS = {".sbv": "sbv", ".ttml": "ttml", ".scc": "scc"}  # by captioner's readers and writers
FORMATS = {**PYSUBS2_FORMATS, **TABLE_FORMATS}
SHOWN_WITHOUT_END = 5.0  # seconds a cue no clear ends (an SCC caption left on screen) is taken to show
MAX_BYTES = 64 * 1024 * 1024  # an hour of cues is well under 1 MB


class ResyncError(CaptionerError):
    """Captions that cannot be read, or times that cannot be trusted."""


class Captions(Protocol):
    """A caption file read for resync."""

    @property
    def cues(self) -> list[tuple[float, float, str]]:
        """(start, end, text with its lines separated by newlines) of each cue, in file order."""
        ...

    def retimed(self, at: Callable[[float], float]) -> str:
        """The file's text with every cue's times mapped by ``at`` (never below 0, ends never
        before starts)."""
        ...


@dataclass
class EventCaptions:
    """A file pysubs2 reads and writes: only the events' times change."""

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


@dataclass
class TableCaptions:
    """A file of captioner's format table: its cues read, written again with new times."""

    read: list[ReadCue]
    format: str
    language: str | None = None

    @property
    def cues(self) -> list[tuple[float, float, str]]:
        return [(c.start, _end(c), c.text) for c in self.read]

    def retimed(self, at: Callable[[float], float]) -> str:
        cues = []
        for c in self.read:
            start = max(0, round(at(c.start) * 1000))
            end = max(start, round(at(_end(c)) * 1000))
            cues.append(Cue(start / 1000, end / 1000, c.lines))
        return render_cues(self.format, cues, self.language).text


def _end(cue: ReadCue) -> float:
    return cue.end if math.isfinite(cue.end) else cue.start + SHOWN_WITHOUT_END


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
        captions = _parse(text, fmt)
    except Exception:  # the parsers' messages may quote the file
        raise ResyncError(f"not a valid {fmt} file", str(path)) from None
    if not captions.cues:
        raise ResyncError(f"no cues: not a {fmt} caption file, or an empty one", str(path))
    return captions


def _parse(text: str, fmt: str) -> Captions:
    if fmt in PYSUBS2_FORMATS.values():
        return EventCaptions(pysubs2.SSAFile.from_string(text, format_=fmt), fmt)
    read = FORMAT_TABLE[fmt].read
    assert read is not None  # every format of TABLE_FORMATS has its reader
    return TableCaptions(read(text), fmt, ttml_language(text) if fmt == "ttml" else None)


def write_captions(path: Path, text: str) -> None:
    try:
        atomic_write_text(path, text)
    except OSError as exc:
        raise ResyncError(f"cannot write: {exc.strerror or type(exc).__name__}", str(path)) from None
