"""-f ass: events in --burn's look that ffmpeg's ASS reader and pysubs2 read back with the same
lines and times (ASS keeps centiseconds)."""

from __future__ import annotations

import pysubs2
from format_strategies import any_line, cue_lists, expected_lines
from hypothesis import given, settings
from hypothesis import strategies as st

from captioner.core.cues import Cue
from captioner.output.ass import Look, ass_text, render_ass
from captioner.output.readers import read_ass
from captioner.testing.format_readers import ass_violations, read_ass_ffmpeg
from captioner.video.burn import BurnOptions, force_style

CENTISECOND = 0.005 + 1e-9  # rounding to the nearest centisecond


def check(cues: list[Cue], read) -> None:
    kept = [c for c in cues if expected_lines(c)]
    got = read(render_ass(cues))
    assert len(got) == len(kept)
    for event, cue in zip(got, kept):
        assert abs(event.start - cue.start) <= CENTISECOND
        assert abs(event.end - max(cue.start + 0.01, cue.end)) <= CENTISECOND
        assert list(event.lines) == [ass_text(ln) for ln in expected_lines(cue)]


@settings(max_examples=150)
@given(cue_lists())
def test_any_cue_list_round_trips_through_pysubs2(cues: list[Cue]) -> None:
    check(cues, read_ass)


@settings(max_examples=25, deadline=None)
@given(cue_lists(lines=any_line.filter(lambda s: not s.startswith(" "))))
def test_any_cue_list_round_trips_through_ffmpeg(cues: list[Cue]) -> None:
    check(cues, read_ass_ffmpeg)


def test_braces_and_backslashes_cannot_become_tags() -> None:
    cues = [Cue(1.0, 2.0, (r"a {\b1}bold\N b", "c"))]
    assert read_ass_ffmpeg(render_ass(cues))[0].lines == ("a (\u29f5b1)bold\u29f5N b", "c")
    assert ass_violations(render_ass(cues)) == []


@given(st.booleans(), st.sampled_from([(640, 360), (1920, 1080), (720, 576)]))
def test_the_style_is_burns_force_style(box: bool, frame: tuple[int, int]) -> None:
    """The Default style carries every field --burn gives libass for the same look and frame."""
    look = BurnOptions(box=box, font_size=0.05, colour="#FFFF00", margin=0.1)
    subs = pysubs2.SSAFile.from_string(render_ass([Cue(0, 1, ("x",))], look, frame))
    style = subs.styles["Default"]
    fields = dict(item.split("=", 1) for item in force_style(look, *frame, "Noto Sans").split(","))
    assert (subs.info["PlayResX"], subs.info["PlayResY"], subs.info["WrapStyle"]) == (
        fields["PlayResX"], fields["PlayResY"], fields["WrapStyle"],
    )  # fmt: skip
    written = {
        "FontName": style.fontname,
        "FontSize": f"{style.fontsize:g}",
        "PrimaryColour": _ass(style.primarycolor),
        "OutlineColour": _ass(style.outlinecolor),
        "BackColour": _ass(style.backcolor),
        "Bold": str(int(style.bold)),
        "Alignment": str(int(style.alignment)),
        "MarginL": str(style.marginl),
        "MarginR": str(style.marginr),
        "MarginV": str(style.marginv),
        "Shadow": f"{style.shadow:g}",
        "BorderStyle": str(style.borderstyle),
        "Outline": f"{style.outline:g}",
    }
    for key, value in fields.items():
        if key in written:
            assert written[key] == (f"{float(value):g}" if key in ("FontSize", "Outline", "Shadow") else value), key


def _ass(colour: pysubs2.Color) -> str:
    return f"&H{colour.a:02X}{colour.b:02X}{colour.g:02X}{colour.r:02X}"


def test_without_a_video_the_frame_is_1080p() -> None:
    subs = pysubs2.SSAFile.from_string(render_ass([Cue(0, 1, ("x",))], Look()))
    assert (subs.info["PlayResX"], subs.info["PlayResY"]) == ("1920", "1080")
    assert subs.styles["Default"].fontsize == 70  # 6.5% of 1080
