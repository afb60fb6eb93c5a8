"""Where text may be broken (between lines and between cues), and laying a cue out in lines.

Break quality follows the style guides (Netflix, BBC): break after punctuation or before a
conjunction/preposition; never after an article, preposition, conjunction, possessive/determiner,
auxiliary/modal or "I".  The English lists match the ones the project's caption scorer uses; a few
other languages get their articles, prepositions and conjunctions too.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

from captioner.captions.words import Unit

SENTENCE_END = set(".!?\u2026\u3002\uff01\uff1f\u061f\u06d4\u0964")
CLAUSE_END = set(",;:\u2014\u2013-\uff0c\u3001\uff1b\uff1a\u060c\u061b")
CLOSERS = set("\"'\u201d\u2019\u00bb)]}\u300d\u300f\uff09")

_EN_ARTICLES = {"a", "an", "the"}
_EN_PREPOSITIONS = {
    "of",
    "to",
    "in",
    "on",
    "at",
    "by",
    "for",
    "with",
    "from",
    "into",
    "onto",
    "about",
    "over",
    "under",
    "after",
    "before",
    "between",
    "through",
    "during",
    "without",
    "within",
    "against",
    "among",
    "upon",
    "toward",
    "towards",
    "across",
    "behind",
    "beyond",
    "off",
    "per",
    "via",
    "than",
    "like",
    "as",
    "around",
    "along",
    "until",
    "till",
}
_EN_CONJUNCTIONS = {
    "and",
    "or",
    "but",
    "nor",
    "so",
    "yet",
    "because",
    "if",
    "that",
    "whether",
    "while",
    "although",
    "though",
    "unless",
    "since",
    "when",
    "where",
    "whereas",
    "which",
    "who",
}
_EN_DETERMINERS = {
    "my",
    "your",
    "his",
    "her",
    "its",
    "our",
    "their",
    "whose",
    "this",
    "these",
    "those",
    "every",
    "each",
    "no",
}
_EN_AUXILIARIES = {
    "is",
    "are",
    "was",
    "were",
    "am",
    "be",
    "been",
    "being",
    "will",
    "would",
    "shall",
    "should",
    "can",
    "could",
    "may",
    "might",
    "must",
    "isn't",
    "aren't",
    "wasn't",
    "weren't",
    "won't",
    "wouldn't",
    "can't",
    "couldn't",
    "shouldn't",
    "it's",
    "i'm",
    "you're",
    "we're",
    "they're",
    "i'll",
    "you'll",
    "we'll",
    "they'll",
    "i'd",
    "i've",
    "you've",
    "we've",
    "they've",
}
EN_BAD_END = _EN_ARTICLES | _EN_PREPOSITIONS | _EN_CONJUNCTIONS | _EN_DETERMINERS | _EN_AUXILIARIES | {"i"}
EN_GOOD_NEXT = _EN_CONJUNCTIONS | _EN_PREPOSITIONS

# Function words other languages should not leave at a line end (articles, common prepositions,
# conjunctions).  Not exhaustive: they steer the breaker, they are not a grammar.
_OTHER_BAD_END: dict[str, set[str]] = {
    "es": {
        "el",
        "la",
        "los",
        "las",
        "un",
        "una",
        "unos",
        "unas",
        "de",
        "del",
        "a",
        "al",
        "en",
        "con",
        "por",
        "para",
        "sin",
        "y",
        "o",
        "que",
        "mi",
        "su",
        "sus",
        "tu",
        "se",
        "lo",
        "le",
        "me",
        "no",
    },
    "fr": {
        "le",
        "la",
        "les",
        "un",
        "une",
        "des",
        "du",
        "de",
        "d'",
        "à",
        "au",
        "aux",
        "en",
        "dans",
        "par",
        "pour",
        "sur",
        "avec",
        "et",
        "ou",
        "que",
        "qui",
        "mon",
        "ma",
        "mes",
        "son",
        "sa",
        "ses",
        "ne",
        "je",
    },
    "de": {
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einen",
        "einem",
        "einer",
        "zu",
        "mit",
        "von",
        "in",
        "im",
        "auf",
        "an",
        "am",
        "für",
        "und",
        "oder",
        "dass",
        "ich",
        "mein",
        "sein",
        "ist",
    },
    "it": {
        "il",
        "lo",
        "la",
        "i",
        "gli",
        "le",
        "un",
        "una",
        "di",
        "del",
        "della",
        "a",
        "al",
        "in",
        "con",
        "per",
        "da",
        "e",
        "o",
        "che",
        "mio",
        "suo",
    },
    "pt": {
        "o",
        "a",
        "os",
        "as",
        "um",
        "uma",
        "de",
        "do",
        "da",
        "dos",
        "das",
        "em",
        "no",
        "na",
        "com",
        "por",
        "para",
        "e",
        "ou",
        "que",
        "meu",
        "seu",
    },
    "sv": {
        "en",
        "ett",
        "den",
        "det",
        "de",
        "i",
        "på",
        "av",
        "till",
        "med",
        "för",
        "och",
        "eller",
        "att",
        "jag",
    },
}


@lru_cache(maxsize=8192)  # the caption DP asks for the same few words' forms ~50 times each
def bare(token: str) -> str:
    """A word without the quotes/brackets/punctuation around it, lower-cased."""
    return token.casefold().replace("\u2019", "'").strip("\"'\u201c\u201d\u00ab\u00bb()[]{}.,!?;:\u2026-\u2014\u2013*")


def _final_char(text: str) -> str:
    """The last character of ``text`` before trailing space and closing quotes/brackets ("" if none)."""
    tail = text.rstrip()
    while tail and tail[-1] in CLOSERS:
        tail = tail[:-1]
    return tail[-1] if tail else ""


def ends_with(text: str, chars: set[str]) -> bool:
    final = _final_char(text)
    return bool(final) and final in chars


def _ends_on_bad_word(before: str, language: str) -> bool:
    words = before.rsplit(None, 1)  # the last word (a cue's text is long: not every word)
    if not words:
        return False
    last = bare(words[-1])
    return last in EN_BAD_END or last in _OTHER_BAD_END.get(language, ())


def is_bad_end(before: str, language: str) -> bool:
    """True when ``before`` ends with a word a line or cue must not end on (and no punctuation)."""
    if ends_with(before, SENTENCE_END | CLAUSE_END):
        return False
    return _ends_on_bad_word(before, language)


def break_cost(before: str, after: str | None, language: str) -> float:
    """Cost of breaking (line or cue) after ``before`` and before ``after``; lower is better."""
    final = _final_char(before)  # once: the caption DP asks ~40 times a word
    if final and final in SENTENCE_END:
        return -3.0
    if final and final in CLAUSE_END:
        return -2.0
    if _ends_on_bad_word(before, language):
        return 12.0
    if after:
        nxt = after.split(None, 1)
        if nxt and bare(nxt[0]) in EN_GOOD_NEXT:
            return -1.0
    return 0.0


def join_units(units: list[Unit] | tuple[Unit, ...]) -> str:
    out = ""
    for k, u in enumerate(units):
        out += (" " if k and u.space_before else "") + u.text
    return out


def _two_lines(units: list[Unit], max_chars: int, language: str) -> tuple[float, tuple[str, ...]] | None:
    """:func:`layout`'s best two lines, the same choice as trying every cut with
    :func:`join_units`, from the lines' texts built once (the caption DP asks for ~14 layouts a
    word: benchmarks/cluster_sim.py found them most of the client's CPU on a cluster)."""
    k = len(units)
    tails = [""] * k  # tails[c]: join_units(units[c:])
    tails[k - 1] = units[k - 1].text
    for c in range(k - 2, -1, -1):
        tails[c] = units[c].text + (" " if units[c + 1].space_before else "") + tails[c + 1]
    best: tuple[float, tuple[str, ...]] | None = None
    head = units[0].text  # join_units(units[:c])
    for c in range(1, k):
        if c > 1:
            head += (" " if units[c - 1].space_before else "") + units[c - 1].text
        if len(head) > max_chars:
            break  # the first line only grows
        tail = tails[c]
        if len(tail) > max_chars:
            continue
        cost = 0.0
        cost += break_cost(head, tail, language)
        cost += _imbalance(len(head), len(tail), max_chars)
        cost += units[c].cut_cost
        if best is None or cost < best[0]:
            best = (cost, (head, tail))
    return best


