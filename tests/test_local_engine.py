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
