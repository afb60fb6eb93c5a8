"""Captions back into the video: the step behind ``--mux``, ``--burn`` and ``captioner mux``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from captioner.errors import MediaError
from captioner.media.probe import probe
from captioner.video.burn import BurnOptions, burn
from captioner.video.mux import (
    TTML_CONTAINERS,
    SubtitleTrack,
    default_output,
    has_cues,
    iso639_2,
    language_from_filename,
    mux,
)
from captioner.video.safe_write import remove_stale_parts

# The formats --mux and --burn can put into a video, in the order they are preferred (the plain
# ones first: every player shows a mov_text or SubRip track; MP4 players showing TTML are few).
ATTACHABLE = {"mux": ("srt", "vtt", "ass", "ttml"), "burn": ("srt", "vtt", "ass")}


def pick_caption_file(captions: Mapping[str, Path], video: Path, burn_in: bool = False) -> Path:
    """The caption file to put into ``video``: WebVTT for WebM, else SubRip, else WebVTT, else ASS
    (or TTML, muxed into an MP4 or MOV, which can hold it)."""
    order = ATTACHABLE["burn" if burn_in else "mux"]
    if video.suffix.lower() == ".webm":
        order = ("vtt", "srt", "ass")
    for fmt in order:
        if fmt in captions and (burn_in or fmt != "ttml" or video.suffix.lower() in TTML_CONTAINERS):
            return captions[fmt]
    usable = ", ".join(f for f in order if f != "ttml" or video.suffix.lower() in TTML_CONTAINERS)
    raise MediaError(f"--{'burn' if burn_in else 'mux'} needs one of {usable} among the formats (-f) for this video")


def caption_video(
    video: Path,
    captions: Mapping[str, Path],
    language: str | None,
    *,
    burn_in: bool,
    in_place: bool = False,
    output_dir: Path | None = None,
    overwrite: bool = False,
    burn_options: BurnOptions | None = None,
) -> tuple[Path | None, bool]:
    """Mux (or burn) the captions just written into ``video``: the output, and whether it was written.

    The new video goes beside the captions (``talk.captioned.mp4`` / ``talk.burned.mp4``), or
    replaces ``video`` with ``in_place``. An existing output is kept unless ``overwrite``. Captions
    without any cue (no speech) are not put into the video: nothing is written (None).
    """
    caption_file = pick_caption_file(captions, video, burn_in)
    output = video_output(video, burn_in=burn_in, output_dir=output_dir)
    remove_stale_parts(video if in_place else output)  # whatever happens next, a killed run's part goes
    if not has_cues(caption_file):
        return None, False  # no speech: nothing to put into the video, which is left alone
    if not in_place and output.exists() and not overwrite:
        return output, False
    if burn_in:
        return burn(video, caption_file, output, burn_options or BurnOptions(), in_place=in_place), True
    try:
        iso639_2(language)
    except ValueError:
        language = None  # an unusual tag must not cost the whole mux: "und"
    track = SubtitleTrack(caption_file, language, title=_title(language))
    return mux(video, [track], output, in_place=in_place), True


def video_output(video: Path, *, burn_in: bool, output_dir: Path | None = None) -> Path:
    """Where :func:`caption_video` writes the new video (without ``in_place``)."""
    output = default_output(video, burn=burn_in)
    return output if output_dir is None else output_dir / output.name


def clear_killed_writes(video: Path, *, burn_in: bool, in_place: bool, output_dir: Path | None = None) -> None:
    """Remove the hidden part files that runs killed while writing this video's output left
    (:func:`captioner.video.safe_write.remove_stale_parts`): for a file that is skipped, which
    never gets to write them again."""
    remove_stale_parts(video if in_place else video_output(video, burn_in=burn_in, output_dir=output_dir))


def has_caption_track(video: Path) -> bool:
    """Whether ``video`` holds a subtitle track titled as captioner titles its tracks (``Captions``,
    ``Captions (de)``): one that ``--mux --in-place`` or ``captioner mux`` put there."""
    return any(_OUR_TITLE.fullmatch(s.title or "") for s in probe(video).subtitle_streams)


def tracks_for(captions: Sequence[Path], language: str | None) -> list[SubtitleTrack]:
    """Tracks for existing caption files: ``language`` if given, else the file name's (``talk.de.srt``)."""
    tracks = []
    for path in captions:
        lang = language or language_from_filename(path)
        tracks.append(SubtitleTrack(Path(path), lang, title=_title(lang)))
    return tracks


_OUR_TITLE = re.compile(r"Captions( \(.+\))?")


def _title(language: str | None) -> str:
    return f"Captions ({language})" if language else "Captions"
