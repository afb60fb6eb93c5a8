"""``captioner align MEDIA SCRIPT`` and ``--script`` on real speech with the real model: the
script's words come out exactly, timed to jfk.mp4's speech; words the audio lacks are flagged,
speech the script lacks is reported; every format is re-read by independent parsers; bad input
is one line, exit 1, nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import srt
import webvtt
from conftest import SAMPLES, invoke

from captioner.output.readers import read_scc, read_ttml  # ttconv's readers
from captioner.output.writers import FORMATS
from captioner.testing.format_readers import read_ass_ffmpeg, read_sbv_ffmpeg

pytestmark = pytest.mark.slow

SAID = "And so, my fellow Americans, ask not what your country can do for you, ask what you can do for your country."


@pytest.fixture()
def jfk(local_backend, tmp_path: Path) -> Path:
    media = tmp_path / "jfk.mp4"
    shutil.copyfile(SAMPLES / "jfk.mp4", media)
    return media


def _script(folder: Path, text: str, name: str = "jfk.txt") -> Path:
    path = folder / name
    path.write_text(text, "utf-8")
    return path


def _srt(path: Path) -> list[srt.Subtitle]:
    return list(srt.parse(path.read_text("utf-8")))


def _words(subs: list[srt.Subtitle]) -> list[str]:
    return [w for s in subs for w in s.content.split()]


def _only_media_and_script(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_the_script_words_come_out_exactly_timed_to_the_speech(jfk: Path) -> None:
    script = _script(
        jfk.parent,
        "And so, my fellow Americans,\nask not what your country can do for you,\n"
        "ask what you can do for your country.\n",
    )
    code, _, err = invoke("align", jfk, script, "-f", "srt,json", "-q")
    assert code == 0, err
    subs = _srt(jfk.with_suffix(".srt"))
    assert " ".join(_words(subs)) == SAID
    data = json.loads(jfk.with_suffix(".json").read_text("utf-8"))
    starts = {w["word"].strip(): w["start"] for w in data["words"]}
    # the VAD's utterances of jfk.mp4: 0.32, 3.36 ("ask not"), 5.44 ("what your country"), 8.22
    assert abs(data["words"][0]["start"] - 0.32) <= 0.25
    assert abs(starts["Americans,"] - 1.6) <= 0.4
    what = [w for w in data["words"] if w["word"].strip() == "what"][0]
    assert abs(what["start"] - 5.44) <= 0.3
    assert data["captioner"]["aligned"]["unheard"] == []


def test_a_word_the_audio_lacks_is_kept_between_its_neighbours_and_listed(jfk: Path) -> None:
    script = _script(jfk.parent, SAID.replace("your country can", "your purple country can"))
    code, _, err = invoke("align", jfk, script, "-f", "srt,json", "--review")
    assert code == 0, err
    words = json.loads(jfk.with_suffix(".json").read_text("utf-8"))["words"]
    texts = [w["word"].strip() for w in words]
    k = texts.index("purple")
    assert words[k]["probability"] == 0.0
    assert words[k - 1]["end"] <= words[k]["start"] <= words[k]["end"] <= words[k + 1]["start"] + 1e-6
    assert "purple" in " ".join(_words(_srt(jfk.with_suffix(".srt"))))
    assert "'purple' 0.00" in jfk.with_name("jfk.review.txt").read_text("utf-8")
    assert "1 script word(s) not heard" in err
    others = [w for w in words if w["word"].strip() != "purple"]
    assert all(w["probability"] > 0.0 for w in others)


def test_speech_the_script_lacks_is_reported_not_captioned(jfk: Path) -> None:
    script = _script(jfk.parent, "And so, my fellow Americans, ask what you can do for your country.")
    code, _, err = invoke("align", jfk, script, "-f", "srt,json")
    assert code == 0, err
    subs = _srt(jfk.with_suffix(".srt"))
    assert " ".join(_words(subs)) == "And so, my fellow Americans, ask what you can do for your country."
    (span,) = json.loads(jfk.with_suffix(".json").read_text("utf-8"))["captioner"]["aligned"]["unscripted"]
    assert 3.0 <= span[0] <= 6.0 and 6.0 <= span[1] <= 8.2  # "ask not what your country can do for you"
    assert "speech the script lacks" in err
    ask = [w for s in subs for w in s.content.split()].index("ask")
    assert abs(_words_json(jfk)[ask]["start"] - 8.22) <= 0.4  # the last "ask", not the first


def _words_json(media: Path) -> list[dict]:
    return json.loads(media.with_suffix(".json").read_text("utf-8"))["words"]


def test_a_script_in_another_language_is_one_line_exit_1_nothing_written(jfk: Path) -> None:
    german = (
        "Und so, meine amerikanischen Mitbürger, fragt nicht, was euer Land für euch tun kann, "
        "fragt, was ihr für euer Land tun könnt."
    )
    script = _script(jfk.parent, german)
    before = _only_media_and_script(jfk.parent)
    code, out, err = invoke("align", jfk, script)
    assert code == 1
    lines = [line for line in err.splitlines() if "error" in line]
    assert len(lines) == 1 and "the script is not what the media says" in lines[0] and "jfk.mp4" in lines[0]
    assert "Traceback" not in err and "Mitbürger" not in err
    assert _only_media_and_script(jfk.parent) == before


def test_an_empty_script_is_one_line_exit_1_nothing_written(jfk: Path) -> None:
    script = _script(jfk.parent, "\n  \n\t\n")
    before = _only_media_and_script(jfk.parent)
    code, _, err = invoke("align", jfk, script)
    assert code == 1
    assert err.strip().count("\n") == 0 and "the script has no words" in err and "jfk.txt" in err
    assert _only_media_and_script(jfk.parent) == before


def test_a_script_longer_than_the_media_keeps_every_word_within_the_media(jfk: Path) -> None:
    more = " We observe today not a victory of party, but a celebration of freedom."
    script = _script(jfk.parent, SAID + more)
    code, _, err = invoke("align", jfk, script, "-f", "srt,json")
    assert code == 0, err
    subs = _srt(jfk.with_suffix(".srt"))
    assert " ".join(_words(subs)) == SAID + more
    assert subs[-1].end.total_seconds() <= 11.0 + 1e-3  # nothing runs past the media's end
    unheard = json.loads(jfk.with_suffix(".json").read_text("utf-8"))["captioner"]["aligned"]["unheard"]
    assert [u["word"] for u in unheard] == more.split()
    assert f"{len(more.split())} script word(s) not heard" in err


def test_every_format_is_written_with_the_script_words(jfk: Path) -> None:
    script = _script(jfk.parent, SAID)
    code, _, err = invoke("align", jfk, script, "-f", ",".join(FORMATS), "--style", "cea608", "-q")
    assert code == 0, err
    said = SAID.split()
    subs = _srt(jfk.with_suffix(".srt"))
    assert _words(subs) == said
    assert [w for c in webvtt.read(str(jfk.with_suffix(".vtt"))) for w in c.text.split()] == said
    assert [
        w for c in read_ttml(jfk.with_suffix(".ttml").read_text("utf-8")) for w in " ".join(c.lines).split()
    ] == said
    assert [
        w for c in read_ass_ffmpeg(jfk.with_suffix(".ass").read_text("utf-8")) for w in " ".join(c.lines).split()
    ] == said
    assert [
        w for c in read_sbv_ffmpeg(jfk.with_suffix(".sbv").read_text("utf-8")) for w in " ".join(c.lines).split()
    ] == said
    scc = [w for c in read_scc(jfk.with_suffix(".scc").read_text("utf-8")) for w in " ".join(c.lines).split()]
    assert scc == said
    assert jfk.with_suffix(".txt").read_text("utf-8").split() == said
    assert "".join(w["word"] for w in _words_json(jfk)) == SAID


def _cues_by_line(subs: list[srt.Subtitle], lines: list[str]) -> list[str]:
    """The cues' texts joined line by line of the script: each line must start a cue (the layout
    may also break a line, as at JFK's long pause after "Americans,"); a cue that straddles two
    lines leaves its text unjoined, so the comparison with ``lines`` fails."""
    texts = [s.content.replace("\n", " ") for s in subs]
    out: list[str] = []
    for line in lines:
        joined = ""
        while texts and joined != line and line.startswith((joined + " " + texts[0]).strip()):
            joined = (joined + " " + texts.pop(0)).strip()
        out.append(joined)
    return out + texts


def test_keep_lines_starts_a_cue_at_each_script_line_and_a_caption_script_works(jfk: Path) -> None:
    lines = [
        "And so, my fellow Americans, ask not what",
        "your country can do for you, ask what you can do",
        "for your country.",
    ]
    script = _script(jfk.parent, "\n".join(lines) + "\n")
    code, _, err = invoke("align", jfk, script, "-f", "srt", "--keep-lines", "-q")
    assert code == 0, err
    subs = _srt(jfk.with_suffix(".srt"))
    assert _cues_by_line(subs, lines) == lines
    # the same lines as a caption file with wrong times: its text kept, its times ignored
    wrong = [srt.Subtitle(i + 1, _td(40 + i), _td(41 + i), line) for i, line in enumerate(lines)]
    caption_script = jfk.parent / "script.srt"
    caption_script.write_text(srt.compose(wrong), "utf-8")
    code, _, err = invoke(jfk, "--script", caption_script, "-f", "srt", "--keep-lines", "--overwrite", "-q")
    assert code == 0, err
    again = _srt(jfk.with_suffix(".srt"))
    assert _cues_by_line(again, lines) == lines
    assert again[-1].end.total_seconds() <= 11.0 + 1e-3


def _td(seconds: float):  # type: ignore[no-untyped-def]
    import datetime

    return datetime.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("case", "cause"),
    [
        ("missing script", "no such file"),
        ("script is a folder", "not a regular file"),
        ("binary script", "not UTF-8"),
        ("missing media", "jfk-gone.mp4"),
    ],
)
def test_bad_input_is_one_line_exit_1_nothing_written(jfk: Path, case: str, cause: str) -> None:
    folder = jfk.parent
    script = _script(folder, SAID)
    media = jfk
    if case == "missing script":
        script = folder / "nothing.txt"
    elif case == "script is a folder":
        script = folder / "sub"
        script.mkdir()
    elif case == "binary script":
        script = folder / "binary.txt"
        script.write_bytes(b"\xff\xfe\x00\x81" * 50)
    elif case == "missing media":
        media = folder / "jfk-gone.mp4"
    before = _only_media_and_script(folder)
    code, _, err = invoke("align", media, script)
    assert code == 1, err
    assert len(err.strip().splitlines()) <= 2 and cause.lower() in err.lower()  # the error, then the count
    assert "Traceback" not in err
    assert _only_media_and_script(folder) == before
