"""The CEA-608 character set: which characters a line-21 caption can show, and their bytes.

Standard characters are one byte (ASCII, but for ten positions 608 gives to accented letters and
symbols); special characters are a two-byte code on channel 1 (0x11 0x30-0x3F); the extended
Western European ones (0x12/0x13 0x20-0x3F) erase the character before them as they appear, so an
encoder sends a standard stand-in first, which a decoder without them keeps.
"""

from __future__ import annotations

import unicodedata

# The standard set: printable ASCII with these ten positions replaced.
_STANDARD_SWAPS = {
    0x2A: "á", 0x5C: "é", 0x5E: "í", 0x5F: "ó", 0x60: "ú",
    0x7B: "ç", 0x7C: "÷", 0x7D: "Ñ", 0x7E: "ñ", 0x7F: "\u2588",
}  # fmt: skip
STANDARD: dict[str, int] = {_STANDARD_SWAPS.get(code, chr(code)): code for code in range(0x20, 0x80) if code != 0x7F}
# Special characters (0x11, 0x30 + index); 0x39 is the transparent space, never written.
_SPECIAL = "®°½¿™¢£♪à\x00èâêîôû"
SPECIAL: dict[str, tuple[int, int]] = {c: (0x11, 0x30 + i) for i, c in enumerate(_SPECIAL) if c != "\x00"}
# Extended characters: Spanish, French, misc. (0x12) and Portuguese, German, Danish (0x13).
_EXTENDED_12 = "ÁÉÓÚÜü‘¡*’—©℠•“”ÀÂÇÈÊËëÎÏïÔÙùÛ«»"
_EXTENDED_13 = "ÃãÍÌìÒòÕõ{}\\^_¦~ÄäÖöß¥¤|ÅåØø┌┐└┘"
EXTENDED: dict[str, tuple[int, int]] = {}
for _first, _chars in ((0x12, _EXTENDED_12), (0x13, _EXTENDED_13)):
    for _i, _c in enumerate(_chars):
        EXTENDED[_c] = (_first, 0x20 + _i)

# Stand-ins shown by decoders without the extended set (the extended character then overwrites it).
_FALLBACK = {"¡": "!", "‘": "'", "’": "'", "“": '"', "”": '"', "—": "-", "«": '"', "»": '"', "•": ".",
             "©": "c", "℠": "s", "{": "(", "}": ")", "\\": "/", "^": "'", "_": "-", "¦": "|", "~": "-",
             "¥": "Y", "¤": "o", "|": "!", "ß": "s", "*": "#", "┌": "+", "┐": "+", "└": "+", "┘": "+",
             "Ø": "O", "ø": "o"}  # fmt: skip

# Common characters outside the set, written as the nearest ones inside it.
SUBSTITUTES = {
    "\u2013": "-", "\u2012": "-", "\u2010": "-", "\u2011": "-", "\u2212": "-", "\u2026": "...",
    "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\t": " ", "`": "‘", "\u2032": "'",
    "\u2033": '"', "\u201e": "“", "\u201a": "‘", "\u2039": "‹", "\u266b": "♪", "\u266a": "♪",
    "€": "EUR", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
    "ı": "i", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ĸ": "k", "\u00b7": ".",
}  # fmt: skip


# Characters 608 has, written as others: decoders read 0x12 0x29 as ' or ’ and 0x13 0x2E as | or ¦
# (ttconv, pycaption); the apostrophe is then one standard byte instead of three.
_WRITE_AS = {"\u2019": "'", "¦": "|"}


def fallback(char: str) -> str:
    """The standard character shown before extended ``char`` (its base letter, or a look-alike)."""
    if char in _FALLBACK:
        return _FALLBACK[char]
    base = unicodedata.normalize("NFKD", char)[0]
    return base if base in STANDARD else "?"


def in_set(char: str) -> bool:
    return char in STANDARD or char in SPECIAL or char in EXTENDED


def to_608(text: str) -> tuple[str, list[str]]:
    """``text`` in the 608 set: accents kept where 608 has the letter, else dropped (``ă`` -> ``a``),
    a few look-alikes swapped in; and the characters that have no stand-in at all."""
    out: list[str] = []
    missing: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char in _WRITE_AS:
            out.append(_WRITE_AS[char])
        elif in_set(char):
            out.append(char)
        else:
            _fold(char, out, missing)
    return "".join(out), missing


def _fold(char: str, out: list[str], missing: list[str]) -> None:
    """A character outside the set: its substitute, or its letter without the accent, or missing."""
    swap = SUBSTITUTES.get(char)
    if swap is not None and all(in_set(c) for c in swap):
        out.append(swap)
        return
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if bare and all(in_set(c) for c in bare):
        out.append(bare)
    else:
        missing.append(char)


def dropped(text: str) -> list[str]:
    """The characters of ``text`` :func:`to_608` leaves out, as a reader sees them: an emoji with its
    skin tone, variation selector or joined parts (``👍🏽``, ``❤️``, ``👨‍👩‍👧``), a flag, a keycap
    (whose digit is kept) is one; an invisible one is named by its code point (``U+200B``)."""
    out: list[str] = []
    for cluster in _clusters(unicodedata.normalize("NFC", text)):
        if to_608(cluster)[1]:
            named = cluster if any(unicodedata.category(c)[0] != "C" for c in cluster) else f"U+{ord(cluster[0]):04X}"
            if named not in out:
                out.append(named)
    return out


def _clusters(text: str) -> list[str]:
    """``text`` cut into what a reader takes for one character (the emoji cases of Unicode's extended
    grapheme clusters, UAX #29: no runtime dependency does it, and 608 needs no more)."""
    out: list[str] = []
    joined = False  # the character before was a zero width joiner: this one joins the cluster
    for char in text:
        code = ord(char)
        regional = 0x1F1E6 <= code <= 0x1F1FF
        extends = (
            joined
            or unicodedata.category(char) in ("Mn", "Me", "Mc")
            or char == "\u200d"
            or 0xFE00 <= code <= 0xFE0F  # variation selectors (FE0F: shown as an emoji)
            or 0x1F3FB <= code <= 0x1F3FF  # skin tones
            or 0xE0020 <= code <= 0xE007F  # tags (subdivision flags)
            or (regional and out and len(out[-1]) == 1 and 0x1F1E6 <= ord(out[-1]) <= 0x1F1FF)  # a flag's pair
        )
        if extends and out:
            out[-1] += char
        else:
            out.append(char)
        joined = char == "\u200d"
    return out
