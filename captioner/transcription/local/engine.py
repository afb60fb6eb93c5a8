"""The local engine: faster-whisper (CTranslate2) on the CPU, loaded once per run."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from captioner import interrupt
from captioner.core.transcript import Transcript
from captioner.errors import BackendError, ModelError
from captioner.media.audio import SAMPLE_RATE
from captioner.media.pieces import Chunk, cut_into_pieces
from captioner.refine.speech import sounding_clips, speech_and_utterance_regions
from captioner.transcription.base import Capabilities, ProgressCallback, TranscribeOptions
from captioner.transcription.local.decoding import DecodePlan, Decoder
from captioner.transcription.local.holes import HOLE_CONTEXT, repair_holes
from captioner.transcription.local.model_files import EMBEDDED_MODEL, resolve_model
from captioner.transcription.local.piecewise import (
    AudioView,
    PieceResult,
    PieceStart,
    assemble,
    first_start,
    next_start,
)

if TYPE_CHECKING:
    from captioner.transcription.local.whisper_model import ReusingWhisperModel

DEFAULT_COMPUTE_TYPE = "int8"

# Long audio is transcribed in pieces of at most this many seconds, cut at the quietest spot:
# faster-whisper computes the log-mel features (and their STFT) of its whole input at once, about
# 0.8 MB a second of audio (500 MB for 10 min).  In sequential decoding each piece after the first
# is decoded in the language found on the first and prompted with the previous piece's last text,
# as faster-whisper conditions a window on the windows before it.
PIECE_SECONDS = 300.0
# Audio longer than this goes through faster-whisper's batched pipeline: its 30 s windows
# (cut at the quietest spot, covering all the audio) are encoded one by one and decoded
# BATCH_SIZE at a time, each on its own (no previous text, no temperature fallback).  On the
# developer corpus' 3.7-minute reading this gave the same WER (0.061 vs 0.065) in about 0.6x the
# time (README, Performance).  Shorter files are decoded sequentially, exactly as Whisper does
# (the same words as faster-whisper's own transcribe): for them batching saves a few seconds at
# most, and without the previous window's text the items of 34 s, 52 s and 70 s each came out
# 1-2 words different from Whisper's, better or worse by chance.
BATCHED_MIN_SECONDS = 120.0
# Audio of one 30 s window (a short file, or a short last piece) keeps the text of its temperature-0
# beam search however unsure Whisper is of it; only a loop (too repetitive by Whisper's compression
# test) goes on to the fallback ladder of samplings at rising temperatures.  The ladder's other
# trigger, a low average log-probability, fires on disfluent speech, where the samples made the
# words worse: on the developer corpus' clips up to 15 s (45 items, 3 runs each) mean WER 0.708 with
# the whole ladder, 0.672 with it only on loops (196 s against 218 s), 0.646 at temperature 0 only
# (144 s) -- but without any ladder the Big Buck Bunny clip's "Mmmm..." loop (compression ratio 32)
# became ten cues of it.  Longer audio keeps Whisper's ladder, where an unsure window conditions
# the next ones; the batched pipeline has none.
ONE_WINDOW_SECONDS = 30.0
# Windows decoded at a time: each adds ~35 MB (the beams' cross-attention); 3 keeps a long file's
# peak memory within 100 MB of a plain faster-whisper script's while beam search runs ~1.5x faster.
BATCH_SIZE = 3
# Samples either side of a piece that its hole repair may need (HOLE_CONTEXT, and a margin).
HOLE_MARGIN = int((HOLE_CONTEXT + 1.0) * SAMPLE_RATE)


def is_batched(enabled: bool, options: TranscribeOptions, chunk: Chunk) -> bool:
    """Whether a piece goes through faster-whisper's batched pipeline (see BATCHED_MIN_SECONDS)."""
    return enabled and not options.vad and chunk.duration > BATCHED_MIN_SECONDS


def default_threads() -> int:
    """CPU threads for CTranslate2: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=2)
def load_whisper(model_ref: str, device: str, compute_type: str, threads: int, workers: int = 1) -> ReusingWhisperModel:
    """One loaded model per process and settings (a library user or a test run reuses it).

    ``workers``: calls CTranslate2 runs at once (from as many threads), each on ``threads``.
    Loaded through :func:`captioner.interrupt.call`: a Ctrl-C during the load takes effect at once."""
    from captioner.transcription.local.blas import single_threaded_blas
    from captioner.transcription.local.whisper_model import ReusingWhisperModel

    single_threaded_blas()  # see captioner.transcription.local.blas
    return interrupt.call(
        ReusingWhisperModel,
        model_ref,
        device=device,
        compute_type=compute_type,
        cpu_threads=threads,
        num_workers=workers,
        local_files_only=True,
    )


def local_identity(model: str | None, compute_type: str = DEFAULT_COMPUTE_TYPE) -> dict[str, str]:
    """The local engine's name for caches and metadata, known without loading the model."""
    return {"backend": "local", "model": str(model) if model else EMBEDDED_MODEL, "compute_type": compute_type}


