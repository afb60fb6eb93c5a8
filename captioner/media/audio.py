"""Audio extraction: a media file's audio as 16 kHz mono float32 samples, decoded by ffmpeg."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Sequence
from typing import BinaryIO

import ffmpeg
import numpy as np

from captioner.errors import MediaError
from captioner.media.ffmpeg import PREAMBLE, ffmpeg_exe, last_ffmpeg_line, popen
from captioner.media.probe import MediaInfo, StreamInfo, select_audio_stream
from captioner.media.relay import media_input
from captioner.media.urls import MediaURL, UrlLimits

SAMPLE_RATE = 16000
# A decode that yields less than this share of the container's duration is a truncated file.
_TRUNCATION_RATIO = 0.9


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


def channel_mix(channels: Sequence[int]) -> str:
    """ffmpeg's ``pan`` filter taking the mean of ``channels`` (0-based) as the one output channel."""
    if not channels or min(channels) < 0:
        raise ValueError(f"no channels to mix: {channels!r}")
    gain = "" if len(channels) == 1 else f"{1 / len(channels):.6g}*"
    return "pan=mono|c0=" + "+".join(f"{gain}c{c}" for c in channels)


def extract_audio(info: MediaInfo, audio_stream: int = 0, channels: Sequence[int] | None = None) -> np.ndarray:
    """Decode one audio stream to float32 mono samples at 16 kHz, from the start of the file's
    timeline (silence first when the audio starts after the video, see :func:`audio_lead`).

    ``channels`` (0-based): only those channels, mixed (see :func:`channel_mix`); None: all of
    them, downmixed as ffmpeg does (what Whisper's own loaders give the model).

    Raises :class:`MediaError` when ffmpeg fails or decodes clearly less than the container
    announces (a truncated file); for a URL also when its relay failed (a bound, a timeout) or
    the audio goes on past ``--url-max-duration``.
    """
    stream = select_audio_stream(info, audio_stream)
    expected = stream.duration or info.duration
    lead = audio_lead(info.streams, stream)
    mix = {} if channels is None else {"af": channel_mix(channels)}
    limits = info.limits or UrlLimits()
    most = int(limits.max_seconds * SAMPLE_RATE) if isinstance(info.path, MediaURL) else None
    with media_input(info.path, limits) as source:
        cmd = (
            ffmpeg.input(source.arg, **source.options)
            .output("pipe:", format="s16le", acodec="pcm_s16le", ac=1, ar=SAMPLE_RATE, map=f"0:a:{audio_stream}", **mix)
            .global_args(*PREAMBLE, "-v", "error")
            .compile(cmd=ffmpeg_exe())
        )
        size_hint = lead + int((expected or 60.0) * SAMPLE_RATE * 1.02) + 16384
        samples, err, code = _decode(cmd, source.environment, size_hint, lead, most)
        source.check()
    if samples is None:
        raise MediaError(f"the audio goes on past {limits.max_seconds / 60:g} min (--url-max-duration)", str(info.path))
    if code != 0:
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


def _decode(
    cmd: list[str], environment: dict[str, str] | None, size_hint: int, lead: int, most: int | None
) -> tuple[np.ndarray | None, bytes, int]:
    """Run the decoding ffmpeg: its samples (None when there were more than ``most``), its log and
    its exit status (ffmpeg is killed at ``most``)."""
    proc = popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment)
    errors: list[bytes] = []
    drain = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)  # type: ignore[union-attr]
    drain.start()
    try:
        samples = _read_samples(proc.stdout, size_hint, lead, most)  # type: ignore[arg-type]
        if samples is None:
            proc.kill()
        proc.wait()
        drain.join()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return samples, b"".join(errors), proc.returncode


READ_CHUNK = 1 << 20  # bytes of 16-bit samples read from ffmpeg at a time


def _read_samples(stream: BinaryIO, size_hint: int, lead: int = 0, most: int | None = None) -> np.ndarray | None:
    """``lead`` zeros, then all the 16-bit samples of ``stream`` as float32 in [-1, 1), converted a
    chunk at a time into one array grown as needed (an hour of samples is 230 MB; no second copy);
    None as soon as there are more than ``most`` samples after the lead.

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
        if most is not None and filled - lead > most:
            view.release()
            return None
    view.release()
    return out[:filled]  # a view: the few percent over-allocated are not worth a copy
