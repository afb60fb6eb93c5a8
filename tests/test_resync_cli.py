"""``captioner resync`` on real speech with the real model: jfk.mp4's own captions shifted, scaled
by a frame-rate ratio, and its audio with 12 s of music inserted, come back to their times; the
result is re-read by independent parsers (srt, webvtt-py); bad input is one line, exit 1, nothing
written."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
import srt
import webvtt
from conftest import SAMPLES, invoke, run_ffmpeg

from captioner.core.timestamps import parse_timestamp, timestamp

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def jfk(local_backend, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """jfk.mp4 with its captions (.srt .vtt .sbv .ttml .scc) made by captioner itself."""
    folder = tmp_path_factory.mktemp("jfk")
    media = folder / "jfk.mp4"
    shutil.copyfile(SAMPLES / "jfk.mp4", media)
    code, _, err = invoke(media, "-f", "srt,vtt,sbv,ttml,scc")
    assert code == 0, err
    return media


def _srt_times(path: Path) -> list[tuple[float, float, str]]:
    return [(s.start.total_seconds(), s.end.total_seconds(), s.content) for s in srt.parse(path.read_text("utf-8"))]


def _vtt_times(path: Path) -> list[tuple[float, float, str]]:
    def seconds(stamp: str) -> float:
        h, m, s = stamp.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    return [(seconds(c.start), seconds(c.end), c.text) for c in webvtt.read(str(path)).captions]


def _within(found: list[tuple[float, float, str]], truth: list[tuple[float, float, str]]) -> float:
    """The share of cue starts within 0.10 s of the truth (texts and order must be the same)."""
    assert [c[2] for c in found] == [c[2] for c in truth]
    return sum(abs(a[0] - b[0]) <= 0.10 for a, b in zip(found, truth)) / len(truth)


def _moved_srt(source: Path, dest: Path, at) -> Path:  # type: ignore[no-untyped-def]
    subs = list(srt.parse(source.read_text("utf-8")))
    for s in subs:
        s.start = datetime.timedelta(seconds=at(s.start.total_seconds()))
        s.end = datetime.timedelta(seconds=at(s.end.total_seconds()))
    dest.write_text(srt.compose(subs), "utf-8")
    return dest


def test_an_offset_of_3_7_s_is_undone(jfk: Path, tmp_path: Path) -> None:
    truth = _srt_times(jfk.with_suffix(".srt"))
    shifted = _moved_srt(jfk.with_suffix(".srt"), tmp_path / "late.srt", lambda t: t + 3.7)
    out = tmp_path / "fixed.srt"
    code, stdout, err = invoke("resync", shifted, jfk, "-o", out)
    assert code == 0, err
    assert _within(_srt_times(out), truth) >= 0.95
    assert "offset -3.700 s" in stdout.splitlines()[0] or abs(float(stdout.split()[1]) + 3.7) <= 0.1
    assert "rate 1.000000" in stdout and "split" not in stdout and "confidence" in stdout


def test_a_frame_rate_ratio_in_vtt_is_found(jfk: Path, tmp_path: Path) -> None:
    truth = _vtt_times(jfk.with_suffix(".vtt"))
    captions = webvtt.read(str(jfk.with_suffix(".vtt")))
    for c in captions:  # as if timed at 25 fps and played at 23.976
        c.start = _stamp(_seconds(c.start) * 23.976 / 25)
        c.end = _stamp(_seconds(c.end) * 23.976 / 25)
    slow = tmp_path / "slow.vtt"
    captions.save(str(slow))
    out = tmp_path / "fixed.vtt"
    code, stdout, err = invoke("resync", slow, jfk, "-o", out)
    assert code == 0, err
    assert out.read_text("utf-8").startswith("WEBVTT")
    assert _within(_vtt_times(out), truth) >= 0.95
    assert "(25.000/23.976 fps)" in stdout


def _seconds(stamp: str) -> float:
    seconds = parse_timestamp(stamp)
    assert seconds is not None
    return seconds


def _stamp(t: float) -> str:
    return timestamp(t)


def _independently_read(fmt: str, path: Path) -> list[tuple[float, float, str]]:
    """The cues of a .sbv (ffmpeg's subviewer demuxer), .ttml (ttconv) or .scc (ttconv's times,
    pycaption's text) file; ends are left out (an SCC caption shows until the next)."""
    from captioner.output.readers import read_scc, read_ttml
    from captioner.testing.format_readers import read_sbv_ffmpeg, read_scc_pycaption

    text = path.read_text("utf-8")
    if fmt == "scc":
        timed, said = read_scc(text), read_scc_pycaption(text)
        assert [c.lines for c in timed] == [c.lines for c in said]
        return [(c.start, 0.0, "\n".join(c.lines)) for c in timed]
    read = read_sbv_ffmpeg(text) if fmt == "sbv" else read_ttml(text)
    return [(c.start, 0.0, "\n".join(c.lines)) for c in read]


@pytest.mark.parametrize("fmt", ["sbv", "ttml", "scc"])
def test_sbv_ttml_and_scc_late_by_3_7_s_come_back(jfk: Path, tmp_path: Path, fmt: str) -> None:
    from captioner.core.cues import Cue
    from captioner.output.writers import FORMAT_TABLE, render_cues

    original = jfk.with_suffix(f".{fmt}")
    read = FORMAT_TABLE[fmt].read
    assert read is not None
    late = tmp_path / f"late.{fmt}"
    cues = [Cue(c.start + 3.7, c.end + 3.7, c.lines) for c in read(original.read_text("utf-8"))]
    late.write_text(render_cues(fmt, cues, "en").text, "utf-8")
    out = tmp_path / f"fixed.{fmt}"
    code, stdout, err = invoke("resync", late, jfk, "-o", out)
    assert code == 0, err
    assert "rate 1.000000" in stdout and "split" not in stdout
    assert _within(_independently_read(fmt, out), _independently_read(fmt, original)) >= 0.95


def test_12_s_of_inserted_music_is_a_split(jfk: Path, tmp_path: Path) -> None:
    truth = _srt_times(jfk.with_suffix(".srt"))
    cut = (truth[1][1] + truth[2][0]) / 2  # between the second and third cues
    media = tmp_path / "with_music.flac"
    run_ffmpeg(
        "-v", "error", "-i", str(jfk), "-i", str(SAMPLES / "nonspeech_music_vibe_ace.ogg"), "-filter_complex",
        "[0:a]aresample=16000,aformat=channel_layouts=mono,asplit[a][b];"
        f"[a]atrim=0:{cut},asetpts=PTS-STARTPTS[p1];[b]atrim={cut},asetpts=PTS-STARTPTS[p2];"
        "[1:a]aresample=16000,aformat=channel_layouts=mono,atrim=20:32,asetpts=PTS-STARTPTS,volume=0.5[m];"
        "[p1][m][p2]concat=n=3:v=0:a=1[o]",
        "-map", "[o]", str(media),
    )  # fmt: skip
    out = tmp_path / "fixed.srt"
    code, stdout, err = invoke("resync", jfk.with_suffix(".srt"), media, "-o", out)
    assert code == 0, err
    moved = [(a + (12 if a > cut else 0), b + (12 if a > cut else 0), text) for a, b, text in truth]
    assert _within(_srt_times(out), moved) >= 0.95
    assert "12.00 s inserted" in stdout


def test_in_place_replaces_and_o_never_overwrites_the_input(jfk: Path, tmp_path: Path) -> None:
    late = _moved_srt(jfk.with_suffix(".srt"), tmp_path / "late.srt", lambda t: t + 3.7)
    before = late.read_bytes()
    code, _, err = invoke("resync", late, jfk, "-o", late)
    assert code == 2 and "--in-place" in err and late.read_bytes() == before
    code, _, err = invoke("resync", late, jfk)
    assert code == 0 and "nothing written" in err and late.read_bytes() == before
    code, _, err = invoke("resync", late, jfk, "--in-place")
    assert code == 0, err
    assert _within(_srt_times(late), _srt_times(jfk.with_suffix(".srt"))) >= 0.95


def _bad(args: list[object], out: Path, *words: str) -> None:
    code, stdout, err = invoke("resync", *args, "-o", out)
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith("captioner: error: "), err
    assert all(w in lines[0] for w in words), lines[0]
    assert "Traceback" not in err and not out.exists()


def test_bad_input_is_one_line_and_nothing_written(jfk: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.srt"
    _bad([tmp_path / "missing.srt", jfk], out, "missing.srt", "No such file")
    _bad([jfk.with_suffix(".srt"), tmp_path / "missing.mp4"], out, "missing.mp4", "no such media")
    notes = tmp_path / "notes.srt"
    notes.write_text("Shopping list\nmilk, eggs\n\nnot a caption in sight\n", "utf-8")
    _bad([notes, jfk], out, "notes.srt", "no cues")
    music = tmp_path / "bunny.mp4"
    shutil.copyfile(SAMPLES / "video_big_buck_bunny_clip.mp4", music)
    _bad([jfk.with_suffix(".srt"), music], out, "bunny.mp4")
    german = tmp_path / "german.srt"
    german.write_text(
        "1\n00:00:00,300 --> 00:00:02,000\nDer hinter diesem Portal\n\n"
        "2\n00:00:02,500 --> 00:00:04,000\nliegenden Raum wurde\n\n"
        "3\n00:00:04,500 --> 00:00:06,000\nals Leichenhalle genutzt.\n\n",
        "utf-8",
    )
    _bad([german, jfk], out, "jfk.mp4", "refused")
