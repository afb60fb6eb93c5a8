"""Words for segmentation: derive them when a backend gave none, and group them into *units*.

A unit is the smallest thing a line or cue break may fall around: one word, plus any
punctuation-only or empty words Whisper emitted after it ("word" + "." or "," + ...).  Latin,
Cyrillic, Arabic ... words are separated by Whisper's leading space; CJK words come without one and
every CJK word is its own unit (a break between them inserts no space).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from captioner.transcript import Transcript, Word

_TOKEN = re.compile(r"\s*\S+")


def is_cjk_char(ch: str) -> bool:
    """Han, kana, hangul and CJK/full-width punctuation: text written without word spaces."""
    cp = ord(ch)
    return (
        0x1100 <= cp <= 0x11FF  # hangul jamo
        or 0x2E80 <= cp <= 0x9FFF  # CJK radicals, punctuation, kana, han
        or 0xAC00 <= cp <= 0xD7AF  # hangul syllables
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF  # full-width forms
        or 0x20000 <= cp <= 0x3FFFF
    )


def is_punct_only(text: str) -> bool:
    s = text.strip()
    return bool(s) and all(unicodedata.category(ch)[0] in "PS" for ch in s)


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def words_from_segments(transcript: Transcript) -> list[Word]:
    """Word timings spread over each segment's span by character length (no backend word times).

    Tokens are whitespace-separated words keeping their leading space; CJK runs are cut into
    single characters (punctuation stays with the character before it).
    """
    out: list[Word] = []
    for seg in transcript.segments:
        tokens: list[str] = []
        for tok in _TOKEN.findall(seg.text):
            if any(is_cjk_char(ch) for ch in tok):
                lead = tok[: len(tok) - len(tok.lstrip())]
                pieces: list[str] = []
                for ch in tok.lstrip():
                    if pieces and (is_punct_only(ch) or not (is_cjk_char(ch) or is_cjk_char(pieces[-1][-1]))):
                        pieces[-1] += ch
                    else:
                        pieces.append(ch)
                pieces[0] = lead + pieces[0]
                tokens.extend(pieces)
            else:
                tokens.append(tok)
        total = sum(len(t.strip()) for t in tokens)
        if not tokens or total == 0:
            continue
        span = max(seg.end - seg.start, 0.0)
        pos = 0
        for tok in tokens:
            n = len(tok.strip())
            start = seg.start + span * pos / total
            pos += n
            out.append(Word(tok, start, seg.start + span * pos / total))
    return out


@dataclass(frozen=True)
class Unit:
    """Words that stay together; ``text`` is their joined, stripped, space-normalised text."""

    words: tuple[Word, ...]
    text: str
    space_before: bool  # whether joining it to the previous unit on a line needs a space
    start: float
    end: float


def _finite(x: float, default: float) -> float:
    return x if isinstance(x, (int, float)) and math.isfinite(x) else default


def sanitise_times(words: list[Word]) -> list[tuple[float, float]]:
    """Monotonic (start, end) per word: starts never go back, ends never precede starts."""
    out: list[tuple[float, float]] = []
    prev = 0.0
    for w in words:
        s = max(_finite(w.start, prev), prev, 0.0)
        e = max(_finite(w.end, s), s)
        out.append((s, e))
        prev = s
    return out


def split_long_word(word: Word, max_chars: int) -> list[Word]:
    """A word longer than a whole line, cut into line-sized pieces (the last resort).

    Pieces after the first carry no leading space, so their texts concatenate back to the word.
    Times are shared out by character count.
    """
    text = word.word.strip()
    if len(text) <= max_chars:
        return [word]
    lead = word.word[: len(word.word) - len(word.word.lstrip())]
    chunks = [text[k : k + max_chars] for k in range(0, len(text), max_chars)]
    span = max(word.end - word.start, 0.0)
    out, pos = [], 0
    for k, chunk in enumerate(chunks):
        s = word.start + span * pos / len(text)
        pos += len(chunk)
        out.append(Word((lead if k == 0 else "") + chunk, s, word.start + span * pos / len(text), word.probability))
    return out


def build_units(words: list[Word], max_chars: int) -> list[Unit]:
    """Group words into units no longer than ``max_chars`` (cutting over-long words as a last resort)."""
    pieces: list[tuple[Word, bool]] = []  # (word, is a continuation piece of a cut word)
    for w in words:
        parts = split_long_word(w, max_chars)
        pieces.extend((p, k > 0) for k, p in enumerate(parts))
    times = sanitise_times([p for p, _ in pieces])

    groups: list[list[int]] = []
    pending: list[int] = []  # empty words before the first real one
    for idx, (w, cont) in enumerate(pieces):
        raw = w.word
        if not raw.strip():
            (groups[-1] if groups else pending).append(idx)
            continue
        if groups and not cont and not raw[0].isspace():
            prev_text = "".join(pieces[k][0].word for k in groups[-1]).strip()
            cjk = is_cjk_char(raw.lstrip()[0]) or (prev_text and is_cjk_char(prev_text[-1]))
            if is_punct_only(raw) or not cjk:
                groups[-1].append(idx)
                continue
        groups.append(pending + [idx])
        pending = []
    if not groups:
        return []

    units: list[Unit] = []
    for g in groups:
        ws = [pieces[k][0] for k in g]
        text = normalise_space("".join(w.word for w in ws))
        space = bool(units) and ws[0].word[:1].isspace() and not pieces[g[0]][1]
        if len(text) > max_chars:  # glued words (no spaces) too long together: one unit per word
            carry: list[int] = []
            first = True
            for k in g:
                t = normalise_space(pieces[k][0].word)
                if not t:
                    if first:
                        carry.append(k)
                    else:
                        units[-1] = _extend(units[-1], pieces[k][0])
                    continue
                ks = carry + [k]
                carry = []
                units.append(
                    Unit(
                        tuple(pieces[m][0] for m in ks),
                        t,
                        space if first else False,
                        times[k][0],  # empty words carried along do not time the unit
                        times[k][1],
                    )
                )
                first = False
            continue
        real = [k for k in g if pieces[k][0].word.strip()]
        units.append(Unit(tuple(ws), text, space, times[real[0]][0], max(times[k][1] for k in real)))
    return units


def _extend(unit: Unit, word: Word) -> Unit:
    """``unit`` with an empty word appended (empty words do not change its timing)."""
    return Unit(unit.words + (word,), unit.text, unit.space_before, unit.start, unit.end)
