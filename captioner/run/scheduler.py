"""The pipeline: media files in, caption files out.

probe -> extract audio -> transcribe -> segment -> write, per file, with one backend (one model
load) for the whole batch.  The next file's audio is decoded while the current one is being
transcribed.  A failing file is reported and the batch goes on.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

import numpy as np

from captioner.captions.review import ReviewThresholds, format_report, review
from captioner.captions.segmentation import segment
from captioner.core.style import Style
from captioner.core.transcript import Transcript
from captioner.errors import CaptionerError, MediaError, OutputError
from captioner.media.hashing import audio_hash
from captioner.media.probe import MediaInfo, extract_audio, is_media_file, probe, select_audio_stream
from captioner.output.atomic import atomic_write_text, cannot_write_in, name_too_long, real_path, symlink_loop
from captioner.output.writers import DEFAULT_FORMATS, render
from captioner.refine.hallucination import FilterSettings, clean
from captioner.refine.speech import retime
from captioner.run.cache import TranscriptCache, cache_key
from captioner.transcribe.base import Backend, TranscribeOptions
from captioner.transcribe.chunking import speech_and_utterance_regions, speech_regions
from captioner.video.attach import caption_video, has_caption_track, video_output
from captioner.video.burn import BurnOptions
from captioner.video.mux import NoVideoError


@dataclass(frozen=True)
class Settings:
    """Everything that shapes one run's outputs."""

    formats: tuple[str, ...] = DEFAULT_FORMATS
    output_dir: Path | None = None
    overwrite: bool = False
    style: Style = field(default_factory=Style)
    options: TranscribeOptions = field(default_factory=TranscribeOptions)
    audio_stream: int = 0
    highlight_words: bool = False
    attach: str | None = None  # "mux" or "burn": put the captions into the video too
    in_place: bool = False  # ... replacing the original video
    burn_options: BurnOptions = field(default_factory=BurnOptions)  # how --burn draws the captions
    filters: FilterSettings | None = field(default_factory=FilterSettings)  # None: keep every word
    retime: bool = True  # move Whisper's early word times onto the speech
    review: ReviewThresholds | None = None  # write <stem>.review.txt listing doubtful cues


# Whisper base's word times are early against forced alignment (developer corpus, see
# benchmarks/accuracy.py); these shifts remove most of that bias.
WORD_START_SHIFT = 0.1
WORD_END_SHIFT = 0.05
WORD_FINAL_EXTENSION = 0.2  # without utterance regions (a transcript cached before they were saved)
WORD_MAX_FINAL_EXTENSION = 0.4  # with them: the last word of an utterance ends where it ends


def refine(transcript: Transcript, audio: np.ndarray | None, settings: Settings) -> Transcript:
    """Any backend's transcript without invented text, with word times on the speech.

    The VAD runs on ``audio`` (when given; else the regions saved in ``meta["speech"]`` at
    transcription time are used) to find the speech the filters and timing rely on.  What was
    removed is recorded in ``meta["filtered"]``.
    """
    if settings.filters is None and not settings.retime:
        return transcript
    utterances: list[tuple[float, float]] | None = None
    if audio is not None:
        speech: list[tuple[float, float]] | None
        if settings.retime:
            speech, utterances = speech_and_utterance_regions(audio)
        else:
            speech = speech_regions(audio)
    elif transcript.meta.get("speech") is not None:
        speech = [(float(a), float(b)) for a, b in transcript.meta["speech"]]
    else:
        speech = None
    if audio is None and transcript.meta.get("utterances") is not None:
        utterances = [(float(a), float(b)) for a, b in transcript.meta["utterances"]]
    if settings.filters is not None:
        transcript, report = clean(transcript, speech, settings.filters)
        transcript.meta["filtered"] = report.to_dict()
    if settings.retime:
        transcript = retime(
            transcript,
            speech,
            start_shift=WORD_START_SHIFT,
            end_shift=WORD_END_SHIFT,
            final_extension=WORD_FINAL_EXTENSION,
            utterances=utterances,
            max_final_extension=WORD_MAX_FINAL_EXTENSION,
        )
    if speech is not None:
        transcript.meta["speech_seconds"] = round(sum(b - a for a, b in speech), 2)
    return transcript


