"""The review report: doubtful cues listed with their times, confident ones left out."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from captioner.captions.review import ReviewThresholds, format_report, review
from captioner.cli.main import main
from captioner.core.cues import Cue
from captioner.core.transcript import Segment, Transcript, Word


def make_transcript(low_prob: float | None = 0.12) -> Transcript:
    confident = [Word(" The", 0.5, 0.7, 0.98), Word(" cat", 0.7, 1.0, 0.95), Word(" sat.", 1.0, 1.4, 0.97)]
    doubtful = [Word(" Grumbled", 5.0, 5.5, low_prob), Word(" zorp.", 5.5, 6.0, 0.91)]
    segments = [
        Segment(0, 0, 0.5, 1.4, " The cat sat.", (), 0.0, -0.1, 1.0, 0.01),
        Segment(1, 0, 5.0, 6.0, " Grumbled zorp.", (), 0.0, -0.3, 1.0, 0.02),
    ]
    return Transcript(language="en", duration=8.0, segments=segments, words=confident + doubtful)


def cues_of(tr: Transcript) -> list[Cue]:
    return [
        Cue(0.5, 1.9, ("The cat sat.",), tuple(tr.words[:3])),
        Cue(5.0, 6.5, ("Grumbled zorp.",), tuple(tr.words[3:])),
    ]


def test_low_word_probability_makes_only_that_cue_doubtful() -> None:
    tr = make_transcript()
    found = review(tr, cues_of(tr))
    assert [d.index for d in found] == [2]
    assert [w.text for w in found[0].words] == ["Grumbled"]
    assert (found[0].start, found[0].end) == (5.0, 6.5)


def test_segment_scores_make_a_cue_doubtful() -> None:
    tr = make_transcript(low_prob=0.9)
    tr.segments[0] = Segment(0, 0, 0.5, 1.4, " The cat sat.", (), 0.0, -1.4, 1.0, 0.01)
    tr.segments[1] = Segment(1, 0, 5.0, 6.0, " Grumbled zorp.", (), 0.0, -0.3, 1.0, 0.8)
    found = review(tr, cues_of(tr))
    assert [d.index for d in found] == [1, 2]
    assert "avg_logprob" in found[0].reasons[0] and "no_speech_prob" in found[1].reasons[0]


def test_thresholds_are_configurable() -> None:
    tr = make_transcript()
    assert review(tr, cues_of(tr), ReviewThresholds(word_probability=0.1)) == []
    assert len(review(tr, cues_of(tr), ReviewThresholds(word_probability=0.99))) == 2


def test_missing_scores_are_never_doubtful() -> None:
    """aiXplain gives no word probabilities (null): nothing to doubt, nothing invented."""
    tr = make_transcript(low_prob=None)
    tr.segments = [Segment(i, 0, s.start, s.end, s.text) for i, s in enumerate(tr.segments)]
    assert review(tr, cues_of(tr)) == []


def test_report_text_names_times_and_words() -> None:
    tr = make_transcript()
    text = format_report("talk.mp4", review(tr, cues_of(tr)), 2)
    assert "1 of 2 cues to check" in text
    assert "#2 00:00:05.000 --> 00:00:06.500  Grumbled zorp." in text
    assert "'Grumbled' 0.12" in text and "The cat" not in text


def test_review_command_on_a_json_and_beside_a_media_file(tmp_path: Path) -> None:
    tr = make_transcript()
    (tmp_path / "talk.json").write_text(tr.to_json(), "utf-8")
    (tmp_path / "talk.mp4").write_bytes(b"")
    result = CliRunner().invoke(main, ["review", str(tmp_path / "talk.json"), str(tmp_path / "talk.mp4")])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("cues to check") == 2
    assert "Grumbled" in result.stdout and "The cat sat" not in result.stdout
    result = CliRunner().invoke(main, ["review", "--min-word-prob", "0.05", str(tmp_path / "talk.json")])
    assert result.exit_code == 0 and "confident" in result.stdout


def test_review_command_fails_on_unreadable_transcript(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json", "utf-8")
    result = CliRunner().invoke(main, ["review", str(tmp_path / "bad.json")])
    assert result.exit_code == 1 and "cannot read" in result.stderr


@pytest.mark.parametrize("text", ['{"segments": ["x"]}', "[1, 2]", '{"segments": [{"end": 1}]}'])
def test_review_command_on_json_that_is_no_transcript(tmp_path: Path, text: str) -> None:
    # Found with `captioner review bad.json`: a JSON of another shape ended in an AttributeError traceback.
    (tmp_path / "other.json").write_text(text, "utf-8")
    (tmp_path / "good.json").write_text(make_transcript().to_json(), "utf-8")
    result = CliRunner().invoke(main, ["review", str(tmp_path / "other.json"), str(tmp_path / "good.json")])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("captioner: error: ") and "other.json" in line and "not a transcript" in line
    assert "cues to check" in result.stdout  # the good file is still reviewed


@pytest.mark.slow
def test_review_command_finds_a_media_files_transcript_in_the_cache(local_backend, tmp_path: Path) -> None:
    # `captioner review talk.flac` without a talk.json failed, "cannot read the transcript talk.json",
    # though the run that made talk.srt had cached the transcript.
    import srt

    audio = tmp_path / "talk.flac"
    audio.write_bytes((SAMPLES / "de_picovoice_test.flac").read_bytes())
    for args in ([], ["-l", "de", "--overwrite"]):
        result = CliRunner().invoke(main, [str(audio), "-f", "srt", "-q", *args])
        assert result.exit_code == 0, result.stderr
    cues = list(srt.parse(audio.with_suffix(".srt").read_text("utf-8")))
    assert not audio.with_suffix(".json").exists()
    for args in ([], ["-l", "de"], ["--language", "DE", "--min-word-prob", "1"]):
        result = CliRunner().invoke(main, ["review", str(audio), *args])
        assert result.exit_code == 0, result.stderr
        (first,) = [line for line in result.stdout.splitlines() if line.startswith(str(audio))]
        assert first.endswith((f"all {len(cues)} cues confident", f"of {len(cues)} cues to check"))
    assert "cues to check" in result.stdout  # --min-word-prob 1: every cue is doubtful
    result = CliRunner().invoke(main, ["review", str(audio), "-l", "fr"])  # never captioned so
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"captioner: error: {audio}: no transcript: no talk.json beside it, and none in the")
