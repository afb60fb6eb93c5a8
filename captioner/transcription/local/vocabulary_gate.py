"""A vocabulary used where the speech seems to hold one of its terms, and nowhere else.

faster-whisper puts the hotwords before every window's prompt, and that changes what Whisper
writes everywhere, not only where a term is spoken: on the developer corpus an English list of
printing terms fixed 6 of the 7 misspelt terms of the readings that hold them, but made the other
English items slightly worse (WER 0.274 -> 0.286: one word moved in short clips, and temperature
fallbacks set off by the changed prompt).

:class:`VocabularyGate` stands between faster-whisper and the CTranslate2 model.  A window whose
prompt carries the hotwords is decoded first without them, exactly as in a run without a
vocabulary.  Only when that text holds a *near miss* of a term (a word or a run of words spelt
like it: :func:`near_miss`) is the window decoded again with the hotwords, and that second
decoding is kept only when it holds more of the terms than the first.  A window with nothing like
a term is therefore decoded word for word as without the vocabulary, at no extra cost; a window
with a near miss costs a second decoding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

NEAR_MISS_RATIO = 0.7  # difflib's similarity of a text span to a term, letters only, for a retry
MIN_FUZZY_CHARS = 4  # shorter terms must appear exactly (a fuzzy "AI" would match half the text)
NEAR_MISS, TAKEN = "+near_miss", "+taken"  # what VocabularyGate records (see its record argument)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True)
class HotPrompt:
    """How faster-whisper put a vocabulary into a window's prompt: ``[sot_prev] + tokens +
    previous text + [sot, ...]`` (see its ``WhisperModel.get_prompt``)."""

    tokens: tuple[int, ...]
    sot_prev: int
    sot: int
    terms: tuple[str, ...]
    decode: Callable[[list[int]], str]


def without_hotwords(prompt: Sequence[int], hot: HotPrompt) -> list[int] | None:
    """``prompt`` as faster-whisper builds it without the hotwords, or None when it has none."""
    n = len(hot.tokens)
    if len(prompt) <= n + 1 or prompt[0] != hot.sot_prev or tuple(prompt[1 : 1 + n]) != hot.tokens:
        return None
    rest = list(prompt[1 + n :])
    if rest and rest[0] == hot.sot:  # no previous text: no "previous" marker either
        return rest
    return [hot.sot_prev, *rest]


def words(text: str) -> list[str]:
    """The words of ``text``, without punctuation."""
    return _WORD.findall(text)


def occurrences(text: str, terms: Sequence[str]) -> int:
    """How many times the terms appear in ``text`` as whole words spelt as the vocabulary spells
    them (punctuation aside; a term's first letter may be a capital, as at a sentence's start).

    >>> occurrences("Portal, portal. Der Portalraum", ["Portal"]), occurrences("Missal.", ["missal"])
    (1, 1)
    """
    said = words(text)
    count = 0
    for term in terms:
        spelt = words(term)
        if not spelt:
            continue
        capital = [spelt[0][:1].upper() + spelt[0][1:], *spelt[1:]]
        n = len(spelt)
        count += sum(said[i : i + n] in (spelt, capital) for i in range(len(said) - n + 1))
    return count


def near_miss(text: str, terms: Sequence[str], ratio: float = NEAR_MISS_RATIO) -> bool:
    """Whether ``text`` has a span of words spelt like one of ``terms`` (the term itself too):
    spans of the term's word count and one more or one less, compared without spaces, so that
    "letter press" or "salters" can stand for "letterpress" or "psalters".

    >>> near_miss("Guttenberg printed at Mines", ["Gutenberg"])
    True
    >>> near_miss("The cat sat on the mat", ["Gutenberg", "psalters"])
    False
    """
    said = words(text.casefold())
    for term in terms:
        parts = words(term.casefold())
        if not parts:
            continue
        target = "".join(parts)
        if len(target) < MIN_FUZZY_CHARS:  # only the term itself, in any case ("ai" for "AI")
            if any(said[i : i + len(parts)] == parts for i in range(len(said) - len(parts) + 1)):
                return True
            continue
        for size in {max(1, len(parts) - 1), len(parts), len(parts) + 1}:
            for start in range(len(said) - size + 1):
                span = "".join(said[start : start + size])
                if abs(len(span) - len(target)) > len(target):
                    continue
                if SequenceMatcher(None, span, target).ratio() >= ratio:
                    return True
    return False


def _rows(features: Any, rows: list[int]) -> Any | None:
    """The given rows of a batch's encoder output, or None where they cannot be taken apart here
    (a StorageView on a GPU: NumPy cannot read it)."""
    if getattr(features, "device", "cpu") != "cpu":
        return None
    import ctranslate2
    import numpy as np

    return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.asarray(features)[rows]))


class VocabularyGate:
    """A proxy for a CTranslate2 Whisper model whose ``generate`` uses the hotwords only where
    the speech seems to hold a term (see above).  ``context()`` gives the calling thread's
    :class:`HotPrompt` (None: no vocabulary)."""

    def __init__(
        self, model: Any, context: Callable[[], HotPrompt | None], record: Callable[[str], None] = lambda _: None
    ) -> None:
        self._model = model
        self._context = context
        self._record = record  # told NEAR_MISS for a window decoded again, TAKEN when that was kept

    def __getattr__(self, name: str) -> Any:
        return getattr(self._model, name)

    def generate(self, features: Any, prompts: list[list[int]], *args: Any, **kwargs: Any) -> list[Any]:
        hot = self._context()
        plain = [None if hot is None else without_hotwords(p, hot) for p in prompts]
        if hot is None or all(p is None for p in plain):
            return self._model.generate(features, prompts, *args, **kwargs)
        first = list(self._model.generate(features, [q or p for p, q in zip(prompts, plain)], *args, **kwargs))
        texts = [hot.decode(list(r.sequences_ids[0])) for r in first]
        retry = [i for i, q in enumerate(plain) if q is not None and near_miss(texts[i], hot.terms)]
        if not retry:
            return first
        rows = features if len(retry) == len(prompts) else _rows(features, retry)
        if rows is None:  # the whole batch again, the other windows with their plain prompts
            again = [p if i in retry else q or p for i, (p, q) in enumerate(zip(prompts, plain))]
            everything = self._model.generate(features, again, *args, **kwargs)
            second = [everything[i] for i in retry]
        else:
            second = self._model.generate(rows, [prompts[i] for i in retry], *args, **kwargs)
        for i, result in zip(retry, second):
            self._record(NEAR_MISS)
            if occurrences(hot.decode(list(result.sequences_ids[0])), hot.terms) > occurrences(texts[i], hot.terms):
                first[i] = result
                self._record(TAKEN)
        return first
