"""Remove text Whisper invented: on music, applause and silence, and in repetition loops.

Pure functions over a :class:`Transcript`; they need no audio and work on any backend's output.
A backend that ran a voice activity detector passes its speech regions (seconds) and the
segments lying outside them are dropped too; without regions only the decoder's own scores and
the text are used.  Every filter errs on the side of keeping words: a real sentence survives
unless the decoder itself said "no speech" *and* was unsure of the words, or the VAD heard no
speech anywhere near it.

Filters, in order (each removal is counted in :class:`CleanReport`):

``punctuation``  segments and words without a single letter or digit (".", "...", "♪");
``silence``      segments with ``no_speech_prob`` above ``no_speech_threshold`` and ``avg_logprob``
                 below ``logprob_threshold`` (Whisper's own silence rule, for backends that do
                 not apply it while decoding);
``outside_speech`` segments none of whose words (or, without words, whose span) overlaps a
                 speech region widened by ``speech_margin``, when the decoder doubted them too
                 (``no_speech_prob`` >= ``outside_no_speech`` or ``avg_logprob`` <
                 ``outside_logprob``): the VAD alone misses quiet or hoarse voices and mixed-down
                 stereo talkers, so it never removes confidently decoded words by itself;
``unsure``       segments whose words Whisper itself gave almost no chance (mean word probability
                 below ``unsure_probability``): "Music", "You" or "la" on a stretch of music the
                 VAD took for a voice (0.001-0.044 on the developer corpus' music, where real
                 speech, garbled or decoded after every temperature failed, never came below 0.10);
``phrase``       segments that are only a stock phrase Whisper is known to invent ("Thank you
                 for watching", "Subtitles by ...", "Music") when the decoder doubted them
                 (``no_speech_prob`` >= ``phrase_no_speech``) or no speech region was near;
``repetition``   a phrase of 1-``max_ngram`` words repeated back to back more than it plausibly is
                 in speech (``max_repeats`` times; 2 extra for single words) keeps its first
                 occurrence, unless the copies were heard: word timings put every copy on
                 speech the VAD found, the decoder was sure of them (mean word probability
                 >= ``loop_min_probability``) and the segment is not a decoding loop by Whisper's
                 own test (compression ratio <= ``loop_max_compression``); people do say "word,
                 word, word, word, word".  A segment whose text repeats the previous ones more
                 than ``max_repeats`` times is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from captioner.core.transcript import Segment, Transcript, Word

SpeechRegions = Sequence[tuple[float, float]]

# Stock phrases Whisper produces from its subtitle-heavy training data (lower-case, no punctuation).
STOCK_PHRASES: tuple[str, ...] = (
    "thank you",
    "thank you very much",
    "thank you so much",
    "thanks for watching",
    "thank you for watching",
    "thank you for watching and ill see you in the next video",
    "thank you for listening",
    "please subscribe",
    "please subscribe to my channel",
    "subscribe to my channel",
    "dont forget to like and subscribe",
    "music",
    "applause",
    "laughter",
    "silence",
    "bye",
    "bye bye",
    "you",
    "oh",
    "okay",
    "so",
    "the end",
    "untertitel im auftrag des zdf",
    "untertitel der amaraorg community",
    "sous titrage st 501",
    "sous titres réalisés par la communauté damaraorg",
    "subtítulos realizados por la comunidad de amaraorg",
    "ご視聴ありがとうございました",
)
_STOCK_PREFIXES: tuple[str, ...] = (
    "subtitles by",
    "captions by",
    "transcribed by",
    "translated by",
    "transcription by",
)


@dataclass(frozen=True)
class FilterSettings:
    """Thresholds of the filters (see the module documentation)."""

    no_speech_threshold: float = 0.6
    logprob_threshold: float = -1.0
    phrase_no_speech: float = 0.2
    speech_margin: float = 0.3
    outside_no_speech: float = 0.2
    outside_logprob: float = -0.6
    max_ngram: int = 8
    max_repeats: int = 3
    loop_min_probability: float = 0.6
    unsure_probability: float = 0.06
    loop_max_compression: float = 2.4


@dataclass
class CleanReport:
    """What :func:`clean` removed: segments and words per filter."""

    segments: dict[str, int] = field(default_factory=dict)
    words: dict[str, int] = field(default_factory=dict)

    def add(self, reason: str, segments: int, words: int) -> None:
        if segments:
            self.segments[reason] = self.segments.get(reason, 0) + segments
        if words:
            self.words[reason] = self.words.get(reason, 0) + words

    @property
    def removed_segments(self) -> int:
        return sum(self.segments.values())

    @property
    def removed_words(self) -> int:
        return sum(self.words.values())

    def to_dict(self) -> dict[str, object]:
        return {
            "removed_segments": self.removed_segments,
            "removed_words": self.removed_words,
            "segments_by_reason": dict(sorted(self.segments.items())),
            "words_by_reason": dict(sorted(self.words.items())),
        }


def normalise(text: str) -> str:
    """Lower-case letters and digits separated by single spaces (apostrophes dropped)."""
    text = text.casefold().replace("'", "").replace("\u2019", "")
    text = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in text)
    return " ".join(text.split())


def has_content(text: str) -> bool:
    """True when ``text`` holds a letter or digit (of any script)."""
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def is_stock_phrase(text: str) -> bool:
    norm = normalise(text)
    if not norm:
        return False
    compact = norm.replace(" ", "")
    if norm in STOCK_PHRASES or compact in {p.replace(" ", "") for p in STOCK_PHRASES}:
        return True
    return any(norm.startswith(p) for p in _STOCK_PREFIXES)


def overlaps_speech(start: float, end: float, speech: SpeechRegions, margin: float) -> bool:
    return any(start < s_end + margin and end > s_start - margin for s_start, s_end in speech)


class _Work:
    """Segments with their words (assigned by midpoint, as :meth:`Transcript.segment_words`)."""

    def __init__(self, transcript: Transcript) -> None:
        self.has_words = transcript.words is not None
        words = list(transcript.words or ())
        self.items: list[tuple[Segment, list[Word]]] = []
        index = 0
        segs = sorted(transcript.segments, key=lambda s: s.start)
        for k, seg in enumerate(segs):
            nxt = segs[k + 1].start if k + 1 < len(segs) else float("inf")
            mine: list[Word] = []
            while index < len(words) and (
                (words[index].start + words[index].end) / 2 <= seg.end + 1e-6
                or (words[index].start + words[index].end) / 2 < nxt
            ):
                mine.append(words[index])
                index += 1
            self.items.append((seg, mine))
        if index < len(words) and self.items:  # words after the last segment stay with it
            seg, mine = self.items[-1]
            mine.extend(words[index:])


def clean(
    transcript: Transcript,
    speech: SpeechRegions | None = None,
    settings: FilterSettings | None = None,
) -> tuple[Transcript, CleanReport]:
    """A copy of ``transcript`` without invented text, and what was removed.

    ``speech``: the regions (start, end) in seconds where a VAD heard speech; ``None`` when no
    VAD ran (the ``outside_speech`` filter is skipped), an empty list when it heard none.

    The filters run again on what they kept until they remove nothing more, so cleaning a cleaned
    transcript changes nothing: one pass can leave what the next removes (a loop collapsed to a
    first copy Whisper was unsure of).  Every pass that continues removes something, so it ends.
    """
    settings = settings or FilterSettings()
    report = CleanReport()
    while True:
        removed = (report.removed_segments, report.removed_words)
        transcript = _clean_once(transcript, speech, settings, report)
        if (report.removed_segments, report.removed_words) == removed:
            return transcript, report


def _clean_once(
    transcript: Transcript, speech: SpeechRegions | None, settings: FilterSettings, report: CleanReport
) -> Transcript:
    """One pass of every filter, in order; removals are added to ``report``."""
    work = _Work(transcript)
    kept: list[tuple[Segment, list[Word]]] = []
    for seg, words in work.items:
        reason = _drop_reason(seg, words, speech, settings, work.has_words)
        if reason is not None:
            report.add(reason, 1, sum(1 for w in words if has_content(w.word)) or len(normalise(seg.text).split()))
            continue
        seg, words, dropped = _strip_punctuation_words(seg, words)
        report.add("punctuation", 0, dropped)
        seg, words, dropped = _collapse_repeats(seg, words, settings, work.has_words, speech)
        report.add("repetition", 0, dropped)
        kept.append((seg, words))
    kept = _drop_repeated_segments(kept, settings, report)
    segments = [replace(seg, id=i) for i, (seg, _) in enumerate(kept)]
    words_out = [w for _, ws in kept for w in ws] if work.has_words else None
    changed = report.removed_segments or report.removed_words
    cleaned = replace(
        transcript,
        segments=segments,
        words=words_out,
        text=transcript.text if not changed else None,
        meta=dict(transcript.meta),
    )
    return cleaned


def _drop_reason(
    seg: Segment, words: list[Word], speech: SpeechRegions | None, st: FilterSettings, has_words: bool
) -> str | None:
    text = "".join(w.word for w in words) if has_words and words else seg.text
    if not has_content(text):
        return "punctuation"
    if (
        seg.no_speech_prob is not None
        and seg.avg_logprob is not None
        and seg.no_speech_prob > st.no_speech_threshold
        and seg.avg_logprob < st.logprob_threshold
    ):
        return "silence"
    near_speech = True
    if speech is not None:
        spans = [(w.start, w.end) for w in words if has_content(w.word)] or [(seg.start, seg.end)]
        near_speech = any(overlaps_speech(a, b, speech, st.speech_margin) for a, b in spans)
        doubted = (seg.no_speech_prob is not None and seg.no_speech_prob >= st.outside_no_speech) or (
            seg.avg_logprob is not None and seg.avg_logprob < st.outside_logprob
        )
        if not near_speech and doubted:
            return "outside_speech"
    if has_words and _unsure(seg, words, st):
        return "unsure"
    if is_stock_phrase(text):
        doubted = seg.no_speech_prob is not None and seg.no_speech_prob >= st.phrase_no_speech
        if doubted or not near_speech:
            return "phrase"
    return None


def _mean_probability(words: Sequence[Word]) -> float | None:
    """The words' mean probability; None without words or when a backend gave no scores."""
    scores = [w.probability for w in words]
    if not scores or any(p is None for p in scores):
        return None
    return sum(scores) / len(scores)  # type: ignore[arg-type]


