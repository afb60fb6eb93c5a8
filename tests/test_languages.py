"""Files that change language: every window's language detected, switching only on clear evidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES, run_ffmpeg

from captioner.media.audio import extract_audio
from captioner.media.probe import probe
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.local.language_gate import SWITCH_MIN_PROBABILITY, LanguageGate


class _Detector:
    """A CTranslate2 model stand-in answering ``detect_language`` from a script."""

    def __init__(self, answers: list[list[tuple[str, float]]]) -> None:
        self.answers = answers
        self.is_multilingual = True

    def detect_language(self, features):
        return [self.answers.pop(0)]


def _top(gate: LanguageGate) -> str:
    return gate.detect_language(None)[0][0][0][2:-2]


def test_the_gate_switches_only_on_a_sure_detection() -> None:
    sure, unsure = SWITCH_MIN_PROBABILITY + 0.05, SWITCH_MIN_PROBABILITY - 0.3
    answers = [
        [("<|en|>", 0.97), ("<|de|>", 0.01)],  # the file's first window
        [("<|sn|>", unsure), ("<|en|>", 0.2)],  # music: stays English
        [("<|de|>", sure), ("<|en|>", 0.05)],  # a German passage: German
        [("<|en|>", 0.9), ("<|de|>", 0.05)],  # English again
        [("<|sn|>", unsure), ("<|en|>", 0.2)],
    ]
    gate = LanguageGate(_Detector(answers))
    gate.begin()
    assert [_top(gate) for _ in range(4)] == ["en", "en", "de", "en"]
    assert gate.language() == "en"
    assert [language for language, _ in gate.heard()] == ["en", "en", "de", "en"]
    assert gate.heard()[1] == ("en", 0.2)  # the probability of the language decoded in
    assert gate.is_multilingual  # everything else is the model's
    gate.end()  # outside a file (faster-whisper used directly), detections pass through
    assert gate.detect_language(None) == [[("<|sn|>", unsure), ("<|en|>", 0.2)]]  # not made English


def test_the_same_encoding_detected_twice_counts_once() -> None:
    # faster-whisper detects the file's language on its first window's encoding, then that window's
    # (once: the model is not asked again, the answer is the same)
    detector = _Detector([[("<|en|>", 0.9)], [("<|de|>", 0.95)]])
    gate = LanguageGate(detector)
    gate.begin()
    first = object()
    assert gate.detect_language(first) == gate.detect_language(first) == [[("<|en|>", 0.9)]]
    assert detector.answers == [[("<|de|>", 0.95)]]
    gate.detect_language(object())
    assert [language for language, _ in gate.heard()] == ["en", "de"]


def test_an_unsure_first_window_gives_way_to_the_first_sure_one() -> None:
    answers = [[("<|sn|>", 0.46), ("<|te|>", 0.09)], [("<|en|>", 0.95)], [("<|cy|>", 0.5), ("<|en|>", 0.3)]]
    gate = LanguageGate(_Detector(answers))
    gate.begin()
    assert [_top(gate) for _ in range(3)] == ["sn", "en", "en"]
    assert gate.language() == "en"


def _one_after_the_other(out: Path, first: str, then: str, first_filter: str) -> np.ndarray:
    """Two samples as one 16 kHz mono file (``first_filter`` applied to the first), decoded."""
    run_ffmpeg(
        "-i", str(SAMPLES / first), "-i", str(SAMPLES / then),
        "-filter_complex",
        f"[0:a]{first_filter}aresample=16000,aformat=channel_layouts=mono[a];"
        "[1:a]aresample=16000,aformat=channel_layouts=mono[b];[a][b]concat=n=2:v=0:a=1",
        str(out),
    )  # fmt: skip
    return extract_audio(probe(out))


@pytest.mark.slow
def test_a_file_that_turns_to_german_is_captioned_in_german(local_backend, tmp_path: Path) -> None:
    # JFK (11 s), 20 s of silence, then a German sentence: the German is in a window of its own
    audio = _one_after_the_other(tmp_path / "en_de.flac", "jfk.mp4", "de_picovoice_test.flac", "apad=pad_dur=20,")
    detected = local_backend.transcribe(audio, TranscribeOptions())
    text = "".join(w.word for w in detected.words)
    assert detected.language == "en"
    assert "country" in text  # JFK, in English
    assert "raum" in text.lower() and "portal" in text.lower(), text  # the German sentence, in German
    assert set(detected.meta["languages"]) == {"en", "de"}
    forced = local_backend.transcribe(audio, TranscribeOptions(language="en"))  # a forced language holds
    assert "raum" not in "".join(w.word for w in forced.words).lower()
    assert "languages" not in forced.meta


@pytest.mark.slow
def test_a_file_opening_on_music_reports_the_language_of_its_speech(local_backend, tmp_path: Path) -> None:
    # the first window (music) gave the file's language and its probability (0.58 here)
    audio = _one_after_the_other(tmp_path / "music_jfk.flac", "nonspeech_music_vibe_ace.ogg", "jfk.mp4", "atrim=0:30,")
    detected = local_backend.transcribe(audio, TranscribeOptions())
    assert "country" in "".join(w.word for w in detected.words)
    assert detected.language == "en" and detected.meta["language_probability"] >= SWITCH_MIN_PROBABILITY
