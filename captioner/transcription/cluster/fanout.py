"""One file on the cluster: its pieces decoded by many workers at once, checked, and joined.

The file is cut into the local engine's pieces (:func:`captioner.media.pieces.cut_into_pieces`
with its ``PIECE_SECONDS``).  In a one-machine run each piece begins where the one before it
left off (:func:`captioner.transcription.local.piecewise.next_start`): in the first piece's
language, with the language gate's state, and, decoded sequentially, prompted with the previous
piece's text.  Here a piece whose start can be known early is sent early:

- the first piece at once, and, when the language is to be detected, a quick guess of it from
  the file's first 30 s;
- every piece decoded in batches (long pieces: no previous text) as soon as the language is
  forced, guessed, or known from the first piece; a sequential piece once the one before it is
  done (it needs that piece's text).

Results are then taken in order, each only if it was decoded from exactly the start the
one-pass run would have given it; a wrong guess is decoded again from the right start.  So the
words are a one-machine run's, and a long file keeps every worker busy.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any

import numpy as np
from distributed import Future, KilledWorker

from captioner import interrupt
from captioner.core.transcript import Transcript
from captioner.errors import BackendError, RunError
from captioner.media.audio import SAMPLE_RATE
from captioner.media.pieces import Chunk, cut_into_pieces
from captioner.transcription.base import ProgressCallback, TranscribeOptions
from captioner.transcription.cluster.answers import failure_message, guess_problem, piece_problem
from captioner.transcription.cluster.replies import (
    AnswerLost,
    AnswerRefused,
    TaskFailed,
    fetch,
    read_guess,
    read_json,
    read_piece,
)
from captioner.transcription.cluster.wire import PackedAudio, PieceJob, pack
from captioner.transcription.cluster.worker import decode_piece, guess_language
from captioner.transcription.local.engine import HOLE_MARGIN, is_batched
from captioner.transcription.local.piecewise import PieceResult, PieceStart, assemble, first_start, next_start

if TYPE_CHECKING:
    from captioner.transcription.cluster.backend import ClusterBackend

log = logging.getLogger("captioner.cluster")

RETRIES = 2  # a task that raised (a worker's bug or resource trouble, not bad audio) runs again this often
GUESS_SECONDS = 30.0  # the opening the language is guessed from (Whisper detects it on one window)
GUESS_PRIORITY = 10  # the guess goes before pieces already waiting: it lets a file's pieces start


class FileFanOut:
    """One file's pieces on ``cluster`` (see the module doc); :meth:`run` returns its transcript."""

    def __init__(
        self,
        cluster: ClusterBackend,
        audio: np.ndarray,
        options: TranscribeOptions,
        progress: ProgressCallback | None,
        label: str,
    ) -> None:
        self.cluster = cluster
        self.audio = audio
        self.options = options
        self.progress = progress
        self.label = label
        self.chunks: list[Chunk] = cut_into_pieces(audio, cluster.piece_seconds)
        self.batched = [is_batched(cluster.batched, options, c) for c in self.chunks]
        self.packed: dict[int, PackedAudio] = {}
        self.pending: dict[Future, tuple[str, int]] = {}  # what each outstanding future is
        self.submitted: dict[int, tuple[PieceStart, Future]] = {}  # each piece's latest submission
        self.results: dict[int, PieceResult] = {}
        self.accepted: list[PieceResult] = []
        self.arrived: set[int] = set()
        self.token = uuid.uuid4().hex[:10]
        self._wake = threading.Event()  # set when a future of the file is done

    def run(self) -> Transcript:
        try:
            self._submit(0, first_start(self.options, self.batched[0]))
            if len(self.chunks) > 1:
                if self.options.language is None:
                    self._guess()
                else:
                    language = self.options.language
                    self._speculate(PieceStart(language, language, True, self.options.initial_prompt, True))
            while len(self.accepted) < len(self.chunks):
                for future in self._wait_some():
                    self._collect(future)
                self._verify()
        finally:
            self._cancel(list(self.pending))
            self.pending.clear()
            self.submitted.clear()
        return assemble(self.accepted, len(self.audio) / SAMPLE_RATE, self.options, self.cluster.identity())

    # -- sending -----------------------------------------------------------------------------
    def _sent(self, index: int) -> tuple[int, int]:
        """The samples of the file a piece's worker gets: the piece and a margin either side."""
        chunk = self.chunks[index]
        return max(0, chunk.start - HOLE_MARGIN), min(len(self.audio), chunk.end + HOLE_MARGIN)

    def _job(self, index: int, start: PieceStart) -> PieceJob:
        chunk = self.chunks[index]
        first, end = self._sent(index)
        if index not in self.packed:
            self.packed[index] = pack(self.audio[first:end])
        packed = self.packed[index]
        return PieceJob(self.cluster.plugin, index, chunk, first, len(self.audio), packed, self.options, start)

    def _submit(self, index: int, start: PieceStart) -> None:
        previous = self.submitted.get(index)
        if previous is not None:
            self.pending.pop(previous[1], None)
            self._cancel([previous[1]])
        self.results.pop(index, None)
        key = f"captioner-piece-{self.token}-{index}-{uuid.uuid4().hex[:6]}"
        future = self.cluster.submit(decode_piece, self._job(index, start), key=key, retries=RETRIES)
        future.add_done_callback(self._woken)
        self.pending[future] = ("piece", index)
        self.submitted[index] = (start, future)

    def _guess(self) -> None:
        chunk = self.chunks[0]
        opening = pack(self.audio[chunk.start : min(chunk.end, chunk.start + int(GUESS_SECONDS * SAMPLE_RATE))])
        key = f"captioner-language-{self.token}"
        future = self.cluster.submit(
            guess_language, self.cluster.plugin, opening, key=key, retries=RETRIES, priority=GUESS_PRIORITY
        )
        future.add_done_callback(self._woken)
        self.pending[future] = ("guess", 0)

    def _speculate(self, start: PieceStart) -> None:
        """Send every batched piece not yet done with ``start`` (the start it will most likely need)."""
        for index in range(max(1, len(self.accepted)), len(self.chunks)):
            if not self.batched[index]:
                continue
            submitted = self.submitted.get(index)
            if submitted is None or submitted[0] != start:
                self._submit(index, start)

    def _woken(self, future: Future) -> None:
        self._wake.set()

    def _cancel(self, futures: list[Future]) -> None:
        if futures:
            try:
                self.cluster.client.cancel(futures)
            except Exception:  # the scheduler is gone: nothing runs there any more
                pass

    # -- receiving ---------------------------------------------------------------------------
    def _wait_some(self) -> list[Future]:
        """The futures done (at least one), waiting in steps that Ctrl-C and the run's end cut short."""
        while True:
            if interrupt.stopping():
                raise interrupt.Stopped
            self._wake.clear()
            done = [future for future in self.pending if future.done()]
            if done:
                return done
            if not self._wake.wait(interrupt.POLL):
                self.cluster.check_workers()

    def _collect(self, future: Future) -> None:
        what = self.pending.pop(future, None)
        if what is None:
            return  # replaced while it finished
        kind, index = what
        if future.status == "cancelled":
            raise RunError(self.cluster.lost())
        if future.status == "error":
            if kind == "guess":
                return  # no guess: the pieces wait for the first one
            raise BackendError(self._failure(index, future.exception()))
        if kind == "guess":
            self._guessed(future)
            return
        if self.submitted.get(index, (None, None))[1] is not future:
            return  # an earlier submission, replaced
        first, end = self._sent(index)
        where = "" if len(self.chunks) == 1 else f"{self._where(index)}: "
        try:
            value = read_piece(read_json(self._answer(future), (end - first) / SAMPLE_RATE))
        except AnswerRefused as exc:
            raise BackendError(f"{where}a worker's answer was not used: {exc}") from None
        if isinstance(value, str):  # failed for good: it would fail again anywhere
            raise BackendError(f"{where}{failure_message(value)}")
        problem = piece_problem(value, index, (first / SAMPLE_RATE, end / SAMPLE_RATE))
        if problem is not None:
            raise BackendError(f"{where}a worker's answer was not used: {problem}")
        self.results[index] = value
        if index not in self.arrived:
            self.arrived.add(index)
            if self.progress is not None:
                self.progress(sum(self.chunks[i].duration for i in self.arrived))

    @staticmethod
    def _answer(future: Future) -> Any:
        """A finished task's result (see :func:`~captioner.transcription.cluster.replies.fetch`)."""
        try:
            return fetch(future)
        except AnswerLost as exc:
            raise BackendError(f"a worker's answer could not be fetched ({exc})") from None

    def _guessed(self, future: Future) -> None:
        problem: str | None
        try:
            value = read_guess(read_json(self._answer(future), GUESS_SECONDS))
        except AnswerRefused as exc:
            value, problem = None, str(exc)
        else:
            problem = guess_problem(value)
        if problem is not None:
            log.warning("%s: a worker's language guess was not used: %s", self.label, problem)
            return
        if value is not None and not self.accepted:  # once the first piece is in, it knows better
            language = value[0]
            self._speculate(PieceStart(language, language, True, self.options.initial_prompt, True))

    def _verify(self) -> None:
        """Accept the results in order that were decoded from the start a one-pass run gives them;
        send again, from that start, a piece that was not (see the module doc)."""
        while len(self.accepted) < len(self.chunks):
            index = len(self.accepted)
            expected = self._expected(index)
            result = self.results.get(index)
            if result is not None and result.start == expected:
                self.accepted.append(result)
                self._log(index, result)
                if index + 1 < len(self.chunks):
                    self._speculate(next_start(self.options, self.accepted[0], result, True))
                continue
            submitted = self.submitted.get(index)
            if submitted is None or submitted[0] != expected:
                if submitted is not None:
                    why = "the start guessed was not a one-pass run's"
                    log.info("%s: %s: decoded again (%s)", self.label, self._where(index), why)
                self._submit(index, expected)
            return

    def _expected(self, index: int) -> PieceStart:
        if index == 0:
            return first_start(self.options, self.batched[0])
        return next_start(self.options, self.accepted[0], self.accepted[-1], self.batched[index])

    # -- words for people --------------------------------------------------------------------
    def _where(self, index: int) -> str:
        """``chunk 2/3, 4:50-9:41``, or ``the file`` when it is one piece."""
        return self.chunks[index].describe(len(self.chunks)) or "the file"

    def _failure(self, index: int, exc: BaseException | None) -> str:
        where = "" if len(self.chunks) == 1 else f"{self._where(index)}: "
        if isinstance(exc, (KilledWorker, TaskFailed)):
            return f"{where}every worker that took it died or failed (see the workers' logs)"
        return f"{where}internal error on a worker: {type(exc).__name__}: {exc}"

    def _log(self, index: int, result: PieceResult) -> None:
        log.info("%s: %s decoded on %s in %.1f s", self.label, self._where(index), result.worker, result.seconds)
