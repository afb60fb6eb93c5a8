"""captioner: readable captions for video and audio with Whisper.

The public API (see :mod:`captioner.api`): :func:`caption` a media file in one call, or
:func:`transcribe`, :func:`make_cues` and :func:`write` stage by stage.  Names are imported on
first use, so ``import captioner`` (and the command line's start) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from captioner.version import __version__

_HOMES = {
    "FORMATS": "captioner.api",
    "PRESETS": "captioner.api",
    "CaptionResult": "captioner.api",
    "caption": "captioner.api",
    "caption_all": "captioner.api",
    "make_cues": "captioner.api",
    "render": "captioner.api",
    "transcribe": "captioner.api",
    "write": "captioner.api",
    "Cue": "captioner.core.cues",
    "Style": "captioner.core.style",
    "Segment": "captioner.core.transcript",
    "Transcript": "captioner.core.transcript",
    "Word": "captioner.core.transcript",
    "CaptionerError": "captioner.errors",
}

__all__ = [
    "FORMATS",
    "PRESETS",
    "CaptionResult",
    "CaptionerError",
    "Cue",
    "Segment",
    "Style",
    "Transcript",
    "Word",
    "__version__",
    "caption",
    "caption_all",
    "make_cues",
    "render",
    "transcribe",
    "write",
]

if TYPE_CHECKING:
    from captioner.api import (
        FORMATS,
        PRESETS,
        CaptionResult,
        caption,
        caption_all,
        make_cues,
        render,
        transcribe,
        write,
    )
    from captioner.core.cues import Cue
    from captioner.core.style import Style
    from captioner.core.transcript import Segment, Transcript, Word
    from captioner.errors import CaptionerError


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'captioner' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
