"""What the user tells Whisper before it listens: an initial prompt, and a vocabulary of names and terms.

The prompt (``--prompt``) is Whisper's ``initial_prompt``: text the decoder reads as if it had just
transcribed it, so its spelling and style carry over.  The vocabulary (``--vocabulary FILE``, one
name or term a line) becomes faster-whisper's ``hotwords``: the terms are put before every window's
previous text, not only the first window's.

Both have a budget in Whisper's tokens.  A window's prompt (hotwords, then up to 223 tokens of
previous text) and the text it decodes share the decoder's 448 positions: with hotwords of 242
tokens the developer corpus' 53 s sonnet came out as the hotwords repeated and nothing else, so
the vocabulary is kept to :data:`MAX_VOCABULARY_TOKENS`, which leaves a window 140 positions for
its text (a dense 30 s window takes about 120).  Whisper itself keeps only the last 223 tokens of
a prompt: a longer one is refused rather than cut without a word.  Tokens are counted with the
embedded model's tokenizer (every multilingual Whisper model shares it).

A vocabulary has a language when its file begins with a ``# language: en`` line (or
``--vocabulary-language`` / ``vocabulary_language`` says it): names and spellings of one language
put before another language's speech only mislead Whisper (on the developer corpus an English
list made the Arabic, Spanish, Italian and French readings worse), so the local engine gives
the hotwords only to the windows it decodes in that language (see
:class:`captioner.transcription.local.whisper_model.ReusingWhisperModel`).
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from captioner.paths import read_regular_file

MAX_PROMPT_TOKENS = 223  # faster-whisper's n_text_ctx // 2 - 1: what it keeps of a prompt
MAX_VOCABULARY_TOKENS = 80
MAX_VOCABULARY_BYTES = 64 * 1024  # a vocabulary file larger than this is not a list of names
MAX_TERM_CHARS = 100
_LANGUAGE_LINE = re.compile(r"#\s*language\s*:\s*(\S+)\s*$", re.IGNORECASE)


Vocabulary = str | os.PathLike[str] | Iterable[str]
"""Names and terms for Whisper: a file's path (one a line), or the terms themselves."""


class PromptError(ValueError):
    """A prompt or vocabulary Whisper cannot use (the message names the cause)."""


@lru_cache(maxsize=1)
def _tokenizer():  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer

    from captioner.transcription.local.model_files import embedded_tokenizer_file

    return Tokenizer.from_file(str(embedded_tokenizer_file()))


def token_count(text: str) -> int:
    """Whisper tokens of ``text`` as the decoder is given it (after a space)."""
    return len(_tokenizer().encode(" " + text.strip(), add_special_tokens=False).ids)


def _no_controls(text: str, what: str) -> None:
    if any(ord(ch) < 32 and ch not in "\t" for ch in text):
        raise PromptError(f"{what} holds a control character")


def check_prompt(text: str) -> str:
    """The prompt, stripped; :class:`PromptError` when empty or longer than Whisper reads."""
    prompt = " ".join(text.split())
    if not prompt:
        raise PromptError("the prompt is empty")
    _no_controls(prompt, "the prompt")
    tokens = token_count(prompt)
    if tokens > MAX_PROMPT_TOKENS:
        raise PromptError(f"the prompt is {tokens} tokens long; Whisper reads at most {MAX_PROMPT_TOKENS}")
    return prompt


def parse_vocabulary(text: str) -> tuple[str, ...]:
    """The terms of a vocabulary file's text: one a line, blank lines and ``#`` comments skipped,
    each once (in the file's order)."""
    terms: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        term = " ".join(raw.split())
        if not term or term.startswith("#"):
            continue
        _no_controls(term, f"line {number}")
        if len(term) > MAX_TERM_CHARS:
            raise PromptError(f"line {number} is {len(term)} characters long: one name or term a line")
        if term not in terms:
            terms.append(term)
    if not terms:
        raise PromptError("no names or terms in it (one a line)")
    return tuple(terms)


def header_language(text: str) -> str | None:
    """The language a vocabulary file's first line names (``# language: en``), checked, or None.
    Errors name the line, not its text (no error quotes a file)."""
    from captioner.core.languages import parse_language

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LANGUAGE_LINE.match(line)
        if match is None:
            return None
        try:
            code = parse_language(match.group(1))
        except ValueError:
            raise PromptError(
                f"line {number}: '# language:' names no language Whisper knows (a code such as en or de, "
                "or a name such as German)"
            ) from None
        if code is None:
            raise PromptError(f"line {number}: a vocabulary's language is one language, not auto")
        return code
    return None


@dataclass(frozen=True)
class VocabularyFile:
    """A vocabulary file's checked terms and the language it names (None: not said)."""

    terms: tuple[str, ...]
    language: str | None = None


def hotwords(terms: Iterable[str]) -> str:
    """The terms as faster-whisper's ``hotwords`` text."""
    return ", ".join(terms)


def check_vocabulary(terms: tuple[str, ...]) -> tuple[str, ...]:
    """``terms`` when they fit Whisper's budget (see the module docstring), else :class:`PromptError`."""
    tokens = token_count(hotwords(terms))
    if tokens > MAX_VOCABULARY_TOKENS:
        raise PromptError(
            f"{len(terms)} terms make {tokens} tokens; Whisper can be given at most {MAX_VOCABULARY_TOKENS} "
            "(longer lists crowd out the text it decodes): keep the names this material needs"
        )
    return terms


def load_vocabulary(path: Path) -> VocabularyFile:
    """A vocabulary file (UTF-8, an optional ``# language: CODE`` first line, then one name or term
    a line), checked; :class:`PromptError` (naming the file) when it cannot be read or used."""
    try:
        data = read_regular_file(path, MAX_VOCABULARY_BYTES)  # a FIFO or device would block forever
        text = data.decode("utf-8-sig")
        return VocabularyFile(check_vocabulary(parse_vocabulary(text)), header_language(text))
    except PromptError as exc:
        raise PromptError(f"{path}: {exc}") from None
    except UnicodeDecodeError:
        raise PromptError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        if exc.errno == errno.EFBIG:
            raise PromptError(f"{path}: {exc.strerror}: not a list of names") from None
        raise PromptError(f"{path}: cannot read: {exc.strerror or type(exc).__name__}") from None


def vocabulary_file(source: Vocabulary) -> VocabularyFile:
    """The checked vocabulary of a file (a path) or of a list of terms (no language)."""
    if isinstance(source, (str, os.PathLike)):
        return load_vocabulary(Path(source))
    return VocabularyFile(check_vocabulary(parse_vocabulary("\n".join(source))))
