"""--workers-read-media on a real Dask cluster (a scheduler and two worker processes on 127.0.0.1):
the workers read the files themselves, the client sends their names (issue 30)."""

from __future__ import annotations

import os
import shutil
import signal
import threading
from pathlib import Path

import pytest
from cluster_support import Cluster, worker_running
from conftest import SAMPLES, run_ffmpeg
from distributed import Client

from captioner.ci.lockfile import read_lock
from captioner.media.hashing import audio_hash
from captioner.media.probe import probe
from captioner.run import prepare as prepare_module
from captioner.transcription.base import TranscribeOptions
from captioner.transcription.cluster import fanout as fanout_module
from captioner.transcription.cluster.backend import ClusterBackend
from captioner.transcription.cluster.media_map import MediaMap
from captioner.transcription.local.engine import LocalBackend

pytestmark = pytest.mark.slow

CLIPS = ("jfk.mp4", "de_picovoice_test.flac")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory):
    running = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        running.start_scheduler()
        running.start_worker()
        running.start_worker()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def client(cluster: Cluster):
    with Client(cluster.address, set_as_default=False) as observer:
        observer.wait_for_workers(2, timeout=120)
        yield observer


def _tree(folder: Path) -> tuple[Path, Path]:
    """The clips in ``folder/here``, and ``folder/there``: the workers' path of the same folder."""
    here = folder / "here"
    here.mkdir()
    for name in CLIPS:
        shutil.copyfile(SAMPLES / name, here / name)
    (folder / "there").symlink_to(here, target_is_directory=True)
    return here, folder / "there"


def test_workers_reading_the_media_give_a_local_runs_captions(cli, cluster, client, tmp_path, monkeypatch) -> None:
    here, there = _tree(tmp_path)
    code, _, err = cli(here, "-o", tmp_path / "local", "-f", "srt,vtt,json", "--no-cache", "-q")
    assert code == 0, err
    decoded: list[object] = []  # this machine decodes and packs no audio: the workers read the files
    for module in (prepare_module, fanout_module):
        for name in ("extract_audio", "pack"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, lambda *a, **k: decoded.append(a) or 1 / 0)
    mapping = ("--workers-read-media", f"{here}={there}")
    # with the cache: the client hashes the files it has, and the workers' hashes must match
    code, _, err = cli(here, "--scheduler", cluster.address, *mapping, "-o", tmp_path / "cluster", "-f", "srt,vtt,json")
    assert code == 0, err
    for name in CLIPS:
        for fmt in ("srt", "vtt", "json"):
            made_here = (tmp_path / "local" / f"{Path(name).stem}.{fmt}").read_text("utf-8")
            assert (tmp_path / "cluster" / f"{Path(name).stem}.{fmt}").read_text("utf-8") == made_here
    assert not decoded


def test_sync_lets_the_workers_read_the_media(cli, cluster, client, tmp_path, monkeypatch) -> None:
    """``captioner sync`` takes --workers-read-media (and --cluster-inflight-mb) as the main command
    does: the captions and the lock of a tree whose files the workers read themselves."""
    here, there = _tree(tmp_path)
    code, _, err = cli(here, "-o", tmp_path / "local", "--no-cache", "-q")
    assert code == 0, err
    decoded: list[object] = []
    for module in (prepare_module, fanout_module):
        for name in ("extract_audio", "pack"):
            if hasattr(module, name):
                monkeypatch.setattr(module, name, lambda *a, **k: decoded.append(a) or 1 / 0)
    mapping = ("--workers-read-media", f"{here}={there}", "--cluster-inflight-mb", "64")
    code, out, err = cli("sync", "--root", here, "--scheduler", cluster.address, *mapping, "-q")
    assert code == 0, out + err
    assert not decoded
    locked = read_lock(here / "captions.lock").entries
    assert sorted(locked) == sorted(CLIPS)
    for name in CLIPS:
        for fmt in ("srt", "vtt"):
            made_here = (tmp_path / "local" / f"{Path(name).stem}.{fmt}").read_text("utf-8")
            assert (here / f"{Path(name).stem}.{fmt}").read_text("utf-8") == made_here
    code, _, err = cli("sync", "--root", here, "--workers-read-media", f"{here}={there}", "-q")
    assert code == 2 and "--workers-read-media goes with --scheduler" in err, err


