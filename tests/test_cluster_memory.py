"""The client's memory on a cluster stays bounded whatever the queue (issue 30): a real scheduler,
simulated workers (benchmarks/_sim_workers.py: real Dask workers whose model answers a stored real
transcript at once) and the real client, its memory traced by tracemalloc (NumPy's arrays
included), sampled when the reporter is told a file is finished.

Marked ``scale`` (with ``slow``): left out of the default ``pytest`` run, and run once by CI
(``pytest -m scale``).  Traced, a thousand files take the client over a minute of CPU on an idle
machine and over ten beside two busy processes: a third of the suite's time for two tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from cluster_support import Cluster
from conftest import ROOT, SAMPLES, run_ffmpeg
from distributed import Client

from captioner.cli import console

pytestmark = [pytest.mark.slow, pytest.mark.scale]

SIM_WORKERS = 16


@pytest.fixture(scope="module")
def sim_cluster(tmp_path_factory: pytest.TempPathFactory, local_backend):
    """A scheduler and SIM_WORKERS simulated workers (one process), and the tree's long file."""
    folder = tmp_path_factory.mktemp("sim")
    source = folder / "tree" / ".source" / "long.flac"  # 35 s: the JFK sentence three times
    source.parent.mkdir(parents=True)
    jfk = str(SAMPLES / "jfk.mp4")
    joined = "[0:a]apad=pad_dur=1[a];[1:a]apad=pad_dur=1[b];[a][b][2:a]concat=n=3:v=0:a=1[out]"
    run_ffmpeg("-v", "error", "-i", jfk, "-i", jfk, "-i", jfk, "-filter_complex", joined, "-map", "[out]",
               str(source))  # fmt: skip
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _sim_workers import store_transcripts

    store_transcripts(source, folder)
    cluster = Cluster(folder)
    try:
        cluster.start_scheduler()
        cmd = [sys.executable, str(ROOT / "benchmarks" / "_sim_workers.py"), cluster.address, str(SIM_WORKERS),
               str(folder), "0"]  # fmt: skip
        cluster.workers.append(subprocess.Popen(cmd, start_new_session=True))
        with Client(cluster.address, set_as_default=False) as observer:
            observer.wait_for_workers(SIM_WORKERS, timeout=300)
        yield cluster, source
    finally:
        cluster.stop()


def _tree(source: Path, files: int) -> Path:
    """``files`` hard links to the long file (in a hidden folder: not a job), beside it: files of
    their own to captioner (which takes a symlink's target once), the audio never copied."""
    tree = source.parent.parent
    for old in tree.glob("talk*.flac"):
        old.unlink()
    for index in range(files):
        os.link(source, tree / f"talk{index:04d}.flac")
    return tree


class _Traced:
    """The traced memory when the reporter was told of the ``at``-th finished file."""

    def __init__(self, monkeypatch, at: tuple[int, ...]) -> None:
        self.at, self.finished, self.current = at, 0, {}
        finish = console.ConsoleReporter.finish_file

        def finish_file(reporter, result) -> None:
            self.finished += 1
            if self.finished in self.at:
                self.current[self.finished] = tracemalloc.get_traced_memory()[0]
            finish(reporter, result)

        monkeypatch.setattr(console.ConsoleReporter, "finish_file", finish_file)


def test_a_thousand_queued_files_hold_no_more_memory_than_a_hundred(cli, sim_cluster, tmp_path, monkeypatch) -> None:
    cluster, source = sim_cluster
    tree = _tree(source, 1000)
    traced = _Traced(monkeypatch, (100, 1000))
    tracemalloc.start()
    try:
        code, _, err = cli(tree, "--scheduler", cluster.address, "--workers-read-media", f"{tree}={tree}",
                           "--no-cache", "-q", "-o", tmp_path / "out")  # fmt: skip
    finally:
        tracemalloc.stop()
    assert code == 0, err
    assert len(list((tmp_path / "out").glob("*.srt"))) == 1000
    grown = traced.current[1000] - traced.current[100]  # 900 files later
    assert grown < 4_000_000, f"{grown / 1e6:.1f} MB more for 900 more files"


def test_the_audio_in_flight_is_held_to_the_byte_budget(cli, sim_cluster, tmp_path) -> None:
    cluster, source = sim_cluster
    tree = _tree(source, 2 * SIM_WORKERS)  # as many files at once as the cluster takes (2 a worker thread)
    args = ("--scheduler", cluster.address, "--no-cache", "-q", "--overwrite")
    code, _, err = cli(tree / "talk0000.flac", *args, "-o", tmp_path / "warm")  # what a run imports, imported
    assert code == 0, err
    tracemalloc.start()
    try:  # 3 MB: less than one file's share (35 s), so one file at a time
        code, _, err = cli(tree, *args, "--cluster-inflight-mb", "3", "-o", tmp_path / "out")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 0, err
    assert len(list((tmp_path / "out").glob("*.srt"))) == 2 * SIM_WORKERS
    # measured: 28 MB one file at a time; 208 MB with the 32 files at once (--cluster-inflight-mb 100000)
    assert peak < 60_000_000, f"peak {peak / 1e6:.1f} MB"