def _unsure(seg: Segment, words: list[Word], st: FilterSettings) -> bool:
    mean = _mean_probability([w for w in words if has_content(w.word)])
    return mean is not None and mean < st.unsure_probability


def _strip_punctuation_words(seg: Segment, words: list[Word]) -> tuple[Segment, list[Word], int]:
    """Drop punctuation-only words that follow no word with content (they would stand alone)."""
    out: list[Word] = []
    seen_content = False
    for w in words:
        if has_content(w.word):
            seen_content = True
        elif not seen_content:
            continue
        out.append(w)
    return seg, out, len(words) - len(out)


def _tokens(seg: Segment, words: list[Word], has_words: bool) -> list[str]:
    return [w.word for w in words] if has_words else re.findall(r"\s*\S+", seg.text)


def _collapse_repeats(
    seg: Segment, words: list[Word], st: FilterSettings, has_words: bool, speech: SpeechRegions | None
) -> tuple[Segment, list[Word], int]:
    """Keep the first occurrence of a phrase repeated back to back too often (unless heard)."""
    toks = _tokens(seg, words, has_words)
    keep = [True] * len(toks)
    for start, n, count in repetition_runs(toks, st.max_ngram, st.max_repeats):
        copies = range(start + n, start + count * n)
        if has_words and _heard(seg, [words[j] for j in copies], speech, st):
            continue
        for j in copies:
            keep[j] = False
    dropped = keep.count(False)
    if not dropped:
        return seg, words, 0
    text = "".join(t for t, k in zip(toks, keep, strict=True) if k)
    seg = replace(seg, text=text, tokens=())
    if has_words:
        words = [w for w, k in zip(words, keep, strict=True) if k]
        seg = replace(seg, end=max(seg.start, words[-1].end) if words else seg.end)
    return seg, words, dropped


