"""Line layout and break classification."""

from __future__ import annotations

from captioner.captions.linebreak import break_cost, is_bad_end, layout
from captioner.captions.words import build_units, words_from_segments
from captioner.core.style import Style
from captioner.core.transcript import Segment, Transcript, Word


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


def test_cjk_units_are_phrases_without_spaces() -> None:
    units = build_units([Word(w, k, k + 1) for k, w in enumerate(["今日", "は", "いい", "天気", "。"])], 13)
    # BudouX 0.10: 今日は|いい|天気。 (0.9: 今日は|いい天気。)
    assert [u.text for u in units] in (["今日は", "いい", "天気。"], ["今日は", "いい天気。"])
    assert not any(u.space_before for u in units)
    assert [w.word for w in units[0].words] == ["今日", "は"]
    assert [w.word for w in units[-1].words][-2:] == ["天気", "。"]
    assert (units[0].start, units[0].end) == (0, 2)


def _ja(pieces: list[str], max_chars: int = 13, language: str = "ja") -> list[str]:
    return [u.text for u in build_units([Word(p, k, k + 0.2) for k, p in enumerate(pieces)], max_chars, language)]


def test_japanese_pieces_join_into_phrases() -> None:
    # Whisper's pieces of the examples: no unit ends inside 整理, キャンプ or 止まって
    assert _ja(list("判断的知識が整理する") + ["ので", "ある。"]) == ["判断的知識が", "整理するのである。"]
    assert _ja(["ノ", "ギ", "、", "キ", "ャ", "ンプ", "の", "外", "れ", "の"]) == ["ノギ、", "キャンプの", "外れの"]
    assert _ja(["電", "球", "が", "止", "まっ", "て", "い", "た", "。"]) == ["電球が", "止まっていた。"]


def test_kinsoku_where_phrases_do_not_fit_a_line() -> None:
    # lines of 3: the phrases are too long and break between pieces, never before a small kana,
    # ー or closing punctuation, nor after an opening bracket
    assert _ja(["キ", "ャ", "ンプ", "の"], 3) == ["キャ", "ンプ", "の"]
    assert _ja(["コ", "ー", "ヒ", "ー", "を"], 3) == ["コー", "ヒー", "を"]
    assert _ja(["「", "東", "京", "」", "へ"], 3) == ["「東", "京」", "へ"]
    # a glued run longer than a line is cut at the latest character the rules allow
    units = build_units([Word("コーヒー", 0, 1), Word("」。", 1, 2)], 4)
    assert [u.text for u in units] == ["コー", "ヒー」。"]
    assert [w.word for u in units for w in u.words] == ["コー", "ヒー", "」。"]
    assert units[1].cut_cost > 12
    # a word longer than a line: cut (a costly break), its last piece goes on with its phrase
    units = build_units([Word("ア" * 15, 0, 1), Word("は", 1, 2), Word("今日", 2, 3)], 13, "ja")
    assert [(u.text, u.cut_cost > 12) for u in units] == [("ア" * 13, False), ("アアは", True), ("今日", False)]


def test_breaks_inside_a_long_phrase_avoid_words() -> None:
    # one BudouX phrase of 10 characters in lines of 8: a break between kanji and katakana costs
    # less than one inside the kanji or the katakana word
    units = build_units([Word(p, k, k + 0.2) for k, p in enumerate(["国際", "宇宙", "ステー", "ション"])], 8, "ja")
    assert [(u.text, u.cut_cost) for u in units][1:] == [("宇宙", 12.0), ("ステー", 6.0), ("ション", 12.0)]
    _, lines = layout(units, 8, 2, "ja")
    assert lines == ("国際宇宙", "ステーション")


def test_chinese_phrases_and_punctuation() -> None:
    pieces = ["我们", "的", "世", "界", "是", "一个", "美", "丽", "的", "地方", "，"]
    pieces += ["今天", "天", "气", "很", "好", "。"]
    units = _ja(pieces, 16, "zh")
    assert "".join(units) == "".join(pieces)
    assert "世界" in units and "美丽" in units and "地方，" in units and "好。" in units
    assert _ja(["我們", "的", "世", "界", "很", "美", "麗"], 16, "zh") == ["我們", "的", "世界", "很", "美麗"]


def test_korean_words_are_not_cut_into_syllables() -> None:
    tr = Transcript("ko", 10.0, [Segment(0, 0, 0.0, 4.0, " 안녕하세요 여러분, 감사합니다.")], words=None)
    assert [w.word for w in words_from_segments(tr)] == [" 안녕하세요", " 여러분,", " 감사합니다."]
    units = build_units([Word(" 안녕하세요", 0, 1), Word("요", 1, 2), Word(" 여러분", 2, 3)], 16, "ko")
    assert [(u.text, u.space_before) for u in units] == [("안녕하세요요", False), ("여러분", True)]


def test_style_for_language() -> None:
    assert Style().for_language("ja").max_chars == 13
    assert Style().for_language("zh-Hant").max_chars == 16
    assert Style().for_language("ko").max_chars == 16
    assert Style().for_language("en") == Style()
    assert Style().with_overrides(max_chars=30).for_language("ja").max_chars == 30
    ja = Style().for_language("ja")
    assert ja.for_language("ja") == ja
