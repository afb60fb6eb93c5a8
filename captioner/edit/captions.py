"""A media file's caption files: reading its cues, their version, and writing every format at once."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import srt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from captioner.ci.status import caption_paths
from captioner.ci.tree import outside_tree
from captioner.core.cues import Cue
from captioner.edit import voices
from captioner.edit.analysis import EditCue
from captioner.edit.voices import vtt_line_voices
from captioner.errors import CaptionerError
from captioner.output.atomic import atomic_write_text
from captioner.output.readers import read_srt, read_vtt_with_markup
from captioner.output.writers import FORMAT_TABLE, SUBTITLE_FORMATS, render_cues
from captioner.paths import read_regular_file

# Formats made from cues, every one captioner writes (json is the transcript: a person's edit does
# not change what was heard).
_VTT_TIMES = re.compile(r"(\d+:)?\d{2}:\d{2}\.\d{3}\s+-->\s+(\d+:)?\d{2}:\d{2}\.\d{3}(\s|$)")
MAX_FILE_BYTES = 256 * 1024 * 1024  # an hour of cues is well under 1 MB, a transcript a few MB
CUE_FORMATS = tuple(name for name, fmt in FORMAT_TABLE.items() if fmt.per_cue)


class CaptionReadError(CaptionerError):
    """A caption file that cannot be read or parsed."""


class LeadsOut(CaptionReadError):
    """A caption or transcript file that leads out of the tree (a symbolic link): not read."""


def checked(root: Path, rel: str) -> Path:
    """``root / rel`` for a caption or transcript file that stays inside the tree (else
    :class:`CaptionReadError`, naming the file: nothing is read through a link leading out)."""
    why = outside_tree(root, rel)
    if why:
        raise LeadsOut(f"not read: {why}", rel)
    return root / rel


def read_file(root: Path, rel: str) -> bytes | None:
    """The bytes of a caption or transcript file of the tree (None: there is none): only a regular
    file inside the tree (a named pipe would hang the request), at most :data:`MAX_FILE_BYTES`;
    else a :class:`CaptionReadError` naming it, never quoting it."""
    try:
        return read_regular_file(checked(root, rel), MAX_FILE_BYTES)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CaptionReadError(f"cannot read: {exc.strerror or type(exc).__name__}", rel) from None


def formats_of(root: Path, rel: str, configured: Sequence[str]) -> list[str]:
    """The cue formats this media's captions are kept in: the tree's, plus the caption files that
    exist (so that a save leaves none of them behind the others)."""
    present = [f for f, p in caption_paths(rel, CUE_FORMATS).items() if (root / p).is_file()]
    return [f for f in CUE_FORMATS if f in configured or f in present]


def versions(root: Path, rel: str, formats: Sequence[str]) -> dict[str, str | None]:
    """sha256 of each caption file as it is on disk now (None: no such file)."""
    out: dict[str, str | None] = {}
    for fmt, cap in caption_paths(rel, formats).items():
        data = read_file(root, cap)
        out[fmt] = None if data is None else hashlib.sha256(data).hexdigest()
    return out


def read_cues(root: Path, rel: str, names: Sequence[str] = ()) -> tuple[list[EditCue], str | None]:
    """The cues of the media's .srt (else its .vtt), and the file they came from (None: neither).
    Their speakers: the .vtt's voices when its cues have the same times, else the .srt's ``Name:``
    labels of the speakers ``names`` and the .vtt's (see :mod:`captioner.edit.voices`).
    A file that cannot be used is a :class:`CaptionReadError` that describes the problem (the
    line and the cause) without quoting the file: it may be anything."""
    paths = caption_paths(rel, SUBTITLE_FORMATS)
    srt_text = _decoded(root, paths["srt"])
    if srt_text is None:
        vtt_text = _decoded(root, paths["vtt"])
        return ([], None) if vtt_text is None else (_parsed("vtt", vtt_text, names, paths["vtt"]), paths["vtt"])
    vtt: list[EditCue] = []
    try:  # the .vtt only names the speakers here: one that cannot be read names none
        vtt_text = _decoded(root, paths["vtt"])
        if vtt_text is not None and "<v" in vtt_text:  # parsed only when it has voices (the index reads every file)
            vtt = _parse_vtt(vtt_text)
    except Exception:  # noqa: BLE001 (the parsers raise their own types; the .srt is what is read)
        vtt = []
    cues = _parsed("srt", srt_text, [*names, *(v for c in vtt for v in c.voices)], paths["srt"])
    if vtt and [(c.start, c.end) for c in vtt] == [(c.start, c.end) for c in cues]:
        cues = [replace(c, voices=v.voices) for c, v in zip(cues, vtt, strict=True)]
    return cues, paths["srt"]


def _parsed(fmt: str, text: str, names: Sequence[str], rel: str) -> list[EditCue]:
    try:
        return _parse_srt(text, names) if fmt == "srt" else _parse_vtt(text)
    except Exception as exc:  # the parsers' messages quote the text: described instead
        raise CaptionReadError(f"not a valid {fmt} file: {_problem(text, exc)}", rel) from None


def _decoded(root: Path, rel: str) -> str | None:
    data = read_file(root, rel)
    if data is None:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaptionReadError(f"not UTF-8 text (byte {exc.start + 1})", rel) from None


def _problem(text: str, exc: Exception) -> str:
    """Where a caption file the parsers refused goes wrong, in words: the line and the cause, never
    the text itself (it may be anything: a link's target, a secret)."""
    if isinstance(exc, srt.SRTParseError):
        skipped = exc.unmatched_content  # measured, never shown: blank lines before it are not the problem
        at = text.count("\n", 0, exc.expected_start + len(skipped) - len(skipped.lstrip())) + 1
        return f"line {at} does not continue a cue (number, times, text)"
    lines = text.splitlines()
    if isinstance(exc, (MalformedFileError, MalformedCaptionError)):
        if not lines or not lines[0].startswith("WEBVTT"):
            return "line 1 is not the WEBVTT header"
        for number, line in enumerate(lines, start=1):
            if "-->" in line and not _VTT_TIMES.match(line.strip()):
                return f"line {number}: times webvtt cannot read"
    return "a cue cannot be read"


def _parse_srt(text: str, names: Sequence[str] = ()) -> list[EditCue]:
    """SRT cues, their ``Name:`` labels of the speakers ``names`` taken off the text into voices."""
    read = read_srt(text)
    said = voices.strip_labels([c.text for c in read], names)
    return [EditCue(c.start, c.end, content, voices=who) for c, (content, who) in zip(read, said, strict=True)]


def _parse_vtt(text: str) -> list[EditCue]:
    """WebVTT cues, each line's speaker from its ``<v>`` tag."""
    return [EditCue(c.start, c.end, c.text, voices=vtt_line_voices(raw)) for c, raw in read_vtt_with_markup(text)]


def render_all(
    cues: Sequence[EditCue], formats: Sequence[str], language: str | None = None, style_name: str | None = None
) -> dict[str, str]:
    """Each format's text for ``cues`` by the project's writers (``language``: TTML's xml:lang and
    SCC's line breaking).  A format that cannot carry the text (SCC of Japanese) raises its
    :class:`CaptionerError` before anything is written."""
    plain = [
        Cue(c.start, c.end, c.lines, voices=voices.line_voices(c.voices, len(c.lines)), label=label)
        for c, label in zip(cues, voices.labels(cues), strict=True)
    ]
    return {fmt: render_cues(fmt, plain, language, style_name).text for fmt in formats}


def linked(root: Path, rel: str, formats: Sequence[str]) -> list[str]:
    """The caption files of ``rel`` in ``formats`` that are symbolic links: a save refuses them
    rather than replace a link with a file (or write where a link leads)."""
    return [cap for cap in caption_paths(rel, formats).values() if (root / cap).is_symlink()]


def write_all(root: Path, rel: str, texts: dict[str, str]) -> list[str]:
    """Write every format atomically (each file whole or not at all); the root-relative paths written."""
    written = []
    for fmt, cap in caption_paths(rel, texts).items():
        atomic_write_text(root / cap, texts[fmt])
        written.append(cap)
    return written