class LocalBackend:
    """Whisper through faster-whisper, with word timestamps."""

    name = "local"
    capabilities = Capabilities(prompt=True, urls=False)

    def __init__(
        self,
        model: str | None = None,
        *,
        threads: int | None = None,
        compute_type: str = DEFAULT_COMPUTE_TYPE,
        device: str = "cpu",
        piece_seconds: float = PIECE_SECONDS,
        batched: bool = True,
        workers: int = 1,
    ) -> None:
        """``threads``: CPU threads in all (default: every core); ``workers``: files that may be
        transcribed at once, from as many threads, each on ``threads // workers`` of them."""
        self.piece_seconds = piece_seconds
        self.batched = batched
        self.model_name = str(model) if model else EMBEDDED_MODEL
        self.compute_type = compute_type
        self.threads = threads or default_threads()
        self.workers = max(1, int(workers))
        try:
            self._model = load_whisper(
                resolve_model(model), device, compute_type, max(1, self.threads // self.workers), self.workers
            )
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"cannot load model {self.model_name!r}: {exc}") from None
        self.decoder = Decoder(self._model)

    def identity(self) -> dict[str, str]:
        return local_identity(self.model_name, self.compute_type)

    def transcribe(
        self,
        audio: np.ndarray,
        options: TranscribeOptions,
        progress: ProgressCallback | None = None,
    ) -> Transcript:
        """Transcribe ``audio`` piece by piece (see PIECE_SECONDS and
        :mod:`captioner.transcription.local.piecewise`)."""
        view = AudioView(audio)
        results: list[PieceResult] = []
        for chunk in cut_into_pieces(audio, self.piece_seconds):
            batched = is_batched(self.batched, options, chunk)
            if results:
                start = next_start(options, results[0], results[-1], batched)
            else:
                start = first_start(options, batched)
            results.append(self.transcribe_piece(view, chunk, options, start, progress))
        return assemble(results, len(audio) / SAMPLE_RATE, options, self.identity())

    def transcribe_piece(
        self,
        view: AudioView,
        chunk: Chunk,
        options: TranscribeOptions,
        start: PieceStart,
        progress: ProgressCallback | None = None,
    ) -> PieceResult:
        """Decode one piece of a file (``view`` holds it, with HOLE_MARGIN either side where the
        file has it), begun as ``start`` says; times on the file's time line."""
        piece = view.piece(chunk)
        sound = None if options.vad else sounding_clips(piece)  # --vad skips silence itself
        silence = 0.0 if sound is None else chunk.duration - sum(b - a for a, b in sound)
        gate = self._model.language_gate
        gate.begin(start.gate_language, start.gate_sure)
        self._model.vocabulary_begin(options.hotwords_language)
        try:
            plan = DecodePlan.for_piece(
                options,
                language=start.language,
                offset=chunk.offset,
                prompt=start.prompt,
                batch_size=BATCH_SIZE if start.batched else 0,
                sound=sound,
                loops_only=chunk.duration <= ONE_WINDOW_SECONDS,
            )
            segments, words, info = self.decoder.decode(piece, plan, progress)
            self._model.forget()
            language = options.language or info.language
            regions, edges = speech_and_utterance_regions(piece)  # one VAD pass gives both
            speech = [(a + chunk.offset, b + chunk.offset) for a, b in regions]
            utterances = [(a + chunk.offset, b + chunk.offset) for a, b in edges]
            repaired = {"holes": 0, "words": 0}
            if options.repair_holes and len(piece):
                segments, words, repaired = repair_holes(self.decoder, view, options, language, segments, words, speech)
        except ValueError as exc:  # e.g. a --language Whisper does not know
            raise BackendError(str(exc)) from None
        finally:
            self._model.forget()
            heard, after = gate.heard(), gate.state()
            gate.end()
        detected = (info.language, float(info.language_probability))
        return PieceResult(
            index=chunk.index,
            start=start,
            segments=segments,
            words=words,
            speech=speech,
            detected=detected,
            heard=heard,
            gate_after=after,
            repaired=repaired,
            silence=silence,
            vocabulary=self._model.vocabulary_windows(),
            utterances=utterances,
        )

    def detect_language(self, audio: np.ndarray) -> tuple[str, float, Any]:
        """faster-whisper's language detection on the first 30 s of ``audio``, ungated: (language,
        probability, every language's probability)."""
        try:
            return self._model.detect_language(audio)
        finally:
            self._model.forget()
