"""--speakers voices on real speech with the real weights: two speakers joined end to end told
apart at the join, one speaker left whole, the labels in each format that carries them (read back
by independent readers), the turns kept by the cache, the checkpoint reader's refusal of code,
and the missing extra as one line."""

from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys
import wave
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pysubs2
import pytest
import srt
import webvtt
from click.testing import CliRunner
from conftest import ROOT, SAMPLES, run_ffmpeg

import captioner
from captioner.cli.main import main
from captioner.core.transcript import load_schema
from captioner.media.audio import extract_audio
from captioner.media.probe import probe
from captioner.speakers.torchfile import CheckpointError, load_checkpoint

FIRST, SECOND = "jfk.mp4", "de_picovoice_test.flac"  # two different speakers (English, then German)
TTML = "{http://www.w3.org/ns/ttml}"
TTM = "{http://www.w3.org/ns/ttml#metadata}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def invoke(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stderr


def ttml_agents(path: Path) -> list[str]:
    """Each paragraph's speakers, by name, as the TTML's ttm:agent references say (ElementTree)."""
    doc = ET.parse(path).getroot()
    names = {a.get(XML_ID): a.findtext(f"{TTM}name") for a in doc.iter(f"{TTM}agent")}
    return [" & ".join(str(names[ref]) for ref in (p.get(f"{TTM}agent") or "").split()) for p in doc.iter(f"{TTML}p")]


def turns_of(speakers: list[str]) -> list[str]:
    """The speakers of each run of cues said by one speaker."""
    return [s for k, s in enumerate(speakers) if k == 0 or speakers[k - 1] != s]


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as f:
        return f.getnframes() / f.getframerate()


@pytest.fixture(scope="module")
def joined(tmp_path_factory: pytest.TempPathFactory, local_backend) -> tuple[Path, float]:
    """The two samples one after the other in one mono file, captioned with --speakers voices;
    the file and the time of the join."""
    folder = tmp_path_factory.mktemp("voices")
    first = folder / "first.wav"
    run_ffmpeg("-i", str(SAMPLES / FIRST), "-ac", "1", "-ar", "16000", str(first))
    media = folder / "interview.wav"
    graph = "[0:a][1:a]concat=n=2:v=0:a=1[o]"
    run_ffmpeg("-i", str(first), "-i", str(SAMPLES / SECOND), "-filter_complex", graph, "-map", "[o]",
               "-ac", "1", "-ar", "16000", str(media))  # fmt: skip
    code, err = invoke(media, "--speakers", "voices", "--speaker-names", "Ann,Bob",
                       "-f", "srt,vtt,ttml,ass,txt,json")  # fmt: skip
    assert code == 0, err
    assert "speakers by voice: Ann: " in err and ", Bob: " in err
    return media, _seconds(first)


@pytest.mark.slow
def test_two_speakers_joined_are_told_apart_at_the_join(joined) -> None:
    media, join = joined
    data = json.loads(media.with_suffix(".json").read_text("utf-8"))
    jsonschema.validate(data, load_schema())
    found = data["captioner"]["diarization"]
    assert [v["speaker"] for v in found["voices"]] == ["Ann", "Bob"]
    assert all(len(v["embedding"]) == 256 for v in found["voices"])
    turns = found["turns"]
    assert [t[2] for t in turns] == ["Ann", "Bob"], turns
    assert abs(turns[1][0] - join) <= 0.5, (turns, join)  # Bob's first word starts at the join
    words = data["words"]
    assert {w["speaker"] for w in words if w["end"] <= join} == {"Ann"}
    assert {w["speaker"] for w in words if w["start"] >= join} == {"Bob"}


