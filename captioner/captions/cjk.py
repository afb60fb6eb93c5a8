"""Where Chinese and Japanese text may break: phrase boundaries and the kinsoku rules.

These languages are written without spaces, and Whisper's word timings for them are sub-word
pieces (single characters or kana runs), so a break between two pieces can fall inside a word
(整|理, キ|ャンプ).  Breaks go at the phrase boundaries of BudouX (Google's phrase segmenter for
line breaking; its models ship in the wheel, nothing is downloaded) and never against the kinsoku
rules of the Japanese style guides (JIS X 4051, W3C jlreq, Netflix): no line starts with a small
kana, the prolonged sound mark or closing punctuation, and none ends with an opening bracket.
Chinese follows the same punctuation rules.  Korean is written with spaces and needs none of this.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import budoux

# Characters a line may not start with (jlreq cl-02 closing brackets, cl-04 dividing punctuation,
# cl-05 middle dots, cl-06 full stops, cl-07 commas, cl-09 iteration marks, cl-10 the prolonged
# sound mark, cl-11 small kana), besides any Unicode closing punctuation (Pe, Pf).
_SMALL_KANA = "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿｧｨｩｪｫｬｭｮｯ"
_CLOSING = "」』）〕］｝〉》】〙〗〟｠｣)]}"
NO_START = set(_SMALL_KANA + "ーｰ" + "ヽヾゝゞ々〻" + "、。，．,.：；:;・･？！?!‼⁇⁈⁉" + _CLOSING)
# Characters a line may not end with (jlreq cl-01 opening brackets), besides Unicode Ps and Pi.
NO_END = set("「『（〔［｛〈《【〘〖〝｟｢([{")

# Costs of a break inside a phrase (the scale of captioner.captions.linebreak.break_cost).
INSIDE_PHRASE = 6.0
INSIDE_WORD = 6.0  # more, where the break probably splits a word too
CUT_WORD = 20.0  # a word cut at a character boundary (longer than a line, or glued by kinsoku)


def is_unspaced_char(ch: str) -> bool:
    """Han, kana and CJK/full-width punctuation: scripts written without spaces between words."""
    cp = ord(ch)
    return (
        (0x2E80 <= cp <= 0x9FFF and not 0x3130 <= cp <= 0x318F)  # CJK punctuation, kana, han (not hangul)
        or 0xF900 <= cp <= 0xFAFF  # compatibility ideographs
        or (0xFF00 <= cp <= 0xFFEF and not 0xFFA0 <= cp <= 0xFFDC)  # full-width and half-width forms
        or 0x20000 <= cp <= 0x3FFFF
    )


def _is_hiragana(ch: str) -> bool:
    return 0x3040 <= ord(ch) <= 0x309F


def _is_katakana(ch: str) -> bool:
    cp = ord(ch)
    return 0x30A0 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF or 0xFF66 <= cp <= 0xFF9F


def _is_han(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK")


def no_start(ch: str) -> bool:
    return ch in NO_START or unicodedata.category(ch) in ("Pe", "Pf")


def no_end(ch: str) -> bool:
    return ch in NO_END or unicodedata.category(ch) in ("Ps", "Pi")


def may_break(before: str, after: str) -> bool:
    """Whether a line or cue may end with ``before`` and the next start with ``after``.

    The kinsoku rules apply where either side is CJK; elsewhere (Latin, Cyrillic, ... text and
    Korean) every break is allowed here and the language's own rules decide (see linebreak).
    """
    b, a = before.rstrip()[-1:], after.lstrip()[:1]
    if not b or not a or not (is_unspaced_char(b) or is_unspaced_char(a)):
        return True
    return not no_start(a) and not no_end(b)


def cut_points(text: str, max_chars: int) -> list[int]:
    """Offsets cutting ``text`` into pieces of at most ``max_chars`` characters, each as late as
    the kinsoku rules allow (a run with no allowed break at all is cut at ``max_chars``)."""
    max_chars = max(1, max_chars)  # a style that bypassed its bounds must not loop forever
    cuts: list[int] = []
    pos = 0
    while len(text) - pos > max_chars:
        cut = pos + max_chars
        while cut > pos and not may_break(text[:cut], text[cut:]):
            cut -= 1
        if cut == pos:
            cut = pos + max_chars
        cuts.append(cut)
        pos = cut
    return cuts


def _traditional(text: str) -> bool:
    """Whether Han text has traditional characters: in Big5 and missing from GB 2312 (simplified)."""
    return any(_is_han(ch) and not _encodes(ch, "gb2312") and _encodes(ch, "big5") for ch in text)


def _encodes(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


@cache
def _parser(model: str) -> budoux.Parser:
    return {
        "ja": budoux.load_default_japanese_parser,
        "zh-hans": budoux.load_default_simplified_chinese_parser,
        "zh-hant": budoux.load_default_traditional_chinese_parser,
    }[model]()


def phrase_model(text: str, language: str) -> str:
    """The BudouX model for a run of text: Japanese for ``ja`` or any text with kana, else Chinese
    (traditional when the language tag or the characters say so)."""
    lang = language.lower().replace("_", "-")
    if lang.split("-")[0] == "ja" or any(_is_hiragana(ch) or _is_katakana(ch) for ch in text):
        return "ja"
    if any(tag in lang.split("-")[1:] for tag in ("hant", "tw", "hk", "mo")) or _traditional(text):
        return "zh-hant"
    return "zh-hans"


def phrase_breaks(text: str, language: str) -> set[int]:
    """Offsets in ``text`` (unspaced CJK, possibly with Latin words) between BudouX phrases."""
    if not text:
        return set()
    out: set[int] = set()
    pos = 0
    for chunk in _parser(phrase_model(text, language)).parse(text)[:-1]:
        pos += len(chunk)
        out.add(pos)
    return out


def inner_break_cost(before: str, after: str) -> float:
    """Cost of a break inside a phrase too long for a line (between two word pieces): worst inside
    a run of kanji or katakana or between a kanji and the kana that inflect it (okurigana)."""
    b, a = before.rstrip()[-1:], after.lstrip()[:1]
    if not b or not a:
        return INSIDE_PHRASE
    same_run = (_is_han(b) and (_is_han(a) or _is_hiragana(a))) or (_is_katakana(b) and _is_katakana(a))
    return INSIDE_PHRASE + (INSIDE_WORD if same_run else 0.0)

