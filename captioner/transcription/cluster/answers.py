"""A worker's answer, bounded before it is used.

Certificates say who may be a worker, not that a worker is right: a broken or compromised one can
send any object back.  What the client joins into a file's transcript must look like what the
local engine makes of that piece: the types it has, every time inside the audio the worker was
sent, no more words and text than speech holds, languages Whisper knows, scores in their ranges.
An answer that does not is not used (its file fails, naming the piece and the problem, never the
answer's content) and is never cached.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from captioner.core.languages import LANGUAGE_NAMES
from captioner.core.transcript import Segment, Transcript, Word
from captioner.transcription.local.piecewise import PieceResult, PieceStart

# Whisper writes at most 224 tokens a 30 s window (about 7.5 a second); a word is one token or more.
WORDS_PER_SECOND = 20
CHARACTERS_PER_SECOND = 200  # of text, words or segments (a fast talker: about 20)
SLACK = 50  # words, segments, regions or characters any piece may have, however short
TIME_SLACK = 0.05  # seconds a time may stray outside the audio sent (rounding)
LONGEST_LABEL = 200  # characters of the worker's own address
LONGEST_MESSAGE = 300  # characters of a worker's reason for a piece that failed for good


def piece_problem(value: Any, index: int, span: tuple[float, float]) -> str | None:
    """What makes ``value`` (a worker's answer for piece ``index``, decoded from the audio at
    ``span`` seconds of the file) unusable, or None when nothing does."""
    if not isinstance(value, PieceResult):
        return f"a {type(value).__name__}, not a decoded piece"
    if value.index != index or not isinstance(value.start, PieceStart):
        return "the answer of another piece"
    seconds = span[1] - span[0]
    words, segments = value.words, value.segments
    if not isinstance(words, list) or not isinstance(segments, list):
        return "its words or segments are not lists"
    if len(words) > WORDS_PER_SECOND * seconds + SLACK or len(segments) > len(words) + SLACK:
        return f"{len(words)} words, {len(segments)} segments in {seconds:.1f} s of audio"
    if not all(isinstance(w, Word) for w in words) or not all(isinstance(s, Segment) for s in segments):
        return "its words or segments are not words and segments"
    if sum(len(w.word) if isinstance(w.word, str) else math.inf for w in words) + sum(
        len(s.text) if isinstance(s.text, str) else math.inf for s in segments
    ) > 2 * (CHARACTERS_PER_SECOND * seconds + SLACK):
        return f"more text than {seconds:.1f} s of speech holds"
    if not all(_inside(w.start, w.end, span) for w in words):
        return f"a word outside the audio it was sent ({span[0]:.1f}-{span[1]:.1f} s)"
    if not all(_score(w.probability, 0, 1) for w in words):
        return "a bad probability"
    for segment in segments:
        if not _inside(segment.start, segment.end, span) or not _tokens(segment.tokens):
            return f"a segment outside the audio it was sent ({span[0]:.1f}-{span[1]:.1f} s)"
    return _rest_problem(value, span)


def _rest_problem(value: PieceResult, span: tuple[float, float]) -> str | None:
    """The piece's languages, regions and counters."""
    if not _language_score(value.detected) or not isinstance(value.heard, list):
        return "a language Whisper does not know"
    if len(value.heard) > span[1] - span[0] + SLACK or not all(_language_score(h) for h in value.heard):
        return "a language Whisper does not know"
    gate = value.gate_after
    if not (isinstance(gate, tuple) and len(gate) == 2 and (gate[0] is None or _known(gate[0]))):
        return "a language Whisper does not know"
    for regions in (value.speech, value.utterances or []):
        if not isinstance(regions, list) or len(regions) > WORDS_PER_SECOND * (span[1] - span[0]) + SLACK:
            return "too many speech regions"
        if not all(isinstance(r, tuple) and len(r) == 2 and _inside(r[0], r[1], span) for r in regions):
            return f"a speech region outside the audio it was sent ({span[0]:.1f}-{span[1]:.1f} s)"
    if not _counts(value.repaired.values()) or not _counts(value.vocabulary.values()):
        return "a counter that is not a count"
    if not _score(value.silence, 0, span[1] - span[0] + TIME_SLACK) or not _score(value.seconds, 0, math.inf):
        return "a silence or decoding time out of range"
    if not isinstance(value.worker, str) or len(value.worker) > LONGEST_LABEL:
        return "a worker address that is not one"
    return None


