"""Cues of several speakers (no model): dialogue cues, labels, no two cues on screen at once, every
word once; the joined transcript's shape; the writers' voice markup read back by their libraries."""

from __future__ import annotations

import json
from collections import Counter

import jsonschema
import pytest
import srt
import webvtt
from hypothesis import given, settings
from hypothesis import strategies as st

from captioner.captions.dialogue import dashes, turns
from captioner.captions.segmentation import segment
from captioner.core.speakers import check_names, join_speakers, rename_speakers, speakers_of, split_speakers
from captioner.core.style import PRESETS, Style
from captioner.core.transcript import Segment, Transcript, VoiceRegions, Word, load_schema
from captioner.core.transcript_check import transcript_problem
from captioner.output.writers import render_srt, render_txt, render_vtt
from captioner.refine.refine import refine


def voice(language: str, *said: tuple[float, str]) -> Transcript:
    """One speaker's transcript: words of 0.3 s from the given start times."""
    words = [Word(" " + text, start, start + 0.3, 0.9) for start, text in said]
    segments = [Segment(0, 0, words[0].start, words[-1].end, "".join(w.word for w in words))] if words else []
    return Transcript(language=language, duration=30.0, segments=segments, words=words)


def two(a: Transcript, b: Transcript, names: tuple[str, str] = ("Speaker 1", "Speaker 2")) -> Transcript:
    return join_speakers([(names[0], a), (names[1], b)], {"speakers_by": "channels"})


def sentence(start: float, text: str, step: float = 0.35) -> list[tuple[float, str]]:
    return [(start + k * step, word) for k, word in enumerate(text.split())]


def test_speech_at_once_becomes_one_dialogue_cue_with_dashes() -> None:
    joined = two(voice("en", *sentence(1.0, "Where were you?")), voice("en", *sentence(1.2, "At home.")))
    cues = segment(joined, PRESETS["netflix"])
    assert len(cues) == 1
    assert cues[0].lines == ("-Where were you?", "-At home.")
    assert cues[0].voices == ("Speaker 1", "Speaker 2") and cues[0].label is None
    french = two(voice("fr", *sentence(1.0, "Tu étais où ?")), voice("fr", *sentence(1.2, "Chez moi.")))
    assert segment(french, PRESETS["netflix"])[0].lines == ("- Tu étais où ?", "- Chez moi.")
    assert dashes("he") == ("", "-") and dashes("de-AT") == ("-", "-")


def test_turns_are_labelled_and_voiced_in_each_format() -> None:
    joined = two(
        voice("en", *sentence(1.0, "Good morning and welcome to the show.")),
        voice("en", *sentence(5.0, "Thank you for having me here today.")),
        names=("Ann", "Bob"),
    )
    cues = segment(joined, PRESETS["netflix"])
    assert [c.label for c in cues] == ["Ann", "Bob"]
    assert [set(c.voices) for c in cues] == [{"Ann"}, {"Bob"}]
    subs = list(srt.parse(render_srt(cues)))
    assert subs[0].content.startswith("Ann: Good morning") and subs[1].content.startswith("Bob: Thank you")
    assert all(len(line) <= 42 for sub in subs for line in sub.content.splitlines())  # the label had room
    vtt = webvtt.from_string(render_vtt(cues))
    assert [c.voice for c in vtt.captions] == ["Ann", "Bob"]
    assert "Ann:" not in vtt.captions[0].text  # the voice span names the speaker there
    assert 'voice="Bob"' in render_vtt(cues)  # the second voice coloured (STYLE block)
    assert render_txt(cues).splitlines()[1].startswith("Bob: ")
    highlighted = webvtt.from_string(render_vtt(cues, highlight_words=True))
    assert [c.voice for c in highlighted.captions] == ["Ann", "Bob"]


def test_a_long_cue_keeps_the_screen_and_the_interjection_waits() -> None:
    long = "I was saying that the committee will meet again next week to decide on the budget for the school"
    joined = two(voice("en", *sentence(1.0, long, 0.25)), voice("en", *sentence(1.5, "Really?")))
    cues = segment(joined, PRESETS["netflix"])
    assert all(a.end <= b.start for a, b in zip(cues, cues[1:]))
    interjection = next(c for c in cues if "Really?" in " ".join(c.lines))
    assert interjection.start > 1.5 or interjection.lines[-1] == "-Really?"  # waited, or a dialogue line


