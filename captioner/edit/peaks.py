"""Waveform peaks for the page: the audio decoded once by ffmpeg, reduced to a min and max per
bucket, and kept on disk (like the transcript cache) under the media's audio hash.

The file format is the response body: ``RATE`` buckets a second, each two signed bytes
(max, min) scaled to +-127, on the media's timeline (silence first when the audio starts after
the video, as :func:`captioner.media.audio.extract_audio` does).  Decoding streams ffmpeg's output a
chunk at a time, so an hour of audio needs a few MB, not the 230 MB of its samples.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from captioner.errors import CaptionerError
from captioner.media.audio import SAMPLE_RATE, audio_lead
from captioner.media.pcm import decoding
from captioner.media.probe import probe, select_audio_stream
from captioner.output.atomic import atomic_writer
from captioner.paths import cache_dir

RATE = 100  # buckets a second (10 ms: finer than a frame)
DECODE_RATE = 8000  # samples a second decoded for the peaks
PER_BUCKET = DECODE_RATE // RATE
VERSION = 1
_CHUNK_BUCKETS = 6000  # a minute of buckets per read


def peaks_path(audio_hash: str, audio_stream: int = 0) -> Path:
    stream = f"-a{audio_stream}" if audio_stream else ""  # the first stream's name as it always was
    return cache_dir() / "peaks" / f"v{VERSION}-{audio_hash}{stream}.bin"


def compute_peaks(media: Path, audio_stream: int = 0) -> bytes:
    """The peaks of ``media``'s audio stream ``audio_stream`` (see the module docstring)."""
    info = probe(media)
    stream = select_audio_stream(info, audio_stream)
    lead = round(audio_lead(info.streams, stream) / SAMPLE_RATE * RATE)
    out = [np.zeros(2 * lead, dtype=np.int8)]
    carry = np.zeros(0, dtype=np.int16)
    with decoding(media, DECODE_RATE, 1, stream=audio_stream) as run:
        while True:
            data = run.stdout.read(_CHUNK_BUCKETS * PER_BUCKET * 2)
            if not data:
                break
            samples = np.concatenate([carry, np.frombuffer(data[: len(data) - len(data) % 2], dtype="<i2")])
            whole = len(samples) - len(samples) % PER_BUCKET
            out.append(_reduce(samples[:whole]))
            carry = samples[whole:]
        if len(carry):
            out.append(_reduce(np.pad(carry, (0, PER_BUCKET - len(carry)))))
    return np.concatenate(out).tobytes()


def _reduce(samples: np.ndarray) -> np.ndarray:
    buckets = samples.reshape(-1, PER_BUCKET).astype(np.int32)
    pairs = np.stack([buckets.max(axis=1), buckets.min(axis=1)], axis=1)
    return np.clip(np.round(pairs * 127 / 32768), -127, 127).astype(np.int8).ravel()


def cached_peaks(media: Path, audio_hash: str, audio_stream: int = 0) -> bytes:
    """The peaks of ``media``'s audio stream ``audio_stream`` from the cache, computed and stored
    the first time."""
    path = peaks_path(audio_hash, audio_stream)
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = compute_peaks(media, audio_stream)
    try:
        with atomic_writer(path, binary=True) as handle:
            handle.write(data)
    except CaptionerError:  # an unwritable cache costs the next computation, not this answer
        pass
    return data
