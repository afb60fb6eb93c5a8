"""Transcription backends: each turns 16 kHz mono audio into a :class:`Transcript`."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from captioner.core.transcript import Transcript

# Called with the number of audio seconds transcribed so far (for progress bars).
ProgressCallback = Callable[[float], None]

# The media file being transcribed (set by the pipeline around ``transcribe``), for a backend's
# log lines that name it.
media_name: ContextVar[str | None] = ContextVar("captioner_media_name", default=None)


def vocabulary_applies(language: str | None, vocabulary_language: str | None) -> bool:
    """Whether a vocabulary in ``vocabulary_language`` (None: any) is given to speech decoded in
    ``language`` (None: detected, window by window): not when both are said and differ."""
    return not (language and vocabulary_language and vocabulary_language != language)


@dataclass(frozen=True)
class Capabilities:
    """What a backend can take, declared by its class (``capabilities``), read instead of guessed."""

    prompt: bool = True  # uses an initial prompt and a vocabulary (hotwords)
    urls: bool = False  # transcribes a URL itself (``transcribe_url``: the service fetches it)


@dataclass(frozen=True)
class TranscribeOptions:
    """Decoding options.  Every field changes the words, so all of them key the transcript cache."""

    language: str | None = None  # None: detect
    task: str = "transcribe"  # or "translate"
    beam_size: int = 5
    vad: bool = False  # decode only what the Silero VAD calls speech (faster-whisper's vad_filter)
    initial_prompt: str | None = None  # Whisper's prompt: text as if decoded just before the audio
    hotwords: str | None = None  # names and terms put before every window's prompt (--vocabulary)
    repair_holes: bool = True  # decode again stretches where the VAD hears speech but no word came out
    hotwords_language: str | None = None  # the vocabulary's language: hotwords only for windows in it

    def __post_init__(self) -> None:
        # A vocabulary in another language than the one forced is not used: these options are then
        # those of a run without it (and key the same transcript).
        if self.hotwords is None or not vocabulary_applies(self.language, self.hotwords_language):
            object.__setattr__(self, "hotwords", None)
            object.__setattr__(self, "hotwords_language", None)


class Backend(Protocol):
    """What the pipeline needs from a backend."""

    name: str

    def identity(self) -> dict[str, str]:
        """Backend and model names for metadata and cache keys (never secrets)."""
        ...

    def transcribe(
        self,
        audio: np.ndarray,
        options: TranscribeOptions,
        progress: ProgressCallback | None = None,
    ) -> Transcript:
        """Transcribe float32 16 kHz mono samples."""
        ...
