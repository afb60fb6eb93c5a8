"""-f sbv: YouTube's SubViewer blocks, read back by ffmpeg's subviewer demuxer."""

from __future__ import annotations

from format_strategies import any_line, cue_lists, expected_lines
from hypothesis import given, settings

from captioner.core.cues import Cue
from captioner.output.sbv import render_sbv, sbv_timestamp
from captioner.testing.format_readers import read_sbv_ffmpeg

# ffmpeg reads "<" and "{" as the start of a tag, and skips a line starting with "[" (a SubViewer 2
# section such as [INFORMATION]); SBV has neither, YouTube shows such lines as they are.
sbv_line = any_line.filter(lambda s: "<" not in s and "{" not in s and not s.strip().startswith("["))


@settings(max_examples=25, deadline=None)
@given(cue_lists(lines=sbv_line))
def test_any_cue_list_round_trips_through_ffmpeg(cues: list[Cue]) -> None:
    kept = [c for c in cues if expected_lines(c)]
    got = read_sbv_ffmpeg(render_sbv(cues))
    assert len(got) == len(kept)
    for event, cue in zip(got, kept):
        assert abs(event.start - round(cue.start, 3)) < 1e-6
        assert abs(event.end - round(cue.end, 3)) < 1e-6
        assert list(event.lines) == expected_lines(cue)


def test_the_youtube_layout() -> None:
    text = render_sbv([Cue(1.5, 3.25, ("Hello there,", "you")), Cue(3725.0, 3726.0, ("later",))])
    assert text == "0:00:01.500,0:00:03.250\nHello there,\nyou\n\n1:02:05.000,1:02:06.000\nlater\n"
    assert sbv_timestamp(-1) == "0:00:00.000"
