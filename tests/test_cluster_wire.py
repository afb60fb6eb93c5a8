"""The audio a cluster's worker gets is exactly the audio a one-machine run decodes, packed small."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SAMPLES

from captioner.media.audio import SAMPLE_RATE
from captioner.transcription.cluster.wire import pack, unpack


@pytest.mark.slow
def test_extracted_audio_travels_as_flac_and_comes_back_bit_for_bit(load_audio) -> None:
    audio = load_audio(SAMPLES / "jfk.mp4")
    packed = pack(audio)
    assert packed.codec == "flac" and packed.samples == len(audio)
    assert len(packed.data) < len(audio) * 2 * 0.8  # smaller than plain 16-bit samples
    back = unpack(packed)
    assert back.dtype == np.float32 and np.array_equal(back, audio)


def test_samples_that_are_not_16_bit_travel_unchanged() -> None:
    tone = (0.3 * np.sin(np.arange(SAMPLE_RATE) * 0.05)).astype(np.float32)  # float audio of a library caller
    packed = pack(tone)
    assert packed.codec == "f32"
    assert np.array_equal(unpack(packed), tone)
    full_scale = np.array([1.0, -1.0, 0.5], dtype=np.float32)  # +1.0 is no 16-bit value
    assert np.array_equal(unpack(pack(full_scale)), full_scale)
    assert unpack(pack(np.zeros(0, dtype=np.float32))).size == 0
