"""Property tests of word retiming (captioner.refine.speech.retime, as captioner.refine.refine runs it):
the words keep their text and order, their times only move forward, never overlap, and stay inside
the media."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from captioner.core.transcript import Segment, Transcript, VoiceRegions, Word
from captioner.refine.refine import refine
from captioner.refine.speech import retime

EPS = 1e-9


@st.composite
def transcripts(draw: st.DrawFn, overlapping: bool = True) -> Transcript:
    """Whisper-like word times: in order of start, some touching, some zero-length, some reaching into
    the next word, the last ones near or at the media's end (unless ``overlapping`` is False: then no
    word reaches into the next, and the media, when its length is known, lasts well past the last)."""
    t = draw(st.floats(0, 2))
    words = []
    for k in range(draw(st.integers(1, 25))):
        t += draw(st.sampled_from([0.0, 0.0, 0.05, 0.3, 1.5]))
        dur = draw(st.sampled_from([0.0, 0.01, 0.2, 0.6, 2.0]))
        words.append(Word(f" w{k}", round(t, 3), round(t + dur, 3), 0.9))
        back = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5])) if overlapping else 0.0
        t = max(t + dur - back, t)
    end = max(w.end for w in words)
    near = [round(end, 3), round(end + 0.005, 3)] if overlapping else []
    duration = draw(st.sampled_from([0.0, *near, round(end + 3.0, 3)]))
    segs = [Segment(0, 0, words[0].start, end, "".join(w.word for w in words))]
    return Transcript(language="en", duration=duration, segments=segs, words=words)


def regions(bound: float = 40.0) -> st.SearchStrategy[list[tuple[float, float]]]:
    """Sorted, disjoint speech regions (seconds), as the VAD gives them."""
    return st.lists(st.floats(0, bound), min_size=0, max_size=12, unique=True).map(
        lambda points: [(round(a, 3), round(b, 3)) for a, b in zip(sorted(points)[::2], sorted(points)[1::2])]
    )


def assert_retimed(before: Transcript, after: Transcript) -> None:
    assert before.words is not None and after.words is not None
    assert [w.word for w in after.words] == [w.word for w in before.words]  # same words, same order
    for w in after.words:
        assert 0 <= w.start <= w.end, w
        if before.duration > 0:
            assert w.end <= before.duration + EPS, (w, before.duration)  # inside the media
    for a, b in zip(after.words, after.words[1:]):
        assert a.start <= b.start, (a, b)  # monotonic


def assert_no_overlap(after: Transcript) -> None:
    assert after.words is not None
    for a, b in zip(after.words, after.words[1:]):
        assert a.end <= b.start + EPS, (a, b)


# retime's settings: refine's (0.1, 0.05, 0.2, 0.4) among others, an end shift above the start's included
shifts = st.fixed_dictionaries(
    {
        "start_shift": st.sampled_from([0.0, 0.05, 0.1]),
        "end_shift": st.sampled_from([0.0, 0.05, 0.1]),
        "final_extension": st.sampled_from([0.0, 0.2]),
        "max_final_extension": st.sampled_from([0.0, 0.4]),
    }
)


@settings(max_examples=200, deadline=None)
@given(transcripts(), regions(), st.one_of(st.none(), regions()), shifts)
def test_retimed_words_are_monotonic_and_inside_the_media(
    tr: Transcript,
    speech: list[tuple[float, float]],
    utterances: list[tuple[float, float]] | None,
    settings_: dict[str, float],
) -> None:
    assert_retimed(tr, retime(tr, speech, utterances=utterances, **settings_))


@settings(max_examples=150, deadline=None)
@given(transcripts(overlapping=False), regions(), st.one_of(st.none(), regions()), shifts)
def test_words_that_did_not_overlap_do_not_overlap_after(
    tr: Transcript,
    speech: list[tuple[float, float]],
    utterances: list[tuple[float, float]] | None,
    settings_: dict[str, float],
) -> None:
    """Whatever the shifts (an end moved later than the next start is): with room in the media, no
    word reaches into the next (words crowded into the media's last milliseconds must overlap)."""
    out = retime(tr, speech, utterances=utterances, **settings_)
    assert_retimed(tr, out)
    assert_no_overlap(out)


@settings(max_examples=150, deadline=None)
@given(transcripts(overlapping=False), regions(), st.one_of(st.none(), regions()))
def test_refine_retimes_within_the_media_without_overlaps(
    tr: Transcript, speech: list[tuple[float, float]], utterances: list[tuple[float, float]] | None
) -> None:
    """refine() with the regions saved at transcription time (no audio): words that did not overlap
    before do not overlap after (with room for them: words crowded into the media's last
    milliseconds must overlap), and stay monotonic and inside the media."""
    tr.voice = VoiceRegions(tuple(speech), None if utterances is None else tuple(utterances))
    out = refine(tr, filters=None)
    assert_retimed(tr, out)
    assert_no_overlap(out)
