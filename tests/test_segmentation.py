"""Example tests on real Whisper base transcripts (tests/data/transcripts) and hand-made cases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import srt

from captioner.captions.linebreak import EN_BAD_END, bare, ends_with
from captioner.captions.segmentation import segment
from captioner.core.style import Style
from captioner.core.transcript import Segment, Transcript, Word

DATA = Path(__file__).parent / "data" / "transcripts"
FIXTURES = sorted(p.stem for p in DATA.glob("*.json"))
PUNCT = set(".,!?;:\u2026\u2014\u2013-\u3002\uff0c\uff01\uff1f\u060c\u061f")


def load(name: str) -> Transcript:
    return Transcript.from_dict(json.loads((DATA / f"{name}.json").read_text("utf-8")))


def to_srt(cues) -> str:
    subs = [
        srt.Subtitle(i + 1, dt.timedelta(seconds=c.start), dt.timedelta(seconds=c.end), "\n".join(c.lines))
        for i, c in enumerate(cues)
    ]
    return srt.compose(subs, reindex=False)


def is_bad_break(before: str) -> bool:
    """The scorer's rule: no punctuation at the end, and the last word is a function word."""
    if ends_with(before, PUNCT):
        return False
    words = before.split()
    return bool(words) and bare(words[-1]) in EN_BAD_END


def test_fixtures_present() -> None:
    assert {
        "en_jfk_inaugural",
        "en_mfa_acoustic_corpus",
        "es_aeneas_capitan_veneno",
        "de_picovoice_test",
        "ja_picovoice_test",
        "ar_cv_22770267",
    } <= set(FIXTURES)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_srt_meets_scorer_rules(name: str) -> None:
    tr = load(name)
    cues = segment(tr, Style())
    subs = list(srt.parse(to_srt(cues)))
    assert len(subs) == len(cues) > 0
    compliant = 0
    for a, b in zip(subs, subs[1:], strict=False):
        gap_ms = (b.start - a.end) / dt.timedelta(milliseconds=1)
        assert gap_ms == 0 or gap_ms >= 80
        assert b.start >= a.start
    for s in subs:
        lines = s.content.split("\n")
        assert len(lines) <= 2
        assert all(len(line) <= 42 for line in lines)
        dur_ms = (s.end - s.start) / dt.timedelta(milliseconds=1)
        chars = sum(len(line) for line in lines)
        assert dur_ms <= 7000
        compliant += dur_ms * 6 >= 5000 and chars * 1000 <= 20 * dur_ms
    # the scorer's compliance: CPL, lines, <= 20 cps, 5/6 s .. 7 s.  en_mfa_acoustic_corpus opens
    # with 156 characters in 7.27 s and no pause (21.5 cps): with every cue starting at its first
    # word (#28) one of its two cues is over 20 cps, whatever the cut
    assert compliant / len(subs) >= (5 / 6 if name == "en_mfa_acoustic_corpus" else 0.95)
    # WER unchanged: the cues' text is exactly the transcript's words
    shown = " ".join(s.content.replace("\n", " ") for s in subs)
    spoken = "".join(w.word for w in tr.words)
    if tr.language in ("ja", "zh"):  # no spaces between words: a line or cue break adds none
        assert "".join(shown.split()) == "".join(spoken.split())
    else:
        assert shown.split() == spoken.split()


@pytest.mark.parametrize("name", [n for n in FIXTURES if n.startswith("en_")])
def test_english_fixtures_have_no_bad_breaks(name: str) -> None:
    cues = segment(load(name), Style())
    breaks = [line for c in cues for line in c.lines[:-1]] + [c.lines[-1] for c in cues[:-1]]
    assert not [b for b in breaks if is_bad_break(b)]


def test_jfk_cuts_at_clause_punctuation() -> None:
    cues = segment(load("en_jfk_inaugural"), Style())
    for c in cues[:-1]:
        assert ends_with(c.lines[-1], PUNCT), c.lines
    assert cues[-1].lines[-1].endswith("country.")


def test_japanese_uses_its_own_line_length_and_no_spaces() -> None:
    tr = load("ja_picovoice_test")
    cues = segment(tr, Style())
    assert all(len(line) <= 13 for c in cues for line in c.lines)
    assert all(" " not in line for c in cues for line in c.lines)
    assert "".join("".join(c.lines) for c in cues) == "".join(w.word for w in tr.words).strip()
    # the user's max_chars wins over the language's limit
    wide = segment(tr, Style().with_overrides(max_chars=42))
    assert len(wide) <= len(cues) and max(len(line) for c in wide for line in c.lines) > 13


