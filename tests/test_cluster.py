"""Transcription on a real Dask cluster: a scheduler and worker processes on 127.0.0.1.

One cluster for the module: two fit workers (each in a nanny, which starts it again when it
dies) and one whose captioner claims another version, which must be refused and never given work.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from cluster_support import OTHER_SHA256, OTHER_VERSION, Cluster, worker_running
from conftest import ROOT, SAMPLES, run_ffmpeg
from distributed import Client

from captioner import __version__
from captioner.ci.lockfile import read_lock
from captioner.errors import BackendError, RunError
from captioner.media.hashing import file_sha256
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.cluster.backend import ClusterBackend
from captioner.transcription.cluster.worker import fitness_here
from captioner.transcription.local import engine
from captioner.transcription.local.engine import DEFAULT_COMPUTE_TYPE, LocalBackend
from captioner.transcription.local.model_files import EMBEDDED_SHA256

pytestmark = pytest.mark.slow

CLIPS = ("jfk.mp4", "de_picovoice_test.flac", "ja_picovoice_test.flac")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    running = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        running.start_scheduler()
        running.start_worker()
        running.start_worker()
        running.start_worker(version=OTHER_VERSION, nanny=False)
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def client(cluster: Cluster):
    """The test's own view of the cluster (which worker runs what, their process ids)."""
    with Client(cluster.address, set_as_default=False) as observer:
        observer.wait_for_workers(3, timeout=120)
        yield observer


@pytest.fixture(scope="module")
def long_audio(tmp_path_factory: pytest.TempPathFactory, load_audio):
    """The JFK sentence three times, a second of silence between (35 s), joined by ffmpeg: cut
    into 13 s pieces, one sentence each (every window decodes at temperature 0, so its words do
    not change from run to run)."""
    path = tmp_path_factory.mktemp("long") / "long.flac"
    jfk = str(SAMPLES / "jfk.mp4")
    joined = "[0:a]apad=pad_dur=1[a];[1:a]apad=pad_dur=1[b];[a][b][2:a]concat=n=3:v=0:a=1[out]"
    run_ffmpeg("-v", "error", "-i", jfk, "-i", jfk, "-i", jfk, "-filter_complex", joined, "-map", "[out]", str(path))
    return load_audio(path)


def worker_addresses(caplog: pytest.LogCaptureFixture) -> set[str]:
    """The workers the -v lines say decoded something."""
    lines = [r.getMessage() for r in caplog.records if r.name == "captioner.cluster"]
    return {line.split(" decoded on ")[1].split(" in ")[0] for line in lines if " decoded on " in line}


def test_a_batch_gives_the_captions_of_a_local_run(cli, cluster, client, sample_copy, tmp_path, caplog) -> None:
    media = [sample_copy(name) for name in CLIPS]
    code, _, err = cli(*media, "-o", tmp_path / "local", "-f", "srt,vtt,json", "--no-cache", "-q")
    assert code == 0, err
    caplog.set_level(logging.INFO, logger="captioner.cluster")
    scheduler = ("--scheduler", cluster.address)
    code, _, err = cli(*media, *scheduler, "-o", tmp_path / "cluster", "-f", "srt,vtt,json", "--no-cache", "-v")
    assert code == 0, err
    for name in CLIPS:
        for fmt in ("srt", "vtt", "json"):
            made_here = (tmp_path / "local" / f"{Path(name).stem}.{fmt}").read_text("utf-8")
            assert (tmp_path / "cluster" / f"{Path(name).stem}.{fmt}").read_text("utf-8") == made_here
    # the worker with another captioner was refused, in one line naming both versions, and got no work
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(refusals) == 1 and OTHER_VERSION in refusals[0] and f"captioner {__version__}," in refusals[0]
    refused = refusals[0].split()[1]
    used = worker_addresses(caplog)
    assert len(used) == 2 and refused not in used and refused in client.scheduler_info(n_workers=-1)["workers"]


