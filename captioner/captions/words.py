"""Words for segmentation: derive them when a backend gave none, and group them into *units*.

A unit is the smallest thing a line or cue break may fall around: one word, plus any
punctuation-only or empty words Whisper emitted after it ("word" + "." or "," + ...).  Latin,
Cyrillic, Arabic, Korean ... words are separated by Whisper's leading space.  Chinese and Japanese
words come without one, as sub-word pieces: their units are phrases (see :mod:`captioner.captions.cjk`),
and a break between them inserts no space.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from captioner.captions.cjk import (
    CUT_WORD,
    cut_points,
    inner_break_cost,
    is_unspaced_char,
    may_break,
    no_end,
    phrase_breaks,
)
from captioner.core.transcript import Transcript, Word

_TOKEN = re.compile(r"\s*\S+")


def is_punct_only(text: str) -> bool:
    s = text.strip()
    return bool(s) and all(unicodedata.category(ch)[0] in "PS" for ch in s)


def normalise_space(text: str) -> str:
    return " ".join(text.split())


def words_from_segments(transcript: Transcript) -> list[Word]:
    """Word timings spread over each segment's span by character length (no backend word times).

    Tokens are whitespace-separated words keeping their leading space; Chinese and Japanese runs
    are cut into single characters (punctuation stays with the character before it), which
    :func:`build_units` puts back together into phrases.
    """
    out: list[Word] = []
    for seg in transcript.segments:
        tokens: list[str] = []
        for tok in _TOKEN.findall(seg.text):
            if any(is_unspaced_char(ch) for ch in tok):
                lead = tok[: len(tok) - len(tok.lstrip())]
                pieces: list[str] = []
                for ch in tok.lstrip():
                    if pieces and (is_punct_only(ch) or not (is_unspaced_char(ch) or is_unspaced_char(pieces[-1][-1]))):
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
    # The cost of a line or cue break before this unit (captioner.captions.linebreak's scale): 0 where
    # words or phrases meet, more inside a CJK phrase or word too long for a line.
    cut_cost: float = 0.0


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


def _piece(word: Word, a: int, b: int, start: float, end: float) -> Word:
    """Characters ``a:b`` of ``word.word``, timed by their share of its characters."""
    n = max(len(word.word), 1)
    span = max(end - start, 0.0)
    return Word(word.word[a:b], start + span * a / n, start + span * b / n, word.probability)


def split_long_word(word: Word, max_chars: int) -> list[Word]:
    """A word longer than a whole line, cut into line-sized pieces (the last resort).

    Pieces after the first carry no leading space, so their texts concatenate back to the word.
    Times are shared out by character count.  CJK words are cut where the kinsoku rules allow.
    """
    text = word.word.strip()
    if len(text) <= max_chars:
        return [word]
    lead = word.word[: len(word.word) - len(word.word.lstrip())]
    bounds = [0, *cut_points(text, max_chars), len(text)]
    chunks = [text[a:b] for a, b in zip(bounds, bounds[1:])]
    span = max(word.end - word.start, 0.0)
    out, pos = [], 0
    for k, chunk in enumerate(chunks):
        s = word.start + span * pos / len(text)
        pos += len(chunk)
        out.append(Word((lead if k == 0 else "") + chunk, s, word.start + span * pos / len(text), word.probability))
    return out


@dataclass
class _Group:
    """Pieces that stay together (indexes into the pieces), with their text."""

    idx: list[int]
    text: str = ""
    space: bool = False
    cjk_join: bool = False  # joined to the group before without a space, CJK on either side
    start: float = 0.0
    end: float = 0.0
    cost: float = 0.0  # of a break before it (a CJK word cut because it is longer than a line)


def build_units(
    words: list[Word],
    max_chars: int,
    language: str = "",
    max_span: float = math.inf,
    pause: float = math.inf,
) -> list[Unit]:
    """Group words into units no longer than ``max_chars`` (cutting over-long words as a last resort).

    Words stay with the punctuation and empty words after them; CJK words also with the pieces the
    kinsoku rules forbid a break before, and with the rest of their BudouX phrase (``language``
    picks the model, see :func:`captioner.captions.cjk.phrase_model`) while the phrase fits a line, is said
    within ``max_span`` seconds and has no silence of ``pause`` seconds or more inside.
    """
    pieces: list[tuple[Word, bool]] = []  # (word, is a continuation piece of a cut word)
    for w in words:
        parts = split_long_word(w, max_chars)
        pieces.extend((p, k > 0) for k, p in enumerate(parts))
    times = sanitise_times([p for p, _ in pieces])

    groups = _glue(pieces)
    if not groups:
        return []
    for g in groups:
        ws = [pieces[k][0] for k in g.idx]
        g.text = normalise_space("".join(w.word for w in ws))
        real = [k for k in g.idx if pieces[k][0].word.strip()]
        g.start, g.end = times[real[0]][0], max(times[k][1] for k in real)
    groups[0].space = False
    units: list[Unit] = []
    fits = partial(_fits, max_chars=max_chars, max_span=max_span, pause=pause)
    for run in _runs(groups):
        for phrase, cost in _phrases(run, language, fits):
            idx = [k for g in phrase for k in g.idx]
            text = "".join(g.text for g in phrase)
            if len(text) <= max_chars:
                unit_words = tuple(pieces[k][0] for k in idx)
                units.append(Unit(unit_words, text, phrase[0].space, phrase[0].start, max(g.end for g in phrase), cost))
            else:  # glued words too long together (a lone group): cut where the rules allow
                units.extend(_cut_group(idx, pieces, times, max_chars, phrase[0].space, cost))
    return units


def _glue(pieces: list[tuple[Word, bool]]) -> list[_Group]:
    """Pieces that never part: a word with the punctuation-only and empty words after it, words
    written on without a space (Latin, ..., Korean), and CJK pieces the kinsoku rules keep together."""
    groups: list[_Group] = []
    pending: list[int] = []  # empty words before the first real one
    prev_text = ""
    for idx, (w, cont) in enumerate(pieces):
        raw = w.word
        if not raw.strip():
            (groups[-1].idx if groups else pending).append(idx)
            continue
        joined = False
        prev = prev_text.rstrip()
        cjk = is_unspaced_char(raw.lstrip()[0]) or (bool(prev) and is_unspaced_char(prev[-1]))
        if groups and not cont:
            if raw[0].isspace():
                glue = cjk and not may_break(prev_text, raw)
            elif cjk:  # punctuation sticks to the word before, opening brackets to the word after
                glue = not may_break(prev_text, raw) or (is_punct_only(raw) and not no_end(raw[0]))
                joined = True
            else:
                glue = True
            if glue:
                groups[-1].idx.append(idx)
                prev_text += raw
                continue
        cost = CUT_WORD if cont and cjk else 0.0
        groups.append(_Group(pending + [idx], space=raw[0].isspace() and not cont, cjk_join=joined, cost=cost))
        pending = []
        prev_text = raw
    return groups


def _runs(groups: list[_Group]) -> list[list[_Group]]:
    """Groups in runs of CJK text (joined without spaces); every other group is a run of its own."""
    runs: list[list[_Group]] = []
    for g in groups:
        if runs and g.cjk_join:
            runs[-1].append(g)
        else:
            runs.append([g])
    return runs


def _fits(phrase: list[_Group], max_chars: int, max_span: float, pause: float) -> bool:
    """Whether a phrase may be one unit: it fits a line, is said within ``max_span`` seconds and
    has no silence of ``pause`` or more inside (where a cue must end)."""
    return (
        sum(len(g.text) for g in phrase) <= max_chars
        and max(g.end for g in phrase) - phrase[0].start <= max_span
        and all(b.start - a.end < pause for a, b in zip(phrase, phrase[1:]))
    )


def _phrases(
    run: list[_Group], language: str, fits: Callable[[list[_Group]], bool]
) -> list[tuple[list[_Group], float]]:
    """A run's groups merged into its BudouX phrases, each with the cost of a break before it.

    A phrase that does not ``fit`` stays in its groups, the breaks between them costed by
    :func:`captioner.captions.cjk.inner_break_cost`.
    """
    if len(run) == 1:
        return [(run, run[0].cost)]
    breaks = phrase_breaks("".join(g.text for g in run), language)
    phrases: list[list[_Group]] = [[run[0]]]
    pos = len(run[0].text)
    for g in run[1:]:
        if pos in breaks:
            phrases.append([g])
        else:
            phrases[-1].append(g)
        pos += len(g.text)
    out: list[tuple[list[_Group], float]] = []
    for phrase in phrases:
        first = run[0].cost if phrase[0] is run[0] else 0.0  # the run may start with a cut word's piece
        if fits(phrase):
            out.append((phrase, first))
            continue
        out.append(([phrase[0]], first))
        for a, b in zip(phrase, phrase[1:]):
            out.append(([b], inner_break_cost(a.text, b.text)))
    return out


def _cut_group(
    idx: list[int],
    pieces: list[tuple[Word, bool]],
    times: list[tuple[float, float]],
    max_chars: int,
    space: bool,
    cost: float,
) -> list[Unit]:
    """Units for glued pieces longer than a line: one per piece where a break is allowed between
    them, and pieces the kinsoku rules glue together cut at the latest character they allow."""
    raw = "".join(pieces[k][0].word for k in idx)
    offsets: list[int] = []  # where each piece starts in ``raw``
    pos = 0
    for k in idx:
        offsets.append(pos)
        pos += len(pieces[k][0].word)
    lead = len(raw) - len(raw.lstrip())
    cuts: list[int] = []
    in_word: set[int] = set()  # cuts inside a piece
    prev = lead
    for k, off in zip(idx, offsets):
        if off > lead and pieces[k][0].word.strip() and may_break(raw[:off], raw[off:]):
            cuts += _inside(raw, prev, off, max_chars, in_word)
            cuts.append(off)
            prev = off
    cuts += _inside(raw, prev, len(raw), max_chars, in_word)

    chunks: list[list[Word]] = [[] for _ in range(len(cuts) + 1)]
    spans: list[list[tuple[float, float]]] = [[] for _ in chunks]
    for k, off in zip(idx, offsets):
        w, (ts, te) = pieces[k][0], times[k]
        n = len(w.word)
        first = bisect_right(cuts, off if n else max(off - 1, 0))
        last = bisect_right(cuts, off + n - 1) if n else first
        bounds = [0, *(c - off for c in cuts[first:last]), n]
        for c, (a, b) in enumerate(zip(bounds, bounds[1:]), start=first):
            chunks[c].append(w if first == last else _piece(w, a, b, w.start, w.end))
            if w.word[a:b].strip():
                share = _piece(w, a, b, ts, te)
                spans[c].append((share.start, share.end))
    units: list[Unit] = []
    for c, (ws, sp) in enumerate(zip(chunks, spans)):
        text = normalise_space("".join(w.word for w in ws))
        if not c:
            units.append(Unit(tuple(ws), text, space, sp[0][0], max(e for _, e in sp), cost))
            continue
        at = cuts[c - 1]
        if at in in_word:
            here = CUT_WORD
        elif is_unspaced_char(raw[at - 1]) or is_unspaced_char(raw[at]):
            here = inner_break_cost(raw[:at], raw[at:])
        else:
            here = 0.0
        units.append(Unit(tuple(ws), text, False, sp[0][0], max(e for _, e in sp), here))
    return units


def _inside(raw: str, a: int, b: int, max_chars: int, in_word: set[int]) -> list[int]:
    """Cuts in ``raw[a:b]`` (pieces with no break allowed between them) when it is longer than a line."""
    seg = raw[a:b]
    inner = seg.strip()
    if len(normalise_space(inner)) <= max_chars:
        return []
    shift = a + len(seg) - len(seg.lstrip())
    cuts = [shift + c for c in cut_points(inner, max_chars)]
    in_word.update(cuts)
    return cuts
