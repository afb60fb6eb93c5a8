"""Stretches the VAD hears as speech but the windows left without a word, decoded again alone.

Whisper's sequential 30 s windows sometimes jump over a passage at a window boundary; decoded on
its own, with a little context either side, the passage comes back.  Music or noise the VAD took
for speech gives doubtful words instead, which are dropped.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from captioner.core.transcript import Segment, Word
from captioner.media.audio import SAMPLE_RATE
from captioner.refine.speech import SpeechRegions, find_holes
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.local.decoding import DecodePlan, Decoder
from captioner.transcription.local.piecewise import AudioView

HOLE_MIN_SECONDS = 1.0  # a speech stretch at least this long without a word is decoded again
HOLE_CONTEXT = 0.5  # seconds of audio either side of a hole given to the decoder
HOLE_WORD_SLACK = 0.2  # a re-decoded word is kept if its middle is at most this far outside the hole
# What a hole's decode must reach to be kept: a passage the windows skipped decodes confidently
# when heard alone, while music or noise the VAD took for speech gives a few doubtful words.
HOLE_MIN_MEAN_PROBABILITY = 0.6
HOLE_MIN_SINGLE_WORD_PROBABILITY = 0.8
# A hole is decoded once, at temperature 0 (no fallback): a decode Whisper itself would redo
# (too repetitive, or too unsure) is noise, not a skipped passage, and is dropped.
HOLE_MAX_COMPRESSION_RATIO = 2.4
HOLE_MIN_AVG_LOGPROB = -1.0
# A hole is first decoded to a budget of this many tokens a second of its clip (plus
# HOLE_MIN_TOKENS), several times what speech needs (see hole_token_budget): a decoding loop on
# music or noise would run to Whisper's limit of 448 tokens a window, which takes beam search
# 10-50 times longer than the few words a hole may hold (and is then dropped as too repetitive).
# Only a hole whose budgeted decode finds confident words is decoded again in full, and its words
# are those of the full decode (a loop cut short can look plausible: its repetition is short).
HOLE_TOKENS_PER_SECOND = 15
HOLE_MIN_TOKENS = 20


def repair_holes(
    decoder: Decoder,
    view: AudioView,
    options: TranscribeOptions,
    language: str,
    segments: list[Segment],
    words: list[Word],
    speech: SpeechRegions,
) -> tuple[list[Segment], list[Word], dict[str, int]]:
    """``segments`` and ``words`` with what ``decoder`` finds in the stretches of ``speech`` that
    have no word (``view`` holds them), and how many holes and words there were."""
    holes = find_holes(words, speech, min_length=HOLE_MIN_SECONDS)
    found = {"holes": len(holes), "words": 0}
    for start, end in holes:
        a = max(0.0, start - HOLE_CONTEXT)
        b = min(view.length / SAMPLE_RATE, end + HOLE_CONTEXT)
        clip = view.between(int(a * SAMPLE_RATE), int(b * SAMPLE_RATE))
        # First decoded to a budget of tokens (a quick screen: a loop on music or noise stops
        # there); only what passes is decoded in full, so the words kept are the full decode's.
        budget = hole_token_budget(b - a)
        plan = DecodePlan.for_hole(options, language, a)
        new_segments, new_words = _decode_hole(decoder, clip, plan, start, end, budget)
        if budget is not None and confident(new_words):
            new_segments, new_words = _decode_hole(decoder, clip, plan, start, end, None)
        if not confident(new_words):
            continue
        lo, hi = new_words[0].start, new_words[-1].end
        new_segments = [s for s in new_segments if s.end > lo and s.start < hi]
        new_segments = [
            replace(
                s, text="".join(w.word for w in new_words if s.start <= w.start < s.end + 1e-6) or s.text, tokens=()
            )
            for s in new_segments
        ]
        segments = sorted([*segments, *new_segments], key=lambda s: s.start)
        words = sorted([*words, *new_words], key=lambda w: w.start)
        found["words"] += len(new_words)
    return segments, words, found


def _decode_hole(
    decoder: Decoder,
    clip: np.ndarray,
    plan: DecodePlan,
    start: float,
    end: float,
    max_new_tokens: int | None,
) -> tuple[list[Segment], list[Word]]:
    """A hole's clip (from ``plan.offset`` s) decoded once at temperature 0: its plausible segments,
    and their words that fall in the hole [``start``, ``end``] (the context either side was
    decoded already).

    The decode stops after the segment that reaches past the hole: a window after it (often a
    few hundredths of a second after the last word, a whole encoder pass) could only give words
    that are not kept."""
    until = end - plan.offset + HOLE_WORD_SLACK + 0.05  # 0.05: faster-whisper rounds seeks to 10 ms
    segments, words, _ = decoder.decode(clip, replace(plan, max_new_tokens=max_new_tokens, until=until))
    segments = [s for s in segments if plausible(s)]
    words = [w for w in words if any(s.start - 1e-6 <= w.start < s.end + 1e-6 for s in segments)]
    return segments, [w for w in words if start - HOLE_WORD_SLACK <= (w.start + w.end) / 2 <= end + HOLE_WORD_SLACK]


def hole_token_budget(seconds: float) -> int | None:
    """The most tokens a window of a hole's clip of ``seconds`` is decoded to (None: Whisper's own
    limit).  Speech takes 1-6 tokens a second of Whisper base's vocabulary over a segment on the
    developer corpus (10 for a lone short word), Japanese and Arabic included."""
    budget = HOLE_MIN_TOKENS + math.ceil(HOLE_TOKENS_PER_SECOND * seconds)
    return budget if budget < WHISPER_MAX_NEW_TOKENS else None


WHISPER_MAX_NEW_TOKENS = 440  # 448 tokens a window, less the prompt


def plausible(segment: Segment) -> bool:
    """Whether a hole's segment passes the checks after which faster-whisper would decode again."""
    too_repetitive = segment.compression_ratio is not None and segment.compression_ratio > HOLE_MAX_COMPRESSION_RATIO
    too_unsure = segment.avg_logprob is not None and segment.avg_logprob < HOLE_MIN_AVG_LOGPROB
    return not (too_repetitive or too_unsure)


def confident(words: list[Word]) -> bool:
    """Whether a hole's re-decoded words are sure enough to be speech (see HOLE_MIN_*)."""
    scored = [w.probability for w in words if w.text.strip(".,!?;:-") and w.probability is not None]
    if not scored:
        return False
    mean = sum(scored) / len(scored)
    return mean >= (HOLE_MIN_SINGLE_WORD_PROBABILITY if len(scored) == 1 else HOLE_MIN_MEAN_PROBABILITY)
