"""The formats: cues and transcripts rendered in every format captioner writes, and the one table of
them, each format's writer beside its reader (:mod:`captioner.output.readers`), as pysubs2's
formats table pairs them.

SRT is composed by the ``srt`` library and WebVTT by ``webvtt-py``, so both files are what those
libraries (and the players that follow the same specs) read back.  The broadcast formats have
their own modules: TTML (:mod:`captioner.output.ttml`), SCC (:mod:`captioner.output.scc`), ASS
(:mod:`captioner.output.ass`) and SBV (:mod:`captioner.output.sbv`).

Every writer is a pure function of (cues, transcript, options) -> text, every reader of text ->
cues; both are registered in :data:`FORMAT_TABLE`, whose names (:data:`FORMATS`) are what the
command line, ``captioner.toml`` and the lock file accept.

Speakers (cues with ``voices``): WebVTT marks each line's speaker with a ``<v Name>`` voice span
and colours the voices in the BBC's order (white, yellow, cyan, green) through a ``STYLE`` block
(players that ignore it show plain text); SRT, text and the broadcast formats put the
speaker's name before the first line of each turn (``Name: ...``).  Dialogue dashes are part of
the lines in every format.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import srt
import webvtt

from captioner.core.cues import Cue
from captioner.core.timestamps import timestamp
from captioner.core.transcript import Transcript
from captioner.output.ass import Look, render_ass
from captioner.output.readers import ReadCue, read_ass, read_sbv, read_scc, read_srt, read_ttml, read_vtt
from captioner.output.sbv import render_sbv
from captioner.output.scc import render_scc
from captioner.output.text import cue_lines as _cue_lines
from captioner.output.text import labelled_lines as _labelled_lines
from captioner.output.text import voiced_lines as _voiced_lines
from captioner.output.ttml import render_ttml


def _ms(seconds: float) -> timedelta:
    return timedelta(milliseconds=round(max(0.0, seconds) * 1000))


def render_srt(cues: Sequence[Cue]) -> str:
    subtitles = [
        srt.Subtitle(index=i, start=_ms(c.start), end=_ms(c.end), content="\n".join(_labelled_lines(c)))
        for i, c in enumerate((c for c in cues if _cue_lines(c)), start=1)
    ]
    return srt.compose(subtitles, reindex=False)


def vtt_timestamp(seconds: float) -> str:
    return timestamp(seconds)


# The BBC's speaker colours after the default white, in order (BBC Subtitle Guidelines, section 7).
VOICE_COLOURS = ("#FFFF00", "#00FFFF", "#00FF00")


def render_vtt(cues: Sequence[Cue], *, highlight_words: bool = False) -> str:
    captions = []
    for cue in cues:
        lines = _cue_lines(cue)
        if not lines:
            continue
        if highlight_words and cue.words:
            captions.append(_highlighted(cue, lines))
            continue
        text = _with_voices(cue, [html.escape(ln, quote=False) for ln in lines])
        captions.append(webvtt.Caption(start=vtt_timestamp(cue.start), end=vtt_timestamp(cue.end), text=text))
    return webvtt.WebVTT(captions=captions, styles=_voice_styles(cues)).content


def _voice(name: str) -> str:
    return html.escape(" ".join(name.split()), quote=False)


def _with_voices(cue: Cue, texts: list[str]) -> str:
    """The cue's (escaped) line texts joined, in ``<v Name>`` spans when it has voices: one around
    the cue for one speaker, one a line for a dialogue cue."""
    voices = [v for _, v in _voiced_lines(cue)]
    if not any(voices):
        return "\n".join(texts)
    if len(set(voices)) == 1:
        return f"<v {_voice(str(voices[0]))}>" + "\n".join(texts) + "</v>"
    return "\n".join(f"<v {_voice(v)}>{t}</v>" if v else t for t, v in zip(texts, voices, strict=True))


def _voice_styles(cues: Sequence[Cue]) -> list[webvtt.Style]:
    """A STYLE block colouring the second, third and fourth voices (in order of appearance)."""
    order: list[str] = []
    for cue in cues:
        order.extend(v for v in cue.voices if v not in order)
    if len(order) < 2:
        return []
    rules = [
        f'::cue(v[voice="{_voice(name).replace(chr(34), "&quot;")}"]) {{ color: {colour}; }}'
        for name, colour in zip(order[1:], VOICE_COLOURS, strict=False)
    ]
    return [webvtt.Style(rules)]


def _highlighted(cue: Cue, lines: list[str]) -> webvtt.Caption:
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
    text = _with_voices(cue, out_lines)
    return webvtt.Caption(start=vtt_timestamp(cue.start), end=vtt_timestamp(cue.end), text=text)


def render_json(transcript: Transcript) -> str:
    return transcript.to_json()


def render_txt(cues: Sequence[Cue]) -> str:
    """The captions' text, one cue per line."""
    lines = [" ".join(_labelled_lines(c)) for c in cues]
    return "".join(f"{ln}\n" for ln in lines if ln)


