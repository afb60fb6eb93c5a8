"""The Whisper model's two jobs in alignment: hear the speech quickly, and time given words.

*Hearing* is a greedy decode (beam 1, temperature 0, no word timestamps, not conditioned on the
previous window) of the stretches the VAD calls speech: only to find where the script's words
are, so it is the cheapest decode Whisper offers.  Windows are decoded HEAR_BATCH at a time, in
one CTranslate2 call: a greedy step of one window leaves the two cores idle most of the time
(on the 3.7-minute reading, one at a time: 7.6 s of decoding for 9 windows).

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
HEAR_BATCH = 8  # windows decoded at once (greedy: a window's decoder state is a few MB)
# faster-whisper's rule for a window that is not speech: no-speech probability above 0.6 with an
# average log-probability under -1 (its no_speech_threshold and log_prob_threshold)
NO_SPEECH_PROBABILITY = 0.6
NO_SPEECH_LOG_PROBABILITY = -1.0
MAX_INITIAL_TIMESTAMP = 1.0  # seconds: the first timestamp may not be later (Whisper's default)


@dataclass(frozen=True)
class Timed:
    """A word's start and end in seconds (from the window's start) and the model's mean probability
    of its tokens given the audio (None: not asked, see the aligner)."""

    start: float
    end: float
    probability: float | None


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

    def hear(self, clips: list[np.ndarray], language: str) -> list[tuple[Encoded, list[HeardSegment]]]:
        """Each window of ``clips`` (at most WINDOW_SECONDS each) encoded, and its greedy
        transcription in ``language`` (segments timed from the window's start): the encoder
        outputs are kept for :meth:`time_words`.  Decoded HEAR_BATCH windows at a time."""
        out: list[tuple[Encoded, list[HeardSegment]]] = []
        for first in range(0, len(clips), HEAR_BATCH):
            batch = [self.encode(clip) for clip in clips[first : first + HEAR_BATCH]]
            out.extend(zip(batch, self._decode(batch, language)))
        return out

    def _decode(self, batch: list[Encoded], language: str) -> list[list[HeardSegment]]:
        import ctranslate2
        from faster_whisper.transcribe import get_suppressed_tokens

        tokenizer = self._tokenizer(language)
        stacked = np.concatenate([np.asarray(e.output) for e in batch])
        prompt = list(tokenizer.sot_sequence)
        results = self.model.model.generate(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(stacked)),
            [prompt] * len(batch),
            beam_size=1,
            max_length=self.model.max_length,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
            max_initial_timestamp_index=int(round(MAX_INITIAL_TIMESTAMP / self.model.time_precision)),
        )
        heard: list[list[HeardSegment]] = []
        for encoded, result in zip(batch, results):
            tokens = list(result.sequences_ids[0])
            average = result.scores[0] * len(tokens) / (len(tokens) + 1)  # faster-whisper's avg_logprob
            if result.no_speech_prob > NO_SPEECH_PROBABILITY and average < NO_SPEECH_LOG_PROBABILITY:
                heard.append([])
                continue
            segments = _segments(tokens, tokenizer, self.model.time_precision, encoded.frames / 100)
            heard.append(segments)
        return heard

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


def _segments(tokens: list[int], tokenizer: Any, precision: float, duration: float) -> list[HeardSegment]:
    """A window's decoded tokens as segments: the text between two timestamp tokens runs from the
    first to the second; text after the last timestamp (the decode stopped within a segment,
    where Whisper would decode again from there) runs to the window's end."""
    segments: list[HeardSegment] = []
    start, text = 0.0, []
    for token in [*tokens, None]:
        if token is not None and token < tokenizer.timestamp_begin:
            if token < tokenizer.eot:
                text.append(token)
            continue
        at = duration if token is None else min((token - tokenizer.timestamp_begin) * precision, duration)
        if text:
            words = tokenizer.decode(text)
            if words.strip():
                segments.append(HeardSegment(start, max(at, start), words))
            text = []
        start = at
    return segments
