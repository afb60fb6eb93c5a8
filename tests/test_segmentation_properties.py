"""Property tests: the hard limits hold on every cue and no word is lost, for any input."""

from __future__ import annotations

import bisect
import math
import unicodedata

import budoux
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from captioner.captions.segmentation import HARD_PAUSE, segment
from captioner.core.style import PRESETS, Style
from captioner.core.transcript import Segment, Transcript, Word

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


def _unbreakable_lengths(words: list[Word]) -> list[int]:
    """Lengths of the runs no break may split: a word, and in CJK text also the punctuation after
    it (no line starts with 。 or ，), which a word that fits a line alone may not leave room for."""
    cjk = any("\u3000" <= ch <= "\u9fff" for w in words for ch in w.word)
    out: list[int] = []
    for w in words:
        text = w.word.strip()
        if not text:
            continue
        if cjk and out and not w.word[0].isspace() and all(unicodedata.category(ch)[0] in "PS" for ch in text):
            out[-1] += len(text)
        else:
            out.append(len(text))
    return out


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
    if all(n <= eff.max_chars for n in _unbreakable_lengths(tr.words)):
        assert out_words == tr.words  # no word cut
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


@st.composite
def long_word_endings(draw) -> Transcript:
    """A few words, then one longer than any line (cut into pieces), then the media ends soon after."""
    t = draw(st.floats(0, 3))
    words = []
    for text in draw(st.lists(st.sampled_from(LATIN), max_size=6)):
        dur = draw(st.floats(0.1, 0.5))
        words.append(Word(" " + text, t, t + dur, 0.9))
        t += dur
    dur = draw(st.floats(0.3, 4.0))
    words.append(Word(" " + "a" * draw(st.integers(43, 200)) + draw(st.sampled_from(["", "."])), t, t + dur, 0.9))
    end = t + dur + draw(st.floats(0, 3))
    return Transcript("en", end, [Segment(0, 0, 0.0, t + dur, "".join(w.word for w in words))], words=words)


@settings(max_examples=300, deadline=None)
@given(long_word_endings(), st.sampled_from(list(PRESETS.values())))
@example(  # issue 25: a 90-character word near the end of the media: its last piece shown for 1 ms
    Transcript(
        "en",
        2.1,
        [Segment(0, 0, 0.2, 2.0, " Hello " + "a" * 90 + ".")],
        words=[Word(" Hello", 0.2, 0.5, 0.9), Word(" " + "a" * 90 + ".", 0.5, 2.0, 0.9)],
    ),  # fmt: skip
    PRESETS["netflix"],
)
def test_the_last_cue_keeps_its_minimum_duration(tr: Transcript, style: Style) -> None:
    """The last cue lasts the style's minimum duration, or all the media leaves after its first word
    (the cues before it, chained and over max_cps, once lagged it past the end of the media)."""
    cues = segment(tr, style)
    eff = style.for_language(tr.language)
    last = cues[-1]
    room = min(eff.min_duration, tr.duration - min(w.start for w in last.words))
    assert last.end - last.start >= room - 0.002, (tr.duration, [(c.start, c.end) for c in cues])


# -- Chinese and Japanese: phrase boundaries and the kinsoku rules ------------------------------------

# The Japanese style guides' kinsoku rules (JIS X 4051, W3C jlreq, Netflix Japanese): no line starts
# with a small kana, the prolonged sound mark or closing punctuation; none ends with an opening bracket.
SMALL_KANA = set("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")
NO_START = SMALL_KANA | set("ー、。，．！？」』）】〕")
NO_END = set("「『（【〔")

JA_NOUNS = ["整理", "判断", "知識", "電球", "客観", "実在", "東京", "天気", "時間", "世界", "言葉", "問題", "外"]
JA_KATAKANA = ["キャンプ", "コーヒー", "ノギ", "チョコレート", "パーティー", "ショッピング", "ウィキペディア"]
JA_VERBS = ["止まっていた", "外れの", "食べます", "行きました", "書いた", "しゅっぱつする", "きょうは", "ちょっと"]
JA_PARTICLES = ["は", "が", "の", "を", "に", "で", "と", "も", "から", "まで", "です"]


