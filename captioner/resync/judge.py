"""The fit for a caption file against the words heard in its media, and whether to trust it:
resync refuses (a one-line :class:`ResyncError`) rather than guess."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from captioner.resync.anchors import Heard, match
from captioner.resync.files import ResyncError
from captioner.resync.fit import Fit, fit

MIN_AGREEING = 4  # anchors that agree with the fit
MIN_AGREEING_SHARE = 0.6  # of the anchors found
MIN_CONFIDENCE = 0.3  # agreeing anchors over the anchors there could be (two a cue)


@dataclass(frozen=True)
class Found:
    fit: Fit
    cues: int  # cues there were to find: those the fit puts in the stretches of media heard
    cues_found: int  # cues with at least one agreeing anchor

    @property
    def confidence(self) -> float:
        """The share of the cues' possible anchors (a start and an end each) that agree with the fit."""
        return self.fit.agreeing / (2 * self.cues)


def find(
    cues: Sequence[tuple[float, float, str]],
    heard: Sequence[Heard],
    spans: Sequence[tuple[float, float]] | None = None,
) -> Found:
    """The time map for ``cues`` (start, end, text) given the words ``heard`` in the media (in the
    stretches ``spans`` of it, when not all of it was heard: only the cues the fit puts there count
    for the confidence)."""
    if not heard:
        raise ResyncError("no speech heard in the media: nothing to time the captions by")
    matched = match(cues, heard, spans)
    found = fit(matched.anchors)
    if found is None:
        raise ResyncError(
            f"refused: the captions' words were not found in the media's speech "
            f"({matched.words_found} of {matched.words} words)"
        )
    agreeing_cues = {
        cue
        for cue, anchor in zip(matched.cue_of, matched.anchors)
        if abs(found.at(anchor.caption) - anchor.media) <= 0.25
    }
    there = len(cues) if spans is None else sum(_inside(found.at(start), spans) for start, _, _ in cues)
    result = Found(found, max(there, len(agreeing_cues), 1), len(agreeing_cues))
    share = found.agreeing / found.anchors
    if found.agreeing < MIN_AGREEING or share < MIN_AGREEING_SHARE or result.confidence < MIN_CONFIDENCE:
        raise ResyncError(
            f"refused: no fit to trust (confidence {result.confidence:.2f}; {found.agreeing} of {found.anchors} "
            f"anchors agree, {len(agreeing_cues)} of {len(cues)} cues found in the speech)"
        )
    return result


def _inside(t: float, spans: Sequence[tuple[float, float]]) -> bool:
    return any(a <= t <= b for a, b in spans)


def describe(found: Found) -> list[str]:
    """What was found, a line each: offset, rate, splits, confidence."""
    fit = found.fit
    lines = [f"offset {fit.pieces[0].offset:+.3f} s", f"rate {fit.rate:.6f}" + _ratio(fit.rate)]
    for media_time, seconds in fit.splits:
        if seconds > 0:
            lines.append(f"split at {media_time:.2f} s: {seconds:.2f} s inserted (until {media_time + seconds:.2f} s)")
        else:
            lines.append(f"split at {media_time:.2f} s: {-seconds:.2f} s removed")
    lines.append(
        f"confidence {found.confidence:.2f} ({fit.agreeing} of {fit.anchors} anchors agree; "
        f"{found.cues_found} of {found.cues} cues found in the speech)"
    )
    return lines


def _ratio(rate: float) -> str:
    from captioner.resync.fit import FRAME_RATES

    for a in FRAME_RATES:
        for b in FRAME_RATES:
            if a != b and abs(float(a / b) - rate) < 1e-9:
                return f" ({float(a):.3f}/{float(b):.3f} fps)"
    return ""
