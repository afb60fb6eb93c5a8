"""Holes (speech without words) and word retiming, on synthetic data."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SAMPLES

from captioner.core.transcript import Segment, Transcript, VoiceRegions, Word
from captioner.refine.refine import refine
from captioner.refine.speech import detect_speech, find_holes, retime
from captioner.transcription.base import TranscribeOptions


def w(text: str, start: float, end: float) -> Word:
    return Word(" " + text, start, end, 0.9)


def test_a_speech_stretch_without_words_is_a_hole() -> None:
    words = [w("a", 1.0, 1.5), w("b", 1.5, 2.0), w("c", 9.0, 9.5)]
    assert find_holes(words, [(0.9, 10.0)]) == [(2.3, 8.7)]
    assert find_holes(words, [(0.9, 2.2), (8.8, 9.6)]) == []


def test_short_gaps_are_not_holes() -> None:
    words = [w("a", 1.0, 1.5), w("b", 2.6, 3.0)]
    assert find_holes(words, [(1.0, 3.0)], min_length=1.0) == []


def transcript(words: list[Word], duration: float = 30.0) -> Transcript:
    return Transcript("en", duration, [Segment(0, 0, 0.0, duration, "".join(x.word for x in words))], words)


def test_first_word_does_not_start_at_zero_when_speech_starts_later() -> None:
    tr = transcript([w("Mister", 0.0, 0.74), w("Quilter", 0.8, 1.2)])
    out = retime(tr, [(0.5, 1.4)])
    assert out.words[0].start == 0.5
    assert out.words[1].start == 0.8


def test_shifts_and_final_extension_keep_words_ordered_and_inside() -> None:
    tr = transcript([w("a", 1.0, 1.4), w("b", 1.42, 2.0), w("end", 5.0, 5.9)], duration=6.0)
    out = retime(tr, [(0.9, 2.3), (4.9, 6.0)], start_shift=0.05, end_shift=0.05, final_extension=0.2)
    s = [(x.start, x.end) for x in out.words]
    assert s[0] == (1.05, 1.45)  # the next word starts at 1.47: no overlap
    assert s[1] == (1.47, 2.2)  # before a pause: extended by 0.2, inside the speech region
    assert s[2] == (5.05, 5.95)  # the file ends 0.1 s later: no pause to extend into
    for (a, b), (c, _) in zip(s, s[1:]):
        assert a < b <= c


def test_silence_has_no_speech_regions() -> None:
    assert detect_speech(np.zeros(16000 * 3, dtype=np.float32)) == []
    assert detect_speech(np.zeros(0, dtype=np.float32)) == []


def test_utterance_edges_time_the_first_and_last_words() -> None:
    # "lower" is glued to "slightly" by Whisper across a 0.35 s pause; "words" ends 0.5 s early
    tr = transcript(
        [w("slightly", 11.08, 11.56), w("lower", 11.56, 12.68), w("words", 16.04, 16.54), w("and", 18.4, 18.7)],
        duration=20.0,
    )
    utterances = [(8.0, 11.9), (12.19, 14.3), (14.53, 17.25), (18.43, 18.91)]
    out = retime(tr, [(8.0, 17.35), (18.33, 19.01)], utterances=utterances, max_final_extension=0.4)
    times = [(x.start, x.end) for x in out.words]
    assert times[1][0] == 12.19  # starts where its utterance starts, not in the pause
    assert times[0][1] == 11.9  # the last word of its utterance ends where the utterance ends ...
    assert times[2][1] == 16.94  # ... "words" is extended towards its utterance's end, by at most 0.4 s
    assert times[3] == (18.43, 18.91)  # onset of its utterance; the last word of the file: extended
    # without utterance regions the old rule applies: at most 0.2 s after a pause
    old = retime(tr, [(8.0, 17.35), (18.33, 19.01)], final_extension=0.2)
    assert old.words[1].start == 11.56 and old.words[2].end == 16.74


def scripted(words: list[Word], utterances: list[tuple[float, float]], duration: float = 30.0) -> list[float]:
    """The starts refine gives an aligned transcript's words (every word said) on these utterances."""
    tr = transcript(words, duration)
    tr.meta["aligned"] = {"words": len(words)}
    tr.voice = VoiceRegions(speech=((0.0, duration),), utterances=tuple(utterances))
    return [x.start for x in refine(tr, filters=None).words]


