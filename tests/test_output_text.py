"""The one cleaning of a caption line that every writer shares (output/text.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from captioner.output.text import clean_line


@given(st.text(alphabet="-> a\n\t", max_size=40))
def test_no_cleaned_line_holds_a_cue_timing_arrow(line: str) -> None:
    cleaned = clean_line(line)
    assert "-->" not in cleaned and "\n" not in cleaned
    assert cleaned == " ".join(cleaned.split())


def test_a_longer_arrow_is_shortened_once() -> None:
    assert clean_line("a ---> b --> c") == "a -> b -> c"