def has_words(transcript: Transcript) -> bool:
    if transcript.words is not None:
        return any(w.text for w in transcript.words)
    return any(s.text.strip() for s in transcript.segments)


@dataclass(frozen=True)
class Job:
    """One media file and the caption files it should produce."""

    media: Path
    outputs: dict[str, Path]
    in_folder: bool = False  # found in a folder named on the command line (not named itself)


@dataclass
class FileResult:
    media: Path
    status: str  # "done", "skipped" or "failed"
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # existing outputs left alone
    error: CaptionerError | None = None
    transcript: Transcript | None = None
    from_cache: bool = False
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0


class Reporter(Protocol):
    """What the pipeline tells the user interface (progress bars, messages).

    ``start_file`` and ``advance`` come from the thread transcribing the file (``advance`` is
    about that thread's file; ``math.inf`` when its transcription is done): with files side by
    side, from several threads at once.  ``info``
    and ``finish_file`` come from the caller's thread, in job order.
    """

    def start_file(self, media: Path, duration: float | None) -> None: ...

    def advance(self, seconds: float) -> None: ...

    def info(self, media: Path | None, message: str) -> None: ...

    def finish_file(self, result: FileResult) -> None: ...


class NullReporter:
    def start_file(self, media: Path, duration: float | None) -> None:
        pass

    def advance(self, seconds: float) -> None:
        pass

    def info(self, media: Path | None, message: str) -> None:
        pass

    def finish_file(self, result: FileResult) -> None:
        pass


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, Path | None]], list[CaptionerError]]:
    """Media files named or found (recursively, sorted) under the given paths.

    Returns ``(media, root)`` pairs (``root`` is the directory argument a file was found under,
    so ``--output-dir`` can mirror the tree) and the errors for paths that do not exist and
    folders without media.
    """
    found: list[tuple[Path, Path | None]] = []
    errors: list[CaptionerError] = []
    seen: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            unreadable: list[CaptionerError] = []
            candidates = [(p, path) for p in media_in_folder(path, unreadable)]
            errors.extend(unreadable)
            if not candidates and not unreadable:
                errors.append(MediaError("no media files in this folder (name a file to try it anyway)", str(path)))
        elif path.exists() or path.is_symlink():
            candidates = [(path, None)]
        else:
            errors.append(MediaError("no such file or directory", str(path)))
            continue
        for media, root in candidates:
            if (loop := symlink_loop(media)) is not None:
                errors.append(MediaError(f"cannot read: {loop}", str(media)))
                continue
            key = real_path(media)
            if key not in seen:
                seen.add(key)
                found.append((media, root))
    return found, errors


# Videos captioner itself writes with --mux/--burn: captioning them again would only duplicate work.
_DERIVED_SUFFIXES = (".captioned", ".burned")


def media_in_folder(folder: Path, unreadable: list[CaptionerError] | None = None) -> list[Path]:
    """Media files under ``folder``, recursively and sorted, skipping hidden files and folders
    (``.git``, ``.venv``, ...) and the videos captioner derives with --mux/--burn.  Folders that
    cannot be listed are added to ``unreadable``."""

    def note(exc: OSError) -> None:
        if unreadable is not None:
            unreadable.append(MediaError(f"cannot read this folder: {exc.strerror or exc}", exc.filename))

    found = []
    for current, dirs, files in os.walk(folder, onerror=note):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            path = Path(current, name)
            if name.startswith(".") or not is_media_file(path) or path.stem.endswith(_DERIVED_SUFFIXES):
                continue
            found.append(path)
    return sorted(found)


def output_paths(media: Path, root: Path | None, settings: Settings) -> dict[str, Path]:
    """Where each format of ``media``'s captions goes: beside it, or mirrored under output_dir."""
    if settings.output_dir is None:
        folder = media.parent
    elif root is not None:
        folder = settings.output_dir / media.parent.relative_to(root)
    else:
        folder = settings.output_dir
    return {fmt: folder / f"{media.stem}.{fmt}" for fmt in settings.formats}


