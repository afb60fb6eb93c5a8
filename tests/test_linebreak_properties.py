"""Property tests of line breaking (captioner.captions.linebreak.layout): no line over the limit, as few
lines as fit, units (words, glued words, CJK phrases) never split, the text kept."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from captioner.captions.linebreak import join_units, layout
from captioner.captions.words import Unit
from captioner.core.transcript import Word

LATIN = ["the", "a", "of", "I", "caption", "speech", "well,", "so.", "don't", "really?", "and", "x" * 30]
CJK = ["今日", "は", "いい", "天気", "です", "。", "我们", "的", "世界", "，"]


@st.composite
def units(draw: st.DrawFn) -> list[Unit]:
    """A cue's units: one to three words each, joined with a space (Latin) or none (CJK)."""
    out: list[Unit] = []
    t = 0.0
    for _ in range(draw(st.integers(1, 9))):
        cjk = draw(st.booleans())
        parts = draw(st.lists(st.sampled_from(CJK if cjk else LATIN), min_size=1, max_size=3))
        text = ("" if cjk else " ").join(parts)
        words = tuple(Word((" " if not cjk else "") + p, t + k * 0.2, t + k * 0.2 + 0.2) for k, p in enumerate(parts))
        t += 0.2 * len(parts)
        cost = draw(st.sampled_from([0.0, 0.0, 6.0, 20.0]))
        out.append(Unit(words, text, space_before=not cjk, start=words[0].start, end=words[-1].end, cut_cost=cost))
    return out


def fewest_lines(items: list[Unit], max_chars: int) -> int | None:
    """How many lines the units need at least, filled greedily in order; None if one is too long."""
    lines, current = 0, None
    for u in items:
        if len(u.text) > max_chars:
            return None
        joined = u.text if current is None else join_units([*current, u])
        if current is not None and len(joined) <= max_chars:
            current = [*current, u]
        else:
            lines, current = lines + 1, [u]
    return lines


def split_into_units(lines: tuple[str, ...], items: list[Unit]) -> list[list[Unit]]:
    """The runs of whole units that make up each line, in order (fails if a line splits one)."""
    runs: list[list[Unit]] = []
    k = 0
    for line in lines:
        run: list[Unit] = []
        while k < len(items) and join_units([*run, items[k]]) != line and line.startswith(join_units([*run, items[k]])):
            run.append(items[k])
            k += 1
        assert k < len(items) and join_units([*run, items[k]]) == line, (line, [u.text for u in items])
        runs.append([*run, items[k]])
        k += 1
    assert k == len(items), "every unit is on a line"
    return runs


@settings(max_examples=200, deadline=None)
@given(units(), st.integers(8, 50), st.integers(1, 3), st.sampled_from(["en", "ja", "de"]))
def test_lines_fit_keep_units_whole_and_keep_the_text(
    items: list[Unit], max_chars: int, max_lines: int, language: str
) -> None:
    laid = layout(items, max_chars, max_lines, language)
    need = fewest_lines(items, max_chars)
    if need is None or need > max_lines:
        assert laid is None  # nothing fits: the caller cuts the cue elsewhere
        return
    assert laid is not None
    _, lines = laid
    assert all(0 < len(line) <= max_chars for line in lines), lines
    assert len(lines) == need  # as few lines as fit (one when it fits, per Netflix)
    runs = split_into_units(lines, items)  # every unit whole, on one line, in order
    assert [u for run in runs for u in run] == items
    # the text kept: the lines rejoined as the units join
    rejoined = lines[0]
    for run, line in zip(runs[1:], lines[1:]):
        rejoined += (" " if run[0].space_before else "") + line
    assert rejoined == join_units(items)
