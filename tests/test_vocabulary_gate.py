"""The vocabulary used only where the speech seems to hold a term (vocabulary_gate)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from faster_whisper import WhisperModel
from faster_whisper.tokenizer import Tokenizer
from hypothesis import given
from hypothesis import strategies as st
from tokenizers import Tokenizer as HFTokenizer

from captioner.transcription.local.model_files import embedded_tokenizer_file
from captioner.transcription.local.vocabulary_gate import (
    HotPrompt,
    VocabularyGate,
    near_miss,
    occurrences,
    without_hotwords,
)

TERMS = ("Gutenberg", "Peter Schoeffer", "psalters", "letterpress")
HOTWORDS = ", ".join(TERMS)


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer(HFTokenizer.from_file(str(embedded_tokenizer_file())), True, task="transcribe", language="en")


def prompt(tokenizer: Tokenizer, previous: list[int], hotwords: str | None) -> list[int]:
    """faster-whisper's own prompt for a window."""
    return WhisperModel.get_prompt(SimpleNamespace(max_length=448), tokenizer, previous, hotwords=hotwords)  # type: ignore[arg-type]


def hot_prompt(tokenizer: Tokenizer) -> HotPrompt:
    tokens = tuple(tokenizer.encode(" " + HOTWORDS))
    return HotPrompt(tokens, tokenizer.sot_prev, tokenizer.sot, TERMS, tokenizer.decode)


@pytest.mark.parametrize("previous", ["", " And so, my fellow Americans."])
def test_a_prompt_without_its_hotwords_is_faster_whispers_prompt_without_them(tokenizer, previous) -> None:
    tokens = tokenizer.encode(previous) if previous else []
    hot = hot_prompt(tokenizer)
    assert without_hotwords(prompt(tokenizer, tokens, HOTWORDS), hot) == prompt(tokenizer, tokens, None)
    assert without_hotwords(prompt(tokenizer, tokens, None), hot) is None  # nothing to take out


def test_near_misses_and_occurrences() -> None:
    assert near_miss("printed with letter press", TERMS) and near_miss("the salters", TERMS)
    assert near_miss("Peter Schaeffer of Mainz", TERMS) and near_miss("Gutenberg", TERMS)
    assert not near_miss("Ask not what your country can do for you", TERMS)
    assert not near_miss("", TERMS) and not near_miss("anything", ())
    assert occurrences("Gutenberg and gutenberg; Peter Schoeffer.", TERMS) == 2  # spelt as listed
    assert occurrences("Psalters were printed", TERMS) == 1  # a capital at a sentence's start


@given(st.text(max_size=200))
def test_a_term_is_always_its_own_near_miss(text: str) -> None:
    for term in TERMS:
        assert near_miss(text + " " + term + " " + text, TERMS)
        assert occurrences(text + " " + term + " ", (term,)) >= 1


class Model:
    """A CTranslate2 stand-in: each prompt "decodes" to the text the test gives it."""

    def __init__(self, tokenizer: Tokenizer, plain: list[str], hot: list[str]) -> None:
        self.tokenizer, self.plain, self.hot, self.calls = tokenizer, plain, hot, []
        self.hotwords = tuple(tokenizer.encode(" " + HOTWORDS))

    def generate(self, features, prompts, **kwargs):  # type: ignore[no-untyped-def]
        self.calls.append((np.asarray(features).shape[0], [list(p) for p in prompts], kwargs))
        texts = []
        for i, p in enumerate(prompts):
            given = tuple(p[1 : 1 + len(self.hotwords)]) == self.hotwords
            row = i if len(prompts) == len(self.plain) else len(self.plain) - len(prompts) + i
            texts.append(self.hot[row] if given else self.plain[row])
        return [SimpleNamespace(sequences_ids=[self.tokenizer.encode(t)], text=t) for t in texts]


def test_the_gate_decodes_with_the_terms_only_where_a_term_seems_spoken(tokenizer) -> None:
    hot = hot_prompt(tokenizer)
    with_terms = prompt(tokenizer, [], HOTWORDS)
    plain_texts = [" Ask not what your country can do.", " Printed by Guttenberg.", " The salters of Mainz."]
    hot_texts = [" Ask not what your country will do.", " Printed by Gutenberg.", " The salters of Mainz!"]
    model = Model(tokenizer, plain_texts, hot_texts)
    gate = VocabularyGate(model, lambda: hot)
    results = gate.generate(np.zeros((3, 4, 2), np.float32), [with_terms] * 3, beam_size=5)
    # Every window first without the terms; then only the two near misses again, with them.
    assert [c[0] for c in model.calls] == [3, 2]
    assert model.calls[0][1] == [prompt(tokenizer, [], None)] * 3 and model.calls[1][1] == [with_terms] * 2
    assert all(c[2] == {"beam_size": 5} for c in model.calls)
    # Kept: the plain text where nothing was near a term, the second decoding where it holds more
    # terms, the first where the second holds no more.
    assert [r.text for r in results] == [plain_texts[0], hot_texts[1], plain_texts[2]]


def test_without_a_vocabulary_the_gate_passes_calls_through(tokenizer) -> None:
    model = Model(tokenizer, [" Printed by Guttenberg."], [" Printed by Gutenberg."])
    plain = prompt(tokenizer, [], None)
    for context in (None, hot_prompt(tokenizer)):
        model.calls.clear()
        gate = VocabularyGate(model, lambda context=context: context)
        results = gate.generate(np.zeros((1, 4, 2), np.float32), [plain])
        assert len(model.calls) == 1 and [r.text for r in results] == [" Printed by Guttenberg."]


def test_the_note_says_where_the_vocabulary_went() -> None:
    from captioner.run.one_file import vocabulary_note

    assert vocabulary_note(None) is None
    base = {"language": "en", "near_misses": 0, "taken": 0}
    assert (
        vocabulary_note({**base, "used": 0, "skipped": {"de": 2}}) == "vocabulary not used: it is en, the speech is de"
    )
    assert vocabulary_note({**base, "used": 3, "skipped": {}}) == (
        "vocabulary: nothing sounded like its terms (3 windows decoded as without it)"
    )
    assert vocabulary_note({**base, "used": 3, "skipped": {"fr": 1}, "near_misses": 2, "taken": 1}) == (
        "vocabulary (en) given to 3 of 4 windows; not to those in fr; "
        "2 of 3 windows sounded like a term and were decoded again with the vocabulary; 1 took it"
    )


class OnAGpu(np.ndarray):
    """Encoder output NumPy may not take apart (as a CTranslate2 StorageView on a GPU)."""

    device = "cuda"


def test_a_batch_on_a_gpu_is_decoded_again_whole(tokenizer) -> None:
    hot = hot_prompt(tokenizer)
    with_terms = prompt(tokenizer, [], HOTWORDS)
    plain_texts = [" Printed by Guttenberg.", " Ask not."]
    hot_texts = [" Printed by Gutenberg.", " Ask now."]
    model = Model(tokenizer, plain_texts, hot_texts)
    features = np.zeros((2, 4, 2), np.float32).view(OnAGpu)
    results = VocabularyGate(model, lambda: hot).generate(features, [with_terms] * 2)
    plain = prompt(tokenizer, [], None)
    assert [c[1] for c in model.calls] == [[plain, plain], [with_terms, plain]]  # no rows taken apart
    assert [r.text for r in results] == [hot_texts[0], plain_texts[1]]
