"""-f ttml: an IMSC 1.1 Text Profile document that ttconv (the IMSC authors' reader) reads back
with the same lines and times."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from format_strategies import cue_lists, expected_lines
from hypothesis import given, settings

from captioner.core.cues import Cue
from captioner.output.ass import Look
from captioner.output.readers import read_ttml
from captioner.output.ttml import render_ttml
from captioner.testing.format_readers import TT, TTS, ttml_violations

XML_INVALID = "".join(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF))


@settings(max_examples=150)
@given(cue_lists())
def test_any_cue_list_round_trips_through_ttconv(cues: list[Cue]) -> None:
    text = render_ttml(cues, "en")
    assert ttml_violations(text) == []
    read = read_ttml(text)
    kept = [c for c in cues if expected_lines(c)]
    assert len(read) == len(kept)
    for got, cue in zip(read, kept):
        assert abs(got.start - round(cue.start, 3)) < 1e-9
        assert abs(got.end - round(cue.end, 3)) < 1e-9
        want = [ln.translate({ord(c): None for c in XML_INVALID}) for ln in expected_lines(cue)]
        assert list(got.lines) == [w for w in want]


def test_lines_stay_as_broken_and_the_document_follows_imsc() -> None:
    cues = [Cue(1.0, 2.5, ("Hello <there> & you,", "second line")), Cue(3.0, 4.0, ("a\x01b",))]
    text = render_ttml(cues, "en")
    root = ET.fromstring(text)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    style = root.find(f".//{TT}style")
    assert style.get(f"{TTS}wrapOption") == "noWrap"  # players keep captioner's lines
    assert [len(p.findall(f"{TT}br")) for p in root.iter(f"{TT}p")] == [1, 0]
    assert [c.lines for c in read_ttml(text)] == [("Hello <there> & you,", "second line"), ("ab",)]
    assert ttml_violations(text) == []


def test_the_burn_look_box_or_outline() -> None:
    boxed = ET.fromstring(render_ttml([Cue(0, 1, ("x",))], None, Look(box=True, box_opacity=0.5)))
    style = boxed.find(f".//{TT}style")
    assert style.get(f"{TTS}backgroundColor") == "#00000080"
    assert style.get(f"{TTS}textOutline") is None
    outlined = ET.fromstring(render_ttml([Cue(0, 1, ("x",))], None, Look())).find(f".//{TT}style")
    assert outlined.get(f"{TTS}textOutline") == "#000000FF 6.2%"


def test_the_rule_check_catches_a_broken_document() -> None:
    text = render_ttml([Cue(0, 1, ("x",))], "en")
    assert ttml_violations(text.replace('ttp:timeBase="media"', 'ttp:timeBase="smpte"'))
    assert ttml_violations(text.replace('region="bottom"', 'region="nowhere"'))
    assert ttml_violations(text.replace("00:00:01.000", "00:00:01:12"))
