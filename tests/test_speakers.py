"""--speakers channels on real audio: a speaker a channel, ordinary stereo found and transcribed once,
the notes, the cache, the configuration."""

from __future__ import annotations

import json
import shutil
import wave
from pathlib import Path

import jiwer
import jsonschema
import numpy as np
import pytest
import srt
import webvtt
from click.testing import CliRunner
from conftest import SAMPLES, run_ffmpeg, wer

import captioner
from captioner.ci.config import ConfigError, load_config
from captioner.ci.lockfile import read_lock
from captioner.cli.main import main
from captioner.core.transcript import load_schema
from captioner.media.audio import extract_audio
from captioner.media.channels import analyse_channels
from captioner.media.probe import probe

STEREO = "stereo_de_ja.flac"  # the German sample on the left, the Japanese one on the right


def invoke(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stderr


def said_by(data: dict, speaker: str) -> str:
    return "".join(w["word"] for w in data["words"] if w["speaker"] == speaker)


@pytest.mark.slow
def test_each_channel_is_transcribed_on_its_own(local_backend, sample_copy, references) -> None:
    audio = sample_copy(STEREO)
    reference = references[STEREO]["reference_by_channel"]
    code, err = invoke(audio, "--speakers", "channels", "--speaker-names", "Anna,Kenji", "-f", "srt,vtt,json")
    assert code == 0, err
    assert "speakers by channel: Anna (channel 1): " in err and ", Kenji (channel 2): " in err
    data = json.loads(audio.with_suffix(".json").read_text("utf-8"))
    jsonschema.validate(data, load_schema())
    assert [(p["speaker"], p["language"], p["channels"]) for p in data["captioner"]["parts"]] == [
        ("Anna", "de", [0]),
        ("Kenji", "ja", [1]),
    ]
    assert wer(reference["0"], said_by(data, "Anna")) <= 0.35  # as good as the German sample alone
    assert jiwer.cer(reference["1"], said_by(data, "Kenji").strip()) <= 0.25
    subs = list(srt.parse(audio.with_suffix(".srt").read_text("utf-8")))
    text = "\n".join(s.content for s in subs)
    assert "Anna: " in text or "-" in text  # a turn's label, or dialogue dashes
    assert all(a.end <= b.start for a, b in zip(subs, subs[1:]))  # never two cues at once
    voices = {c.voice for c in webvtt.read(str(audio.with_suffix(".vtt"))).captions}
    assert voices == {"Anna", "Kenji"}
    # The names are not part of the transcript's cache key: other names come from the cache.
    code, err = invoke(audio, "--speakers", "channels", "--speaker-names", "A,K", "-f", "json", "--overwrite")
    assert code == 0 and "from the cache" in err
    assert json.loads(audio.with_suffix(".json").read_text("utf-8"))["captioner"]["speakers"] == ["A", "K"]
    # The API builds the same key.
    transcript = captioner.transcribe(audio, speakers="channels", speaker_names=["Ann", "Ken"])
    assert {w.speaker for w in transcript.words or ()} == {"Ann", "Ken"}


@pytest.mark.slow
def test_a_downmix_of_different_channels_suggests_speakers_by_channel(local_backend, sample_copy) -> None:
    audio = sample_copy(STEREO)
    code, err = invoke(audio, "-f", "json")
    assert code == 0, err
    assert "its 2 channels carry different sound (correlation 0.0" in err
    assert "--speakers channels transcribes each on its own" in err
    data = json.loads(audio.with_suffix(".json").read_text("utf-8"))
    assert "speaker" not in data["words"][0] and data["captioner"]["channels"]["groups"] == [[0], [1]]


@pytest.mark.slow
def test_ordinary_stereo_is_transcribed_once(local_backend, tmp_path: Path, references) -> None:
    stereo = tmp_path / "jfk_stereo.m4a"
    run_ffmpeg("-v", "error", "-i", str(SAMPLES / "jfk.mp4"), "-vn", "-ac", "2", "-c:a", "aac", str(stereo))
    code, err = invoke(stereo, "--speakers", "channels", "-f", "srt,json")
    assert code == 0, err
    assert "note: channels 1 and 2 carry the same sound (correlation 1.00): transcribed once, without speakers" in err
    data = json.loads(stereo.with_suffix(".json").read_text("utf-8"))
    assert "parts" not in data["captioner"] and all("speaker" not in w for w in data["words"])
    assert wer(references["jfk.mp4"]["reference_text"], data["text"]) <= 0.10
    assert "Speaker" not in stereo.with_suffix(".srt").read_text("utf-8")


@pytest.mark.slow
def test_one_channel_has_no_speakers_to_tell_apart(local_backend, sample_copy) -> None:
    audio = sample_copy("de_picovoice_test.flac")
    code, err = invoke(audio, "--speakers", "channels", "-f", "srt")
    assert code == 0 and "note: one channel: no speakers to tell apart by channel" in err


def _stereo(tmp_path: Path, left: np.ndarray, right: np.ndarray) -> Path:
    path = tmp_path / "made.wav"
    samples = np.clip(np.stack([left, right], axis=1) * 32768, -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(samples.tobytes())
    return path


def test_channel_analysis_finds_inverted_and_silent_channels(tmp_path: Path) -> None:
    de = extract_audio(probe(SAMPLES / "de_picovoice_test.flac"))
    inverted = analyse_channels(probe(_stereo(tmp_path, de, -de)))
    assert inverted.groups == ((0, 1),) and inverted.between(0, 1) > 0.99  # a downmix would cancel it
    silent = analyse_channels(probe(_stereo(tmp_path, np.zeros_like(de), de)))
    assert silent.groups == ((1,),) and silent.silent == (0,) and not silent.different
    delayed = analyse_channels(probe(_stereo(tmp_path, de, np.concatenate([np.zeros(80, "float32"), de[:-80]]))))
    assert delayed.groups == ((0, 1),)  # 5 ms apart: spaced microphones, one sound


def test_bad_speaker_options_are_usage_errors(tmp_path: Path) -> None:
    code, err = invoke(SAMPLES / STEREO, "-o", tmp_path, "--speaker-names", "A,B")
    assert code == 2 and "--speaker-names goes with --speakers channels" in err
    code, err = invoke(SAMPLES / STEREO, "-o", tmp_path, "--speakers", "channels", "--speaker-names", "A,A")
    assert code == 2 and "given twice" in err
    with pytest.raises(ValueError):
        captioner.transcribe(SAMPLES / STEREO, speakers="crowd")
    with pytest.raises(ValueError):
        captioner.transcribe(SAMPLES / STEREO, speakers="channels", num_speakers=2)
    code, err = invoke(SAMPLES / STEREO, "-o", tmp_path, "--num-speakers", "2")
    assert code == 2 and "--num-speakers and --max-speakers go with --speakers voices or auto" in err


def test_the_config_takes_speakers_into_the_settings_hash(tmp_path: Path) -> None:
    (tmp_path / "captioner.toml").write_text('speakers = "channels"\nspeaker_names = ["Ann", "Bob"]\n', "utf-8")
    config = load_config(tmp_path)
    assert config.speakers == "channels" and config.speaker_names == ("Ann", "Bob")
    settings = config.settings_for("a.flac")
    assert settings["speakers"] == "channels" and settings["speaker_names"] == ["Ann", "Bob"]
    (tmp_path / "captioner.toml").write_text('speakers = "mix"\n', "utf-8")
    assert "speakers" not in load_config(tmp_path).settings_for("a.flac")  # older locks keep their hashes
    for text, message in [
        ('speakers = "crowd"', "speakers must be one of mix, channels, voices, auto"),
        ('speakers = "voices"\nnum_speakers = 0', "num_speakers must be a whole number from 1 to 20"),
        ("max_speakers = 2", 'max_speakers goes with speakers = "voices" or "auto"'),
        ('speaker_names = ["Ann"]', 'speaker_names go with speakers = "channels"'),
        ('speakers = "channels"\nspeaker_names = "Ann"', "speaker_names must be a list of names"),
        ('speakers = "channels"\nspeaker_names = ["A<"]', "speaker_names: speaker name 'A<' holds '<'"),
    ]:
        (tmp_path / "captioner.toml").write_text(text + "\n", "utf-8")
        with pytest.raises(ConfigError, match=message):
            load_config(tmp_path)


@pytest.mark.slow
def test_sync_captions_a_tree_by_channel_and_locks_it(cli, tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copyfile(SAMPLES / STEREO, root / "interview.flac")
    names = 'speakers = "channels"\nspeaker_names = ["Anna", "Kenji"]\nformats = ["vtt"]\n'
    (root / "captioner.toml").write_text(names, "utf-8")
    code, _, err = cli("sync", "--root", root, "-q")
    assert code == 0, err
    assert "speakers=channels" in read_lock(root / "captions.lock").entries["interview.flac"].summary
    voices = {c.voice for c in webvtt.read(str(root / "interview.vtt")).captions}
    assert voices == {"Anna", "Kenji"}
    assert cli("check", "--root", root)[0] == 0
    (root / "captioner.toml").write_text(names.replace("Kenji", "Ken"), "utf-8")
    assert cli("check", "--root", root)[0] == 1  # other names: the captions are stale
