"""A script's words timed to the audio: the transcript ``captioner align`` lays out as captions.

The audio goes in pieces of at most PIECE_SECONDS (memory), each in windows of at most 30 s cut
at quiet spots.  A window the VAD hears speech in is encoded once, heard (a greedy transcription,
see :mod:`captioner.transcription.align.forced`), and its encoder output kept until the piece's
heard words are matched to the script (:mod:`captioner.transcription.align.matching`); each
script word then belongs to the window it was heard in, and each window's words are timed by the
model on that same encoder output.  So a window costs one encoder pass, one greedy decode and
one alignment pass: less than captioning it (beam search and word timestamps).  English words
are then timed again by a phone-level aligner (:mod:`captioner.transcription.align.phones`) in
the stretch of the window Whisper put them in: their starts are the sound's, not Whisper's
estimate of it; the transcript lists them (``meta["aligned"]["phones"]``: index ranges) so that
refining leaves their times alone.

Script words the audio lacks keep their place, timed between their neighbours with probability
0 (so the review lists them); heard speech the script lacks is reported as time ranges.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from captioner.core.transcript import Segment, Transcript, VoiceRegions, Word
from captioner.errors import CaptionerError
from captioner.media.audio import SAMPLE_RATE
from captioner.media.pieces import Chunk, cut_into_pieces
from captioner.refine.speech import speech_and_utterance_regions
from captioner.transcription.align.forced import (
    HEAR_BATCH,
    MAX_TEXT_TOKENS,
    WINDOW_SECONDS,
    Encoded,
    Timed,
    WhisperAligner,
)
from captioner.transcription.align.matching import ABSENT, MATCHED, Matching, heard_words, match, normalise
from captioner.transcription.align.phone_workers import PhoneWorkers, usable_cores
from captioner.transcription.align.phones import PhoneTimed, available, pcm16
from captioner.transcription.align.script import Script, split_words
from captioner.transcription.align.timing import finish_times

PIECE_SECONDS = 300.0  # as the local engine's pieces: the log-mel of a piece is computed at once
SHORT_ABSENT_RUN = 2  # a run of absent words this short is still timed by the model (Whisper skips words)
UNHEARD_PROBABILITY = 0.05  # such a word the model gives less than this is taken as missing from the audio
MIN_MATCH_FRACTION = 0.15  # of the heard words found in the script, below which it is not this speech
MIN_SIDE = 0.5  # seconds of a window either side of unscripted speech, to be timed on its own
CHECK_MIN_WORDS = 8  # heard words needed before the script's match is judged
# A window whose phone-timed starts lie this far (median) from where the hearing put the words
# (a word's place in its heard segment's characters: rough) is taken as lost: the phone aligner
# forced the words onto other sound, and Whisper's times are used.
MAX_DISAGREEMENT = 1.0

PhoneAnswer = list[PhoneTimed | None] | None  # the phone aligner's times of a stretch's words

Progress = Callable[[float], None]


class ScriptMismatch(CaptionerError):
    """The script is not what the media says (another language, another text), or nothing is said."""


@dataclass
class _Piece:
    chunk: Chunk
    samples: np.ndarray
    windows: list[tuple[Chunk, Encoded]] = field(default_factory=list)
    segments: list[tuple[float, float, list[str]]] = field(default_factory=list)
    segment_window: list[int] = field(default_factory=list)


@dataclass
class _State:
    script: Script
    language: str | None
    language_probability: float | None = None
    cursor: int = 0
    checked: bool = False
    heard: int = 0
    matched: int = 0
    times: list[Timed | None] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    unscripted: list[tuple[float, float]] = field(default_factory=list)
    speech: list[tuple[float, float]] = field(default_factory=list)
    utterances: list[tuple[float, float]] = field(default_factory=list)
    phones: PhoneWorkers | None = None  # for English, once the language is known
    phone_timed: set[int] = field(default_factory=set)
    unheard: set[int] = field(default_factory=set)  # script words the audio seems to lack


def align_script(
    aligner: WhisperAligner,
    audio: np.ndarray,
    script: Script,
    language: str | None = None,
    progress: Progress | None = None,
    identity: dict[str, str] | None = None,
) -> Transcript:
    """``script``'s words timed to ``audio`` (16 kHz mono): ScriptMismatch when it is not this speech."""
    n = len(script.words)
    state = _State(script, language, 1.0 if language else None, times=[None] * n, status=[ABSENT] * n)
    pieces = cut_into_pieces(audio, PIECE_SECONDS)
    try:
        for index, chunk in enumerate(pieces):
            piece = _hear_piece(aligner, audio, chunk, state, progress)
            _place_piece(aligner, piece, state, last=index == len(pieces) - 1, progress=progress)
    finally:
        if state.phones is not None:
            state.phones.close()
    duration = len(audio) / SAMPLE_RATE
    if state.heard == 0:
        raise ScriptMismatch("no speech heard in the media: nothing to time the script to")
    if not state.checked:
        _check(state)
    return _transcript(state, duration, identity or {})


