"""A cue's lines as every writer shows them (one place, so that the formats agree on the text)."""

from __future__ import annotations

import re

from captioner.core.cues import Cue

# Two or more hyphens then ">": "-->" made "->" in one pass would leave "--->" as "-->".
_ARROW = re.compile(r"-{2,}>")


def clean_line(line: str) -> str:
    """A caption line no format can misread: no cue-timing arrow, no blank lines."""
    return " ".join(_ARROW.sub("->", line).split())


def cue_lines(cue: Cue) -> list[str]:
    """The cue's non-empty lines, cleaned."""
    return [ln for ln, _ in voiced_lines(cue)]


def voiced_lines(cue: Cue) -> list[tuple[str, str | None]]:
    """The cue's non-empty lines, each with its speaker (None when the cue has no voices)."""
    voices: tuple[str | None, ...] = cue.voices if len(cue.voices) == len(cue.lines) else (None,) * len(cue.lines)
    return [(ln, v) for ln, v in ((clean_line(x), v) for x, v in zip(cue.lines, voices, strict=True)) if ln]


def labelled_lines(cue: Cue) -> list[str]:
    """The lines as formats without voice markup show them: the turn's first with its label."""
    lines = cue_lines(cue)
    if cue.label and lines:
        lines[0] = f"{clean_line(cue.label)}: {lines[0]}"
    return lines


def shown(cues: list[Cue] | tuple[Cue, ...]) -> list[tuple[Cue, list[str]]]:
    """The cues that have text, with their lines as shown (empty cues are written by no format;
    a speaker's turn starts with their label)."""
    return [(c, lines) for c in cues if (lines := labelled_lines(c))]
