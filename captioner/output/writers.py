"""Writers: cues and transcripts rendered as SRT, WebVTT, JSON and plain text.

SRT is composed by the ``srt`` library and WebVTT by ``webvtt-py``, so both files are what those
libraries (and the players that follow the same specs) read back.

Speakers (cues with ``voices``): WebVTT marks each line's speaker with a ``<v Name>`` voice span
and colours the voices in the BBC's order (white, yellow, cyan, green) through a ``STYLE`` block
(players that ignore it show plain text); SRT and text, which have no voice markup, put the
speaker's name before the first line of each turn (``Name: ...``).  Dialogue dashes are part of
the lines in every format.
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


def _clean_line(line: str) -> str:
    """A caption line no format can misread: no cue-timing arrow, no blank lines."""
    return " ".join(line.replace("-->", "->").split())


def _cue_lines(cue: Cue) -> list[str]:
    return [ln for ln, _ in _voiced_lines(cue)]


def _voiced_lines(cue: Cue) -> list[tuple[str, str | None]]:
    """The cue's non-empty lines, each with its speaker (None when the cue has no voices)."""
    voices: tuple[str | None, ...] = cue.voices if len(cue.voices) == len(cue.lines) else (None,) * len(cue.lines)
    return [(ln, v) for ln, v in ((_clean_line(x), v) for x, v in zip(cue.lines, voices, strict=True)) if ln]


def _labelled_lines(cue: Cue) -> list[str]:
    """The lines as formats without voice markup show them: the turn's first with its label."""
    lines = _cue_lines(cue)
    if cue.label and lines:
        lines[0] = f"{_clean_line(cue.label)}: {lines[0]}"
    return lines


def _ms(seconds: float) -> timedelta:
    return timedelta(milliseconds=round(max(0.0, seconds) * 1000))


def render_srt(cues: Sequence[Cue]) -> str:
    subtitles = [
        srt.Subtitle(index=i, start=_ms(c.start), end=_ms(c.end), content="\n".join(_labelled_lines(c)))
        for i, c in enumerate((c for c in cues if _cue_lines(c)), start=1)
    ]
    return srt.compose(subtitles, reindex=False)


def vtt_timestamp(seconds: float) -> str:
    total_ms = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


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
