"""Japanese captions from the real model on real speech: lines and cues break between phrases and
keep the kinsoku rules (issue: 判断的知識が整 / 理するのである。 split 整理 across two lines)."""

from __future__ import annotations

import json

import pytest
import srt

pytestmark = pytest.mark.slow  # the model

# The Japanese style guides' kinsoku rules (JIS X 4051, W3C jlreq, Netflix Japanese).
NO_START = set("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶー、。，．！？」』）】〕")
NO_END = set("「『（【〔")


def test_japanese_speech_breaks_between_phrases(cli, sample_copy) -> None:
    audio = sample_copy("ja_picovoice_test.flac")
    code, _, err = cli(audio, "-f", "srt,json")
    assert code == 0, err
    data = json.loads(audio.with_suffix(".json").read_text("utf-8"))
    assert data["language"] == "ja"
    said = "".join(w["word"] for w in data["words"]).strip()
    assert "整理" in said  # Whisper base hears 整理 (the reference says 成立): pieces 整 + 理

    subs = list(srt.parse(audio.with_suffix(".srt").read_text("utf-8")))
    lines = [line for s in subs for line in s.content.split("\n")]
    assert "".join(lines) == said  # every character once, in order, no space added
    assert all(len(line) <= 13 for line in lines)  # Netflix Japanese: 13 characters a line
    assert any("整理" in line for line in lines), lines  # 整理 on one line
    for before, after in zip(lines, lines[1:]):
        assert after[0] not in NO_START and before[-1] not in NO_END, (before, after)
