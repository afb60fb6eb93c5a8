"""The pipeline: media files in, caption files out.

probe -> extract audio -> transcribe -> segment -> write, per file, with one backend (one model
load) for the whole batch.  The next file's audio is decoded while the current one is being
transcribed.  A failing file is reported and the batch goes on.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from captioner.attach import caption_video
from captioner.backends import Backend, TranscribeOptions
from captioner.cache import TranscriptCache, cache_key
from captioner.errors import CaptionerError, MediaError
from captioner.fsutil import atomic_write_text
from captioner.hashing import audio_hash
from captioner.media import MediaInfo, extract_audio, is_media_file, probe, select_audio_stream
from captioner.segmentation import segment
from captioner.style import Style
from captioner.transcript import Transcript
from captioner.writers import DEFAULT_FORMATS, render


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


@dataclass(frozen=True)
class Job:
    """One media file and the caption files it should produce."""

    media: Path
    outputs: dict[str, Path]


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
    """What the pipeline tells the user interface (progress bars, messages)."""

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
    so ``--output-dir`` can mirror the tree) and the errors for paths that do not exist.
    """
    found: list[tuple[Path, Path | None]] = []
    errors: list[CaptionerError] = []
    seen: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            candidates = [(p, path) for p in media_in_folder(path)]
        elif path.exists() or path.is_symlink():
            candidates = [(path, None)]
        else:
            errors.append(MediaError("no such file or directory", str(path)))
            continue
        for media, root in candidates:
            key = media.resolve()
            if key not in seen:
                seen.add(key)
                found.append((media, root))
    return found, errors


# Videos captioner itself writes with --mux/--burn: captioning them again would only duplicate work.
_DERIVED_SUFFIXES = (".captioned", ".burned")


def media_in_folder(folder: Path) -> list[Path]:
    """Media files under ``folder``, recursively and sorted, skipping hidden files and folders
    (``.git``, ``.venv``, ...) and the videos captioner derives with --mux/--burn."""
    found = []
    for current, dirs, files in os.walk(folder):
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
    for media, root in found:
        outputs = output_paths(media, root, settings)
        clash = next((owners[p] for p in outputs.values() if p.resolve() in owners), None)
        if clash is not None:
            errors.append(
                MediaError(f"its captions would overwrite those of {clash} (use --output-dir or rename)", str(media))
            )
            continue
        for p in outputs.values():
            owners[p.resolve()] = media
        jobs.append(Job(media=media, outputs=outputs))
    return jobs, errors


BackendFactory = Callable[[], Backend]


class LazyBackend:
    """Creates the backend (loads the model) on first use, once for the whole run.

    ``identity`` names the backend and model without creating it (no model load), so that a run
    whose transcripts all come from the cache never loads a model.  None disables the cache.
    """

    def __init__(self, factory: BackendFactory, identity: dict[str, str] | None = None) -> None:
        self._factory = factory
        self._backend: Backend | None = None
        self.identity = identity

    def get(self) -> Backend:
        if self._backend is None:
            self._backend = self._factory()
        return self._backend


@dataclass
class _Prepared:
    """A job made ready for transcription: its transcript from the cache, or its decoded audio."""

    info: MediaInfo
    cache_key: str | None = None
    transcript: Transcript | None = None
    audio: np.ndarray | None = None


def _prepare(job: Job, settings: Settings, identity: dict[str, str] | None, cache: TranscriptCache | None) -> _Prepared:
    info = probe(job.media)
    key = None
    if cache is not None and identity is not None:
        select_audio_stream(info, settings.audio_stream)
        key = cache_key(audio_hash(job.media, settings.audio_stream), settings.audio_stream, identity, settings.options)
        cached = cache.get(key)
        if cached is not None:
            return _Prepared(info=info, cache_key=key, transcript=cached)
    return _Prepared(info=info, cache_key=key, audio=extract_audio(info, settings.audio_stream))