def plan(paths: Iterable[Path], settings: Settings) -> tuple[list[Job], list[CaptionerError]]:
    """Jobs for every media file, and errors for missing paths and clashing outputs."""
    found, errors = discover(paths)
    jobs: list[Job] = []
    owners: dict[Path, Path] = {}
    unwritable: dict[Path, str | None] = {}  # each output folder tried once
    for media, root in found:
        outputs = output_paths(media, root, settings)
        if real_path(media) in {real_path(p) for p in outputs.values()}:
            errors.append(MediaError("its captions would overwrite the media itself (use --output-dir)", str(media)))
            continue
        clash = next((owners[real] for p in outputs.values() if (real := real_path(p)) in owners), None)
        if clash is not None:
            errors.append(
                MediaError(f"its captions would overwrite those of {clash} (use --output-dir or rename)", str(media))
            )
            continue
        # Found now, not after the file was transcribed (files whose captions exist are skipped
        # without --overwrite: they write nothing).
        folders = {p.parent for p in outputs.values() if settings.overwrite or not p.exists()}
        why = next((w for f in sorted(folders) if (w := _cannot_write(f, unwritable)) is not None), None)
        if why is None:  # the names too: stem + ".captioned.mp4" may pass the 255-byte limit
            too_long = (name_too_long(p) for p in _files_written(media, outputs, settings))
            why = next((w for w in too_long if w is not None), None)
        if why is not None:
            errors.append(OutputError(f"cannot write its captions: {why}", str(media)))
            continue
        for p in outputs.values():
            owners[real_path(p)] = media
        jobs.append(Job(media=media, outputs=outputs, in_folder=root is not None))
    return jobs, errors


def _files_written(media: Path, outputs: dict[str, Path], settings: Settings) -> list[Path]:
    """Every file a job may write: its captions, its review report, the video --mux/--burn makes."""
    files = list(outputs.values())
    if settings.review is not None:
        files.append(review_path(Job(media=media, outputs=outputs)))
    if settings.attach is not None and not settings.in_place:
        files.append(video_output(media, burn_in=settings.attach == "burn", output_dir=files[0].parent))
    return files


def _cannot_write(folder: Path, known: dict[Path, str | None]) -> str | None:
    if folder not in known:
        known[folder] = cannot_write_in(folder)
    return known[folder]


BackendFactory = Callable[[], Backend]
# Called with the number of files the run transcribes at once (see LazyBackend.plan).
SizedBackendFactory = Callable[[int], Backend]


class LazyBackend:
    """Creates the backend (loads the model) on first use, once for the whole run.

    ``identity`` names the backend and model without creating it (no model load), so that a run
    whose transcripts all come from the cache never loads a model.  None disables the cache.
    With ``preload``, :meth:`start` creates it in a background thread once a run knows it will
    transcribe (the local model loads while the first file's audio is decoded).

    Files transcribed at the same time are either fixed, ``concurrent_files`` (a remote backend:
    the files wait on a service, not on this machine's cores; ``factory()`` takes no argument),
    or, with ``max_concurrent_files``, planned by :meth:`plan` before the backend is created: as
    many as there are files to transcribe, at most ``max_concurrent_files``, and ``factory(n)``
    makes a backend for ``n`` at once (the local engine shares the cores among them).
    """

    def __init__(
        self,
        factory: BackendFactory | SizedBackendFactory,
        identity: dict[str, str] | None = None,
        concurrent_files: int = 1,
        *,
        max_concurrent_files: int | None = None,
        preload: bool = False,
    ) -> None:
        self._factory = factory
        self._backend: Backend | None = None
        self.identity = identity
        self.max_concurrent_files = None if max_concurrent_files is None else max(1, int(max_concurrent_files))
        self.concurrent_files = 1 if self.max_concurrent_files is not None else max(1, int(concurrent_files))
        self.preload = preload
        self._lock = threading.Lock()

    @property
    def planned(self) -> bool:
        """Whether :meth:`plan` can still choose the files at once (planned, not yet created)."""
        return self.max_concurrent_files is not None and self._backend is None

    def plan(self, files: int) -> int:
        """Fix the files transcribed at once for ``files`` files to transcribe, unless that is fixed
        already (a fixed count, or a backend created by an earlier run); returns the count."""
        with self._lock:
            if self.max_concurrent_files is not None and self._backend is None:
                self.concurrent_files = max(1, min(self.max_concurrent_files, files))
            return self.concurrent_files

    def start(self) -> None:
        """With ``preload``, begin creating the backend in a background thread; a failure is
        left for :meth:`get` to raise (it tries again)."""
        if not self.preload or self._backend is not None:
            return

        def load() -> None:
            try:
                self.get()
            except BaseException:  # get() in the run raises it again, where it is handled
                pass

        threading.Thread(target=load, name="captioner-model-load", daemon=True).start()

    def get(self) -> Backend:
        with self._lock:
            if self._backend is None:
                if self.max_concurrent_files is not None:
                    self._backend = self._factory(self.concurrent_files)  # type: ignore[call-arg]
                else:
                    self._backend = self._factory()  # type: ignore[call-arg]
            return self._backend


