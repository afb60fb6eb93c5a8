"""Output to a closed pipe never stops or fails the work (``captioner FILES 2>&1 | head -1`` in CI)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import srt
from conftest import ROOT


@pytest.mark.slow
@pytest.mark.parametrize(
    ("closed", "joined"),
    [
        pytest.param("after the first line", True, id="2>&1 | head -1"),
        pytest.param("at once", False, id="2>&1 >/dev/null | true"),  # deterministic: every line is written after
    ],
)
def test_a_closed_log_pipe_neither_stops_nor_fails_the_batch(sample_copy, joined: bool, closed: str) -> None:
    # issue 25: the reader gone, the next line raised BrokenPipeError: the file counted as failed, exit 1.
    files = [sample_copy("de_picovoice_test.flac"), sample_copy("ja_picovoice_test.flac")]
    command = [sys.executable, "-m", "captioner", *map(str, files), "-f", "srt", "--no-cache"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if joined:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        log = proc.stdout
    else:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        log = proc.stderr
    assert log is not None
    if closed == "after the first line":
        first = log.readline()  # the event: the run has begun writing its log
        assert first.startswith(str(files[0]).encode()), first
    log.close()  # as head does once it has its line
    assert proc.wait(timeout=600) == 0  # what it would have been with a reader: both files done
    for media in files:
        captions = list(srt.parse(media.with_suffix(".srt").read_text("utf-8")))
        assert captions and all(c.content.strip() for c in captions), media


def test_a_closed_pipe_is_no_failure_of_a_command_that_ends_at_once(tmp_path: Path) -> None:
    """``captioner --version | true``: nothing to caption, exit 0 whenever the reader leaves."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "captioner", "--version"],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0, err
    assert b"Traceback" not in err and b"Exception ignored" not in err, err
