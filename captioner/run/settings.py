"""The settings of one run: everything that shapes its outputs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from captioner.captions.review import ReviewThresholds
from captioner.core.style import Style
from captioner.media.urls import UrlLimits
from captioner.output.writers import DEFAULT_FORMATS
from captioner.refine.hallucination import FilterSettings
from captioner.run.recipe import Recipe
from captioner.transcription.base import TranscribeOptions
from captioner.video.burn import BurnOptions


@dataclass(frozen=True)
class Settings:
    """Everything that shapes one run's outputs: the ``recipe`` of its transcripts, and what is made
    of them."""

    formats: tuple[str, ...] = DEFAULT_FORMATS
    output_dir: Path | None = None
    overwrite: bool = False
    style: Style = field(default_factory=Style)
    recipe: Recipe = field(default_factory=Recipe)  # the backend, decoding, audio stream, speakers
    highlight_words: bool = False
    attach: str | None = None  # "mux" or "burn": put the captions into the video too
    in_place: bool = False  # ... replacing the original video
    burn_options: BurnOptions = field(default_factory=BurnOptions)  # how --burn draws the captions
    filters: FilterSettings | None = field(default_factory=FilterSettings)  # None: keep every word
    retime: bool = True  # move Whisper's early word times onto the speech
    review: ReviewThresholds | None = None  # write <stem>.review.txt listing doubtful cues
    url_limits: UrlLimits = field(default_factory=UrlLimits)  # how media at a URL is read
    speaker_names: tuple[str, ...] = ()  # in channel order, or by first appearance (default Speaker 1, 2, ...)
    keep_lines: bool = False  # an aligned script's lines (a caption script's cues) start cues
    notes: tuple[str, ...] = ()  # said once when the run starts (-v): how an option was taken

    @property
    def options(self) -> TranscribeOptions:
        """The decoding options, cut to what the recipe's backend takes."""
        return self.recipe.options

    @property
    def audio_stream(self) -> int:
        return self.recipe.audio_stream

    @property
    def speakers(self) -> str:
        """ "channels": each channel (group of channels with one sound) transcribed on its own;
        "voices": speakers told apart by voice; "auto": channels when they differ, else voices."""
        return self.recipe.speakers

    def on(self, recipe: Recipe) -> Settings:
        """These settings with another recipe (the run's, bound to its backend)."""
        return self if recipe == self.recipe else replace(self, recipe=recipe)