@pytest.mark.slow
def test_the_labels_come_back_from_each_format(joined) -> None:
    """WebVTT voices, TTML ttm:agent and the ASS actor on every cue; SRT's and text's ``Name:``
    label on each turn's first cue."""
    media, _ = joined
    vtt = [c.voice for c in webvtt.read(str(media.with_suffix(".vtt"))).captions]
    ttml = ttml_agents(media.with_suffix(".ttml"))
    ass = [e.name for e in pysubs2.load(str(media.with_suffix(".ass")))]
    for said in (vtt, ttml, ass):
        assert turns_of(said) == ["Ann", "Bob"], said  # every cue names its speaker
    assert vtt == ttml == ass
    for lines in (
        [s.content for s in srt.parse(media.with_suffix(".srt").read_text("utf-8"))],
        media.with_suffix(".txt").read_text("utf-8").splitlines(),
    ):
        labelled = [line.split(":")[0] for line in lines if line.startswith(("Ann:", "Bob:"))]
        assert labelled == ["Ann", "Bob"], lines  # each turn's first cue names its speaker


@pytest.mark.slow
def test_one_speaker_stays_one(local_backend, tmp_path: Path) -> None:
    transcript = captioner.transcribe(SAMPLES / FIRST, speakers="voices", cache=False)
    assert [v["speaker"] for v in transcript.meta["diarization"]["voices"]] == ["Speaker 1"]
    assert "parts" not in transcript.meta and {w.speaker for w in transcript.words or ()} == {None}
    samples = extract_audio(probe(SAMPLES / SECOND))
    alone = captioner.transcribe(samples, speakers="auto")  # samples: told apart by voice too
    assert len(alone.meta["diarization"]["voices"]) == 1


@pytest.mark.slow
def test_the_cache_keeps_the_turns(joined, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    media, _ = joined
    before = json.loads(media.with_suffix(".json").read_text("utf-8"))["captioner"]["diarization"]

    def no_second_diarization(*args: object, **kwargs: object) -> None:
        raise AssertionError("diarized again")

    monkeypatch.setattr("captioner.speakers.cluster.find_voices", no_second_diarization)
    code, err = invoke(media, "--speakers", "voices", "--speaker-names", "Ann,Bob", "-f", "json,vtt", "-o", tmp_path)
    assert code == 0, err
    assert "transcript from the cache" in err
    after = json.loads((tmp_path / "interview.json").read_text("utf-8"))["captioner"]["diarization"]
    assert after == before
    assert {c.voice for c in webvtt.read(str(tmp_path / "interview.vtt")).captions} == {"Ann", "Bob"}


def test_the_checkpoint_reader_runs_no_code(tmp_path: Path) -> None:
    """A legacy checkpoint whose object names os.system is refused, and the command never runs."""
    marker = tmp_path / "ran"
    body = io.BytesIO()
    for header in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}):
        pickle.dump(header, body, protocol=2)

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            import os

            return os.system, (f"touch {marker}",)

    pickle.dump({"model_state": Evil()}, body, protocol=2)
    pickle.dump([], body, protocol=2)
    path = tmp_path / "evil.pt"
    path.write_bytes(body.getvalue())
    with pytest.raises(CheckpointError, match="names posix.system|names os.system"):
        load_checkpoint(path)
    assert not marker.exists()


