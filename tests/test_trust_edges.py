"""Trust at the edges of the file system: symlink loops, names near the length limit, reruns of
an interrupted --mux (real files, real ffmpeg, the real model)."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
import srt
from click.testing import CliRunner

from captioner.cli import main

LOOP = os.strerror(errno.ELOOP)


@pytest.fixture()
def cli(local_backend):
    """Run the CLI in-process (the model stays loaded between calls)."""

    def invoke(*args: object) -> tuple[int, str, str]:
        result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return invoke


def errors(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if line.startswith("captioner: error:"))


def make_loops(folder: Path) -> list[Path]:
    """``a.mp4 -> b.mp4 -> a.mp4`` and ``self.mp3 -> self.mp3``."""
    a, b, me = folder / "a.mp4", folder / "b.mp4", folder / "self.mp3"
    a.symlink_to("b.mp4")
    b.symlink_to("a.mp4")
    me.symlink_to("self.mp3")
    return [a, b, me]


def test_a_symlink_loop_fails_alone(cli, sample_copy, tmp_path: Path) -> None:
    # Path.resolve() in discovery raised "RuntimeError: Symlink loop": a traceback, no file captioned.
    good = sample_copy("de_picovoice_test.flac")
    a, b, me = make_loops(tmp_path)
    code, _, err = cli(a, good, me, "-f", "srt")
    assert code == 1, err
    assert errors(err) == [f"captioner: error: {p}: cannot read: {LOOP}" for p in (a, me)]
    assert list(srt.parse(good.with_suffix(".srt").read_text("utf-8")))
    code, _, err = cli(tmp_path, "-f", "srt", "--overwrite")  # found in a folder
    assert code == 1, err
    assert errors(err) == [f"captioner: error: {p}: cannot read: {LOOP}" for p in (a, b, me)]
    assert "3 of 4 files failed" in err


def test_check_and_sync_report_a_symlink_loop_as_unreadable(tmp_path: Path) -> None:
    # check called the loops "missing" (run captioner sync), and sync then failed on them with
    # "[Errno 40] Too many levels of symbolic links: '/abs/a.mp4'".
    root = tmp_path / "repo"
    root.mkdir()
    make_loops(root)
    result = CliRunner().invoke(main, ["check", "--root", str(root), "--output-format", "json", "--no-cache"])
    assert result.exit_code == 1, result.stderr
    files = {f["path"]: (f["state"], f["detail"]) for f in json.loads(result.stdout)["files"]}
    assert files == {name: ("error", f"cannot read: {LOOP}") for name in ("a.mp4", "b.mp4", "self.mp3")}
    result = CliRunner().invoke(main, ["sync", "--root", str(root), "-q"])
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr and str(root) not in result.stderr
    assert not (root / "captions.lock").exists()
