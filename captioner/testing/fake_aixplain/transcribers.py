"""Where the fake's transcripts come from: a scripted answer or a local faster-whisper model."""

from __future__ import annotations

import copy
import io
import threading
import uuid
from collections.abc import Callable
from typing import Any

from captioner.core.languages import to_name
from captioner.testing.fake_aixplain.data import JFK_RAW

Transcriber = Callable[[bytes, str], dict[str, Any]]  # (audio bytes, file name) -> rawData


def scripted(raw: dict[str, Any] = JFK_RAW) -> Transcriber:
    """A transcriber that always answers ``raw`` (the JFK fixture by default)."""

    def transcribe(data: bytes, name: str) -> dict[str, Any]:
        return copy.deepcopy(raw)

    return transcribe


class WhisperTranscriber:
    """Transcribes uploads with a loaded ``faster_whisper.WhisperModel`` into Groq-shaped ``rawData``."""

    def __init__(self, model: Any, beam_size: int = 5) -> None:
        self.model = model
        self.beam_size = beam_size
        self._lock = threading.Lock()

    def __call__(self, data: bytes, name: str) -> dict[str, Any]:
        with self._lock:
            segments, info = self.model.transcribe(io.BytesIO(data), beam_size=self.beam_size, word_timestamps=True)
            segments = list(segments)
        words = [
            {"word": w.word.strip(), "start": round(w.start, 2), "end": round(w.end, 2)}
            for s in segments
            for w in s.words or []
        ]
        return {
            "task": "transcribe",
            "language": to_name(info.language),
            "duration": round(info.duration, 3),
            "text": "".join(s.text for s in segments),
            "segments": [
                {
                    "id": i,
                    "seek": s.seek,
                    "start": round(s.start, 2),
                    "end": round(s.end, 2),
                    "text": s.text,
                    "tokens": list(s.tokens),
                    "temperature": s.temperature,
                    "avg_logprob": s.avg_logprob,
                    "compression_ratio": s.compression_ratio,
                    "no_speech_prob": s.no_speech_prob,
                }
                for i, s in enumerate(segments)
            ],
            "words": words,
            "x_groq": {"id": "req_" + uuid.uuid4().hex[:26]},
        }
