"""The local engine transcribing files side by side: same words, job order, failures stay per file."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLES

from captioner.errors import BackendError
from captioner.run.backend import LazyBackend
from captioner.run.jobs import FileResult, make_jobs
from captioner.run.scheduler import run
from captioner.run.settings import Settings
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.local.engine import LocalBackend

pytestmark = pytest.mark.slow  # the model

# Samples whose decoding is deterministic (no temperature fallback): same words however they run.
SAMPLE_NAMES = ["jfk.mp4", "de_picovoice_test.flac", "ja_picovoice_test.flac"]


@pytest.fixture(scope="module")
def two_workers(local_backend) -> LocalBackend:
    """The model loaded once more, for two files at once on one thread each."""
    return LocalBackend(threads=2, workers=2)


class Tracked:
    """A backend's transcriptions, counted while they run; ``fail_call`` makes that call fail."""

    def __init__(self, backend: LocalBackend, fail_call: int | None = None) -> None:
        self.backend = backend
        self.name = backend.name
        self.fail_call = fail_call
        self.calls = 0
        self.active = 0
        self.peak = 0
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def identity(self) -> dict[str, str]:
        return self.backend.identity()

    def transcribe(self, audio: np.ndarray, options: TranscribeOptions, progress=None):
        with self._lock:
            self.calls += 1
            call = self.calls
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.threads.add(threading.current_thread().name)
        try:
            if call == self.fail_call:
                raise BackendError("the engine gave up on this one")
            return self.backend.transcribe(audio, options, progress)
        finally:
            with self._lock:
                self.active -= 1


def _folder(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    for index, name in enumerate(names):
        target = folder / f"{index}_{name}"  # the jobs' order is the order of the names
        if name == "broken.mp4":
            target.write_bytes(b"not a video at all" * 10)
        else:
            shutil.copyfile(SAMPLES / name, target)
    return folder


def _words(result: FileResult) -> list[str]:
    assert result.transcript is not None and result.transcript.words is not None
    return [w.word for w in result.transcript.words]


def test_files_side_by_side_give_the_words_of_one_at_a_time(local_backend, two_workers, tmp_path) -> None:
    names = [SAMPLE_NAMES[0], SAMPLE_NAMES[1], "broken.mp4", SAMPLE_NAMES[2]]
    folder = _folder(tmp_path, names)
    jobs, problems = make_jobs([folder], Settings(formats=("srt",)))
    assert not problems and len(jobs) == 4

    one_at_a_time = run(jobs, LazyBackend(lambda: local_backend), Settings(formats=("srt",), output_dir=tmp_path / "a"))
    jobs, _ = make_jobs([folder], Settings(formats=("srt",), output_dir=tmp_path / "b"))
    tracked = Tracked(two_workers)
    made: list[int] = []

    def factory(files_at_once: int) -> Tracked:
        made.append(files_at_once)
        return tracked

    model = two_workers._model
    model.encoder_calls = 0
    side_by_side = run(
        jobs, LazyBackend(factory, max_concurrent_files=2), Settings(formats=("srt",), output_dir=tmp_path / "b")
    )

    assert made == [2]
    assert tracked.peak == 2, "two files were transcribed at the same time"
    assert len(tracked.threads) == 2
    assert [r.media.name for r in side_by_side] == [j.media.name for j in jobs]  # job order
    assert [r.status for r in side_by_side] == ["done", "done", "failed", "done"]
    assert "broken.mp4" in str(side_by_side[2].error)
    for alone, beside in zip(one_at_a_time, side_by_side, strict=True):
        if alone.status == "done":
            assert _words(beside) == _words(alone), beside.media.name
            assert beside.transcript.language == alone.transcript.language
    assert "fellow Americans" in (tmp_path / "b" / "0_jfk.srt").read_text("utf-8")
    # one encoder pass a file: each thread's first window is reused from its own language detection
    assert model.encoder_calls == 3


def test_a_failing_transcription_stops_no_other_file(two_workers, tmp_path) -> None:
    folder = _folder(tmp_path, SAMPLE_NAMES)
    settings = Settings(formats=("srt",))
    jobs, _ = make_jobs([folder], settings)
    tracked = Tracked(two_workers, fail_call=1)
    results = run(jobs, LazyBackend(lambda n: tracked, max_concurrent_files=2), settings)
    assert tracked.peak == 2
    assert [r.media.name for r in results] == [j.media.name for j in jobs]
    failed = [r for r in results if r.status == "failed"]
    assert len(failed) == 1 and "gave up" in str(failed[0].error)
    done = [r for r in results if r.status == "done"]
    assert len(done) == 2 and all(_words(r) for r in done)


def test_each_thread_keeps_its_own_encoder_memo(whisper_model) -> None:
    from faster_whisper.audio import pad_or_trim

    audio = np.zeros(16_000, dtype=np.float32)
    features = pad_or_trim(whisper_model.feature_extractor(audio))
    whisper_model.forget()
    whisper_model.encoder_calls = 0
    whisper_model.encode(features)
    whisper_model.encode(features)
    assert whisper_model.encoder_calls == 1  # this thread's memo

    seen: list[int] = []

    def other_thread() -> None:
        whisper_model.encode(features)  # not this thread's memo: encoded again
        seen.append(whisper_model.encoder_calls)
        whisper_model.forget()  # clears this thread's memo only

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert seen == [2]
    whisper_model.encode(features)
    assert whisper_model.encoder_calls == 2  # the first thread's memo survived the other's forget()
    whisper_model.forget()
