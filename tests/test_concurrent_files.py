"""--jobs N: N files transcribed at once, results and messages in order; how many is planned per run."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import AIX_KEY, SAMPLES, track_overlap

from captioner.cli.main import main
from captioner.core.transcript import Segment, Transcript, Word
from captioner.run.backend import LazyBackend
from captioner.run.jobs import make_jobs
from captioner.run.scheduler import run
from captioner.run.settings import Settings
from captioner.testing.fake_aixplain import Scenario


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def start_file(self, media: Path, duration: float | None) -> None:
        self.events.append(("start", media.name))

    def advance(self, seconds: float) -> None:
        pass

    def info(self, media: Path | None, message: str) -> None:
        self.events.append(("info", media.name if media else ""))

    def finish_file(self, result) -> None:
        self.events.append(("finish", result.media.name))


def _files(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    for name in names:
        if name.startswith("broken"):
            (folder / name).write_bytes(b"not a video at all")
        else:
            (folder / name).write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    return folder


@pytest.mark.slow
def test_files_run_side_by_side_in_order_and_a_failure_stops_no_other(fake, make_backend, tmp_path) -> None:
    seen = track_overlap(fake, 3)
    fake.scenario = Scenario(fail_supplier="Groq: decoding failed", fail_on_run=3)
    names = ["a.mp4", "b.mp4", "broken.mp4", "c.mp4", "d.mp4", "e.mp4"]
    folder = _files(tmp_path, names)
    settings = Settings(formats=("srt",), output_dir=tmp_path / "out")
    jobs, problems = make_jobs([folder], settings)
    assert not problems and [j.media.name for j in jobs] == names
    backend = make_backend(jobs=3)
    assert backend.concurrent_files == 3
    reporter = Recorder()
    results = run(jobs, LazyBackend(lambda: backend, None, concurrent_files=3), settings, reporter)

    assert [r.media.name for r in results] == names  # the order of the jobs, whatever finished first
    assert seen["peak"] == 3, "three files' requests were in flight at once"
    assert len(fake.execute_calls) == 5
    statuses = {r.media.name: r.status for r in results}
    assert statuses["broken.mp4"] == "failed"
    failed = [r for r in results if r.status == "failed" and r.media.name != "broken.mp4"]
    assert len(failed) == 1 and "decoding failed" in str(failed[0].error)  # the 3rd run, whichever file
    assert sum(s == "done" for s in statuses.values()) == 4
    for r in results:
        if r.status == "done":
            assert "fellow Americans" in r.written[0].read_text()
    finishes = [name for kind, name in reporter.events if kind == "finish"]
    assert finishes == names
    # each file's messages come just before its result, never interleaved with another file's
    order = [name for kind, name in reporter.events if kind in ("info", "finish")]
    assert order == sorted(order, key=names.index)


@pytest.mark.slow
def test_jobs_bound_the_requests_in_flight_across_files(fake, make_backend, tmp_path) -> None:
    seen = track_overlap(fake, 2)
    folder = _files(tmp_path, ["a.mp4", "b.mp4", "c.mp4", "d.mp4"])
    settings = Settings(formats=("srt",), output_dir=tmp_path / "out")
    jobs, _ = make_jobs([folder], settings)
    backend = make_backend(jobs=2, chunk_seconds=4.0)  # 3 pieces a file, 2 files: 6 wanted at once
    results = run(jobs, LazyBackend(lambda: backend, None, concurrent_files=2), settings)
    assert [r.status for r in results] == ["done"] * 4
    assert seen["peak"] == 2


@pytest.mark.slow
def test_cli_jobs_runs_files_at_once(fake, tmp_path) -> None:
    seen = track_overlap(fake, 3)
    folder = _files(tmp_path, ["a.mp4", "b.mp4", "c.mp4"])
    key_file = tmp_path / "aixplain.key"
    key_file.write_text(AIX_KEY + "\n")
    args = ["run", str(folder), "--backend", "aixplain", "--api-key-file", str(key_file), "--no-cache"]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "out"), "-f", "srt", "--jobs", "3"])
    assert result.exit_code == 0, result.output
    assert seen["peak"] == 3
    wrote = [line for line in result.output.splitlines() if ": wrote " in line]
    assert [Path(line.split(":")[0]).name for line in wrote] == ["a.mp4", "b.mp4", "c.mp4"]


# -- files at once planned per run (the local engine's way) -----------------------------------------


class _Fixed:
    """A backend without a model: one fixed transcript, and the threads it was called from."""

    name = "fixed"

    def __init__(self) -> None:
        self.threads: set[str] = set()

    def identity(self) -> dict[str, str]:
        return {"backend": "fixed"}

    def transcribe(self, audio, options, progress=None) -> Transcript:
        self.threads.add(threading.current_thread().name)
        time.sleep(0.2)
        words = [Word(" Hello", 0.5, 0.9, 0.9), Word(" there.", 0.9, 1.5, 0.9)]
        segment = Segment(id=0, seek=0, start=0.5, end=1.5, text=" Hello there.")
        return Transcript(language="en", duration=len(audio) / 16000, segments=[segment], words=words)


def test_plan_picks_the_files_at_once_until_the_backend_exists() -> None:
    made: list[int] = []
    lazy = LazyBackend(lambda n: made.append(n) or _Fixed(), max_concurrent_files=4)
    assert lazy.concurrent_files == 1  # nothing planned yet
    assert lazy.fix_files_at_once(9) == 4
    assert lazy.fix_files_at_once(3) == 3
    assert lazy.fix_files_at_once(0) == 1
    assert lazy.fix_files_at_once(2) == 2
    lazy.get()
    assert made == [2]
    assert lazy.fix_files_at_once(9) == 2  # the backend exists: its files at once stay
    fixed = LazyBackend(_Fixed, concurrent_files=3)
    assert fixed.fix_files_at_once(1) == 3 and fixed.fix_files_at_once(9) == 3  # a remote backend's count is fixed


class _Cluster(_Fixed):
    files_at_once = 2  # the threads of the workers there when the run connects


def test_a_cluster_takes_its_workers_threads_at_once_or_jobs_for_workers_still_joining() -> None:
    from captioner.run.backend import ClusterLazyBackend

    assert ClusterLazyBackend(_Cluster, {}).fix_files_at_once(9) == 2
    assert ClusterLazyBackend(_Cluster, {}).fix_files_at_once(1) == 1
    assert ClusterLazyBackend(_Cluster, {}, jobs=6).fix_files_at_once(9) == 6  # more than the 2 threads there
    assert ClusterLazyBackend(_Cluster, {}, jobs=6).fix_files_at_once(4) == 4


@pytest.mark.slow
def test_files_at_once_count_only_files_the_cache_misses(tmp_path) -> None:
    from captioner.run.cache import TranscriptCache

    folder = tmp_path / "media"
    folder.mkdir()
    for name in ("jfk.mp4", "de_picovoice_test.flac", "ja_picovoice_test.flac"):
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    cache = TranscriptCache(tmp_path / "cache")
    settings = Settings(formats=("srt",), overwrite=True)
    jobs, _ = make_jobs([folder], settings)

    def runs(selected, cache=cache) -> tuple[list[int], _Fixed]:
        made: list[int] = []
        backend = _Fixed()

        def factory(n: int) -> _Fixed:
            made.append(n)
            return backend

        results = run(
            selected, LazyBackend(factory, {"backend": "fixed"}, max_concurrent_files=2), settings, cache=cache
        )
        assert [r.status for r in results] == ["done"] * len(selected)
        return made, backend

    made, backend = runs(jobs[:2])  # two files to transcribe: side by side
    assert made == [2] and len(backend.threads) == 2
    made, backend = runs(jobs)  # two from the cache, one to transcribe: it gets every thread
    assert made == [1] and len(backend.threads) == 1
    made, _ = runs(jobs)  # all from the cache: no backend at all
    assert made == []
    made, backend = runs(jobs, cache=None)  # no cache: every file is to transcribe
    assert made == [2] and len(backend.threads) == 2


def test_cli_jobs_default_per_backend() -> None:
    from captioner.run.backend import make_backend

    assert make_backend("local", threads=3).max_concurrent_files == 3  # one file per thread
    assert make_backend("local", threads=3, jobs=2).max_concurrent_files == 2
    lazy = make_backend("aixplain")
    assert lazy.max_concurrent_files is None and lazy.concurrent_files == 2
    assert make_backend("aixplain", jobs=5).concurrent_files == 5


def test_an_interrupted_run_stops_the_files_in_flight(tmp_path) -> None:
    """Ctrl-C while files run side by side: the workers stop at their next progress report, so
    the process need not wait for their transcriptions to end."""
    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "a.mp4").write_bytes((SAMPLES / "jfk.mp4").read_bytes())  # 11 s: transcribed at once
    (folder / "b.flac").write_bytes((SAMPLES / "de_picovoice_test.flac").read_bytes())  # 5 s: slowly
    began = threading.Event()  # the slow file is being transcribed: only then may the other end
    ended = threading.Event()
    how: list[str] = []

    class Slow(_Fixed):
        def transcribe(self, audio, options, progress=None) -> Transcript:
            if len(audio) > 8 * 16000:  # its end interrupts the run: not before the slow one is in flight
                assert began.wait(300), "the slow file never began"
                return super().transcribe(audio, options, progress)
            began.set()
            try:
                for step in range(6000):  # 10 minutes unless stopped
                    time.sleep(0.1)
                    progress(step * 0.0001)
                how.append("to the end")
                return super().transcribe(audio, options, progress)
            except BaseException as exc:
                how.append(type(exc).__name__)
                raise
            finally:
                ended.set()

    class Interrupting(Recorder):
        def finish_file(self, result) -> None:
            raise KeyboardInterrupt

    settings = Settings(formats=("srt",))
    jobs, _ = make_jobs([folder], settings)
    with pytest.raises(KeyboardInterrupt):
        run(jobs, LazyBackend(lambda n: Slow(), max_concurrent_files=2), settings, Interrupting())
    assert ended.wait(300), "the file in flight went on after the run stopped"  # a safety net
    assert how == ["_Stopped"], "stopped at its next progress report"
    assert not (folder / "b.srt").exists()


@pytest.mark.slow
def test_the_model_loads_while_the_first_file_is_decoded(tmp_path, monkeypatch) -> None:
    from captioner.run import prepare
    from captioner.run.cache import TranscriptCache

    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "jfk.mp4").write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    settings = Settings(formats=("srt",), overwrite=True)
    jobs, _ = make_jobs([folder], settings)
    decoding = threading.Event()
    loaded = threading.Event()
    real_extract = prepare.extract_audio

    def slow_extract(*args, **kwargs):
        decoding.set()
        assert loaded.wait(120), "the model waited for the audio"  # a safety net
        return real_extract(*args, **kwargs)

    monkeypatch.setattr(prepare, "extract_audio", slow_extract)
    made: list[str] = []

    def factory(n: int) -> _Fixed:
        made.append(threading.current_thread().name)
        loaded.set()
        return _Fixed()

    cache = TranscriptCache(tmp_path / "cache")
    lazy = LazyBackend(factory, {"backend": "fixed"}, max_concurrent_files=2, preload=True)
    (result,) = run(jobs, lazy, settings, cache=cache)
    assert result.status == "done" and made == ["captioner-model-load"]
    # from the cache: nothing to load, in the background or not
    made.clear()
    loaded.set()
    lazy = LazyBackend(factory, {"backend": "fixed"}, max_concurrent_files=2, preload=True)
    (result,) = run(jobs, lazy, settings, cache=cache)
    assert result.from_cache and made == []


@pytest.mark.slow
def test_a_model_that_fails_in_the_background_fails_the_run_as_before(tmp_path, monkeypatch) -> None:
    from captioner.errors import ModelError
    from captioner.run import prepare

    folder = tmp_path / "media"
    folder.mkdir()
    (folder / "jfk.mp4").write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    settings = Settings(formats=("srt",), overwrite=True)
    jobs, _ = make_jobs([folder], settings)
    tries: list[str] = []
    failed = threading.Event()
    real_extract = prepare.extract_audio

    def slow_extract(*args, **kwargs):
        assert failed.wait(120)  # a safety net
        return real_extract(*args, **kwargs)

    def broken(n: int) -> _Fixed:
        tries.append(threading.current_thread().name)
        failed.set()
        raise ModelError("cannot load model 'nope'")

    monkeypatch.setattr(prepare, "extract_audio", slow_extract)
    with pytest.raises(ModelError, match="nope"):
        run(jobs, LazyBackend(broken, None, max_concurrent_files=2, preload=True), settings)
    assert tries == ["captioner-model-load"]  # the failure kept, and raised by the run (no second load)


@pytest.mark.slow
def test_a_loaded_model_keeps_numpys_blas_on_the_calling_thread() -> None:
    """Files decoded at once compute their log-mel features from as many threads; OpenBLAS's own
    thread pool deadlocked under two such callers in CI (a sync of six clips hung for minutes).
    Once the local engine loads its model the process's BLAS runs on the calling thread."""
    import json
    import os
    import subprocess
    import sys

    from conftest import ROOT

    code = (
        "import json, numpy\n"
        "from threadpoolctl import threadpool_info\n"
        "blas = lambda: [i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas']\n"
        "before = blas()\n"
        "from captioner.transcription.local.engine import DEFAULT_COMPUTE_TYPE, load_whisper\n"
        "from captioner.transcription.local.model_files import resolve_model\n"
        "load_whisper(resolve_model(None), 'cpu', DEFAULT_COMPUTE_TYPE, 2)\n"
        "print(json.dumps([before, blas()]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    before, after = json.loads(out.stdout)
    assert before and (max(before) > 1 or (os.cpu_count() or 1) == 1), out.stdout  # NumPy: a thread a core
    assert after == [1] * len(before), out.stdout
