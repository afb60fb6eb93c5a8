"""A job made ready for transcription: its transcript from the cache, or its decoded audio."""

from __future__ import annotations

from pathlib import Path

from captioner.errors import CaptionerError
from captioner.media.audio import extract_audio
from captioner.media.channels import analyse_channels, beside_extraction
from captioner.media.probe import MediaInfo, probe, select_audio_stream
from captioner.media.urls import Media, MediaURL
from captioner.run.backend import LazyBackend
from captioner.run.jobs import Job
from captioner.run.prepared import Prepared
from captioner.run.remote import prepare_url
from captioner.run.source import TranscriptSource
from captioner.transcription.cluster.media_map import MediaRef


def prepare(job: Job, source: TranscriptSource, known_key: str | None = None) -> Prepared:
    """``job`` made ready: its transcript from ``source``'s cache (``known_key``: its key, when
    computed already), else its audio decoded as the recipe says (stream, channels); a URL as
    :mod:`captioner.run.remote` says.  The backend's ``budget``: the decoded audio waits for its
    share (see :mod:`captioner.run.budget`); its ``reads``: a file the workers can read is sent by
    name (see :mod:`captioner.transcription.cluster.media_map`)."""
    if isinstance(job.media, MediaURL):
        return prepare_url(job.media, source)
    info = probe(job.media)
    stream, speakers = source.recipe.audio_stream, source.recipe.speakers
    backend = source.backend
    reads, budget = (backend.reads, backend.budget) if backend is not None else (None, None)
    reference = reads.reference(job.media) if reads is not None else None
    if reference is not None and not (speakers == "channels" and _channels(info, stream) > 1):
        return _by_reference(job, info, reference, source, known_key)
    key = None
    if source.cache is not None:
        select_audio_stream(info, stream)
        key = known_key or source.key(job.media, job.audio_hash)
        cached = source.lookup(key, info.duration)
        if cached is not None:
            return Prepared(info=info, cache_key=key, transcript=cached)
    held = budget.take_audio(info.duration) if budget is not None else None
    try:
        prepared = _decode(info, key, stream, speakers)
    except BaseException:
        if held is not None:
            held.release()
        raise
    prepared.held = held
    return prepared


def _channels(info: MediaInfo, stream: int) -> int:
    return select_audio_stream(info, stream).channels or 1


def _by_reference(
    job: Job, info: MediaInfo, reference: MediaRef, source: TranscriptSource, known_key: str | None
) -> Prepared:
    """A file the workers read themselves: its cache entry, else its name for them, and the hash
    of its audio here (which the workers' must match) when the cache needs one anyway."""
    assert isinstance(job.media, Path)
    select_audio_stream(info, source.recipe.audio_stream)
    if source.cache is None:
        return Prepared(info=info, reference=reference)
    digest = source.audio_hash(job.media, job.audio_hash)
    key = known_key or source.recipe.cache_key(digest)
    cached = source.lookup(key, info.duration)
    if cached is not None:
        return Prepared(info=info, cache_key=key, transcript=cached)
    return Prepared(info=info, cache_key=key, reference=reference, audio_hash=digest)


def _decode(info: MediaInfo, key: str | None, stream: int, speakers: str) -> Prepared:
    """The job's audio decoded (or its channel groups found)."""
    channels = select_audio_stream(info, stream).channels or 1
    if channels == 1:
        return Prepared(info=info, cache_key=key, audio=extract_audio(info, stream))
    if speakers in ("channels", "auto"):
        report = analyse_channels(info, stream)
        if len(report.groups) > 1:
            return Prepared(info=info, cache_key=key, channels=report, groups=report.groups)
        return Prepared(info=info, cache_key=key, audio=extract_audio(info, stream), channels=report)
    # Only for what the run says about the channels: analysed beside the extraction, in one decode.
    beside = beside_extraction(channels)
    audio = extract_audio(info, stream, beside=beside)
    return Prepared(info=info, cache_key=key, audio=audio, channels=beside.result())


def choose_files_at_once(
    todo: list[tuple[Job, list[str]]], backend: LazyBackend, source: TranscriptSource
) -> tuple[dict[Media, str], bool]:
    """Let the backend plan its files at once from the files that need transcribing.

    With a cache, the jobs' cache keys are computed (and returned, so no audio is hashed twice)
    until enough files miss the cache to fill the plan: a run whose other files come from the
    cache keeps every core on the one file it transcribes.  Also returns whether some file is
    known to need transcribing (no cache, or a miss found).
    """
    keys: dict[Media, str] = {}
    if not backend.files_at_once_open:
        return keys, False
    if source.cache is None:
        backend.fix_files_at_once(len(todo))
        return keys, bool(todo)
    wanted = backend.max_concurrent_files or 1
    missing = 0
    for job, _ in todo:
        try:
            key = keys[job.media] = source.key(job.media, job.audio_hash)
        except CaptionerError:
            continue  # the file fails when its turn comes
        if not source.cache.has(key):
            missing += 1
            if missing >= wanted:
                break
    backend.fix_files_at_once(missing)
    return keys, missing > 0
