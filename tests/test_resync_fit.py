"""resync's fit, property-tested: a shift, a frame-rate ratio and a split applied to cue times are
recovered from anchors with jitter and a few wrong ones; unrelated words are refused."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from captioner.resync.anchors import Heard, match, tokens
from captioner.resync.files import ResyncError
from captioner.resync.fit import RATES, Anchor, fit
from captioner.resync.judge import describe, find


def _cues(seed: int, count: int) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    t, out = rng.uniform(0, 5), []
    for _ in range(count):
        start = t + rng.uniform(0.1, 2.0)
        end = start + rng.uniform(0.8, 5.0)
        out.append((start, end))
        t = end
    return out


@st.composite
def cases(draw: st.DrawFn):
    count = draw(st.integers(12, 60))
    cues = _cues(draw(st.integers(0, 10**6)), count)
    rate = draw(st.sampled_from(RATES))
    offset = draw(st.floats(-40, 40))
    split = draw(st.one_of(st.none(), st.integers(4, count - 4)))
    jump = draw(st.sampled_from([-8.0, -3.0, 5.0, 12.0, 30.0])) if split is not None else 0.0
    return cues, rate, offset, split, jump, draw(st.integers(0, 10**6))


def _truth(rate: float, offset: float, split: int | None, jump: float, index: int, t: float) -> float:
    return rate * t + offset + (jump if split is not None and index >= split else 0.0)


@given(cases())
@settings(max_examples=150, deadline=None)
def test_a_shift_rate_and_split_are_recovered(case) -> None:
    cues, rate, offset, split, jump, seed = case
    rng = random.Random(seed)
    anchors = []
    unknowable = set()  # cues whose every anchor is wrong: nothing says where they went
    for index, (start, end) in enumerate(cues):
        wrong_anchors = 0
        for t, is_start in ((start, True), (end, False)):
            media = _truth(rate, offset, split, jump, index, t) + rng.uniform(-0.05, 0.05)
            if rng.random() < 0.05:  # a word matched in the wrong place (not where the other piece
                # puts it: that anchor would be right for the other piece, and its cue ambiguous)
                wrong = rng.choice([-1, 1]) * rng.uniform(1, 20)
                media += wrong if abs(abs(wrong) - abs(jump)) > 1 else 25.0
                wrong_anchors += 1
            anchors.append(Anchor(t, media, is_start, start))
        if wrong_anchors == 2:
            unknowable.add(index)
    found = fit(anchors)
    assert found is not None
    errors = [
        abs(found.at(start) - _truth(rate, offset, split, jump, i, start))
        for i, (start, _) in enumerate(cues)
        if i not in unknowable
    ]
    assert sum(e <= 0.10 for e in errors) >= 0.95 * len(errors), (found, max(errors))
    assert len(found.splits) == (split is not None)
    if split is not None:
        assert found.splits[0][1] == pytest.approx(jump, abs=0.1)


def test_a_rate_is_named_exactly_over_a_long_file() -> None:
    cues = _cues(7, 400)
    anchors = [Anchor(t, t * 25 / (24000 / 1001) + 2.0, s) for a, b in cues for t, s in ((a, True), (b, False))]
    found = fit(anchors)
    assert found is not None and found.rate == 25 / (24000 / 1001) and len(found.pieces) == 1
    assert found.pieces[0].offset == pytest.approx(2.0)


_TEXT = (
    "printing in the only sense with which we are at present concerned differs from most if not from all "
    "the arts and crafts represented in the exhibition in being comparatively modern for although the chinese "
    "took impressions from wood blocks engraved in relief for centuries before the woodcutters of the netherlands"
).split()


def _captioned(shift: float) -> tuple[list[tuple[float, float, str]], list[Heard]]:
    heard = [Heard(f" {w.capitalize()},", 0.4 * i + 1, 0.4 * i + 1.3) for i, w in enumerate(_TEXT)]
    cues = []
    for first in range(0, len(_TEXT), 6):
        words = heard[first : first + 6]
        cues.append((words[0].start + shift, words[-1].end + shift, " ".join(_TEXT[first : first + 6])))
    return cues, heard


def test_words_matched_give_the_offset() -> None:
    cues, heard = _captioned(3.7)
    found = find(cues, heard)
    assert found.fit.pieces[0].offset == pytest.approx(-3.7) and found.confidence == 1.0
    assert describe(found)[0] == "offset -3.700 s"


def test_unrelated_words_are_refused() -> None:
    cues, _ = _captioned(0.0)
    other = "four score and seven years ago our fathers brought forth on this continent a new nation".split()
    heard = [Heard(w, i * 0.5, i * 0.5 + 0.4) for i, w in enumerate(other * 3)]
    with pytest.raises(ResyncError, match="refused"):
        find(cues, heard)
    with pytest.raises(ResyncError, match="no speech"):
        find(cues, [])


def test_tokens_ignore_case_punctuation_and_markup() -> None:
    assert tokens("Don't — ask, NOT!") == ["dont", "ask", "not"]
    assert match([(0, 1, "ask not")], [Heard(" Ask", 5, 5.2), Heard(" not.", 5.3, 5.6)]).anchors == [
        Anchor(0, 5, True, 0),
        Anchor(1, 5.6, False, 0),
    ]


def test_a_few_cues_found_are_not_enough() -> None:
    """Two cues of ten found in the speech (four anchors that agree): refused, not guessed."""
    cues, heard = _captioned(0.0)
    words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor".split()
    cues = cues[:2] + [(c[0] + 100, c[1] + 100, " ".join(words[i % 5 : i % 5 + 6])) for i, c in enumerate(cues * 3)]
    with pytest.raises(
        ResyncError, match=r"refused: no fit to trust \(confidence 0\.20; 4 of 4 anchors agree, 2 of 10 cues"
    ):
        find(cues[:10], heard)


def _reading(seed: int) -> list[Anchor]:
    """Anchors of a 3.7-minute reading's 50 cues, timed at 23.976 fps and played at 25 (captions
    3.7 s late), with 12 s of other material inserted at 72 s and 8 s cut at 150 s; each cue opens
    0.1 s before its first word and closes 0.25 s after its last, the words jittered as Whisper's
    are (0.06 s)."""
    rng = random.Random(seed)
    rate = 25 / (24000 / 1001)

    def media(t: float) -> float | None:
        if 150 <= t < 158:
            return None
        return t + (12 if t >= 72 else 0) - (8 if t >= 158 else 0)

    anchors, t = [], 0.5
    while t < 215:
        start, end = t, t + rng.uniform(2.0, 6.5)
        x_start, x_end = start * (1 / rate) + 3.7, end * (1 / rate) + 3.7
        for x, at, habit, is_start in ((x_start, start, 0.1, True), (x_end, end, -0.25, False)):
            where = media(at)
            if where is not None:
                anchors.append(Anchor(x, where + habit + rng.gauss(0, 0.06), is_start, x_start))
        t = end + rng.uniform(0.1, 0.6)
    return anchors


def test_25_over_23_976_is_not_taken_for_25_over_24() -> None:
    """The two ratios are 0.1% apart: over 3.7 minutes both put every anchor within tolerance, and
    which cost less was the jitter's draw: main took 25/24 in 7 of these 60 draws (cue starts then up
    to 0.12 s off).  Now the anchors' slope decides where it rejects one, else the film rate is
    taken: 2 draws left whose slope is 3.6 standard errors from 25/23.976."""
    wrong = [seed for seed in range(60) if (found := fit(_reading(seed))) is None or found.rate != 25 / (24000 / 1001)]
    assert len(wrong) <= 2, wrong


def test_a_rate_of_1_keeps_its_prior_over_24_over_23_976() -> None:
    rate = 25 / (24000 / 1001)
    found = fit([Anchor(a.caption * rate, a.media, a.is_start, a.cue_start) for a in _reading(3)])
    assert found is not None and found.rate == 1.0