@pytest.mark.parametrize("batched", [False, True], ids=["sequential-pieces", "batched-pieces"])
def test_a_long_file_split_into_pieces_gives_the_words_of_a_local_run(
    cluster, client, long_audio, batched, monkeypatch, caplog
) -> None:
    if batched:  # 13 s pieces stand in for long ones: each decoded on its own, on any worker
        monkeypatch.setattr(engine, "BATCHED_MIN_SECONDS", 10.0)
    options = TranscribeOptions()
    here = LocalBackend(piece_seconds=13.0).transcribe(long_audio, options)
    caplog.set_level(logging.INFO, logger="captioner.cluster")
    backend = ClusterBackend(cluster.address, piece_seconds=13.0)
    done: list[float] = []  # the progress reported: seconds of the file decoded so far
    try:
        there = backend.transcribe(long_audio, options, done.append)
    finally:
        backend.close()
    assert len(done) == 3 and done == sorted(done) and done[-1] == pytest.approx(len(long_audio) / 16000)
    assert there.meta["pieces"] == here.meta["pieces"] == 3
    assert there.words == here.words and there.segments == here.segments  # exactly, times and scores too
    assert there.to_dict() == here.to_dict()
    assert all(s.temperature == 0.0 for s in here.segments)
    if batched:  # no piece waited for another: both workers decoded
        assert len(worker_addresses(caplog)) == 2


def test_a_piece_that_fails_for_good_fails_its_file_only(cluster, client, long_audio) -> None:
    backend = ClusterBackend(cluster.address, piece_seconds=13.0)
    try:
        with pytest.raises(BackendError) as failed:  # the file's error, not RunError (the run's)
            backend.transcribe(long_audio, TranscribeOptions(language="xx"))  # a language Whisper lacks
        assert backend.transcribe(long_audio[: 16000 * 11], TranscribeOptions(language="en")).words  # it goes on
    finally:
        backend.close()
    assert not isinstance(failed.value, RunError)
    message = str(failed.value)  # the piece that failed first, where it is, and why
    assert re.match(r"chunk [123]/3, \d:\d\d-\d:\d\d: 'xx' is not a valid language code", message), message


def test_cache_hits_never_reach_the_cluster(cli, cluster, sample_copy, tmp_path, caplog) -> None:
    hit = sample_copy("jfk.mp4")
    fresh = tmp_path / "fresh.flac"  # audio no earlier test has cached
    run_ffmpeg("-v", "error", "-i", str(SAMPLES / "de_picovoice_test.flac"), "-af", "volume=0.9", str(fresh))
    code, _, err = cli(hit, "-o", tmp_path / "local", "-q")
    assert code == 0, err
    # the cluster fills its own cache entry: a local run's is not its (and its is not a local run's,
    # see test_cluster_trust.py)
    code, _, err = cli(hit, "--scheduler", cluster.address, "-o", tmp_path / "filled", "-q")
    assert code == 0, err
    caplog.set_level(logging.INFO, logger="captioner.cluster")
    for run in ("first", "again"):
        caplog.clear()
        code, _, err = cli(hit, fresh, "--scheduler", cluster.address, "-o", tmp_path / run, "-v")
        assert code == 0, err
        decoded = [r.getMessage() for r in caplog.records if " decoded on " in r.getMessage()]
        assert len(decoded) == (1 if run == "first" else 0) and all("fresh.flac" in line for line in decoded)
        assert (tmp_path / run / "jfk.srt").read_text("utf-8") == (tmp_path / "local" / "jfk.srt").read_text("utf-8")


def test_a_later_run_finds_the_model_loaded(cluster, client) -> None:
    name = fitness_here("base", DEFAULT_COMPUTE_TYPE).key

    def loaded(dask_worker) -> int | None:  # which model object the worker holds
        plugin = dask_worker.plugins.get(name)
        return id(plugin.backend) if plugin is not None and plugin.backend is not None else None

    ClusterBackend(cluster.address).close()
    before = client.run(loaded)
    ClusterBackend(cluster.address).close()  # a second run: a second client
    assert client.run(loaded) == before and sum(model is not None for model in before.values()) == 2


