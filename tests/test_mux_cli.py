"""The command line around mux/burn: ``captioner mux``, and ``--mux``/``--burn`` on the main job."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import av
import numpy as np
import pytest
import srt as srt_lib
from click.testing import CliRunner
from conftest import SAMPLES
from test_mux import BUNNY, CUES, leftovers, packets, read_back, write_srt, write_vtt

from captioner.cli.main import main
from captioner.core.transcript import Segment, Transcript, Word
from captioner.media.probe import probe
from captioner.run.backend import LazyBackend
from captioner.run.jobs import make_jobs
from captioner.run.scheduler import run
from captioner.run.settings import Settings

pytestmark = [pytest.mark.slow, pytest.mark.ffmpeg]  # ffmpeg muxing and burning real video, captioner processes


def _video(tmp_path: Path, name: str = "talk.mp4") -> Path:
    path = tmp_path / name
    path.write_bytes(BUNNY.read_bytes())
    return path


def test_mux_subcommand_languages_from_names_and_option(tmp_path):
    video = _video(tmp_path)
    en = write_srt(tmp_path / "talk.en.srt")
    de = write_vtt(tmp_path / "talk.de.vtt")
    plain = write_srt(tmp_path / "talk.srt")
    result = CliRunner().invoke(main, ["mux", str(video), str(en), str(de), str(plain)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "talk.captioned.mp4"
    assert [s.language for s in probe(out).subtitle_streams] == ["eng", "ger", "und"]
    assert packets(out) == packets(video)
    assert read_back(out, 1, tmp_path, "srt") == CUES

    result = CliRunner().invoke(main, ["mux", str(video), str(en), "-l", "fr", "-o", str(tmp_path / "fr.mkv")])
    assert result.exit_code == 0, result.output
    assert [s.language for s in probe(tmp_path / "fr.mkv").subtitle_streams] == ["fre"]


def test_mux_subcommand_in_place_and_errors(tmp_path):
    video = _video(tmp_path)
    captions = write_srt(tmp_path / "talk.en.srt")
    original = video.read_bytes()

    result = CliRunner().invoke(main, ["mux", str(video), str(captions), "-o", str(tmp_path / "talk.avi")])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "cannot hold text subtitles" in lines[0] and ".mkv" in lines[0]
    assert video.read_bytes() == original

    result = CliRunner().invoke(main, ["mux", str(video), str(captions), "--in-place"])
    assert result.exit_code == 0, result.output
    assert [s.kind for s in probe(video).streams] == ["video", "audio", "subtitle"]
    assert not leftovers(tmp_path)


def test_run_usage_errors():
    assert CliRunner().invoke(main, ["talk.mp4", "--in-place"]).exit_code == 2
    assert CliRunner().invoke(main, ["talk.mp4", "--mux", "--burn"]).exit_code == 2
    assert CliRunner().invoke(main, ["talk.mp4", "--mux", "-f", "json"]).exit_code == 2


class _FakeBackend:
    """Returns one fixed transcript, so the pipeline's --mux step runs without a model."""

    name = "fake"

    def identity(self) -> dict[str, str]:
        return {"backend": "fake"}

    def transcribe(self, audio, options, progress=None) -> Transcript:
        words = [Word("Hello", 0.5, 0.9, 0.9), Word(" there.", 0.9, 1.5, 0.9)]
        segment = Segment(id=0, seek=0, start=0.5, end=1.5, text="Hello there.")
        return Transcript(language="de", duration=5.0, segments=[segment], words=words, text="Hello there.")


def test_pipeline_mux_step_puts_the_captions_into_the_video(tmp_path):
    video = _video(tmp_path)
    settings = Settings(attach="mux")
    jobs, problems = make_jobs([video], settings)
    assert not problems
    results = run(jobs, LazyBackend(_FakeBackend), settings)
    assert results[0].status == "done", results[0].error
    out = tmp_path / "talk.captioned.mp4"
    assert out in results[0].written
    assert [s.language for s in probe(out).subtitle_streams] == ["ger"]
    assert [text for _, _, text in read_back(out, 0, tmp_path, "srt")] == ["Hello there."]


