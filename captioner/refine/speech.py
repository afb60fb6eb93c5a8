"""Where people speak: voice activity detection, holes in a transcript, and word times.

``detect_speech`` runs the Silero VAD bundled with faster-whisper (onnxruntime, offline) over
16 kHz audio.  The rest is pure: ``find_holes`` lists the stretches where the VAD hears speech
but the transcript has no word, and ``retime`` corrects Whisper's systematically early word
times.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from captioner import interrupt
from captioner.core.transcript import Transcript, Word
from captioner.media.audio import SAMPLE_RATE
from captioner.media.pieces import cut_into_pieces

SpeechRegions = list[tuple[float, float]]


VAD_FRAME = 512  # samples per Silero probability (32 ms)


@dataclass(frozen=True)
class VadSettings:
    """How Silero's per-frame speech probabilities become regions (faster-whisper's VadOptions)."""

    threshold: float = 0.5
    min_silence: float = 0.3  # seconds below the threshold that end a region
    pad: float = 0.1  # seconds added either side of a region
    min_speech: float = 0.1  # shorter regions are dropped


SPEECH = VadSettings()
# Cut at every pause of 0.1 s or more, unpadded: where utterances start and end, to time the first
# and last words (the padded SPEECH regions, which bridge pauses under 0.3 s, are for finding
# speech, not its edges).
UTTERANCES = VadSettings(min_silence=0.1, pad=0.0, min_speech=0.05)
UTTERANCE_MIN_SILENCE = UTTERANCES.min_silence


def speech_probabilities(audio: np.ndarray) -> np.ndarray:
    """Silero's speech probability for every 512-sample frame of float32 16 kHz ``audio``, as
    faster-whisper's ``get_speech_timestamps`` computes them (the model run on the whole input)."""
    from faster_whisper.vad import get_vad_model

    if len(audio) == 0:
        return np.zeros(0, dtype=np.float32)
    padded = np.pad(audio, (0, VAD_FRAME - len(audio) % VAD_FRAME))
    model = get_vad_model()
    probabilities = interrupt.call(model, padded)  # onnxruntime: 2 s for 5 minutes
    return np.asarray(probabilities, dtype=np.float32).reshape(-1)


