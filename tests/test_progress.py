"""What a run shows: bars on a terminal, plain lines in logs; Ctrl-C leaves nothing partial."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import srt
import webvtt
from conftest import ROOT, SAMPLES, run_ffmpeg, wait_until

pytestmark = pytest.mark.slow  # captioner processes on a terminal


def captioner_cmd(*args: object) -> list[str]:
    return [sys.executable, "-m", "captioner", *[str(a) for a in args]]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}


def batch(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    for i in range(count):
        (folder / f"clip{i}.flac").write_bytes((SAMPLES / "de_picovoice_test.flac").read_bytes())
    return folder


def test_no_bars_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    folder = batch(tmp_path, 2)
    proc = subprocess.run(captioner_cmd(folder, "-f", "srt", "--no-cache"), capture_output=True, text=True, env=env())
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr and "%|" not in proc.stderr
    wrote = [line for line in proc.stderr.splitlines() if ": wrote " in line]
    assert len(wrote) == 2  # one line per finished file


def on_a_terminal(*args: object) -> str:
    """What the command writes to stderr when stderr is a terminal (a pty)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        captioner_cmd(*args), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower, env=env()
    )
    os.close(follower)
    output = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        output += chunk
    assert proc.wait(timeout=60) == 0
    os.close(leader)
    return output.decode("utf-8", "replace")


def test_bars_on_a_terminal(tmp_path: Path) -> None:
    text = on_a_terminal(batch(tmp_path, 2), "-f", "srt", "--no-cache", "--jobs", "1")
    assert "all files" in text  # the overall bar of a batch
    assert "clip0.flac" in text and "%|" in text  # a bar per file
    assert "x real time" in text
    assert re.search(r"clip0\.flac: +100%\|", text)  # complete, though the speech ends before the file


def test_a_bar_per_file_in_flight(tmp_path: Path) -> None:
    text = on_a_terminal(batch(tmp_path, 2), "-f", "srt", "--no-cache", "--jobs", "2", "--threads", "2")
    assert "all files" in text
    # Each file's bar, and one of them two lines below the overall bar (tqdm moves down to draw it
    # and back up): both files were in flight with their own bars.
    assert re.search(r"clip0\.flac: +\d+%\|", text) and re.search(r"clip1\.flac: +\d+%\|", text)
    assert re.search(r"\n\r\n\rclip[01]\.flac: +\d+%\|[^\n]*\x1b\[A\x1b\[A", text), repr(text)
    assert "x real time" in text
    # messages and results in job order, outside the bars
    said = re.findall(r"(clip[01]\.flac): (detected language|wrote)", text)
    assert said == [(f"clip{i}.flac", what) for i in (0, 1) for what in ("detected language", "wrote")], said


def test_quiet_prints_nothing_on_success(tmp_path: Path) -> None:
    folder = batch(tmp_path, 1)
    proc = subprocess.run(captioner_cmd(folder, "-q", "--no-cache"), capture_output=True, text=True, env=env())
    assert proc.returncode == 0 and proc.stderr == ""


def test_ctrl_c_leaves_no_partial_files(tmp_path: Path) -> None:
    folder = batch(tmp_path, 6)
    # clip1 to clip4 are long (4 minutes each): the run is in the middle of one at the Ctrl-C
    long = tmp_path / "long.flac"
    run_ffmpeg("-v", "error", "-stream_loop", "45", "-i", str(folder / "clip1.flac"), "-c:a", "flac", str(long))
    for i in range(1, 5):
        (folder / f"clip{i}.flac").write_bytes(long.read_bytes())
    (folder / "clip5.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nkept\n", "utf-8")
    markers = tmp_path / "markers"
    markers.mkdir()
    proc = subprocess.Popen(
        captioner_cmd(folder, "--overwrite", "--no-cache"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**env(), "CAPTIONER_TEST_MARKERS": str(markers)},
    )
    try:
        # clip0's captions written, clip1 being transcribed
        clip1 = markers / "transcribing-clip1.flac"
        wait_until(lambda: (folder / "clip0.vtt").exists() and clip1.exists(), "clip1", proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    names = sorted(p.name for p in folder.iterdir())
    assert not [n for n in names if n.endswith(".tmp") or n.startswith(".")], names
    done = [p for p in folder.glob("*.srt") if p.name != "clip5.srt"]
    assert [p.name for p in done] == ["clip0.srt"], "the run was interrupted in the middle of clip1"
    for path in done:
        assert list(srt.parse(path.read_text("utf-8")))
        vtt = path.with_suffix(".vtt")
        if vtt.exists():
            assert webvtt.read(str(vtt)).captions
    assert (folder / "clip5.srt").read_text("utf-8").endswith("kept\n")
