"""What the page needs to know of a media file beyond its captions: duration, video or audio, frame."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from captioner.errors import CaptionerError
from captioner.media.ffmpeg import ffmpeg_path
from captioner.media.probe import probe

DEFAULT_FRAME = 0.04  # 25 fps, the frame the style guides count gaps in


@dataclass(frozen=True)
class MediaFacts:
    duration: float | None
    video: bool
    frame: float  # seconds per video frame (DEFAULT_FRAME for audio)


def media_facts(path: Path) -> MediaFacts:
    """Duration, whether there is a picture, and its frame duration; unreadable media give Nones."""
    try:
        info = probe(path)
    except CaptionerError:
        return MediaFacts(None, False, DEFAULT_FRAME)
    video = bool(info.video_streams)
    frame = DEFAULT_FRAME
    if video:
        try:
            with av.open(ffmpeg_path(path), metadata_errors="ignore") as container:
                rate = container.streams.video[0].average_rate
                if rate and 5 <= float(rate) <= 240:
                    frame = 1 / float(rate)
        except (av.error.FFmpegError, OSError, IndexError):
            pass
    return MediaFacts(info.duration, video, frame)
