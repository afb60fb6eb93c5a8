"""SBV: YouTube's SubViewer captions (``H:MM:SS.mmm,H:MM:SS.mmm``, the text lines, a blank line).

No maintained Python library writes SBV, and the format is three lines of rules, so it is written
here; ffmpeg's ``subviewer`` demuxer reads it back in the tests (an independent reader).
"""

from __future__ import annotations

from collections.abc import Sequence

from captioner.core.cues import Cue
from captioner.core.timestamps import timestamp
from captioner.output.text import shown


def sbv_timestamp(seconds: float) -> str:
    """``H:MM:SS.mmm`` (hours not padded, as YouTube writes them)."""
    return timestamp(seconds, hours="plain")


def render_sbv(cues: Sequence[Cue]) -> str:
    blocks = [
        f"{sbv_timestamp(cue.start)},{sbv_timestamp(cue.end)}\n" + "\n".join(lines) + "\n"
        for cue, lines in shown(list(cues))
    ]
    return "\n".join(blocks)