def test_arabic_text_kept_intact() -> None:
    tr = load("ar_cv_22770267")
    cues = segment(tr, Style())
    assert " ".join(c.text for c in cues) == " ".join("".join(w.word for w in tr.words).split())


def test_cue_words_are_the_transcript_words() -> None:
    tr = load("es_aeneas_capitan_veneno")
    cues = segment(tr, Style())
    assert [w for c in cues for w in c.words] == tr.words
    for c in cues:
        assert " ".join(c.lines) == " ".join("".join(w.word for w in c.words).split())


def _words(spec: list[tuple[str, float, float]], duration: float | None = None) -> Transcript:
    """A transcript of these words; the media ends ``duration`` s in (default: 10 s after them)."""
    words = [Word(w, s, e) for w, s, e in spec]
    end = words[-1].end + 10.0 if duration is None else duration
    return Transcript("en", end, [Segment(0, 0, words[0].start, words[-1].end, "")], words)


def test_pause_ends_a_cue() -> None:
    spec, t = [], 0.0
    for w in " we went home and then we slept".split(" ")[1:]:
        spec.append((" " + w, t, t + 0.3))
        t += 0.3
        if w == "home":
            t += 1.2  # a long silence after "home"
    cues = segment(_words(spec), Style())
    assert [c.text for c in cues] == ["we went home", "and then we slept"]
    assert cues[0].end <= cues[1].start - 0.08 + 1e-9


def test_short_cue_extended_to_minimum_duration_and_lingers() -> None:
    cues = segment(_words([(" Yes.", 1.0, 1.2), (" No.", 5.0, 5.2)]), Style())
    assert len(cues) == 2
    assert cues[0].start == 1.0 and cues[0].duration >= 5 / 6
    assert cues[0].end < 5.0


def test_never_runs_into_the_next_cues_speech() -> None:
    cues = segment(_words([(" Hi.", 0.0, 0.2), (" There", 0.5, 0.7), (" we", 0.7, 0.9), (" go.", 0.9, 1.5)]), Style())
    for a, b in zip(cues, cues[1:], strict=False):
        assert a.end <= b.start


def test_line_break_avoids_function_words_and_balances() -> None:
    text = " ask not what your country can do for you ask what you can do for your country"
    spec = [(" " + w, 0.25 * k, 0.25 * k + 0.2) for k, w in enumerate(text.split())]
    cues = segment(_words(spec), Style())
    for c in cues:
        for line in c.lines[:-1]:
            assert not is_bad_break(line), c.lines
        if len(c.lines) == 2:
            assert abs(len(c.lines[0]) - len(c.lines[1])) <= 16, c.lines


def test_missing_word_timings_are_spread_over_segments() -> None:
    tr = Transcript(
        "en",
        10.0,
        [Segment(0, 0, 0.0, 2.0, " Hello there."), Segment(1, 0, 4.0, 6.0, " General Kenobi.")],
        words=None,
    )
    cues = segment(tr, Style())
    assert [c.text for c in cues] == ["Hello there.", "General Kenobi."]
    assert cues[0].start == 0.0 and cues[1].start == 4.0
    assert [w.word for w in cues[1].words] == [" General", " Kenobi."]


def test_cjk_segment_without_words_counts_characters() -> None:
    text = "今日はとてもいい天気ですね。明日も晴れるといいですね。"
    tr = Transcript("ja", 10.0, [Segment(0, 0, 0.0, 8.0, text)], words=None)
    cues = segment(tr, Style())
    assert "".join("".join(c.lines) for c in cues) == text
    assert all(len(line) <= 13 for c in cues for line in c.lines)


def test_overlong_word_is_cut_to_fit() -> None:
    word = "x" * 100
    cues = segment(_words([(" " + word, 0.0, 3.0)]), Style())
    assert "".join("".join(c.lines) for c in cues) == word
    assert all(len(line) <= 42 for c in cues for line in c.lines)


def test_empty_transcript_gives_no_cues() -> None:
    assert segment(Transcript("en", 5.0, [], words=[]), Style()) == []
    assert segment(Transcript("en", 5.0, [Segment(0, 0, 0, 1, "  ")], words=None), Style()) == []


