"""Writers: cues and transcripts rendered as SRT, WebVTT, JSON and plain text.

SRT is composed by the ``srt`` library and WebVTT by ``webvtt-py``, so both files are what those
libraries (and the players that follow the same specs) read back.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import timedelta

import srt
import webvtt

from captioner.core.cues import Cue
from captioner.core.transcript import Transcript

FORMATS: tuple[str, ...] = ("srt", "vtt", "json", "txt")
DEFAULT_FORMATS: tuple[str, ...] = ("srt", "vtt")
SUBTITLE_FORMATS: tuple[str, ...] = ("srt", "vtt")  # the formats players, video tracks and the studio read


def _clean_line(line: str) -> str:
    """A caption line no format can misread: no cue-timing arrow, no blank lines."""
    return " ".join(line.replace("-->", "->").split())


def _cue_lines(cue: Cue) -> list[str]:
    return [ln for ln in (_clean_line(x) for x in cue.lines) if ln]


def _ms(seconds: float) -> timedelta:
    return timedelta(milliseconds=round(max(0.0, seconds) * 1000))


def render_srt(cues: Sequence[Cue]) -> str:
    subtitles = [
        srt.Subtitle(index=i, start=_ms(c.start), end=_ms(c.end), content="\n".join(_cue_lines(c)))
        for i, c in enumerate((c for c in cues if _cue_lines(c)), start=1)
    ]
    return srt.compose(subtitles, reindex=False)


def vtt_timestamp(seconds: float) -> str:
    total_ms = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def render_vtt(cues: Sequence[Cue], *, highlight_words: bool = False) -> str:
    captions = []
    for cue in cues:
        lines = _cue_lines(cue)
        if not lines:
            continue
        if highlight_words and cue.words:
            captions.extend(_highlighted(cue, lines))
            continue
        text = "\n".join(html.escape(ln, quote=False) for ln in lines)
        captions.append(webvtt.Caption(start=vtt_timestamp(cue.start), end=vtt_timestamp(cue.end), text=text))
    return webvtt.WebVTT(captions=captions).content


def _highlighted(cue: Cue, lines: list[str]) -> list[webvtt.Caption]:
    """Karaoke-style VTT: the cue's text inline with ``<HH:MM:SS.mmm>`` timestamp tags.

    Inline timestamps are the WebVTT way to show word timing: players that support them
    colour past/future words through ``::cue(:past)``/``::cue(:future)``, and the others
    simply show the plain text, so nothing breaks.
    """
    words = [w for w in cue.words if w.text]
    out_lines: list[str] = []
    index = 0
    for line in lines:
        parts: list[str] = []
        rest = line
        while index < len(words) and rest:
            token = words[index].text
            pos = rest.find(token)
            if pos < 0:
                break
            if pos > 0:
                parts.append(html.escape(rest[:pos], quote=False))
            stamp = words[index].start
            if cue.start < stamp < cue.end and (parts or out_lines):
                parts.append(f"<{vtt_timestamp(stamp)}>")
            parts.append(html.escape(token, quote=False))
            rest = rest[pos + len(token) :]
            index += 1
        if rest:
            parts.append(html.escape(rest, quote=False))
        out_lines.append("".join(parts))
    return [webvtt.Caption(start=vtt_timestamp(cue.start), end=vtt_timestamp(cue.end), text="\n".join(out_lines))]


def render_json(transcript: Transcript) -> str:
    return transcript.to_json()


def render_txt(cues: Sequence[Cue]) -> str:
    """The captions' text, one cue per line."""
    lines = [" ".join(_cue_lines(c)) for c in cues]
    return "".join(f"{ln}\n" for ln in lines if ln)


def render(fmt: str, cues: Sequence[Cue], transcript: Transcript, *, highlight_words: bool = False) -> str:
    renderers: dict[str, Callable[[], str]] = {
        "srt": lambda: render_srt(cues),
        "vtt": lambda: render_vtt(cues, highlight_words=highlight_words),
        "json": lambda: render_json(transcript),
        "txt": lambda: render_txt(cues),
    }
    try:
        return renderers[fmt]()
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})") from None
