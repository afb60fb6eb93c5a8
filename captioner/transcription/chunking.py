"""Long audio as pieces a hosted service accepts, encoded small.

A hosted Whisper takes at most ~25 MB per request.  16 kHz mono FLAC needs at most the raw
16-bit size (32 kB/s, ~13 min in 25 MB), 64 kbit/s MP3 8 kB/s (~50 min).
:func:`max_chunk_seconds` says how long a piece may be (the pieces are cut at quiet spots by
:func:`captioner.media.pieces.cut_into_pieces`); :func:`encode` writes one piece with ffmpeg.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from captioner.errors import BackendError
from captioner.media.audio import SAMPLE_RATE

# Upper bound of encoded bytes per audio second (container overhead included).
from captioner.media.ffmpeg import ffmpeg_command, last_ffmpeg_line
from captioner.media.ffmpeg import run as run_ffmpeg
from captioner.transcription.aixplain import KEY_ENV_VARS

# Upper bound of encoded bytes per audio second (container overhead included).
BYTES_PER_SECOND = {"flac": 32_000 * 1.05, "mp3": 8_000 * 1.05}
EXTENSIONS = {"flac": ".flac", "mp3": ".mp3"}


def max_chunk_seconds(audio_format: str, max_bytes: int) -> float:
    """The longest piece that stays under ``max_bytes`` once encoded as ``audio_format``."""
    return max_bytes / BYTES_PER_SECOND[audio_format]


def encode(samples: np.ndarray, path: Path, audio_format: str = "flac") -> Path:
    """Write float32 16 kHz mono ``samples`` as 16-bit FLAC or 64 kbit/s MP3 at ``path``."""
    codec = ["-c:a", "flac", "-sample_fmt", "s16"] if audio_format == "flac" else ["-c:a", "libmp3lame", "-b:a", "64k"]
    cmd = [
        *ffmpeg_command(), "-y",
        "-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0",
        *codec, "-ar", str(SAMPLE_RATE), "-ac", "1", str(path),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in KEY_ENV_VARS}
    proc = run_ffmpeg(
        cmd, input=np.ascontiguousarray(samples, dtype=np.float32).tobytes(), capture_output=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise BackendError(f"ffmpeg could not encode the audio for upload: {last_ffmpeg_line(proc.stderr)}")
    return path
