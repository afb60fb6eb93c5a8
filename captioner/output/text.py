"""A cue's lines as every writer shows them (one place, so that the formats agree on the text)."""

from __future__ import annotations

from captioner.core.cues import Cue


def clean_line(line: str) -> str:
    """A caption line no format can misread: no cue-timing arrow, no blank lines."""
    return " ".join(line.replace("-->", "->").split())


def cue_lines(cue: Cue) -> list[str]:
    """The cue's non-empty lines, cleaned."""
    return [ln for ln in (clean_line(x) for x in cue.lines) if ln]


def shown(cues: list[Cue] | tuple[Cue, ...]) -> list[tuple[Cue, list[str]]]:
    """The cues that have text, with their lines (empty cues are written by no format)."""
    return [(c, lines) for c in cues if (lines := cue_lines(c))]


def clock(seconds: float) -> tuple[int, int, int, int]:
    """``seconds`` (negative: 0) as hours, minutes, seconds and milliseconds, rounded to the millisecond."""
    total_ms = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return hours, minutes, secs, ms


def clock_text(seconds: float) -> str:
    """``HH:MM:SS.mmm``, as WebVTT and TTML write times."""
    hours, minutes, secs, ms = clock(seconds)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"
