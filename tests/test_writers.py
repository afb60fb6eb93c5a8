from __future__ import annotations

import html
import io

import srt
import webvtt
from hypothesis import given
from hypothesis import strategies as st

from captioner.core.cues import Cue
from captioner.core.transcript import Transcript, Word
from captioner.output.writers import render, render_srt, render_txt, render_vtt

line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=30
).filter(lambda s: s.strip())


@st.composite
def cue_lists(draw: st.DrawFn) -> list[Cue]:
    count = draw(st.integers(min_value=0, max_value=6))
    t = draw(st.integers(min_value=0, max_value=10_000))
    cues = []
    for _ in range(count):
        start = t + draw(st.integers(min_value=0, max_value=3000))
        end = start + draw(st.integers(min_value=1, max_value=7000))
        lines = tuple(draw(st.lists(line_text, min_size=1, max_size=2)))
        cues.append(Cue(start=start / 1000, end=end / 1000, lines=lines))
        t = end
    return cues


def expected_lines(cue: Cue) -> list[str]:
    return [" ".join(ln.replace("-->", "->").split()) for ln in cue.lines if ln.strip()]


@given(cue_lists())
def test_srt_round_trips_through_the_srt_library(cues: list[Cue]) -> None:
    parsed = list(srt.parse(render_srt(cues)))
    kept = [c for c in cues if expected_lines(c)]
    assert len(parsed) == len(kept)
    for sub, cue in zip(parsed, kept):
        assert round(sub.start.total_seconds(), 3) == round(cue.start, 3)
        assert round(sub.end.total_seconds(), 3) == round(cue.end, 3)
        assert sub.content.split("\n") == expected_lines(cue)


@given(cue_lists())
def test_vtt_round_trips_through_webvtt_py(cues: list[Cue]) -> None:
    text = render_vtt(cues)
    assert text.startswith("WEBVTT")
    parsed = webvtt.from_buffer(io.StringIO(text)).captions
    kept = [c for c in cues if expected_lines(c)]
    assert len(parsed) == len(kept)
    for caption, cue in zip(parsed, kept):
        assert abs(caption.start_in_seconds + caption.start_time.milliseconds / 1000 - round(cue.start, 3)) < 1e-6
        assert html.unescape(caption.raw_text).split("\n") == expected_lines(cue)


def test_vtt_escapes_markup_characters() -> None:
    text = render_vtt([Cue(1.0, 2.0, ("Tom & Jerry <3",))])
    assert "Tom &amp; Jerry &lt;3" in text


def test_highlighted_vtt_has_word_timestamps_and_the_same_text() -> None:
    words = (Word(" Ask", 1.0, 1.3), Word(" not", 1.4, 1.7), Word(" what.", 1.8, 2.2))
    cue = Cue(1.0, 2.5, ("Ask not what.",), words)
    text = render_vtt([cue], highlight_words=True)
    assert "<00:00:01.400>not" in text and "<00:00:01.800>what." in text
    caption = webvtt.from_buffer(io.StringIO(text)).captions[0]
    assert caption.text == "Ask not what."  # players without karaoke support show the plain text


def test_empty_captions_are_valid_files() -> None:
    assert render_srt([]) == ""
    assert webvtt.from_buffer(io.StringIO(render_vtt([]))).captions == []
    assert render_txt([]) == ""


def test_json_is_the_transcript() -> None:
    transcript = Transcript("en", 1.0, [], words=[])
    assert Transcript.from_json(render("json", [], transcript)).to_dict() == transcript.to_dict()