def file_problem(transcript: Transcript, seconds: float) -> str | None:
    """What makes a worker's transcript of a whole file (``--workers-read-media``) of ``seconds``
    unusable, or None: the bounds of :func:`piece_problem`, over the file."""
    span = (0.0, seconds)
    words, segments = transcript.words or [], transcript.segments
    if not isinstance(transcript.language, str) or transcript.language not in LANGUAGE_NAMES:
        return "a language Whisper does not know"
    if not _score(transcript.duration, 0, seconds + 1.0) or not isinstance(transcript.meta, dict):
        return "a duration that is not the file's"
    if len(words) > WORDS_PER_SECOND * seconds + SLACK or len(segments) > len(words) + SLACK:
        return f"{len(words)} words, {len(segments)} segments in {seconds:.1f} s of audio"
    if not all(isinstance(w.word, str) for w in words) or not all(isinstance(s.text, str) for s in segments):
        return "its words or segments are not words and segments"
    text = transcript.text if isinstance(transcript.text, str) else ""
    if sum(map(len, (w.word for w in words))) + sum(len(s.text) for s in segments) + len(text) > 3 * (
        CHARACTERS_PER_SECOND * seconds + SLACK
    ):
        return f"more text than {seconds:.1f} s of speech holds"
    if not all(_inside(w.start, w.end, span) and _score(w.probability, 0, 1) for w in words):
        return f"a word outside the audio ({span[0]:.1f}-{span[1]:.1f} s) or a bad probability"
    if not all(_inside(s.start, s.end, span) and _tokens(s.tokens) for s in segments):
        return f"a segment outside the audio ({span[0]:.1f}-{span[1]:.1f} s)"
    for name in ("speech", "utterances"):
        regions = transcript.meta.get(name) or []
        if not isinstance(regions, list) or len(regions) > WORDS_PER_SECOND * seconds + SLACK:
            return "too many speech regions"
        if not all(isinstance(r, list) and len(r) == 2 and _inside(r[0], r[1], span) for r in regions):
            return f"a speech region outside the audio ({span[0]:.1f}-{span[1]:.1f} s)"
    return None


def failure_message(message: Any) -> str:
    """A worker's message for a piece that failed for good, as one line of bounded length."""
    lines = message.strip().splitlines() if isinstance(message, str) else []
    line = lines[0] if lines else "the worker gave no reason"
    return line if len(line) <= LONGEST_MESSAGE else line[: LONGEST_MESSAGE - 3] + "..."


def guess_problem(value: Any) -> str | None:
    """What makes a language guess unusable (None: a usable guess, or no guess)."""
    if value is None or _language_score(value):
        return None
    return "a language Whisper does not know"


def _inside(start: Any, end: Any, span: tuple[float, float]) -> bool:
    return (
        start is not None
        and end is not None
        and _score(start, span[0] - TIME_SLACK, span[1] + TIME_SLACK)
        and _score(end, span[0] - TIME_SLACK, span[1] + TIME_SLACK)
        and start <= end
    )


def _score(value: Any, low: float, high: float) -> bool:
    """A real number in [low, high] (None counts as a missing score: fine)."""
    if value is None:
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and low <= float(value) <= high


def _known(language: Any) -> bool:
    return isinstance(language, str) and language in LANGUAGE_NAMES


def _language_score(pair: Any) -> bool:
    return isinstance(pair, tuple) and len(pair) == 2 and _known(pair[0]) and _score(pair[1], 0, 1)


def _tokens(tokens: Any) -> bool:
    return isinstance(tokens, (tuple, list)) and len(tokens) <= 4 * 224 and all(_integer(t) for t in tokens)


def _integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _counts(values: Iterable[Any]) -> bool:
    return all(_integer(v) and v >= 0 for v in values)
