"""The local engine's own behaviour (beyond what the end-to-end tests show)."""

from __future__ import annotations

from conftest import SAMPLES

from captioner.backends import TranscribeOptions
from captioner.media import extract_audio, probe


def test_language_detection_costs_no_extra_encoder_pass(local_backend) -> None:
    audio = extract_audio(probe(SAMPLES / "de_picovoice_test.flac"))
    model = local_backend._model
    model.encoder_calls = 0
    detected = local_backend.transcribe(audio, TranscribeOptions())
    assert detected.language == "de"
    assert model.encoder_calls == 1  # the detection window is the first decoding window
    model.encoder_calls = 0
    forced = local_backend.transcribe(audio, TranscribeOptions(language="de"))
    assert model.encoder_calls == 1
    assert [w.word for w in forced.words] == [w.word for w in detected.words]


def test_hole_words_are_kept_only_when_confident() -> None:
    from captioner.backends.local import _confident
    from captioner.transcript import Word

    def words(*probs: float) -> list[Word]:
        return [Word(f" w{i}", i, i + 0.5, p) for i, p in enumerate(probs)]

    assert _confident(words(0.9, 0.7, 0.8))  # a skipped sentence heard alone
    assert not _confident(words(0.3, 0.5))  # noise the VAD took for speech
    assert not _confident(words(0.7))  # one word needs more
    assert _confident(words(0.95))
    assert not _confident([])
