"""Alignment as the pipeline runs it: a script and a backend's model in, a raw transcript out."""

from __future__ import annotations

from typing import Any

import numpy as np

from captioner.core.transcript import Transcript
from captioner.errors import BackendError
from captioner.transcription.align.aligner import align_script
from captioner.transcription.align.forced import WhisperAligner
from captioner.transcription.align.script import Script
from captioner.transcription.base import ProgressCallback, TranscribeOptions

ALIGNER_VERSION = "whisper-align-2"  # changes the cache keys of aligned transcripts when the method changes


def script_identity(script: Script) -> dict[str, str]:
    """What an aligned transcript's cache key adds to the backend's identity."""
    return {"aligner": ALIGNER_VERSION, "script": script.digest}


def align_with(
    engine: Any,
    audio: np.ndarray,
    script: Script,
    options: TranscribeOptions,
    progress: ProgressCallback | None = None,
) -> Transcript:
    """``script`` timed to ``audio`` with the local engine's Whisper model (BackendError for a
    backend without one: the hosted service cannot align)."""
    model = getattr(engine, "_model", None)
    if model is None or not hasattr(model, "feature_extractor"):
        raise BackendError(f"aligning a script needs the local engine, not {getattr(engine, 'name', 'this backend')}")
    if options.task != "transcribe":
        raise BackendError("a script is aligned to the speech in its own language: --task translate does not apply")
    identity = {**engine.identity(), **script_identity(script)}
    transcript = align_script(WhisperAligner(model), audio, script, options.language, progress, identity)
    transcript.meta["language_forced"] = options.language is not None
    return transcript
