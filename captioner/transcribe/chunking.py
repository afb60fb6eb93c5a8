"""Cut long audio into pieces a hosted service accepts, at silences, and encode them small.

A hosted Whisper takes at most ~25 MB per request.  16 kHz mono FLAC needs at most the raw
16-bit size (32 kB/s, ~13 min in 25 MB), 64 kbit/s MP3 8 kB/s (~50 min).  :func:`plan_chunks`
picks cut points in the quietest stretch near each size boundary, so no word is cut in half;
:func:`encode` writes one piece with the ffmpeg binary.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from captioner.errors import BackendError
from captioner.media.ffmpeg import run as run_ffmpeg
from captioner.media.probe import SAMPLE_RATE, ffmpeg_exe, last_ffmpeg_line

# Upper bound of encoded bytes per audio second (container overhead included).
BYTES_PER_SECOND = {"flac": 32_000 * 1.05, "mp3": 8_000 * 1.05}
EXTENSIONS = {"flac": ".flac", "mp3": ".mp3"}
_FRAME = SAMPLE_RATE // 50  # 20 ms energy frames
_SMOOTH_FRAMES = 10  # 200 ms: a pause between words, not the gap inside one


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int  # first sample
    end: int  # one past the last sample

    @property
    def offset(self) -> float:
        return self.start / SAMPLE_RATE

    @property
    def duration(self) -> float:
        return (self.end - self.start) / SAMPLE_RATE


def max_chunk_seconds(audio_format: str, max_bytes: int) -> float:
    """The longest piece that stays under ``max_bytes`` once encoded as ``audio_format``."""
    return max_bytes / BYTES_PER_SECOND[audio_format]


def plan_chunks(audio: np.ndarray, max_seconds: float, search_seconds: float | None = None) -> list[Chunk]:
    """Split ``audio`` into pieces of at most ``max_seconds``, each cut in the quietest spot of the
    last ``search_seconds`` (default: a quarter of ``max_seconds``, at most 60 s) before the limit."""
    total = len(audio)
    limit = max(int(max_seconds * SAMPLE_RATE), _FRAME * 2)
    if total <= limit:
        return [Chunk(0, 0, total)]
    window = int((search_seconds if search_seconds is not None else min(max_seconds / 4, 60.0)) * SAMPLE_RATE)
    window = max(min(window, limit - _FRAME), _FRAME)
    chunks: list[Chunk] = []
    start = 0
    while total - start > limit:
        lo, hi = start + limit - window, start + limit
        cut = _quietest(audio, lo, hi)
        chunks.append(Chunk(len(chunks), start, cut))
        start = cut
    chunks.append(Chunk(len(chunks), start, total))
    return chunks


VAD_PIECE_SECONDS = 60.0


def speech_regions(
    audio: np.ndarray,
    piece_seconds: float = VAD_PIECE_SECONDS,
    detect: Callable[[np.ndarray], list[tuple[float, float]]] | None = None,
) -> list[tuple[float, float]]:
    """The VAD's regions in ``audio`` (``detect``: :func:`captioner.refine.speech.detect_speech` by
    default), found in pieces of at most ``piece_seconds`` cut at the quietest spots: the Silero
    model runs a whole input (up to 5 min) as one batch, 240 MB."""
    if detect is None:
        from captioner.refine.speech import detect_speech as detect

    regions: list[tuple[float, float]] = []
    for chunk in plan_chunks(audio, piece_seconds):
        regions.extend((a + chunk.offset, b + chunk.offset) for a, b in detect(audio[chunk.start : chunk.end]))
    return regions


@dataclass(frozen=True)
class VoiceActivity:
    """The VAD's view of some audio: speech regions, utterance edges and the per-frame speech
    probabilities they came from (seconds from the audio's start)."""

    speech: list[tuple[float, float]]
    utterances: list[tuple[float, float]]
    probabilities: list[tuple[float, np.ndarray]]  # (offset s, Silero's probability every 32 ms)

    def peak(self, start: float, end: float) -> float:
        """The highest speech probability of a frame that overlaps [start, end) seconds."""
        from captioner.refine.speech import VAD_FRAME

        frame = VAD_FRAME / SAMPLE_RATE
        best = 0.0
        for offset, probabilities in self.probabilities:
            first = max(0, int((start - offset) / frame))
            last = min(len(probabilities), int(np.ceil((end - offset) / frame)))
            if last > first:
                best = max(best, float(probabilities[first:last].max()))
        return best


def voice_activity(audio: np.ndarray, piece_seconds: float = VAD_PIECE_SECONDS) -> VoiceActivity:
    """:func:`speech_regions` with the default detector and with
    :func:`captioner.refine.speech.detect_utterances`, from one pass of the VAD model, and the
    probabilities of that pass."""
    from captioner.refine.speech import SPEECH, UTTERANCES, regions_from_probabilities, speech_probabilities

    speech: list[tuple[float, float]] = []
    utterances: list[tuple[float, float]] = []
    probabilities: list[tuple[float, np.ndarray]] = []
    for chunk in plan_chunks(audio, piece_seconds):
        piece = audio[chunk.start : chunk.end]
        found = speech_probabilities(piece)
        for settings, regions in ((SPEECH, speech), (UTTERANCES, utterances)):
            regions.extend(
                (a + chunk.offset, b + chunk.offset) for a, b in regions_from_probabilities(found, len(piece), settings)
            )
        probabilities.append((chunk.offset, found))
    return VoiceActivity(speech, utterances, probabilities)


def speech_and_utterance_regions(
    audio: np.ndarray, piece_seconds: float = VAD_PIECE_SECONDS
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """:func:`speech_regions` with the default detector and with
    :func:`captioner.refine.speech.detect_utterances`, from one pass of the VAD model."""
    activity = voice_activity(audio, piece_seconds)
    return activity.speech, activity.utterances


def _quietest(audio: np.ndarray, lo: int, hi: int) -> int:
    """The sample in [lo, hi) at the centre of the quietest 200 ms stretch."""
    frames = (hi - lo) // _FRAME
    if frames < 1:
        return hi
    piece = audio[lo : lo + frames * _FRAME].astype(np.float64).reshape(frames, _FRAME)
    energy = np.sqrt(np.mean(piece**2, axis=1))
    if frames >= _SMOOTH_FRAMES:
        energy = np.convolve(energy, np.ones(_SMOOTH_FRAMES) / _SMOOTH_FRAMES, mode="same")
    # Among (near-)equally quiet frames prefer the latest, so pieces stay long.
    quiet = np.flatnonzero(energy <= energy.min() * 1.05 + 1e-6)
    best = int(quiet[-1])
    return lo + best * _FRAME + _FRAME // 2


def encode(samples: np.ndarray, path: Path, audio_format: str = "flac") -> Path:
    """Write float32 16 kHz mono ``samples`` as 16-bit FLAC or 64 kbit/s MP3 at ``path``."""
    codec = ["-c:a", "flac", "-sample_fmt", "s16"] if audio_format == "flac" else ["-c:a", "libmp3lame", "-b:a", "64k"]
    cmd = [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", "-y",
        "-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "pipe:0",
        *codec, "-ar", str(SAMPLE_RATE), "-ac", "1", str(path),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("AIXPLAIN_API_KEY", "TEAM_API_KEY")}
    proc = run_ffmpeg(
        cmd, input=np.ascontiguousarray(samples, dtype=np.float32).tobytes(), capture_output=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise BackendError(f"ffmpeg could not encode the audio for upload: {last_ffmpeg_line(proc.stderr)}")
    return path
