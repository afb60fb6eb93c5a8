from __future__ import annotations

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from captioner.core.transcript import Segment, Transcript, Word, load_schema

times = st.floats(min_value=0, max_value=10_000, allow_nan=False).map(lambda t: round(t, 3))
optional_score = st.none() | st.floats(min_value=0, max_value=1).map(lambda x: round(x, 4))

words = st.builds(
    Word,
    word=st.text(min_size=1, max_size=12),
    start=times,
    end=times,
    probability=optional_score,
)
segments = st.lists(
    st.builds(
        Segment,
        id=st.just(0),
        seek=st.integers(min_value=0, max_value=10**6),
        start=times,
        end=times,
        text=st.text(max_size=40),
        tokens=st.lists(st.integers(min_value=0, max_value=60000), max_size=5).map(tuple),
        temperature=st.none() | st.sampled_from([0.0, 0.2, 1.0]),
        avg_logprob=st.none() | st.floats(min_value=-5, max_value=0).map(lambda x: round(x, 4)),
        compression_ratio=st.none() | st.floats(min_value=0, max_value=5).map(lambda x: round(x, 4)),
        no_speech_prob=optional_score,
    ),
    max_size=5,
).map(lambda segs: [Segment(**{**s.__dict__, "id": i}) for i, s in enumerate(segs)])

transcripts = st.builds(
    Transcript,
    language=st.sampled_from(["en", "de", "ja", "ar", "haw"]),
    duration=times,
    segments=segments,
    words=st.none() | st.lists(words, max_size=8),
    text=st.none() | st.text(max_size=40),
    task=st.sampled_from(["transcribe", "translate"]),
    meta=st.just({}) | st.just({"backend": "local", "model": "base"}),
)


@given(transcripts)
def test_json_round_trip_keeps_everything(transcript: Transcript) -> None:
    again = Transcript.from_json(transcript.to_json())
    assert again.to_dict() == transcript.to_dict()
    assert again.words == transcript.words
    assert again.segments == transcript.segments


@pytest.mark.slow
@given(transcripts)
def test_every_transcript_matches_the_schema(transcript: Transcript) -> None:
    jsonschema.validate(transcript.to_dict(), load_schema())


def test_words_absent_stay_absent_and_text_falls_back_to_segments() -> None:
    data = {
        "language": "en",
        "duration": 2.0,
        "text": None,
        "segments": [{"id": 0, "seek": 0, "start": 0.0, "end": 2.0, "text": " Hello there."}],
    }
    transcript = Transcript.from_dict(data)
    assert transcript.words is None
    assert "words" not in transcript.to_dict()
    assert transcript.full_text == " Hello there."
    assert transcript.to_dict()["segments"][0]["avg_logprob"] is None


def test_segment_words_picks_words_by_midpoint() -> None:
    seg_a = Segment(0, 0, 0.0, 1.0, " a b")
    seg_b = Segment(1, 100, 1.0, 2.0, " c")
    transcript = Transcript(
        "en", 2.0, [seg_a, seg_b], words=[Word(" a", 0.0, 0.4), Word(" b", 0.5, 1.1), Word(" c", 1.2, 1.9)]
    )
    assert [w.text for w in transcript.segment_words(seg_a)] == ["a", "b"]
    assert [w.text for w in transcript.segment_words(seg_b)] == ["c"]


def test_voice_regions_are_a_typed_field_written_where_they_always_were() -> None:
    """The VAD's regions travel as ``Transcript.voice``, not in ``meta``; the JSON is byte for byte
    what it was: the regions after what the backend reported, before what later stages add."""
    import json

    from captioner.core.transcript import VoiceRegions

    block = {
        "backend": "local",
        "model": "base",
        "redecoded": {"holes": 0, "words": 0},
        "speech": [[0.22, 2.34], [3.26, 4.452]],
        "utterances": [[0.32, 2.24]],
        "channels": {"count": 2},
        "filtered": {"removed_segments": 0},
        "speech_seconds": 3.31,
    }
    text = json.dumps({"task": "transcribe", "language": "en", "duration": 5.0, "text": "", "segments": [],
                       "captioner": block}, ensure_ascii=False, indent=2) + "\n"  # fmt: skip
    tr = Transcript.from_json(text)
    assert tr.voice == VoiceRegions(speech=((0.22, 2.34), (3.26, 4.452)), utterances=((0.32, 2.24),))
    assert "speech" not in tr.meta and "utterances" not in tr.meta
    assert tr.to_json() == text
    # a backend's transcript gets its regions after what it reported (later stages add after them)
    fresh = Transcript(language="en", duration=5.0, segments=[], meta={"backend": "aixplain"})
    fresh.voice = VoiceRegions(speech=((1.0, 2.0),))
    fresh.meta["filtered"] = {}
    assert list(json.loads(fresh.to_json())["captioner"]) == ["backend", "speech", "filtered"]