@dataclass
class _Prepared:
    """A job made ready for transcription: its transcript from the cache, or its decoded audio."""

    info: MediaInfo
    cache_key: str | None = None
    transcript: Transcript | None = None
    audio: np.ndarray | None = None


def _prepare(
    job: Job,
    settings: Settings,
    identity: dict[str, str] | None,
    cache: TranscriptCache | None,
    known_key: str | None = None,
) -> _Prepared:
    info = probe(job.media)
    key = None
    if cache is not None and identity is not None:
        select_audio_stream(info, settings.audio_stream)
        key = known_key or _cache_key(job, settings, identity)
        cached = cache.get(key)
        if cached is not None:
            return _Prepared(info=info, cache_key=key, transcript=cached)
    return _Prepared(info=info, cache_key=key, audio=extract_audio(info, settings.audio_stream))


def _cache_key(job: Job, settings: Settings, identity: dict[str, str]) -> str:
    return cache_key(audio_hash(job.media, settings.audio_stream), settings.audio_stream, identity, settings.options)


def _plan_files_at_once(
    todo: list[tuple[Job, list[str]]], backend: LazyBackend, settings: Settings, cache: TranscriptCache | None
) -> tuple[dict[Path, str], int]:
    """Let the backend plan its files at once from the files that need transcribing.

    With a cache, the jobs' cache keys are computed (and returned, so no audio is hashed twice)
    until enough files miss the cache to fill the plan: a run whose other files come from the
    cache keeps every core on the one file it transcribes.  Also returns how many of the files
    looked up missed the cache (0 when none was looked up).
    """
    keys: dict[Path, str] = {}
    if not backend.planned:
        return keys, 0
    if cache is None or backend.identity is None:
        backend.plan(len(todo))
        return keys, 0
    wanted = backend.max_concurrent_files or 1
    missing = 0
    for job, _ in todo:
        try:
            key = keys[job.media] = _cache_key(job, settings, backend.identity)
        except CaptionerError:
            continue  # the file fails when its turn comes
        if not cache.has(key):
            missing += 1
            if missing >= wanted:
                break
    backend.plan(missing)
    return keys, missing


def review_path(job: Job) -> Path:
    first = next(iter(job.outputs.values()))
    return first.with_name(f"{job.media.stem}.review.txt")


def format_outputs(
    job: Job, transcript: Transcript, settings: Settings, formats: Sequence[str], reporter: Reporter | None = None
) -> list[Path]:
    """Segment the transcript into cues and write the requested formats atomically (never empty
    ones from a transcript with words).

    With ``settings.review``, also ``<stem>.review.txt`` listing the doubtful cues (and a
    warning line naming it); doubt never fails a file.
    """
    cues = segment(transcript, settings.style)
    if has_words(transcript) and not any(c.text.strip() for c in cues):
        # Never replace captions with empty ones when there was speech: a formatter defect (a
        # style out of its range once made every cue vanish) fails the file instead.
        raise CaptionerError(
            f"no cue came out of a transcript with words (style {settings.style.name}); "
            "the caption files were not written"
        )
    written = []
    for fmt in formats:
        text = render(fmt, cues, transcript, highlight_words=settings.highlight_words)
        atomic_write_text(job.outputs[fmt], text)
        written.append(job.outputs[fmt])
    if settings.review is not None:
        doubtful = review(transcript, cues, settings.review)
        path = review_path(job)
        atomic_write_text(path, format_report(job.media.name, doubtful, len(cues)))
        written.append(path)
        if doubtful and reporter is not None:
            reporter.info(job.media, f"warning: {len(doubtful)} of {len(cues)} cues need a check, see {path}")
    return written


