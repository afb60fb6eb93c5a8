"""Property tests: the hard limits hold on every cue and no word is lost, for any input."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from captioner.segmentation import segment
from captioner.style import PRESETS, Style
from captioner.transcript import Segment, Transcript, Word

LATIN = ["the", "a", "and", "I", "of", "caption", "speech", "Whisper", "don't", "well,", "so.", "really?"]
LONG = ["Donaudampfschifffahrtsgesellschaftskapitänswitwe", "x" * 95, "supercalifragilisticexpialidocious"]
PUNCT = [".", ",", "!", "?", "...", "-", "", " ", "。", "، "]
CJK = ["今日", "は", "いい", "天気", "です", "。", "我们", "的", "世界", "，", "안녕하세요", "감사합니다"]
ARABIC = ["مرحبا", "بكم", "في", "العالم", "،", "؟", "كيف", "حالك"]


@st.composite
def word_texts(draw) -> list[str]:
    script = draw(st.sampled_from(["latin", "cjk", "arabic", "mixed"]))
    pools = {
        "latin": LATIN + LONG + PUNCT,
        "cjk": CJK + PUNCT,
        "arabic": ARABIC + PUNCT,
        "mixed": LATIN + LONG + PUNCT + CJK + ARABIC,
    }
    texts = draw(st.lists(st.sampled_from(pools[script]), min_size=0, max_size=60))
    out = []
    for t in texts:
        cjk_word = t and "\u3000" <= t[0] <= "\ud7af"
        lead = "" if cjk_word or not t.strip() or t in PUNCT else " "
        out.append(lead + t)
    return out


@st.composite
def transcripts(draw) -> Transcript:
    texts = draw(word_texts())
    t = draw(st.floats(0, 5))
    words = []
    for text in texts:
        kind = draw(st.sampled_from(["normal", "normal", "pause", "zero", "overlap", "long"]))
        if kind == "pause":
            t += draw(st.floats(0.3, 4.0))
        dur = {"zero": 0.0, "long": draw(st.floats(2.0, 9.0))}.get(kind, draw(st.floats(0.02, 0.6)))
        start = t - draw(st.floats(0, 0.5)) if kind == "overlap" else t
        words.append(Word(text, max(start, 0.0), max(start, 0.0) + dur, 0.9))
        t = start + dur if kind != "zero" else t
    lang = draw(st.sampled_from(["en", "es", "ja", "zh", "ko", "ar", "he", "de"]))
    end = max((w.end for w in words), default=0.0)
    segs = [Segment(0, 0, 0.0, end, "".join(texts))]
    return Transcript(language=lang, duration=end, segments=segs, words=words)


styles = st.one_of(
    st.sampled_from(list(PRESETS.values())),
    st.builds(
        Style,
        max_chars=st.integers(8, 50),
        max_lines=st.integers(1, 3),
        min_duration=st.floats(0.5, 2.0),
        max_duration=st.floats(3.0, 8.0),
        min_gap=st.sampled_from([0.04, 0.08, 0.1]),
    ),
)


def _squash(text: str) -> str:
    """Text without any whitespace: cue lines join CJK with a break, Latin with a space."""
    return "".join(text.split())


def assert_hard_limits(cues, style: Style) -> None:
    for c in cues:
        assert c.lines, c
        assert 1 <= len(c.lines) <= style.max_lines, c.lines
        for line in c.lines:
            # the scorer's count: the stripped, space-collapsed line's length
            assert line == " ".join(line.split()) and line, repr(line)
            assert len(line) <= style.max_chars, (line, style.max_chars)
        assert c.end > c.start, c
        assert c.end - c.start <= style.max_duration + 1e-9, c
        assert c.start >= 0
        # times are whole milliseconds, so an .srt writer cannot round them into a violation
        assert math.isclose(c.start * 1000, round(c.start * 1000), abs_tol=1e-6)
    for a, b in zip(cues, cues[1:], strict=False):
        assert b.start >= a.start
        gap = b.start - a.end
        assert gap == 0 or gap >= style.min_gap - 1e-9, (a, b)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transcripts(), styles)
def test_hard_limits_and_every_word_once(tr: Transcript, style: Style) -> None:
    cues = segment(tr, style)
    eff = style.for_language(tr.language)
    assert_hard_limits(cues, eff)
    if tr.duration > 0:  # nothing past the end of the media (a cue lasts at least 1 ms)
        assert all(c.end <= max(tr.duration, 0.001 * len(cues)) + 0.0005 for c in cues), (tr.duration, cues[-1])
    if not any(w.word.strip() for w in tr.words):
        assert cues == []  # no cue in a stretch with no words
        return
    out_words = [w for c in cues for w in c.words]
    # every word once, in order (a word longer than a line is cut into pieces that rejoin)
    assert "".join(w.word for w in out_words) == "".join(w.word for w in tr.words)
    if all(len(w.word.strip()) <= eff.max_chars for w in tr.words):
        assert out_words == tr.words
    assert _squash("".join(c.text for c in cues)) == _squash("".join(w.word for w in tr.words))


@settings(max_examples=150, deadline=None)
@given(transcripts())
def test_without_word_timings_uses_segments(tr: Transcript) -> None:
    text = "".join(w.word for w in tr.words)
    segs = [Segment(0, 0, 1.0, 1.0 + 0.05 * len(text), text)]
    bare = Transcript(language=tr.language, duration=20.0, segments=segs, words=None)
    style = Style()
    cues = segment(bare, style)
    assert_hard_limits(cues, style.for_language(tr.language))
    assert _squash("".join(c.text for c in cues)) == _squash(text)
    if cues:
        assert cues[0].start >= 1.0 - style.max_lead - 1e-9
        assert all(c.words for c in cues)


@settings(max_examples=100, deadline=None)
@given(transcripts())
def test_cues_follow_speech(tr: Transcript) -> None:
    """A cue never starts more than ``max_lead`` before its first word (sanitised), and only a
    cue that would otherwise be over ``max_cps`` starts more than a few tens of ms early."""
    style = Style()
    cues = segment(tr, style)
    for c in cues:
        first = next(w for w in c.words if w.word.strip())
        assert c.start >= first.start - style.max_lead - 1e-3  # times are whole ms
    for c in segment(tr, style.with_overrides(max_lead=0.0)):
        first = next(w for w in c.words if w.word.strip())
        assert c.start >= first.start - 0.08 - 1e-9
