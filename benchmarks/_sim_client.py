"""captioner's command line, as benchmarks/cluster_sim.py runs it: the real client, with what it
used written at exit to the JSON file named by CAPTIONER_SIM_REPORT (its CPU, peak RSS, the bytes
it wrote, sockets included, from /proc/self/io) and, with CAPTIONER_SIM_PROFILE=1, where its
threads spent their CPU (cProfile in every thread, self time grouped by the part of the client)."""

from __future__ import annotations

import atexit
import cProfile
import json
import os
import pstats
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PARTS = (  # (the part of the client, what its code's file path holds), first match wins
    ("decoding audio (ffmpeg, PCM)", ("captioner/media/audio.py", "captioner/media/pcm.py")),
    ("packing audio (FLAC)", ("captioner/transcription/cluster/wire.py",)),
    ("hashing audio", ("captioner/media/hashing.py",)),
    ("probing", ("captioner/media/probe.py", "av/")),
    ("workers' answers (JSON, checks)", ("cluster/replies.py", "cluster/answers.py", "json/")),
    ("Dask client and its comms", ("distributed/", "tornado/", "msgpack", "cloudpickle", "asyncio/", "dask/")),
    ("refining", ("captioner/refine/",)),
    ("captions and writing", ("captioner/captions/", "captioner/output/")),
    ("the run's scheduling", ("captioner/run/", "concurrent/", "threading.py", "queue.py")),
)
_profiles: list[cProfile.Profile] = []


def _profile_thread(frame, event, arg):  # started in each new thread by threading.setprofile
    sys.setprofile(None)
    profile = cProfile.Profile(time.thread_time)  # CPU time, not the time a thread waits
    _profiles.append(profile)
    profile.enable()


def _part(filename: str) -> str:
    for part, marks in PARTS:
        if any(mark in filename for mark in marks):
            return part
    return "other (imports, CLI, Python)"


def _peak_rss_kb() -> int:
    """This process's own peak RSS (VmHWM): getrusage's ru_maxrss survives exec on Linux, so it
    reports the benchmark's parent's peak when that was larger (the model loaded to measure the RTF)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _report() -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    io = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    report = {
        "cpu": usage.ru_utime + usage.ru_stime,
        "children_cpu": children.ru_utime + children.ru_stime,  # ffmpeg processes
        "peak_rss_mb": _peak_rss_kb() / 1024,
        "written": int(io["wchar"]),
    }
    if _profiles:
        parts: dict[str, float] = {}
        for profile in _profiles:
            profile.disable()
            for (filename, _, _), (_, _, self_time, _, _) in pstats.Stats(profile).stats.items():  # type: ignore[attr-defined]
                parts[_part(filename)] = parts.get(_part(filename), 0.0) + self_time
        report["parts"] = parts
    Path(os.environ["CAPTIONER_SIM_REPORT"]).write_text(json.dumps(report))


if __name__ == "__main__":
    atexit.register(_report)
    if os.environ.get("CAPTIONER_SIM_PROFILE"):
        main_profile = cProfile.Profile(time.thread_time)
        _profiles.append(main_profile)
        threading.setprofile(_profile_thread)
        main_profile.enable()
    from captioner.__main__ import main

    sys.argv[0] = "captioner"
    main()
