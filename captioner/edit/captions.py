"""A media file's caption files: reading its cues, their version, and writing every format at once."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from pathlib import Path

import srt
import webvtt

from captioner.ci.status import caption_paths
from captioner.core.cues import Cue
from captioner.core.transcript import Transcript
from captioner.edit.analysis import EditCue
from captioner.errors import CaptionerError
from captioner.output.atomic import atomic_write_text
from captioner.output.writers import SUBTITLE_FORMATS, WRITERS, WriterOptions, render_with_notes

# Formats made from cues, every one captioner writes (json is the transcript: a person's edit does
# not change what was heard).
CUE_FORMATS = tuple(name for name, writer in WRITERS.items() if writer.per_cue)


class CaptionReadError(CaptionerError):
    """A caption file that cannot be parsed."""


def formats_of(root: Path, rel: str, configured: Sequence[str]) -> list[str]:
    """The cue formats this media's captions are kept in: the tree's, plus the caption files that
    exist (so that a save leaves none of them behind the others)."""
    present = [f for f, p in caption_paths(rel, CUE_FORMATS).items() if (root / p).is_file()]
    return [f for f in CUE_FORMATS if f in configured or f in present]


def versions(root: Path, rel: str, formats: Sequence[str]) -> dict[str, str | None]:
    """sha256 of each caption file as it is on disk now (None: no such file)."""
    out: dict[str, str | None] = {}
    for fmt, cap in caption_paths(rel, formats).items():
        try:
            out[fmt] = hashlib.sha256((root / cap).read_bytes()).hexdigest()
        except FileNotFoundError:
            out[fmt] = None
    return out


def read_cues(root: Path, rel: str) -> tuple[list[EditCue], str | None]:
    """The cues of the media's .srt (else its .vtt), and the file they came from (None: neither)."""
    paths = caption_paths(rel, SUBTITLE_FORMATS)
    for fmt in SUBTITLE_FORMATS:
        path = root / paths[fmt]
        try:
            text = path.read_text("utf-8-sig")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise CaptionReadError(f"cannot read: {exc}", paths[fmt]) from None
        try:
            return (_parse_srt(text) if fmt == "srt" else _parse_vtt(text)), paths[fmt]
        except Exception as exc:  # the parsers raise their own error types
            raise CaptionReadError(f"not a valid {fmt} file: {exc}", paths[fmt]) from None
    return [], None


def _parse_srt(text: str) -> list[EditCue]:
    return [
        EditCue(s.start.total_seconds(), s.end.total_seconds(), s.content.strip("\n"))
        for s in srt.parse(text, ignore_errors=False)
    ]


def _parse_vtt(text: str) -> list[EditCue]:
    """WebVTT cue text is markup: its tags (word timings, styling) are dropped, entities read."""
    import io

    captions = webvtt.from_buffer(io.StringIO(text)).captions
    return [EditCue(_vtt_seconds(c.start), _vtt_seconds(c.end), html.unescape(c.text)) for c in captions]


def _vtt_seconds(stamp: str) -> float:
    """A WebVTT timestamp ([hh:]mm:ss.ttt) in seconds, milliseconds kept (webvtt-py's
    ``start_in_seconds`` drops them: a .vtt-only media lost up to a second per cue edge)."""
    parts = stamp.split(":")
    return round(sum(float(p) * 60**k for k, p in enumerate(reversed(parts))), 3)


def render_all(
    cues: Sequence[EditCue], formats: Sequence[str], language: str | None = None, style_name: str | None = None
) -> dict[str, str]:
    """Each format's text for ``cues`` by the project's writers (``language``: TTML's xml:lang and
    SCC's line breaking).  A format that cannot carry the text (SCC of Japanese) raises its
    :class:`CaptionerError` before anything is written."""
    plain = [Cue(c.start, c.end, c.lines) for c in cues]
    transcript = Transcript(language=language or "", duration=max((c.end for c in cues), default=0.0), segments=[])
    options = WriterOptions(language=language, style_name=style_name)
    return {fmt: render_with_notes(fmt, plain, transcript, options).text for fmt in formats}


def write_all(root: Path, rel: str, texts: dict[str, str]) -> list[str]:
    """Write every format atomically (each file whole or not at all); the root-relative paths written."""
    written = []
    for fmt, cap in caption_paths(rel, texts).items():
        atomic_write_text(root / cap, texts[fmt])
        written.append(cap)
    return written
