"""The main job end to end: real model, real speech, real ffmpeg, outputs re-parsed by real libraries."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import srt
import webvtt
from click.testing import CliRunner
from conftest import ROOT, SAMPLES, unprivileged, wer

from captioner.cli.main import main
from captioner.core.transcript import load_schema


def read_srt(path: Path) -> list[srt.Subtitle]:
    return list(srt.parse(path.read_text("utf-8")))


@pytest.mark.slow
@pytest.mark.ffmpeg
def test_jfk_video_gives_valid_accurate_captions(cli, sample_copy, references) -> None:
    video = sample_copy("jfk.mp4")
    code, _, err = cli(video, "-f", "srt,vtt,json,txt")
    assert code == 0, err
    assert "detected language: en" in err

    subs = read_srt(video.with_suffix(".srt"))
    captions = webvtt.from_buffer(io.StringIO(video.with_suffix(".vtt").read_text("utf-8"))).captions
    assert len(subs) == len(captions) > 0
    for sub, cap in zip(subs, captions):
        assert sub.content == cap.text
    text = " ".join(s.content for s in subs)
    assert wer(references["jfk.mp4"]["reference_text"], text) <= 0.10

    data = json.loads(video.with_suffix(".json").read_text("utf-8"))
    jsonschema.validate(data, load_schema())
    assert data["language"] == "en" and data["words"] and data["segments"]
    assert data["captioner"]["model"] == "base"
    assert video.with_suffix(".txt").read_text("utf-8").split() == text.split()


@pytest.mark.slow
def test_captions_respect_the_basic_limits(cli, sample_copy) -> None:
    video = sample_copy("jfk.mp4")
    assert cli(video, "-f", "srt", "--max-chars", "24")[0] == 0
    subs = read_srt(video.with_suffix(".srt"))
    for sub in subs:
        lines = sub.content.split("\n")
        assert len(lines) <= 2 and all(len(line) <= 24 for line in lines)
        assert (sub.end - sub.start).total_seconds() <= 7.0
    for a, b in zip(subs, subs[1:]):
        assert b.start >= a.end


@pytest.mark.slow
def test_german_is_detected(cli, sample_copy, references) -> None:
    audio = sample_copy("de_picovoice_test.flac")
    code, _, err = cli(audio, "-f", "json")
    assert code == 0, err
    data = json.loads(audio.with_suffix(".json").read_text("utf-8"))
    assert data["language"] == "de"
    assert wer(references["de_picovoice_test.flac"]["reference_text"], data["text"]) <= 0.35


@pytest.mark.slow
def test_a_batch_goes_on_past_bad_files(cli, sample_copy, tmp_path) -> None:
    good = sample_copy("jfk.mp4", "batch/talk.mp4")
    (tmp_path / "batch" / "notes.mp4").write_text("not a video\n" * 50)
    (tmp_path / "batch" / "empty.wav").touch()
    code, _, err = cli(tmp_path / "batch", "-f", "srt")
    assert code == 1
    assert good.with_suffix(".srt").exists() and read_srt(good.with_suffix(".srt"))
    errors = [line for line in err.splitlines() if line.startswith("captioner: error:")]
    assert len(errors) == 2
    assert any("notes.mp4: not a readable media file" in line for line in errors)
    assert any("empty.wav: empty file" in line for line in errors)
    assert "2 of 3 files failed" in err
    assert "Traceback" not in err
    assert not (tmp_path / "batch" / "notes.srt").exists()


@pytest.mark.slow
def test_existing_captions_survive_a_failing_run(cli, tmp_path) -> None:
    broken = tmp_path / "talk.mp4"
    broken.write_bytes(b"\x00" * 4096)
    kept = tmp_path / "talk.srt"
    kept.write_text("1\n00:00:00,000 --> 00:00:01,000\nhand-made\n", "utf-8")
    code, _, _ = cli(broken, "--overwrite")
    assert code == 1
    assert kept.read_text("utf-8") == "1\n00:00:00,000 --> 00:00:01,000\nhand-made\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["talk.mp4", "talk.srt"]


@pytest.mark.slow
def test_existing_outputs_are_skipped_unless_overwrite(cli, sample_copy) -> None:
    audio = sample_copy("de_picovoice_test.flac")
    srt_path = audio.with_suffix(".srt")
    srt_path.write_text("", "utf-8")
    code, _, err = cli(audio)
    assert code == 0
    assert srt_path.read_text("utf-8") == ""  # kept
    assert audio.with_suffix(".vtt").read_text("utf-8").startswith("WEBVTT")  # the missing one written
    code, _, err = cli(audio)
    assert code == 0 and "skipped" in err
    code, _, err = cli(audio, "--overwrite", "-f", "srt")
    assert code == 0 and read_srt(srt_path)


@pytest.mark.slow
def test_output_dir_mirrors_the_tree(cli, sample_copy, tmp_path) -> None:
    sample_copy("de_picovoice_test.flac", "media/a/clip.flac")
    sample_copy("de_picovoice_test.flac", "media/b/clip.flac")
    code, _, err = cli(tmp_path / "media", "-o", tmp_path / "out", "-f", "srt", "-q")
    assert code == 0, err
    assert (tmp_path / "out/a/clip.srt").exists() and (tmp_path / "out/b/clip.srt").exists()
    assert err == ""  # --quiet


@pytest.mark.slow
def test_clashing_outputs_are_refused(cli, sample_copy, tmp_path) -> None:
    sample_copy("de_picovoice_test.flac", "clip.flac")
    sample_copy("jfk.mp4", "clip.mp4")
    code, _, err = cli(tmp_path / "clip.flac", tmp_path / "clip.mp4", "-f", "srt")
    assert code == 1
    assert "clip.mp4: its captions would overwrite those of" in err
    assert "jfk" not in (tmp_path / "clip.srt").read_text("utf-8").lower()


@pytest.mark.slow
def test_forced_language_is_used(cli, sample_copy) -> None:
    audio = sample_copy("de_picovoice_test.flac")
    code, _, err = cli(audio, "-f", "json", "-l", "de")
    assert code == 0 and "language: de (forced)" in err
    assert json.loads(audio.with_suffix(".json").read_text("utf-8"))["captioner"]["language_forced"] is True


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, message",
    [
        (["x.mp4", "-f", "doc"], "'doc' is not one of"),
        (["x.mp4", "--max-lines", "0"], "--max-lines"),
        ([], "name media files, folders or URLs"),
    ],
)
def test_usage_errors_exit_2(cli, args, message) -> None:
    code, _, err = cli(*args)
    assert code == 2 and message in err


@pytest.mark.slow
def test_missing_path_is_one_line_error(cli, tmp_path) -> None:
    code, _, err = cli(tmp_path / "nothing.mp4")
    assert code == 1
    assert f"captioner: error: {tmp_path / 'nothing.mp4'}: no such file or directory" in err


@pytest.mark.slow
def test_unknown_model_fails_without_traceback(tmp_path) -> None:
    audio = tmp_path / "a.flac"
    audio.write_bytes((SAMPLES / "de_picovoice_test.flac").read_bytes())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "captioner", str(audio), "--model", "gigantic"], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("captioner: error: unknown model 'gigantic'")
    assert "Traceback" not in proc.stderr
    debug = subprocess.run(
        [sys.executable, "-m", "captioner", str(audio), "--model", "gigantic", "--debug"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert "Traceback" in debug.stderr


def test_version_and_help() -> None:
    runner = CliRunner()
    assert "captioner, version" in runner.invoke(main, ["--version"]).output
    help_text = runner.invoke(main, ["--help"]).output
    assert "Examples:" in help_text and "--format" in help_text


def test_folders_skip_hidden_and_derived_files(tmp_path) -> None:
    from captioner.media.discover import media_in_folder

    for name in ["a.mp4", "sub/b.flac", ".git/c.mp4", "sub/.d.wav", "a.captioned.mp4", "a.burned.mkv", "notes.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert [p.relative_to(tmp_path).as_posix() for p in media_in_folder(tmp_path)] == ["a.mp4", "sub/b.flac"]


@pytest.mark.slow
@pytest.mark.ffmpeg
def test_folders_find_every_common_media_type(tmp_path) -> None:
    # Camcorder (.MTS), phone (.3gp), audiobook (.m4b), Matroska audio (.mka), AIFF (.aif) and
    # browser audio (.weba): a folder of them used to give "no media files found" and exit 0.
    from conftest import run_ffmpeg

    from captioner.media.audio import extract_audio
    from captioner.media.discover import media_in_folder
    from captioner.media.probe import probe

    bunny = SAMPLES / "video_big_buck_bunny_clip.mp4"
    made = {
        "cam.MTS": ["-c:v", "copy", "-c:a", "ac3", "-f", "mpegts"],
        "phone.3gp": ["-c:v", "copy", "-c:a", "aac", "-f", "3gp"],
        "book.m4b": ["-vn", "-c:a", "aac", "-f", "ipod"],
        "track.mka": ["-vn", "-c:a", "flac"],
        "take.aif": ["-vn", "-c:a", "pcm_s16be", "-f", "aiff"],
        "call.weba": ["-vn", "-c:a", "libopus", "-f", "webm"],
    }
    for name, args in made.items():
        run_ffmpeg("-i", str(bunny), "-t", "1", *args, str(tmp_path / name))
    found = media_in_folder(tmp_path)
    assert sorted(p.name for p in found) == sorted(made)
    for path in found:
        assert len(extract_audio(probe(path))) > 8000


def test_a_folder_without_media_is_an_error(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no media here\n")
    result = CliRunner().invoke(main, [str(tmp_path / "empty"), "-q"])
    assert result.exit_code == 1
    assert f"captioner: error: {tmp_path / 'empty'}: no media files in this folder" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
@pytest.mark.ffmpeg
def test_captions_follow_the_picture_when_the_audio_starts_late(cli, tmp_path) -> None:
    from conftest import run_ffmpeg

    video = tmp_path / "late.mp4"
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc=s=160x120:r=10:d=15", "-itsoffset", "3", "-i", str(SAMPLES / "jfk.mp4"),
        "-map", "0:v", "-map", "1:a", "-t", "15", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
        str(video),
    )  # fmt: skip
    code, _, err = cli(video, "-f", "srt", "--no-cache")
    assert code == 0, err
    subs = read_srt(video.with_suffix(".srt"))
    # the words, not Whisper's commas: audio re-encoded by another ffmpeg's AAC encoder is punctuated
    # "And so, my fellow Americans," by the same model (Debian's ffmpeg 5.1 with CTranslate2 4.8.5)
    assert " ".join(re.findall(r"\w+", subs[0].content)).startswith("And so my fellow Americans")
    assert 3.2 <= subs[0].start.total_seconds() <= 3.6  # 0.32 s into the speech, which starts at 3 s


@pytest.mark.slow
def test_unreadable_files_and_folders_fail_alone(tmp_path) -> None:
    good = tmp_path / "good.flac"
    good.write_bytes((SAMPLES / "de_picovoice_test.flac").read_bytes())
    locked = tmp_path / "locked.flac"
    locked.write_bytes(good.read_bytes())
    locked.chmod(0)
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "talk.flac").write_bytes(good.read_bytes())
    (tmp_path / "private").chmod(0)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.run(
            [*unprivileged(), sys.executable, "-m", "captioner", str(locked), str(good), str(tmp_path / "private")],
            capture_output=True,
            text=True,
            env=env,
        )
    finally:
        (tmp_path / "private").chmod(0o755)
    assert proc.returncode == 1, proc.stderr
    assert read_srt(good.with_suffix(".srt"))  # the readable file is captioned all the same
    errors = [line for line in proc.stderr.splitlines() if line.startswith("captioner: error:")]
    assert errors == [
        f"captioner: error: {tmp_path / 'private'}: cannot read this folder: Permission denied",
        f"captioner: error: {locked}: permission denied",
    ]
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_a_cache_that_cannot_be_written_does_not_fail_the_file(cli, sample_copy, tmp_path, monkeypatch, caplog) -> None:
    # A read-only or full cache folder (a read-only home in a container, say) lost the captions of
    # a file transcribed without fault: the cache's write error failed the file.
    from captioner.run.cache import TranscriptCache

    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be\n")  # no folder can be made under it, even by root
    monkeypatch.setattr("captioner.cli.caption.TranscriptCache", lambda: TranscriptCache(blocked / "transcripts"))
    audio = sample_copy("de_picovoice_test.flac")
    code, _, err = cli(audio, "-f", "srt")
    assert code == 0, err
    assert read_srt(audio.with_suffix(".srt"))
    assert "transcript cache not used" in caplog.text  # one warning line (stderr, in a real run)


def test_captions_never_replace_the_media_itself(tmp_path) -> None:
    # A recording saved as "talk.txt" captioned with -f txt --overwrite was replaced by its transcript.
    media = tmp_path / "talk.txt"
    media.write_bytes((SAMPLES / "de_picovoice_test.flac").read_bytes())
    result = CliRunner().invoke(main, [str(media), "-f", "srt,txt", "--overwrite"])
    assert result.exit_code == 1
    assert f"captioner: error: {media}: its captions would overwrite the media itself" in result.stderr
    assert media.read_bytes() == (SAMPLES / "de_picovoice_test.flac").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["talk.txt"]


@pytest.mark.slow
def test_an_output_folder_that_cannot_be_written_fails_before_transcription(cli, sample_copy, tmp_path) -> None:
    # The file was transcribed first and failed only when its captions were written.
    audio = sample_copy("de_picovoice_test.flac")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the output folder should be\n")  # bites root too
    code, _, err = cli(audio, "-o", str(blocked / "captions"))
    assert code == 1
    assert f"captioner: error: {audio}: cannot write its captions: {blocked} is not a folder" in err
    assert "detected language" not in err  # nothing was transcribed


@pytest.mark.slow
def test_a_read_only_folder_whose_captions_exist_is_skipped_not_failed(tmp_path) -> None:
    folder = tmp_path / "published"
    folder.mkdir()
    (folder / "talk.flac").write_bytes((SAMPLES / "de_picovoice_test.flac").read_bytes())
    (folder / "talk.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHallo.\n\n", "utf-8")
    folder.chmod(0o555)
    try:
        proc = subprocess.run(
            [*unprivileged(), sys.executable, "-m", "captioner", str(folder), "-f", "srt"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        denied = subprocess.run(
            [*unprivileged(), sys.executable, "-m", "captioner", str(folder), "-f", "srt", "--overwrite"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        folder.chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    assert denied.returncode == 1
    assert f"captioner: error: {folder / 'talk.flac'}: cannot write its captions: Permission denied" in denied.stderr