@pytest.mark.parametrize("attach", ["mux", "burn"])
def test_a_second_in_place_run_leaves_the_video_alone(tmp_path, attach):
    # Found running `captioner talk.mp4 --mux --in-place` twice: the second run, whose captions were
    # kept, muxed them in again (a second, und-tagged track); with --burn they were drawn twice.
    video = _video(tmp_path)
    settings = Settings(attach=attach, in_place=True)
    jobs, _ = make_jobs([video], settings)
    first = run(jobs, LazyBackend(_FakeBackend), settings)
    assert first[0].status == "done", first[0].error
    after_first = video.read_bytes()
    second = run(jobs, LazyBackend(_FakeBackend), settings)
    assert second[0].status == "skipped", second[0].error
    assert video.read_bytes() == after_first
    if attach == "mux":
        assert [s.language for s in probe(video).subtitle_streams] == ["ger"]


def test_an_overwriting_in_place_run_replaces_its_earlier_track(tmp_path):
    # `--mux --in-place --overwrite` run twice added a second "Captions (de)" track each time; a
    # track of another title or language (the user's own) is kept
    video = _video(tmp_path)
    own = write_srt(tmp_path / "own.srt")
    assert CliRunner().invoke(main, ["mux", str(video), str(own), "-l", "fr", "--in-place"]).exit_code == 0
    settings = Settings(attach="mux", in_place=True, overwrite=True)
    jobs, _ = make_jobs([video], settings)
    for _ in range(2):
        result = run(jobs, LazyBackend(_FakeBackend), settings)[0]
        assert result.status == "done", result.error
    subs = probe(video).subtitle_streams
    assert [(s.language, s.title) for s in subs] == [("fre", "Captions (fr)"), ("ger", "Captions (de)")]
    assert read_back(video, 0, tmp_path, "srt") == CUES
    assert [text for _, _, text in read_back(video, 1, tmp_path, "srt")] == ["Hello there."]
    assert packets(video) == packets(BUNNY)


class _SilentBackend(_FakeBackend):
    def transcribe(self, audio, options, progress=None) -> Transcript:
        return Transcript(language="en", duration=5.0, segments=[], words=[], text="")


@pytest.mark.parametrize(("attach", "in_place"), [("mux", False), ("burn", False), ("mux", True)])
def test_a_video_without_speech_keeps_its_empty_captions_and_its_picture(tmp_path, attach, in_place):
    # Found with `captioner bunny.mp4 --mux` on a clip without speech: the empty .srt (valid, written
    # as documented) made ffmpeg fail, "Invalid data found when processing input", and the file failed.
    video = _video(tmp_path)
    before = video.read_bytes()
    settings = Settings(attach=attach, in_place=in_place)
    jobs, _ = make_jobs([video], settings)
    (result,) = run(jobs, LazyBackend(_SilentBackend), settings)
    assert result.status == "done", result.error
    assert result.written == [tmp_path / "talk.srt", tmp_path / "talk.vtt"]
    assert video.read_bytes() == before
    assert not list(tmp_path.glob("talk.captioned.*")) and not list(tmp_path.glob("talk.burned.*"))
    result = CliRunner().invoke(main, [attach, str(video), str(tmp_path / "talk.srt")])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line == f"captioner: error: {video}: talk.srt holds no cues (no speech?): nothing to put into the video"


