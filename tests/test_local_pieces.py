"""Long audio is transcribed by the local engine in pieces cut at silences (bounded memory)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SAMPLES, wer

from captioner.core.transcript import Segment, Transcript
from captioner.media.audio import SAMPLE_RATE
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.local import engine as local
from captioner.transcription.local.engine import LocalBackend
from captioner.transcription.local.piecewise import prompt_tokens as _prompt_tokens


@pytest.fixture(scope="module")
def jfk_three_times(load_audio) -> np.ndarray:
    """The JFK sentence three times, a second of silence between (35 s: two 30 s windows)."""
    jfk = load_audio(SAMPLES / "jfk.mp4")
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    return np.concatenate([jfk, gap, jfk, gap, jfk])


@pytest.fixture(scope="module")
def jfk_apart(load_audio) -> np.ndarray:
    """The JFK sentence, 19 s of silence, the sentence again (41 s): no window holds it twice.

    Whisper takes a window whose text repeats for a decoding loop (compression ratio > 2.4) and
    falls back to sampling, whose words change from run to run; tests that compare two decodes
    word for word must not depend on that.
    """
    jfk = load_audio(SAMPLES / "jfk.mp4")
    return np.concatenate([jfk, np.zeros(19 * SAMPLE_RATE, dtype=np.float32), jfk])


@pytest.mark.slow
def test_pieces_lose_no_words_and_keep_times_in_order(local_backend, jfk_three_times, references, monkeypatch) -> None:
    backend = LocalBackend(piece_seconds=13.0)  # 3 pieces of one sentence
    calls: list[dict] = []
    original = backend._model.transcribe

    def spy(audio, **kwargs):
        calls.append({"seconds": len(audio) / SAMPLE_RATE, **kwargs})
        return original(audio, **kwargs)

    monkeypatch.setattr(backend._model, "transcribe", spy)
    tr = backend.transcribe(jfk_three_times, TranscribeOptions())
    pieces = [c for c in calls if c["condition_on_previous_text"]]
    assert len(pieces) == 3 and tr.meta["pieces"] == 3
    assert all(c["seconds"] <= 13.0 for c in pieces)
    assert pieces[0]["language"] is None  # detected on the first piece...
    assert [c["language"] for c in pieces[1:]] == ["en", "en"]  # ...and forced on the others
    assert pieces[0]["initial_prompt"] is None
    assert pieces[1]["initial_prompt"] and all(isinstance(t, int) for t in pieces[1]["initial_prompt"])
    assert tr.language == "en" and tr.meta["language_probability"] > 0.5

    reference = " ".join([references["jfk.mp4"]["reference_text"]] * 3)
    assert wer(reference, _words(tr)) <= 0.05
    assert [s.id for s in tr.segments] == list(range(len(tr.segments)))
    starts = [w.start for w in tr.words]
    assert starts == sorted(starts) and starts[-1] > 24.0 and tr.words[-1].end <= tr.duration + 0.01
    assert [s.seek for s in tr.segments] == sorted(s.seek for s in tr.segments)
    assert tr.segments[-1].seek >= 2000  # seek counts 10 ms frames from the file's start
    # the VAD ran piecewise too: three sentences, each heard where it is
    assert tr.voice is not None and tr.voice.speech is not None
    speech = list(tr.voice.speech)
    assert speech == sorted(speech) and speech[-1][1] > 33.0
    Transcript.from_json(tr.to_json())  # still the schema's shape


@pytest.mark.slow
def test_pieces_give_the_words_of_one_pass(local_backend, jfk_apart) -> None:
    whole = local_backend.transcribe(jfk_apart, TranscribeOptions(language="en"))
    pieces = LocalBackend(piece_seconds=25.0).transcribe(jfk_apart, TranscribeOptions(language="en"))
    assert "pieces" not in whole.meta and pieces.meta["pieces"] == 2
    assert all((s.temperature or 0.0) == 0.0 for s in [*whole.segments, *pieces.segments])
    assert wer(_words(whole), _words(pieces)) <= 0.05


def _words(tr: Transcript) -> str:
    return "".join(w.word for w in tr.words or ())


def test_the_next_piece_is_prompted_with_the_text_since_the_last_reset() -> None:
    def seg(tokens: tuple[int, ...], temperature: float) -> Segment:
        return Segment(id=0, seek=0, start=0, end=1, text="x", tokens=tokens, temperature=temperature)

    assert _prompt_tokens([seg((1, 2), 0.0), seg((3,), 0.2)]) == [1, 2, 3]
    assert _prompt_tokens([seg((1, 2), 0.0), seg((3,), 0.8), seg((4,), 0.0)]) == [4]
    assert _prompt_tokens([seg(tuple(range(300)), 0.0)]) == list(range(77, 300))
    assert _prompt_tokens([seg((1,), 1.0)]) == []


@pytest.mark.slow
def test_audio_longer_than_a_window_is_decoded_in_batches(local_backend, jfk_three_times, references, monkeypatch):
    monkeypatch.setattr(local, "BATCHED_MIN_SECONDS", 30.0)  # the 33 s sample stands in for a long file
    backend = LocalBackend(batched=True)
    sequential_calls = _spy_sequential_decoding(backend, monkeypatch)
    tr = backend.transcribe(jfk_three_times, TranscribeOptions())
    assert sequential_calls == []  # the batched pipeline decoded both windows
    assert tr.language == "en"
    reference = " ".join([references["jfk.mp4"]["reference_text"]] * 3)
    assert wer(reference, _words(tr)) <= 0.05
    assert [s.id for s in tr.segments] == list(range(len(tr.segments))) and len(tr.segments) >= 2
    starts = [w.start for w in tr.words]
    assert starts == sorted(starts) and tr.words[-1].end <= tr.duration + 0.01
    assert all(s.start <= s.end for s in tr.segments)
    short = backend.transcribe(jfk_three_times[: 20 * SAMPLE_RATE], TranscribeOptions())
    assert len(sequential_calls) == 1 and short.words  # one window: the usual decoding


@pytest.mark.slow
def test_audio_under_two_minutes_is_decoded_sequentially(local_backend, jfk_apart, monkeypatch):
    sequential_calls = _spy_sequential_decoding(local_backend, monkeypatch)
    tr = local_backend.transcribe(jfk_apart, TranscribeOptions(repair_holes=False))
    assert sequential_calls == [pytest.approx(len(jfk_apart) / SAMPLE_RATE)]
    assert tr.words[0].start < 1.0 and tr.words[-1].end > 38.0  # both windows, in one sequential pass


def _spy_sequential_decoding(backend: LocalBackend, monkeypatch) -> list[float]:
    """The lengths (s) of the audio given to faster-whisper's sequential decoding, as it is called."""
    calls: list[float] = []
    original = backend._model.transcribe

    def spy(audio, **kwargs):
        calls.append(len(audio) / SAMPLE_RATE)
        return original(audio, **kwargs)

    monkeypatch.setattr(backend._model, "transcribe", spy)
    return calls