# The timing before #28, kept as style fields for the Python API: a fast cue shown up to 0.5 s
# before its first word, the cue after it up to 1.5 s after its own.
LEAD_AND_LAG = Style(max_lead=0.5, max_lag=1.5)


def test_fast_speech_lags_at_most_max_lag_and_stays_under_max_cps() -> None:
    tr = load("en_mfa_acoustic_corpus")
    style = LEAD_AND_LAG
    cues = segment(tr, style)
    for c in cues:
        first = next(w for w in c.words if w.word.strip())
        assert first.start - style.max_lead - 1e-9 <= c.start <= first.start + style.max_lag + 1e-9
        assert sum(len(line) for line in c.lines) / c.duration <= style.max_cps
    no_lag = segment(tr, style.with_overrides(max_lag=0.0, max_lead=0.0))
    assert all(c.start <= next(w for w in c.words if w.word.strip()).start + 1e-9 for c in no_lag)


def test_a_fast_speakers_run_drifts_behind_and_catches_up_at_the_pause() -> None:
    # 12 s of unbroken speech at ~22 characters a second, then a 3 s pause and one more sentence
    text = "the committee met again on tuesday and agreed that the budget would be reviewed"
    spec, t = [], 0.5
    for w in (text + " " + text + " " + text).split():
        step = (len(w) + 1) / 22.0
        spec.append((" " + w, t, t + step))
        t += step
    spec += [(" Later,", t + 3.0, t + 3.4), (" yes.", t + 3.4, t + 3.8)]
    style = LEAD_AND_LAG
    cues = segment(_words(spec), style)
    lags = []
    for c in cues:
        first = next(w for w in c.words if w.word.strip())
        lags.append(c.start - first.start)
        assert -style.max_lead - 1e-9 <= lags[-1] <= style.max_lag + 1e-9
        assert sum(len(line) for line in c.lines) / c.duration <= style.max_cps + 1e-9
    assert max(lags) > 0.3  # the run needed more than one cue's worth of lag
    assert cues[-1].start == pytest.approx(t + 3.0, abs=0.001)  # caught up after the pause (whole ms)
    tight = segment(_words(spec), style.with_overrides(max_lag=0.3))
    assert any(sum(len(line) for line in c.lines) / c.duration > style.max_cps for c in tight)


def test_no_cue_runs_past_the_end_of_the_media() -> None:
    # a fast last sentence ending 0.1 s before the media does: its reading-speed hold stops at the
    # end of the media; a last word right at the end takes time from before it (up to max_lead)
    text = " And that should be all for today, thank you all very much."
    spec = [(" " + t, 20.0 + 0.15 * k, 20.0 + 0.15 * (k + 1)) for k, t in enumerate(text.split())]
    end = spec[-1][2] + 0.1
    cues = segment(_words(spec, duration=end), Style())
    assert cues[-1].end == pytest.approx(end, abs=0.001)
    assert segment(_words(spec), Style())[-1].end > end + 0.5  # with the media running on, it would stay
    cues = segment(_words([(" Intro.", 1.0, 2.0), (" Bye.", 9.6, 9.9)], duration=9.9), LEAD_AND_LAG)
    assert (cues[-1].start, cues[-1].end) == (9.1, 9.9)
    cues = segment(_words([(" Intro.", 1.0, 2.0), (" Bye.", 9.6, 9.9)], duration=9.9), Style())
    assert (cues[-1].start, cues[-1].end) == (9.52, 9.9)  # 2 frames at most (#28)
    cues = segment(_words([(" Intro.", 1.0, 2.0), (" Bye.", 9.6, 9.9)], duration=9.9), Style(max_lead=0.2))
    assert (cues[-1].start, cues[-1].end) == (9.4, 9.9)


def test_a_fast_speaker_near_the_end_of_the_media_stays_under_max_cps() -> None:
    # en_librispeech_61-70968-0000's shape: 21 characters a second, then a little slower, up to
    # 0.1 s before the end of the media. The last cue cannot borrow time past the end: the cues
    # are cut where both fit; no cue ends before its last word is over.
    spec, t = [], 0.3
    for k, w in enumerate(
        "he began a confused complaint against the wizard who had vanished behind the curtain on the left".split()
    ):
        step = (len(w) + 1) / (21.0 if k < 9 else 18.5)
        spec.append((" " + w, t, t + step))
        t += step
    cues = segment(_words(spec, duration=t + 0.1), Style())
    assert len(cues) >= 2 and cues[-1].end <= t + 0.1 + 1e-9
    for c in cues:
        assert sum(len(line) for line in c.lines) / c.duration <= 20.0 + 1e-9, c
        assert c.end >= c.words[-1].end - 1e-9 and c.start >= c.words[0].start - 0.5 - 1e-3