def test_turns_end_where_another_speaker_talks_in_the_pause() -> None:
    ann = [Word(" a", 0.0, 0.3), Word(" b", 0.4, 0.6), Word(" c", 2.0, 2.3)]
    bob = [Word(" x", 1.0, 1.4)]
    assert [[w.text for w in t] for t in turns(ann, bob)] == [["a", "b"], ["c"]]
    assert [[w.text for w in t] for t in turns(ann, [])] == [["a", "b", "c"]]


def test_join_split_rename_round_trip_and_stay_valid_json() -> None:
    a = voice("de", *sentence(0.5, "Guten Tag."))
    a.meta.update({"backend": "local", "model": "base"})
    a.voice = VoiceRegions(speech=((0.4, 1.3),))
    b = voice("ja", (0.7, "こんにちは"))
    b.voice = VoiceRegions(speech=((0.6, 1.1),))
    joined = two(a, b)
    assert speakers_of(joined) == ["Speaker 1", "Speaker 2"]
    assert [w.speaker for w in joined.words] == ["Speaker 1", "Speaker 2", "Speaker 1"]
    back = split_speakers(Transcript.from_json(joined.to_json()))
    assert [(name, t.language, [w.text for w in t.words], t.voice) for name, t in back] == [
        ("Speaker 1", "de", ["Guten", "Tag."], VoiceRegions(speech=((0.4, 1.3),))),
        ("Speaker 2", "ja", ["こんにちは"], VoiceRegions(speech=((0.6, 1.1),))),
    ]
    named = rename_speakers(joined, ("Anna", "Kenji"))
    data = json.loads(named.to_json())
    jsonschema.validate(data, load_schema())
    assert transcript_problem(data) is None
    assert {w["speaker"] for w in data["words"]} == {"Anna", "Kenji"}
    assert data["captioner"]["speakers"] == ["Anna", "Kenji"] and data["captioner"]["speakers_by"] == "channels"
    damaged = {**data, "words": [{**data["words"][0], "speaker": 3}]}
    assert transcript_problem(damaged) == "word 0: speaker is not a string"
    refined = refine(Transcript.from_json(named.to_json()))  # a speaker at a time, on their own regions
    assert speakers_of(refined) == ["Anna", "Kenji"] and "filtered" in refined.meta["parts"][0]


@pytest.mark.parametrize("names", ["", "Ann,,Bob", "Ann,Ann", "A<b", "x" * 33, "Ann & Bob"])
def test_bad_speaker_names_are_refused(names: str) -> None:
    with pytest.raises(ValueError):
        check_names(names)


_words = st.lists(
    st.tuples(
        st.floats(0.0, 0.8),  # pause before the word
        st.floats(0.05, 0.6),  # its length
        st.sampled_from(["so", "we", "said", "nothing", "about", "it,", "really.", "yes?", "the", "weather"]),
    ),
    min_size=0,
    max_size=25,
)


def _speaker(said: list[tuple[float, float, str]], offset: float) -> Transcript:
    words, t = [], offset
    for pause, length, text in said:
        t += pause
        words.append(Word(" " + text, round(t, 3), round(t + length, 3), 0.9))
        t += length
    return Transcript(language="en", duration=60.0, segments=[], words=words)


@settings(max_examples=150, deadline=None)
@given(
    a=_words,
    b=_words,
    offset=st.floats(0.0, 5.0),
    style=st.sampled_from(sorted(PRESETS)),
    lines=st.sampled_from([1, 2, 3]),
)
def test_no_two_cues_on_screen_and_every_word_once(a, b, offset, style, lines) -> None:
    chosen: Style = PRESETS[style].with_overrides(max_lines=lines)
    first, second = _speaker(a, 0.0), _speaker(b, offset)
    joined = two(first, second)
    cues = segment(joined, chosen)
    said = Counter((w.speaker, w.word, w.start) for w in joined.words)
    shown = Counter((v, w.word, w.start) for c in cues for w in c.words for v in [w.speaker])
    assert shown == said  # every word once, with its speaker
    for cue in cues:
        assert 0 <= cue.start < cue.end <= joined.duration
        assert len(cue.lines) <= chosen.max_lines and len(cue.voices) == len(cue.lines)
        assert {w.speaker for w in cue.words} == set(cue.voices)
        shown_lines = render_srt([cue]).split("\n")[2:]
        assert all(len(line) <= chosen.max_chars for line in shown_lines if line)  # labels and dashes fit
        if len(set(cue.voices)) > 1:
            assert len(cue.lines) == 2 and all(line.startswith("-") for line in cue.lines)
    for before, after in zip(cues, cues[1:]):
        gap = round((after.start - before.end) * 1000)
        assert gap >= 0  # never two at once
        assert gap == 0 or gap >= round(chosen.min_gap * 1000) - 1
