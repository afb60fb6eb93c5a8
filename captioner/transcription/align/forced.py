"""The Whisper model's two jobs in alignment: hear the speech quickly, and time given words.

*Hearing* is a greedy decode (beam 1, temperature 0, no word timestamps, not conditioned on the
previous window) of the stretches the VAD calls speech: only to find where the script's words
are, so it is the cheapest decode Whisper offers.

*Timing* is CTranslate2's ``align`` (the cross-attention dynamic time warping that
faster-whisper's word timestamps use) run on a window of at most 30 s with the script's words
for that window as the text: the model is told the words, it finds when each begins and ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from captioner.media.audio import SAMPLE_RATE
from captioner.transcription.align.script import is_unspaced

if TYPE_CHECKING:
    from captioner.transcription.local.whisper_model import ReusingWhisperModel

WINDOW_SECONDS = 30.0
MAX_TEXT_TOKENS = 440  # Whisper's decoder holds 448 positions, the start sequence and the end among them


@dataclass(frozen=True)
class Timed:
    """A word's start and end in seconds (from the window's start) and the model's mean probability
    of its tokens given the audio."""

    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Encoded:
    """A window's encoder output and its frames of audio (100 a second)."""

    output: Any
    frames: int


@dataclass(frozen=True)
class HeardSegment:
    start: float
    end: float
    text: str


class WhisperAligner:
    """Hearing and timing with one loaded model (see the module)."""

    def __init__(self, model: ReusingWhisperModel) -> None:
        self.model = model

    def language_of(self, audio: np.ndarray) -> tuple[str, float]:
        try:
            language, probability, _ = self.model.detect_language(audio)
        finally:
            self.model.forget()
        return language, float(probability)

    def encode(self, audio: np.ndarray) -> Encoded:
        """The window ``audio`` (at most WINDOW_SECONDS) encoded, for :meth:`time_words`."""
        from faster_whisper.audio import pad_or_trim

        features = self.model.feature_extractor(audio[: int(WINDOW_SECONDS * SAMPLE_RATE)])
        frames = max(1, features.shape[-1] - 1)
        try:
            return Encoded(self.model.encode(pad_or_trim(features[:, :frames])), frames)
        finally:
            self.model.forget()

    def hear(self, audio: np.ndarray, language: str) -> tuple[Encoded, list[HeardSegment]]:
        """The window ``audio`` (at most WINDOW_SECONDS) encoded once, and its greedy transcription
        in ``language``: the encoder output is kept for :meth:`time_words`, and faster-whisper's
        decode finds it in the model's memo instead of encoding the window again."""
        from faster_whisper.audio import pad_or_trim

        features = self.model.feature_extractor(audio[: int(WINDOW_SECONDS * SAMPLE_RATE)])
        frames = max(1, features.shape[-1] - 1)
        try:
            encoded = Encoded(self.model.encode(pad_or_trim(features[:, :frames])), frames)
            segments, _ = self.model.transcribe(
                audio,
                language=language,
                beam_size=1,
                best_of=1,
                temperature=0.0,
                condition_on_previous_text=False,
                word_timestamps=False,
                vad_filter=False,
            )
            return encoded, [HeardSegment(float(s.start), float(s.end), s.text) for s in segments]
        finally:
            self.model.forget()

    def text_tokens(self, words: list[str], language: str) -> list[list[int]]:
        tokenizer = self._tokenizer(language)
        # Whisper writes a word of a spaced language with its space before it, the first one too:
        # "And" alone is a token it hardly ever emits (its probability came out 0.0001)
        return [tokenizer.encode(w if w[:1].isspace() or is_unspaced(w[:1]) else " " + w) for w in words]

    def time_words(self, encoded: Encoded, tokens: list[list[int]], language: str) -> list[Timed]:
        """Each word's time in the window ``encoded`` (see :meth:`hear`), the words given as tokens."""
        flat = [t for word in tokens for t in word]
        if not flat:
            return [Timed(0.0, 0.0, 0.0) for _ in tokens]
        tokenizer = self._tokenizer(language)
        (result,) = self.model.model.align(
            encoded.output,
            [*tokenizer.sot_sequence, tokenizer.no_timestamps],
            [flat],
            encoded.frames,
            median_filter_width=7,
        )
        return _word_times(result, [len(word) for word in tokens], self.model.tokens_per_second)

    def _tokenizer(self, language: str) -> Any:
        from faster_whisper.tokenizer import Tokenizer

        return Tokenizer(
            self.model.hf_tokenizer, self.model.model.is_multilingual, task="transcribe", language=language
        )


def _word_times(result: Any, counts: list[int], tokens_per_second: float) -> list[Timed]:
    """Word times from the alignment path: a token starts where the path first reaches it (its
    "jump"); a word runs from its first token's jump to the next word's (the end token's for the
    last word)."""
    path = np.asarray(result.alignments, dtype=np.int64).reshape(-1, 2)
    probs = np.asarray(result.text_token_probs, dtype=np.float64)
    if len(path) == 0:
        return [Timed(0.0, 0.0, 0.0) for _ in counts]
    jumps = np.concatenate(([True], np.diff(path[:, 0]) != 0))
    jump_times = path[jumps, 1] / tokens_per_second
    bounds = np.concatenate(([0], np.cumsum(counts)))
    last = len(jump_times) - 1
    out = []
    for k in range(len(counts)):
        a, b = int(bounds[k]), int(bounds[k + 1])
        start, end = float(jump_times[min(a, last)]), float(jump_times[min(b, last)])
        probability = float(np.mean(probs[a:b])) if b > a and len(probs) >= b else 0.0
        out.append(Timed(start, max(start, end), probability))
    return out
