"""Every file the studio saves reads back as the cues it saved (issue 27, defect 4): a cue whose
text an .srt or .vtt cannot hold ("-->", a number line followed by a line starting like a time) is
refused by number, before anything is written.  A Hypothesis property over cue text, through
Studio.save on a real tree (jfk.mp4), reading the files back with the studio's readers (srt and webvtt-py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from captioner.ci.config import load_config
from captioner.ci.status import Scanner
from captioner.edit import captions
from captioner.edit.analysis import EditCue
from captioner.edit.studio import InvalidCues, Studio

pytestmark = pytest.mark.slow  # a few hundred saves of real files

FORMATS = ("srt", "vtt")
# Pieces that SRT and WebVTT give a meaning: arrows, numbers, times, markup, entities, line breaks.
TRICKY = st.sampled_from(
    ["-->", "->", "2", "17", "-3.5", "00:00:01,000", "10:30:00", "1:2:3", " --> ", "\n", "\n\n", "<b>", "&amp;",
     "&", "NOTE", "WEBVTT", " ", "  ", "\t"]
)  # fmt: skip
WORDS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
TEXT = st.lists(st.one_of(TRICKY, WORDS), min_size=1, max_size=8).map("".join)


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Studio:
    root = tmp_path_factory.mktemp("roundtrip").resolve()
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "jfk.mp4")
    (root / "captioner.toml").write_text(f"formats = {list(FORMATS)!r}\n".replace("'", '"'), "utf-8")
    return Studio(Scanner(root, load_config(root)))


def expected(cue: EditCue) -> tuple[float, float, str]:
    return round(cue.start, 3), round(cue.end, 3), "\n".join(" ".join(line.split()) for line in cue.lines)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(TEXT, min_size=1, max_size=4))
def test_a_saved_file_reads_back_as_the_cues_or_the_save_is_refused(studio: Studio, texts: list[str]) -> None:
    root, rel = studio.root, "jfk.mp4"
    cues = [EditCue(k * 2.0, k * 2.0 + 1.5, text) for k, text in enumerate(texts)]
    before = {fmt: (root / f"jfk.{fmt}").read_bytes() if (root / f"jfk.{fmt}").exists() else None for fmt in FORMATS}
    try:
        studio.save(rel, cues, captions.versions(root, rel, FORMATS))
    except InvalidCues as refused:
        event("refused")
        assert refused.errors and all(0 <= k < len(cues) for k in refused.errors)
        assert all(refused.errors.values())  # each refused cue says why
        after = {f: (root / f"jfk.{f}").read_bytes() if (root / f"jfk.{f}").exists() else None for f in FORMATS}
        assert after == before  # nothing written
        return
    event("saved")
    want = [expected(c) for c in cues]
    got, source = captions.read_cues(root, rel)
    assert source == "jfk.srt"
    assert [expected(c) for c in got] == want
    vtt = [expected(c) for c in captions._parse_vtt((root / "jfk.vtt").read_text("utf-8"))]
    assert vtt == want


def test_the_cases_of_issue_27_are_refused_by_cue_number(studio: Studio) -> None:
    for text in ("Chapter\n2\n00:00:05,000 --> 00:00:07,000 the next one", "ten --> eleven", "room\n12\n10:30:00 call"):
        cues = [EditCue(0.0, 1.0, "before"), EditCue(2.0, 3.0, text)]
        with pytest.raises(InvalidCues) as refused:
            studio.save("jfk.mp4", cues, captions.versions(studio.root, "jfk.mp4", FORMATS))
        assert list(refused.value.errors) == [1], text
        assert str(refused.value).startswith("cue 2: ")


def test_a_marks_file_leading_out_or_a_pipe_is_never_read_nor_replaced(studio: Studio, tmp_path: Path) -> None:
    """The reviewed marks beside the media are read as the captions are: a regular file inside the
    tree only (a named pipe would hold the index forever; a link out would be read or replaced)."""
    import json
    import os
    import threading

    from captioner.edit import reviewed
    from captioner.edit.captions import CaptionReadError

    root, marks = studio.root, studio.root / "jfk.reviewed"
    cues = [EditCue(0.0, 1.0, "checked", reviewed=True)]
    outside = tmp_path / "outside.reviewed"
    outside.write_text(json.dumps({"version": 1, "cues": [reviewed.fingerprint(cues[0])]}), "utf-8")
    marks.symlink_to(outside)
    try:
        assert reviewed.with_marks(root, "jfk.mp4", cues)[0].reviewed is False  # not read through the link
        with pytest.raises(CaptionReadError, match="symbolic link"):
            studio.save("jfk.mp4", cues, captions.versions(root, "jfk.mp4", FORMATS))
        assert marks.is_symlink() and outside.read_text("utf-8").startswith('{"version": 1')
    finally:
        marks.unlink()
    os.mkfifo(marks)
    try:
        found: list[bool] = []
        reader = threading.Thread(target=lambda: found.append(reviewed.with_marks(root, "jfk.mp4", cues)[0].reviewed))
        reader.start()
        reader.join(20)  # a safety net only: the reader does not wait on a pipe
        if reader.is_alive():
            with open(marks, "w"):  # release the reader before failing
                pass
            pytest.fail("reading a named pipe of marks waited for a writer")
        assert found == [False]
    finally:
        marks.unlink()


def test_a_save_without_a_lock_entry_says_how_to_record_it(tmp_path: Path) -> None:
    """Issue 27, defect 8: captions made in the studio for a file that had none leave check failing
    (lock entry missing); the save answers with the command that records them, and once it ran, none."""
    from click.testing import CliRunner

    from captioner.cli.main import main

    root = tmp_path.resolve()
    shutil.copyfile(SAMPLES / "jfk.mp4", root / "jfk.mp4")
    (root / "captioner.toml").write_text("", "utf-8")
    studio = Studio(Scanner(root, load_config(root)))
    cues = [EditCue(start=0.5, end=2.0, text="And so")]
    saved = studio.save("jfk.mp4", cues, studio.document("jfk.mp4")["versions"])
    assert "captioner sync --adopt jfk.mp4" in saved["hint"]
    result = CliRunner().invoke(main, ["sync", "--adopt", "--root", str(root), str(root / "jfk.mp4"), "-q"])
    assert result.exit_code == 0, result.stderr
    again = studio.save("jfk.mp4", cues, saved["versions"])
    assert "hint" not in again
