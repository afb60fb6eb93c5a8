"""A worker's answer is bounded before it is used (captioner.transcription.cluster.answers)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

from captioner.core.transcript import Segment, Transcript, Word
from captioner.transcription.cluster.answers import failure_message, file_problem, guess_problem, piece_problem
from captioner.transcription.cluster.replies import (
    AnswerRefused,
    encode_file,
    encode_piece,
    read_file,
    read_json,
    read_piece,
)
from captioner.transcription.local.piecewise import PieceResult, PieceStart

SPAN = (10.0, 25.0)  # the seconds of the file the worker was sent


def answer(**changes) -> PieceResult:
    """A piece as the local engine makes it (numpy scores included), with ``changes``."""
    words = [Word(" Ask", 11.0, 11.4, np.float64(0.9)), Word(" not.", 11.4, 12.0, 0.8)]
    segments = [Segment(0, 0, 11.0, 12.0, " Ask not.", tokens=(50364, 1029), temperature=0.0, avg_logprob=-0.2)]
    result = PieceResult(
        index=1,
        start=PieceStart("en", "en", True, None, False),
        segments=segments,
        words=words,
        speech=[(10.9, 12.1)],
        detected=("en", 0.97),
        heard=[("en", 0.97)],
        gate_after=("en", True),
        vocabulary=Counter({"": 1}),
        worker="tcp://127.0.0.1:4567",
        seconds=1.5,
        utterances=[(10.9, 12.1)],
    )
    return replace(result, **changes)


def test_a_piece_as_the_local_engine_makes_it_is_used() -> None:
    assert piece_problem(answer(), 1, SPAN) is None
    assert piece_problem(answer(words=[], segments=[], speech=[]), 1, SPAN) is None  # silence


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"words": [Word(" Ask", 11.0, 1e308)]}, "a word outside the audio it was sent (10.0-25.0 s)"),
        ({"words": [Word(" Ask", float("nan"), 12.0)]}, "a word outside the audio"),
        ({"words": [Word(" Ask", 12.0, 11.0)]}, "a word outside the audio"),  # reversed
        ({"words": [Word(" Ask", 3.0, 4.0)]}, "a word outside the audio"),  # before the audio sent
        ({"words": [Word(" Ask", 11.0, 12.0, 7.0)]}, "a bad probability"),
        ({"segments": [Segment(0, 0, 11.0, 99.0, " Ask")]}, "a segment outside the audio"),
        ({"words": [Word(" a", 11.0, 11.1)] * 400}, "400 words, 1 segments in 15.0 s of audio"),
        ({"words": [Word(" " + "a" * 20000, 11.0, 11.1)]}, "more text than 15.0 s of speech holds"),
        ({"detected": ("zz", 0.9)}, "a language Whisper does not know"),
        ({"heard": [("en", 0.9), ("xx", 0.5)]}, "a language Whisper does not know"),
        ({"gate_after": (["en"], True)}, "a language Whisper does not know"),
        ({"speech": [(11.0, 1e9)]}, "a speech region outside the audio"),
        ({"repaired": {"holes": -1}}, "a counter that is not a count"),
        ({"index": 2}, "the answer of another piece"),
    ],
)
def test_an_answer_out_of_bounds_is_not_used(changes, problem) -> None:
    said = piece_problem(answer(**changes), 1, SPAN)
    assert said is not None and said.startswith(problem), said
    assert " Ask" not in said and "a" * 50 not in said  # the answer's content is never quoted


def test_an_object_that_is_no_piece_is_not_used() -> None:
    assert piece_problem({"words": []}, 1, SPAN) == "a dict, not a decoded piece"


def test_a_language_guess_must_name_a_known_language() -> None:
    assert guess_problem(None) is None and guess_problem(("de", 0.8)) is None
    assert guess_problem(("zz", 0.8)) and guess_problem(("de", 3.0)) and guess_problem("de")


def test_a_workers_reason_for_a_failed_piece_is_one_bounded_line() -> None:
    assert failure_message("'xx' is not a valid language code") == "'xx' is not a valid language code"
    long = failure_message("x" * 5000 + "\nsecond line")
    assert len(long) == 300 and "\n" not in long
    assert failure_message(None) == failure_message("") == "the worker gave no reason"


def test_a_piece_travels_as_json_and_comes_back_equal() -> None:
    sent = answer(start=PieceStart("en", "en", True, (50364, 1029), True))
    data = encode_piece(sent)
    assert type(data) is bytes
    back = read_piece(read_json(data, SPAN[1] - SPAN[0]))
    assert back == sent and piece_problem(back, 1, SPAN) is None


def test_a_whole_files_transcript_travels_as_json_with_its_hash() -> None:
    piece = answer()
    transcript = Transcript("en", 25.0, piece.segments, piece.words, meta={"speech": [[10.9, 12.1]], "pieces": 1})
    digest, back = read_file(read_json(encode_file("ab" * 32, transcript), 25.0))
    assert digest == "ab" * 32 and back == transcript and file_problem(back, 25.0) is None
    late = Transcript("en", 25.0, piece.segments, [replace(piece.words[0], end=1e308)])
    assert "outside the audio" in file_problem(late, 25.0)


@pytest.mark.parametrize("value", [{"index": 1}, [1, 2], "text", None, bytearray(b"{}")])
def test_anything_but_json_bytes_is_refused(value) -> None:
    with pytest.raises(AnswerRefused, match="not transcript JSON bytes"):
        read_json(value, 10.0)


def test_json_larger_than_its_audio_can_hold_or_of_another_shape_is_refused() -> None:
    with pytest.raises(AnswerRefused, match="bytes of JSON for 1.0 s"):
        read_json(b"[" + b"0," * 100_000 + b"0]", 1.0)
    with pytest.raises(AnswerRefused, match="not a decoded piece"):
        read_piece({"index": 1})
    with pytest.raises(AnswerRefused, match="not a transcript"):
        read_file({"hash": "ab" * 32})
