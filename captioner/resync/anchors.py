"""Anchors from text: a cue's words found, in order, among the words heard in the media (difflib on
normalised words), so the cue's start belongs at its first word's start and its end at its last
word's end.  Only runs of at least :data:`MIN_RUN` words in a row count: a lone "the" matches
anywhere."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from captioner.resync.fit import Anchor
from captioner.resync.stretches import pair_stretches

MIN_RUN = 2
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Heard:
    """A word heard in the media, with its times."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Matched:
    anchors: list[Anchor]
    cue_of: list[int]  # each anchor's cue (an index into the cues given)
    words_found: int  # cue words matched to heard words
    words: int  # cue words in all


def tokens(text: str) -> list[str]:
    """Words, case-folded, apostrophes dropped, punctuation and markup as separators."""
    return _WORD.findall(text.casefold().replace("'", "").replace("\u2019", ""))


def match(
    cues: Sequence[tuple[float, float, str]],
    heard: Sequence[Heard],
    spans: Sequence[tuple[float, float]] | None = None,
) -> Matched:
    """The anchors of ``cues`` (start, end, text) among ``heard`` (in media order), in cue order.
    ``spans``: the stretches of the media heard when not all of it was; each is then matched on its
    own (:mod:`captioner.resync.stretches`), so that text the captions repeat is placed right."""
    cue_words: list[str] = []
    cue_times: list[float] = []
    owner: list[int] = []
    for index, (start, end, text) in enumerate(cues):
        words = tokens(text)
        for k, word in enumerate(words):
            cue_words.append(word)
            cue_times.append(start + (end - start) * (k + 0.5) / len(words))
            owner.append(index)
    heard_words: list[str] = []
    heard_at: list[int] = []
    for index, said in enumerate(heard):
        for part in tokens(said.text):
            heard_words.append(part)
            heard_at.append(index)
    pair: dict[int, int] = {}
    if spans is not None:
        times = [heard[i].start for i in heard_at]
        found = pair_stretches(cue_words, cue_times, heard_words, times, spans, MIN_RUN)
        pair = {i: heard_at[j] for i, j in found.items()}
    else:
        matcher = SequenceMatcher(None, cue_words, heard_words)
        for block in matcher.get_matching_blocks():
            if block.size >= MIN_RUN:
                pair.update((block.a + k, heard_at[block.b + k]) for k in range(block.size))
    anchors: list[Anchor] = []
    cue_of: list[int] = []
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for position, index in enumerate(owner):
        first.setdefault(index, position)
        last[index] = position
    for index, (start, end, _) in enumerate(cues):
        if index in first and first[index] in pair:
            anchors.append(Anchor(start, heard[pair[first[index]]].start, True, start))
            cue_of.append(index)
        if index in last and last[index] in pair:
            anchors.append(Anchor(end, heard[pair[last[index]]].end, False, start))
            cue_of.append(index)
    return Matched(anchors, cue_of, len(pair), len(cue_words))
