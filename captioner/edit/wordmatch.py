"""Which transcript words a cue's text holds: each token of the text matched to the word(s) it was
made from by identity (the words' text, in order), not by where the words fall in time.

Whisper splits some written words into pieces (" self", "-substantial"); a piece without a leading
space continues the word before it, so the pieces are matched as one word.  Words slightly outside
the cue's time (a boundary moved by a frame) are still its words.  A token that matches a word but
differs from it (``portal`` -> ``Portal``) was changed by a person: it has times but no confidence,
and is no longer doubtful.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from captioner.captions.linebreak import bare
from captioner.core.transcript import Word

MARGIN = 0.5  # seconds either side of a cue where its words may lie


@dataclass(frozen=True)
class Token:
    """One token of a cue's text and the transcript word(s) it was matched to (none: typed)."""

    text: str
    words: tuple[Word, ...] = ()

    @property
    def changed(self) -> bool:
        """True when a person wrote something else than the words say (or typed it outright)."""
        return not self.words or _plain(self.text) != _plain("".join(w.word for w in self.words).strip())

    @property
    def probability(self) -> float | None:
        if self.changed:
            return None
        found = [w.probability for w in self.words if w.probability is not None]
        return min(found) if found else None


def _plain(text: str) -> str:
    return text.replace("\u2019", "'")


def _units(words: Sequence[Word]) -> list[tuple[Word, ...]]:
    """The written words: pieces without a leading space join the piece before them, where the
    language separates words by spaces (most pieces start with one; not so in Chinese or Japanese)."""
    spaced = sum(1 for w in words if w.word[:1].isspace())
    glue = spaced * 2 > len(words)
    units: list[list[Word]] = []
    for w in words:
        if glue and units and not w.word[:1].isspace():
            units[-1].append(w)
        else:
            units.append([w])
    return [tuple(u) for u in units]


def match(text: str, words: Sequence[Word]) -> list[Token | None]:
    """The tokens of ``text`` (whitespace-separated; None for each line break) with their words."""
    raw: list[str | None] = []
    for k, line in enumerate(text.split("\n")):
        if k:
            raw.append(None)
        raw.extend(line.split())
    real = [t for t in raw if t is not None]
    units = _units(words)
    found: list[tuple[Word, ...]] = [()] * len(real)
    keys = [bare("".join(w.text for w in u)) for u in units]
    matcher = difflib.SequenceMatcher(a=[bare(t) for t in real], b=keys, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            found[block.a + k] = units[block.b + k]
    out: list[Token | None] = []
    index = 0
    for t in raw:
        if t is None:
            out.append(None)
        else:
            out.append(Token(t, found[index]))
            index += 1
    return out


def shading(tokens: Sequence[Token | None]) -> list[list]:
    """The page's entries: ``[token, probability, start, end]`` (None where unknown; a typed or
    changed token has no probability), ``["\\n", None, None, None]`` for a line break."""
    out: list[list] = []
    for t in tokens:
        if t is None:
            out.append(["\n", None, None, None])
            continue
        p = t.probability
        start = round(t.words[0].start, 3) if t.words else None
        end = round(t.words[-1].end, 3) if t.words else None
        out.append([t.text, None if p is None else round(p, 3), start, end])
    return out


def heard_words(tokens: Sequence[Token | None]) -> list[Word]:
    """The transcript words the text keeps as they were heard (doubt looks only at these)."""
    return [w for t in tokens if t is not None and not t.changed for w in t.words]