def regions_from_probabilities(
    probabilities: np.ndarray, samples: int, settings: VadSettings = SPEECH
) -> SpeechRegions:
    """Speech regions (start, end) in seconds from :func:`speech_probabilities` of ``samples``
    samples: faster-whisper's ``get_speech_timestamps`` rule (without a maximum region length),
    so that one model pass serves several settings."""
    # compared as float32, as faster-whisper's numpy comparisons do
    threshold = float(np.float32(settings.threshold))
    neg_threshold = float(np.float32(max(settings.threshold - 0.15, 0.01)))
    min_silence = SAMPLE_RATE * round(settings.min_silence * 1000) / 1000
    min_speech = SAMPLE_RATE * round(settings.min_speech * 1000) / 1000
    pad = SAMPLE_RATE * round(settings.pad * 1000) / 1000
    speeches: list[list[int]] = []
    triggered = False
    start = temp_end = 0
    for i, probability in enumerate(probabilities.tolist()):
        position = VAD_FRAME * i
        if probability >= threshold and temp_end:
            temp_end = 0
        if probability >= threshold and not triggered:
            triggered, start = True, position
            continue
        if probability < neg_threshold and triggered:
            if not temp_end:
                temp_end = position
            if position - temp_end < min_silence:
                continue
            if temp_end - start > min_speech:
                speeches.append([start, temp_end])
            triggered, temp_end = False, 0
    if triggered and samples - start > min_speech:
        speeches.append([start, samples])
    for i, speech in enumerate(speeches):
        if i == 0:
            speech[0] = int(max(0, speech[0] - pad))
        if i != len(speeches) - 1:
            silence = speeches[i + 1][0] - speech[1]
            if silence < 2 * pad:
                speech[1] += int(silence // 2)
                speeches[i + 1][0] = int(max(0, speeches[i + 1][0] - silence // 2))
            else:
                speech[1] = int(min(samples, speech[1] + pad))
                speeches[i + 1][0] = int(max(0, speeches[i + 1][0] - pad))
        else:
            speech[1] = int(min(samples, speech[1] + pad))
    return [(a / SAMPLE_RATE, b / SAMPLE_RATE) for a, b in speeches]


def detect_speech(
    audio: np.ndarray,
    *,
    threshold: float = 0.5,
    min_silence: float = 0.3,
    pad: float = 0.1,
    min_speech: float = 0.1,
) -> SpeechRegions:
    """Speech regions (start, end) in seconds of float32 16 kHz mono ``audio``."""
    settings = VadSettings(threshold=threshold, min_silence=min_silence, pad=pad, min_speech=min_speech)
    return regions_from_probabilities(speech_probabilities(audio), len(audio), settings)


def detect_speech_and_utterances(audio: np.ndarray) -> tuple[SpeechRegions, SpeechRegions]:
    """:func:`detect_speech` and :func:`detect_utterances` of ``audio`` from one model pass."""
    probabilities = speech_probabilities(audio)
    return (
        regions_from_probabilities(probabilities, len(audio), SPEECH),
        regions_from_probabilities(probabilities, len(audio), UTTERANCES),
    )


def find_holes(
    words: Sequence[Word], speech: Sequence[tuple[float, float]], *, min_length: float = 1.0, margin: float = 0.3
) -> SpeechRegions:
    """Stretches of at least ``min_length`` s of detected speech that no word covers.

    Words are widened by ``margin`` (Whisper's word edges are loose); the stretches returned are
    the uncovered parts of the speech regions.
    """
    covered = sorted((w.start - margin, w.end + margin) for w in words if w.word.strip())
    holes: SpeechRegions = []
    for s_start, s_end in speech:
        cursor = s_start
        for c_start, c_end in covered:
            if c_end <= cursor:
                continue
            if c_start >= s_end:
                break
            if c_start - cursor >= min_length:
                holes.append((cursor, c_start))
            cursor = max(cursor, c_end)
        if s_end - cursor >= min_length:
            holes.append((cursor, s_end))
    return holes


def detect_utterances(audio: np.ndarray) -> SpeechRegions:
    """Speech regions cut at every pause of 0.1 s or more, unpadded (see UTTERANCES)."""
    return regions_from_probabilities(speech_probabilities(audio), len(audio), UTTERANCES)


# Digital silence: every 20 ms frame below -70 dBFS RMS, which no voice reaches, not even whispered
# into a quiet microphone (room tone is -60 to -50 dBFS).  On it Whisper loops through every
# temperature (10 s of zeros take 25 s to decode into nothing), so it is not decoded at all.
SILENCE_RMS = 10 ** (-70 / 20)
SILENCE_MIN_SECONDS = 2.0
SILENCE_MARGIN = 0.2  # seconds of a silent stretch left at either end of the sound around it
_SILENCE_FRAME = SAMPLE_RATE // 50
_SILENCE_BLOCK = 50 * 60  # frames


def sounding_clips(audio: np.ndarray) -> SpeechRegions | None:
    """The stretches of ``audio`` that are not digital silence (see SILENCE_RMS), or None when it
    has no silent stretch of SILENCE_MIN_SECONDS: then the whole audio is to be decoded."""
    frames = len(audio) // _SILENCE_FRAME
    if frames == 0:
        return None
    silent = np.empty(frames, dtype=bool)
    for first in range(0, frames, _SILENCE_BLOCK):  # a minute at a time: no copy of the whole audio
        last = min(frames, first + _SILENCE_BLOCK)
        block = audio[first * _SILENCE_FRAME : last * _SILENCE_FRAME].reshape(last - first, _SILENCE_FRAME)
        silent[first:last] = np.sqrt(np.mean(np.square(block, dtype=np.float32), axis=1)) < SILENCE_RMS
    step = _SILENCE_FRAME / SAMPLE_RATE
    duration = len(audio) / SAMPLE_RATE
    edges = np.flatnonzero(np.diff(np.concatenate(([0], silent.astype(np.int8), [0]))))
    gaps = [(float(a * step), float(b * step)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    gaps = [(a, duration if b >= frames * step else b) for a, b in gaps]
    gaps = [(a, b) for a, b in gaps if b - a >= SILENCE_MIN_SECONDS]
    if not gaps:
        return None
    clips: SpeechRegions = []
    cursor = 0.0
    for a, b in gaps:
        start, end = cursor, a + SILENCE_MARGIN if a > 0 else 0.0
        if end > start:
            clips.append((round(start, 3), round(end, 3)))
        cursor = b - SILENCE_MARGIN if b < duration else duration
    if duration > cursor:
        clips.append((round(cursor, 3), round(duration, 3)))
    return clips


def retime(
    transcript: Transcript,
    speech: Sequence[tuple[float, float]] | None,
    *,
    start_shift: float = 0.0,
    end_shift: float = 0.0,
    final_extension: float = 0.0,
    pause: float = 0.25,
    utterances: Sequence[tuple[float, float]] | None = None,
    max_final_extension: float = 0.0,
    scripted: bool = False,
    exact: Sequence[tuple[int, int]] = (),
) -> Transcript:
    """Word times moved onto the speech they belong to.

    Every word's start moves by ``start_shift`` and its end by ``end_shift`` (Whisper's word
    times are early).  The last word before a pause of at least ``pause`` s (or of the file)
    ends up to ``final_extension`` later, not into the pause beyond the VAD's speech region:
    Whisper cuts the final word of an utterance short.  With VAD ``speech`` regions, a word that
    starts in a pause before the region its end lies in starts at that region's onset instead
    (Whisper likes to start the first word at 0.0 s, or right at the end of the previous one).

    ``utterances`` (unpadded regions cut at short pauses, :func:`detect_utterances`) time the
    edges of utterances more precisely than ``speech``: a word that starts in a pause before the
    utterance its end lies in starts at the utterance's onset; the last word of
    an utterance (the next word starts in a later one) ends where the utterance ends, up to
    ``max_final_extension`` after Whisper's end (Whisper cuts drawn-out final words short).
    ``scripted``: every word is said (a script's words timed by alignment): the starts follow
    the utterances' onsets more closely (see :func:`_starts_on_onsets`).  ``exact``: ranges of
    word indexes [first, last + 1] whose times are the sound's own (a phone-level alignment's):
    they keep them.  Words never overlap their neighbours and stay inside the file.
    """
    if not transcript.words:
        return transcript
    words = list(transcript.words)
    duration = transcript.duration or math.inf
    edges = utterances if utterances is not None else speech
    ends: list[float] = []
    regions = [_region_of(w.end, edges) if edges else None for w in words]
    if scripted and edges:
        starts = _starts_on_onsets(words, edges, start_shift, duration)
    else:
        starts = [w.start + start_shift for w in words]
        for k, (w, region) in enumerate(zip(words, regions)):
            if region is not None and w.start < region[0] < w.end:
                starts[k] = region[0]
    for k, w in enumerate(words):
        end = w.end + end_shift
        nxt = words[k + 1].start if k + 1 < len(words) else duration
        region = regions[k]
        if scripted and edges and starts[k] >= w.end:  # moved past its end: it runs in its new utterance
            region = _region_of(starts[k], edges)
            end = region[1] if region is not None else starts[k] + w.end - w.start
        if utterances is not None and max_final_extension:
            next_start = starts[k + 1] if k + 1 < len(words) else math.inf
            if region is not None and next_start >= region[1]:
                end = max(end, min(region[1], w.end + max_final_extension))
        elif final_extension and nxt - w.end >= pause:
            limit = region[1] if region is not None else math.inf
            end = max(end, min(w.end + final_extension, limit))
        ends.append(end)
    for first, last in exact:
        for k in range(max(0, first), min(last, len(words))):
            starts[k], ends[k] = words[k].start, words[k].end
    out: list[Word] = []
    for k, w in enumerate(words):
        start = max(0.0, starts[k], out[-1].end if out and out[-1].end <= starts[k] else 0.0)
        if out:
            start = max(start, out[-1].start + 0.01)
        end = ends[k]
        if k + 1 < len(words):
            end = min(end, max(starts[k + 1], w.end))
        end = min(max(end, start + 0.01), duration)
        start = min(start, max(0.0, end - 0.01))
        out.append(replace(w, start=round(start, 3), end=round(end, 3)))
    return replace(transcript, words=out)


def _starts_on_onsets(
    words: Sequence[Word], edges: Sequence[tuple[float, float]], start_shift: float, duration: float
) -> list[float]:
    """Word starts on the utterances' onsets, for words that are all said (a script's, timed by
    the model's alignment, which puts a word after a pause early, in the pause or the speech
    before it): a word starts at the last onset inside its span; a word wholly in a pause starts
    at the next onset, if the next word starts after it; an earlier onset inside a word's span,
    left without a word when that word moved to a later one, is the previous word's start (if no
    onset of its own placed it: the one a breath starts is not).
    The other words move by ``start_shift``."""
    onsets = sorted(a for a, _ in edges)
    starts = [w.start + start_shift for w in words]
    anchored = [False] * len(words)  # started at an onset
    for k, w in enumerate(words):
        first = bisect.bisect_right(onsets, w.start)
        inside = onsets[first : bisect.bisect_left(onsets, w.end)]
        following = words[k + 1].start if k + 1 < len(words) else duration
        if inside:
            starts[k], anchored[k] = inside[-1], True
            if len(inside) > 1 and k > 0 and not anchored[k - 1] and starts[k - 1] < inside[-2]:
                starts[k - 1], anchored[k - 1] = inside[-2], True
        elif first < len(onsets) and onsets[first] < following and _region_of(w.start, edges) is None:
            starts[k], anchored[k] = onsets[first], True
    return starts


def _region_of(t: float, speech: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    for region in speech:
        if region[0] <= t <= region[1]:
            return region
    return None


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
        detect = detect_speech

    regions: list[tuple[float, float]] = []
    for chunk in cut_into_pieces(audio, piece_seconds):
        regions.extend((a + chunk.offset, b + chunk.offset) for a, b in detect(audio[chunk.start : chunk.end]))
    return regions


def speech_and_utterance_regions(
    audio: np.ndarray, piece_seconds: float = VAD_PIECE_SECONDS
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """:func:`speech_regions` with the default detector and with :func:`detect_utterances`, from
    one pass of the VAD model (same pieces, same probabilities)."""
    speech: list[tuple[float, float]] = []
    utterances: list[tuple[float, float]] = []
    for chunk in cut_into_pieces(audio, piece_seconds):
        found, edges = detect_speech_and_utterances(audio[chunk.start : chunk.end])
        speech.extend((a + chunk.offset, b + chunk.offset) for a, b in found)
        utterances.extend((a + chunk.offset, b + chunk.offset) for a, b in edges)
    return speech, utterances
