"""A long file decoded piece by piece, and the pieces joined into its transcript.

The local engine cuts long audio into pieces (see ``PIECE_SECONDS`` in
:mod:`captioner.transcription.local.engine`) and decodes them one after the other.  What a
piece's words depend on, besides its audio, is written down in a :class:`PieceStart`: the
language faster-whisper is given, the language gate's state, the prompt, and whether the piece
goes through the batched pipeline.  Each piece comes back as a :class:`PieceResult`, and
:func:`assemble` joins them.  A one-machine run chains them in order (:func:`next_start`); a
cluster decodes them on many machines at once and joins them with the same :func:`assemble`, so
the same pieces with the same starts give the same words wherever they were decoded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from captioner.core.transcript import Segment, Transcript, VoiceRegions, Word
from captioner.media.pieces import Chunk
from captioner.refine.speech import SpeechRegions
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.local.vocabulary_gate import NEAR_MISS, TAKEN

PROMPT_TOKENS = 223  # what faster-whisper keeps of the previous text (n_text_ctx // 2 - 1)
PROMPT_RESET_TEMPERATURE = 0.5  # faster-whisper's prompt_reset_on_temperature


@dataclass(frozen=True)
class PieceStart:
    """What a piece's decoding depends on besides its audio."""

    language: str | None  # given to faster-whisper (None: detected, on the first piece only)
    gate_language: str | None  # the language gate's state when the piece begins ...
    gate_sure: bool  # ... (see LanguageGate.begin)
    prompt: str | tuple[int, ...] | None  # the text (or tokens) before the piece
    batched: bool  # through faster-whisper's batched pipeline (no previous text)


@dataclass(kw_only=True)
class PieceResult:
    """One decoded piece, its times already on the file's time line (built by keyword only)."""

    index: int
    start: PieceStart
    segments: list[Segment]
    words: list[Word]
    speech: SpeechRegions
    detected: tuple[str, float]  # faster-whisper's language for the piece, and its probability
    heard: list[tuple[str, float]]  # the gate's choice for every window (see LanguageGate.heard)
    gate_after: tuple[str | None, bool]  # the gate's state after the piece
    repaired: dict[str, int] = field(default_factory=lambda: {"holes": 0, "words": 0})
    silence: float = 0.0  # seconds of digital silence not decoded
    # windows given the vocabulary's hotwords (key ""), and those left without them by language;
    # those decoded again with them (NEAR_MISS) and where that was kept (TAKEN)
    vocabulary: Counter[str] = field(default_factory=Counter)
    worker: str = ""  # where it was decoded (a cluster's worker address)
    seconds: float = 0.0  # how long decoding took there
    utterances: SpeechRegions | None = None  # the VAD's utterance edges (same pass as ``speech``)


@dataclass(frozen=True)
class AudioView:
    """Part of a file's samples: ``samples`` begin at sample ``first`` of ``total``.

    A piece is decoded from its own samples, and its holes (see
    :func:`captioner.transcription.local.holes.repair_holes`) with a little of the audio either
    side: a cluster's worker gets the piece with that margin."""

    samples: np.ndarray
    first: int = 0
    total: int = -1

    @property
    def length(self) -> int:
        return len(self.samples) + self.first if self.total < 0 else self.total

    def between(self, start: int, end: int) -> np.ndarray:
        """The file's samples [start, end), which must lie in this view."""
        last = self.first + len(self.samples)
        if start < self.first or end > last:
            raise IndexError(f"samples {start}-{end} lie outside the view's {self.first}-{last}")
        return self.samples[start - self.first : end - self.first]

    def piece(self, chunk: Chunk) -> np.ndarray:
        return self.between(chunk.start, chunk.end)


def first_start(options: TranscribeOptions, batched: bool) -> PieceStart:
    """How the first piece (or a whole short file) begins."""
    forced = options.language
    return PieceStart(forced, forced, forced is not None, options.initial_prompt, batched)