def test_cue_ends_with_its_speech_when_it_needs_no_more_time() -> None:
    spec = [(" Hello", 1.0, 1.4), (" there,", 1.4, 1.9), (" my", 1.9, 2.1), (" friend.", 2.1, 2.5)]
    spec += [(" Next", 3.0, 3.5), (" one.", 3.5, 4.4)]
    cues = segment(_words(spec), Style())
    assert [c.text for c in cues] == ["Hello there, my friend.", "Next one."]
    assert cues[0].end == 2.5  # no linger, and the 0.5 s gap is left open
    assert cues[1].start == 3.0


def test_extension_is_as_little_as_needed() -> None:
    # 5/6 s minimum duration: one word of 0.2 s is shown for exactly 834 ms (whole ms, >= 5/6 s)
    cues = segment(_words([(" Yes.", 1.0, 1.2), (" No.", 5.0, 5.2)]), Style())
    assert cues[0].end == 1.834
    # reading speed: 42 characters said in 1.5 s are shown for 42/17 s (the target), not longer
    text = " Quickly said words make a long line here."
    spec = [(" " + t, 1.0 + 0.1875 * k, 1.0 + 0.1875 * (k + 1)) for k, t in enumerate(text.split())]
    spec.append((" Later.", 9.0, 9.5))
    cues = segment(_words(spec), Style())
    chars = len(cues[0].text)
    assert chars / cues[0].duration <= 17.0
    assert cues[0].duration <= chars / 17.0 + 0.003


def test_cues_meet_where_speech_runs_on() -> None:
    # the next cue's first word starts 30 ms after this cue's last word ends: the cue is chained to
    # it (a 2-frame gap would end it before its last word is over), not held later
    spec = [(" This", 0.0, 0.4), (" is", 0.4, 0.6), (" the", 0.6, 0.8), (" first", 0.8, 1.2), (" sentence.", 1.2, 2.0)]
    spec += [(" And", 2.03, 2.3), (" this", 2.3, 2.6), (" one", 2.6, 2.9), (" follows", 2.9, 3.4), (" it.", 3.4, 4.0)]
    cues = segment(_words(spec), Style().with_overrides(max_chars=30, max_lines=1))
    assert [c.text for c in cues] == ["This is the first sentence.", "And this one follows it."]
    assert cues[1].start == 2.03
    assert cues[0].end == 2.03  # chained: 2 frames before the next cue, "sentence." would not be over


def test_fast_cue_after_a_pause_starts_early_only_as_needed() -> None:
    # a 42-character line said in 1.55 s (27 cps) after 2.5 s of silence, the next cue right after
    # it: shown from up to max_lead before its first word, no earlier than needed for max_cps
    spec = [(" Hi.", 0.0, 0.5), (" " + "x" * 42, 3.0, 4.55), (" " + "y" * 42, 4.55, 7.0)]
    style = LEAD_AND_LAG
    cues = segment(_words(spec), style)
    assert [len(c.text) for c in cues] == [3, 42, 42]
    fast = cues[1]
    assert fast.start == 3.0 - style.max_lead  # all the lead it may take (the rest is lag)
    assert 42 / fast.duration <= style.max_cps
    assert cues[0].end <= fast.start - style.min_gap
    plain = segment(_words(spec), style.with_overrides(max_lead=0.0))
    assert plain[1].start >= 3.0


def test_a_word_said_over_more_than_max_duration_is_not_chained_past_it() -> None:
    # a word drawn out over 3.5 s, the next one right after it: the cue ends max_duration after its
    # start, which leaves less than min_gap before the next cue; chaining (gap 0) would make it
    # longer than max_duration, so the gap is widened to min_gap instead
    style = Style(max_duration=3.45)
    cues = segment(_words([(" Sooo", 1.5, 5.0), (" next.", 5.0, 5.4)]), style)
    assert [c.text for c in cues] == ["Sooo", "next."]
    assert cues[0].duration <= 3.45 and cues[1].start - cues[0].end >= style.min_gap - 1e-9
