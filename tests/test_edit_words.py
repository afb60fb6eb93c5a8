"""The studio's word shading and doubt on real Whisper base transcripts (tests/data/transcripts):
tokens are matched to their words by identity (issue 27, defect 6), and a word a person changed, or a
cue a person marked reviewed, is no longer doubtful (defect 5)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from captioner.captions.review import ReviewThresholds
from captioner.core.style import Style
from captioner.core.transcript import Transcript, Word
from captioner.edit.analysis import EditCue, analyse

DATA = Path(__file__).parent / "data" / "transcripts"
STRICT = ReviewThresholds(word_probability=0.7)  # jfk's "And" (0.66) and "not" (0.64) are doubtful


@pytest.fixture(scope="module")
def jfk() -> Transcript:
    return Transcript.from_json((DATA / "en_jfk_inaugural.json").read_text("utf-8"))


def probabilities(row: dict) -> dict[str, float | None]:
    return {w[0]: w[1] for w in row["words"] if w[0] != "\n"}


def test_words_just_outside_the_cue_are_still_its_words(jfk: Transcript) -> None:
    # "And" is heard 0.00-0.52 and "Americans," 1.56-2.10: the cue was retimed past their middles.
    [row] = analyse([EditCue(0.3, 1.75, "And so my fellow Americans,")], jfk, Style(), STRICT)
    shaded = probabilities(row)
    assert shaded["And"] == pytest.approx(0.661) and shaded["Americans,"] == pytest.approx(0.93, abs=0.001)
    assert all(p is not None for p in shaded.values())
    assert [w[2:] for w in row["words"]][0] == [0.0, 0.52]  # each token carries its word's times
    assert row["doubtful"]  # "And" is still doubtful: nobody changed it


def test_a_hyphenated_word_whisper_split_is_one_heard_word(jfk: Transcript) -> None:
    # Whisper writes some hyphenated words in pieces, the later ones without a leading space.
    words = list(jfk.words or [])
    k = next(i for i, w in enumerate(words) if w.text == "fellow")
    fellow = words[k]
    pieces = [Word(" self", fellow.start, 1.36, 0.98), Word("-substantial", 1.36, fellow.end, 0.95)]
    split = replace(jfk, words=words[:k] + pieces + words[k + 1 :])
    [row] = analyse([EditCue(0.0, 2.1, "And so my self-substantial Americans,")], split, Style(), STRICT)
    assert probabilities(row)["self-substantial"] == pytest.approx(0.95)
    assert row["words"][3][2:] == [1.18, 1.56]


def test_a_word_a_person_changed_is_no_longer_doubtful(jfk: Transcript) -> None:
    heard = analyse([EditCue(0.0, 2.1, "And so my fellow Americans,")], jfk, Style(), STRICT)[0]
    assert heard["doubtful"] and probabilities(heard)["And"] is not None
    # "And" -> "AND": the person listened and wrote it; the index's count and the shading follow.
    [typed] = analyse([EditCue(0.0, 2.1, "AND so my fellow Americans,")], jfk, Style(), STRICT)
    assert typed["doubtful"] == []
    assert probabilities(typed)["AND"] is None and probabilities(typed)["so"] is not None
    assert typed["words"][0][2:] == [0.0, 0.52]  # still timed: a split keeps it in its place


def test_a_cue_marked_reviewed_is_not_doubtful(jfk: Transcript) -> None:
    cues = [EditCue(2.6, 4.3, "ask not"), EditCue(4.3, 7.5, "what your country can do for you,")]
    assert analyse(cues, jfk, Style(), STRICT)[0]["doubtful"]
    rows = analyse([replace(cues[0], reviewed=True), cues[1]], jfk, Style(), STRICT)
    assert rows[0]["doubtful"] == [] and rows[0]["reviewed"] is True and rows[1]["reviewed"] is False
