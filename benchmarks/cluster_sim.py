"""A thousand hours on a hundred workers, simulated: where captioner's client sets the speed (issue 30).

    python benchmarks/cluster_sim.py [--workers 1,10,50,100,200] [--modes send,read] [--scale 1]
                                     [--files-per-worker 3] [--max-hours 100] [--long-seconds 600]

A real Dask scheduler (its own process) and N simulated workers (real ``distributed.Worker``
servers, up to 50 a process: benchmarks/_sim_workers.py) on 127.0.0.1, fed by the real client
(``captioner`` in its own process: benchmarks/_sim_client.py) on a tree of real media.  The tree
holds one long file of the corpus' English read speech (made once by ffmpeg) and hard links to it,
as many as the run needs (hours of audio by reference, never copied).  A worker ``transcribes``
by sleeping for the piece's duration times the real-time factor of the real model on this
machine (measured once, when the long file is transcribed for real, piece by piece, one thread;
measure it on a quiet machine), times ``--scale`` (1 by default: the issue's simulation, each
figure ~2 minutes; a smaller scale shortens the run but makes the client's unscaled work look
33x heavier against the workers'), and answers that piece's real transcript.  Both modes are the real client code:
``send`` decodes, packs and sends the audio; ``read`` sends references (--workers-read-media).

Printed for each N and mode: wall time, speed-up (audio hours per hour against N = 1's), the
client's CPU per audio hour, bytes it wrote (sockets and caption files) per audio hour, its peak
RSS, the scheduler's CPU, and the client's busy share (CPU / wall: near 100 % it is the ceiling).
One profiled run per mode then says where the client's CPU goes.  The run is sized so that each
worker gets ``--files-per-worker`` files, up to ``--max-hours``: speed-ups compare throughput,
not equal workloads.  --no-cache throughout (the links share one audio).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from _common import DEFAULT_CORPUS, ROOT

sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent
PER_PROCESS = 50  # simulated workers a process hosts
STORE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "captioner-bench" / "cluster_sim"


@dataclass
class Result:
    mode: str
    workers: int
    files: int
    hours: float
    wall: float
    client_cpu: float
    written: int
    peak_rss_mb: float
    scheduler_cpu: float
    failed: int
    parts: dict[str, float] | None = None


def prepare_store(corpus: Path, seconds: float) -> Path:
    """The long file, its real transcript piece by piece, and the real-time factor (made once)."""
    folder = STORE / f"long-{int(seconds)}"
    if (folder / "file.json").exists():
        return folder
    from _sim_workers import store_transcripts
    from cluster import make_long

    folder.mkdir(parents=True, exist_ok=True)
    store_transcripts(make_long(corpus, seconds, folder / "long.flac"), folder)
    return folder


def make_tree(store: Path, folder: Path, files: int) -> Path:
    """``files`` hard links to one copy of the long file (in a hidden folder of the tree: not a
    job): files of their own to captioner, which takes the target of symlinks only once."""
    tree = folder / "tree"
    (tree / ".source").mkdir(parents=True)
    shutil.copyfile(store / "long.flac", tree / ".source" / "long.flac")  # one copy, for all the links
    for index in range(files):
        os.link(tree / ".source" / "long.flac", tree / f"talk{index:05d}.flac")
    return tree


def start_scheduler(folder: Path) -> tuple[subprocess.Popen, str]:
    file = folder / "scheduler.json"
    cmd = [sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
           "--scheduler-file", str(file)]  # fmt: skip
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    while not file.exists():
        if process.poll() is not None:
            raise SystemExit("the dask scheduler did not start")
        time.sleep(0.1)
    return process, json.loads(file.read_text())["address"]


def _lowest_priority() -> None:
    """The simulated workers at nice 19: their Dask machinery (50 workers' heartbeats and comms a
    process) takes ~30% of a core per process here, which real workers spend on their own
    machines; on two shared cores it would otherwise be charged to the client's ceiling."""
    os.nice(19)


def start_workers(address: str, count: int, store: Path, per_second: float) -> list[subprocess.Popen]:
    from distributed import Client

    processes = []
    for first in range(0, count, PER_PROCESS):
        cmd = [sys.executable, str(HERE / "_sim_workers.py"), address, str(min(PER_PROCESS, count - first)),
               str(store), repr(per_second)]  # fmt: skip
        processes.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True, preexec_fn=_lowest_priority))  # fmt: skip
    with Client(address, set_as_default=False) as client:
        client.wait_for_workers(count, timeout=600)
    return processes


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, 9)
            process.wait()


