"""Whether a stored transcript can be trusted: the fields the code relies on, checked by hand.

``transcript.schema.json`` types them (jsonschema is not a runtime dependency), but the schema
cannot say what makes captions wrong rather than merely odd: a NaN or negative time, a time past
the end of the media (a word "ending" at 1e308 s in a 5 s file), segments or words out of time
order, a probability outside 0..1, a language Whisper does not know, a speech region that is not a
``[start, end]`` pair.  A transcript read back from the cache goes through
:func:`transcript_problem` first, for either backend's shape (aiXplain's words have no
probability, for one); the studio and ``review`` read the cache through the same check.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from captioner.core.languages import LANGUAGE_NAMES

_SCORES = ("temperature", "avg_logprob", "compression_ratio", "no_speech_prob")

# Seconds a time may lie past the media's end, or before the previous segment's or word's start:
# decoders round and pad (Whisper's last word may end a few frames after the audio), but never by this much.
TOLERANCE = 1.0

# The languages a transcript may name: Whisper's, and "und" (undetermined: a hosted service
# named one nobody knows, see captioner.transcription.whisper_json).
KNOWN_LANGUAGES = frozenset(LANGUAGE_NAMES) | {"und"}


def transcript_problem(data: Any, media_duration: float | None = None) -> str | None:
    """What is wrong with ``data`` (a parsed transcript JSON), or None when nothing is.

    ``media_duration``: the seconds of the media the transcript is of, when known (a probe); every
    time must lie within it (give or take :data:`TOLERANCE`), else within the transcript's own
    ``duration``."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    if not isinstance(data.get("language"), str) or not isinstance(data.get("text"), str):
        return "language or text is not a string"
    if not _time(data.get("duration")):
        return "duration is not a time"
    if not isinstance(data.get("segments"), list):
        return "segments is not a list"
    if not _known_language(data["language"], spoken=bool(data["segments"])):
        return "the language is not one Whisper knows"
    if media_duration is not None and data["duration"] > media_duration + TOLERANCE:
        return f"duration {data['duration']} is past the media's end ({media_duration:.3f} s)"
    limit = (media_duration if media_duration is not None else data["duration"]) + TOLERANCE
    if (problem := _items_problem("segment", data["segments"], _segment_problem, limit)) is not None:
        return problem
    words = data.get("words")
    if words is not None:
        if not isinstance(words, list):
            return "words is not a list"
        if (problem := _items_problem("word", words, _word_problem, limit)) is not None:
            return problem
    meta = data.get("captioner")
    if meta is not None:
        if not isinstance(meta, dict):
            return "the captioner block is not an object"
        return _meta_problem(meta, limit)
    return None


def _items_problem(kind: str, items: list[Any], check: Callable[[Any], str | None], limit: float) -> str | None:
    """The first problem of a list of segments or words: one of them, or their order."""
    previous = 0.0
    for index, item in enumerate(items):
        if (problem := check(item) or _within(item["start"], item["end"], limit)) is not None:
            return f"{kind} {index}: {problem}"
        if item["start"] < previous - TOLERANCE:
            return f"{kind} {index}: starts ({item['start']}) before the {kind} before it ({previous})"
        previous = item["start"]
    return None


def _within(start: float, end: float, limit: float) -> str | None:
    if end > limit:
        return f"times {start}..{end} run past the media's end ({limit - TOLERANCE:.3f} s)"
    return None


def _known_language(code: str, spoken: bool = True) -> bool:
    """A code Whisper knows; an empty one only where nothing was said."""
    return code in KNOWN_LANGUAGES or (code == "" and not spoken)


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
    if not _opt_probability(segment.get("no_speech_prob")):
        return "no_speech_prob is not within 0..1"
    if not _opt_string(segment.get("speaker")):
        return "speaker is not a string"
    return _span_problem(segment.get("start"), segment.get("end"))


def _word_problem(word: Any) -> str | None:
    if not isinstance(word, dict):
        return "not an object"
    if not isinstance(word.get("word"), str):
        return "word is not a string"
    if not _opt_probability(word.get("probability")):
        return "probability is not within 0..1"
    if not _opt_string(word.get("speaker")):
        return "speaker is not a string"
    return _span_problem(word.get("start"), word.get("end"))


def _meta_problem(meta: dict[str, Any], limit: float) -> str | None:
    for key in ("speech", "utterances"):
        regions = meta.get(key)
        if regions is None:
            continue
        if not isinstance(regions, list):
            return f"{key} is not a list"
        for index, region in enumerate(regions):
            if not isinstance(region, list) or len(region) != 2:
                return f"{key} region {index} is {_kind(region)}, not a [start, end] pair"
            if (problem := _span_problem(*region) or _within(region[0], region[1], limit)) is not None:
                return f"{key} region {index}: {problem}"
    if not _opt_probability(meta.get("language_probability")):
        return "language_probability is not within 0..1"
    languages = meta.get("languages")
    if languages is not None and not (
        isinstance(languages, (list, dict)) and all(_known_language(code) for code in languages)
    ):
        return "languages is not a list of codes Whisper knows"
    parts = meta.get("parts")  # one transcript a speaker (see captioner.core.speakers)
    if parts is not None:
        if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
            return "parts is not a list of objects"
        for index, part in enumerate(parts):
            if not isinstance(part.get("speaker"), str) or not isinstance(part.get("language"), str):
                return f"part {index}: speaker or language is not a string"
            if not _known_language(part["language"], spoken=False):
                return f"part {index}: the language is not one Whisper knows"
            if (problem := _meta_problem(part, limit)) is not None:
                return f"part {index}: {problem}"
    return None


def _span_problem(start: Any, end: Any) -> str | None:
    if not (_time(start) and _time(end)):
        return "times are not finite seconds >= 0"
    if start > end:
        return f"ends ({end}) before it starts ({start})"
    return None


def _kind(value: Any) -> str:
    """What a JSON value is, for messages, which never quote a file's content."""
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return "a number" if _number(value) else f"a {type(value).__name__}"


def _number(value: Any) -> bool:
    """A finite JSON number (``json`` reads NaN and Infinity; a bool is no number)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _opt_probability(value: Any) -> bool:
    return value is None or (_number(value) and 0 <= value <= 1)


def _time(value: Any) -> bool:
    return _number(value) and value >= 0


def _opt_string(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(value: Any) -> bool:
    return _integer(value) and value >= 0