def _heard(seg: Segment, copies: list[Word], speech: SpeechRegions | None, st: FilterSettings) -> bool:
    """Whether the copies of a repeated phrase are speech rather than a decoding loop."""
    if seg.compression_ratio is not None and seg.compression_ratio > st.loop_max_compression:
        return False
    mean = _mean_probability(copies)
    if mean is None or mean < st.loop_min_probability:
        return False
    if speech is not None and not all(overlaps_speech(w.start, w.end, speech, 0.0) for w in copies):
        return False
    return True


def repetition_runs(tokens: Sequence[str], max_ngram: int = 8, max_repeats: int = 3) -> list[tuple[int, int, int]]:
    """Phrases repeated back to back too often, as (first token, phrase length, copies).

    A phrase of ``n`` >= 2 tokens repeated back to back at least ``max_repeats`` times, or a
    single token at least ``max_repeats + 2`` times, is a loop ("no, no, no" is speech).
    """
    norm = [normalise(t) for t in tokens]
    runs: list[tuple[int, int, int]] = []
    i = 0
    while i < len(norm):
        best = None
        for n in range(1, max_ngram + 1):
            if i + 2 * n > len(norm):
                break
            phrase = norm[i : i + n]
            if not any(phrase):
                continue
            count = 1
            while norm[i + count * n : i + (count + 1) * n] == phrase:
                count += 1
            need = max_repeats + 2 if n == 1 else max_repeats
            if count >= need and (best is None or count * n > best[0] * best[1]):
                best = (count, n)
        if best is None:
            i += 1
            continue
        count, n = best
        runs.append((i, n, count))
        i += count * n
    return runs


def _drop_repeated_segments(
    kept: list[tuple[Segment, list[Word]]], st: FilterSettings, report: CleanReport
) -> list[tuple[Segment, list[Word]]]:
    """Segments whose whole text repeats the previous segment's: beyond ``max_repeats - 1`` copies."""
    out: list[tuple[Segment, list[Word]]] = []
    run_text, run = None, 0
    for seg, words in kept:
        norm = normalise(seg.text)
        if norm and norm == run_text:
            run += 1
        else:
            run_text, run = norm, 1
        if run >= st.max_repeats:
            report.add("repetition", 1, len(norm.split()))
            if run == st.max_repeats and len(out) >= 1:  # drop the earlier copies beyond the first too
                for _ in range(st.max_repeats - 2):
                    prev_seg, _ = out.pop()
                    report.add("repetition", 1, len(normalise(prev_seg.text).split()))
            continue
        out.append((seg, words))
    return out
