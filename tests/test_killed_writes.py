"""A run killed (kill -9) while ``--burn --in-place`` or ``--mux --in-place`` writes the new video
(issue 25 point 5): it leaves its hidden part file, and the next run, which skips the file because
its captions exist, removes it (the video guide says so).  The original is byte-identical
throughout.  The kill is at a known point: under ``CAPTIONER_TEST_HOLD_PART`` the run says when
ffmpeg has written the part file and waits there to be killed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES

pytestmark = [pytest.mark.slow, pytest.mark.ffmpeg]  # the model, ffmpeg and captioner processes

SAFETY_NET = 300  # seconds: only so that a regression fails instead of hanging the suite


def parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and ".part." in p.name)


def run(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "captioner", *map(str, args)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=SAFETY_NET)


def kill_when_the_part_is_written(args: list[object], marker: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "CAPTIONER_TEST_HOLD_PART": str(marker)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "captioner", *map(str, args)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + SAFETY_NET
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for the marker (an event), not for time to pass
        assert marker.exists(), f"the run ended ({proc.returncode}) before writing its part file"
        os.kill(proc.pid, signal.SIGKILL)  # captioner alone, as kill -9 PID does
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything left of the group
        except ProcessLookupError:
            pass


@pytest.mark.parametrize("attach", ["--burn", "--mux"])
def test_a_part_left_by_kill_9_is_removed_by_the_next_run(tmp_path: Path, attach: str) -> None:
    folder = tmp_path / "videos"
    folder.mkdir()
    video = folder / "talk.mp4"
    shutil.copyfile(SAMPLES / "jfk.mp4", video)
    original = video.read_bytes()
    marker = tmp_path / "held"
    kill_when_the_part_is_written([video, attach, "--in-place"], marker)
    (part,) = parts(folder)
    assert part == marker.read_text("utf-8") and part.startswith(".talk.") and part.endswith(".part.mp4")
    assert video.read_bytes() == original
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "talk.mp4",
        "talk.srt",
        "talk.vtt",
    ]

    check = run("check", "--root", folder)
    assert ".part" not in check.stdout + check.stderr  # never taken for media or captions

    done = run(folder, attach, "--in-place")  # the folder: the part is not taken for a video either
    assert done.returncode == 0, done.stderr
    assert parts(folder) == []
    if attach == "--burn":  # skipped: burnt captions cannot be told from the picture
        assert "skipped, captions exist" in done.stderr
        assert video.read_bytes() == original
    else:  # the interrupted mux is finished: the track goes in, the original's packets kept
        assert video.read_bytes() != original
    assert sorted(p.name for p in folder.iterdir()) == ["talk.mp4", "talk.srt", "talk.vtt"]
