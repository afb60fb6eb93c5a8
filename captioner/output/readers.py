"""Readers: caption files read back into cues, one for each format captioner writes that has
times (the format table of :mod:`captioner.output.writers` pairs each with its writer, as
pysubs2's formats table does).

SRT is read by ``srt``, WebVTT by ``webvtt-py`` (its tags dropped, its entities read), TTML and SCC
by ttconv (the IMSC authors' reader, which decodes CEA-608 too), ASS by pysubs2; SBV, three lines
of rules that no maintained library reads, here.  A reader raises its library's own error on a
file it cannot read: callers describe it without quoting the file.
"""

from __future__ import annotations

import html
import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import srt
import webvtt

from captioner.core.timestamps import parse_timestamp


@dataclass(frozen=True)
class ReadCue:
    """A cue as a file holds it: times in seconds and its lines."""

    start: float
    end: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The lines, separated by newlines."""
        return "\n".join(self.lines)


def read_srt(text: str) -> list[ReadCue]:
    return [
        ReadCue(s.start.total_seconds(), s.end.total_seconds(), tuple(s.content.strip("\n").split("\n")))
        for s in srt.parse(text, ignore_errors=False)
    ]


def read_vtt(text: str) -> list[ReadCue]:
    """WebVTT cue text is markup: its tags (word timings, styling) are dropped, entities read."""
    return [cue for cue, _ in read_vtt_with_markup(text)]


def read_vtt_with_markup(text: str) -> list[tuple[ReadCue, str]]:
    """The WebVTT cues, each with its text as written (its ``<v>`` voice tags, for a reader of speakers)."""
    return [
        (ReadCue(_vtt_seconds(c.start), _vtt_seconds(c.end), tuple(html.unescape(c.text).split("\n"))), c.raw_text)
        for c in webvtt.from_buffer(io.StringIO(text)).captions
    ]


def _vtt_seconds(stamp: str) -> float:
    """A WebVTT timestamp ([hh:]mm:ss.ttt) in seconds, milliseconds kept (webvtt-py's
    ``start_in_seconds`` drops them: a .vtt-only media lost up to a second per cue edge)."""
    seconds = parse_timestamp(stamp)
    if seconds is None:
        raise ValueError("a WebVTT time it cannot read")
    return round(seconds, 3)


def read_sbv(text: str) -> list[ReadCue]:
    """YouTube's SubViewer: blocks of ``start,end`` and the text lines, separated by blank lines."""
    out: list[ReadCue] = []
    for block in text.replace("\r\n", "\n").strip("\n").split("\n\n"):
        head, *lines = block.strip("\n").split("\n")
        times = [parse_timestamp(t) for t in head.split(",")] if head.count(",") == 1 else []
        if len(times) != 2 or times[0] is None or times[1] is None:
            raise ValueError(f"cue {len(out) + 1}: no start,end times on its first line")
        out.append(ReadCue(round(times[0], 3), round(times[1], 3), tuple(lines)))
    return out


def _ttconv_lines(element: Any) -> list[str]:
    from ttconv import model

    lines = [""]

    def walk(node: Any) -> None:
        for child in node:
            if isinstance(child, model.Text):
                lines[-1] += child.get_text()
            elif isinstance(child, model.Br):
                lines.append("")
            else:
                walk(child)

    walk(element)
    return lines


def _ttconv_cues(doc: Any, clean: Any = None) -> list[ReadCue]:
    out: list[ReadCue] = []
    for div in doc.get_body() or ():
        for p in div:
            begin = float(p.get_begin() or 0)
            end = float(p.get_end()) if p.get_end() is not None else float("inf")
            lines = _ttconv_lines(p)
            out.append(ReadCue(begin, end, tuple(clean(ln) for ln in lines) if clean else tuple(lines)))
    return out


def read_ttml(text: str) -> list[ReadCue]:
    """The paragraphs of a TTML document as ttconv's IMSC reader reads them."""
    from ttconv.imsc import reader

    return _ttconv_cues(reader.to_model(ET.ElementTree(ET.fromstring(text.encode("utf-8")))))


def ttml_language(text: str) -> str | None:
    """A TTML document's ``xml:lang`` (None: none given)."""
    return ET.fromstring(text.encode("utf-8")).get("{http://www.w3.org/XML/1998/namespace}lang") or None


# ttconv's SCC reader maps some 608 characters to box-drawing glyphs: the characters they stand for
_TTCONV_GLYPHS = str.maketrans(
    {"\u2501": "\u2014", "\u028c": "^", "\u2503": "|", "\u250f": "┌", "\u2513": "┐", "\u2517": "└", "\u251b": "┘"}
)


def read_scc(text: str) -> list[ReadCue]:
    """The captions of an SCC file as ttconv's SCC reader decodes them (frame-exact times)."""
    from ttconv.scc import reader

    return _ttconv_cues(reader.to_model(text), lambda line: line.translate(_TTCONV_GLYPHS).strip())


def read_ass(text: str) -> list[ReadCue]:
    """The dialogue events of an ASS or SSA file as pysubs2 reads them (override tags dropped; its
    comment events, never shown, left out)."""
    import pysubs2

    subs = pysubs2.SSAFile.from_string(text)
    return [
        ReadCue(e.start / 1000, e.end / 1000, tuple(e.plaintext.split("\n"))) for e in subs.events if not e.is_comment
    ]
