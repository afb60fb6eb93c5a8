"""Re-flow a cue's text into lines with the project's own line breaking (after a text edit)."""

from __future__ import annotations

from captioner.captions.linebreak import layout
from captioner.captions.words import build_units, words_from_segments
from captioner.core.style import Style
from captioner.core.transcript import Segment, Transcript


def reflow(text: str, style: Style, language: str | None) -> tuple[str, bool]:
    """``text`` laid out in lines as the segmenter would (best breaks, balanced lines), and whether
    it fits the style's line count; a text too long for it gets as few lines as it needs."""
    flat = " ".join(text.split())
    if not flat:
        return "", True
    lang = (language or "").split("-")[0].lower()
    style = style.for_language(lang)
    segment = Segment(id=0, seek=0, start=0.0, end=1.0, text=" " + flat)
    words = words_from_segments(Transcript(language=lang, duration=1.0, segments=[segment]))
    units = build_units(words, style.max_chars)
    for lines in range(style.max_lines, len(units) + 1):
        laid = layout(units, style.max_chars, lines, lang)
        if laid is not None:
            return "\n".join(laid[1]), lines <= style.max_lines
    return flat, False
