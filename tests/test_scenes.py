"""Shot changes by ffmpeg's scene score (captioner/media/scenes.py, the studio's shot markers): the
cuts of a video made with two, through the one ffmpeg runner that dies with captioner (and is reaped),
none for audio, and a one-line error naming the file for a broken one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import SAMPLES

from captioner.errors import MediaError
from captioner.media import ffmpeg, scenes


def two_cuts(path: Path) -> Path:
    graph = (
        "color=red:s=160x120:r=10:d=1[a];color=blue:s=160x120:r=10:d=1.5[b];color=green:s=160x120:r=10:d=1[c];"
        "[a][b][c]concat=n=3:v=1:a=0"
    )
    cmd = [ffmpeg.ffmpeg_exe(), "-v", "error", "-nostdin", "-f", "lavfi", "-i", graph, "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(cmd, check=True)
    return path


def test_the_cuts_of_a_video_through_the_runner_that_dies_with_captioner(tmp_path: Path, monkeypatch) -> None:
    started: list[subprocess.Popen] = []

    def recording(cmd, **kwargs):
        proc = ffmpeg.popen(cmd, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(scenes, "popen", recording)
    assert scenes.compute_shots(two_cuts(tmp_path / "cuts.mp4")) == [1.0, 2.5]
    assert len(started) == 1 and started[0].returncode == 0  # reaped
    assert ffmpeg._parent_death_signal() is None or "preexec_fn" in ffmpeg._child_options({})
    assert scenes.compute_shots(SAMPLES / "de_picovoice_test.flac") == [] and len(started) == 1  # no video


def test_a_broken_video_is_a_one_line_error_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"secret text " * 200)
    with pytest.raises(MediaError) as caught:
        scenes.compute_shots(broken)
    assert "\n" not in str(caught.value) and "broken.mp4" in str(caught.value) and "secret" not in str(caught.value)
