"""One faster-whisper pass, planned: a frozen :class:`DecodePlan` says everything the pass is given
besides its audio (faster-whisper's own ``TranscriptionOptions`` is the model), and a
:class:`Decoder` runs a plan on a loaded model.

A piece of a file is decoded by :meth:`DecodePlan.for_piece`, its holes (see
:mod:`captioner.transcription.local.holes`) by :meth:`DecodePlan.for_hole`: the two differ only in
the fields those make, so what a hole's decode shares with its piece's is written once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from captioner.core.transcript import Segment, Word
from captioner.media.audio import SAMPLE_RATE
from captioner.media.pieces import cut_into_pieces
from captioner.refine.speech import SpeechRegions
from captioner.transcription.base import ProgressCallback, TranscribeOptions

if TYPE_CHECKING:
    from captioner.transcription.local.whisper_model import ReusingWhisperModel

# faster-whisper's segments as captioner's, and its TranscriptionInfo (language, probability)
Decoded = tuple[list[Segment], list[Word], Any]


@dataclass(frozen=True)
class DecodePlan:
    """What one faster-whisper pass is given besides its audio; times shifted by ``offset`` s.

    ``language``: given to faster-whisper (None: detected); ``multilingual``: each window's
    language (gated: see LanguageGate); ``prompt``: the text (or tokens) before the audio;
    ``condition``: prompt each window with the text decoded before it; ``temperature``: None for
    faster-whisper's fallback ladder; ``batch_size``: windows at a time through faster-whisper's
    batched pipeline (see BATCHED_MIN_SECONDS in the engine), 0 for its sequential decoding;
    ``max_new_tokens``: the most tokens decoded a window (None: Whisper's limit); ``sound``: the
    stretches that are not digital silence (:func:`captioner.refine.speech.sounding_clips`; None:
    all of it), the only ones decoded; ``until``: stop after the first segment that ends this many
    seconds into the audio or later (the windows after it are not decoded); ``loops_only``: the
    fallback ladder only where temperature 0 loops (see ONE_WINDOW_SECONDS in the engine)."""

    language: str | None
    multilingual: bool
    task: str
    beam_size: int
    hotwords: str | None
    vad: bool
    offset: float = 0.0
    prompt: str | tuple[int, ...] | None = None
    condition: bool = True
    temperature: float | None = None
    batch_size: int = 0
    sound: SpeechRegions | None = None
    max_new_tokens: int | None = None
    until: float | None = None
    loops_only: bool = False

    @classmethod
    def for_piece(
        cls,
        options: TranscribeOptions,
        *,
        language: str | None,
        offset: float,
        prompt: str | tuple[int, ...] | None,
        batch_size: int,
        sound: SpeechRegions | None,
        loops_only: bool,
    ) -> DecodePlan:
        """A piece of a file, begun in ``language`` (None: ``options``' language, else detected)."""
        return cls(
            language=language or options.language,
            multilingual=options.language is None,
            task=options.task,
            beam_size=options.beam_size,
            hotwords=options.hotwords,
            vad=options.vad,
            offset=offset,
            prompt=prompt,
            batch_size=batch_size,
            sound=sound,
            loops_only=loops_only,
        )

    @classmethod
    def for_hole(cls, options: TranscribeOptions, language: str, offset: float) -> DecodePlan:
        """A hole's clip (from ``offset`` s) in the piece's ``language``: once, at temperature 0,
        without VAD and without the text before it (see :mod:`captioner.transcription.local.holes`)."""
        return replace(
            cls.for_piece(
                options, language=language, offset=offset, prompt=None, batch_size=0, sound=None, loops_only=False
            ),
            vad=False,
            condition=False,
            temperature=0.0,
        )

    def transcribe_arguments(self) -> dict[str, Any]:
        """faster-whisper's ``transcribe`` keyword arguments for the plan, but for the batched
        pipeline's windows and the silence skipped (see :meth:`Decoder.decode`)."""
        arguments: dict[str, Any] = {
            "multilingual": self.multilingual,
            "language": self.language,
            "task": self.task,
            "beam_size": self.beam_size,
            "word_timestamps": True,
            "initial_prompt": list(self.prompt) if isinstance(self.prompt, tuple) else self.prompt,
            "hotwords": self.hotwords,
        }
        if self.temperature is not None:
            arguments["temperature"] = self.temperature
        if self.max_new_tokens is not None:
            arguments["max_new_tokens"] = self.max_new_tokens
        if self.batch_size:
            arguments.update(batch_size=self.batch_size, without_timestamps=True, vad_filter=False)
        else:
            arguments.update(vad_filter=self.vad, condition_on_previous_text=self.condition)
            if self.sound:
                arguments["clip_timestamps"] = [t for clip in self.sound for t in clip]
        return arguments


class Decoder:
    """Runs :class:`DecodePlan`\\ s on a loaded model."""

    def __init__(self, model: ReusingWhisperModel) -> None:
        self.model = model

    def decode(self, audio: np.ndarray, plan: DecodePlan, progress: ProgressCallback | None = None) -> Decoded:
        """One faster-whisper pass over ``audio`` as ``plan`` says."""
        arguments = plan.transcribe_arguments()
        sound = plan.sound
        if plan.batch_size:
            from faster_whisper import BatchedInferencePipeline

            # Windows cut at the quietest spot before each 30 s mark (the whole audio, no VAD), each
            # decoded on its own, batch_size at a time; one segment a window, timed by its words.
            clips = [{"start": c.start / SAMPLE_RATE, "end": c.end / SAMPLE_RATE} for c in cut_into_pieces(audio, 30.0)]
            if sound is not None:
                clips = [c for c in clips if any(a < c["end"] and b > c["start"] for a, b in sound)]
                sound = sound if clips else []
            arguments["clip_timestamps"] = clips
            engine: Any = BatchedInferencePipeline(self.model)
        else:
            engine = self.model
        if sound == []:  # nothing but digital silence: only the language, if it is not known yet
            return [], [], self._silent_info(audio, plan.language)
        segments_iter, info = engine.transcribe(audio, **arguments)
        self.model.fall_back_only_on_loops(plan.loops_only)  # faster-whisper decodes as it is iterated
        try:
            segments, words = _collect(segments_iter, plan.offset, progress, plan.until)
        finally:
            self.model.fall_back_only_on_loops(False)
        return segments, words, info

    def _silent_info(self, audio: np.ndarray, language: str | None) -> SimpleNamespace:
        """What faster-whisper's transcribe would report on ``audio`` without decoding it."""
        if language is not None:
            return SimpleNamespace(language=language, language_probability=1.0)
        detected, probability, _ = self.model.detect_language(audio)
        return SimpleNamespace(language=detected, language_probability=probability)


def _collect(
    segments_iter: Any, offset: float, progress: ProgressCallback | None, until: float | None
) -> tuple[list[Segment], list[Word]]:
    """faster-whisper's segments as captioner's, times shifted by ``offset`` (see DecodePlan)."""
    segments: list[Segment] = []
    words: list[Word] = []
    for seg in segments_iter:
        segments.append(
            Segment(
                id=len(segments),
                seek=int(seg.seek + round(offset * 100)),
                start=float(seg.start) + offset,
                end=float(seg.end) + offset,
                text=seg.text,
                tokens=tuple(int(t) for t in seg.tokens),
                temperature=_opt(seg.temperature),
                avg_logprob=_opt(seg.avg_logprob),
                compression_ratio=_opt(seg.compression_ratio),
                no_speech_prob=_opt(seg.no_speech_prob),
            )
        )
        words.extend(
            Word(
                word=w.word,
                start=float(w.start) + offset,
                end=float(w.end) + offset,
                probability=float(w.probability),
            )
            for w in seg.words or ()
        )
        if progress is not None:
            progress(float(seg.end) + offset)
        if until is not None and seg.end >= until:
            break
    return segments, words


def _opt(value: float | None) -> float | None:
    return None if value is None else float(value)
