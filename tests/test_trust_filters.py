"""Hallucination filters on synthetic transcripts (no audio, no model)."""

from __future__ import annotations

from dataclasses import replace

import jsonschema
import pytest

from captioner.core.transcript import Segment, Transcript, Word, load_schema
from captioner.refine.hallucination import FilterSettings, clean, is_stock_phrase, repetition_runs


def seg(i: int, start: float, end: float, text: str, nsp: float = 0.01, lp: float = -0.2, cr: float = 1.3) -> Segment:
    return Segment(
        id=i,
        seek=0,
        start=start,
        end=end,
        text=text,
        tokens=(1, 2),
        temperature=0.0,
        avg_logprob=lp,
        compression_ratio=cr,
        no_speech_prob=nsp,
    )


def words_for(start: float, end: float, text: str, prob: float | None = 0.9) -> list[Word]:
    toks = text.split()
    step = (end - start) / len(toks)
    return [Word(" " + t, start + k * step, start + (k + 1) * step, prob) for k, t in enumerate(toks)]


def transcript(*parts: tuple, with_words: bool = True) -> Transcript:
    segments, words = [], []
    for i, (start, end, text, *scores) in enumerate(parts):
        segments.append(seg(i, start, end, " " + text, *scores))
        words.extend(words_for(start, end, text))
    return Transcript(language="en", duration=60.0, segments=segments, words=words if with_words else None)


def texts(tr: Transcript) -> list[str]:
    return [s.text.strip() for s in tr.segments]


def test_real_speech_is_kept_untouched():
    tr = transcript((0.5, 3.0, "And so, my fellow Americans,"), (3.2, 6.0, "ask not what your country can do for you."))
    out, report = clean(tr, speech=[(0.4, 6.1)])
    assert texts(out) == texts(tr)
    assert out.words == tr.words
    assert report.removed_segments == 0 and report.removed_words == 0


def test_thank_you_for_watching_over_high_no_speech_prob_is_removed():
    tr = transcript((0.5, 3.0, "We meet again tomorrow."), (50.0, 52.0, "Thank you for watching!", 0.55, -0.5))
    out, report = clean(tr)
    assert texts(out) == ["We meet again tomorrow."]
    assert [w.text for w in out.words] == ["We", "meet", "again", "tomorrow."]
    assert report.segments == {"phrase": 1}


def test_confident_thank_you_inside_speech_is_kept():
    tr = transcript((0.5, 2.0, "Thank you.", 0.02, -0.1))
    out, _ = clean(tr, speech=[(0.4, 2.1)])
    assert texts(out) == ["Thank you."]


def test_doubted_text_outside_every_speech_region_is_removed():
    tr = transcript(
        (4.7, 6.1, "Music", 0.05, -0.3),
        (10.0, 12.0, "Speech in the music.", 0.05, -0.3),
        (20.0, 22.0, "I'm going to go to the store.", 0.3, -0.5),
    )
    out, report = clean(tr, speech=[(9.8, 12.5)])
    assert texts(out) == ["Speech in the music."]
    assert report.segments == {"phrase": 1, "outside_speech": 1}


def test_no_speech_region_at_all_removes_doubted_text():
    tr = transcript((1.0, 3.0, "I'm going to go to the store.", 0.1, -0.7))
    out, report = clean(tr, speech=[])
    assert out.segments == [] and out.words == []
    assert report.removed_words == 7


def test_confident_words_the_vad_missed_are_kept():
    """Silero misses hoarse or quiet voices: a confident decode outside its regions stays."""
    tr = transcript((25.0, 30.0, "So this is the sick corpus.", 0.07, -0.23))
    out, report = clean(tr, speech=[(0.9, 17.3)])
    assert texts(out) == ["So this is the sick corpus."]
    assert report.removed_words == 0


def test_whisper_silence_rule_for_backends_that_do_not_apply_it():
    tr = transcript((0.0, 2.0, "Hello there.", 0.9, -1.4), (2.0, 4.0, "Real words here.", 0.9, -0.3))
    out, report = clean(tr)
    assert texts(out) == ["Real words here."]
    assert report.segments == {"silence": 1}


def test_punctuation_only_segments_and_leading_words_never_remain():
    tr = transcript((0.0, 1.0, "."), (1.0, 3.0, "Hello world."))
    tr.words.insert(1, Word(" ...", 1.0, 1.1, 0.5))
    out, report = clean(tr)
    assert texts(out) == ["Hello world."]
    assert [w.word for w in out.words] == [" Hello", " world."]
    assert report.segments == {"punctuation": 1}
    assert report.words == {"punctuation": 1}


