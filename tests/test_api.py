"""The public Python API: the documented names, the doctests, and the same captions as the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import srt
from conftest import SAMPLES

import captioner
from captioner.errors import CaptionerError


def test_the_public_names_are_declared_and_resolve() -> None:
    for name in captioner.__all__:
        assert getattr(captioner, name) is not None, name
    assert {"caption", "transcribe", "make_cues", "write", "Style", "Transcript"} <= set(captioner.__all__)
    assert (Path(captioner.__file__).parent / "py.typed").exists()


@pytest.mark.slow
def test_caption_writes_what_the_command_line_writes(local_backend, sample_copy, cli, tmp_path) -> None:
    media = sample_copy("jfk.mp4")
    result = captioner.caption(media, backend=local_backend)
    assert result.status == "done" and [p.name for p in result.written] == ["jfk.srt", "jfk.vtt"]
    ours = media.with_suffix(".srt").read_text("utf-8")
    assert [s.content for s in srt.parse(ours)]
    assert captioner.caption(media, backend=local_backend).status == "skipped"  # kept unless overwrite
    other = tmp_path / "cli"
    other.mkdir()
    code, _, err = cli(str(media), "-o", str(other), "-q")
    assert code == 0, err
    assert (other / "jfk.srt").read_text("utf-8") == ours


@pytest.mark.slow
def test_the_stages_one_by_one_give_the_same_captions(local_backend, sample_copy, tmp_path) -> None:
    media = sample_copy("jfk.mp4")
    whole = captioner.caption(media, backend=local_backend, style="bbc", overwrite=True)
    transcript = captioner.transcribe(media, backend=local_backend)
    cues = captioner.make_cues(transcript, style="bbc")
    written = captioner.write(cues, tmp_path / "stages.srt")
    assert written.read_text("utf-8") == media.with_suffix(".srt").read_text("utf-8")
    assert whole.transcript is not None and whole.transcript.full_text == transcript.full_text


def test_a_failed_file_is_raised_with_its_name(tmp_path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    with pytest.raises(CaptionerError, match="broken.mp4"):
        captioner.caption(broken)


@pytest.mark.slow
def test_transcripts_of_other_whisper_tools_are_read(local_backend, load_audio) -> None:
    ours = captioner.transcribe(load_audio(SAMPLES / "jfk.mp4"), backend=local_backend)
    assert ours.words
    # openai-whisper's and stable-ts's json: the words inside their segments.
    nested = ours.to_dict()
    words = nested.pop("words")
    nested.pop("captioner", None)
    nested["segments"] = [
        {**s, "words": [w for w in words if s["start"] <= w["start"] < s["end"]]} for s in nested["segments"]
    ]
    read = captioner.Transcript.from_whisper_json(json.dumps(nested))
    assert [w.word for w in read.words] == [w.word for w in ours.words]
    # whisper.cpp's -ojf: milliseconds, tokens (a word may be several).
    cpp = {
        "result": {"language": "en"},
        "transcription": [
            {
                "offsets": {"from": round(s.start * 1000), "to": round(s.end * 1000)},
                "text": s.text,
                "tokens": [{"text": "[_BEG_]", "offsets": {"from": 0, "to": 0}, "p": 1.0}]
                + [
                    {"text": piece, "offsets": {"from": round(w.start * 1000), "to": round(w.end * 1000)}, "p": 0.9}
                    for w in ours.words
                    if s.start <= w.start < s.end
                    for piece in (w.word[:3], w.word[3:])
                    if piece
                ],
            }
            for s in ours.segments
        ],
    }
    read = captioner.Transcript.from_whisper_json(cpp)
    assert read.language == "en" and [w.word for w in read.words] == [w.word for w in ours.words]
    assert captioner.make_cues(read)
