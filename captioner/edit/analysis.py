"""What the studio shows about cues: each word's confidence, doubt as ``captioner review`` sees it,
style problems, and the errors that forbid a save (empty cues, overlaps, times out of order)."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from captioner.captions.review import ReviewThresholds, review
from captioner.core.cues import Cue
from captioner.core.style import Style
from captioner.core.transcript import Transcript, Word
from captioner.edit.roundtrip import text_problems
from captioner.edit.wordmatch import MARGIN, heard_words, match, shading

TIME_EPSILON = 0.0005  # times are kept to the millisecond


@dataclass(frozen=True)
class EditCue:
    """A cue as the page edits it: times and text (lines separated by newlines)."""

    start: float
    end: float
    text: str
    reviewed: bool = False  # a person checked it against the audio: no longer doubtful
    voices: tuple[str, ...] = ()  # its speaker, or one a line (a dialogue cue): see captioner.edit.voices

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.text.split("\n") if line.strip())


class WordIndex:
    """A transcript's words and segments, searchable by time."""

    def __init__(self, transcript: Transcript | None) -> None:
        self.transcript = transcript
        words = [w for w in (transcript.words or []) if w.text] if transcript else []
        self.words = sorted(words, key=lambda w: (w.start + w.end) / 2)
        self.mids = [(w.start + w.end) / 2 for w in self.words]
        segments = sorted(transcript.segments, key=lambda s: s.start) if transcript else []
        self.segments = segments
        self.seg_starts = [s.start for s in segments]
        self.longest_segment = max((s.end - s.start for s in segments), default=0.0)

    def words_in(self, start: float, end: float) -> list[Word]:
        lo = bisect.bisect_left(self.mids, start - TIME_EPSILON)
        hi = bisect.bisect_left(self.mids, end + TIME_EPSILON)
        return self.words[lo:hi]

    def near(self, start: float, end: float) -> Transcript:
        """The transcript cut down to the segments around ``start``..``end`` (review looks only there)."""
        assert self.transcript is not None
        lo = bisect.bisect_left(self.seg_starts, start - self.longest_segment - 1.0)
        hi = bisect.bisect_right(self.seg_starts, end + 1.0)
        t = self.transcript
        return Transcript(language=t.language, duration=t.duration, segments=self.segments[lo:hi], words=None)


def shade(text: str, words: Sequence[Word]) -> list[list]:
    """``[token, probability, start, end]`` for each whitespace-separated token of ``text`` (line
    breaks as ``["\\n", None, None, None]``): the transcript word(s) it matches by identity (see
    :mod:`captioner.edit.wordmatch`); no probability for tokens a person typed or changed."""
    return shading(match(text, words))


def style_problems(cues: Sequence[EditCue], k: int, style: Style) -> list[str]:
    """Style rules cue ``k`` breaks (warnings: a save is allowed)."""
    cue = cues[k]
    lines = cue.lines
    out: list[str] = []
    if len(lines) > style.max_lines:
        out.append(f"{len(lines)} lines (at most {style.max_lines})")
    for n, line in enumerate(lines, start=1):
        if len(line) > style.max_chars:
            out.append(f"line {n}: {len(line)} characters (at most {style.max_chars})")
    duration = cue.end - cue.start
    chars = sum(len(line) for line in lines)
    if duration > 0 and chars / duration > style.max_cps + 0.05:
        out.append(f"reading speed {chars / duration:.1f} characters/s (at most {style.max_cps:g})")
    if 0 < duration < style.min_duration - TIME_EPSILON:
        out.append(f"on screen {duration:.2f} s (at least {style.min_duration:.2f} s)")
    if duration > style.max_duration + TIME_EPSILON:
        out.append(f"on screen {duration:.2f} s (at most {style.max_duration:g} s)")
    if k + 1 < len(cues):
        gap = cues[k + 1].start - cue.end
        if TIME_EPSILON < gap < style.min_gap - TIME_EPSILON:
            out.append(f"gap to the next cue {gap:.3f} s (0 or at least {style.min_gap:g} s)")
    return out


def blocking_errors(cues: Sequence[EditCue]) -> dict[int, list[str]]:
    """Errors that forbid saving, by cue index (0-based): empty text, text a caption file cannot
    hold (see :mod:`captioner.edit.roundtrip`), times out of order, overlaps."""
    out: dict[int, list[str]] = {}
    for k, cue in enumerate(cues):
        errors: list[str] = []
        if not cue.lines:
            errors.append("empty cue: write its text or delete it")
        errors.extend(text_problems(cue.lines))
        if cue.start < 0:
            errors.append("starts before the media")
        if cue.end - cue.start < TIME_EPSILON:
            errors.append("ends before it starts")
        if k + 1 < len(cues) and cue.end > cues[k + 1].start + TIME_EPSILON:
            errors.append(f"overlaps the next cue (ends {cue.end:.3f}, the next starts {cues[k + 1].start:.3f})")
        if errors:
            out[k] = errors
    return out


def analyse(
    cues: Sequence[EditCue],
    transcript: Transcript | None,
    style: Style,
    thresholds: ReviewThresholds | None = None,
    index: WordIndex | None = None,
) -> list[dict]:
    """Per cue: ``start``, ``end``, ``text``, ``words`` (see :func:`shade`), ``doubtful`` (the
    reasons ``captioner review`` gives, from the transcript words within the cue's time),
    ``problems`` (style) and ``errors`` (see :func:`blocking_errors`)."""
    index = index or WordIndex(transcript)
    errors = blocking_errors(cues)
    out = []
    for k, cue in enumerate(cues):
        tokens = match(cue.text, index.words_in(cue.start - MARGIN, cue.end + MARGIN))
        words = heard_words(tokens)
        doubtful: list[str] = []
        if index.transcript is not None and (words or index.segments) and not cue.reviewed:
            as_cue = Cue(cue.start, cue.end, cue.lines, tuple(words))
            found = review(index.near(cue.start, cue.end), [as_cue], thresholds)
            doubtful = list(found[0].reasons) if found else []
        out.append(
            {
                "start": round(cue.start, 3),
                "end": round(cue.end, 3),
                "text": cue.text,
                "words": shading(tokens),
                "doubtful": doubtful,
                "problems": style_problems(cues, k, style),
                "errors": errors.get(k, []),
                "reviewed": cue.reviewed,
                "voices": list(cue.voices),
            }
        )
    return out