def test_repetition_loop_inside_a_segment_keeps_one_copy():
    loop = " ".join(["I'm sorry, I'm sorry."] + ["I'm sorry."] * 0) + " and then" + " we go to the shop" * 6
    tr = transcript((0.0, 20.0, loop.strip(), 0.1, -0.6, 3.1))
    out, report = clean(tr)
    assert texts(out) == ["I'm sorry, I'm sorry. and then we go to the shop"]
    assert [w.text for w in out.words][-5:] == ["we", "go", "to", "the", "shop"]
    assert report.words == {"repetition": 25}


def test_repeated_segments_are_dropped_after_the_first():
    parts = [(0.5, 2.0, "Real start.")] + [
        (2.0 + 2 * k, 4.0 + 2 * k, "Thank you very much.", 0.1, -0.5) for k in range(5)
    ]
    out, report = clean(transcript(*parts))
    assert texts(out) == ["Real start.", "Thank you very much."]
    assert report.segments == {"repetition": 4}


def test_speech_repeats_are_not_loops():
    assert repetition_runs("no no no".split()) == []
    assert repetition_runs("one two one two three".split()) == []
    assert repetition_runs("go go go go go".split()) == [(0, 1, 5)]  # (first token, phrase length, copies)
    assert repetition_runs("la di la di la di".split()) == [(0, 2, 3)]


def test_without_word_timings_the_segment_text_is_filtered():
    tr = transcript((0.0, 3.0, "Thanks for watching.", 0.7, -0.6), (3.0, 9.0, "yes" + " and yes" * 8), with_words=False)
    out, report = clean(tr)
    assert out.words is None
    assert texts(out) == ["yes and yes"]
    assert report.segments == {"phrase": 1}


def test_stock_phrases():
    assert is_stock_phrase(" Thank you for watching!")
    assert is_stock_phrase("Subtitles by the Amara.org community")
    assert not is_stock_phrase("Thank you for the music that you played")


def test_cleaned_transcript_is_schema_valid_and_renumbered():
    tr = transcript((0.0, 1.0, "♪"), (1.0, 3.0, "Hello world."), (3.0, 5.0, "Thank you.", 0.6, -0.8))
    out, report = clean(tr, settings=FilterSettings())
    out.meta["filtered"] = report.to_dict()
    jsonschema.validate(out.to_dict(), load_schema())
    assert [s.id for s in out.segments] == [0]
    assert out.to_dict()["captioner"]["filtered"]["removed_segments"] == 2


@pytest.mark.parametrize("nsp", [0.0, 0.1])
def test_thresholds_are_configurable(nsp: float):
    tr = transcript((0.0, 2.0, "Thank you.", nsp, -0.3))
    out, _ = clean(tr, settings=FilterSettings(phrase_no_speech=0.05))
    assert bool(out.segments) == (nsp < 0.05)


def test_a_repeated_word_the_speaker_said_is_kept_and_a_doubtful_loop_is_not():
    # "here's some more word, word, word, word, word, word" (corpus item en_mfa_disfluency_mfa_words)
    said = transcript((3.5, 6.0, "here's some more word, word, word, word, word, word."))
    out, report = clean(said, speech=[(3.4, 6.1)])
    assert texts(out) == texts(said) and report.removed_words == 0
    # the same words where the VAD heard nothing, or decoded unsure, or by a looping decoder
    _, report = clean(said, speech=[(0.0, 4.2)])
    assert report.words == {"repetition": 5}
    unsure = transcript((3.5, 6.0, "here's some more word, word, word, word, word, word."))
    unsure = replace(unsure, words=[replace(w, probability=0.3) for w in unsure.words])
    _, report = clean(unsure, speech=[(3.4, 6.1)])
    assert report.words == {"repetition": 5}
    looping = transcript((3.5, 6.0, "here's some more word, word, word, word, word, word.", 0.01, -0.2, 2.6))
    _, report = clean(looping, speech=[(3.4, 6.1)])
    assert report.words == {"repetition": 5}


def test_words_whisper_gave_almost_no_chance_are_dropped_even_on_vad_speech():
    # "la ... la" on a stretch of music the VAD took for a voice, after every temperature failed
    def la(prob: float, temperature: float = 1.0, lp: float = -1.3) -> Transcript:
        tr = transcript((0.0, 2.0, "la la", 0.3, lp), (8.6, 9.9, "la", 0.3, lp))
        segments = [replace(s, temperature=temperature) for s in tr.segments]
        return replace(tr, segments=segments, words=[replace(w, probability=prob) for w in tr.words])

    speech = [(0.38, 1.54), (8.6, 8.93)]
    out, report = clean(la(0.04), speech=speech)
    assert out.segments == [] and report.segments == {"unsure": 2}
    out, _ = clean(la(0.1), speech=speech)  # garbled real speech decodes about this sure, and stays
    assert texts(out) == ["la la", "la"]
    out, report = clean(la(0.04, temperature=0.0, lp=-0.6), speech=speech)
    assert out.segments == [] and report.segments == {"unsure": 2}
