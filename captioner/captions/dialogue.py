"""Cues for several speakers: each speaker's turns laid out on their own, then put on one screen
where no two cues ever show at once.

The style guides' dialogue rules (the project's caption-style notes, section 2): one speaker per
cue, the speaker named where the picture cannot show who talks (here: the first cue of each turn
carries a label, which SRT and text show as ``Name:`` and WebVTT as a ``<v Name>`` voice); two
speakers in one cue only as a two-line dialogue cue, a line each, each line starting with a dash
in the language's style (Netflix: a hyphen without a space in English and German, ``- `` in
French, Spanish, ...; Hebrew marks the second speaker only).  When two speakers talk at once,
their one-line cues become one dialogue cue; otherwise the cue shown first keeps the screen for
its minimum duration and reading time, and the later cue waits for it.

A turn is a speaker's run of words between the other speakers' words: a speaker's pause of at
least :data:`TURN_PAUSE` in which someone else speaks ends their turn.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from captioner.captions.words import words_from_segments
from captioner.core.cues import Cue
from captioner.core.speakers import split_speakers
from captioner.core.style import Style
from captioner.core.transcript import Transcript, Word

TURN_PAUSE = 0.3  # seconds
OVERLAP_MARGIN = 0.5  # seconds either side of another speaker's turn that count as talking at once
MIN_RUN_WORDS = 3  # a shorter run (alone or overlapped) joins the run before it (or after it)

# Dialogue dashes (first line, second line) by language (Netflix, via Subtitle Edit; see the notes).
_DASHES: dict[str, tuple[str, str]] = {
    "en": ("-", "-"),
    "de": ("-", "-"),
    "sv": ("-", "-"),
    "he": ("", "-"),
}
_DEFAULT_DASHES = ("- ", "- ")

# captioner.captions.segmentation.segment_voice: (transcript, style, speaker, labelled) -> cues
SegmentVoice = Callable[[Transcript, Style, str, bool], list[Cue]]


def dashes(language: str) -> tuple[str, str]:
    """The dashes that start a dialogue cue's first and second line in ``language``."""
    return _DASHES.get((language or "").split("-")[0].lower(), _DEFAULT_DASHES)


def dialogue_cues(transcript: Transcript, style: Style, segment_voice: SegmentVoice) -> list[Cue]:
    """Cues for a transcript of several speakers (see the module docstring).

    Words said while another speaker talks are laid out a line a cue (room left for the dash), so
    that two speakers' cues shown at once can make one dialogue cue."""
    marks = dashes(transcript.language)
    voices = [(name, one, _words(one, name)) for name, one in split_speakers(transcript)]
    spoken = {name: turns(words, _others(voices, name)) for name, _, words in voices}
    cues: list[Cue] = []
    for name, one, _ in voices:
        own = style.for_language(one.language)
        one_line = replace(own, max_lines=1, max_chars=max(1, own.max_chars - max(len(m) for m in marks)))
        busy = [(t[0].start, t[-1].end) for other, ts in spoken.items() if other != name for t in ts]
        for turn in spoken[name]:
            for index, (overlapped, run) in enumerate(_runs(turn, busy)):
                piece = Transcript(language=one.language, duration=transcript.duration, segments=[], words=run)
                cues.extend(segment_voice(piece, one_line if overlapped else own, name, index == 0))
    end_of_media = transcript.duration if transcript.duration and transcript.duration > 0 else math.inf
    ordered = sorted(cues, key=lambda c: (c.start, c.end))
    return one_screen(ordered, style.for_language(transcript.language), marks, end_of_media)


def _words(one: Transcript, name: str) -> list[Word]:
    """A speaker's words (spread over the segments when the backend gave none), carrying their speaker."""
    return [replace(w, speaker=name) for w in (one.words if one.words else words_from_segments(one))]


def _others(voices: list[tuple[str, Transcript, list[Word]]], name: str) -> list[Word]:
    return sorted((w for other, _, words in voices if other != name for w in words), key=lambda w: w.start)


def _runs(words: list[Word], busy: list[tuple[float, float]]) -> list[tuple[bool, list[Word]]]:
    """``words`` in runs said while someone else talks (within :data:`OVERLAP_MARGIN` of one of
    the ``busy`` spans) or not; runs under :data:`MIN_RUN_WORDS` words join a neighbour."""
    runs: list[tuple[bool, list[Word]]] = []
    for word in words:
        middle = (word.start + word.end) / 2
        overlapped = any(a - OVERLAP_MARGIN <= middle <= b + OVERLAP_MARGIN for a, b in busy)
        if runs and runs[-1][0] == overlapped:
            runs[-1][1].append(word)
        else:
            runs.append((overlapped, [word]))
    out: list[tuple[bool, list[Word]]] = []
    for overlapped, run in runs:
        if out and (len(run) < MIN_RUN_WORDS or len(out[-1][1]) < MIN_RUN_WORDS):
            flag = out[-1][0] if len(out[-1][1]) >= len(run) else overlapped
            out[-1] = (flag, out[-1][1] + run)
        else:
            out.append((overlapped, run))
    return out


