"""The media stage: probe a file's streams (PyAV), extract 16 kHz mono audio (ffmpeg).

Probing uses PyAV (bundled with faster-whisper) because the pip-installed ffmpeg has no ffprobe.
Extraction runs the ffmpeg binary (:mod:`captioner.media.pcm`, the one decoder) and reads raw 16-bit
samples from its stdout, so no temporary audio file is written.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath

import av

from captioner.errors import MediaError
from captioner.media.ffmpeg import redact
from captioner.media.relay import Input, media_input
from captioner.media.urls import Media, MediaURL, UrlLimits

# What a folder is searched for (a file named on the command line is tried whatever its name).
AUDIO_EXTENSIONS = frozenset(
    {".m4a", ".m4b", ".mp3", ".mp2", ".flac", ".ogg", ".oga", ".opus", ".spx", ".weba", ".wav", ".aac", ".ac3",
     ".eac3", ".wma", ".aiff", ".aif", ".aifc", ".caf", ".mka", ".wv", ".ape", ".amr", ".au"}
)  # fmt: skip
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".mkv", ".mov", ".webm", ".m4v", ".avi", ".mpg", ".mpeg", ".ts", ".mts", ".m2ts", ".wmv", ".asf",
     ".3gp", ".3g2", ".flv", ".f4v", ".ogv", ".vob", ".mxf", ".dv"}
)  # fmt: skip
MEDIA_EXTENSIONS = AUDIO_EXTENSIONS | VIDEO_EXTENSIONS


@dataclass(frozen=True)
class StreamInfo:
    index: int  # index among all streams of the container
    kind: str  # "audio", "video", "subtitle", "data", ...
    codec: str | None
    language: str | None = None
    title: str | None = None
    channels: int | None = None
    sample_rate: int | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    start: float | None = None  # seconds, on the container's clock
    attached_pic: bool = False  # cover art: a still picture, not a video track


@dataclass(frozen=True)
class MediaInfo:
    path: Media  # a local file or a URL
    format_name: str
    duration: float | None
    streams: tuple[StreamInfo, ...] = field(default_factory=tuple)
    limits: UrlLimits | None = None  # how a URL is read (None: the defaults)

    @property
    def audio_streams(self) -> list[StreamInfo]:
        return [s for s in self.streams if s.kind == "audio"]

    @property
    def video_streams(self) -> list[StreamInfo]:
        """Video streams that are real pictures (cover art attached to audio files excluded)."""
        return [s for s in self.streams if s.kind == "video" and not s.attached_pic]

    @property
    def subtitle_streams(self) -> list[StreamInfo]:
        return [s for s in self.streams if s.kind == "subtitle"]


def is_media_file(path: PurePath) -> bool:
    return path.suffix.lower() in MEDIA_EXTENSIONS


def check_file(path: Path) -> None:
    """Raise :class:`MediaError` unless ``path`` is a regular, non-empty file (a named pipe or a
    device would block ffmpeg forever)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise MediaError("no such file", str(path)) from None
    except OSError as exc:
        raise MediaError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    if stat.S_ISDIR(info.st_mode):
        raise MediaError("is a directory", str(path))
    if not stat.S_ISREG(info.st_mode):
        raise MediaError("not a regular file (a pipe, socket or device)", str(path))
    if info.st_size == 0:
        raise MediaError("empty file (0 bytes)", str(path))


def open_input(source: Input, limits: UrlLimits | None = None) -> av.container.InputContainer:
    """``source`` opened by PyAV: a file, or a URL through its relay (see :func:`media_input`)."""
    if source.relay is None:
        return av.open(source.arg, mode="r", metadata_errors="ignore")
    limits = limits or UrlLimits()
    options = {**source.options, **source.relay.direct_options()}
    return av.open(
        source.relay.direct, mode="r", metadata_errors="ignore", options=options, timeout=2 * limits.timeout + 10
    )


def probe(path: Media, limits: UrlLimits | None = None) -> MediaInfo:
    """Read the container's streams and duration, or raise :class:`MediaError` naming the cause.
    A URL is read only as far as its header (ffmpeg seeks with Range requests)."""
    if not isinstance(path, MediaURL):
        path = Path(path)
        check_file(path)
    with media_input(path, limits) as source:
        try:
            with open_input(source, limits) as container:
                streams = tuple(stream_info(s) for s in container.streams)
                duration = container.duration / av.time_base if container.duration else None
                format_name = container.format.name
        except PermissionError:
            raise MediaError("permission denied", str(path)) from None
        except av.error.InvalidDataError:
            source.check()
            raise MediaError("not a readable media file (invalid or truncated data)", str(path)) from None
        except (av.error.FFmpegError, OSError) as exc:
            source.check()
            raise MediaError(f"cannot read media: {_av_message(exc)}", str(path)) from None
        source.check()
    if duration is None:
        durations = [s.duration for s in streams if s.duration]
        duration = max(durations) if durations else None
    return MediaInfo(path=path, format_name=format_name, duration=duration, streams=streams, limits=limits)


def _title(meta: dict[str, str]) -> str | None:
    """A stream's title; MP4 keeps a track's name as its handler name ("SoundHandler" when none)."""
    handler = meta.get("handler_name", "")
    return meta.get("title") or (handler if handler and not handler.endswith("Handler") else None)


def stream_info(stream: av.stream.Stream) -> StreamInfo:
    meta = stream.metadata or {}
    codec = stream.codec_context.name if stream.codec_context is not None else None
    duration = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else None
    start = float(stream.start_time * stream.time_base) if stream.start_time is not None and stream.time_base else None
    info = StreamInfo(
        index=stream.index,
        kind=stream.type,
        codec=codec,
        language=meta.get("language"),
        title=_title(meta),
        duration=duration,
        start=start,
        attached_pic=bool(stream.disposition & av.stream.Disposition.attached_pic),
    )
    if isinstance(stream, av.AudioStream):
        audio = stream.codec_context
        return replace(info, channels=audio.channels, sample_rate=audio.sample_rate)
    if isinstance(stream, av.VideoStream):
        video = stream.codec_context
        return replace(info, width=video.width, height=video.height)
    return info


def _av_message(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return redact(text.strip().rstrip("."))


def select_audio_stream(info: MediaInfo, audio_stream: int = 0) -> StreamInfo:
    """The ``audio_stream``-th audio stream (0-based), or a :class:`MediaError`."""
    audio = info.audio_streams
    if not audio:
        kinds = ", ".join(sorted({s.kind for s in info.streams})) or "none"
        raise MediaError(f"no audio stream (streams: {kinds})", str(info.path))
    if not 0 <= audio_stream < len(audio):
        raise MediaError(
            f"audio stream {audio_stream} does not exist (the file has {len(audio)}: 0..{len(audio) - 1})",
            str(info.path),
        )
    return audio[audio_stream]
