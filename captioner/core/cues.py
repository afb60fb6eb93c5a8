"""A caption cue: what the segmentation stage produces and every writer consumes."""

from __future__ import annotations

from dataclasses import dataclass

from captioner.core.transcript import Word


@dataclass(frozen=True)
class Cue:
    """Lines of text shown from ``start`` to ``end`` seconds.

    ``words`` are the transcript words the cue was built from (in order), kept so that writers
    can highlight words and the review report can look at their confidence.

    With speakers told apart (``--speakers channels``): ``voices`` names the speaker of each line
    (a dialogue cue has one speaker a line, its lines starting with a dash), and ``label`` is the
    speaker's name that formats without voice markup (SRT, text) put before the first line, set on
    the first cue of each turn (the lines leave room for it).
    """

    start: float
    end: float
    lines: tuple[str, ...]
    words: tuple[Word, ...] = ()
    voices: tuple[str, ...] = ()
    label: str | None = None

    @property
    def text(self) -> str:
        """The cue's text on one line (lines joined by a space)."""
        return " ".join(self.lines)

    @property
    def duration(self) -> float:
        return self.end - self.start
