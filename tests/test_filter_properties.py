"""Property tests of the hallucination filters (captioner.refine.hallucination.clean): they only ever
remove text, and cleaning a cleaned transcript changes nothing."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from captioner.core.transcript import Segment, Transcript, Word
from captioner.refine.hallucination import clean

# Real words, stock phrases Whisper invents, punctuation-only tokens and words that loop.
VOCABULARY = [
    " the", " speech", " caption", " well,", " so.", " Thank", " you", " for", " watching.", " Music",
    " go", " go,", " la", " di", " no", " ♪", " ...", ".", "!", " Subtitles", " by", " 今日", "は", "。",
]  # fmt: skip
PHRASES = [[" Thank", " you."], [" Thanks", " for", " watching!"], [" go"] * 6, [" la", " di"] * 4, [" ♪"]]


@st.composite
def transcripts(draw: st.DrawFn) -> Transcript:
    """Segments of words (some loops and stock phrases among them), with the decoder's scores."""
    with_words = draw(st.booleans())
    segments: list[Segment] = []
    words: list[Word] = []
    t = draw(st.floats(0, 3))
    for i in range(draw(st.integers(0, 7))):
        if draw(st.integers(0, 3)) == 0:
            texts = draw(st.sampled_from(PHRASES))
        else:
            texts = draw(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=10))
        start = t
        seg_words = []
        for text in texts:
            dur = draw(st.floats(0.05, 0.6))
            seg_words.append(Word(text, round(t, 3), round(t + dur, 3), draw(st.sampled_from([None, 0.01, 0.5, 0.95]))))
            t += dur
        if not all(w.probability is not None for w in seg_words) and draw(st.booleans()):
            seg_words = [Word(w.word, w.start, w.end, 0.9) for w in seg_words]
        segments.append(
            Segment(
                id=i,
                seek=0,
                start=round(start, 3),
                end=round(t, 3),
                text="".join(texts),
                avg_logprob=draw(st.sampled_from([None, -0.2, -0.8, -1.5])),
                compression_ratio=draw(st.sampled_from([None, 1.2, 3.0])),
                no_speech_prob=draw(st.sampled_from([None, 0.01, 0.3, 0.9])),
            )
        )
        words.extend(seg_words)
        t += draw(st.sampled_from([0.0, 0.2, 1.5, 6.0]))
    return Transcript(language="en", duration=t + 1.0, segments=segments, words=words if with_words else None)


speech_regions = st.one_of(
    st.none(),
    st.lists(st.tuples(st.floats(0, 40), st.floats(0.1, 8)), max_size=5).map(
        lambda spans: sorted((round(a, 2), round(a + d, 2)) for a, d in spans)
    ),
)


def is_subsequence(part: list, whole: list) -> bool:
    rest = iter(whole)
    return all(any(x == y for y in rest) for x in part)


def tokens(text: str) -> list[str]:
    return re.findall(r"\S+", text)


@settings(max_examples=150, deadline=None)
@given(transcripts(), speech_regions)
def test_filters_never_add_text(tr: Transcript, speech: list[tuple[float, float]] | None) -> None:
    out, _ = clean(tr, speech)
    if tr.words is None:
        assert out.words is None
    else:
        assert out.words is not None
        assert is_subsequence(out.words, tr.words)  # the same words, unchanged, in order; some gone
    assert is_subsequence(tokens(" ".join(s.text for s in out.segments)), tokens(" ".join(s.text for s in tr.segments)))
    assert len(out.segments) <= len(tr.segments)
    for seg in out.segments:  # a kept segment is one of the input's, at most shortened
        assert any(seg.start == s.start and seg.end <= s.end for s in tr.segments), seg


@settings(max_examples=150, deadline=None)
@given(transcripts(), speech_regions)
def test_filters_are_idempotent(tr: Transcript, speech: list[tuple[float, float]] | None) -> None:
    once, _ = clean(tr, speech)
    twice, report = clean(once, speech)
    assert twice == once
    assert report.removed_segments == 0 and report.removed_words == 0