def run(
    jobs: Sequence[Job],
    backend: LazyBackend,
    settings: Settings,
    reporter: Reporter | None = None,
    cache: TranscriptCache | None = None,
) -> list[FileResult]:
    """Caption every job; a failing file is reported in its result and the others go on.

    With a ``cache``, transcripts are looked up before any audio is decoded and stored after
    transcription.  One file at a time, the next job is prepared (probed, looked up, decoded) in
    a worker thread while the current one is transcribed; with ``backend.concurrent_files`` > 1
    (see :meth:`LazyBackend.plan`, done here) that many files go side by side.

    A failure to create the backend (model or credentials) concerns every file and is raised.
    """
    reporter = reporter or NullReporter()
    results: list[FileResult] = []
    todo: list[tuple[Job, list[str]]] = []
    for job in jobs:
        pending = [f for f, p in job.outputs.items() if settings.overwrite or not p.exists()]
        if not pending:
            result = FileResult(media=job.media, status="skipped", kept=list(job.outputs.values()))
            language = partial(_kept_language, job, settings, backend.identity, cache)
            result = _attach(job, result, settings, reporter, language)
            reporter.finish_file(result)
            results.append(result)
        else:
            todo.append((job, pending))
    keys, misses = _plan_files_at_once(todo, backend, settings, cache)
    if todo and (cache is None or backend.identity is None or misses):
        backend.start()  # the model loads while the first file is probed and decoded
    if backend.concurrent_files > 1 and len(todo) > 1:
        results.extend(_run_concurrently(todo, backend, settings, reporter, cache, keys))
        return results
    with ExitStack() as stack:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="captioner-decode")
        stack.callback(pool.shutdown, wait=False)  # Ctrl-C does not wait for the next file's decoding
        futures: list[Future[_Prepared] | None] = []

        def submit(job: Job) -> None:
            futures.append(pool.submit(_prepare, job, settings, backend.identity, cache, keys.get(job.media)))

        try:
            if todo:
                submit(todo[0][0])
            for index, (job, pending) in enumerate(todo):
                if index + 1 < len(todo):
                    submit(todo[index + 1][0])
                future, futures[index] = futures[index], None  # drop the decoded audio once used
                assert future is not None
                result = _run_one(job, pending, future, backend, settings, reporter, cache)
                result = _attach(job, result, settings, reporter)
                reporter.finish_file(result)
                results.append(result)
        finally:
            for pending_future in futures:
                if pending_future is not None:
                    pending_future.cancel()
    return results


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
        self.messages: list[tuple[Path | None, str]] = []

    def check(self) -> None:
        if self._stopped.is_set():
            raise _Stopped

    def start_file(self, media: Path, duration: float | None) -> None:
        self.check()
        self._reporter.start_file(media, duration)

    def advance(self, seconds: float) -> None:
        self.check()
        self._reporter.advance(seconds)

    def info(self, media: Path | None, message: str) -> None:
        self.messages.append((media, message))

    def finish_file(self, result: FileResult) -> None:
        pass


