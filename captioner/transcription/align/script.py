"""A script's words: plain text, or the text of a caption file whose times are ignored.

The words are kept exactly as written, each with the space before it (Whisper's convention: the
first word of the script has none, every later word of a spaced language its " "), so that the
aligned words joined give back the script with its line breaks made spaces.  Text without spaces
(Chinese, Japanese, Thai...) is cut into characters, punctuation staying with the character
before it, as Whisper's own word timestamps cut such text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from captioner.errors import CaptionerError
from captioner.paths import read_regular_file

MAX_SCRIPT_BYTES = 64 * 1024 * 1024  # a day of speech is a few MB of text
# A caption script's suffix -> its format in captioner.output.writers.FORMAT_TABLE (whose reader reads it).
CAPTION_SUFFIXES = {
    ".srt": "srt", ".vtt": "vtt", ".ttml": "ttml", ".dfxp": "ttml", ".scc": "scc",
    ".ass": "ass", ".ssa": "ass", ".sbv": "sbv",
}  # fmt: skip
_SRT_TAGS = re.compile(r"</?(?:[biu]|font)\b[^>]*>|\{\\[^}]*\}", re.IGNORECASE)  # <i>, <font ...>, {\an8}
TRANSCRIPT_SUFFIXES = {".json"}
_TOKEN = re.compile(r"\s*\S+")


class ScriptError(CaptionerError):
    """A script that cannot be read, or holds no words."""


@dataclass(frozen=True)
class Script:
    """``words``: each with the space before it; ``line_starts``: indexes of the words that begin
    a line of a plain-text script (or a cue of a caption file); ``digest``: the file's bytes' hash."""

    words: tuple[str, ...]
    line_starts: frozenset[int] = field(default_factory=frozenset)
    digest: str = ""

    @property
    def text(self) -> str:
        return "".join(self.words)


def read_script(path: Path) -> Script:
    """The script at ``path`` (ScriptError naming it when it cannot be read or has no words)."""
    try:
        data = read_regular_file(path, MAX_SCRIPT_BYTES)
    except OSError as exc:
        raise ScriptError(f"cannot read the script: {exc.strerror or exc}", str(path)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScriptError("the script is not UTF-8 text", str(path)) from None
    if "\x00" in text:
        raise ScriptError("the script is not text (it holds NUL bytes)", str(path))
    suffix = path.suffix.lower()
    if suffix in CAPTION_SUFFIXES:
        lines = _caption_lines(text, CAPTION_SUFFIXES[suffix], path)
    elif suffix in TRANSCRIPT_SUFFIXES:
        lines = _transcript_lines(text, path)
    else:
        lines = text.splitlines()
    script = script_from_lines(lines, hashlib.sha256(data).hexdigest())
    if not script.words:
        raise ScriptError("the script has no words", str(path))
    return script


def script_from_lines(lines: list[str], digest: str = "") -> Script:
    """A script of these lines (each a cue break candidate; blank ones ignored)."""
    words: list[str] = []
    starts: set[int] = set()
    for line in lines:
        pieces = split_words(line.strip())
        if not pieces:
            continue
        starts.add(len(words))
        if words and not pieces[0][:1].isspace() and not is_unspaced(pieces[0][:1]):
            pieces[0] = " " + pieces[0]  # a line break is a space between words
        words.extend(pieces)
    if words:
        words[0] = words[0].lstrip()
    return Script(tuple(words), frozenset(starts), digest)


def split_words(text: str) -> list[str]:
    """``text``'s words, each with the whitespace before it; unspaced text cut into characters."""
    out: list[str] = []
    for token in _TOKEN.findall(text):
        lead = token[: len(token) - len(token.lstrip())]
        lead = " " if lead else ""
        body = token.strip()
        if not any(is_unspaced(ch) for ch in body):
            out.append(lead + body)
            continue
        pieces: list[str] = []
        for ch in body:
            if pieces and (
                unicodedata.category(ch)[0] in "PSM" or not is_unspaced(ch) and not is_unspaced(pieces[-1][-1])
            ):
                pieces[-1] += ch  # punctuation, marks and runs of spaced script stay with the piece before
            else:
                pieces.append(ch)
        pieces[0] = lead + pieces[0]
        out.extend(pieces)
    return out


def is_unspaced(ch: str) -> bool:
    """A character of a script written without spaces between words."""
    if not ch:
        return False
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # kana
        or 0x3400 <= code <= 0x9FFF  # CJK ideographs
        or 0xF900 <= code <= 0xFAFF
        or 0x0E00 <= code <= 0x0EFF  # Thai, Lao
        or 0x1000 <= code <= 0x109F  # Myanmar
        or 0x20000 <= code <= 0x2FA1F
    )


def _caption_lines(text: str, fmt: str, path: Path) -> list[str]:
    """The cues' texts of a caption file, one string a cue (its line breaks made spaces), read by
    the reader captioner's own files of that format are read back with."""
    from captioner.output.writers import FORMAT_TABLE

    read = FORMAT_TABLE[fmt].read
    assert read is not None  # every caption suffix names a format with a reader
    try:
        cues = read(text)
    except Exception as exc:  # each reader's library raises its own types on malformed input
        raise ScriptError(f"not a readable {fmt} file ({type(exc).__name__})", str(path)) from None
    texts = (" ".join(cue.lines) for cue in cues)
    return [" ".join((_SRT_TAGS.sub("", t) if fmt == "srt" else t).split()) for t in texts]


def _transcript_lines(text: str, path: Path) -> list[str]:
    """A Whisper verbose JSON transcript's segments' texts."""
    import json

    from captioner.core.transcript import Transcript

    try:
        transcript = Transcript.from_whisper_json(json.loads(text))
    except (ValueError, TypeError, KeyError) as exc:
        raise ScriptError(f"not a Whisper JSON transcript ({type(exc).__name__})", str(path)) from None
    return [segment.text for segment in transcript.segments]
