"""``captioner resync CAPTIONS MEDIA``: old captions timed again to their media."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from captioner.cli.options import parse_language_option
from captioner.cli.policy import configure_logging, require_ffmpeg, run_to_the_end
from captioner.errors import CaptionerError

if TYPE_CHECKING:
    from captioner.resync.judge import Found
    from captioner.resync.sampling import Listened


@click.command(name="resync")
@click.argument("captions", type=click.Path(path_type=Path))
@click.argument("media", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the retimed captions here."
)
@click.option("--in-place", is_flag=True, help="Replace CAPTIONS itself with the retimed captions.")
@click.option("-l", "--language", callback=parse_language_option, help="The media's language (default: detected).")
@click.option("--debug", is_flag=True, help="Tracebacks and debug logging.")
def resync_command(
    captions: Path, media: Path, output: Path | None, in_place: bool, language: str | None, debug: bool
) -> None:
    """Time CAPTIONS again to the speech of MEDIA: a global offset, a frame-rate ratio (23.976, 24,
    25, 29.97, 30 fps) and splits where material was cut or inserted, found by matching the cues'
    words to the words Whisper hears.  Every cue's text and order are kept; the file is written in
    its own format (.srt .vtt .ass .ssa .sbv .ttml .scc) to -o OUT, or over CAPTIONS with --in-place; without
    either, what was found is only printed.  A fit that cannot be trusted is refused (exit 1),
    nothing written."""
    configure_logging(debug)
    target = _target(captions, output, in_place)
    with run_to_the_end(debug, interrupted="nothing was written"):
        from captioner.resync.files import read_captions, write_captions
        from captioner.resync.judge import describe

        read = read_captions(captions)
        if not media.is_file():
            raise CaptionerError("no such media file", str(media))
        require_ffmpeg()
        found = _find(read.cues, media, language)
        for line in describe(found):
            click.echo(line)
        if target is None:
            click.echo("captioner resync: nothing written (give -o OUT or --in-place)", err=True)
            return
        write_captions(target, read.retimed(found.fit.at))
        click.echo(f"captioner resync: wrote {target}", err=True)


def _find(cues: list[tuple[float, float, str]], media: Path, language: str | None) -> Found:
    from captioner.resync.files import ResyncError
    from captioner.resync.judge import find

    spoken = None if language in (None, "auto") else language
    try:
        heard = _heard(cues, media, spoken)
        try:
            return find(cues, heard.words, heard.spans)
        except ResyncError:
            if heard.spans is None:
                raise
        # the stretches heard gave no fit to trust: the whole media, as for a short file (slower, never worse)
        heard = _heard(cues, media, spoken, whole=True)
        return find(cues, heard.words, heard.spans)
    except CaptionerError as exc:
        raise exc.with_path(str(media)) from None


def _heard(cues: list[tuple[float, float, str]], media: Path, language: str | None, whole: bool = False) -> Listened:
    """The words heard in ``media``: the whole file transcribed (and cached) when it is short, else
    the stretches :func:`captioner.resync.sampling.listen` asks for (an hour in well under a minute)."""
    from captioner.api import transcribe
    from captioner.media.audio import SAMPLE_RATE, extract_audio
    from captioner.media.probe import probe
    from captioner.resync.anchors import Heard
    from captioner.resync.sampling import WHOLE_BELOW, Listened, listen

    info = probe(media)
    if whole or info.duration is None or info.duration <= WHOLE_BELOW:
        transcript = transcribe(media, language=language)
        return Listened([Heard(w.word, w.start, w.end) for w in transcript.words or []], None)
    audio = extract_audio(info)
    spoken = [language]

    def hear(start: float, end: float) -> list[Heard]:
        piece = audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
        transcript = transcribe(piece, language=spoken[0])
        if spoken[0] is None and transcript.words:
            spoken[0] = transcript.language  # detected once, on the first stretch with speech
        return [Heard(w.word, w.start + start, w.end + start) for w in transcript.words or []]

    return listen(cues, len(audio) / SAMPLE_RATE, hear)


def _target(captions: Path, output: Path | None, in_place: bool) -> Path | None:
    """Where to write: -o OUT (never CAPTIONS itself unless --in-place), CAPTIONS with --in-place,
    else nowhere; OUT keeps CAPTIONS' format."""
    if in_place and output is not None and output.resolve() != captions.resolve():
        raise click.UsageError("give either -o OUT or --in-place, not both")
    if in_place:
        return captions
    if output is None:
        return None
    if output.resolve() == captions.resolve():
        raise click.UsageError(f"{output} is CAPTIONS itself: add --in-place to replace it")
    if output.suffix.lower() != captions.suffix.lower():
        raise click.UsageError(f"{output}: resync writes CAPTIONS' own format ({captions.suffix or 'none'})")
    return output
