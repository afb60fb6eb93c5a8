"""Caption segmentation (first version): words greedily packed into cues within the style's limits.

To be replaced by the full readability engine; the interface is :func:`segment`.
"""

from __future__ import annotations

from captioner.cues import Cue
from captioner.style import Style
from captioner.transcript import Transcript, Word


def _words(transcript: Transcript) -> list[Word]:
    if transcript.words:
        return [w for w in transcript.words if w.text]
    words: list[Word] = []
    for seg in transcript.segments:
        tokens = seg.text.split()
        total = sum(len(t) for t in tokens) or 1
        t = seg.start
        for tok in tokens:
            span = (seg.end - seg.start) * len(tok) / total
            words.append(Word(" " + tok, t, t + span))
            t += span
    return words


def _lines(words: list[Word], max_chars: int) -> list[str] | None:
    text = " ".join(w.text for w in words)
    if len(text) <= max_chars:
        return [text]
    best: list[str] | None = None
    for i in range(1, len(words)):
        top = " ".join(w.text for w in words[:i])
        bottom = " ".join(w.text for w in words[i:])
        if len(top) <= max_chars and len(bottom) <= max_chars:
            if best is None or abs(len(top) - len(bottom)) < abs(len(best[0]) - len(best[1])):
                best = [top, bottom]
    return best


def segment(transcript: Transcript, style: Style) -> list[Cue]:
    groups: list[list[Word]] = []
    current: list[Word] = []
    for word in _words(transcript):
        candidate = current + [word]
        fits = _lines(candidate, style.max_chars) is not None
        too_long = current and word.end - current[0].start > style.max_duration
        paused = current and word.start - current[-1].end > style.pause_split
        if current and (not fits or too_long or paused):
            groups.append(current)
            candidate = [word]
        current = candidate
        if word.text[-1:] in ".?!":
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    cues: list[Cue] = []
    for group in groups:
        lines = _lines(group, style.max_chars) or [" ".join(w.text for w in group)]
        start = group[0].start
        if cues and start < cues[-1].end + style.min_gap:
            start = max(start, cues[-1].end + style.min_gap)
        end = max(group[-1].end, start + 0.1)
        cues.append(Cue(start=start, end=end, lines=tuple(lines), words=tuple(group)))
    return cues
