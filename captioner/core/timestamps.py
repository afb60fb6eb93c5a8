"""Clock times, both ways: seconds as ``HH:MM:SS.mmm`` (and the other spellings the formats and
messages use), and such a time read back into seconds.  Every such conversion in captioner is one
of these two functions (SCC's frame timecodes are frames, not clock times: see
:mod:`captioner.output.scc`)."""

from __future__ import annotations

import re

# [h...:]mm:ss, a fraction of any length after "." or "," (SRT writes a comma, ffmpeg nanoseconds)
_CLOCK = re.compile(r"(?:(\d+):)?(\d{2}):(\d{2}(?:[.,]\d+)?)")


def clock(seconds: float) -> tuple[int, int, int, int]:
    """``seconds`` (negative: 0) as hours, minutes, seconds and milliseconds, rounded to the millisecond."""
    total_ms = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return hours, minutes, secs, ms


def timestamp(seconds: float, *, separator: str = ".", hours: str = "padded") -> str:
    """``seconds`` (negative: 0) as a clock time.

    ``hours``: "padded" ``HH:MM:SS.mmm`` (WebVTT, TTML, SRT with ``separator=","``); "plain"
    ``H:MM:SS.mmm`` (SBV); "short" ``M:SS``, or ``H:MM:SS`` from an hour on, rounded to the whole
    second (messages)."""
    if hours == "short":
        minutes, secs = divmod(int(round(max(0.0, seconds))), 60)
        whole_hours, minutes = divmod(minutes, 60)
        return f"{whole_hours}:{minutes:02d}:{secs:02d}" if whole_hours else f"{minutes}:{secs:02d}"
    h, m, s, ms = clock(seconds)
    if hours == "plain":
        return f"{h}:{m:02d}:{s:02d}{separator}{ms:03d}"
    if hours != "padded":
        raise ValueError(f"hours must be padded, plain or short, not {hours!r}")
    return f"{h:02d}:{m:02d}:{s:02d}{separator}{ms:03d}"


def parse_timestamp(text: str) -> float | None:
    """The seconds of a clock time ``[H:]MM:SS[.fraction]`` (``,`` also separates the fraction),
    None when ``text`` is not one."""
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    hours, minutes, secs = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(secs.replace(",", "."))
