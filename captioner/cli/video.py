"""``captioner mux`` and ``captioner burn``: existing captions into a video."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from captioner.cli.options import LocalPath, burn_look_options, burn_options_from
from captioner.cli.policy import configure_logging, require_ffmpeg, run_to_the_end


@click.command(name="mux")
@click.argument("video", type=LocalPath(exists=True, dir_okay=False, path_type=Path))
@click.argument("captions", nargs=-1, required=True, type=LocalPath(exists=True, dir_okay=False, path_type=Path))
@click.option("-l", "--language", help="Language of every caption file.  [default: from names like talk.de.srt]")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="[default: VIDEO.captioned.EXT]")
@click.option("--in-place", is_flag=True, help="Replace VIDEO itself (only once the new file is checked).")
@click.option("--debug", is_flag=True, help="Tracebacks and library logs.")
def mux_command(
    video: Path, captions: tuple[Path, ...], language: str | None, output: Path | None, in_place: bool, debug: bool
) -> None:
    """Add existing caption files (.srt, .vtt, .ass, .ttml) to VIDEO as subtitle tracks, without transcribing.

    Every stream of VIDEO is copied as it is.  MP4/MOV get mov_text tracks (a .ttml file goes
    into MP4 as it is, an stpp track), MKV SubRip, WebVTT or ASS ones, WebM WebVTT ones.
    """
    from captioner.video.attach import tracks_for
    from captioner.video.mux import default_output, mux

    configure_logging(debug)
    if in_place and output is not None:
        raise click.UsageError("choose one of --output and --in-place")
    require_ffmpeg()
    try:
        tracks = tracks_for(captions, language.lower() if language else None)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    _write_video(
        video, debug, lambda: mux(video, tracks, output or default_output(video, burn=False), in_place=in_place)
    )


def _write_video(video: Path, debug: bool, write: Callable[[], Path]) -> None:
    """Run a mux or burn of ``video`` with the CLI's error handling, and say what was written."""
    with run_to_the_end(debug, about=str(video)):
        written = write()
    click.echo(f"{video}: wrote {written}", err=True)


@click.command(name="burn")
@click.argument("video", type=LocalPath(exists=True, dir_okay=False, path_type=Path))
@click.argument("captions", type=LocalPath(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="[default: VIDEO.burned.EXT]")
@click.option("--in-place", is_flag=True, help="Replace VIDEO itself (only once the new file is checked).")
@burn_look_options
@click.option("--debug", is_flag=True, help="Tracebacks and library logs.")
def burn_command(video: Path, captions: Path, output: Path | None, in_place: bool, debug: bool, **look: Any) -> None:
    """Draw an existing .srt/.vtt/.ass file into VIDEO's picture, without transcribing.

    The video is re-encoded as H.264 (--crf); audio and other streams are copied.
    """
    from captioner.video.burn import burn
    from captioner.video.mux import default_output

    configure_logging(debug)
    if in_place and output is not None:
        raise click.UsageError("choose one of --output and --in-place")
    options = burn_options_from(look)
    require_ffmpeg()
    _write_video(
        video,
        debug,
        lambda: burn(video, captions, output or default_output(video, burn=True), options, in_place=in_place),
    )
