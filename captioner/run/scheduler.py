"""The pipeline: media files in, caption files out.

probe -> extract audio -> transcribe -> segment -> write, per file, with one backend (one model
load) for the whole batch.  The next file's audio is decoded while the current one is being
transcribed.  A failing file is reported and the batch goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from functools import partial

from captioner.run.backend import LazyBackend
from captioner.run.cache import TranscriptCache
from captioner.run.concurrent import run_concurrently
from captioner.run.jobs import FileResult, Job
from captioner.run.one_file import run_one
from captioner.run.prepare import choose_files_at_once, prepare
from captioner.run.prepared import Prepared
from captioner.run.reporter import NullReporter, Reporter
from captioner.run.settings import Settings
from captioner.run.source import TranscriptSource
from captioner.run.video_step import attach_to_video, kept_language


def run(
    jobs: Sequence[Job],
    backend: LazyBackend,
    settings: Settings,
    reporter: Reporter | None = None,
    cache: TranscriptCache | None = None,
    *,
    keep_transcripts: bool = True,
) -> list[FileResult]:
    """Caption every job; a failing file is reported in its result and the others go on.

    With a ``cache``, transcripts are looked up before any audio is decoded and stored after
    transcription.  One file at a time, the next job is prepared (probed, looked up, decoded) in
    a worker thread while the current one is transcribed; with ``backend.concurrent_files`` > 1
    (see :meth:`LazyBackend.fix_files_at_once`, done here) that many files go side by side.

    A failure to create the backend (model or credentials) concerns every file and is raised.
    Without ``keep_transcripts`` the results hold no transcript once the files are written (the
    command line's: a thousand hours of words would otherwise stay in memory to the end).
    """
    reporter = reporter or NullReporter()
    for said in settings.notes:
        reporter.info(None, said)
    source = TranscriptSource(settings.recipe, cache, backend, settings.url_limits)
    settings = settings.on(source.recipe)  # its options cut to what the backend takes
    note = source.recipe.dropped()
    if note is not None:
        reporter.info(None, note)
    results: list[FileResult] = []
    todo: list[tuple[Job, list[str]]] = []
    for job in jobs:
        pending = [f for f, p in job.outputs.items() if settings.overwrite or not p.exists()]
        if not pending:
            result = FileResult(media=job.media, status="skipped", kept=list(job.outputs.values()))
            language = partial(kept_language, job, source)
            result = attach_to_video(job, result, settings, reporter, language)
            reporter.finish_file(result)
            results.append(result)
        else:
            todo.append((job, pending))
    keys, transcribing = choose_files_at_once(todo, backend, source)
    if transcribing:
        backend.start()  # the model loads while the first file is probed and decoded
    if backend.concurrent_files > 1 and len(todo) > 1:
        results.extend(run_concurrently(todo, source, settings, reporter, keys, keep_transcripts))
        return results
    with ExitStack() as stack:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="captioner-decode")
        stack.callback(pool.shutdown, wait=False)  # Ctrl-C does not wait for the next file's decoding
        futures: list[Future[Prepared] | None] = []

        def submit(job: Job) -> None:
            futures.append(pool.submit(prepare, job, source, keys.get(job.media)))

        try:
            if todo:
                submit(todo[0][0])
            for index, (job, pending) in enumerate(todo):
                if index + 1 < len(todo):
                    submit(todo[index + 1][0])
                future, futures[index] = futures[index], None  # drop the decoded audio once used
                assert future is not None
                result = run_one(job, pending, future, source, settings, reporter)
                result = attach_to_video(job, result, settings, reporter)
                if not keep_transcripts:
                    result.transcript = None
                reporter.finish_file(result)
                results.append(result)
        finally:
            for pending_future in futures:
                if pending_future is not None:
                    pending_future.cancel()
    return results
