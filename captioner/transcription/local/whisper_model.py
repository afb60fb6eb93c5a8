"""faster-whisper's WhisperModel, made to encode the first window once instead of twice.

When no language is given, faster-whisper encodes the first 30 s window to detect the language,
then encodes the same window again to decode it: one encoder pass in every file is wasted (a
third of the work for a short clip).  This subclass remembers the last encoder output, keyed by
a digest of its input features, and detects the language on exactly the frames that decoding
will use (faster-whisper decodes up to the last frame but one), so the second encode is a hit.
The memo compares whole inputs: where they differ nothing is reused and nothing changes.

Its CTranslate2 model sits behind a :class:`LanguageGate`, so that ``multilingual`` decoding
switches language only on clear evidence, and each of its calls runs through
:func:`captioner.interrupt.call`, so that Ctrl-C need not wait for a window's beam search.

A vocabulary with a language (see :mod:`captioner.transcription.prompting`) is given as hotwords
only to the windows decoded in that language: faster-whisper builds each window's prompt after
detecting the window's language (``multilingual``), so :meth:`ReusingWhisperModel.get_prompt`
sees it and leaves the hotwords out of another language's windows, with no detection of its own.
A window without them is decoded exactly as in a run without a vocabulary.  (The batched
pipeline builds one prompt for a batch, in the language found for the file.)  A window given them
uses them only where its speech seems to hold a term (see
:mod:`captioner.transcription.local.vocabulary_gate`).

With :meth:`ReusingWhisperModel.fall_back_only_on_loops` on, a window falls back to sampling only
where its beam search loops (see :mod:`captioner.transcription.local.engine`, ONE_WINDOW_SECONDS).

Loaded with ``num_workers`` > 1, CTranslate2 runs that many calls at once from as many Python
threads (it releases the GIL): each thread has its own memo, so no thread sees another's file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections import Counter
from typing import Any

import numpy as np
from faster_whisper import WhisperModel

from captioner.interrupt import NativeCalls
from captioner.transcription.local.language_gate import LanguageGate
from captioner.transcription.local.vocabulary_gate import HotPrompt, VocabularyGate


class ReusingWhisperModel(WhisperModel):
    model: Any  # WhisperModel's ctranslate2 model, wrapped below

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # see captioner.transcription.local.language_gate and captioner.interrupt
        self.language_gate = LanguageGate(NativeCalls(self.model))
        # see captioner.transcription.local.vocabulary_gate
        self.model = VocabularyGate(self.language_gate, lambda: getattr(self._local, "hot", None), self._count)
        self._local = threading.local()  # the calling thread's memo: (key, encoder output)
        self._count_lock = threading.Lock()
        self.encoder_calls = 0  # encoder passes actually run, all threads (for tests and benchmarks)

    @property
    def _memo(self) -> tuple[bytes, Any] | None:
        """The calling thread's remembered encoder output."""
        return getattr(self._local, "memo", None)

    @_memo.setter
    def _memo(self, value: tuple[bytes, Any] | None) -> None:
        self._local.memo = value

    def encode(self, features: np.ndarray) -> Any:
        key = hashlib.blake2b(np.ascontiguousarray(features).data, digest_size=16).digest()
        key += repr(features.shape).encode()
        if self._memo is not None and self._memo[0] == key:
            return self._memo[1]
        if features.ndim == 3 and features.shape[0] > 1:
            # A batch is encoded one window at a time: the encoder's attention takes ~150 MB a
            # window, and batching gains little there (the decoder's beam search is what batching
            # speeds up).  The outputs are joined into the batch's (3 MB a window).
            import ctranslate2

            parts = [
                np.asarray(super(ReusingWhisperModel, self).encode(features[i : i + 1])) for i in range(len(features))
            ]
            output = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.concatenate(parts)))
        else:
            output = super().encode(features)
        with self._count_lock:
            self.encoder_calls += 1
        self._memo = (key, output)
        return output

    def vocabulary_begin(self, language: str | None) -> None:
        """Give the calling thread's hotwords only to windows in ``language`` (None: to all), and
        start counting the windows by language (see :meth:`vocabulary_windows`)."""
        self._local.hotwords_language = language
        self._local.hotwords_windows = Counter()
        self._local.hot = None

    def vocabulary_windows(self) -> Counter[str]:
        """Windows since :meth:`vocabulary_begin` by language, those given the hotwords under "";
        under NEAR_MISS and TAKEN those decoded again with them, and those where that was kept."""
        return Counter(getattr(self._local, "hotwords_windows", ()))

    def _count(self, event: str) -> None:
        self._local.__dict__.setdefault("hotwords_windows", Counter())[event] += 1

    def get_prompt(
        self,
        tokenizer: Any,
        previous_tokens: list[int],
        without_timestamps: bool = False,
        prefix: str | None = None,
        hotwords: str | None = None,
    ) -> list[int]:
        if hotwords and not prefix:  # faster-whisper gives hotwords only to a window without a prefix
            wanted = getattr(self._local, "hotwords_language", None)
            language = tokenizer.language_code
            used = wanted is None or language == wanted
            self._local.__dict__.setdefault("hotwords_windows", Counter())["" if used else language] += 1
            hotwords = hotwords if used else None
            if hotwords:
                # what faster-whisper's get_prompt puts after its "previous text" marker
                tokens = tokenizer.encode(" " + hotwords.strip())[: self.max_length // 2 - 1]
                terms = tuple(t for t in (t.strip() for t in hotwords.split(",")) if t)
                self._local.hot = HotPrompt(tuple(tokens), tokenizer.sot_prev, tokenizer.sot, terms, tokenizer.decode)
        return super().get_prompt(tokenizer, previous_tokens, without_timestamps, prefix, hotwords)

    def detect_language(
        self, audio: np.ndarray | None = None, features: np.ndarray | None = None, *args: Any, **kwargs: Any
    ) -> tuple[str, float, list[tuple[str, float]]]:
        if audio is None and features is not None and features.shape[-1] > 1:
            features = features[..., : features.shape[-1] - 1]
        return super().detect_language(audio, features, *args, **kwargs)

    def fall_back_only_on_loops(self, on: bool) -> None:
        """For the calling thread's next decodes: take the temperature-0 text of a window unless it
        is a loop (too repetitive by Whisper's compression test, and not judged silence); only a
        loop goes on to the rest of the temperature ladder, chosen from as Whisper chooses."""
        self._local.loops_only = on

    def generate_with_fallback(self, encoder_output: Any, prompt: list[int], tokenizer: Any, options: Any) -> Any:
        temperatures = list(options.temperatures)
        if not getattr(self._local, "loops_only", False) or len(temperatures) < 2:
            return super().generate_with_fallback(encoder_output, prompt, tokenizer, options)
        first = super().generate_with_fallback(
            encoder_output, prompt, tokenizer, dataclasses.replace(options, temperatures=temperatures[:1])
        )
        if not _loops(first, options):
            return first
        rest = super().generate_with_fallback(
            encoder_output, prompt, tokenizer, dataclasses.replace(options, temperatures=temperatures[1:])
        )
        if _loops(rest, options) and first[1] > rest[1]:
            # every sampling looped too: Whisper keeps the likeliest text, with the last temperature
            return (first[0], first[1], rest[2], first[3])
        return rest

    def forget(self) -> None:
        """Drop the calling thread's remembered encoder output (it holds memory between files)."""
        self._memo = None


def _loops(decoded: tuple[Any, float, float, float], options: Any) -> bool:
    """Whether a (result, avg_logprob, temperature, compression_ratio) decode fails Whisper's
    compression test and is not taken for silence (faster-whisper's fallback rules)."""
    result, avg_logprob, _, compression_ratio = decoded
    threshold = options.compression_ratio_threshold
    if threshold is None or compression_ratio <= threshold:
        return False
    silent = (
        options.no_speech_threshold is not None
        and options.log_prob_threshold is not None
        and result.no_speech_prob > options.no_speech_threshold
        and avg_logprob < options.log_prob_threshold
    )
    return not silent
