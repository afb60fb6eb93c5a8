"""A job made ready for transcription: its transcript from the cache, or its decoded audio."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from captioner.core.transcript import Transcript
from captioner.errors import CaptionerError, MediaError
from captioner.media.audio import extract_audio
from captioner.media.channels import ChannelReport, analyse_channels, beside_extraction
from captioner.media.hashing import audio_hash
from captioner.media.probe import MediaInfo, probe, select_audio_stream
from captioner.media.urls import Media, MediaURL
from captioner.run.backend import LazyBackend
from captioner.run.budget import ByteBudget, Held
from captioner.run.cache import TranscriptCache, cache_key
from captioner.run.jobs import Job
from captioner.run.settings import Settings
from captioner.transcription.cluster.media_map import MediaMap, MediaRef


@dataclass
class Prepared:
    """A job made ready for transcription: its transcript from the cache, or its decoded audio, or
    (``--speakers channels`` on channels carrying different sound) the channel groups to decode
    and transcribe one by one."""

    info: MediaInfo
    cache_key: str | None = None
    transcript: Transcript | None = None
    audio: np.ndarray | None = None
    channels: ChannelReport | None = None  # how the channels relate (files of two channels or more)
    groups: tuple[tuple[int, ...], ...] = ()  # transcribed each on its own (audio is None then)
    url: MediaURL | None = None  # sent to the backend as it is (audio is None then)
    notes: tuple[str, ...] = ()  # what the run should say about how the job was prepared
    held: Held | None = None  # the share of the run's byte budget the decoded audio holds
    reference: MediaRef | None = None  # where the cluster's workers read the file (audio is None then)
    audio_hash: str | None = None  # this machine's hash of its audio, for the workers' to match

    def release(self) -> None:
        """Drop the decoded audio and give its share of the byte budget back."""
        self.audio = None
        if self.held is not None:
            self.held.release()


def prepare(
    job: Job,
    settings: Settings,
    identity: dict[str, str] | None,
    cache: TranscriptCache | None,
    known_key: str | None = None,
    takes_urls: bool = False,
    budget: ByteBudget | None = None,
    reads: MediaMap | None = None,
) -> Prepared:
    """``job`` made ready; ``takes_urls``: the backend transcribes a URL itself (see
    :mod:`captioner.run.remote`); ``budget``: the decoded audio waits for its share (see
    :mod:`captioner.run.budget`); ``reads``: a file the workers can read is sent by name (see
    :mod:`captioner.transcription.cluster.media_map`)."""
    if isinstance(job.media, MediaURL):
        from captioner.run.remote import prepare_url

        return prepare_url(job.media, settings, identity, cache, takes_urls)
    info = probe(job.media)
    reference = reads.reference(job.media) if reads is not None else None
    if reference is not None and not (settings.speakers == "channels" and _channels(info, settings) > 1):
        return _by_reference(job, info, reference, settings, identity, cache, known_key)
    key = None
    if cache is not None and identity is not None:
        select_audio_stream(info, settings.audio_stream)
        key = known_key or job_cache_key(job, settings, identity)
        cached = cache.get(key, info.duration)
        if cached is not None:
            return Prepared(info=info, cache_key=key, transcript=cached)
    held = budget.take_audio(info.duration) if budget is not None else None
    try:
        prepared = _decode(info, key, settings)
    except BaseException:
        if held is not None:
            held.release()
        raise
    prepared.held = held
    return prepared


def _channels(info: MediaInfo, settings: Settings) -> int:
    return select_audio_stream(info, settings.audio_stream).channels or 1


def _by_reference(
    job: Job,
    info: MediaInfo,
    reference: MediaRef,
    settings: Settings,
    identity: dict[str, str] | None,
    cache: TranscriptCache | None,
    known_key: str | None,
) -> Prepared:
    """A file the workers read themselves: its cache entry, else its name for them, and the hash
    of its audio here (which the workers' must match) when the cache needs one anyway."""
    select_audio_stream(info, settings.audio_stream)
    if cache is None or identity is None:
        return Prepared(info=info, reference=reference)
    digest = job_audio_hash(job, settings)
    key = known_key or cache_key(digest, settings.audio_stream, identity, settings.options, settings.speakers)
    cached = cache.get(key, info.duration)
    if cached is not None:
        return Prepared(info=info, cache_key=key, transcript=cached)
    return Prepared(info=info, cache_key=key, reference=reference, audio_hash=digest)


def _decode(info: MediaInfo, key: str | None, settings: Settings) -> Prepared:
    """The job's audio decoded (or its channel groups found)."""
    channels = select_audio_stream(info, settings.audio_stream).channels or 1
    if channels == 1:
        return Prepared(info=info, cache_key=key, audio=extract_audio(info, settings.audio_stream))
    if settings.speakers == "channels":
        report = analyse_channels(info, settings.audio_stream)
        if len(report.groups) > 1:
            return Prepared(info=info, cache_key=key, channels=report, groups=report.groups)
        return Prepared(info=info, cache_key=key, audio=extract_audio(info, settings.audio_stream), channels=report)
    # Only for what the run says about the channels: analysed beside the extraction, in one decode.
    beside = beside_extraction(channels)
    audio = extract_audio(info, settings.audio_stream, beside=beside)
    return Prepared(info=info, cache_key=key, audio=audio, channels=beside.result())


def prepare_for(
    job: Job, settings: Settings, backend: LazyBackend, cache: TranscriptCache | None, known_key: str | None = None
) -> Prepared:
    """:func:`prepare` for ``backend``: its identity, whether it takes URLs, reads media or bounds memory."""
    identity, takes_urls = backend.identity, backend.takes_urls
    return prepare(job, settings, identity, cache, known_key, takes_urls, budget=backend.budget, reads=backend.reads)


def job_cache_key(job: Job, settings: Settings, identity: dict[str, str]) -> str:
    """The cache key of a local file's job (a URL's is known once its audio is read: MediaError),
    from the audio hash the job carries when it is of the stream the settings choose."""
    digest = job_audio_hash(job, settings)
    return cache_key(digest, settings.audio_stream, identity, settings.options, settings.speakers)


def job_audio_hash(job: Job, settings: Settings) -> str:
    """The audio hash of a local file's job: the one it carries when it is of the stream the
    settings choose, else hashed now."""
    if isinstance(job.media, MediaURL):
        raise MediaError("a URL's cache key is known once its audio is read", str(job.media))
    stream, known = settings.audio_stream, job.audio_hash
    return known.digest if known is not None and known.stream == stream else audio_hash(job.media, stream)


def choose_files_at_once(
    todo: list[tuple[Job, list[str]]], backend: LazyBackend, settings: Settings, cache: TranscriptCache | None
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
    if cache is None or backend.identity is None:
        backend.fix_files_at_once(len(todo))
        return keys, bool(todo)
    wanted = backend.max_concurrent_files or 1
    missing = 0
    for job, _ in todo:
        try:
            key = keys[job.media] = job_cache_key(job, settings, backend.identity)
        except CaptionerError:
            continue  # the file fails when its turn comes
        if not cache.has(key):
            missing += 1
            if missing >= wanted:
                break
    backend.fix_files_at_once(missing)
    return keys, missing > 0


def cached_transcript(
    media: Media, settings: Settings, identity: dict[str, str] | None, cache: TranscriptCache | None
) -> Transcript | None:
    """``media``'s transcript from the cache, as a run with these settings and this backend
    stored it (not refined), or None: not cached, or the media cannot be read."""
    if cache is None or identity is None:
        return None
    try:
        return cache.get(job_cache_key(Job(media=media, outputs={}), settings, identity))
    except CaptionerError:
        return None
