"""Turn a hosted Whisper's verbose JSON (aiXplain's ``rawData``) into a :class:`Transcript`,
and join the transcripts of consecutive audio pieces into one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from captioner.core.languages import to_code
from captioner.core.transcript import Segment, Transcript, Word
from captioner.core.whisper_formats import spaced_word


class ResponseShapeError(ValueError):
    """The service answered, but not with a Whisper verbose transcript."""


def parse_verbose(raw: Any, fallback_language: str | None = None) -> Transcript:
    """Normalise one verbose JSON answer.

    The language may be a name ("English") or a code; it becomes the code.  Words may be absent
    (``words`` stays None) and have no probability (None).  Segment ids are renumbered from 0.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("segments"), list):
        raise ResponseShapeError("the answer holds no rawData with segments (was includeRawData honoured?)")
    data = dict(raw)
    # A language neither code nor known name ("Klingon") is undetermined, ISO 639-2 "und" (the
    # schema wants a 2-3 letter code).
    language = to_code(str(data.get("language") or "")) or fallback_language or "und"
    try:
        transcript = Transcript.from_dict({**data, "language": language, "captioner": None})
    except (KeyError, TypeError, ValueError) as exc:
        raise ResponseShapeError(f"unreadable rawData ({type(exc).__name__}: {exc})") from None
    segments = [replace(s, id=i) for i, s in enumerate(transcript.segments)]
    words = transcript.words
    if words is not None:
        words = [replace(w, word=spaced_word(w.word)) for w in words]
    duration = transcript.duration or (segments[-1].end if segments else 0.0)
    return replace(transcript, segments=segments, words=words, duration=duration, meta={}, voice=None)


def shift(transcript: Transcript, offset: float) -> Transcript:
    """Move every timestamp (and ``seek``, in 10 ms frames) ``offset`` seconds later."""
    frames = int(round(offset * 100))
    segments = [
        replace(s, start=s.start + offset, end=s.end + offset, seek=s.seek + frames) for s in transcript.segments
    ]
    words = None if transcript.words is None else [w.shifted(offset) for w in transcript.words]
    return replace(transcript, segments=segments, words=words)


def merge(parts: list[tuple[float, Transcript]], duration: float) -> Transcript:
    """Join ``(offset, transcript)`` pieces in time order into one transcript of ``duration`` seconds.

    Timestamps are shifted by each piece's offset and clipped to the piece's end, segment ids run
    0.. across pieces, words are kept only if every piece had them, and the language is the one
    spoken longest.
    """
    parts = sorted(parts, key=lambda p: p[0])
    segments: list[Segment] = []
    words: list[Word] | None = []
    spoken: defaultdict[str, float] = defaultdict(float)  # seconds of segments per language
    for n, (offset, piece) in enumerate(parts):
        end = parts[n + 1][0] if n + 1 < len(parts) else duration
        moved = shift(piece, offset)
        for s in moved.segments:
            segments.append(replace(s, id=len(segments), start=min(s.start, end), end=min(s.end, end)))
            spoken[piece.language] += max(s.end - s.start, 0.0)
        if moved.words is None or words is None:
            words = None
        else:
            words.extend(replace(w, start=min(w.start, end), end=min(w.end, end)) for w in moved.words)
    language = max(spoken, key=spoken.__getitem__) if spoken else (parts[0][1].language if parts else "")
    text = "".join(s.text for s in segments)
    return Transcript(language=language, duration=duration, segments=segments, words=words, text=text)