def _run_concurrently(
    todo: list[tuple[Job, list[str]]],
    backend: LazyBackend,
    settings: Settings,
    reporter: Reporter,
    cache: TranscriptCache | None,
    keys: dict[Path, str] | None = None,
) -> list[FileResult]:
    """Up to ``backend.concurrent_files`` files at once, each prepared, transcribed and written by
    its own worker thread.  Each file's progress is reported from its worker as it goes; results,
    messages and the overall progress come in job order."""
    keys = keys or {}
    stopped = threading.Event()

    def work(job: Job, pending: list[str]) -> tuple[FileResult, _FileReporter]:
        view = _FileReporter(reporter, stopped)
        view.check()
        prepared: Future[_Prepared] = Future()
        try:
            prepared.set_result(_prepare(job, settings, backend.identity, cache, keys.get(job.media)))
        except BaseException as exc:  # handed to _run_one, which reports a CaptionerError as the file's
            prepared.set_exception(exc)
        result = _run_one(job, pending, prepared, backend, settings, view, cache)
        return _attach(job, result, settings, view), view

    results: list[FileResult] = []
    pool = ThreadPoolExecutor(max_workers=min(backend.concurrent_files, len(todo)), thread_name_prefix="captioner-file")
    futures = [pool.submit(work, job, pending) for job, pending in todo]
    try:
        for future in futures:
            result, view = future.result()  # a run-wide failure (the backend's creation) is raised
            for media, message in view.messages:
                reporter.info(media, message)
            reporter.finish_file(result)
            results.append(result)
    finally:
        stopped.set()
        for future in futures:
            future.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
    return results


def _run_one(
    job: Job,
    pending: list[str],
    prepared: Future[_Prepared],
    backend: LazyBackend,
    settings: Settings,
    reporter: Reporter,
    cache: TranscriptCache | None,
) -> FileResult:
    started = time.monotonic()
    kept = [p for f, p in job.outputs.items() if f not in pending]

    def failed(exc: CaptionerError) -> FileResult:
        return FileResult(media=job.media, status="failed", kept=kept, error=exc.with_path(str(job.media)))

    try:
        data = prepared.result()
    except CaptionerError as exc:
        return failed(exc)
    except Exception as exc:  # a bug must not stop the batch; --debug shows the traceback
        return failed(_internal_error(exc))
    transcript = data.transcript
    if transcript is None:
        engine = backend.get()  # a model or credential failure concerns the whole run: raised
    try:
        if transcript is None:
            assert data.audio is not None
            reporter.start_file(job.media, data.info.duration)
            transcript = engine.transcribe(data.audio, settings.options, progress=reporter.advance)
            reporter.advance(math.inf)  # done: the bar full, though the last words end before the media
            _store_regions(transcript, data.audio)
            data.audio = None  # free the samples before formatting
            if cache is not None and data.cache_key is not None:
                cache.put(data.cache_key, transcript)  # a failure is one warning: the cache is only a saving
        else:
            reporter.info(job.media, "transcript from the cache (--no-cache transcribes again)")
        transcript = refine(transcript, None, settings)
        if has_words(transcript):
            _describe_language(job.media, transcript, reporter)
        else:
            video = "; nothing to put into the video" if settings.attach else ""
            reporter.info(job.media, f"no speech found; the caption files are empty{video}")
        written = format_outputs(job, transcript, settings, pending, reporter)
    except CaptionerError as exc:
        return failed(exc)
    except Exception as exc:  # a bug must not stop the batch; --debug shows the traceback
        return failed(_internal_error(exc))
    return FileResult(
        media=job.media,
        status="done",
        written=written,
        kept=kept,
        transcript=transcript,
        from_cache=data.transcript is not None,
        audio_seconds=transcript.duration,
        wall_seconds=time.monotonic() - started,
    )


