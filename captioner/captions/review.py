"""The review report: cues whose words the decoder was unsure of, for a person to check.

A cue is *doubtful* when any of its words has a probability below ``word_probability``, or the
Whisper segment its words came from has an ``avg_logprob`` below ``avg_logprob`` or a
``no_speech_prob`` above ``no_speech_prob``.  Scores a backend did not give (``null``, e.g.
aiXplain's word probabilities) never make a cue doubtful.  Pure functions over a transcript and
its cues; the CLI prints the report (``captioner review``) or writes it (``--review``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from captioner.core.cues import Cue
from captioner.core.timestamps import timestamp
from captioner.core.transcript import Segment, Transcript, Word


@dataclass(frozen=True)
class ReviewThresholds:
    """Below (or for ``no_speech_prob`` above) these a score is doubtful."""

    word_probability: float = 0.4
    avg_logprob: float = -1.0
    no_speech_prob: float = 0.6


@dataclass(frozen=True)
class DoubtfulCue:
    index: int  # 1-based, as in the .srt
    start: float
    end: float
    text: str
    reasons: tuple[str, ...]
    words: tuple[Word, ...]  # the words below the word threshold


def review(
    transcript: Transcript, cues: Sequence[Cue], thresholds: ReviewThresholds | None = None
) -> list[DoubtfulCue]:
    """The doubtful cues of ``cues`` (built from ``transcript``), in order."""
    th = thresholds or ReviewThresholds()
    out: list[DoubtfulCue] = []
    for index, cue in enumerate(cues, start=1):
        low = tuple(w for w in cue.words if w.probability is not None and w.probability < th.word_probability)
        reasons: list[str] = []
        if low:
            worst = min(w.probability for w in low if w.probability is not None)
            reasons.append(f"{len(low)} word(s) with probability < {th.word_probability:g} (lowest {worst:.2f})")
        for seg in _segments_of(transcript, cue):
            if seg.avg_logprob is not None and seg.avg_logprob < th.avg_logprob:
                reasons.append(f"segment avg_logprob {seg.avg_logprob:.2f} < {th.avg_logprob:g}")
            if seg.no_speech_prob is not None and seg.no_speech_prob > th.no_speech_prob:
                reasons.append(f"segment no_speech_prob {seg.no_speech_prob:.2f} > {th.no_speech_prob:g}")
        if reasons:
            out.append(DoubtfulCue(index, cue.start, cue.end, cue.text, tuple(dict.fromkeys(reasons)), low))
    return out


def _segments_of(transcript: Transcript, cue: Cue) -> list[Segment]:
    """The segments a cue's words (or, without words, its span) fall in."""
    points = [(w.start + w.end) / 2 for w in cue.words] or [(cue.start + cue.end) / 2]
    return [s for s in transcript.segments if any(s.start - 1e-6 <= p <= s.end + 1e-6 for p in points)]


def speaker_doubts(transcript: Transcript) -> list[str]:
    """What the review should say about the speakers: with ``--speakers voices``, two voices kept
    apart though nearly alike (perhaps one speaker in two manners)."""
    found = transcript.meta.get("diarization")
    if not isinstance(found, dict) or not found.get("unsure"):
        return []
    names = " and ".join(str(v.get("speaker")) for v in found.get("voices") or ())
    closest = float(found.get("closest") or 0)
    return [f"speakers: {names} sound nearly alike (similarity {closest:.2f}): they may be one speaker"]


def format_report(name: str, doubtful: Sequence[DoubtfulCue], total_cues: int, notes: Sequence[str] = ()) -> str:
    """A plain-text report: ``notes`` about the whole file, then one block per doubtful cue, low
    words marked with their probability."""
    if not doubtful:
        return "".join(f"{line}\n" for line in (f"{name}: all {total_cues} cues confident", *notes))
    lines = [f"{name}: {len(doubtful)} of {total_cues} cues to check", *notes]
    for d in doubtful:
        lines.append(f"  #{d.index} {timestamp(d.start)} --> {timestamp(d.end)}  {d.text}")
        for reason in d.reasons:
            lines.append(f"      {reason}")
        if d.words:
            marked = ", ".join(f"{w.text!r} {w.probability:.2f} at {timestamp(w.start)}" for w in d.words)
            lines.append(f"      low: {marked}")
    return "\n".join(lines) + "\n"
