"""The media stage: probe a file's streams (PyAV), extract 16 kHz mono audio (ffmpeg).

Probing uses PyAV (bundled with faster-whisper) because the pip-installed ffmpeg has no ffprobe.
Extraction runs the ffmpeg binary, its command built with ffmpeg-python, and reads raw 16-bit
samples from its stdout, so no temporary audio file is written.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import av
import ffmpeg
import numpy as np

from captioner.errors import MediaError
from captioner.media.ffmpeg import ffmpeg_exe, popen

SAMPLE_RATE = 16000

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

# A decode that yields less than this share of the container's duration is a truncated file.
_TRUNCATION_RATIO = 0.9


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
    path: Path
    format_name: str
    duration: float | None
    streams: tuple[StreamInfo, ...] = field(default_factory=tuple)

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


def ffmpeg_path(path: Path | str) -> str:
    """``path`` as ffmpeg and PyAV must get it: absolute, so that no relative name is read as a URL
    (``10:30 standup.mp4`` as the protocol ``10:``, ``-`` as stdin)."""
    return os.fspath(Path(path).absolute())


def is_media_file(path: Path) -> bool:
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


def probe(path: Path) -> MediaInfo:
    """Read the container's streams and duration, or raise :class:`MediaError` naming the cause."""
    path = Path(path)
    check_file(path)
    try:
        with av.open(ffmpeg_path(path), mode="r", metadata_errors="ignore") as container:
            streams = tuple(stream_info(s) for s in container.streams)
            duration = container.duration / av.time_base if container.duration else None
            format_name = container.format.name
    except PermissionError:
        raise MediaError("permission denied", str(path)) from None
    except av.error.InvalidDataError:
        raise MediaError("not a readable media file (invalid or truncated data)", str(path)) from None
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"cannot read media: {_av_message(exc)}", str(path)) from None
    if duration is None:
        durations = [s.duration for s in streams if s.duration]
        duration = max(durations) if durations else None
    return MediaInfo(path=path, format_name=format_name, duration=duration, streams=streams)


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
    if stream.type == "audio":
        ctx = stream.codec_context
        return _replace(info, channels=ctx.channels, sample_rate=ctx.sample_rate)
    if stream.type == "video":
        ctx = stream.codec_context
        return _replace(info, width=ctx.width, height=ctx.height)
    return info


def _replace(info: StreamInfo, **changes: object) -> StreamInfo:
    from dataclasses import replace

    return replace(info, **changes)


def _av_message(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.strip().rstrip(".")


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


def audio_lead(streams: Sequence[StreamInfo], audio: StreamInfo) -> int:
    """Samples of silence (at 16 kHz) the ``audio`` stream needs in front to start where it plays:
    how long after the file's earliest audio or video track it starts (cover art aside), so that
    caption times are on the video's clock when the sound starts late."""
    starts = [
        s.start
        for s in streams
        if s.start is not None and (s.kind == "audio" or (s.kind == "video" and not s.attached_pic))
    ]
    if audio.start is None or not starts:
        return 0
    return max(0, round((audio.start - min(starts)) * SAMPLE_RATE))


def extract_audio(info: MediaInfo, audio_stream: int = 0) -> np.ndarray:
    """Decode one audio stream to float32 mono samples at 16 kHz, from the start of the file's
    timeline (silence first when the audio starts after the video, see :func:`audio_lead`).

    Raises :class:`MediaError` when ffmpeg fails or decodes clearly less than the container
    announces (a truncated file).
    """
    stream = select_audio_stream(info, audio_stream)
    expected = stream.duration or info.duration
    lead = audio_lead(info.streams, stream)
    cmd = (
        ffmpeg.input(ffmpeg_path(info.path))
        .output("pipe:", format="s16le", acodec="pcm_s16le", ac=1, ar=SAMPLE_RATE, map=f"0:a:{audio_stream}")
        .global_args("-nostdin", "-hide_banner", "-v", "error")
        .compile(cmd=ffmpeg_exe())
    )
    proc = popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    errors: list[bytes] = []
    drain = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    drain.start()
    try:
        size_hint = lead + int((expected or 60.0) * SAMPLE_RATE * 1.02) + 16384
        samples = _read_samples(proc.stdout, size_hint, lead)  # type: ignore[arg-type]
        proc.wait()
        drain.join()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    err = b"".join(errors)
    if proc.returncode != 0:
        raise MediaError(f"ffmpeg could not decode the audio: {last_ffmpeg_line(err)}", str(info.path))
    decoded = (len(samples) - lead) / SAMPLE_RATE
    detail = last_ffmpeg_line(err)
    # Without the stream's own duration (Matroska keeps none in its header) the file's may be the
    # video's, longer than the audio: then only a decode ffmpeg complained about is a truncation.
    measured = stream.duration is not None or len(info.streams) == 1 or detail != "unknown error"
    if expected and expected > 1.0 and decoded < expected * _TRUNCATION_RATIO and measured:
        raise MediaError(
            f"truncated or damaged: decoded {decoded:.1f} s of {expected:.1f} s"
            + (f" ({detail})" if detail != "unknown error" else ""),
            str(info.path),
        )
    if decoded == 0:
        raise MediaError("the audio stream holds no samples", str(info.path))
    return samples


READ_CHUNK = 1 << 20  # bytes of 16-bit samples read from ffmpeg at a time


def _read_samples(stream: BinaryIO, size_hint: int, lead: int = 0) -> np.ndarray:
    """``lead`` zeros, then all the 16-bit samples of ``stream`` as float32 in [-1, 1), converted a
    chunk at a time into one array grown as needed (an hour of samples is 230 MB; no second copy).

    16-bit samples scaled by 1/32768 are what openai-whisper's and faster-whisper's own loaders
    give the model: decoded this way captioner sees exactly the samples they do (float output
    from ffmpeg differs in the last bit, and clips stereo downmixes differently).
    """
    out = np.empty(max(size_hint, lead), dtype=np.float32)
    out[:lead] = 0.0
    filled = lead
    chunk = bytearray(READ_CHUNK)
    view = memoryview(chunk)
    pending = b""
    while True:
        count = stream.readinto(view)  # type: ignore[attr-defined]
        if not count:
            break
        data = pending + bytes(view[:count]) if pending else view[:count]
        usable = len(data) - len(data) % 2
        pending = bytes(data[usable:])
        values = np.frombuffer(data[:usable], dtype="<i2")
        if filled + len(values) > len(out):
            out = np.resize(out, max(filled + len(values), len(out) + len(out) // 2))
        np.multiply(values, np.float32(1 / 32768), out=out[filled : filled + len(values)], casting="unsafe")
        filled += len(values)
    view.release()
    return out[:filled]  # a view: the few percent over-allocated are not worth a copy


def last_ffmpeg_line(stderr: bytes | str) -> str:
    """The last meaningful line of ffmpeg's log (its summary of what went wrong)."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    meaningful = [ln for ln in lines if not ln.startswith(("Press [q]", "frame=", "size="))]
    if not meaningful:
        return "unknown error"
    line = re.sub(r"^(\[[^\]]*\]\s*)+", "", meaningful[-1]) or meaningful[-1]
    return line if len(line) <= 300 else line[:297] + "..."