def test_without_scipy_the_option_is_one_line_naming_the_install(tmp_path: Path) -> None:
    """A site-packages without SciPy, imitated by a finder that refuses it."""
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\n"
        "class NoSciPy:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'scipy' or name.startswith('scipy.'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, NoSciPy())\n",
        "utf-8",
    )
    env = {"PYTHONPATH": f"{tmp_path}:{ROOT}"}
    proc = subprocess.run(
        [sys.executable, "-m", "captioner", str(SAMPLES / FIRST), "--speakers", "voices", "-o", str(tmp_path)],
        capture_output=True, text=True, env={**__import__("os").environ, **env}, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'captioner[voices]'" in lines[0], proc.stderr
    assert not list(tmp_path.glob("*.srt"))


def test_words_take_the_nearest_voice_and_names_follow_into_the_turns(tmp_path: Path) -> None:
    """No model: voices given by hand, the transcript taken apart, renamed, and the review told
    when the voices were nearly alike."""
    import numpy as np

    from captioner.captions.review import format_report, speaker_doubts
    from captioner.core.speakers import rename_speakers, speakers_of, split_speakers
    from captioner.core.transcript import Segment, Transcript, VoiceRegions, Word
    from captioner.speakers.attribute import by_voice
    from captioner.speakers.cluster import Voices

    words = [Word(f" w{k}", k * 0.5, k * 0.5 + 0.3, 0.9) for k in range(8)]  # 0.0 ... 3.8 s
    text = "".join(w.word for w in words)
    speech = VoiceRegions(speech=((0.0, 3.8),))
    transcript = Transcript("en", 4.0, [Segment(0, 0, 0.0, 3.8, text)], words, voice=speech)
    centroids = np.eye(2, 256, dtype=np.float32)
    voices = Voices(np.array([0.5, 1.5, 2.5, 3.5]), np.array([0, 0, 1, 1]), centroids, closest=0.72, unsure=True)
    joined = by_voice(transcript, voices)
    assert speakers_of(joined) == ["Speaker 1", "Speaker 2"]
    assert [w.speaker for w in joined.words or ()] == ["Speaker 1"] * 4 + ["Speaker 2"] * 4
    assert [one.voice for _, one in split_speakers(joined)] == [speech, speech]  # each voice refined on them
    pieces = [(s.text, s.speaker) for s in joined.segments]
    assert pieces == [(" w0 w1 w2 w3", "Speaker 1"), (" w4 w5 w6 w7", "Speaker 2")]
    named = rename_speakers(joined, ("Ann", "Bob"))
    assert named.meta["diarization"]["turns"] == [[0.0, 1.8, "Ann"], [2.0, 3.8, "Bob"]]
    assert [v["speaker"] for v in named.meta["diarization"]["voices"]] == ["Ann", "Bob"]
    doubts = speaker_doubts(named)
    assert doubts == ["speakers: Ann and Bob sound nearly alike (similarity 0.72): they may be one speaker"]
    assert doubts[0] in format_report("a.wav", [], 2, doubts)
    (tmp_path / "a.json").write_text(named.to_json(), "utf-8")  # as -f json writes it: `captioner review` says it too
    said = CliRunner().invoke(main, ["review", str(tmp_path / "a.json")])
    assert said.exit_code == 0 and doubts[0] in said.stdout, said.output
    alone = by_voice(transcript, Voices(voices.centres, np.zeros(4, dtype=int), centroids[:1]))
    assert "parts" not in alone.meta and len(alone.meta["diarization"]["voices"]) == 1


@pytest.mark.slow
def test_a_voice_the_vad_missed_is_found_where_its_words_are(joined) -> None:
    """A quiet speaker in another room can be heard by Whisper and missed by the VAD (the corpus'
    en_mfa_two_speakers_stereo: 2 of its second speaker's 26 s were speech to the VAD).  Here the
    transcript's speech regions end at the join, as for such a voice: its words still get a
    voice of their own, from windows over the words (real weights on the joined samples)."""
    from dataclasses import replace
    from types import SimpleNamespace

    from captioner.core.transcript import Transcript, VoiceRegions, Word
    from captioner.refine.speech import speech_and_utterance_regions
    from captioner.run.speakers import tell_voices_apart

    media, join = joined
    said = Transcript.from_json(media.with_suffix(".json").read_text("utf-8"))
    words = [replace(w, speaker=None) for w in said.words or ()]
    audio = extract_audio(probe(media))
    speech = speech_and_utterance_regions(audio)[0]
    first_only = VoiceRegions(speech=tuple((a, min(b, join)) for a, b in speech if a < join))
    plain = Transcript(said.language, said.duration, [replace(s, speaker=None) for s in said.segments], words,
                       voice=first_only)  # fmt: skip
    found = tell_voices_apart(plain, audio, SimpleNamespace(num_speakers=None, max_speakers=None))
    heard: list[Word] = found.words or []
    before = {w.speaker for w in heard if w.end <= join}
    after = {w.speaker for w in heard if w.start >= join}
    assert len(before) == 1 and len(after) == 1 and before != after, (before, after)
