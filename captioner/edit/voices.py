"""Speakers in the studio: who says each cue, read from the caption files and written back to them.

A cue's ``voices`` are ``()`` (no speaker), ``(name,)`` (one speaker) or a name a line (a dialogue
cue, its lines starting with dashes).  WebVTT carries them as ``<v Name>`` spans on every cue; SRT
only as the ``Name:`` label before the first line of each turn (as :mod:`captioner.captions.dialogue`
writes them), so an SRT cue without a label continues the turn of the one before.  When the files
carry none, the transcript's words do (``--speakers channels``): a cue is said by the speaker of most
of its words.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from captioner.core.speakers import check_names

if TYPE_CHECKING:
    from captioner.core.transcript import Word
    from captioner.edit.analysis import EditCue

_VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+([^>]+)>")


def vtt_line_voices(raw: str) -> tuple[str, ...]:
    """The voices of a WebVTT cue's raw text: one name for the cue, or one a line for a dialogue."""
    names = [m.group(1).strip() if (m := _VOICE.search(line)) else None for line in raw.split("\n")]
    named = [n for n in names if n]
    if not named:
        return ()
    if len(set(named)) == 1 or len(named) != len(names):
        return (named[0],)
    return tuple(n for n in named)


def strip_labels(texts: Sequence[str], names: Iterable[str]) -> list[tuple[str, tuple[str, ...]]]:
    """SRT cue texts with their ``Name:`` labels taken off: (text, voices); a cue without a label
    continues the speaker before it (once a label was seen)."""
    known = sorted(set(names), key=len, reverse=True)
    out: list[tuple[str, tuple[str, ...]]] = []
    speaking: tuple[str, ...] = ()
    for text in texts:
        for name in known:
            if text.startswith(f"{name}: "):
                text, speaking = text[len(name) + 2 :], (name,)
                break
        else:
            if text.lstrip().startswith("-") and "\n" in text:  # a dialogue cue: its own speakers
                out.append((text, ()))
                continue
        out.append((text, speaking))
    return out


def line_voices(voices: Sequence[str], lines: int) -> tuple[str, ...]:
    """A name for each of ``lines`` lines (what the writers take): a cue's one speaker on every
    line, a dialogue's as given; none when they do not fit the lines."""
    if not voices or not lines:
        return ()
    if len(voices) == lines:
        return tuple(voices)
    return (voices[0],) * lines


def labels(cues: Sequence[EditCue]) -> list[str | None]:
    """The ``Name:`` label of each cue: on the first cue of each speaker's turn (one speaker only;
    after a dialogue cue, whose dashes name no one, the next cue is labelled again)."""
    out: list[str | None] = []
    before: str | None = None
    for cue in cues:
        one = cue.voices[0] if len(set(cue.voices)) == 1 else None
        out.append(one if one and one != before else None)
        before = one
    return out


def checked_voices(raw: object, k: int) -> tuple[str, ...]:
    """The ``voices`` a request gives cue ``k`` (a list of names), checked as ``--speaker-names`` is
    (ValueError naming the cue)."""
    if raw is None or raw == []:
        return ()
    if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw) or len(raw) > 8:
        raise ValueError(f"cue {k}: voices must be a list of at most 8 names")
    try:
        names = [check_names([v])[0] for v in raw]
    except ValueError as exc:
        raise ValueError(f"cue {k}: {exc}") from None
    return tuple(names)


def from_words(cues: Sequence[EditCue], words_in: Callable[[float, float], Sequence[Word]]) -> list[EditCue]:
    """``cues`` each given the speaker of most of its transcript words, when no cue has voices."""
    if any(c.voices for c in cues):
        return list(cues)
    out = []
    for cue in cues:
        said = Counter(w.speaker for w in words_in(cue.start, cue.end) if w.speaker)
        out.append(replace(cue, voices=(said.most_common(1)[0][0],)) if said else cue)
    return out


def known(cues: Sequence[EditCue], *names: Iterable[str]) -> list[str]:
    """The speakers to offer: the given names (configured, the transcript's), then those the cues name."""
    out: list[str] = []
    for name in [n for group in names for n in group] + [v for c in cues for v in c.voices]:
        if name not in out:
            out.append(name)
    return out