def run_client(mode: str, tree: Path, address: str, scheduler: psutil.Process, profile: bool) -> Result:
    out = tree.parent / f"out-{mode}-{time.monotonic_ns()}"
    report = tree.parent / "client.json"
    alias = tree.parent / "workers-view"  # where the workers see the tree (the same folder, another path)
    if not alias.exists():
        alias.symlink_to(tree, target_is_directory=True)
    cmd = [sys.executable, str(HERE / "_sim_client.py"), str(tree), "--scheduler", address, "--no-cache", "-q",
           "-o", str(out)]  # fmt: skip
    if mode == "read":
        cmd += ["--workers-read-media", f"{tree}={alias}"]
    env = {**os.environ, "CAPTIONER_SIM_REPORT": str(report), "CAPTIONER_SIM_PROFILE": "1" if profile else ""}
    cpu_before = sum(scheduler.cpu_times()[:2])
    started = time.monotonic()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - started
    used = json.loads(report.read_text())
    files = len(list(tree.glob("*.flac")))
    written = len(list(out.glob("*.srt")))
    if done.returncode != 0:
        print(f"the client failed ({done.returncode}): {done.stderr[-1500:]}", flush=True)
    shutil.rmtree(out, ignore_errors=True)
    return Result(mode, 0, files, 0.0, wall, used["cpu"] + used["children_cpu"], used["written"],
                  used["peak_rss_mb"], sum(scheduler.cpu_times()[:2]) - cpu_before, files - written,
                  used.get("parts"))  # fmt: skip


def one_run(args, store: Path, info: dict, mode: str, workers: int, files: int, profile: bool = False) -> Result:
    per_second = info["rtf"] * args.scale
    with tempfile.TemporaryDirectory(prefix="captioner-sim-") as folder:
        tree = make_tree(store, Path(folder), files)
        scheduler, address = start_scheduler(Path(folder))
        processes = [scheduler]
        try:
            processes += start_workers(address, workers, store, per_second)
            result = run_client(mode, tree, address, psutil.Process(scheduler.pid), profile)
        finally:
            stop(processes)
    result.workers, result.files = workers, files
    result.hours = result.files * info["duration"] / 3600
    return result


HEADER = (f"{'mode':5} {'N':>4} {'files':>6} {'audio h':>8} {'wall s':>8} {'speed-up':>9} {'client CPU s/h':>15} "
          f"{'MB sent/h':>10} {'peak RSS MB':>12} {'sched CPU s':>12} {'client busy':>12} {'failed':>7}")  # fmt: skip


def show(r: Result, base: dict[str, float]) -> None:
    """One row; the speed-up is the audio hours per hour against the mode's first row's."""
    rate = r.hours / r.wall  # audio hours per wall second
    base.setdefault(r.mode, rate)
    print(f"{r.mode:5} {r.workers:>4} {r.files:>6} {r.hours:>8.1f} {r.wall:>8.1f} {rate / base[r.mode]:>8.1f}x "
              f"{r.client_cpu / r.hours:>15.2f} {r.written / r.hours / 1e6:>10.2f} {r.peak_rss_mb:>12.0f} "
              f"{r.scheduler_cpu:>12.1f} {100 * r.client_cpu / r.wall:>11.0f}% {r.failed:>7}", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,10,50,100,200")
    parser.add_argument("--modes", default="read,send")
    parser.add_argument("--scale", type=float, default=1.0, help="the workers' sleep, times the real-time factor")
    parser.add_argument("--rtf", type=float, help="the real-time factor to scale  [default: measured here]")
    parser.add_argument("--files-per-worker", type=float, default=2.0)
    parser.add_argument("--max-hours", type=float, default=100.0, help="workers reading media")
    parser.add_argument("--send-max-hours", type=float, default=3.0, help="the client sending audio (its CPU bound)")
    parser.add_argument("--long-seconds", type=float, default=600.0)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--no-profile", action="store_true")
    args = parser.parse_args()
    store = prepare_store(args.corpus, args.long_seconds)
    info = json.loads((store / "stored.json").read_text())
    info["rtf"] = args.rtf or info["rtf"]
    print(f"the long file: {info['duration']:.0f} s, {len(info['pieces'])} pieces; the real model decodes it at "
          f"a real-time factor of {info['rtf']:.3f} (one thread; {'given' if args.rtf else 'measured here'}).  "
          f"The simulated workers sleep {args.scale} of that ({info['rtf'] * args.scale:.4f} s a second of "
          f"audio){': SCALED, wall times are the scaled ones and the client work is not' if args.scale != 1 else ''}.",
          flush=True)  # fmt: skip
    for mode in args.modes.split(","):
        most = max(1, int((args.max_hours if mode == "read" else args.send_max_hours) * 3600 / info["duration"]))
        print(HEADER, flush=True)
        base: dict[str, float] = {}
        for workers in map(int, args.workers.split(",")):
            files = min(most, max(2, math.ceil(args.files_per_worker * workers)))
            show(one_run(args, store, info, mode, workers, files), base)
        if not args.no_profile:
            workers = sorted(map(int, args.workers.split(",")))[len(args.workers.split(",")) // 2]
            files = min(most, max(2, math.ceil(args.files_per_worker * workers)))
            profiled = one_run(args, store, info, mode, workers, files, profile=True)
            total = sum((profiled.parts or {}).values()) or 1.0
            print(f"where the client's CPU goes ({mode}, N = {workers}, profiled: cProfile in every thread, "
                  "self time; the profiler slows the client):")  # fmt: skip
            for part, seconds in sorted((profiled.parts or {}).items(), key=lambda kv: -kv[1]):
                print(f"  {part:34} {seconds / profiled.hours:7.2f} s per audio hour  {100 * seconds / total:5.1f} %")


if __name__ == "__main__":
    main()
