"""Long audio: split at silences, sent in chunks with bounded concurrency, merged onto one time line."""

from __future__ import annotations

import difflib
import subprocess

import numpy as np
import pytest
from conftest import SAMPLES, track_overlap

from captioner.errors import BackendError
from captioner.media.audio import SAMPLE_RATE
from captioner.media.ffmpeg import ffmpeg_exe
from captioner.media.pieces import cut_into_pieces
from captioner.testing.fake_aixplain import JFK_RAW, Scenario
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.whisper_json import merge, parse_verbose


@pytest.fixture(scope="module")
def long_audio(tmp_path_factory, load_audio):
    """The JFK clip twice (~22 s), concatenated by ffmpeg into one file."""
    out = tmp_path_factory.mktemp("long") / "long.flac"
    inputs = [SAMPLES / "jfk.mp4"] * 2
    cmd = [ffmpeg_exe(), "-nostdin", "-v", "error", "-y"]
    for path in inputs:
        cmd += ["-i", str(path)]
    streams = "".join(f"[{i}:a]aresample=16000,aformat=channel_layouts=mono[a{i}];" for i in range(2))
    cmd += ["-filter_complex", streams + "[a0][a1]concat=n=2:v=0:a=1[out]", "-map", "[out]", str(out)]
    subprocess.run(cmd, check=True)
    return load_audio(out)


def _words(transcript):
    return [(w.text.lower().strip(".,!?"), w.start, w.end) for w in transcript.words or []]


@pytest.mark.slow
def test_long_file_chunked_and_merged_matches_local_engine(fake_whisper, make_backend, long_audio, whisper_model):
    # Each piece waits for the fake's Whisper to transcribe the one before: seconds on a busy machine.
    backend = make_backend(chunk_seconds=8.0, jobs=2, timeout=60.0)
    progress: list[float] = []
    t = backend.transcribe(long_audio, TranscribeOptions(language="en"), progress.append)
    duration = len(long_audio) / SAMPLE_RATE
    calls = fake_whisper.execute_calls
    assert len(calls) == len(cut_into_pieces(long_audio, 8.0)) >= 3
    assert t.meta["requests"] == len(calls)
    assert [s.id for s in t.segments] == list(range(len(t.segments)))
    assert all(a.start <= b.start for a, b in zip(t.segments, t.segments[1:], strict=False))
    assert all(s.seek == pytest.approx(s.seek) and s.seek >= 0 for s in t.segments)
    assert t.segments[-1].end <= duration + 0.01 and t.duration == pytest.approx(duration)
    assert progress[-1] == pytest.approx(duration)
    assert t.full_text.lower().count("fellow americans") == 2

    segments, _ = whisper_model.transcribe(long_audio, language="en", word_timestamps=True, beam_size=1)
    local = [(w.word.lower().strip().strip(".,!?"), w.start, w.end) for s in segments for w in s.words]
    remote = _words(t)
    matcher = difflib.SequenceMatcher(a=[w[0] for w in local], b=[w[0] for w in remote], autojunk=False)
    pairs = [(local[b.a + k], remote[b.b + k]) for b in matcher.get_matching_blocks() for k in range(b.size)]
    assert len(pairs) >= 0.7 * len(local), (t.meta, [s.text for s in t.segments], [w[0] for w in local])
    close = [abs(lw[1] - rw[1]) <= 1.0 for lw, rw in pairs]
    assert sum(close) >= 0.9 * len(pairs), "chunk timestamps shifted back onto the file's time line"
    # The last "country." ends near 21 s in both (it lives in the last chunk).
    assert remote[-1][2] == pytest.approx(local[-1][2], abs=1.0)


@pytest.mark.ffmpeg  # ffmpeg encodes each chunk for upload
def test_chunks_are_sent_with_bounded_concurrency(fake, make_backend, monkeypatch):
    audio = np.zeros(SAMPLE_RATE * 35, dtype=np.float32)
    seen = track_overlap(fake, 2)
    t = make_backend(chunk_seconds=10.0, jobs=2).transcribe(audio, TranscribeOptions(language="en"))
    assert len(fake.execute_calls) == 4 and seen["peak"] == 2
    assert [round(s.start, 1) for s in t.segments][:2] == [0.0, 10.0], "each chunk's segment shifted by its offset"


def test_failed_chunk_fails_the_file_naming_the_chunk(fake, make_backend):
    audio = np.zeros(SAMPLE_RATE * 25, dtype=np.float32)
    fake.scenario = Scenario(fail_supplier="Groq: decoding failed", fail_on_run=2)
    with pytest.raises(BackendError, match=r"chunk 2/3, 0:10-0:20\): the transcription failed.*decoding failed"):
        make_backend(chunk_seconds=10.0, jobs=1).transcribe(audio, TranscribeOptions(language="en"))


def test_plan_chunks_cuts_in_silence():
    rng = np.random.default_rng(1)
    speech = lambda s: (rng.standard_normal(int(s * SAMPLE_RATE)) * 0.3).astype(np.float32)  # noqa: E731
    silence = lambda s: np.zeros(int(s * SAMPLE_RATE), dtype=np.float32)  # noqa: E731
    audio = np.concatenate([speech(8.0), silence(0.5), speech(8.0), silence(0.6), speech(6.0)])
    chunks = cut_into_pieces(audio, max_seconds=10.0)
    cuts = [c.start / SAMPLE_RATE for c in chunks[1:]]
    assert len(cuts) == 2
    assert 8.0 < cuts[0] < 8.5
    assert 16.5 < cuts[1] < 17.1
    assert all(c.duration <= 10.0 for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(audio)
    assert all(a.end == b.start for a, b in zip(chunks, chunks[1:], strict=False))


def test_plan_chunks_short_audio_is_one_chunk():
    assert len(cut_into_pieces(np.zeros(SAMPLE_RATE * 5, dtype=np.float32), 10.0)) == 1


def test_merge_shifts_and_renumbers():
    a = parse_verbose(JFK_RAW)
    merged = merge([(11.0, a), (0.0, a)], duration=22.0)
    assert [s.id for s in merged.segments] == [0, 1]
    assert merged.segments[1].start == pytest.approx(11.0) and merged.segments[1].seek == 1100
    assert merged.words[len(a.words)].start == pytest.approx(11.0)
    assert merged.language == "en"
    no_words = parse_verbose({k: v for k, v in JFK_RAW.items() if k != "words"})
    assert merge([(0.0, a), (11.0, no_words)], 22.0).words is None


def test_a_language_nobody_knows_is_undetermined():
    # the schema wants a 2-3 letter code: a provider's "Klingon" became "" and broke it
    assert parse_verbose({**JFK_RAW, "language": "Klingon"}).language == "und"
    assert parse_verbose({**JFK_RAW, "language": "Klingon"}, fallback_language="de").language == "de"
    assert parse_verbose({**JFK_RAW, "language": "English"}).language == "en"