def test_a_worker_killed_while_it_decodes_a_piece_loses_nothing(cluster, client, long_audio) -> None:
    options = TranscribeOptions(language="en")
    expected = LocalBackend(piece_seconds=13.0).transcribe(long_audio, options)
    pids = client.run(os.getpid)
    backend = ClusterBackend(cluster.address, piece_seconds=13.0)
    outcome: dict[str, object] = {}

    def transcribe() -> None:
        try:
            outcome["transcript"] = backend.transcribe(long_audio, options)
        except BaseException as exc:  # reported by the assertion below
            outcome["error"] = exc

    thread = threading.Thread(target=transcribe)
    thread.start()
    try:
        victim = worker_running(client, thread, "captioner-piece-")
        os.kill(pids[victim], signal.SIGKILL)
        thread.join(timeout=600)
    finally:
        backend.close()
    assert "error" not in outcome, outcome.get("error")
    transcript = outcome["transcript"]
    assert transcript.words == expected.words and transcript.segments == expected.segments
    assert victim not in client.scheduler_info(n_workers=-1)["workers"]  # it did die (its nanny starts another)


def test_a_cluster_of_refused_workers_is_one_line_and_exit_1(cli, sample_copy, tmp_path_factory) -> None:
    other = Cluster(tmp_path_factory.mktemp("other"))
    try:
        other.start_scheduler()
        other.start_worker(sha256=OTHER_SHA256, nanny=False)  # another model (the batch test: another version)
        with Client(other.address, set_as_default=False) as observer:
            observer.wait_for_workers(1, timeout=120)
        code, out, err = cli(sample_copy("jfk.mp4"), "--scheduler", other.address, "--no-cache")
    finally:
        other.stop()
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1, err
    assert lines[0].startswith(f"captioner: error: no worker of the Dask cluster at {other.address} can take the work")
    it_has, client_has = lines[0].split("it has ")[1].split("; the client has ")
    assert f"(sha256 {OTHER_SHA256[:12]}," in it_has and f"(sha256 {EMBEDDED_SHA256[:12]}," in client_has


def test_an_unreachable_scheduler_is_one_line_and_exit_1(sample_copy) -> None:
    media = sample_copy("jfk.mp4")
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}
    address = "tcp://127.0.0.1:9"  # the discard port: nothing listens there
    cmd = [sys.executable, "-m", "captioner", str(media), "--scheduler", address, "--no-cache"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"captioner: error: cannot reach the Dask scheduler at {address}: ")
    assert not list(media.parent.glob("*.srt"))


def test_ctrl_c_cancels_the_clusters_work_and_leaves_no_file(cluster, client, tmp_path) -> None:
    media = tmp_path / "long.flac"
    run_ffmpeg("-v", "error", "-stream_loop", "5", "-i", str(SAMPLES / "jfk.mp4"), "-vn", "-c:a", "flac", str(media))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "captioner", str(media), "--scheduler", cluster.address, "--no-cache"]
    proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: _running_pieces(client), "a piece on a worker", proc)
        running = _running_pieces(client)  # the file's one piece (66 s of speech: seconds of work)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, err
    assert [p.name for p in tmp_path.iterdir()] == ["long.flac"]  # no caption file, partial or not
    _wait_for(lambda: not _pieces_on_the_cluster(client), "the cluster to forget the pieces")
    # the run did not wait for the piece it interrupted: the scheduler never held its result
    assert running and not _finished_on_the_cluster(client, running)


