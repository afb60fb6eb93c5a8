"""The worker side of ``--workers-read-media``: a whole file read, decoded, hashed and transcribed
where it is (see :mod:`captioner.transcription.cluster.media_map`).

The worker decodes exactly as the client would (the same probe, stream choice and decoder), so
its words are a local run's; it hashes what it read the way the client keys its cache (the audio
packets of a file, the decoded samples of an http(s) URL), and the client compares that hash with
its own when it has the file.  A file the worker cannot reach fails with one line naming the
worker and the path (never a URL's credentials); any other file goes on.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from distributed import get_worker

from captioner.errors import CaptionerError, MediaError
from captioner.media.urls import UrlLimits
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.cluster.media_map import MediaRef, worker_path
from captioner.transcription.cluster.replies import encode_failure, encode_file

_COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class ReadJob:
    """One file, as a worker gets it in place of its audio."""

    plugin: str
    ref: MediaRef
    stream: int
    options: TranscribeOptions
    limits: UrlLimits


def transcribe_reference(job: ReadJob) -> bytes:
    """The task: the file read and transcribed here, as JSON (:func:`encode_file`); a file that
    cannot be read or decoded comes back as a failure naming this worker and the file."""
    from captioner.transcription.cluster.worker import _plugin

    worker = get_worker()
    backend = _plugin(worker, job.plugin).backend
    try:
        audio, digest = read_media(job.ref, job.stream, job.limits)
    except (CaptionerError, OSError) as exc:
        return encode_failure(f"worker {worker.address} cannot read {job.ref.shown}: {_cause(exc)}")
    try:
        transcript = backend.transcribe(audio, job.options)
    except CaptionerError as exc:
        return encode_failure(str(exc))
    return encode_file(digest, transcript)


def read_media(ref: MediaRef, stream: int, limits: UrlLimits) -> tuple[Any, str]:
    """The file's 16 kHz samples and its audio hash (the simulated workers of
    ``benchmarks/cluster_sim.py`` replace this: they read nothing)."""
    if not ref.is_url:
        return _decode_file(Path(worker_path(ref)), stream)
    if ref.root.split(":", 1)[0].lower() in ("http", "https"):
        return _decode_url(ref, stream, limits)
    with tempfile.TemporaryDirectory(prefix="captioner-read-") as folder:
        local = Path(folder) / ("media" + Path(ref.where.split("?", 1)[0]).suffix[:16])
        _copy_bounded(ref, local, limits.max_bytes)
        return _decode_file(local, stream)


def _decode_file(path: Path, stream: int) -> tuple[np.ndarray, str]:
    from captioner.media.audio import extract_audio
    from captioner.media.hashing import audio_hash
    from captioner.media.probe import probe, select_audio_stream

    info = probe(path)
    select_audio_stream(info, stream)
    return extract_audio(info, stream), audio_hash(path, stream)


def _decode_url(ref: MediaRef, stream: int, limits: UrlLimits) -> tuple[np.ndarray, str]:
    """An http(s) file through captioner's own URL reader: its bounds (size, duration, timeout)."""
    from captioner.media.audio import extract_audio
    from captioner.media.hashing import samples_hash
    from captioner.media.probe import probe, select_audio_stream
    from captioner.media.urls import parse_url

    url = parse_url(ref.where)
    info = probe(url, limits)
    select_audio_stream(info, stream)
    audio = extract_audio(info, stream)
    return audio, samples_hash(audio, stream)


def _copy_bounded(ref: MediaRef, target: Path, max_bytes: int) -> None:
    """An s3:// or gs:// object copied here through fsspec (the worker's own credentials), at
    most ``max_bytes``; a MediaError naming the object (never its credentials) otherwise."""
    try:
        import fsspec
    except ImportError:
        raise MediaError("reading s3:// or gs:// needs fsspec (pip install 'captioner[cluster]')", ref.shown) from None
    copied = 0
    try:
        with fsspec.open(ref.where, "rb") as source, target.open("wb") as sink:
            while chunk := source.read(_COPY_CHUNK):
                copied += len(chunk)
                if copied > max_bytes:
                    raise MediaError(f"larger than {max_bytes} bytes (--url-max-bytes)", ref.shown)
                sink.write(chunk)
    except (CaptionerError, OSError):
        raise
    except Exception as exc:  # fsspec's backends raise their own types; their text may hold the URL
        raise MediaError(f"cannot open it ({type(exc).__name__})", ref.shown) from None


def _cause(exc: BaseException) -> str:
    """Why a file could not be read, without its path again (the message names it) or a URL's credentials."""
    if isinstance(exc, CaptionerError):
        return exc.cause
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return type(exc).__name__
