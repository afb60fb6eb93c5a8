"""-f scc: CEA-608 pop-on captions that ttconv's and pycaption's SCC readers decode with the same
text, shown within a frame of the cue times whenever 608's bandwidth allows it."""

from __future__ import annotations

import pytest
from format_strategies import cue_lists
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from captioner.core.cues import Cue
from captioner.core.style import PRESETS
from captioner.core.transcript import Word
from captioner.output.cea608 import EXTENDED, SPECIAL, STANDARD, to_608
from captioner.output.readers import read_scc
from captioner.output.scc import SccError, frame_of, render_scc, timecode
from captioner.output.text import clean_line
from captioner.testing.format_readers import df_frames, read_scc_pycaption, scc_violations

FRAME = 1001 / 30000
SET_608 = "".join(sorted(set(STANDARD) | set(SPECIAL) | set(EXTENDED)))
line_608 = st.text(alphabet=SET_608 + "–…éłœ€", min_size=1, max_size=45).filter(lambda s: s.strip())


def mapped_text(cues: list[Cue]) -> str:
    """The cues' characters in the 608 set, without spaces (a word longer than a row is cut)."""
    return "".join("".join(to_608(clean_line(" ".join(c.lines)))[0] for c in cues).split())


@settings(max_examples=120, deadline=None)
@given(cue_lists(lines=line_608, max_lines=3))
def test_any_cue_list_decodes_to_its_words_and_the_times_it_reports(cues: list[Cue]) -> None:
    result = render_scc(cues)
    assert scc_violations(result.text) == []
    decoded = read_scc(result.text)
    assert [" ".join(c.lines).split() for c in decoded] == [" ".join(s[2]).split() for s in result.shown]
    assert "".join("".join(got.lines).replace(" ", "") for got in decoded) == mapped_text(cues)
    for got, (show, clear, _) in zip(decoded, result.shown):
        assert abs(got.start - show) < FRAME / 2
        assert abs(got.end - clear) < FRAME / 2
    for got, cue in zip(decoded, cues):
        assert got.start > cue.start - FRAME  # never early
    assert [c.lines for c in read_scc_pycaption(result.text)] == [c.lines for c in decoded]


def _load_frames(lines: tuple[str, ...]) -> float:
    """An upper bound of the frames a caption's codes take: RCL, ENM, a preamble and a tab offset a
    row, EOC (each control code sent twice), half a frame a standard character, 2.5 frames a special
    one (a control code after a padded half word), 3 an extended one (its stand-in too)."""
    cost = {**dict.fromkeys(STANDARD, 0.5), **dict.fromkeys(SPECIAL, 2.5), **dict.fromkeys(EXTENDED, 3.0)}
    return 6 + 4 * len(lines) + sum(cost.get(ch, 3.0) for line in lines for ch in line)


@settings(max_examples=80, deadline=None)
@given(cue_lists(lines=line_608.filter(lambda s: len(s) <= 32), max_lines=2, min_ms=2000, min_gap_ms=2000))
def test_captions_with_time_to_load_show_within_a_frame_of_their_cues(cues: list[Cue]) -> None:
    """Cues of the cea608 preset's 2 s minimum (and 2 s of lead-in) load in time: every caption
    appears and goes within a frame of its cue.  Only captions that CEA-608 can load in those 2 s
    (60 frames): a line dense in special and extended characters (2-3 frames each) cannot, and the
    writer then says it appears late (the test after this one)."""
    assume(all(_load_frames(c.lines) <= 56 for c in cues))
    result = render_scc(cues)
    assert not any("appear" in note for note in result.notes)
    decoded = read_scc(result.text)
    assert len(decoded) == len(cues)
    for got, cue in zip(decoded, cues):
        assert abs(got.start - cue.start) <= FRAME
        assert abs(got.end - cue.end) <= FRAME


def test_a_caption_too_dense_to_load_in_time_appears_late_and_says_so() -> None:
    """Two rows of extended characters take ~100 frames to load, more than the 2 s (60 frames) before
    the cue: the caption shows late, and the note gives how late."""
    cue = Cue(2.0, 6.0, ("{}" * 16, "\\^" * 10))
    result = render_scc([cue])
    assert [n for n in result.notes if "appear up to" in n], result.notes
    (got,) = read_scc(result.text)
    assert got.start > cue.start + 10 * FRAME
    assert got.lines == cue.lines


def test_extended_characters_keep_the_letter_before_them() -> None:
    """pycaption's writer loses the letter before each extended character; ours sends a stand-in."""
    cue = Cue(3.0, 6.0, ("Gruß, Ñandú “quote” à l’été", "Ørsted {x} a\\b ^_~| ♪♪"))
    text = render_scc([cue]).text
    assert scc_violations(text) == []
    want = ("Gruß, Ñandú “quote” à l'été", "Ørsted {x} a\\b ^_~| ♪♪")  # ’ goes as ', one byte
    assert read_scc(text)[0].lines == want
    assert read_scc_pycaption(text)[0].lines == want


