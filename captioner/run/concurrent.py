"""Several files at once, each prepared, transcribed and written by its own worker thread."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor

from captioner.media.urls import Media
from captioner.run.jobs import FileResult, Job
from captioner.run.one_file import run_one
from captioner.run.prepare import prepare
from captioner.run.prepared import Prepared
from captioner.run.reporter import Reporter
from captioner.run.settings import Settings
from captioner.run.source import TranscriptSource
from captioner.run.video_step import attach_to_video


class _Stopped(BaseException):
    """Raised in a file's worker once the run has stopped (Ctrl-C, a run-wide failure): not an
    Exception, so that it ends the worker instead of being reported as the file's failure."""


class _FileReporter:
    """One file's view of the reporter while it runs beside others: its bar is drawn as it goes
    (``start_file`` and ``advance`` from the thread transcribing it), its messages are held and
    replayed, with its result, in job order.  Once ``stopped`` is set, its next progress report
    ends the transcription (the process would otherwise wait for it before exiting)."""

    def __init__(self, reporter: Reporter, stopped: threading.Event) -> None:
        self._reporter = reporter
        self._stopped = stopped
        self.messages: list[tuple[Media | None, str]] = []

    def check(self) -> None:
        if self._stopped.is_set():
            raise _Stopped

    def start_file(self, media: Media, duration: float | None) -> None:
        self.check()
        self._reporter.start_file(media, duration)

    def advance(self, seconds: float) -> None:
        self.check()
        self._reporter.advance(seconds)

    def info(self, media: Media | None, message: str) -> None:
        self.messages.append((media, message))

    def finish_file(self, result: FileResult) -> None:
        pass


def run_concurrently(
    todo: list[tuple[Job, list[str]]],
    source: TranscriptSource,
    settings: Settings,
    reporter: Reporter,
    keys: dict[Media, str] | None = None,
    keep_transcripts: bool = True,
) -> list[FileResult]:
    """Up to ``source.backend.concurrent_files`` files at once, each prepared, transcribed and written by
    its own worker thread.  Each file's progress is reported from its worker as it goes; results,
    messages and the overall progress come in job order."""
    keys = keys or {}
    stopped = threading.Event()

    def work(job: Job, pending: list[str]) -> tuple[FileResult, _FileReporter]:
        view = _FileReporter(reporter, stopped)
        view.check()
        prepared: Future[Prepared] = Future()
        try:
            prepared.set_result(prepare(job, source, keys.get(job.media)))
        except BaseException as exc:  # handed to run_one, which reports a CaptionerError as the file's
            prepared.set_exception(exc)
        view.check()  # the run may have stopped while this file was read
        result = attach_to_video(job, run_one(job, pending, prepared, source, settings, view), settings, view)
        if not keep_transcripts:  # the result waits for the files before it: without its words
            result.transcript = None
        return result, view

    results: list[FileResult] = []
    assert source.backend is not None
    workers = min(source.backend.concurrent_files, len(todo))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="captioner-file")
    futures = [pool.submit(work, job, pending) for job, pending in todo]
    try:
        for index, future in enumerate(futures):
            try:
                result, view = future.result()  # a run-wide failure (the backend's creation) is raised
            except Exception:
                stopped.set()
                _report_finished(futures[index + 1 :], reporter, results)
                raise
            _report(result, view, reporter, results)
    finally:
        stopped.set()
        for future in futures:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
    return results


def _report(result: FileResult, view: _FileReporter, reporter: Reporter, results: list[FileResult]) -> None:
    for media, message in view.messages:
        reporter.info(media, message)
    reporter.finish_file(result)
    results.append(result)


def _report_finished(
    futures: list[Future[tuple[FileResult, _FileReporter]]], reporter: Reporter, results: list[FileResult]
) -> None:
    """After a run-wide failure: the files that finished meanwhile, after the failing one, wrote
    their captions; they are reported all the same (``sync`` records them in the lock)."""
    for future in futures:
        if future.done() and not future.cancelled() and future.exception() is None:
            result, view = future.result()
            _report(result, view, reporter, results)
