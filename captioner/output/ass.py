"""ASS (Advanced SubStation Alpha): captions in the look ``--burn`` draws.

The look (:class:`Look`) and its libass style fields (:func:`style_fields`) live here, below both
users: ``captioner.video.burn`` passes the fields to libass as ``force_style`` when it draws an
.srt/.vtt, and :func:`render_ass` writes them as the file's ``Default`` style, so an .ass file
played or burnt anywhere looks like ``--burn``'s output.  Sizes are relative to the frame
(``PlayResX``/``PlayResY`` are the picture's size, 1920x1080 without one).

The file is composed by pysubs2 (maintained, pure Python, no dependencies): it writes the
sections, the style line and the centisecond timestamps (rounded as Aegisub rounds them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pysubs2

from captioner.core.cues import Cue
from captioner.output.text import shown

DEFAULT_FONT = "Noto Sans"
DEFAULT_FRAME = (1920, 1080)
_COLOUR = re.compile(r"#?([0-9a-fA-F]{6})")


@dataclass(frozen=True)
class Look:
    """How captions look. Sizes are fractions of the frame height (side margins: of its width)."""

    font: str | None = None  # None: Noto Sans (bundled for --burn)
    font_size: float = 0.065  # 6.5% of the frame height (70 px at 1080p, 23 px at 360p)
    colour: str = "#FFFFFF"
    outline_colour: str = "#000000"
    outline: float = 0.004  # outline width (ignored with box=True)
    box: bool = False  # a translucent box behind the text instead of an outline
    box_colour: str = "#000000"
    box_opacity: float = 0.6
    margin: float = 0.06  # bottom margin (title-safe area is 5%)
    side_margin: float = 0.08  # left and right margins, fraction of the frame width

    def __post_init__(self) -> None:
        for name in ("colour", "outline_colour", "box_colour"):
            if not _COLOUR.fullmatch(getattr(self, name)):
                raise ValueError(f"{name} must be a colour like #FFFFFF, not {getattr(self, name)!r}")
        if not 0 < self.font_size < 0.5:
            raise ValueError("font_size is a fraction of the frame height, between 0 and 0.5")
        if not 0 <= self.box_opacity <= 1:
            raise ValueError("box_opacity must be between 0 and 1")


def ass_colour(colour: str, opacity: float = 1.0) -> str:
    """``#RRGGBB`` as ASS ``&HAABBGGRR`` (AA is transparency: 00 opaque, FF invisible)."""
    m = _COLOUR.fullmatch(colour)
    if not m:
        raise ValueError(f"not a colour: {colour!r}")
    rgb = m[1].upper()
    alpha = round((1 - opacity) * 255)
    return f"&H{alpha:02X}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}"


def style_fields(look: Look, width: int, height: int, font: str) -> dict[str, Any]:
    """The libass style of ``look`` on a ``width`` x ``height`` frame (ASS field name -> value)."""
    size = max(8, round(look.font_size * height))
    fields: dict[str, Any] = {
        "PlayResX": width,
        "PlayResY": height,
        "FontName": font,
        "FontSize": size,
        "PrimaryColour": ass_colour(look.colour),
        "Bold": 0,
        "Alignment": 2,  # bottom centre
        "MarginL": round(look.side_margin * width),
        "MarginR": round(look.side_margin * width),
        "MarginV": round(look.margin * height),
        "Shadow": 0,
        "WrapStyle": 0,  # smart wrapping, top line wider (only a line wider than the frame wraps)
    }
    if look.box:
        # BorderStyle 3: an opaque box, drawn in OutlineColour, padded by Outline pixels.
        fields |= {
            "BorderStyle": 3,
            "OutlineColour": ass_colour(look.box_colour, look.box_opacity),
            "BackColour": ass_colour(look.box_colour, look.box_opacity),
            "Outline": max(1, round(size * 0.2)),
        }
    else:
        fields |= {
            "BorderStyle": 1,
            "OutlineColour": ass_colour(look.outline_colour),
            "Outline": max(1.0, round(look.outline * height, 1)),
        }
    return fields


def _pysubs2_colour(value: str) -> pysubs2.Color:
    """``&HAABBGGRR`` as pysubs2's colour (whose ``a`` is also transparency)."""
    digits = value[2:]
    a, b, g, r = (int(digits[k : k + 2], 16) for k in range(0, 8, 2))
    return pysubs2.Color(r, g, b, a)


def ass_text(line: str) -> str:
    """A caption line as ASS event text: ``{`` would open an override block and ``\\`` start a
    tag (``\\N``), so braces become parentheses and a backslash a reverse solidus operator
    (U+29F5, the same glyph)."""
    return line.replace("{", "(").replace("}", ")").replace("\\", "\u29f5")


def actor(voices: tuple[str, ...]) -> str:
    """The event's Name (actor) field: the cue's speakers, in order (a comma would end the field)."""
    names = list(dict.fromkeys(voices))
    return " & ".join(names).replace(",", " ")


def render_ass(cues: Sequence[Cue], look: Look | None = None, frame: tuple[int, int] | None = None) -> str:
    look = look or Look()
    width, height = frame or DEFAULT_FRAME
    fields = style_fields(look, width, height, look.font or DEFAULT_FONT)
    subs = pysubs2.SSAFile()
    subs.info.update(
        {
            "Title": "captioner",
            "PlayResX": str(width),
            "PlayResY": str(height),
            "WrapStyle": str(fields["WrapStyle"]),
            "ScaledBorderAndShadow": "yes",
        }
    )
    subs.styles = {
        "Default": pysubs2.SSAStyle(
            fontname=fields["FontName"],
            fontsize=float(fields["FontSize"]),
            primarycolor=_pysubs2_colour(fields["PrimaryColour"]),
            secondarycolor=_pysubs2_colour(fields["PrimaryColour"]),
            outlinecolor=_pysubs2_colour(fields["OutlineColour"]),
            backcolor=_pysubs2_colour(fields.get("BackColour", "&H00000000")),
            bold=bool(fields["Bold"]),
            borderstyle=fields["BorderStyle"],
            outline=float(fields["Outline"]),
            shadow=float(fields["Shadow"]),
            alignment=pysubs2.Alignment(fields["Alignment"]),
            marginl=fields["MarginL"],
            marginr=fields["MarginR"],
            marginv=fields["MarginV"],
        )
    }
    for cue, lines in shown(list(cues)):
        start = round(max(0.0, cue.start) * 1000)
        end = max(start + 10, round(max(0.0, cue.end) * 1000))  # ASS counts centiseconds: never 0 long
        text = r"\N".join(ass_text(ln) for ln in lines)
        subs.append(pysubs2.SSAEvent(start=start, end=end, text=text, name=actor(cue.voices)))
    return subs.to_string("ass")
