"""The parts of alignment that need no model: the script's words read from text and caption files
(re-read as written by independent libraries), the matching of heard words to the script, the
words without a time placed between their neighbours, and a script's lines kept as cue starts."""

from __future__ import annotations

import datetime
from pathlib import Path

import pysubs2
import pytest
import srt

from captioner.captions.segmentation import segment
from captioner.ci.config import load_config
from captioner.ci.config_values import ConfigError
from captioner.core.cues import Cue
from captioner.core.style import get_style
from captioner.core.transcript import Segment, Transcript, Word
from captioner.output.writers import render_cues
from captioner.transcription.align.matching import ABSENT, MATCHED, REPLACED, Heard, match
from captioner.transcription.align.script import ScriptError, read_script, script_from_lines, split_words
from captioner.transcription.align.timing import finish_times


def test_plain_text_keeps_every_word_and_its_punctuation(tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_text("Ask not what your country\ncan do for you —\n\n  ask what you can do.\n", "utf-8")
    script = read_script(path)
    assert script.text == "Ask not what your country can do for you — ask what you can do."
    assert script.words[0] == "Ask" and script.words[5] == " can"
    assert sorted(script.line_starts) == [0, 5, 10]
    assert len(script.digest) == 64


def test_unspaced_text_is_cut_into_characters_with_punctuation_kept() -> None:
    assert split_words("今日は、晴れ。") == ["今", "日", "は、", "晴", "れ。"]
    assert "".join(split_words("東京 Tower です")) == "東京 Tower です"


def test_a_caption_file_gives_its_cues_texts_and_no_times(tmp_path: Path) -> None:
    subs = [
        srt.Subtitle(1, datetime.timedelta(seconds=50), datetime.timedelta(seconds=52), "Ask not\nwhat your"),
        srt.Subtitle(2, datetime.timedelta(seconds=53), datetime.timedelta(seconds=55), "<i>country</i> can do."),
    ]
    path = tmp_path / "old.srt"
    path.write_text(srt.compose(subs), "utf-8")
    script = read_script(path)
    assert script.text == "Ask not what your country can do."
    assert sorted(script.line_starts) == [0, 4]
    ass = pysubs2.SSAFile.from_string(srt.compose(subs), format_="srt")
    (tmp_path / "old.ass").write_text(ass.to_string("ass"), "utf-8")
    assert read_script(tmp_path / "old.ass").text == script.text


@pytest.mark.parametrize("name", ["srt", "vtt", "ttml", "scc", "ass", "sbv"])
def test_a_caption_script_in_each_format_with_times_gives_its_cues_texts(tmp_path: Path, name: str) -> None:
    cues = [Cue(2.0, 3.75, ("Ask not what", "your country can do")), Cue(6.0, 7.5, ("for you.",))]
    path = tmp_path / f"old.{name}"
    path.write_text(render_cues(name, cues, "en").text, "utf-8")
    script = read_script(path)
    assert script.text == "Ask not what your country can do for you."
    assert sorted(script.line_starts) == [0, 7]


def test_an_ass_scripts_comments_are_not_its_words(tmp_path: Path) -> None:
    subs = pysubs2.SSAFile()
    subs.append(pysubs2.SSAEvent(start=0, end=1000, text="Ask not"))
    subs.append(pysubs2.SSAEvent(start=1000, end=2000, text="a stage direction", type="Comment"))
    subs.append(pysubs2.SSAEvent(start=2000, end=3000, text="what your country can do."))
    (tmp_path / "old.ass").write_text(subs.to_string("ass"), "utf-8")
    assert read_script(tmp_path / "old.ass").text == "Ask not what your country can do."


def test_an_unreadable_caption_script_is_one_line_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "old.ttml"
    path.write_text("<tt><body><div><p>Ask not", "utf-8")
    with pytest.raises(ScriptError, match="not a readable ttml file") as caught:
        read_script(path)
    assert str(path) in str(caught.value) and "Ask" not in str(caught.value)


@pytest.mark.parametrize(
    ("content", "cause"),
    [(b"", "no words"), (b" \n\t\n", "no words"), (b"\xff\xfe\x00a", "not UTF-8"), (b"ab\x00cd", "NUL")],
)
def test_a_script_without_words_or_not_text_is_refused(tmp_path: Path, content: bytes, cause: str) -> None:
    path = tmp_path / "s.txt"
    path.write_bytes(content)
    with pytest.raises(ScriptError, match=cause) as caught:
        read_script(path)
    assert str(path) in str(caught.value)


def _heard(text: str, start: float = 0.0, step: float = 0.5) -> list[Heard]:
    return [Heard(w, start + k * step, 0) for k, w in enumerate(text.split())]


def test_matching_places_words_heard_replaced_and_absent() -> None:
    script = "In 1492 Columbus sailed the very blue ocean".split()
    heard = _heard("in fourteen ninety two columbus sailed the ocean")
    found = match(script, heard)
    assert [p.status for p in found.placed] == [MATCHED, REPLACED, MATCHED, MATCHED, MATCHED, ABSENT, ABSENT, MATCHED]
    assert found.placed[2].time == heard[4].time
    assert heard[6].time < found.placed[5].time < found.placed[6].time < heard[7].time
    assert found.unscripted == []


def test_heard_speech_without_script_words_is_a_time_range() -> None:
    script = "and so my fellow americans ask what you can do".split()
    heard = _heard("and so my fellow americans ask not what your country can do for you ask what you can do")
    found = match(script, heard)
    ((a, b),) = found.unscripted
    assert heard[5].time <= a and b <= heard[14].time and b - a >= 3.0  # "not what your country can do for you"


def test_words_without_a_time_share_the_gap_around_them() -> None:
    class T:
        def __init__(self, start: float, end: float) -> None:
            self.start, self.end = start, end

    spans, unheard = finish_times([T(0.5, 1.0), None, None, T(2.0, 2.5), None], 4.0)
    assert unheard == {1, 2, 4}
    assert spans == [(0.5, 1.0), (1.0, 1.5), (1.5, 2.0), (2.0, 2.5), (2.5, 4.0)]
    spans, _ = finish_times([T(3.0, 3.5), T(2.0, 2.2)], 4.0)  # never back in time
    assert spans[1][0] >= spans[0][0]


def test_a_scripts_lines_start_cues_when_asked() -> None:
    script = script_from_lines(["We choose to go to the moon", "in this decade and do the other things"])
    words = [Word(w, 0.3 * k, 0.3 * k + 0.25, 0.9) for k, w in enumerate(script.words)]
    transcript = Transcript("en", 10.0, [Segment(0, 0, 0.0, 5.0, script.text)], words)
    assert [c.text for c in segment(transcript, get_style("netflix"))][0] != "We choose to go to the moon"
    transcript.meta["cue_starts"] = sorted(script.line_starts)
    cues = segment(transcript, get_style("netflix"))
    assert [" ".join(c.lines) for c in cues] == [
        "We choose to go to the moon",
        "in this decade and do the other things",
    ]


@pytest.mark.parametrize("template", ["../{stem}.txt", "/etc/{stem}", "{name}.txt", ""])
def test_a_script_template_outside_the_media_folder_is_a_config_error(tmp_path: Path, template: str) -> None:
    (tmp_path / "captioner.toml").write_text(f'[scripts]\n"**" = "{template}"\n', "utf-8")
    with pytest.raises(ConfigError, match="scripts"):
        load_config(tmp_path)


def test_a_script_template_names_a_file_beside_the_media(tmp_path: Path) -> None:
    (tmp_path / "captioner.toml").write_text('[scripts]\n"talks/**" = "{stem}.txt"\n', "utf-8")
    config = load_config(tmp_path)
    assert config.script_of("talks/2024/keynote.mp4") == "talks/2024/keynote.txt"
    assert config.script_of("other/keynote.mp4") is None
    assert config.settings_hash("talks/a.mp4", "abc") != config.settings_hash("talks/a.mp4")
    assert config.settings_hash("other/a.mp4") == load_config(tmp_path.parent).settings_hash("other/a.mp4")


@pytest.mark.parametrize("other", ['speakers = "voices"', 'speakers = "channels"', 'backend = "aixplain"'])
def test_scripts_with_speakers_or_the_hosted_service_are_a_config_error(tmp_path: Path, other: str) -> None:
    """As ``--script`` is refused with them: a script is aligned by the local engine to one voice
    track (sync used to time the words and drop the speakers without a word)."""
    (tmp_path / "captioner.toml").write_text(f'{other}\n[scripts]\n"**" = "{{stem}}.txt"\n', "utf-8")
    with pytest.raises(ConfigError, match=f"scripts are aligned .*not with {other}"):
        load_config(tmp_path)
