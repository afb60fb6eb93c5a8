"""Audio extraction: a media file's audio as 16 kHz mono float32 samples, decoded by ffmpeg."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from captioner.errors import MediaError
from captioner.media.ffmpeg import last_ffmpeg_line
from captioner.media.pcm import Beside, decoding, read_samples
from captioner.media.probe import MediaInfo, StreamInfo, select_audio_stream
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


def extract_audio(
    info: MediaInfo, audio_stream: int = 0, channels: Sequence[int] | None = None, beside: Beside | None = None
) -> np.ndarray:
    """Decode one audio stream to float32 mono samples at 16 kHz, from the start of the file's
    timeline (silence first when the audio starts after the video, see :func:`audio_lead`).

    ``channels`` (0-based): only those channels, mixed (see :func:`channel_mix`); None: all of
    them, downmixed as ffmpeg does (what Whisper's own loaders give the model).  ``beside``: a
    second output of the same decode (see :class:`captioner.media.pcm.Beside`).

    Raises :class:`MediaError` when ffmpeg fails or decodes clearly less than the container
    announces (a truncated file); for a URL also when its relay failed (a bound, a timeout) or
    the audio goes on past ``--url-max-duration``.
    """
    stream = select_audio_stream(info, audio_stream)
    expected = stream.duration or info.duration
    lead = audio_lead(info.streams, stream)
    mix = None if channels is None else channel_mix(channels)
    limits = info.limits or UrlLimits()
    most = int(limits.max_seconds * SAMPLE_RATE) if isinstance(info.path, MediaURL) else None
    size_hint = lead + int((expected or 60.0) * SAMPLE_RATE * 1.02) + 16384
    with decoding(
        info.path, SAMPLE_RATE, 1, stream=audio_stream, mix=mix, limits=limits, check=False, beside=beside
    ) as run:
        samples = read_samples(run.stdout, size_hint, lead, most)
        if samples is None:
            run.stop()
    err, code = run.log, run.returncode
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