def test_a_script_word_wholly_in_a_pause_starts_at_the_speech_after_it() -> None:
    # "um" between two pauses, timed by the alignment inside the pause before it (its start and end
    # in no utterance; the next word, the first of the next window, starts later): it is said at
    # the next onset, 8.02 s, before the next word's start
    words = [w("cares", 6.6, 7.0), w("um", 7.3, 7.9), w("this", 8.5, 8.7), w("is", 8.7, 8.9)]
    utterances = [(6.5, 7.2), (8.02, 8.3), (8.6, 10.0)]
    assert scripted(words, utterances) == [6.7, 8.02, 8.6, 8.8]
    # a word in a pause whose next onset the next word already starts before keeps its time
    words = [w("cares", 6.6, 7.0), w("um", 7.3, 7.5), w("this", 7.6, 8.3)]
    assert scripted(words, utterances)[:2] == [6.7, 7.4]


def test_a_script_word_over_a_pause_starts_at_the_last_onset_in_its_span() -> None:
    # en_mfa_cold_corpus: the alignment gave "and" (said at 19.65) 18.00-20.08, over the end of
    # "uh", a 1.2 s pause and its own utterance; its end lies in the pause after it
    words = [w("uh", 17.28, 18.0), w("and", 18.0, 20.08), w("here's", 20.08, 20.56)]
    utterances = [(17.79, 18.46), (19.68, 20.0), (20.42, 22.62)]
    assert scripted(words, utterances) == [17.79, 19.68, 20.42]


def test_an_onset_left_without_a_script_word_is_the_previous_words_start() -> None:
    # en_mfa_acoustic_corpus: "um" (said at 22.90) was given the end of "words" and the pause
    # after it, and "and" (24.15) "um"'s utterance, the next pause and its own onset
    words = [w("words", 21.64, 21.82), w("um", 21.82, 22.78), w("and", 22.78, 24.26), w("that", 24.26, 24.36)]
    utterances = [(21.25, 22.4), (22.91, 23.58), (24.19, 24.83)]
    assert scripted(words, utterances)[1:3] == [22.91, 24.19]
    # ... but not when the previous word has an onset of its own: a breath starts the utterance
    words = [w("words", 16.04, 16.56), w("and", 16.56, 18.72), w("here's", 18.72, 19.98)]
    utterances = [(14.53, 17.25), (18.43, 18.91), (19.3, 19.46), (19.68, 21.06)]
    assert scripted(words, utterances)[1:] == [18.43, 19.68]


def test_digital_silence_is_found_and_room_tone_is_not() -> None:
    from captioner.refine.speech import SILENCE_MARGIN, sounding_clips

    rate = 16_000
    rng = np.random.default_rng(0)

    def noise(seconds: float, dbfs: float) -> np.ndarray:
        return (rng.standard_normal(int(seconds * rate)) * 10 ** (dbfs / 20)).astype(np.float32)

    zeros = np.zeros(5 * rate, dtype=np.float32)
    assert sounding_clips(noise(10, -20)) is None  # no silence: decode it all
    assert sounding_clips(noise(10, -60)) is None  # a quiet room is not silence
    assert sounding_clips(np.concatenate([noise(3, -20), np.zeros(rate, dtype=np.float32), noise(3, -20)])) is None
    assert sounding_clips(np.zeros(10 * rate, dtype=np.float32)) == []
    clips = sounding_clips(np.concatenate([noise(3, -20), zeros, noise(2, -20)]))
    assert clips == [(0.0, 3.0 + SILENCE_MARGIN), (8.0 - SILENCE_MARGIN, 10.0)]
    assert sounding_clips(np.concatenate([zeros, noise(2, -20)])) == [(5.0 - SILENCE_MARGIN, 7.0)]


@pytest.mark.slow
def test_digital_silence_is_not_decoded_and_costs_no_words(local_backend, load_audio) -> None:
    from captioner.refine.speech import SILENCE_MARGIN

    jfk = load_audio(SAMPLES / "jfk.mp4")
    audio = np.concatenate([np.zeros(5 * 16_000, dtype=np.float32), jfk, np.zeros(20 * 16_000, dtype=np.float32), jfk])
    tr = local_backend.transcribe(audio, TranscribeOptions(language="en"))
    first = [w for w in tr.words if w.start < 5 + 11 + 10]
    second = [w for w in tr.words if w.start >= 5 + 11 + 10]
    assert [w.word for w in first] == [w.word for w in second] and "country" in "".join(w.word for w in first)
    assert all(w.start >= 5.0 - SILENCE_MARGIN for w in first)  # nothing timed in the silence before
    assert tr.meta["silence_skipped"] >= 24.0
    silent = local_backend.transcribe(np.zeros(10 * 16_000, dtype=np.float32), TranscribeOptions())
    assert silent.segments == [] and silent.meta["silence_skipped"] == 10.0