def _hear_piece(
    aligner: WhisperAligner, audio: np.ndarray, chunk: Chunk, state: _State, progress: Progress | None
) -> _Piece:
    samples = audio[chunk.start : chunk.end]
    speech, utterances = speech_and_utterance_regions(samples)
    state.speech += [(a + chunk.offset, b + chunk.offset) for a, b in speech]
    state.utterances += [(a + chunk.offset, b + chunk.offset) for a, b in utterances]
    piece = _Piece(chunk, samples)
    windows = [
        window
        for window in cut_into_pieces(samples, WINDOW_SECONDS)
        if any(a < window.end / SAMPLE_RATE and b > window.start / SAMPLE_RATE for a, b in speech)
    ]
    size = -(-len(windows) // max(1, -(-len(windows) // HEAR_BATCH)))  # even batches: 9 windows are 5 and 4
    for first in range(0, len(windows), size):
        batch = windows[first : first + size]
        clips = [samples[window.start : window.end] for window in batch]
        if state.language is None:
            state.language, state.language_probability = aligner.language_of(clips[0])
        _phone_workers(state)  # English: its workers start loading now
        for window, (encoded, segments) in zip(batch, aligner.hear(clips, state.language)):
            piece.windows.append((window, encoded))
            offset = chunk.offset + window.start / SAMPLE_RATE
            for s in segments:
                words = [w for w in split_words(s.text.strip()) if normalise(w)]
                piece.segments.append((s.start + offset, s.end + offset, words))
                piece.segment_window.append(len(piece.windows) - 1)
        if progress is not None:
            progress(chunk.offset + 0.7 * batch[-1].end / SAMPLE_RATE)
    return piece


def _place_piece(aligner: WhisperAligner, piece: _Piece, state: _State, last: bool, progress: Progress | None) -> None:
    """Match the piece's heard words to the script from the cursor, time its share of the script
    (to its last matched word; the rest of the script for the last piece) window by window."""
    script, n = state.script, len(state.script.words)
    heard = heard_words(piece.segments)
    reach = n if last else min(n, state.cursor + 3 * len(heard) + 200)
    found = match(list(script.words[state.cursor : reach]), heard)
    if not last and reach < n and found.matched < 0.3 * len(heard):
        found = match(list(script.words[state.cursor :]), heard)
    state.heard += len(heard)
    state.matched += found.matched
    state.unscripted += found.unscripted
    if not state.checked and state.heard >= CHECK_MIN_WORDS:
        _check(state)
    share = len(found.placed) if last else _last_matched(found) + 1
    windows = _windows_of(found, share, piece.segment_window)
    for k in range(share):
        state.status[state.cursor + k] = found.placed[k].status
    assert state.language is not None or not piece.windows
    language = state.language or "en"
    stretches: list[_Stretch] = []
    for w, (chunk, encoded) in enumerate(piece.windows):
        start = piece.chunk.offset + chunk.start / SAMPLE_RATE
        end = piece.chunk.offset + chunk.end / SAMPLE_RATE
        members = [k for k in range(share) if windows[k] == w]
        spans = _around_unscripted(start, end, found.unscripted)
        if len(spans) == 1:
            clip = piece.samples[chunk.start : chunk.end]
            stretches.append(_Stretch(start, clip, _fitting(aligner, members, state, language), encoded, chunk.end))
        else:  # the model would give script words to the unscripted speech: each side on its own
            for a, b in spans:
                side = [k for k in members if _nearest(found.placed[k].time, spans) == (a, b)]
                clip = piece.samples[
                    int((a - piece.chunk.offset) * SAMPLE_RATE) : int((b - piece.chunk.offset) * SAMPLE_RATE)
                ]
                if side and len(clip):
                    stretches.append(_Stretch(a, clip, _fitting(aligner, side, state, language), None, chunk.end))
    answers: list[PhoneAnswer] = [None] * len(stretches)
    phones = _phone_workers(state)
    if phones is not None:
        timed = [k for k, s in enumerate(stretches) if s.members]
        jobs = [
            ([state.script.words[state.cursor + m] for m in stretches[k].members], pcm16(stretches[k].clip))
            for k in timed
        ]
        for k, answer in zip(timed, phones.time_all(jobs)):
            answers[k] = answer
    for stretch, answer in zip(stretches, answers):
        _time_words(aligner, stretch, found, state, answer)
        if progress is not None:
            progress(piece.chunk.offset + 0.7 * piece.chunk.duration + 0.3 * stretch.window_end / SAMPLE_RATE)
    state.cursor += share


def _phone_workers(state: _State) -> PhoneWorkers | None:
    """The phone aligner's workers for English speech (started on first use: they load while the
    model hears the first piece), else None."""
    if state.language != "en" or not available():
        return None
    if state.phones is None:
        state.phones = PhoneWorkers(usable_cores())
    return state.phones


@dataclass
class _Stretch:
    """A window (or the side of one around unscripted speech) and the script words timed in it
    (indexes from the cursor): ``offset`` seconds into the media, its samples, its encoder
    output when already computed, the window's last sample in its piece (for progress)."""

    offset: float
    clip: np.ndarray
    members: list[int]
    encoded: Encoded | None
    window_end: int


def _fitting(aligner: WhisperAligner, members: list[int], state: _State, language: str) -> list[int]:
    """``members`` without those past what one window's text can hold (MAX_TEXT_TOKENS)."""
    words = [state.script.words[state.cursor + k] for k in members]
    sizes = [len(t) for t in aligner.text_tokens(words, language)]
    while members and sum(sizes) > MAX_TEXT_TOKENS:  # more script than a window holds
        members, sizes = members[:-1], sizes[:-1]
    return members


def _time_words(
    aligner: WhisperAligner, stretch: _Stretch, found: Matching, state: _State, phoned: PhoneAnswer
) -> None:
    """Time the script words of ``stretch``; ``phoned``: the phone aligner's times of them (for
    English; None where it failed).

    English words take the phone aligner's times (see :func:`_take_phones`); Whisper's alignment
    then runs only where it has something to say: whether a word the hearing missed is in the
    audio at all (its probability; a window with such a word gets every word's), and the times
    where the phone aligner failed.  Other phone-timed words have no probability."""
    language = state.language or "en"
    members, offset = stretch.members, stretch.offset
    indexes = [state.cursor + k for k in members]
    taken = phoned is not None and _take_phones(phoned, offset, indexes, [found.placed[k].time for k in members], state)
    if taken and not any(_missed(found, k, state) for k in members):
        return
    if not members:
        return
    tokens = aligner.text_tokens([state.script.words[i] for i in indexes], language)
    encoded = stretch.encoded if stretch.encoded is not None else aligner.encode(stretch.clip)
    for k, i, timed in zip(members, indexes, aligner.time_words(encoded, tokens, language)):
        if _missed(found, k, state) and (timed.probability or 0.0) < UNHEARD_PROBABILITY:
            state.unheard.add(i)
        current = state.times[i]
        if taken and current is not None:
            state.times[i] = Timed(current.start, current.end, timed.probability)
        elif i not in state.unheard:
            state.times[i] = Timed(timed.start + offset, timed.end + offset, timed.probability)


def _missed(found: Matching, k: int, state: _State) -> bool:
    """Whether the hearing missed the script word ``k`` (from the cursor), one with something to
    say (not a dash)."""
    return found.placed[k].status == ABSENT and bool(normalise(state.script.words[state.cursor + k]))


def _take_phones(
    phoned: list[PhoneTimed | None], offset: float, indexes: list[int], rough: list[float], state: _State
) -> bool:
    """The phone aligner's times ``phoned`` of the script words ``indexes``, in a stretch
    ``offset`` seconds into the media, taken unless they lie far from where the hearing put the
    words (at about ``rough``): whether they were."""
    gaps = [abs(p.start + offset - r) for p, r in zip(phoned, rough) if p is not None]
    if not gaps or float(np.median(gaps)) > MAX_DISAGREEMENT:
        return False
    edge = next((p.start for p in phoned if p is not None), 0.0)
    for i, p in zip(indexes, phoned):
        if p is not None:
            edge = p.end
        else:  # nothing to say ("—"): it takes no time, where the words around it meet
            p = PhoneTimed(edge, edge)
        state.times[i] = Timed(round(p.start + offset, 3), round(p.end + offset, 3), None)
        state.phone_timed.add(i)
    return True


def _around_unscripted(start: float, end: float, unscripted: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The window [start, end] without the unscripted speech inside it, as spans."""
    spans = [(start, end)]
    for a, b in unscripted:
        cut = []
        for lo, hi in spans:
            if a > lo + MIN_SIDE and b < hi - MIN_SIDE:
                cut += [(lo, a), (b, hi)]
            else:
                cut.append((lo, hi))
        spans = cut
    return spans


def _nearest(t: float, spans: list[tuple[float, float]]) -> tuple[float, float]:
    return min(spans, key=lambda s: 0.0 if s[0] <= t <= s[1] else min(abs(t - s[0]), abs(t - s[1])))


def _last_matched(found: Matching) -> int:
    return max((k for k, p in enumerate(found.placed) if p.status == MATCHED), default=-1)


def _windows_of(found: Matching, share: int, segment_window: list[int]) -> list[int]:
    """The window each of the first ``share`` placed words is timed in (-1: none); a short run of
    absent words goes with the word before it (or after it, at the start)."""
    out = [segment_window[p.segment] if p.segment >= 0 else -1 for p in found.placed[:share]]
    k = 0
    while k < share:
        if out[k] != -1:
            k += 1
            continue
        end = k
        while end < share and out[end] == -1:
            end += 1
        if end - k <= SHORT_ABSENT_RUN:
            near = out[k - 1] if k > 0 else out[end] if end < share else -1
            out[k:end] = [near] * (end - k)
        k = end
    return out


def _check(state: _State) -> None:
    state.checked = True
    if state.heard == 0:
        return
    fraction = state.matched / min(state.heard, len(state.script.words))
    if state.heard >= CHECK_MIN_WORDS and fraction < MIN_MATCH_FRACTION:
        raise ScriptMismatch(
            f"the script is not what the media says: {fraction:.0%} of the words heard are in it "
            f"(the speech is in {state.language}); is the script in another language, or of another media?"
        )


def _transcript(state: _State, duration: float, identity: dict[str, str]) -> Transcript:
    script = state.script
    spans, untimed = finish_times(state.times, duration)
    unheard = untimed | state.unheard
    words = [
        Word(text, start, end, 0.0 if k in unheard else timed_probability(state.times[k]))
        for k, (text, (start, end)) in enumerate(zip(script.words, spans))
    ]
    starts = sorted(script.line_starts | {0})
    segments: list[Segment] = []
    for i, a in enumerate(starts):
        b = starts[i + 1] if i + 1 < len(starts) else len(words)
        if a >= b:
            continue
        text = "".join(w.word for w in words[a:b])
        segments.append(Segment(len(segments), int(words[a].start * 100), words[a].start, words[b - 1].end, text))
    meta: dict[str, Any] = dict(identity)
    meta.update(
        language_probability=state.language_probability,
        aligned={
            "script_sha256": script.digest,
            "words": len(words),
            "unheard": [{"index": k, "word": words[k].word.strip(), "start": words[k].start} for k in sorted(unheard)],
            "unscripted": [[round(a, 2), round(b, 2)] for a, b in state.unscripted],
            "line_starts": sorted(script.line_starts),
            "phones": _ranges(state.phone_timed),
        },
    )
    voice = VoiceRegions(  # where refining finds them (retiming the words onto the speech)
        speech=tuple((round(a, 3), round(b, 3)) for a, b in state.speech),
        utterances=tuple((round(a, 3), round(b, 3)) for a, b in state.utterances),
    )
    return Transcript(state.language or "", duration, segments, words, text=script.text, meta=meta, voice=voice)


def _ranges(indexes: set[int]) -> list[list[int]]:
    """``indexes`` as [first, last + 1] runs."""
    out: list[list[int]] = []
    for i in sorted(indexes):
        if out and out[-1][1] == i:
            out[-1][1] = i + 1
        else:
            out.append([i, i + 1])
    return out


def timed_probability(timed: Timed | None) -> float | None:
    if timed is None:
        return 0.0
    return None if timed.probability is None else round(timed.probability, 4)