def test_a_lost_scheduler_ends_sync_with_one_line_keeping_what_finished(tmp_path, tmp_path_factory) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    for name in ("a", "b", "c", "d"):
        (root / f"{name}.mp4").write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    gone = Cluster(tmp_path_factory.mktemp("gone"))
    # Dask's client tries to reconnect for its connect timeout: 10 minutes here, so that a run
    # that waited for those attempts would meet the safety net below instead of ending.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "600s"}
    try:
        gone.start_scheduler()
        gone.start_worker()
        sync = ["sync", "--root", str(root), "--scheduler", gone.address, "-q", "--no-cache"]  # no cache hit: all sent
        command = [sys.executable, "-m", "captioner", *sync]
        proc = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        lock = root / "captions.lock"
        _wait_for(lambda: lock.exists() and read_lock(lock).entries, "a file in the lock", proc)
        os.killpg(gone.scheduler.pid, signal.SIGKILL)
        try:
            _, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            raise AssertionError("the run waited for Dask's attempts to reconnect") from None
    finally:
        proc.kill()
        gone.stop()
    lines = err.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, err
    assert lines[0] == f"captioner: error: lost the connection to the Dask scheduler at {gone.address}"
    entries = read_lock(lock).entries
    assert 1 <= len(entries) < 4
    for rel, entry in entries.items():  # what finished is written and locked
        assert entry.captions["srt"] == file_sha256(root / Path(rel).with_suffix(".srt"))


def test_a_local_cluster_gives_a_local_runs_captions_and_leaves_no_process(cli, sample_copy, tmp_path) -> None:
    media = [sample_copy(name) for name in CLIPS[:2]]
    code, _, err = cli(*media, "-o", tmp_path / "local", "--no-cache", "-q")
    assert code == 0, err
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    dask_port = _hold_port(8787)  # Dask's usual HTTP port taken, as by another cluster on the machine
    command = [sys.executable, "-m", "captioner", *map(str, media), "--scheduler", "local:2", "--no-cache", "-q"]
    proc = subprocess.Popen([*command, "-o", str(tmp_path / "cluster")], env=env, stderr=subprocess.PIPE)
    children: list[psutil.Process] = []
    try:
        started = psutil.Process(proc.pid)
        _wait_for(lambda: children.extend(started.children(recursive=True)) or len(children) >= 2, "workers", proc)
        _, err = proc.communicate(timeout=600)
    finally:
        proc.kill()
        if dask_port is not None:
            dask_port.close()
    assert proc.returncode == 0 and err == b"", err  # no line from Dask nor from the ended workers
    for name in CLIPS[:2]:
        for fmt in ("srt", "vtt"):
            made_here = (tmp_path / "local" / f"{Path(name).stem}.{fmt}").read_text("utf-8")
            assert (tmp_path / "cluster" / f"{Path(name).stem}.{fmt}").read_text("utf-8") == made_here
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive  # the worker processes went with the run


def _hold_port(port: int) -> socket.socket | None:
    """A socket listening on ``port`` of 127.0.0.1; None when something else already does."""
    held = socket.socket()
    try:
        held.bind(("127.0.0.1", port))
        held.listen()
    except OSError:
        held.close()
        return None
    return held


def _running_pieces(client: Client) -> list[str]:
    return [str(key) for keys in client.processing().values() for key in keys if "captioner-piece-" in str(key)]


def _pieces_on_the_cluster(client: Client) -> list[str]:
    def captioner_tasks(dask_scheduler) -> list[str]:
        return [str(key) for key in dask_scheduler.tasks if str(key).startswith("captioner-piece-")]

    return client.run_on_scheduler(captioner_tasks)


def _finished_on_the_cluster(client: Client, keys: list[str]) -> list[str]:
    """Those of ``keys`` whose result the scheduler ever held (its transition log)."""

    def finished(dask_scheduler) -> list[str]:
        return sorted({str(t[0]) for t in dask_scheduler.story(*keys) if t[2] == "memory"})

    return client.run_on_scheduler(finished)


def _wait_for(condition, what: str, proc: subprocess.Popen | None = None, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the run ended before {what}: {proc.stderr.read() if proc.stderr else ''}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {seconds} s")
        time.sleep(0.05)
