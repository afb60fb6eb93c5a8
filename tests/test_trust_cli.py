"""Trust end to end with the real model: no invented captions, no lost words, honest times."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import srt
import webvtt
from conftest import SAMPLES, run_ffmpeg, wer

from captioner.core.transcript import load_schema
from captioner.media.audio import extract_audio
from captioner.media.probe import probe
from captioner.refine.refine import refine
from captioner.transcription.base import TranscribeOptions

pytestmark = pytest.mark.slow  # the model


@pytest.fixture(scope="session")
def music() -> Path:
    """The 61 s instrumental jazz sample (Whisper base writes "Music" three times; ~5 s to decode)."""
    return SAMPLES / "nonspeech_music_vibe_ace.ogg"


def assert_empty_captions(media: Path) -> None:
    assert media.with_suffix(".srt").read_text("utf-8") == ""
    assert list(srt.parse(media.with_suffix(".srt").read_text("utf-8"))) == []
    vtt = webvtt.from_string(media.with_suffix(".vtt").read_text("utf-8"))
    assert vtt.captions == []


@pytest.mark.parametrize("name", ["music", "video_big_buck_bunny_clip.mp4"])
def test_non_speech_gives_empty_valid_files_and_says_so(cli, sample_copy, music, tmp_path, name) -> None:
    media = sample_copy("nonspeech_music_vibe_ace.ogg") if name == "music" else sample_copy(name)
    code, _, err = cli(media, "-f", "srt,vtt,json", "-o", tmp_path)
    assert code == 0, err
    out = tmp_path / media.name
    assert_empty_captions(out)
    assert "no speech found" in err
    data = json.loads(out.with_suffix(".json").read_text("utf-8"))
    jsonschema.validate(data, load_schema())
    assert "filtered" in data["captioner"]


def test_plain_whisper_does_invent_text_on_the_music(local_backend, music) -> None:
    """The filters are what keeps the music caption-free (this run keeps every word)."""
    audio = extract_audio(probe(music))
    raw = local_backend.transcribe(audio, TranscribeOptions())
    kept = refine(raw, audio, filters=None, retime_words=False)
    cleaned = refine(raw, audio)
    assert raw.segments, "Whisper base no longer hallucinates on this clip: choose another"
    assert kept.segments == raw.segments
    assert not cleaned.segments and cleaned.meta["filtered"]["removed_segments"] == len(raw.segments)


def test_speech_after_long_silence_keeps_its_words_and_starts_late(cli, tmp_path, references) -> None:
    media = tmp_path / "late.wav"
    run_ffmpeg(
        "-f", "lavfi", "-t", "20", "-i", "anullsrc=r=16000:cl=mono",
        "-i", str(SAMPLES / "jfk.mp4"),
        "-filter_complex", "[1:a]aresample=16000,pan=mono|c0=c0[s];[0:a][s]concat=n=2:v=0:a=1",
        str(media),
    )  # fmt: skip
    code, _, err = cli(media, "-f", "srt,json")
    assert code == 0, err
    subs = list(srt.parse(media.with_suffix(".srt").read_text("utf-8")))
    text = " ".join(s.content for s in subs)
    assert wer(references["jfk.mp4"]["reference_text"], text) <= 0.10
    assert subs[0].start.total_seconds() >= 19.5
    words = json.loads(media.with_suffix(".json").read_text("utf-8"))["words"]
    for sub in subs:  # no cue ends before its last word is over
        last = max(w["end"] for w in words if w["start"] < sub.end.total_seconds())
        assert sub.end.total_seconds() >= last - 0.001


def test_translate_gives_english(cli, sample_copy) -> None:
    audio = sample_copy("de_picovoice_test.flac")
    code, _, err = cli(audio, "-f", "srt,json", "--task", "translate")
    assert code == 0, err
    text = " ".join(s.content for s in srt.parse(audio.with_suffix(".srt").read_text("utf-8"))).lower()
    assert {"the", "was"} & set(text.replace(".", " ").replace(",", " ").split()), text
    assert "der" not in text.split() and "wurde" not in text
    assert json.loads(audio.with_suffix(".json").read_text("utf-8"))["task"] == "translate"


def test_forced_language_is_honoured(cli, sample_copy) -> None:
    audio = sample_copy("jfk.mp4")
    code, _, err = cli(audio, "-f", "json", "-l", "de")
    assert code == 0 and "language: de (forced)" in err
    data = json.loads(audio.with_suffix(".json").read_text("utf-8"))
    assert data["language"] == "de" and data["captioner"]["language_forced"] is True


def test_review_option_writes_a_report_and_exits_0(cli, sample_copy) -> None:
    audio = sample_copy("jfk.mp4")
    code, _, err = cli(audio, "-f", "srt", "--review", "--min-word-prob", "0.999")
    assert code == 0, err
    report = audio.with_name("jfk.review.txt").read_text("utf-8")
    assert "cues to check" in report and "low:" in report
    assert "warning:" in err and "jfk.review.txt" in err
