"""The broadcast formats on real pipeline output: jfk.mp4 transcribed by the embedded model,
written as TTML, SCC, ASS and SBV, read back by independent readers with the SubRip file's words
and times; and the formats in check/sync (captioner.toml, captions.lock) and in mux."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pysubs2
import pytest
import srt
from conftest import SAMPLES

from captioner.ci.lockfile import read_lock
from captioner.core.cues import Cue
from captioner.errors import MediaError
from captioner.media.ffmpeg import ffmpeg_exe
from captioner.media.hashing import file_sha256
from captioner.media.probe import probe
from captioner.output.ass import render_ass
from captioner.output.readers import read_scc, read_ttml
from captioner.output.ttml import render_ttml
from captioner.testing.format_readers import (
    ass_violations,
    read_ass_ffmpeg,
    read_sbv_ffmpeg,
    read_scc_pycaption,
    scc_violations,
    ttml_violations,
)
from captioner.video.attach import pick_caption_file
from captioner.video.mux import SubtitleTrack, mux

pytestmark = pytest.mark.slow  # the model, ffmpeg and the CLI on real media

FRAME = 1001 / 30000


def words(lines) -> list[str]:
    return " ".join(lines).split()


def test_jfk_in_every_broadcast_format(cli, sample_copy) -> None:
    video = sample_copy("jfk.mp4")
    code, _, err = cli(video, "-f", "srt,ttml,scc,ass,sbv", "--style", "cea608", "-q")
    assert code == 0, err
    subs = list(srt.parse(video.with_suffix(".srt").read_text("utf-8")))
    assert len(subs) >= 3
    said = [w for s in subs for w in s.content.split()]
    starts = [s.start.total_seconds() for s in subs]

    ttml = video.with_suffix(".ttml").read_text("utf-8")
    assert ttml_violations(ttml) == []
    read = read_ttml(ttml)
    assert [w for c in read for w in words(c.lines)] == said
    assert [round(c.start, 3) for c in read] == starts
    assert [c.lines for c in read] == [tuple(s.content.split("\n")) for s in subs]  # the same line breaks

    scc = video.with_suffix(".scc").read_text("utf-8")
    assert scc_violations(scc) == []
    decoded = read_scc(scc)
    assert [w for c in decoded for w in words(c.lines)] == said
    assert [c.lines for c in read_scc_pycaption(scc)] == [c.lines for c in decoded]
    # cea608 cues fit the screen as they are; all but a first cue said at once load in time
    assert [c.lines for c in decoded] == [tuple(s.content.split("\n")) for s in subs]
    assert all(abs(c.start - s) <= FRAME for c, s in zip(decoded[1:], starts[1:]))

    ass = video.with_suffix(".ass").read_text("utf-8")
    assert ass_violations(ass) == []
    events = read_ass_ffmpeg(ass)
    assert [w for c in events for w in words(c.lines)] == said
    assert all(abs(c.start - s) <= 0.005 for c, s in zip(events, starts))
    info = pysubs2.SSAFile.from_string(ass).info
    assert (info["PlayResX"], info["PlayResY"]) == ("640", "360")  # the video's frame

    sbv = read_sbv_ffmpeg(video.with_suffix(".sbv").read_text("utf-8"))
    assert [w for c in sbv for w in words(c.lines)] == said
    assert [round(c.start, 3) for c in sbv] == starts


def test_scc_from_a_wider_style_is_relaid_out_with_a_note(cli, sample_copy) -> None:
    video = sample_copy("jfk.mp4")
    code, _, err = cli(video, "-f", "srt,scc")  # netflix: 42 characters a line
    assert code == 0, err
    assert "re-laid out to 32 characters a row" in err and "--style cea608" in err
    scc = video.with_suffix(".scc").read_text("utf-8")
    assert scc_violations(scc) == []
    said = [w for s in srt.parse(video.with_suffix(".srt").read_text("utf-8")) for w in s.content.split()]
    assert [w for c in read_scc(scc) for w in words(c.lines)] == said


def test_scc_of_japanese_fails_that_file_in_one_line(cli, sample_copy) -> None:
    audio = sample_copy("ja_picovoice_test.flac")
    code, _, err = cli(audio, "-f", "srt,scc", "-l", "ja")
    assert code == 1
    assert "ja_picovoice_test.flac: SCC (CEA-608) has no characters for this text" in err
    assert "(ja_picovoice_test.srt written)" in err and "Traceback" not in err
    assert audio.with_suffix(".srt").read_text("utf-8").strip()  # nothing lost: the SubRip file is there
    assert not audio.with_suffix(".scc").exists()


def test_sync_and_check_keep_the_new_formats_in_the_lock(cli, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "jfk.mp4")
    (root / "captioner.toml").write_text('formats = ["ttml", "scc", "ass", "sbv"]\nstyle = "cea608"\n', "utf-8")
    code, _, err = cli("sync", "--root", root, "-q")
    assert code == 0, err
    entry = read_lock(root / "captions.lock").entries["jfk.mp4"]
    assert sorted(entry.captions) == ["ass", "sbv", "scc", "ttml"]
    assert entry.captions["scc"] == file_sha256(root / "jfk.scc")
    assert "formats=ass,sbv,scc,ttml" in entry.summary
    code, out, _ = cli("check", "--root", root, "--output-format", "json")
    assert code == 0 and json.loads(out)["files"][0]["state"] == "ok"
    scc = root / "jfk.scc"
    scc.write_text(scc.read_text("utf-8").replace("\t9420", "\t9420 9420 9420", 1), "utf-8")
    code, out, _ = cli("check", "--root", root, "--output-format", "json")
    assert json.loads(out)["files"][0]["state"] == "edited"
    (root / "jfk.mp4").unlink()
    code, out, _ = cli("check", "--root", root, "--output-format", "json")
    assert code == 1
    orphan = json.loads(out)["files"][0]
    assert orphan["state"] == "orphan" and sorted(orphan["captions"]) == ["jfk.ass", "jfk.sbv", "jfk.scc", "jfk.ttml"]


CUES = [Cue(0.5, 3.0, ("And so, my fellow Americans,",)), Cue(3.5, 7.0, ("ask not", "what your country can do"))]


def extract_track(video: Path, index: int = 0) -> bytes:
    return subprocess.run(
        [
            ffmpeg_exe(),
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(video),
            "-map",
            f"0:s:{index}",
            "-c",
            "copy",
            "-f",
            "data",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout


@pytest.mark.ffmpeg
def test_ass_goes_into_mkv_as_ass(sample_copy, tmp_path: Path) -> None:
    video = sample_copy("jfk.mp4")
    captions = tmp_path / "jfk.ass"
    captions.write_text(render_ass(CUES, frame=(640, 360)), "utf-8")
    out = mux(video, [SubtitleTrack(captions, "en", "Captions")], tmp_path / "jfk.mkv")
    track = probe(out).subtitle_streams[0]
    assert track.codec in ("ass", "ssa") and track.language == "eng"  # PyAV names ASS's decoder "ssa"
    remuxed = tmp_path / "back.ass"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(out), "-map", "0:s:0", "-c", "copy", str(remuxed)], check=True
    )
    back = pysubs2.load(str(remuxed))
    assert [e.text for e in back] == ["And so, my fellow Americans,", r"ask not\Nwhat your country can do"]
    # Debian 12's ffmpeg 5.1 muxes the track 20 ms late (the bundled one does not)
    assert all(abs(e.start - a) <= 20 and abs(e.end - b) <= 20 for e, (a, b) in zip(back, [(500, 3000), (3500, 7000)]))
    assert back.styles["Default"].fontsize == 23  # the look went along


@pytest.mark.ffmpeg
def test_ttml_goes_into_mp4_as_it_is(sample_copy, tmp_path: Path) -> None:
    video = sample_copy("jfk.mp4")
    captions = tmp_path / "jfk.ttml"
    captions.write_text(render_ttml(CUES, "en"), "utf-8")
    try:
        out = mux(video, [SubtitleTrack(captions, "en", "Captions")], tmp_path / "out.mp4")
    except MediaError as exc:  # Debian 12's ffmpeg 5.1 reads no stpp track: a clear line, no bad file
        assert os.environ.get("CAPTIONER_FFMPEG"), "the bundled ffmpeg copies TTML tracks"
        assert "cannot copy TTML (stpp) tracks" in str(exc)
        assert not (tmp_path / "out.mp4").exists()
        return
    streams = probe(out)
    assert [s.kind for s in streams.streams] == ["video", "audio", "subtitle"]
    assert streams.subtitle_streams[0].language == "eng"
    assert extract_track(out) == captions.read_bytes()  # the document itself, byte for byte


def test_ttml_cannot_go_into_matroska(sample_copy, tmp_path: Path) -> None:
    video = sample_copy("jfk.mp4")
    captions = tmp_path / "jfk.ttml"
    captions.write_text(render_ttml(CUES, "en"), "utf-8")
    with pytest.raises(MediaError, match="a .mkv file cannot hold TTML: write .mp4 or .mov, or mux .srt, .vtt, .ass"):
        mux(video, [SubtitleTrack(captions, "en")], tmp_path / "out.mkv")


def test_the_caption_file_to_attach(tmp_path: Path) -> None:
    files = {fmt: tmp_path / f"a.{fmt}" for fmt in ("ttml", "ass", "scc")}
    assert pick_caption_file(files, Path("v.mp4")) == files["ass"]
    assert pick_caption_file({"ttml": files["ttml"]}, Path("v.mp4")) == files["ttml"]
    assert pick_caption_file(files, Path("v.mkv"), burn_in=True) == files["ass"]
    with pytest.raises(MediaError, match="--mux needs one of srt, vtt, ass among the formats"):
        pick_caption_file({"ttml": files["ttml"]}, Path("v.mkv"))
