"""Whether a stored transcript can be trusted: the fields the code relies on, checked by hand.

``transcript.schema.json`` types them (jsonschema is not a runtime dependency), but the schema
cannot say what makes captions wrong rather than merely odd: a NaN or negative time, a word
ending before it starts, a speech region that is not a ``[start, end]`` pair.  A transcript
read back from the cache goes through :func:`transcript_problem` first, for either backend's
shape (aiXplain's words have no probability, for one).
"""

from __future__ import annotations

import math
from typing import Any

_SCORES = ("temperature", "avg_logprob", "compression_ratio", "no_speech_prob")


def transcript_problem(data: Any) -> str | None:
    """What is wrong with ``data`` (a parsed transcript JSON), or None when nothing is."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    if not isinstance(data.get("language"), str) or not isinstance(data.get("text"), str):
        return "language or text is not a string"
    if not _time(data.get("duration")):
        return "duration is not a time"
    if not isinstance(data.get("segments"), list):
        return "segments is not a list"
    for index, segment in enumerate(data["segments"]):
        if (problem := _segment_problem(segment)) is not None:
            return f"segment {index}: {problem}"
    words = data.get("words")
    if words is not None:
        if not isinstance(words, list):
            return "words is not a list"
        for index, word in enumerate(words):
            if (problem := _word_problem(word)) is not None:
                return f"word {index}: {problem}"
    meta = data.get("captioner")
    if meta is not None:
        if not isinstance(meta, dict):
            return "the captioner block is not an object"
        return _meta_problem(meta)
    return None


def _segment_problem(segment: Any) -> str | None:
    if not isinstance(segment, dict):
        return "not an object"
    if not all(_count(segment.get(key)) for key in ("id", "seek")):
        return "id or seek is not a count"
    if not isinstance(segment.get("text"), str):
        return "text is not a string"
    tokens = segment.get("tokens", [])
    if not isinstance(tokens, list) or not all(_integer(t) for t in tokens):
        return "tokens are not integers"
    if not all(segment.get(key) is None or _number(segment[key]) for key in _SCORES):
        return "a score is not a number"
    if not _opt_string(segment.get("speaker")):
        return "speaker is not a string"
    return _span_problem(segment.get("start"), segment.get("end"))


def _word_problem(word: Any) -> str | None:
    if not isinstance(word, dict):
        return "not an object"
    if not isinstance(word.get("word"), str):
        return "word is not a string"
    probability = word.get("probability")
    if probability is not None and not (_number(probability) and 0 <= probability <= 1):
        return "probability is not within 0..1"
    if not _opt_string(word.get("speaker")):
        return "speaker is not a string"
    return _span_problem(word.get("start"), word.get("end"))


def _meta_problem(meta: dict[str, Any]) -> str | None:
    for key in ("speech", "utterances"):
        regions = meta.get(key)
        if regions is None:
            continue
        if not isinstance(regions, list):
            return f"{key} is not a list"
        for region in regions:
            if not isinstance(region, list) or len(region) != 2:
                return f"{key} holds {region!r}, not a [start, end] pair"
            if (problem := _span_problem(*region)) is not None:
                return f"{key} region {region!r}: {problem}"
    probability = meta.get("language_probability")
    if probability is not None and not _number(probability):
        return "language_probability is not a number"
    languages = meta.get("languages")
    if languages is not None and not (
        isinstance(languages, (list, dict)) and all(isinstance(code, str) for code in languages)
    ):
        return "languages is not a list of codes"
    parts = meta.get("parts")  # one transcript a speaker (see captioner.core.speakers)
    if parts is not None:
        if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
            return "parts is not a list of objects"
        for index, part in enumerate(parts):
            if not isinstance(part.get("speaker"), str) or not isinstance(part.get("language"), str):
                return f"part {index}: speaker or language is not a string"
            if (problem := _meta_problem(part)) is not None:
                return f"part {index}: {problem}"
    return None


def _span_problem(start: Any, end: Any) -> str | None:
    if not (_time(start) and _time(end)):
        return f"times {start!r}..{end!r} are not finite seconds >= 0"
    if start > end:
        return f"ends ({end}) before it starts ({start})"
    return None


def _number(value: Any) -> bool:
    """A finite JSON number (``json`` reads NaN and Infinity; a bool is no number)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _time(value: Any) -> bool:
    return _number(value) and value >= 0


def _opt_string(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(value: Any) -> bool:
    return _integer(value) and value >= 0