def test_text_outside_the_set_is_folded_or_refused() -> None:
    result = render_scc([Cue(3.0, 6.0, ("Łódź – ăla 50€ ☃",))])
    assert read_scc(result.text)[0].lines == ("Lódz - ala 50EUR",)
    assert "scc: left out 1 character CEA-608 cannot show: ☃" in result.notes
    with pytest.raises(SccError, match="Latin only"):
        render_scc([Cue(1.0, 3.0, ("日本語の字幕",))])


def test_emoji_left_out_are_named_as_a_reader_sees_them(tmp_path) -> None:
    """issue 25: emoji went without a word for what they were: a heart with its variation selector,
    a thumb with its skin tone, a family of joined emoji or a flag were counted in code points, the
    invisible ones among them shown as nothing."""
    import io

    from captioner.cli.console import ConsoleReporter
    from captioner.core.transcript import Segment, Transcript
    from captioner.run.jobs import make_jobs
    from captioner.run.outputs import format_outputs
    from captioner.run.settings import Settings

    said = [" Party", " 🎉", " ❤️", " 👍🏽", " with", " 👨\u200d👩\u200d👧", " 🇩🇪", " 🎉."]
    words = [Word(w, 0.5 + 0.4 * k, 0.8 + 0.4 * k, 0.9) for k, w in enumerate(said)]
    transcript = Transcript("en", 5.0, [Segment(0, 0, 0.5, 3.6, "".join(said))], words=words)
    media = tmp_path / "party.flac"
    media.write_bytes(b"")
    settings = Settings(formats=("scc",))
    (job,), _ = make_jobs([media], settings)
    log = io.StringIO()
    format_outputs(job, transcript, settings, ["scc"], ConsoleReporter(1, stream=log))
    notes = [line for line in log.getvalue().splitlines() if "left out" in line]
    assert notes == [f"{media}: scc: left out 5 characters CEA-608 cannot show: 🎉 ❤️ 👍🏽 👨\u200d👩\u200d👧 🇩🇪"]
    shown = " ".join(read_scc(job.outputs["scc"].read_text("utf-8"))[0].lines)
    assert shown.split() == ["Party", "with", "."]


def test_wider_cues_are_relaid_out_by_captioner_line_breaking_with_a_note() -> None:
    words = "And so, my fellow Americans: ask not what your country can do for you".split()
    timed = tuple(Word((" " if k else "") + w, 2.0 + 0.3 * k, 2.25 + 0.3 * k) for k, w in enumerate(words))
    cue = Cue(2.0, 6.0, ("And so, my fellow Americans: ask not what", "your country can do for you"), timed)
    result = render_scc([cue], "en", "netflix")
    decoded = read_scc(result.text)
    rows = ["And so, my fellow Americans:", "ask not what your country", "can do for you"]
    assert [ln for c in decoded for ln in c.lines] == rows
    assert any("1 cues re-laid out to 32 characters" in n and "netflix" in n for n in result.notes)
    assert scc_violations(result.text) == []


def test_a_cue_too_long_for_four_rows_is_split_at_its_word_times() -> None:
    words = [f"word{k:02d}" for k in range(30)]  # 30 x 7 characters: more than 4 rows of 32
    timed = tuple(Word((" " if k else "") + w, 10 + 0.5 * k, 10.4 + 0.5 * k) for k, w in enumerate(words))
    cue = Cue(10.0, 25.0, (" ".join(words),), timed)
    decoded = read_scc(render_scc([cue]).text)
    assert len(decoded) == 2
    assert [w for c in decoded for ln in c.lines for w in ln.split()] == words
    first = sum(len(line.split()) for line in decoded[0].lines)
    assert abs(decoded[1].start - timed[first].start) <= FRAME  # the second part comes with its first word


def test_drop_frame_timecodes() -> None:
    assert timecode(0) == "00:00:00;00"
    assert timecode(1799) == "00:00:59;29"
    assert timecode(1800) == "00:01:00;02"  # ;00 and ;01 are skipped ...
    assert timecode(17982) == "00:10:00;00"  # ... but not at every tenth minute
    assert timecode(frame_of(3600.0)) == "01:00:00;00"
    for frame in (0, 1799, 1800, 3597, 17981, 17982, 107892, 123456):
        assert df_frames(timecode(frame)) == frame


def test_the_cea608_preset_fits_the_608_screen() -> None:
    style = PRESETS["cea608"]
    assert (style.max_chars, style.max_lines) == (32, 2)
    assert style.for_language("ja").max_chars == 32
    assert style.min_duration >= 42 * FRAME  # two full rows load within the caption before


def test_the_rule_check_catches_broken_files() -> None:
    text = render_scc([Cue(3.0, 6.0, ("Hello",))]).text
    assert scc_violations(text) == []
    assert scc_violations(text.replace("9420 9420", "9420 9425"))  # a control code sent once, roll-up
    assert scc_violations(text.replace("00:00:02;", "00:01:00;0"))  # a skipped drop-frame label
    assert scc_violations(text.replace("c8e5", "48e5"))  # even parity
