"""Transcripts made by other Whisper tools, read into the one transcript schema.

Three shapes are read:

- the verbose JSON of OpenAI's API, aiXplain's ``rawData`` and captioner's own ``-f json``:
  ``segments`` and a top-level ``words`` list;
- openai-whisper's (and stable-ts's) ``--output_format json``: the words inside each segment;
- whisper.cpp's ``--output-json`` (``-oj``, or ``-ojf`` with tokens): a ``transcription`` list
  whose times are ``offsets`` in milliseconds.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from captioner.core.languages import to_code
from captioner.core.transcript import Segment, Transcript, Word


def from_whisper_json(data: str | bytes | dict[str, Any]) -> Transcript:
    """A transcript from any of the shapes above (a JSON text or the parsed object).

    >>> t = from_whisper_json('{"language": "en", "segments": [{"start": 0, "end": 1.5,'
    ...     ' "text": " Hello.", "words": [{"word": " Hello.", "start": 0.1, "end": 0.9}]}]}')
    >>> t.language, t.duration, [w.word for w in t.words]
    ('en', 1.5, [' Hello.'])
    """
    raw = json.loads(data) if isinstance(data, (str, bytes)) else data
    if not isinstance(raw, dict):
        raise ValueError(f"not a Whisper transcript: a JSON {type(raw).__name__}, not an object")
    if isinstance(raw.get("transcription"), list):
        return _from_whisper_cpp(raw)
    if not isinstance(raw.get("segments"), list):
        raise ValueError("not a Whisper transcript: no segments (nor whisper.cpp's transcription)")
    if raw.get("words") is None and any(isinstance(s, dict) and "words" in s for s in raw["segments"]):
        raw = {**raw, "words": [w for s in raw["segments"] for w in s.get("words") or ()]}
    language = to_code(str(raw.get("language") or "")) or "und"
    transcript = Transcript.from_dict({**raw, "language": language})
    if transcript.words is not None:
        transcript = replace(transcript, words=[replace(w, word=spaced_word(w.word)) for w in transcript.words])
    if not transcript.duration and transcript.segments:
        transcript = replace(transcript, duration=max(s.end for s in transcript.segments))
    return transcript


def _table(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _from_whisper_cpp(raw: dict[str, Any]) -> Transcript:
    result, params = _table(raw, "result"), _table(raw, "params")
    language = to_code(str(result.get("language") or params.get("language") or "")) or "und"
    segments: list[Segment] = []
    words: list[Word] = []
    has_tokens = True
    for i, item in enumerate(raw["transcription"]):
        start, end = _offsets(item)
        segments.append(Segment(id=i, seek=0, start=start, end=end, text=str(item.get("text", ""))))
        tokens = item.get("tokens")
        if not isinstance(tokens, list):
            has_tokens = False
            continue
        words.extend(_words_of_tokens(tokens))
    duration = max((s.end for s in segments), default=0.0)
    task = "translate" if params.get("translate") else "transcribe"
    return Transcript(
        language=language,
        duration=duration,
        segments=segments,
        words=words if has_tokens and segments else None,
        text="".join(s.text for s in segments),
        task=task,
    )


def _offsets(item: dict[str, Any]) -> tuple[float, float]:
    offsets = item.get("offsets") or {}
    return float(offsets.get("from", 0)) / 1000, float(offsets.get("to", 0)) / 1000


def _words_of_tokens(tokens: list[dict[str, Any]]) -> list[Word]:
    """whisper.cpp's tokens joined into words: a token that starts with a space starts a word;
    special tokens (``[_BEG_]``, ``[_TT_...]``) are left out.  A word's probability is its
    least sure token's."""
    words: list[Word] = []
    for token in tokens:
        text = str(token.get("text", ""))
        if not text or text.startswith("[_"):
            continue
        start, end = _offsets(token)
        p = token.get("p")
        probability = None if p is None else float(p)
        if words and not text.startswith(" "):
            last = words[-1]
            low = probability if last.probability is None else min(last.probability, probability or 1.0)
            words[-1] = replace(last, word=last.word + text, end=max(last.end, end), probability=low)
        else:
            words.append(Word(word=text, start=start, end=end, probability=probability))
    return [replace(w, word=spaced_word(w.word)) for w in words]


def spaced_word(word: str) -> str:
    """Whisper's convention (and faster-whisper's): a word carries its leading space."""
    return word if word.startswith(" ") or not word else " " + word
