"""Helpers shared by the benchmarks: the corpus, child processes with their peak memory, WER."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
SCORER = ROOT.parent / "shared" / "tools" / "caption_score.py"


def manifest(corpus: Path) -> list[dict]:
    return json.loads((corpus / "manifest.json").read_text("utf-8"))["items"]


@dataclass
class ChildRun:
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float  # user + system time of the process and its waited-for children
    returncode: int
    stdout: str
    stderr: str


def run_child(cmd: list[str], env: dict[str, str] | None = None) -> ChildRun:
    """Run a command; its wall time and its own peak RSS (wait4 on that very process)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
            (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
        ]
        started = time.perf_counter()
        pid = os.posix_spawnp(cmd[0], cmd, {**os.environ, **(env or {})}, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return ChildRun(
            seconds=seconds,
            peak_rss_mb=usage.ru_maxrss / 1024,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            returncode=os.waitstatus_to_exitcode(status),
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def normalise(text: str) -> str:
    text = text.casefold().replace("'", "").replace("\u2019", "")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def wer(reference: str, hypothesis: str) -> float:
    import jiwer

    return jiwer.wer(normalise(reference), normalise(hypothesis))


def python() -> str:
    return sys.executable


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (other work on the machine makes wall times noisy)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
