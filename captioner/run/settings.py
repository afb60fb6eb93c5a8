"""The settings of one run: everything that shapes its outputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from captioner.captions.review import ReviewThresholds
from captioner.core.style import Style
from captioner.media.urls import UrlLimits
from captioner.output.writers import DEFAULT_FORMATS
from captioner.refine.hallucination import FilterSettings
from captioner.transcription.base import TranscribeOptions
from captioner.video.burn import BurnOptions


@dataclass(frozen=True)
class Settings:
    """Everything that shapes one run's outputs."""

    formats: tuple[str, ...] = DEFAULT_FORMATS
    output_dir: Path | None = None
    overwrite: bool = False
    style: Style = field(default_factory=Style)
    options: TranscribeOptions = field(default_factory=TranscribeOptions)
    audio_stream: int = 0
    highlight_words: bool = False
    attach: str | None = None  # "mux" or "burn": put the captions into the video too
    in_place: bool = False  # ... replacing the original video
    burn_options: BurnOptions = field(default_factory=BurnOptions)  # how --burn draws the captions
    filters: FilterSettings | None = field(default_factory=FilterSettings)  # None: keep every word
    retime: bool = True  # move Whisper's early word times onto the speech
    review: ReviewThresholds | None = None  # write <stem>.review.txt listing doubtful cues
    speakers: str = "mix"  # "channels": each channel (group of channels with one sound) transcribed on its own
    url_limits: UrlLimits = field(default_factory=UrlLimits)  # how media at a URL is read
    speaker_names: tuple[str, ...] = ()  # the speakers' names in channel order (default Speaker 1, 2, ...)
    keep_lines: bool = False  # an aligned script's lines (a caption script's cues) start cues
    notes: tuple[str, ...] = ()  # said once when the run starts (-v): how an option was taken
