"""resync's caption files: each format read and written back in the same format, only the times
changed (re-read by srt, webvtt-py and pysubs2), and files it cannot use refused in one line."""

from __future__ import annotations

import io
from pathlib import Path

import pysubs2
import pytest
import srt
import webvtt

from captioner.resync.files import ResyncError, read_captions, write_captions

SRT = (
    "1\n00:00:01,000 --> 00:00:02,500\nAsk not\nwhat your country\n\n"
    "2\n00:00:03,000 --> 00:00:04,000\n<i>can do</i> for you\n\n"
)
VTT = (
    "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nAsk not\nwhat your country\n\n"
    "00:00:03.000 --> 00:00:04.000\ncan do for you\n"
)


def _ass() -> str:
    subs = pysubs2.SSAFile()
    subs.styles["Top"] = pysubs2.SSAStyle(fontsize=30, alignment=pysubs2.Alignment.TOP_CENTER)
    subs.append(pysubs2.SSAEvent(start=1000, end=2500, text="Ask not\\Nwhat your country", style="Top"))
    subs.append(pysubs2.SSAEvent(start=3000, end=4000, text="{\\i1}can do{\\i0} for you"))
    return subs.to_string("ass")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_srt_keeps_its_text_and_moves_its_times(tmp_path: Path) -> None:
    captions = read_captions(_write(tmp_path, "a.srt", SRT))
    assert captions.cues == [(1.0, 2.5, "Ask not\nwhat your country"), (3.0, 4.0, "can do for you")]
    out = tmp_path / "b.srt"
    write_captions(out, captions.retimed(lambda t: t + 1.5))
    subs = list(srt.parse(out.read_text("utf-8")))
    assert [(s.start.total_seconds(), s.end.total_seconds()) for s in subs] == [(2.5, 4.0), (4.5, 5.5)]
    assert [s.content for s in subs] == ["Ask not\nwhat your country", "<i>can do</i> for you"]


def test_vtt_stays_webvtt(tmp_path: Path) -> None:
    captions = read_captions(_write(tmp_path, "a.vtt", VTT))
    out = tmp_path / "b.vtt"
    write_captions(out, captions.retimed(lambda t: 2 * t - 1.5))  # the first start below 0 goes to 0
    read = webvtt.from_buffer(io.StringIO(out.read_text("utf-8"))).captions
    assert [(c.start, c.end) for c in read] == [("00:00:00.500", "00:00:03.500"), ("00:00:04.500", "00:00:06.500")]
    assert [c.text for c in read] == ["Ask not\nwhat your country", "can do for you"]


@pytest.mark.parametrize("fmt", ["ass", "ssa"])
def test_ass_and_ssa_keep_styles_and_tags(tmp_path: Path, fmt: str) -> None:
    source = pysubs2.SSAFile.from_string(_ass()).to_string(fmt)
    captions = read_captions(_write(tmp_path, f"a.{fmt}", source))
    out = tmp_path / f"b.{fmt}"
    write_captions(out, captions.retimed(lambda t: t - 0.5))
    subs = pysubs2.SSAFile.from_string(out.read_text("utf-8"), format_=fmt)
    assert [(e.start, e.end, e.style) for e in subs] == [(500, 2000, "Top"), (2500, 3500, "Default")]
    assert subs[1].text == "{\\i1}can do{\\i0} for you" and subs.styles["Top"].fontsize == 30


@pytest.mark.parametrize(
    ("name", "content", "cause"),
    [
        ("notes.txt", "hello", "not a caption format resync reads"),
        ("empty.srt", "", "no cues"),
        ("prose.srt", "Dear diary,\nnothing happened.\n", "no cues"),
        ("latin1.srt", None, "not UTF-8"),
        ("missing.srt", ..., "cannot read"),
    ],
)
def test_unusable_files_are_one_line_naming_them(tmp_path: Path, name: str, content: object, cause: str) -> None:
    path = tmp_path / name
    if content is None:
        path.write_bytes(SRT.replace("not", "n\xf6t").encode("latin-1"))
    elif isinstance(content, str):
        path.write_text(content, "utf-8")
    with pytest.raises(ResyncError, match=cause) as caught:
        read_captions(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


@pytest.mark.parametrize("fmt", ["sbv", "ttml", "scc"])
def test_sbv_ttml_and_scc_keep_their_lines_and_move_their_times(tmp_path: Path, fmt: str) -> None:
    from captioner.core.cues import Cue
    from captioner.output.readers import ttml_language
    from captioner.output.writers import FORMAT_TABLE, render_cues

    cues = [Cue(2.0, 3.5, ("Ask not what", "your country")), Cue(6.0, 7.0, ("can do for you",))]
    captions = read_captions(_write(tmp_path, f"a.{fmt}", render_cues(fmt, cues, "fr").text))
    assert [c[2] for c in captions.cues] == ["Ask not what\nyour country", "can do for you"]
    out = tmp_path / f"b.{fmt}"
    write_captions(out, captions.retimed(lambda t: t + 1.5))
    read = FORMAT_TABLE[fmt].read
    assert read is not None
    back = read(out.read_text("utf-8"))
    assert [c.lines for c in back] == [c.lines for c in cues]
    slack = 2 * 1001 / 30000 if fmt == "scc" else 0.0005  # SCC's times are 29.97 fps frames
    assert all(abs(b.start - (c.start + 1.5)) <= slack for b, c in zip(back, cues, strict=True))
    if fmt == "ttml":
        assert ttml_language(out.read_text("utf-8")) == "fr"