def format_outputs(job: Job, transcript: Transcript, settings: Settings, formats: Sequence[str]) -> list[Path]:
    """Segment the transcript into cues and write the requested formats atomically."""
    cues = segment(transcript, settings.style)
    written = []
    for fmt in formats:
        text = render(fmt, cues, transcript, highlight_words=settings.highlight_words)
        atomic_write_text(job.outputs[fmt], text)
        written.append(job.outputs[fmt])
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
    transcription.  The next job is prepared (probed, looked up, decoded) in a worker thread
    while the current one is transcribed.

    A failure to create the backend (model or credentials) concerns every file and is raised.
    """
    reporter = reporter or NullReporter()
    results: list[FileResult] = []
    todo: list[tuple[Job, list[str]]] = []
    for job in jobs:
        pending = [f for f, p in job.outputs.items() if settings.overwrite or not p.exists()]
        if not pending:
            result = FileResult(media=job.media, status="skipped", kept=list(job.outputs.values()))
            result = _attach(job, result, settings)
            reporter.finish_file(result)
            results.append(result)
        else:
            todo.append((job, pending))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="captioner-decode") as pool:
        futures: list[Future[_Prepared] | None] = []

        def submit(job: Job) -> None:
            futures.append(pool.submit(_prepare, job, settings, backend.identity, cache))

        try:
            if todo:
                submit(todo[0][0])
            for index, (job, pending) in enumerate(todo):
                if index + 1 < len(todo):
                    submit(todo[index + 1][0])
                future, futures[index] = futures[index], None  # drop the decoded audio once used
                assert future is not None
                result = _run_one(job, pending, future, backend, settings, reporter, cache)
                result = _attach(job, result, settings)
                reporter.finish_file(result)
                results.append(result)
        finally:
            for pending_future in futures:
                if pending_future is not None:
                    pending_future.cancel()
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
    transcript = data.transcript
    if transcript is None:
        engine = backend.get()  # a model or credential failure concerns the whole run: raised
    try:
        if transcript is None:
            assert data.audio is not None
            reporter.start_file(job.media, data.info.duration)
            transcript = engine.transcribe(data.audio, settings.options, progress=reporter.advance)
            data.audio = None  # free the samples before formatting
            if cache is not None and data.cache_key is not None:
                cache.put(data.cache_key, transcript)
        else:
            reporter.info(job.media, "transcript from the cache (--no-cache transcribes again)")
        _describe_language(job.media, transcript, reporter)
        written = format_outputs(job, transcript, settings, pending)
    except CaptionerError as exc:
        return failed(exc)
    except Exception as exc:  # a bug must not stop the batch; --debug shows the traceback
        error = CaptionerError(f"internal error: {type(exc).__name__}: {exc}")
        error.__cause__ = exc
        return failed(error)
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


def _attach(job: Job, result: FileResult, settings: Settings) -> FileResult:
    """With --mux/--burn, put the file's captions into its video (a failure fails the file)."""
    if settings.attach is None or result.status == "failed":
        return result
    captions = {fmt: path for fmt, path in job.outputs.items() if fmt in ("srt", "vtt")}
    language = result.transcript.language if result.transcript else settings.options.language
    try:
        video, written = caption_video(
            job.media,
            captions,
            language,
            burn_in=settings.attach == "burn",
            in_place=settings.in_place,
            output_dir=next(iter(captions.values())).parent if captions else None,
            overwrite=settings.overwrite,
        )
    except CaptionerError as exc:
        result.status, result.error = "failed", exc.with_path(str(job.media))
        return result
    if written:
        result.written.append(video)
        result.status = "done"
    else:
        result.kept.append(video)
    return result


def _describe_language(media: Path, transcript: Transcript, reporter: Reporter) -> None:
    probability = transcript.meta.get("language_probability")
    if transcript.meta.get("language_forced"):
        reporter.info(media, f"language: {transcript.language} (forced)")
    elif probability is not None:
        reporter.info(media, f"detected language: {transcript.language} (probability {probability:.2f})")
    else:
        reporter.info(media, f"language: {transcript.language}")
