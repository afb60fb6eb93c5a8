"""Hypothesis strategies shared by the format tests: cue lists as the segmentation makes them
(in time order, not overlapping)."""

from __future__ import annotations

from hypothesis import strategies as st

from captioner.core.cues import Cue

any_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40
).filter(lambda s: s.strip())


@st.composite
def cue_lists(draw: st.DrawFn, lines=any_line, max_lines: int = 2, min_ms: int = 1, min_gap_ms: int = 0):
    count = draw(st.integers(min_value=0, max_value=6))
    t = draw(st.integers(min_value=0, max_value=10_000))
    cues = []
    for _ in range(count):
        start = t + draw(st.integers(min_value=min_gap_ms, max_value=min_gap_ms + 3000))
        end = start + draw(st.integers(min_value=min_ms, max_value=max(min_ms, 7000)))
        text = tuple(draw(st.lists(lines, min_size=1, max_size=max_lines)))
        cues.append(Cue(start=start / 1000, end=end / 1000, lines=text))
        t = end
    return cues


def expected_lines(cue: Cue) -> list[str]:
    return [" ".join(ln.replace("-->", "->").split()) for ln in cue.lines if ln.strip()]
