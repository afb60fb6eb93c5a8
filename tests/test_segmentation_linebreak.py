"""Line layout and break classification."""

from __future__ import annotations

from captioner.linebreak import break_cost, is_bad_end, layout
from captioner.style import Style
from captioner.transcript import Word
from captioner.words import build_units


def units_of(text: str, max_chars: int = 42):
    return build_units([Word(" " + w, k, k + 0.5) for k, w in enumerate(text.split())], max_chars)


def test_one_line_when_it_fits() -> None:
    assert layout(units_of("Ask not what your country can do for you."), 42, 2, "en") == (
        0.0,
        ("Ask not what your country can do for you.",),
    )


def test_two_lines_break_after_punctuation_not_after_function_word() -> None:
    _, lines = layout(units_of("And so, my fellow Americans, ask not what your country can do"), 42, 2, "en")
    assert lines == ("And so, my fellow Americans,", "ask not what your country can do")


def test_too_long_for_the_lines_is_none() -> None:
    assert layout(units_of("word " * 30), 42, 2, "en") is None


def test_bad_end_words() -> None:
    assert is_bad_end("I went to the", "en")
    assert is_bad_end("and I", "en")
    assert not is_bad_end("I went to the shop.", "en")
    assert not is_bad_end("what you can do", "en")
    assert is_bad_end("voy a la", "es")  # "la" is not English: only Spanish lists it
    assert not is_bad_end("voy a la", "en")
    assert break_cost("rain,", "so", "en") < break_cost("rain", "so", "en") < break_cost("the", "rain", "en")


def test_arabic_and_cjk_punctuation_are_breaks() -> None:
    assert break_cost("مرحبا،", "كيف", "ar") < 0
    assert break_cost("今日は。", "明日", "ja") < 0


def test_punctuation_only_words_stick_to_the_word_before() -> None:
    units = build_units([Word(" Hello", 0, 1), Word(",", 1, 1), Word(" world", 1, 2), Word("", 2, 2)], 42)
    assert [u.text for u in units] == ["Hello,", "world"]
    assert [len(u.words) for u in units] == [2, 2]


def test_cjk_words_are_separate_units_without_spaces() -> None:
    units = build_units([Word(w, k, k + 1) for k, w in enumerate(["今日", "は", "いい", "天気", "。"])], 13)
    assert [u.text for u in units] == ["今日", "は", "いい", "天気。"]
    assert not any(u.space_before for u in units)


def test_style_for_language() -> None:
    assert Style().for_language("ja").max_chars == 13
    assert Style().for_language("zh-Hant").max_chars == 16
    assert Style().for_language("ko").max_chars == 16
    assert Style().for_language("en") == Style()
    assert Style().with_overrides(max_chars=30).for_language("ja").max_chars == 30
    ja = Style().for_language("ja")
    assert ja.for_language("ja") == ja