def turns(words: list[Word], others: list[Word]) -> list[list[Word]]:
    """``words`` (one speaker's, in time order) cut into turns: at each pause of at least
    :data:`TURN_PAUSE` in which a word of ``others`` falls."""
    out: list[list[Word]] = []
    current: list[Word] = []
    k = 0
    for word in words:
        if current:
            gap_start, gap_end = current[-1].end, word.start
            while k < len(others) and (others[k].start + others[k].end) / 2 < gap_start:
                k += 1
            someone = k < len(others) and (others[k].start + others[k].end) / 2 < gap_end
            if gap_end - gap_start >= TURN_PAUSE and someone:
                out.append(current)
                current = []
        current.append(word)
    if current:
        out.append(current)
    return out


def _voice(cue: Cue) -> str | None:
    return cue.voices[0] if cue.voices and len(set(cue.voices)) == 1 else None


def _chars(cue: Cue) -> int:
    return sum(len(line) for line in cue.lines) + (len(cue.label) + 2 if cue.label else 0)


def _need(cue: Cue, style: Style) -> float:
    """The least time ``cue`` may be shown: its minimum duration and reading time (never more
    than it was given)."""
    return min(cue.end - cue.start, max(style.min_duration, _chars(cue) / style.max_cps))


def _pair(first: Cue, second: Cue, style: Style, marks: tuple[str, str]) -> Cue | None:
    """One dialogue cue for two speakers' one-line cues shown at once, or None when they do not
    make one (more than a line each, lines too long with the dash, too long on screen)."""
    a, b = _voice(first), _voice(second)
    if a is None or b is None or a == b or style.max_lines < 2 or len(first.lines) != 1 or len(second.lines) != 1:
        return None
    lines = (marks[0] + first.lines[0], marks[1] + second.lines[0])
    end = max(first.end, second.end)
    if any(len(line) > style.max_chars for line in lines) or end - first.start > style.max_duration:
        return None
    return Cue(first.start, end, lines, first.words + second.words, voices=(a, b))


def one_screen(cues: list[Cue], style: Style, marks: tuple[str, str], end_of_media: float = math.inf) -> list[Cue]:
    """``cues`` (each speaker's own, in start order) with no two on screen at once: paired into
    dialogue cues where they can be, else the earlier one cut to what it needs and the later one
    waiting for it; gaps are 0 or at least ``min_gap``, times whole milliseconds."""
    out: list[Cue] = []
    for cue in cues:
        if not out or cue.start >= out[-1].end:
            out.append(cue)
            continue
        before = out[-1]
        paired = _pair(before, cue, style, marks)
        if paired is not None:
            out[-1] = paired
            continue
        need_end = before.start + _need(before, style)
        if cue.start - style.min_gap >= need_end:  # the earlier one was shown long enough: it ends
            out[-1] = replace(before, end=cue.start - style.min_gap)
            out.append(cue)
            continue
        end = min(before.end, max(need_end, cue.start))
        out[-1] = replace(before, end=end)
        delay = end + style.min_gap - cue.start  # the later one waits
        out.append(replace(cue, start=cue.start + delay, end=cue.end + delay))
    return _settle(out, style, end_of_media)


def _settle(cues: list[Cue], style: Style, end_of_media: float) -> list[Cue]:
    """Whole milliseconds; no cue past the end of the media or into the next; gaps 0 or >= min_gap."""
    gap = math.ceil(style.min_gap * 1000 - 1e-6)
    times = [(round(c.start * 1000), round(c.end * 1000)) for c in cues]
    limit: float = round(end_of_media * 1000) if end_of_media != math.inf else math.inf
    for k in range(len(times) - 1, -1, -1):  # backwards: each ends by the next one's start
        s, e = times[k]
        e = int(min(e, limit))  # limit is inf or whole milliseconds
        s = max(0, min(s, e - 1))
        if s >= e:  # crowded against the end (or time 0): at least a millisecond each
            e = s + 1
        times[k] = (s, e)
        limit = s
    for k in range(1, len(times)):  # forwards: a gap under min_gap is closed (chained)
        (ps, pe), (s, e) = times[k - 1], times[k]
        if 0 < s - pe < gap:
            times[k - 1] = (ps, s)
    return [replace(c, start=s / 1000, end=e / 1000) for c, (s, e) in zip(cues, times, strict=True)]