def _internal_error(exc: Exception) -> CaptionerError:
    error = CaptionerError(f"internal error: {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


def _store_regions(transcript: Transcript, audio: np.ndarray) -> None:
    """Keep the VAD's speech and utterance regions with the transcript (and so in the cache), so
    that filtering and retiming never need the audio again.  The local engine found them already
    (one VAD pass gives both); other backends get them here."""

    def rounded(regions: list[tuple[float, float]]) -> list[list[float]]:
        return [[round(a, 3), round(b, 3)] for a, b in regions]

    if transcript.meta.get("speech") is not None and transcript.meta.get("utterances") is not None:
        return
    speech, utterances = speech_and_utterance_regions(audio)
    if transcript.meta.get("speech") is None:
        transcript.meta["speech"] = rounded(speech)
    transcript.meta["utterances"] = rounded(utterances)


def _attach(
    job: Job,
    result: FileResult,
    settings: Settings,
    reporter: Reporter,
    kept_language: Callable[[], str | None] | None = None,
) -> FileResult:
    """With --mux/--burn, put the file's captions into its video (a failure fails the file).

    Captions kept from an earlier run go in only when that run's video step did not finish (it
    failed or was interrupted after the captions were written): their language is then
    ``-l``'s, else ``kept_language()``'s (the .json beside them, or the cached transcript).
    An audio file found in a folder gets its captions and a note; one named on the command line
    fails (it was asked for explicitly).
    """
    if settings.attach is None or result.status == "failed":
        return result
    captions = {fmt: path for fmt, path in job.outputs.items() if fmt in ("srt", "vtt")}
    output_dir = next(iter(captions.values())).parent if captions else None
    burn_in = settings.attach == "burn"
    if result.transcript is not None:
        language: str | None = captions_language(result.transcript)
    else:
        language = "en" if settings.options.task == "translate" else settings.options.language
    verb = "burned in" if burn_in else "muxed"
    try:
        if result.status == "skipped":
            if settings.in_place:
                # The kept captions went into the video if the earlier run finished: again would add
                # a second track. Burnt-in ones cannot be told from the picture: --overwrite burns anew.
                if burn_in or has_caption_track(job.media):
                    return result
            elif video_output(job.media, burn_in=burn_in, output_dir=output_dir).exists():
                kept_language = None  # kept as it is: no language needed
            if language is None and kept_language is not None:
                language = kept_language()
        video, written = caption_video(
            job.media,
            captions,
            language,
            burn_in=burn_in,
            burn_options=settings.burn_options,
            in_place=settings.in_place,
            output_dir=output_dir,
            overwrite=settings.overwrite,
        )
    except NoVideoError:
        if job.in_folder:
            reporter.info(job.media, f"audio only, captions not {verb}")
            return result
        cause = f"audio only (no video stream): its captions were written, but cannot be {verb}"
        result.status, result.error = "failed", MediaError(cause, str(job.media))
        return result
    except CaptionerError as exc:
        result.status, result.error = "failed", exc.with_path(str(job.media))
        return result
    if written and video is not None:
        result.written.append(video)
        result.status = "done"
    elif video is not None:
        result.kept.append(video)
    return result


def cached_transcript(
    media: Path, settings: Settings, identity: dict[str, str] | None, cache: TranscriptCache | None
) -> Transcript | None:
    """``media``'s transcript from the cache, as a run with these settings and this backend
    stored it (not refined), or None: not cached, or the media cannot be read."""
    if cache is None or identity is None:
        return None
    try:
        return cache.get(_cache_key(Job(media=media, outputs={}), settings, identity))
    except CaptionerError:
        return None


def captions_language(transcript: Transcript) -> str:
    """The language the captions of ``transcript`` are in: English for a translation."""
    return "en" if transcript.task == "translate" else transcript.language


def _kept_language(
    job: Job, settings: Settings, identity: dict[str, str] | None, cache: TranscriptCache | None
) -> str | None:
    """The language of captions kept from an earlier run (they do not say): that of the
    transcript written beside them (``-f json``), else of the cached one; None when unknown."""
    beside = next(iter(job.outputs.values())).with_name(f"{job.media.stem}.json")
    try:
        return captions_language(Transcript.from_json(beside.read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    transcript = cached_transcript(job.media, settings, identity, cache)
    return captions_language(transcript) if transcript is not None else None


def _describe_language(media: Path, transcript: Transcript, reporter: Reporter) -> None:
    probability = transcript.meta.get("language_probability")
    if transcript.meta.get("language_forced"):
        reporter.info(media, f"language: {transcript.language} (forced)")
    elif probability is not None:
        others = [code for code in transcript.meta.get("languages") or () if code != transcript.language]
        heard = f"; also heard: {', '.join(others)}" if others else ""
        reporter.info(media, f"detected language: {transcript.language} (probability {probability:.2f}){heard}")
    else:
        reporter.info(media, f"language: {transcript.language}")
