"""Caption style: the numbers a formatter must respect, and named presets with their sources.

The figures come from the style guides gathered in the project's caption-style notes
(Netflix Timed Text Style Guide, BBC Subtitle Guidelines, DCMP, TED).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Limit:
    """The values a user may give one style field (on the command line or in captioner.toml)."""

    kind: type  # int or float
    low: float
    high: float
    help: str

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not valid (a phrase to follow the field's name), or None."""
        integer = isinstance(value, int) and not isinstance(value, bool)
        number = integer or isinstance(value, float)
        typed = integer if self.kind is int else number
        if not (typed and math.isfinite(value) and self.low <= value <= self.high):
            kind = "a whole number" if self.kind is int else "a number"
            return f"must be {kind} from {self.low:g} to {self.high:g}, not {value!r}"
        return None


# The fields a user may set and their valid ranges: the command line's options and the
# configuration's ``style`` table are both checked against these (one place).  Outside them the
# formatter made empty cues (max_chars <= 0, max_lines = 0) or failed (max_cps = 0,
# max_duration = 1e308); the upper ends are far beyond any style guide's.
LIMITS: dict[str, Limit] = {
    "max_chars": Limit(int, 8, 200, "Characters per line."),
    "max_lines": Limit(int, 1, 10, "Lines per cue."),
    "max_cps": Limit(float, 1, 100, "Reading speed ceiling, characters per second."),
    "min_duration": Limit(float, 0, 10, "Shortest cue, seconds."),
    "max_duration": Limit(float, 0.5, 60, "Longest cue, seconds."),
    "min_gap": Limit(float, 0, 5, "Smallest gap between unchained cues, s."),
}


@dataclass(frozen=True)
class Style:
    """Hard limits and targets for cues.  Times are seconds."""

    name: str = "netflix"
    max_chars: int = 42  # characters per line (CJK use their own, see per_language)
    max_lines: int = 2
    max_cps: float = 20.0  # reading speed never above this
    target_cps: float = 17.0  # reading speed aimed for where the timing allows
    min_duration: float = 5 / 6
    max_duration: float = 7.0
    min_gap: float = 0.08  # 2 frames at 25 fps; gaps are either this or 0 (chained)
    # Gaps shorter than this are closed to ``min_gap`` (0: a cue ends with its speech; gaps are only
    # closed, or cues chained, when a cue needs the time for ``min_duration`` or ``target_cps``).
    chain_gap: float = 0.0
    linger: float = 0.0  # how long a cue stays after its last word when it does not need the time
    pause_split: float = 0.5  # a silence this long between words ends a cue
    # A cue starts with its first word: at most ``max_lead`` before it (2 frames at 25 fps, so that a
    # start may be rounded onto a frame or chained to the cue before) and never after it (``max_lag``
    # 0).  A cue still over ``max_cps`` takes the time it needs from the silence before it within
    # ``max_lead``, and from the cue after it only up to ``max_lag`` after that cue's first word.
    # Before #28 they were 0.5 s and 1.5 s: a fast speaker's cues appeared up to half a second
    # before anyone spoke, or ran up to 1.5 s behind (0.46 s early on en_mfa_acoustic_corpus).
    max_lag: float = 0.0
    max_lead: float = 0.08
    # Whether :meth:`for_language` may swap in a language's own line length and reading speeds
    # (CJK).  Cleared when the user sets ``max_chars`` and once the swap has been made.
    per_language: bool = True

    def with_overrides(self, **overrides: Any) -> Style:
        """A copy with the given (non-None) fields replaced.

        Fields of :data:`LIMITS` must be in their range (ValueError otherwise).  Setting
        ``max_chars`` pins the line length: :meth:`for_language` then keeps it.
        """
        given = {k: v for k, v in overrides.items() if v is not None}
        for name in sorted(given.keys() & LIMITS.keys()):
            problem = LIMITS[name].problem(given[name])
            if problem:
                raise ValueError(f"{name} {problem}")
        if "max_chars" in given and "per_language" not in given:
            given["per_language"] = False
        style = replace(self, **given)
        if style.min_duration > style.max_duration:
            raise ValueError(
                f"min_duration ({style.min_duration:g}) must not exceed max_duration ({style.max_duration:g})"
            )
        return style

    def for_language(self, language: str | None) -> Style:
        """This style adjusted to ``language`` (ISO 639-1, region subtags ignored).

        Chinese, Japanese and Korean get Netflix's own line lengths and reading speeds
        (:data:`LANGUAGE_LIMITS`); other languages, a style whose ``max_chars`` the user set, and
        an already adjusted style are returned unchanged.
        """
        lang = (language or "").split("-")[0].split("_")[0].lower()
        limits = LANGUAGE_LIMITS.get(lang)
        if not self.per_language or limits is None:
            return self
        max_chars, target_cps, max_cps = limits
        return replace(
            self,
            name=f"{self.name}-{lang}",
            max_chars=max_chars,
            target_cps=target_cps,
            max_cps=max_cps,
            per_language=False,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# Netflix per-language limits: (characters per line, reading speed aimed for, ceiling) in
# characters per second.  The ceilings are Netflix's SDH (adult) figures, the targets the adult ones.
LANGUAGE_LIMITS: dict[str, tuple[int, float, float]] = {
    "zh": (16, 9.0, 11.0),
    "ja": (13, 4.0, 7.0),
    "ko": (16, 12.0, 14.0),
}

PRESETS: dict[str, Style] = {
    # Netflix English (adult): 42 chars x 2 lines, 5/6 s .. 7 s, 2-frame gaps; 20 cps ceiling, 17 aimed for.
    "netflix": Style(),
    # Netflix English children: 17 cps ceiling.
    "netflix-children": Style(name="netflix-children", max_cps=17.0, target_cps=15.0),
    # BBC broadcast: 37 chars, 160-180 wpm (about 15-17 cps), run cues together or leave >= 1 s.
    "bbc": Style(name="bbc", max_chars=37, max_cps=17.0, target_cps=15.0, min_duration=1.2, min_gap=0.0, chain_gap=1.0),
    # DCMP: 32 chars, 2 lines, 2 s minimum, 150-160 wpm.
    "dcmp": Style(name="dcmp", max_chars=32, max_cps=15.0, target_cps=13.0, min_duration=2.0, max_duration=7.0),
    # CEA-608 (US television, -f scc): the 608 screen's 32 columns; 2 of its 4 rows, as DCMP's
    # guidelines keep captions (readability); DCMP's adult reading speed (150-160 wpm) and 2 s
    # minimum, which also gives every caption's codes the time to load while the one before is
    # shown (608 sends 2 characters a frame: 2 full rows take 1.4 s).  No per-language line
    # lengths: 608 has 32 columns whatever the language.
    "cea608": Style(
        name="cea608",
        max_chars=32,
        max_lines=2,
        max_cps=15.0,
        target_cps=13.0,
        min_duration=2.0,
        max_duration=7.0,
        per_language=False,
    ),
    # TED: 42 chars, 2 lines, 21 cps, 1 s .. 7 s.
    "ted": Style(name="ted", max_chars=42, max_cps=21.0, target_cps=17.0, min_duration=1.0, max_duration=7.0),
}


def get_style(name: str) -> Style:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown style {name!r} (choose from {', '.join(PRESETS)})") from None
