"""The local engine: faster-whisper (CTranslate2) on the CPU, loaded once per run."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from captioner.backends import ProgressCallback, TranscribeOptions
from captioner.errors import BackendError, ModelError
from captioner.media import SAMPLE_RATE
from captioner.models import EMBEDDED_MODEL, resolve_model
from captioner.transcript import Segment, Transcript, Word

if TYPE_CHECKING:
    from captioner.backends.whisper_model import ReusingWhisperModel

DEFAULT_COMPUTE_TYPE = "int8"


def default_threads() -> int:
    """CPU threads for CTranslate2: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=2)
def load_whisper(model_ref: str, device: str, compute_type: str, threads: int) -> ReusingWhisperModel:
    """One loaded model per process and settings (a library user or a test run reuses it)."""
    from captioner.backends.whisper_model import ReusingWhisperModel

    return ReusingWhisperModel(
        model_ref, device=device, compute_type=compute_type, cpu_threads=threads, local_files_only=True
    )


def local_identity(model: str | None, compute_type: str = DEFAULT_COMPUTE_TYPE) -> dict[str, str]:
    """The local engine's name for caches and metadata, known without loading the model."""
    return {"backend": "local", "model": str(model) if model else EMBEDDED_MODEL, "compute_type": compute_type}


class LocalBackend:
    """Whisper through faster-whisper, with word timestamps."""

    name = "local"

    def __init__(
        self,
        model: str | None = None,
        *,
        threads: int | None = None,
        compute_type: str = DEFAULT_COMPUTE_TYPE,
        device: str = "cpu",
    ) -> None:
        self.model_name = str(model) if model else EMBEDDED_MODEL
        self.compute_type = compute_type
        self.threads = threads or default_threads()
        try:
            self._model = load_whisper(resolve_model(model), device, compute_type, self.threads)
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"cannot load model {self.model_name!r}: {exc}") from None

    def identity(self) -> dict[str, str]:
        return local_identity(self.model_name, self.compute_type)

    def transcribe(
        self,
        audio: np.ndarray,
        options: TranscribeOptions,
        progress: ProgressCallback | None = None,
    ) -> Transcript:
        try:
            segments_iter, info = self._model.transcribe(
                audio,
                language=options.language,
                task=options.task,
                beam_size=options.beam_size,
                word_timestamps=True,
                vad_filter=options.vad,
                initial_prompt=options.initial_prompt,
            )
            segments: list[Segment] = []
            words: list[Word] = []
            for seg in segments_iter:
                segments.append(
                    Segment(
                        id=len(segments),
                        seek=int(seg.seek),
                        start=float(seg.start),
                        end=float(seg.end),
                        text=seg.text,
                        tokens=tuple(int(t) for t in seg.tokens),
                        temperature=_opt(seg.temperature),
                        avg_logprob=_opt(seg.avg_logprob),
                        compression_ratio=_opt(seg.compression_ratio),
                        no_speech_prob=_opt(seg.no_speech_prob),
                    )
                )
                words.extend(
                    Word(word=w.word, start=float(w.start), end=float(w.end), probability=float(w.probability))
                    for w in seg.words or ()
                )
                if progress is not None:
                    progress(float(seg.end))
        except ValueError as exc:  # e.g. a --language Whisper does not know
            raise BackendError(str(exc)) from None
        finally:
            self._model.forget()
        duration = len(audio) / SAMPLE_RATE
        return Transcript(
            language=info.language,
            duration=duration,
            segments=segments,
            words=words,
            task=options.task,
            meta={
                **self.identity(),
                "language_probability": round(float(info.language_probability), 4),
                "language_forced": options.language is not None,
            },
        )


def _opt(value: float | None) -> float | None:
    return None if value is None else float(value)