@st.composite
def japanese_words(draw) -> list[str]:
    """Japanese-like text as its words: phrases of a noun or katakana word or verb, a particle,
    brackets and punctuation (no word longer than 8 characters)."""
    out: list[str] = []
    for _ in range(draw(st.integers(1, 14))):
        quoted = draw(st.booleans()) and draw(st.booleans())
        if quoted:
            out.append(draw(st.sampled_from(["「", "『", "（"])))
        for _ in range(draw(st.integers(1, 2))):
            out.append(draw(st.sampled_from(JA_NOUNS + JA_KATAKANA + JA_VERBS)))
        if draw(st.booleans()):
            out.append(draw(st.sampled_from(JA_PARTICLES)))
        if quoted:
            out.append(draw(st.sampled_from(["」", "』", "）"])))
        if draw(st.booleans()):
            out.append(draw(st.sampled_from(["、", "。", "！", "？"])))
    return out


@st.composite
def japanese_transcripts(draw) -> tuple[Transcript, list[str]]:
    """A Japanese transcript whose word timings are Whisper-like sub-word pieces: each word cut
    anywhere (single characters, kana runs), punctuation alone or stuck to the piece before."""
    words = draw(japanese_words())
    pieces: list[str] = []
    for w in words:
        cuts = sorted(draw(st.sets(st.integers(1, len(w) - 1), max_size=len(w) - 1)) if len(w) > 1 else [])
        bounds = [0, *cuts, len(w)]
        parts = [w[a:b] for a, b in zip(bounds, bounds[1:])]
        if pieces and w in "、。！？」』）" and draw(st.booleans()):
            pieces[-1] += w
        else:
            pieces.extend(parts)
    t, spec = draw(st.floats(0, 2)), []
    for p in pieces:
        if draw(st.integers(0, 9)) == 0:
            t += draw(st.floats(0.3, 2.5))  # a pause
        dur = 0.12 * len(p) * draw(st.floats(0.5, 2.0))
        spec.append(Word(p, t, t + dur, 0.9))
        t += dur
    lang = draw(st.sampled_from(["ja", "ja", None]))
    segs = [Segment(0, 0, 0.0, t, "".join(pieces))]
    return Transcript(language=lang, duration=t + 0.5, segments=segs, words=spec), words


def _breaks(cues) -> list[tuple[str, str]]:
    """Every line and cue break, as (the line before it, the line after it)."""
    lines = [line for c in cues for line in c.lines]
    return list(zip(lines, lines[1:]))


def assert_kinsoku(cues) -> None:
    for before, after in _breaks(cues):
        assert after[0] not in NO_START, (before, after)
        assert before[-1] not in NO_END, (before, after)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(japanese_transcripts(), styles)
def test_japanese_breaks_keep_kinsoku_words_and_phrases(sample, style: Style) -> None:
    tr, words = sample
    cues = segment(tr, style)
    eff = style.for_language(tr.language)
    assert_hard_limits(cues, eff)
    text = "".join(words)
    # the text kept: the same characters in order, no space added, every word piece once
    assert "".join(line for c in cues for line in c.lines) == text
    assert [w for c in cues for w in c.words] == tr.words
    assert_kinsoku(cues)
    # a break falls where BudouX ends a phrase and two pieces meet, unless the phrase so found
    # (the text between two such places) does not fit a line or a cue: longer than a line, said
    # over more than max_duration, or with a silence inside that ends a cue
    starts, pos = {}, 0
    for w in tr.words:
        starts[pos] = w
        pos += len(w.word)
    pos, phrase_ends = 0, set()
    for chunk in budoux.load_default_japanese_parser().parse(text):
        pos += len(chunk)
        phrase_ends.add(pos)
    ok = [0] + [p for p in sorted(set(starts) & phrase_ends) if text[p] not in NO_START and text[p - 1] not in NO_END]
    ok.append(len(text))

    def fits(a: int, b: int) -> bool:
        ws = [w for p, w in starts.items() if a <= p < b]
        gaps = [y.start - x.end for x, y in zip(ws, ws[1:])]
        span = max(w.end for w in ws) - ws[0].start
        return b - a <= eff.max_chars and span <= eff.max_duration and max(gaps, default=0) < HARD_PAUSE

    pos = 0
    for before, _ in _breaks(cues):
        pos += len(before)
        if pos not in ok:
            k = bisect.bisect(ok, pos)
            assert not fits(ok[k - 1], ok[k]), (text[ok[k - 1] : pos], text[pos : ok[k]])
    # so words are never split unless their phrase does not fit
    if all(fits(a, b) for a, b in zip(ok, ok[1:])):
        pos, word_ends = 0, {0}
        for w in words:
            pos += len(w)
            word_ends.add(pos)
        pos = 0
        for before, _ in _breaks(cues):
            pos += len(before)
            assert pos in word_ends, (text[:pos], text[pos:])
