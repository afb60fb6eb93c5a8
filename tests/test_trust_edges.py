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
from conftest import SAMPLES

from captioner.cli.main import main
from captioner.errors import MediaError
from captioner.media.probe import probe
from captioner.run.backend import LazyBackend
from captioner.run.cache import TranscriptCache
from captioner.run.jobs import make_jobs
from captioner.run.scheduler import run
from captioner.run.settings import Settings

pytestmark = pytest.mark.slow  # the model, ffmpeg on real media

LOOP = os.strerror(errno.ELOOP)


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


@pytest.mark.parametrize("in_place", [True, False], ids=["in-place", "beside"])
@pytest.mark.parametrize(
    "stop", [KeyboardInterrupt, MediaError("ffmpeg could not mux the captions: killed")], ids=["interrupted", "failed"]
)
def test_a_rerun_finishes_a_mux_that_failed_or_was_interrupted(tmp_path: Path, monkeypatch, in_place, stop) -> None:
    # The captions are written before the mux: a rerun said "skipped, captions exist" (exit 0) and
    # the video never got its track without --overwrite; without --in-place the rerun's
    # talk.captioned.mp4 had an "und" track, the language being unknown to a skipped file.
    from test_mux import BUNNY, packets
    from test_mux_cli import _FakeBackend, _video

    video = _video(tmp_path)
    cache = TranscriptCache(tmp_path / "cache")
    settings = Settings(attach="mux", in_place=in_place)
    jobs, _ = make_jobs([video], settings)
    identity = _FakeBackend().identity()

    def stopped(*args, **kwargs):
        raise stop  # Ctrl-C, or ffmpeg failing, while the captions go into the video

    monkeypatch.setattr("captioner.video.attach.mux", stopped)
    if stop is KeyboardInterrupt:
        with pytest.raises(KeyboardInterrupt):
            run(jobs, LazyBackend(_FakeBackend, identity), settings, cache=cache)
    else:
        assert run(jobs, LazyBackend(_FakeBackend, identity), settings, cache=cache)[0].status == "failed"
    monkeypatch.undo()
    assert video.with_suffix(".srt").exists() and video.with_suffix(".vtt").exists()
    assert video.read_bytes() == BUNNY.read_bytes()

    def no_model():
        raise AssertionError("the captions are kept: nothing to transcribe")

    (result,) = run(jobs, LazyBackend(no_model, identity), settings, cache=cache)
    out = video if in_place else tmp_path / "talk.captioned.mp4"
    assert result.status == "done", result.error
    assert result.written == [out]
    assert [(s.language, s.title) for s in probe(out).subtitle_streams] == [("ger", "Captions (de)")]
    assert packets(out) == packets(BUNNY)
    finished = out.read_bytes()
    (again,) = run(jobs, LazyBackend(no_model, identity), settings, cache=cache)
    assert again.status == "skipped" and out.read_bytes() == finished


def _named(tmp_path: Path, sample: str, stem_bytes: int) -> Path:
    """A copy of ``sample`` whose stem takes ``stem_bytes`` bytes, mostly two-byte characters."""
    stem = "é" * (stem_bytes // 2) + "x" * (stem_bytes % 2)
    path = tmp_path / f"{stem}{Path(sample).suffix}"
    path.write_bytes((SAMPLES / sample).read_bytes())
    return path


def test_names_near_the_length_limit_are_written(cli, tmp_path: Path) -> None:
    # The temporary file .<name>.XXXXXXXX.tmp is 14 bytes longer than its final name: a 255-byte
    # talk.json failed with "File name too long" once the file was transcribed.
    audio = _named(tmp_path, "de_picovoice_test.flac", 250)  # 255 bytes, and so is its .json
    code, _, err = cli(audio, "-f", "srt,vtt,json,txt")
    assert code == 0, err
    assert len(os.fsencode(audio.with_suffix(".json").name)) == 255
    assert list(srt.parse(audio.with_suffix(".srt").read_text("utf-8")))
    assert json.loads(audio.with_suffix(".json").read_text("utf-8"))["language"] == "de"
    video = _named(tmp_path, "jfk.mp4", 241)  # talk.captioned.mp4: 255 bytes (its temporary file was 270)
    code, _, err = cli(video, "--mux")
    assert code == 0, err
    muxed = video.with_name(f"{video.stem}.captioned.mp4")
    assert len(os.fsencode(muxed.name)) == 255
    assert [s.language for s in probe(muxed).subtitle_streams] == ["eng"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(("option", "size"), [("--mux", 259), ("--review", 256)])
def test_a_name_too_long_fails_before_transcription(cli, tmp_path: Path, option: str, size: int) -> None:
    # talk.captioned.mp4 (or talk.review.txt) over 255 bytes failed once the file was transcribed and
    # its captions written.
    video = _named(tmp_path, "jfk.mp4", 245)
    code, _, err = cli(video, option, "--no-cache")
    assert code == 1
    (line,) = errors(err)
    assert line.startswith(f"captioner: error: {video}: cannot write its captions: ")
    assert line.endswith(f": {os.strerror(errno.ENAMETOOLONG)} ({size} bytes, at most 255)")
    assert "detected language" not in err  # nothing was transcribed
    assert sorted(p.name for p in tmp_path.iterdir()) == [video.name]
