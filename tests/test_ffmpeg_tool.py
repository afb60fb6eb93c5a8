"""Which ffmpeg runs, the oldest one accepted, and ffmpeg never outliving captioner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import imageio_ffmpeg
import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLES, kill_and_wait, process_running

from captioner import __version__
from captioner.cli.main import main
from captioner.errors import MediaError
from captioner.media import ffmpeg as ffmpeg_tool
from captioner.media.ffmpeg import find_ffmpeg, parse_version

pytestmark = pytest.mark.ffmpeg


@pytest.fixture
def fresh_lookup(monkeypatch):
    """The ffmpeg looked up again under the test's environment, and again after it."""
    monkeypatch.delenv("CAPTIONER_FFMPEG", raising=False)
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE", raising=False)
    find_ffmpeg.cache_clear()
    yield monkeypatch
    find_ffmpeg.cache_clear()


def fake_ffmpeg(folder: Path, version: str, lavf: str = "59. 27.100") -> Path:
    """A script answering ``-version`` as an ffmpeg of that version would."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "ffmpeg"
    script.write_text(
        "#!/bin/sh\n"
        f"echo 'ffmpeg version {version} Copyright (c) 2000-2022 the FFmpeg developers'\n"
        f"echo 'libavformat    {lavf} / {lavf}'\n"
    )
    script.chmod(0o755)
    return script


def test_the_bundled_ffmpeg_is_used_whatever_is_on_path(fresh_lookup, tmp_path):
    # Debian's ffmpeg 5.1 on PATH was picked over the bundled one: 4 tests failed, muxes differed.
    fresh_lookup.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    fake_ffmpeg(tmp_path / "bin", "7.1.1")
    found = find_ffmpeg()
    assert found.path == imageio_ffmpeg.get_ffmpeg_exe()
    assert found.source == "bundled with imageio-ffmpeg"


def test_captioner_ffmpeg_names_another(fresh_lookup, tmp_path):
    script = fake_ffmpeg(tmp_path, "7.1.1")
    fresh_lookup.setenv("CAPTIONER_FFMPEG", str(script))
    found = find_ffmpeg()
    assert (found.path, found.version, found.source) == (str(script), "7.1.1", "$CAPTIONER_FFMPEG")
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    version, ffmpeg = result.output.splitlines()
    assert version == f"captioner, version {__version__}"
    assert ffmpeg == f"ffmpeg 7.1.1 ($CAPTIONER_FFMPEG: {script})"


@pytest.mark.parametrize("command", ["run", "mux", "burn"])
def test_an_old_ffmpeg_is_one_line_before_any_work(fresh_lookup, tmp_path, command):
    script = fake_ffmpeg(tmp_path / "bin", "4.4.2-0ubuntu0.22.04.1", "58. 76.100")
    fresh_lookup.setenv("CAPTIONER_FFMPEG", str(script))
    video = tmp_path / "talk.mp4"
    video.write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    captions = tmp_path / "talk.srt"
    captions.write_text("1\n00:00:01,000 --> 00:00:02,000\nHi.\n", "utf-8")
    args = {"run": [str(video)], "mux": ["mux", str(video), str(captions)], "burn": ["burn", str(video), str(captions)]}
    result = CliRunner().invoke(main, args[command])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"captioner: error: ffmpeg 4.4.2-0ubuntu0.22.04.1 ($CAPTIONER_FFMPEG: {script}) is too old: "
        "captioner needs ffmpeg 5.1 or later (unset CAPTIONER_FFMPEG to use the bundled one)"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "talk.mp4", "talk.srt"]


def test_a_missing_or_wrong_binary_is_one_line(fresh_lookup, tmp_path):
    fresh_lookup.setenv("CAPTIONER_FFMPEG", str(tmp_path / "nothing"))
    with pytest.raises(MediaError, match="ffmpeg not found"):
        find_ffmpeg()
    fresh_lookup.setenv("CAPTIONER_FFMPEG", "true")
    with pytest.raises(MediaError, match="not an ffmpeg binary"):
        find_ffmpeg()


def test_versions_are_read_from_releases_and_git_builds():
    assert parse_version("ffmpeg version 5.1.9-0+deb12u1 Copyright") == ("5.1.9-0+deb12u1", (5, 1))
    assert parse_version("ffmpeg version n9.0.2-17-g2a571b6068-20260930 Copyright")[1] == (9, 0)
    git = "ffmpeg version N-112233-gabcdef Copyright\nlibavformat    61.  1.100 / 61.  1.100\n"
    assert parse_version(git) == ("N-112233-gabcdef", ffmpeg_tool.MIN_VERSION)
    old_git = "ffmpeg version N-99999-g123 Copyright\nlibavformat    58. 76.100 / 58. 76.100\n"
    assert parse_version(old_git)[1] < ffmpeg_tool.MIN_VERSION
    assert parse_version("ffmpeg version custom Copyright") == ("custom", None)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_ffmpeg_dies_with_its_parent(tmp_path):
    # kill -9 of captioner left ffmpeg running on (a burn encodes for minutes).
    pid_file = tmp_path / "ffmpeg.pid"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
                import subprocess, time
                from captioner.media.ffmpeg import ffmpeg_exe, popen
                proc = popen([ffmpeg_exe(), "-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", "anullsrc",
                              "-f", "null", "-"], stdin=subprocess.DEVNULL)
                open({str(pid_file)!r}, "w").write(str(proc.pid))
                proc.wait()
            """),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300  # a safety net
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "ffmpeg never started"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        assert process_running(child)
        assert kill_and_wait(parent, child), "ffmpeg outlived its parent"
    finally:
        try:
            os.killpg(parent.pid, signal.SIGKILL)  # an orphaned ffmpeg, without the fix
        except ProcessLookupError:
            pass
