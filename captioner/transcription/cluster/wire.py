"""What goes to a worker and back: a piece of audio, packed small, and how to decode it.

captioner's samples are 16-bit PCM scaled by 1/32768 (see :func:`captioner.media.audio.extract_audio`),
so 16-bit FLAC carries them exactly: measured on the developer corpus' speech, 52-69 MB per audio
hour against 115 MB as plain 16-bit and 230 MB as float32 (``benchmarks/cluster.py`` prints the
figures).  Samples that are not 16-bit values (a library caller's own float audio) go as float32,
unchanged: a worker always decodes exactly the samples a one-machine run would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from captioner.errors import BackendError
from captioner.media.audio import SAMPLE_RATE
from captioner.media.ffmpeg import ffmpeg_command, last_ffmpeg_line
from captioner.media.ffmpeg import run as run_ffmpeg
from captioner.media.pieces import Chunk
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.local.piecewise import PieceStart

_SCALE = 32768.0
_PCM = ("-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1")


@dataclass(frozen=True)
class PackedAudio:
    codec: str  # "flac" (16-bit samples, lossless) or "f32" (raw float32)
    data: bytes
    samples: int


@dataclass(frozen=True)
class PieceJob:
    """One piece of one file, as a worker gets it."""

    plugin: str  # the worker plugin that holds the model (see captioner.transcription.cluster.worker)
    index: int
    chunk: Chunk  # the piece, in samples of the file
    first: int  # the file sample ``audio`` begins at (the piece and a margin either side)
    total: int  # the file's length in samples
    audio: PackedAudio
    options: TranscribeOptions
    start: PieceStart


def pack(samples: np.ndarray) -> PackedAudio:
    """``samples`` made small for the wire, exactly recoverable by :func:`unpack`."""
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    scaled = samples * np.float32(_SCALE)
    pcm = scaled.astype(np.int16)
    if len(samples) == 0 or not np.array_equal(pcm, scaled):
        return PackedAudio("f32", samples.tobytes(), len(samples))
    cmd = ffmpeg_command(*_PCM, "-i", "pipe:0", "-c:a", "flac", "-f", "flac", "pipe:1")
    proc = run_ffmpeg(cmd, input=pcm.tobytes(), capture_output=True, check=False)
    if proc.returncode != 0:
        raise BackendError(f"ffmpeg could not pack the audio for the cluster: {last_ffmpeg_line(proc.stderr)}")
    return PackedAudio("flac", proc.stdout, len(samples))


def unpack(packed: PackedAudio) -> np.ndarray:
    """The float32 samples :func:`pack` was given."""
    if packed.codec == "f32":
        return np.frombuffer(packed.data, dtype=np.float32).copy()
    cmd = ffmpeg_command("-f", "flac", "-i", "pipe:0", *_PCM, "pipe:1")
    proc = run_ffmpeg(cmd, input=packed.data, capture_output=True, check=False)
    pcm = np.frombuffer(proc.stdout, dtype="<i2")
    if proc.returncode != 0 or len(pcm) != packed.samples:
        cause = last_ffmpeg_line(proc.stderr) if proc.returncode else f"{len(pcm)} samples of {packed.samples}"
        raise BackendError(f"the worker could not unpack the audio it was sent: {cause}")
    return pcm.astype(np.float32) * np.float32(1 / _SCALE)