def test_a_file_a_worker_cannot_reach_fails_in_one_line_and_the_batch_goes_on(cli, cluster, client, tmp_path) -> None:
    here, there = _tree(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    shutil.copyfile(SAMPLES / "jfk.mp4", other / "fine.mp4")
    missing = tmp_path / "nowhere"  # the workers' side of a mapping they cannot reach
    args = ("--workers-read-media", f"{here}={missing}", "--workers-read-media", f"{other}={other}")
    code, _, err = cli(here / "jfk.mp4", other / "fine.mp4", "--scheduler", cluster.address, *args,
                       "-o", tmp_path / "out", "-q", "--no-cache")  # fmt: skip
    assert code == 1 and "Traceback" not in err, err
    lines = err.strip().splitlines()
    workers = set(client.scheduler_info(n_workers=-1)["workers"])
    assert len(lines) == 2 and lines[1] == "captioner: 1 of 2 files failed", err
    head = f"captioner: error: {here / 'jfk.mp4'}: worker "
    assert lines[0].startswith(head) and f" cannot read {missing / 'jfk.mp4'}: " in lines[0], err
    assert lines[0][len(head) :].split(" cannot read ")[0] in workers  # the worker, by its address
    assert (tmp_path / "out" / "fine.srt").exists() and not (tmp_path / "out" / "jfk.srt").exists()


def test_an_unreachable_url_is_one_line_without_its_credentials(cli, cluster, tmp_path) -> None:
    here, _ = _tree(tmp_path)
    url = "http://reader:s3cret@127.0.0.1:9/media"  # the discard port: nothing listens
    code, _, err = cli(here / "jfk.mp4", "--scheduler", cluster.address, "--workers-read-media", f"{here}={url}",
                       "-o", tmp_path / "out", "-q", "--url-timeout", "5", "--no-cache")  # fmt: skip
    assert code == 1 and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"captioner: error: {here / 'jfk.mp4'}: worker tcp://"), err
    assert " cannot read http://127.0.0.1:9/media/jfk.mp4: " in lines[0] and "s3cret" not in err, err


def test_a_worker_killed_while_it_reads_a_file_loses_nothing(cluster, client, tmp_path) -> None:
    long_file = tmp_path / "here" / "jfk.flac"  # decoded at temperature 0 throughout: the same words every time
    long_file.parent.mkdir()
    run_ffmpeg("-v", "error", "-i", str(SAMPLES / "jfk.mp4"), "-af", "volume=0.97", str(long_file))
    from captioner.media.audio import extract_audio

    options = TranscribeOptions(language="en")
    expected = LocalBackend().transcribe(extract_audio(probe(long_file)), options)
    ref = MediaMap.parse([f"{long_file.parent}={long_file.parent}"]).reference(long_file)
    pids = client.run(os.getpid)
    backend = ClusterBackend(cluster.address)
    outcome: dict[str, object] = {}

    def transcribe() -> None:
        try:
            outcome["answer"] = backend.transcribe_reference(ref, options, expected_hash=audio_hash(long_file))
        except BaseException as exc:  # reported by the assertion below
            outcome["error"] = exc

    thread = threading.Thread(target=transcribe)
    thread.start()
    try:
        victim = worker_running(client, thread, "captioner-file-")
        os.kill(pids[victim], signal.SIGKILL)
        thread.join(timeout=600)
    finally:
        backend.close()
    assert "error" not in outcome, outcome.get("error")
    transcript, digest = outcome["answer"]
    assert transcript.words == expected.words and transcript.segments == expected.segments
    assert digest == audio_hash(long_file)
    assert victim not in client.scheduler_info(n_workers=-1)["workers"]  # it did die (its nanny starts another)
