"""Checks that a video written by ffmpeg kept every original stream whole (durations, stream count)."""

from __future__ import annotations

from pathlib import Path

import av

from captioner.core.timestamps import parse_timestamp
from captioner.errors import MediaError
from captioner.media.ffmpeg import ffmpeg_path
from captioner.media.probe import MediaInfo, StreamInfo, probe

# A copied stream may differ from the original's duration by this much (seconds).
DURATION_TOLERANCE = 0.1


def stream_durations(path: Path) -> list[float | None]:
    """Each stream's duration in seconds (Matroska keeps them in a DURATION tag), None if unknown."""
    out: list[float | None] = []
    with av.open(ffmpeg_path(path), metadata_errors="ignore") as container:
        for stream in container.streams:
            if stream.duration and stream.time_base:
                out.append(float(stream.duration * stream.time_base))
                continue
            tag = (stream.metadata or {}).get("DURATION") or (stream.metadata or {}).get("duration")
            out.append(parse_timestamp(tag) if tag else None)
    return out


def check_copy(original: MediaInfo, result_path: Path, extra_streams: int, dropped: set[int] | None = None) -> None:
    """The result has the original's streams but those ``dropped`` (indexes), same kinds and
    durations, plus ``extra_streams``."""
    result = probe(result_path)
    kept = [s for s in original.streams if s.index not in (dropped or set())]
    want = len(kept) + extra_streams
    if len(result.streams) != want:
        raise MediaError(f"the result has {len(result.streams)} streams, expected {want}")
    if [s.kind for s in result.streams[: len(kept)]] != [s.kind for s in kept]:
        raise MediaError("the result's streams are not the original's")
    _check_durations(original, kept, result_path)


def _check_durations(original: MediaInfo, kept: list[StreamInfo], result_path: Path) -> None:
    assert isinstance(original.path, Path)  # videos are local files
    before = stream_durations(original.path)
    after = stream_durations(result_path)
    for stream, b in zip(kept, after, strict=False):
        a = before[stream.index] if stream.index < len(before) else None
        if stream.kind in ("video", "audio") and a and b and abs(a - b) > max(DURATION_TOLERANCE, 0.01 * a):
            raise MediaError(f"stream {stream.index} lasts {b:.2f} s in the result, {a:.2f} s in the original")
    if original.duration:
        result = probe(result_path)
        if not result.duration or result.duration < original.duration - DURATION_TOLERANCE:
            got = f"{result.duration:.2f} s" if result.duration else "no duration"
            raise MediaError(f"the result is shorter than the original ({got} of {original.duration:.2f} s)")