def test_burn_command_draws_existing_captions_with_chosen_look(tmp_path) -> None:
    video = tmp_path / "talk.mp4"
    video.write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    captions = tmp_path / "talk.srt"
    captions.write_text(
        srt_lib.compose([srt_lib.Subtitle(1, timedelta(seconds=2), timedelta(seconds=5), "Ask not what")]), "utf-8"
    )
    result = CliRunner().invoke(main, ["burn", str(video), str(captions), "--box", "--font-size", "0.1"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "talk.burned.mp4"

    def frame_at(path, seconds):
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                if frame.time is not None and frame.time >= seconds:
                    return frame.to_ndarray(format="gray").astype(int)
        raise AssertionError("no frame")

    band = slice(int(360 * 0.6), 360)
    inside = np.abs(frame_at(out, 3.0)[band] - frame_at(video, 3.0)[band]).mean()
    outside = np.abs(frame_at(out, 8.0)[band] - frame_at(video, 8.0)[band]).mean()
    assert inside > 5 * max(outside, 0.2)
    plain = tmp_path / "plain.mp4"
    assert CliRunner().invoke(main, ["burn", str(video), str(captions), "-o", str(plain)]).exit_code == 0
    plain_inside = np.abs(frame_at(plain, 3.0)[band] - frame_at(video, 3.0)[band]).mean()
    assert inside > 1.5 * plain_inside  # the bigger text on a box changes more of the picture
    bad = CliRunner().invoke(main, ["burn", str(video), str(captions), "--text-colour", "white"])
    assert bad.exit_code == 2 and "colour" in bad.output


def test_sigterm_during_a_burn_leaves_no_partial_file(tmp_path):
    # `timeout`, a CI job cancelled, `kill PID`: SIGTERM killed Python at once, leaving the hidden
    # .part video beside the original and ffmpeg still writing it.
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import ROOT, run_ffmpeg

    video = tmp_path / "long.mp4"
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc=s=1280x720:r=30:d=40", "-f", "lavfi", "-i", "sine=d=40",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(video),
    )  # fmt: skip
    captions = write_srt(tmp_path / "long.srt")
    proc = subprocess.Popen(
        [sys.executable, "-m", "captioner", "burn", str(video), str(captions)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300  # a safety net
        while not leftovers(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert leftovers(tmp_path), "the burn never started"
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)  # to Python alone, as `kill PID` does
        _, err = proc.communicate(timeout=120)
        time.sleep(0.5)
        assert proc.returncode != 0
        assert "interrupted" in err and "Traceback" not in err
        assert not leftovers(tmp_path)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["long.mp4", "long.srt"]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # an orphaned ffmpeg, without the fix
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def long_video(tmp_path_factory) -> Path:
    """40 s of 720p: a burn of it runs long enough to be interrupted."""
    from conftest import run_ffmpeg

    video = tmp_path_factory.mktemp("long") / "long.mp4"
    run_ffmpeg(
        "-f", "lavfi", "-i", "testsrc=s=1280x720:r=30:d=40", "-f", "lavfi", "-i", "sine=d=40",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(video),
    )  # fmt: skip
    return video


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads the process tree from /proc (Linux)")
def test_kill_9_during_a_burn_stops_ffmpeg_and_the_next_run_removes_its_part(tmp_path, long_video):
    # kill -9 left a full-size hidden .part file that no later run removed, and ffmpeg encoding on.
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import ROOT, kill_and_wait

    video = tmp_path / "long.mp4"
    video.write_bytes(long_video.read_bytes())
    captions = write_srt(tmp_path / "long.srt")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "captioner", "burn", str(video), str(captions)], env=env, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 300  # a safety net
        while not (leftovers(tmp_path) and _children(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        (ffmpeg,) = _children(proc.pid)
        time.sleep(0.5)
        assert kill_and_wait(proc, ffmpeg), "ffmpeg went on encoding after captioner was killed"
        (part,) = leftovers(tmp_path)
        assert part.startswith(".long.burned.")

        # The next run (of a short video, to be quick) writing the same output removes it.
        video.write_bytes(BUNNY.read_bytes())
        done = subprocess.run(
            [sys.executable, "-m", "captioner", "burn", str(video), str(captions), "--crf", "30"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == ["long.burned.mp4", "long.mp4", "long.srt"]
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # an orphaned ffmpeg, without the fix
        except ProcessLookupError:
            pass


def test_kept_captions_go_in_with_their_language(tmp_path):
    # `captioner talk.mp4` then `captioner talk.mp4 --mux`: the kept captions' track was tagged
    # "und" although the cache (or the .json beside) knew their language.
    from captioner.run.cache import TranscriptCache

    cache = TranscriptCache(tmp_path / "cache")
    backend = LazyBackend(_FakeBackend, identity={"backend": "fake"})
    # Known from the cache, or (no cache at all) from the .json written beside the captions.
    for name, first in [("cached.mp4", Settings()), ("beside.mp4", Settings(formats=("srt", "vtt", "json")))]:
        used = cache if name == "cached.mp4" else None
        video = _video(tmp_path, name)
        jobs, _ = make_jobs([video], first)
        assert run(jobs, backend, first, cache=used)[0].status == "done"
        again = Settings(attach="mux")
        jobs, _ = make_jobs([video], again)
        (result,) = run(jobs, backend, again, cache=used)
        assert result.status == "done", result.error
        assert result.kept == [tmp_path / f"{video.stem}.srt", tmp_path / f"{video.stem}.vtt"]
        out = tmp_path / f"{video.stem}.captioned.mp4"
        assert [(s.language, s.title) for s in probe(out).subtitle_streams] == [("ger", "Captions (de)")]
    # Unknown (another audio, so not in the cache; no .json, no -l): undetermined, as before.
    video = tmp_path / "unknown.mp4"
    video.write_bytes((SAMPLES / "jfk.mp4").read_bytes())
    write_srt(tmp_path / "unknown.srt")
    write_srt(tmp_path / "unknown.vtt")
    jobs, _ = make_jobs([video], Settings(attach="mux"))
    (result,) = run(jobs, backend, Settings(attach="mux"), cache=cache)
    assert result.status == "done", result.error
    assert [s.language for s in probe(tmp_path / "unknown.captioned.mp4").subtitle_streams] == ["und"]


class _Notes:
    def __init__(self) -> None:
        self.notes: list[tuple[str, str]] = []

    def start_file(self, media, duration) -> None:
        pass

    def advance(self, seconds) -> None:
        pass

    def info(self, media, message) -> None:
        self.notes.append((media.name, message))

    def finish_file(self, result) -> None:
        pass


@pytest.mark.parametrize("attach", ["mux", "burn"])
def test_audio_files_in_a_folder_get_captions_and_a_note(tmp_path, attach):
    # `captioner DIR --mux` on a folder with a video and an audio file exited 1: "no video stream".
    from conftest import run_ffmpeg

    folder = tmp_path / "talks"
    folder.mkdir()
    _video(folder, "talk.mp4")
    run_ffmpeg("-i", str(BUNNY), "-vn", "-c:a", "copy", str(folder / "podcast.m4a"))
    settings = Settings(attach=attach)
    jobs, problems = make_jobs([folder], settings)
    assert not problems
    notes = _Notes()
    results = {r.media.name: r for r in run(jobs, LazyBackend(_FakeBackend), settings, notes)}
    assert {name: r.status for name, r in results.items()} == {"podcast.m4a": "done", "talk.mp4": "done"}
    assert results["podcast.m4a"].written == [folder / "podcast.srt", folder / "podcast.vtt"]
    verb = "muxed" if attach == "mux" else "burned in"
    assert ("podcast.m4a", f"audio only, captions not {verb}") in notes.notes
    derived = "captioned" if attach == "mux" else "burned"
    assert sorted(p.name for p in folder.iterdir() if derived in p.name) == [f"talk.{derived}.mp4"]

    # Named on its own, the audio file was asked for explicitly: it fails, its captions written.
    settings = Settings(attach=attach, overwrite=True)
    jobs, _ = make_jobs([folder / "podcast.m4a"], settings)
    (result,) = run(jobs, LazyBackend(_FakeBackend), settings)
    assert result.status == "failed"
    assert str(result.error) == (
        f"{folder / 'podcast.m4a'}: audio only (no video stream): its captions were written, but cannot be {verb}"
    )
    assert (folder / "podcast.srt").is_file()


def test_translated_captions_are_tagged_english(tmp_path):
    # --task translate writes English captions: the track said the language spoken ("ger").
    class Translating(_FakeBackend):
        def transcribe(self, audio, options, progress=None) -> Transcript:
            transcript = super().transcribe(audio, options, progress)
            transcript.task = "translate"
            return transcript

    video = _video(tmp_path)
    settings = Settings(attach="mux")
    jobs, _ = make_jobs([video], settings)
    (result,) = run(jobs, LazyBackend(Translating), settings)
    assert result.status == "done", result.error
    assert [s.language for s in probe(tmp_path / "talk.captioned.mp4").subtitle_streams] == ["eng"]