def next_start(options: TranscribeOptions, first: PieceResult, previous: PieceResult, batched: bool) -> PieceStart:
    """How the piece after ``previous`` begins in a one-pass run: in the language found on the
    ``first`` piece, with the gate as ``previous`` left it and, decoded sequentially, prompted with
    ``previous``'s last text (as faster-whisper conditions a window on the windows before it)."""
    prompt: str | tuple[int, ...] | None = options.initial_prompt
    if not batched:
        prompt = tuple(prompt_tokens(previous.segments)) or None
    language, sure = previous.gate_after
    return PieceStart(options.language or first.detected[0], language, sure, prompt, batched)


def prompt_tokens(segments: list[Segment]) -> list[int]:
    """The tokens faster-whisper would prompt the next window with after ``segments``: those since
    the last segment decoded at a high temperature, at most PROMPT_TOKENS of them."""
    tokens: list[int] = []
    for s in segments:
        if s.temperature is not None and s.temperature > PROMPT_RESET_TEMPERATURE:
            tokens = []
        else:
            tokens.extend(s.tokens)
    return tokens[-PROMPT_TOKENS:]


def assemble(
    results: list[PieceResult], duration: float, options: TranscribeOptions, identity: dict[str, str]
) -> Transcript:
    """The file's transcript from its pieces in order; ``voice.speech`` holds the VAD's speech
    regions (what the hole repair used, and what the pipeline's filters use), ``voice.utterances``
    its utterance edges (for retiming; from the same VAD pass) when every piece has them."""
    detected = results[0].detected
    heard_all = [window for r in results for window in r.heard]
    heard = Counter(language for language, _ in heard_all)
    surer = results[-1].gate_after[0]
    if options.language is None and surer:  # after an unsure start (music, say): the sure detection
        sure = [p for language, p in heard_all if language == surer]
        detected = (surer, max([*sure, detected[1] if detected[0] == surer else 0.0]))
    segments = [replace(s, id=i) for i, s in enumerate(s for r in results for s in r.segments)]
    meta_extra: dict[str, Any] = {}
    if options.repair_holes and duration > 0:
        meta_extra["redecoded"] = {k: sum(r.repaired[k] for r in results) for k in ("holes", "words")}
    if len(results) > 1:
        meta_extra["pieces"] = len(results)
    silence = sum(r.silence for r in results)
    if silence >= 1.0:
        meta_extra["silence_skipped"] = round(silence, 1)  # digital silence, not decoded
    if options.hotwords is not None:  # see ReusingWhisperModel.get_prompt and vocabulary_gate
        windows = sum((r.vocabulary for r in results), Counter())
        skipped = {code: n for code, n in windows.most_common() if code and code not in (NEAR_MISS, TAKEN)}
        meta_extra["vocabulary"] = {
            "language": options.hotwords_language,
            "used": windows[""],
            "skipped": skipped,
            "near_misses": windows[NEAR_MISS],  # windows decoded again with the terms
            "taken": windows[TAKEN],  # of those, the ones where that decoding was kept
        }
    if len(heard) > 1:  # windows decoded in each language
        meta_extra["languages"] = dict(heard.most_common())
    edges = [r.utterances for r in results]
    voice = VoiceRegions(
        speech=tuple((round(a, 3), round(b, 3)) for r in results for a, b in r.speech),
        utterances=(
            tuple((round(a, 3), round(b, 3)) for e in edges if e is not None for a, b in e)
            if all(e is not None for e in edges)
            else None
        ),
    )
    return Transcript(
        language=detected[0],
        duration=duration,
        segments=segments,
        words=[w for r in results for w in r.words],
        task=options.task,
        meta={
            **identity,
            "language_probability": round(detected[1], 4),
            "language_forced": options.language is not None,
            "vad": options.vad,
            **meta_extra,
        },
        voice=voice,
    )