def layout(units: list[Unit], max_chars: int, max_lines: int, language: str) -> tuple[float, tuple[str, ...]] | None:
    """The best lines for a cue's units, or None when they cannot fit.

    Uses as few lines as fit (one when it fits, per Netflix), then picks the break points with the
    lowest cost: break quality plus balance (a longer bottom line is preferred, as in a pyramid),
    plus the units' own cost of a break before them (inside a CJK phrase).
    """
    k = len(units)
    whole = join_units(units)
    if len(whole) <= max_chars:
        return 0.0, (whole,)
    if max_lines >= 2 and k >= 2:
        two = _two_lines(units, max_chars, language)
        if two is not None:
            return two
    for n_lines in range(3, min(max_lines, k) + 1):
        best: tuple[float, tuple[str, ...]] | None = None
        for cuts in combinations(range(1, k), n_lines - 1):
            bounds = (0, *cuts, k)
            lines = tuple(join_units(units[a:b]) for a, b in zip(bounds, bounds[1:], strict=False))
            if any(len(line) > max_chars for line in lines):
                continue
            cost = 0.0
            for a, b, cut in zip(lines, lines[1:], cuts, strict=False):
                cost += break_cost(a, b, language)
                cost += _imbalance(len(a), len(b), max_chars)
                cost += units[cut].cut_cost
            if best is None or cost < best[0]:
                best = (cost, lines)
        if best is not None:
            return best
    return None


def _imbalance(top: int, bottom: int, max_chars: int) -> float:
    """Balance cost of two stacked lines: grows fast with the difference; a longer top costs extra."""
    diff = (bottom - top) / max_chars
    return 6.0 * diff * diff + (1.5 * -diff if diff < 0 else 0.0)
