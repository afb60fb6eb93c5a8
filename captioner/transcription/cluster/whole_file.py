"""One file on the cluster by reference (``--workers-read-media``): a worker reads, decodes and
transcribes it whole (:mod:`captioner.transcription.cluster.reader`); this machine sends its
name, waits, and checks the answer like any worker's (:func:`answers.file_problem`), and the
audio hash the worker read against its own when it has one."""

from __future__ import annotations

import threading
import uuid
from typing import TYPE_CHECKING

from distributed import Future

from captioner import interrupt
from captioner.core.transcript import Transcript
from captioner.errors import BackendError, RunError
from captioner.media.urls import UrlLimits
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.cluster.answers import failure_message, file_problem
from captioner.transcription.cluster.media_map import MediaRef
from captioner.transcription.cluster.reader import ReadJob, transcribe_reference
from captioner.transcription.cluster.replies import AnswerLost, AnswerRefused, fetch, read_file, read_json

if TYPE_CHECKING:
    from captioner.transcription.cluster.backend import ClusterBackend

RETRIES = 2  # as a piece's (see captioner.transcription.cluster.fanout)
FETCH_ATTEMPTS = 3


def transcribe_by_reference(
    cluster: ClusterBackend,
    ref: MediaRef,
    options: TranscribeOptions,
    *,
    stream: int,
    seconds: float | None,
    limits: UrlLimits,
    expected_hash: str | None,
) -> tuple[Transcript, str]:
    """The file's transcript, as a worker made it, and the hash of the audio it read; a
    BackendError (this file's) for a worker's failure or an answer not used, RunError when the
    cluster is gone."""
    job = ReadJob(cluster.plugin, ref, stream, options, limits)
    lost = ""
    for _ in range(FETCH_ATTEMPTS):  # an answer lost on the way (a worker gone, a connection) is asked again
        future = _run(cluster, job)
        try:
            return _answer(future, seconds if seconds is not None else limits.max_seconds, expected_hash, ref)
        except AnswerLost as exc:
            lost = str(exc)
    raise BackendError(f"a worker's answer could not be fetched ({lost}), {FETCH_ATTEMPTS} times")


def _run(cluster: ClusterBackend, job: ReadJob) -> Future:
    """The task, submitted and waited for (cancelled if the wait ends otherwise)."""
    woken = threading.Event()
    key = f"captioner-file-{uuid.uuid4().hex[:16]}"
    future: Future = cluster.submit(transcribe_reference, job, key=key, retries=RETRIES)
    future.add_done_callback(lambda _: woken.set())
    try:
        while not future.done():
            if interrupt.stopping():
                raise interrupt.Stopped
            if not woken.wait(interrupt.POLL):
                cluster.check_workers()
        return future
    finally:
        if not future.done():
            try:
                cluster.client.cancel([future])
            except Exception:  # the scheduler is gone: nothing runs there any more
                pass


def _answer(future: Future, seconds: float, expected_hash: str | None, ref: MediaRef) -> tuple[Transcript, str]:
    if future.status == "cancelled":
        raise RunError("the Dask scheduler cancelled the work (lost connection)")
    if future.status == "error":
        raise BackendError("every worker that took it died or failed (see the workers' logs)")
    try:
        value = read_file(read_json(fetch(future), seconds))
    except AnswerRefused as exc:
        raise BackendError(f"a worker's answer was not used: {exc}") from None
    if isinstance(value, str):
        raise BackendError(failure_message(value))
    digest, transcript = value
    problem = file_problem(transcript, seconds)
    if problem is not None:
        raise BackendError(f"a worker's answer was not used: {problem}")
    if expected_hash is not None and digest != expected_hash:
        raise BackendError(
            f"the audio the workers read at {ref.shown} is not this file's (its hash differs): "
            "check the --workers-read-media mapping"
        )
    transcript.meta, transcript.voice = Transcript.split_block(transcript.meta)  # checked above
    return transcript, digest