@dataclass(frozen=True)
class WriterOptions:
    """What a writer may need beyond the cues and the transcript."""

    highlight_words: bool = False  # vtt: word timing tags
    language: str | None = None  # ttml: xml:lang; scc: line breaking of re-laid out cues
    style_name: str | None = None  # the style the cues were made with (named in notes)
    look: Look | None = None  # ass, ttml: how the captions look (--burn's options)
    frame: tuple[int, int] | None = None  # ass: the video's picture size (its PlayResX/Y)


@dataclass(frozen=True)
class Rendered:
    """A writer's text, and notes for the user (what it had to change to fit the format)."""

    text: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Format:
    """A caption format: its writer and, for a format with times, its reader."""

    name: str
    description: str
    write: Callable[[Sequence[Cue], Transcript, WriterOptions], Rendered]
    read: Callable[[str], list[ReadCue]] | None = None  # None: not read back (json, txt)
    per_cue: bool = True  # made from the cues (json: from the transcript)


def _scc(cues: Sequence[Cue], transcript: Transcript, options: WriterOptions) -> Rendered:
    result = render_scc(cues, options.language or transcript.language, options.style_name)
    return Rendered(result.text, tuple(result.notes))


def _text(
    render_text: Callable[[Sequence[Cue], Transcript, WriterOptions], str],
) -> Callable[[Sequence[Cue], Transcript, WriterOptions], Rendered]:
    def write(cues: Sequence[Cue], transcript: Transcript, options: WriterOptions) -> Rendered:
        return Rendered(render_text(cues, transcript, options))

    return write


FORMAT_TABLE: dict[str, Format] = {
    f.name: f
    for f in (
        Format("srt", "SubRip", _text(lambda c, t, o: render_srt(c)), read_srt),
        Format("vtt", "WebVTT", _text(lambda c, t, o: render_vtt(c, highlight_words=o.highlight_words)), read_vtt),
        Format("json", "Whisper verbose JSON (words, scores)", _text(lambda c, t, o: render_json(t)), per_cue=False),
        Format("txt", "plain text, a cue a line", _text(lambda c, t, o: render_txt(c))),
        Format(
            "ttml",
            "TTML, IMSC 1.1 Text Profile",
            _text(lambda c, t, o: render_ttml(c, o.language or t.language, o.look)),
            read_ttml,
        ),
        Format("scc", "Scenarist SCC, CEA-608 pop-on captions", _scc, read_scc),
        Format(
            "ass",
            "Advanced SubStation Alpha, in --burn's look",
            _text(lambda c, t, o: render_ass(c, o.look, o.frame)),
            read_ass,
        ),
        Format("sbv", "YouTube SubViewer", _text(lambda c, t, o: render_sbv(c)), read_sbv),
    )
}
FORMATS: tuple[str, ...] = tuple(FORMAT_TABLE)
DEFAULT_FORMATS: tuple[str, ...] = ("srt", "vtt")
SUBTITLE_FORMATS: tuple[str, ...] = ("srt", "vtt")  # the formats players, video tracks and the studio read


def render_with_notes(
    fmt: str, cues: Sequence[Cue], transcript: Transcript, options: WriterOptions | None = None
) -> Rendered:
    """Format ``fmt``'s text for the cues (or transcript), with the writer's notes."""
    try:
        writer = FORMAT_TABLE[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})") from None
    return writer.write(cues, transcript, options or WriterOptions())


def render_cues(fmt: str, cues: Sequence[Cue], language: str | None = None, style_name: str | None = None) -> Rendered:
    """Format ``fmt``'s text for cues that have no transcript behind them (cues a person edited, or
    read from a file); ``language``: TTML's xml:lang and SCC's line breaking."""
    transcript = Transcript(language=language or "", duration=max((c.end for c in cues), default=0.0), segments=[])
    return render_with_notes(fmt, cues, transcript, WriterOptions(language=language, style_name=style_name))


def render(fmt: str, cues: Sequence[Cue], transcript: Transcript, *, highlight_words: bool = False) -> str:
    return render_with_notes(fmt, cues, transcript, WriterOptions(highlight_words=highlight_words)).text
