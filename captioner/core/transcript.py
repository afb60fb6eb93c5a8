"""The one transcript shape that flows between captioner's stages.

It mirrors Whisper's verbose JSON (the shape aiXplain returns as ``rawData`` and that
``--format json`` writes), pinned down in ``transcript.schema.json`` beside this module:
language, duration, text, segments with their decoder scores, and word timings at the top
level.  Fields a backend cannot know are ``None`` and are written as ``null``, never invented.
Run metadata (backend, model, language probability, credits) lives in ``meta`` and is written
as a separate ``captioner`` block that Whisper consumers ignore.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Word:
    """One recognised word.  ``word`` keeps Whisper's leading space (" hello").  ``speaker``: who
    said it, when the speakers were told apart (``--speakers channels``)."""

    word: str
    start: float
    end: float
    probability: float | None = None
    speaker: str | None = None

    @property
    def text(self) -> str:
        return self.word.strip()

    def shifted(self, offset: float) -> Word:
        return replace(self, start=self.start + offset, end=self.end + offset)


@dataclass(frozen=True)
class Segment:
    """One decoded Whisper segment with the scores the decoder gave it."""

    id: int
    seek: int
    start: float
    end: float
    text: str
    tokens: tuple[int, ...] = ()
    temperature: float | None = None
    avg_logprob: float | None = None
    compression_ratio: float | None = None
    no_speech_prob: float | None = None
    speaker: str | None = None


Regions = tuple[tuple[float, float], ...]
# Keys of the ``captioner`` block that stages after transcription add: the voice regions are
# written before the first of them (after what the backend reported), as they always were.
_AFTER_REGIONS = ("channels", "filtered", "speech_seconds")


@dataclass(frozen=True)
class VoiceRegions:
    """The voice activity detector's regions kept with a transcript (and so in the cache), so that
    filtering and retiming never need the audio again: ``speech`` (padded) and ``utterances``
    (cut at every 0.1 s pause), each None when not known.  Written as the ``captioner`` block's
    ``speech`` and ``utterances`` lists of [start, end] pairs."""

    speech: Regions | None = None
    utterances: Regions | None = None

    def to_meta(self) -> dict[str, Any]:
        return {
            key: [[a, b] for a, b in regions]
            for key, regions in (("speech", self.speech), ("utterances", self.utterances))
            if regions is not None
        }

    @classmethod
    def from_meta(cls, block: dict[str, Any]) -> VoiceRegions | None:
        """The regions of a ``captioner`` block (None: it has neither)."""
        speech, utterances = block.get("speech"), block.get("utterances")
        if speech is None and utterances is None:
            return None
        return cls(_regions(speech), _regions(utterances))


def _regions(value: Any) -> Regions | None:
    return None if value is None else tuple((a, b) for a, b in value)


@dataclass
class Transcript:
    """A whole file's transcript.  ``words`` is ``None`` when the backend gave no word timings;
    ``voice``: the VAD's regions (see :class:`VoiceRegions`); ``meta``: the rest of the run's
    metadata (the ``captioner`` block)."""

    language: str
    duration: float
    segments: list[Segment]
    words: list[Word] | None = None
    text: str | None = None
    task: str = "transcribe"
    meta: dict[str, Any] = field(default_factory=dict)
    voice: VoiceRegions | None = None

    @property
    def full_text(self) -> str:
        """The transcript text: the given one, else the segments' texts joined."""
        if self.text is not None:
            return self.text
        return "".join(s.text for s in self.segments)

    def segment_words(self, segment: Segment) -> list[Word]:
        """The words whose midpoint falls inside ``segment`` (the schema keeps words top-level)."""
        if not self.words:
            return []
        return [w for w in self.words if segment.start <= (w.start + w.end) / 2 <= segment.end + 1e-6]

    def to_dict(self) -> dict[str, Any]:
        """The schema's JSON object (Whisper verbose JSON plus an optional ``captioner`` block)."""
        out: dict[str, Any] = {
            "task": self.task,
            "language": self.language,
            "duration": round(self.duration, 3),
            "text": self.full_text,
            "segments": [
                {
                    "id": s.id,
                    "seek": s.seek,
                    "start": round(s.start, 3),
                    "end": round(s.end, 3),
                    "text": s.text,
                    "tokens": list(s.tokens),
                    "temperature": s.temperature,
                    "avg_logprob": s.avg_logprob,
                    "compression_ratio": s.compression_ratio,
                    "no_speech_prob": s.no_speech_prob,
                    **({} if s.speaker is None else {"speaker": s.speaker}),
                }
                for s in self.segments
            ],
        }
        if self.words is not None:
            out["words"] = [
                {
                    "word": w.word,
                    "start": round(w.start, 3),
                    "end": round(w.end, 3),
                    "probability": None if w.probability is None else round(w.probability, 4),
                    **({} if w.speaker is None else {"speaker": w.speaker}),
                }
                for w in self.words
            ]
        block = self.captioner_block()
        if block:
            out["captioner"] = block
        return out

    def captioner_block(self) -> dict[str, Any]:
        """``meta`` with the voice regions, as the JSON's ``captioner`` block holds them."""
        if self.voice is None:
            return dict(self.meta)
        keys = list(self.meta)
        at = next((i for i, key in enumerate(keys) if key in _AFTER_REGIONS), len(keys))
        before, after = keys[:at], keys[at:]
        return {
            **{k: self.meta[k] for k in before},
            **self.voice.to_meta(),
            **{k: self.meta[k] for k in after},
        }

    @staticmethod
    def split_block(block: dict[str, Any]) -> tuple[dict[str, Any], VoiceRegions | None]:
        """A ``captioner`` block as ``meta`` and ``voice`` (see :meth:`captioner_block`)."""
        meta = {k: v for k, v in block.items() if k not in ("speech", "utterances")}
        return meta, VoiceRegions.from_meta(block)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        """Read the schema's JSON object (as written by :meth:`to_dict` or a Whisper API).

        Anything else (other JSON, fields of the wrong type) is a ValueError.
        """
        if not isinstance(data, dict):
            raise ValueError(f"not a transcript: a JSON {type(data).__name__}, not an object")
        try:
            return cls._from_dict(data)
        except KeyError as exc:
            raise ValueError(f"not a transcript: a segment or word without {exc}") from None
        except (AttributeError, TypeError) as exc:
            raise ValueError(f"not a transcript: {exc}") from None
        except ValueError:  # float('...') quotes the value: the file's content stays out of the message
            raise ValueError("not a transcript: a time or number field holds something else") from None

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> Transcript:
        segments = [
            Segment(
                id=int(s.get("id", i)),
                seek=int(s.get("seek") or 0),
                start=float(s["start"]),
                end=float(s["end"]),
                text=str(s.get("text", "")),
                tokens=tuple(int(t) for t in s.get("tokens") or ()),
                temperature=_opt_float(s.get("temperature")),
                avg_logprob=_opt_float(s.get("avg_logprob")),
                compression_ratio=_opt_float(s.get("compression_ratio")),
                no_speech_prob=_opt_float(s.get("no_speech_prob")),
                speaker=_opt_str(s.get("speaker")),
            )
            for i, s in enumerate(data.get("segments") or [])
        ]
        raw_words = data.get("words")
        words = None
        if raw_words is not None:
            words = [
                Word(
                    word=str(w["word"]),
                    start=float(w["start"]),
                    end=float(w["end"]),
                    probability=_opt_float(w.get("probability")),
                    speaker=_opt_str(w.get("speaker")),
                )
                for w in raw_words
            ]
        meta, voice = cls.split_block(dict(data.get("captioner") or {}))
        return cls(
            language=str(data.get("language") or ""),
            duration=float(data.get("duration") or 0.0),
            segments=segments,
            words=words,
            text=data.get("text"),
            task=str(data.get("task") or "transcribe"),
            meta=meta,
            voice=voice,
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Transcript:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_whisper_json(cls, data: str | bytes | dict[str, Any]) -> Transcript:
        """A transcript made by another Whisper tool: OpenAI's or aiXplain's verbose JSON,
        openai-whisper's or stable-ts's ``json`` output, whisper.cpp's ``-oj``/``-ojf`` (see
        :mod:`captioner.core.whisper_formats`)."""
        from captioner.core.whisper_formats import from_whisper_json

        return from_whisper_json(data)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def load_schema() -> dict[str, Any]:
    """The transcript JSON schema shipped with the package."""
    return json.loads(resources.files("captioner.core").joinpath("transcript.schema.json").read_text("utf-8"))
