"""Text the studio must not write: a saved .srt or .vtt has to read back as the cues the page saved.

SRT has no escapes.  ``-->`` in a line is the timing arrow (the writers turned it into ``->``
without a word), and a line holding only a number followed by a line starting like a time
(``2`` then ``10:30:00 ...``) is the start of another cue to every SRT reader: the file would come
back with other cues, or not at all.  Such a cue is refused, by number, before anything is written;
and the rendered files are read back and compared, so that no other text slips through.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from captioner.edit.analysis import EditCue

# The srt library's own patterns (srt.SRT_REGEX): a cue number line, and the start of a timing line.
NUMBER_LINE = re.compile(r"\s*-?[0-9]+\.?[0-9]*\s*")
TIME_START = re.compile(r"[0-9]+[,.:，．。：][0-9]+[,.:，．。：][0-9]+")


def text_problems(lines: Sequence[str]) -> list[str]:
    """Why a cue of these lines cannot be written so that it reads back the same (empty: it can)."""
    out = []
    if any("-->" in line for line in lines):
        out.append("'-->' cannot be written in a caption file: it is the timing arrow (write → instead)")
    if any(NUMBER_LINE.fullmatch(a) and TIME_START.match(b) for a, b in zip(lines, lines[1:])):
        out.append(
            "a line of only a number followed by a line starting with a time reads as a new cue in .srt: "
            "join the two lines or reword them"
        )
    return out


def expected(cue: EditCue, voiced: bool = False) -> tuple[float, float, str, tuple[str, ...]]:
    """The cue as a reader gets it back: times to the millisecond, its lines with spaces collapsed,
    and (``voiced``: from a .vtt) its speakers as the file names them."""
    lines = "\n".join(" ".join(line.split()) for line in cue.lines)
    from captioner.edit.voices import line_voices

    said = line_voices(cue.voices, len(cue.lines))
    said = said if len(set(said)) > 1 else said[:1]
    return round(cue.start, 3), round(cue.end, 3), lines, (said if voiced else ())


def read_back_problems(cues: Sequence[EditCue], texts: dict[str, str]) -> dict[int, list[str]]:
    """By cue index: the srt and vtt texts about to be written that do not read back as ``cues``."""
    from captioner.edit.captions import _parse_srt, _parse_vtt

    names = sorted({v for c in cues for v in c.voices})
    parsers = {"srt": lambda text: _parse_srt(text, names), "vtt": _parse_vtt}
    out: dict[int, list[str]] = {}
    for fmt, parse in parsers.items():
        if fmt not in texts:
            continue
        want = [expected(c, fmt == "vtt") for c in cues if c.lines]
        try:
            got = [expected(c, fmt == "vtt") for c in parse(texts[fmt])]
        except Exception:  # the parsers raise their own error types
            got = []
        for k, cue in enumerate(want):
            if k >= len(got) or got[k] != cue or (k == len(want) - 1 and len(got) != len(want)):
                out.setdefault(k, []).append(f"would not read back the same from the .{fmt} file")
                break
    return out
