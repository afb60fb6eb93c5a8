"""One clock-time formatter each way (captioner.core.timestamps), as every format and message spells it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from captioner.core.timestamps import parse_timestamp, timestamp


def test_each_spelling() -> None:
    assert timestamp(3723.4567) == "01:02:03.457"  # WebVTT, TTML, the review list
    assert timestamp(3723.4567, separator=",") == "01:02:03.457"[:8] + ",457"  # SRT
    assert timestamp(3723.4567, hours="plain") == "1:02:03.457"  # SBV
    assert timestamp(-1, hours="plain") == "0:00:00.000"
    assert timestamp(290.4, hours="short") == "4:50"  # messages: a long file's pieces
    assert timestamp(3723.6, hours="short") == "1:02:04"
    assert timestamp(59.9996) == "00:01:00.000"  # rounding carries into the minutes


def test_reading_back() -> None:
    assert parse_timestamp("01:02:03.457") == 3723.457
    assert parse_timestamp("1:02:03,5") == 3723.5
    assert parse_timestamp("02:03.250") == 123.25  # WebVTT without hours
    assert parse_timestamp("00:00:10.000000000") == 10.0  # a Matroska DURATION tag
    assert parse_timestamp("1:2") is None
    assert parse_timestamp("soon") is None


@given(st.integers(min_value=0, max_value=99 * 3_600_000))
def test_every_millisecond_round_trips(ms: int) -> None:
    for text in (timestamp(ms / 1000), timestamp(ms / 1000, separator=","), timestamp(ms / 1000, hours="plain")):
        parsed = parse_timestamp(text)
        assert parsed is not None and round(parsed * 1000) == ms
