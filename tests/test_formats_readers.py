"""The format table: every format with times has its reader beside its writer, and each reads back
what the other writes (SBV, the one read by hand, also against ffmpeg's subviewer demuxer)."""

from __future__ import annotations

import pytest

from captioner.core.cues import Cue
from captioner.output.readers import read_sbv
from captioner.output.writers import FORMAT_TABLE, render_cues

CUES = [
    Cue(2.0, 3.75, ("Ask not what", "your country can do")),  # time enough to load each SCC caption
    Cue(6.0, 7.5, ("for you.",)),
    Cue(3725.125, 3727.0, ("An hour & more <later>",)),
]
FRAME = 1001 / 30000  # SCC's times are 29.97 fps frames


def test_the_formats_with_times_are_read_back() -> None:
    readable = {name for name, fmt in FORMAT_TABLE.items() if fmt.read is not None}
    assert readable == {"srt", "vtt", "ttml", "scc", "ass", "sbv"}


@pytest.mark.parametrize("name", ["srt", "vtt", "ttml", "scc", "ass", "sbv"])
def test_each_reader_reads_back_its_writer(name: str) -> None:
    fmt = FORMAT_TABLE[name]
    assert fmt.read is not None
    read = fmt.read(render_cues(name, CUES, "en").text)
    assert [c.lines for c in read] == [c.lines for c in CUES]
    slack = {"scc": 2 * FRAME, "ass": 0.0051}.get(name, 0.0005)  # ASS counts centiseconds
    for got, want in zip(read, CUES, strict=True):
        assert abs(got.start - want.start) <= slack
        if name != "scc":  # a pop-on caption shows until the next one or its clear
            assert abs(got.end - want.end) <= slack


@pytest.mark.ffmpeg
def test_sbv_reads_as_ffmpeg_reads_it() -> None:
    from captioner.testing.format_readers import read_sbv_ffmpeg

    text = "0:00:00.500,0:00:02.250\nAsk not what\nyour country\n\n1:02:05.125,1:02:07.000\nfor you.\n"
    assert read_sbv(text) == read_sbv_ffmpeg(text)
    with pytest.raises(ValueError, match="cue 1"):
        read_sbv("Ask not\n")
