"""Burnt-in captions: render a caption file into the picture with libass (ffmpeg's ``subtitles`` filter).

The first video stream is re-encoded with H.264 at a constant quality (``crf``); audio, other
subtitle tracks, chapters and metadata are copied. Sizes are given relative to the frame
(``PlayResX``/``PlayResY`` are set to the frame size, so one ASS unit is one pixel and the
text has the same proportions at 360p and at 2160p).

Fonts: libass finds fonts through fontconfig. A machine without any font (a bare container)
makes ffmpeg succeed while drawing *no text at all*, so this module brings its own: the
``fontpkg-noto-sans`` wheel (Noto Sans, OFL) is handed to libass with the filter's ``fontsdir``
option, which works without fontconfig; system fonts still serve as fallbacks for other
scripts. ffmpeg's log is checked for glyphs libass could not find, so missing text is an error,
never a silently captionless video.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from captioner.errors import MediaError, OutputError
from captioner.media.ffmpeg import ffmpeg_command, ffmpeg_path
from captioner.media.probe import probe
from captioner.output.ass import DEFAULT_FONT, Look, style_fields
from captioner.video.copy_check import check_copy
from captioner.video.mux import require_cues, require_video
from captioner.video.safe_write import write_atomically

BURN_CAPTION_SUFFIXES = (".srt", ".vtt", ".ass", ".ssa")

_FONT_EXTENSIONS = (".ttf", ".otf", ".ttc", ".otc")
_SYSTEM_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/System/Library/Fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)


@dataclass(frozen=True)
class BurnOptions(Look):
    """How burnt-in captions look (:class:`captioner.output.ass.Look`, which ``-f ass`` writes too)
    and how the video is re-encoded."""

    fonts_dir: Path | None = None  # extra folder of font files for libass
    crf: int = 20  # H.264 quality: 18 visually lossless .. 28 small
    preset: str = "medium"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.crf <= 51:
            raise ValueError("crf must be between 0 and 51")


def bundled_fonts_dir() -> Path | None:
    """The folder of the Noto Sans wheel's font files, None when it is not installed."""
    try:
        import fontpkg_noto_sans
    except ImportError:
        return None
    folder = Path(fontpkg_noto_sans.ROOT) / "files"
    return folder if folder.is_dir() else None


def system_has_fonts() -> bool:
    """Whether any usual font folder holds a font file (what fontconfig would find)."""
    for folder in _SYSTEM_FONT_DIRS:
        root = Path(os.path.expanduser(folder))
        if not root.is_dir():
            continue
        for _, _, files in os.walk(root):
            if any(f.lower().endswith(_FONT_EXTENSIONS) for f in files):
                return True
    return False


def escape_filter_value(value: str) -> str:
    """Escape an option value for a filter in a filtergraph (both of ffmpeg's escaping levels).

    Level 1, the option value: ``\\``, ``'`` and ``:``. Level 2, the filter in the graph:
    ``\\``, ``'``, ``[``, ``]``, ``,`` and ``;``. No shell is involved (arguments are a list).
    """
    level1 = re.sub(r"([\\':])", r"\\\1", value)
    return re.sub(r"([\\'\[\],;])", r"\\\1", level1)


def force_style(options: BurnOptions, width: int, height: int, font: str) -> str:
    """The libass style override for a frame of ``width`` x ``height`` pixels."""
    return ",".join(f"{key}={value}" for key, value in style_fields(options, width, height, font).items())


def subtitles_filter(captions: Path, options: BurnOptions, width: int, height: int) -> str:
    """The ``subtitles=`` filter (escaped for a filtergraph) that draws ``captions``."""
    fonts_dir = options.fonts_dir or bundled_fonts_dir()
    font = options.font or (DEFAULT_FONT if bundled_fonts_dir() else "sans-serif")
    if fonts_dir is None and not system_has_fonts():
        raise MediaError(
            "no font to draw captions with: install the fontpkg-noto-sans package "
            "(pip) or a system font (Debian: apt-get install fonts-dejavu-core)"
        )
    args = [("filename", ffmpeg_path(captions)), ("original_size", f"{width}x{height}")]
    if fonts_dir is not None:
        args.append(("fontsdir", str(fonts_dir)))
    if captions.suffix.lower() not in (".ass", ".ssa"):
        args.append(("force_style", force_style(options, width, height, font)))
    return "subtitles=" + ":".join(f"{key}={escape_filter_value(value)}" for key, value in args)


def burn(
    video: Path, captions: Path, output: Path, options: BurnOptions | None = None, *, in_place: bool = False
) -> Path:
    """Write ``output`` with ``captions`` drawn into the first video stream; everything else copied.

    ``in_place=True`` replaces ``video`` once the new file is written and checked. Returns the path written.
    """
    options = options or BurnOptions()
    video, captions = Path(video), Path(captions)
    output = video if in_place else Path(output)
    if output.resolve() == video.resolve() and not in_place:
        raise OutputError("the output would overwrite the input: pass in_place=True to replace it")
    if captions.suffix.lower() not in BURN_CAPTION_SUFFIXES:
        raise MediaError(f"cannot burn a {captions.suffix or 'suffix-less'} caption file: use .srt, .vtt or .ass")
    if not captions.is_file():
        raise MediaError(f"caption file not found: {captions}")
    require_cues(captions)
    info = probe(video)
    require_video(info)
    picture = info.video_streams[0]
    if not picture.width or not picture.height:
        raise MediaError("the video stream has no frame size")
    vf = subtitles_filter(captions, options, picture.width, picture.height)
    log: list[str] = []

    def command(tmp: Path) -> list[str]:
        return [
            *ffmpeg_command(verbosity="warning"), "-y", "-i", ffmpeg_path(video),
            "-map", "0", "-c", "copy", "-map_metadata", "0", "-map_chapters", "0",
            "-filter:v:0", vf, "-c:v:0", "libx264", "-crf", str(options.crf), "-preset", options.preset,
            ffmpeg_path(tmp),
        ]  # fmt: skip

    def check(tmp: Path) -> None:
        missing = _missing_glyphs(log[-1] if log else "")
        if missing:
            raise MediaError(missing)
        check_copy(info, tmp, extra_streams=0)

    write_atomically(
        command, output, check, what="burn in the captions", mode_from=video if in_place else None, log=log
    )
    return output


def _missing_glyphs(stderr: str) -> str | None:
    """A one-line complaint when libass found no font at all, or none for some letters or digits.

    Missing symbols (a music note, an emoji) are let through: one absent glyph should not stop a
    burn, while captions whose letters would not be drawn are useless.
    """
    found = {int(code, 16) for code in re.findall(r"failed to find any fallback with glyph 0x([0-9A-Fa-f]+)", stderr)}
    if 0 in found:
        return "no font found to draw the captions (install fontpkg-noto-sans or fonts-dejavu-core)"
    letters = sorted(code for code in found if unicodedata.category(chr(code))[0] in "LN")
    if not letters:
        return None
    shown = ", ".join(f"U+{code:04X}" for code in letters[:8]) + (", ..." if len(letters) > 8 else "")
    return f"the font has no glyphs for some characters ({shown}): install a font that covers them"
