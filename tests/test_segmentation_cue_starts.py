"""A cue starts with its first word: never after it, and at most 2 frames (0.08 s) before it (#28).

Property-tested on words whose times are known (in order, never overlapping, on whole milliseconds,
as refine's retiming leaves them), with fast speech that the reading speed would like to start
early or late, under every preset; and on real speech: a sample captioned by the real model, each
cue against its own first word in the JSON written beside it."""

from __future__ import annotations

import json

import pytest
import srt
from hypothesis import given, settings
from hypothesis import strategies as st

from captioner.captions.segmentation import segment
from captioner.core.style import PRESETS, Style
from captioner.core.transcript import Segment, Transcript, Word

LEAD = 0.08  # 2 frames at 25 fps
EPS = 1e-9
WORDS = ["the", "committee", "met", "again", "on", "Tuesday,", "and", "agreed", "that", "budget", "would", "be", "so."]


@st.composite
def known_words(draw: st.DrawFn) -> Transcript:
    """Speech of any pace (up to ~35 characters a second) with pauses, on whole milliseconds; no word
    longer than 12 characters (a longer one is cut into pieces whose times are spread, not known)."""
    t = draw(st.integers(0, 3000))
    words = []
    for text in draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=50)):
        t += draw(st.sampled_from([0, 0, 0, 20, 150, 400, 900, 2500]))
        ms_per_char = draw(st.sampled_from([28, 40, 55, 80]))
        length = max(30, ms_per_char * (len(text) + 1))
        words.append(Word(" " + text, t / 1000, (t + length) / 1000, 0.9))
        t += length
    end = t + draw(st.sampled_from([0, 40, 300, 3000]))
    segs = [Segment(0, 0, words[0].start, words[-1].end, "".join(w.word for w in words))]
    return Transcript(language="en", duration=end / 1000, segments=segs, words=words)


def assert_starts_with_first_word(cues, transcript: Transcript) -> None:
    for cue in cues:
        first = next(w for w in cue.words if w.word.strip())
        assert cue.start <= first.start + EPS, (cue, "starts after its first word")
        assert cue.start >= first.start - LEAD - EPS, (cue, "starts more than 2 frames before its first word")


@settings(max_examples=120, deadline=None)
@given(known_words(), st.sampled_from(sorted(PRESETS)))
def test_a_cue_never_starts_after_its_first_word_nor_2_frames_before(transcript: Transcript, preset: str) -> None:
    assert_starts_with_first_word(segment(transcript, PRESETS[preset]), transcript)


@settings(max_examples=50, deadline=None)
@given(known_words(), st.integers(12, 50), st.floats(0.5, 2.0), st.sampled_from([0.0, 0.04, 0.08]))
def test_the_rule_holds_for_any_line_length_duration_and_gap(
    transcript: Transcript, max_chars: int, min_duration: float, min_gap: float
) -> None:
    style = Style().with_overrides(max_chars=max_chars, min_duration=min_duration, min_gap=min_gap)
    assert_starts_with_first_word(segment(transcript, style), transcript)


def test_a_fast_line_after_a_pause_starts_with_its_first_word() -> None:
    # 42 characters said in 1.55 s (27 cps) after 2.5 s of silence, the next line right after it: it
    # used to be shown 0.5 s before anyone spoke (max_lead 0.5 s); now 2 frames at most
    spec = [(" Hi.", 0.0, 0.5), (" " + "x" * 42, 3.0, 4.55), (" " + "y" * 42, 4.55, 7.0)]
    words = [Word(t, a, b, 0.9) for t, a, b in spec]
    transcript = Transcript("en", 7.0, [Segment(0, 0, 0.0, 7.0, "".join(t for t, _, _ in spec))], words=words)
    cues = segment(transcript, Style())
    assert [len(c.text) for c in cues] == [3, 42, 42]
    assert 3.0 - LEAD - EPS <= cues[1].start <= 3.0
    assert cues[2].start == 4.55  # not lagged behind its first word to give the fast line time


def _first_words(cues: list[srt.Subtitle], words: list[dict]) -> list[dict]:
    """Each cue's first word among the transcript's words (the captions hold exactly those words, in
    order: each cue takes as many words as make up its characters, spaces aside)."""
    firsts, at = [], 0
    for cue in cues:
        chars = len("".join(cue.content.split()))
        firsts.append(words[at])
        taken = 0
        while taken < chars and at < len(words):
            taken += len("".join(words[at]["word"].split()))
            at += 1
    return firsts


@pytest.mark.slow
def test_real_speech_cues_start_with_their_first_words(cli, sample_copy) -> None:
    """The Japanese sample (real speech, the real model): one sentence after 0.8 s of silence, over
    Japanese's reading speed.  Before #28 its cue was shown from 0.3 s, half a second before anyone
    spoke (a lead for the reading speed)."""
    media = sample_copy("ja_picovoice_test.flac")
    code, _, err = cli(media, "-f", "srt,json", "-q", "--language", "ja")
    assert code == 0, err
    cues = list(srt.parse(media.with_suffix(".srt").read_text("utf-8")))
    words = [w for w in json.loads(media.with_suffix(".json").read_text("utf-8"))["words"] if w["word"].strip()]
    assert cues and words[0]["start"] > 0.3  # the silence before the speech is there to lead into
    for cue, first in zip(cues, _first_words(cues, words), strict=True):
        start = cue.start.total_seconds()
        assert first["start"] - LEAD - 1e-6 <= start <= first["start"] + 1e-6, (cue.content, start, first)
