"""Shot changes for the waveform (:func:`captioner.media.scenes.compute_shots`), found once per video
and kept on disk (like the peaks) under the media file's hash."""

from __future__ import annotations

import json
from pathlib import Path

from captioner.errors import CaptionerError
from captioner.media.scenes import compute_shots
from captioner.output.atomic import atomic_write_text
from captioner.paths import cache_dir

VERSION = 1


def shots_path(file_hash: str) -> Path:
    return cache_dir() / "shots" / f"v{VERSION}-{file_hash}.json"


def cached_shots(media: Path, file_hash: str) -> list[float]:
    """:func:`compute_shots` of ``media``, from the cache after the first time."""
    path = shots_path(file_hash)
    try:
        data = json.loads(path.read_text("utf-8"))
        if isinstance(data, list) and all(isinstance(t, (int, float)) for t in data):
            return [float(t) for t in data]
    except (OSError, ValueError):
        pass
    shots = compute_shots(media)
    try:
        atomic_write_text(path, json.dumps(shots))
    except CaptionerError:  # an unwritable cache costs the next computation, not this answer
        pass
    return shots
