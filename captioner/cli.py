"""The command line: ``captioner PATH...`` and its subcommands."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from captioner import __version__
from captioner.backends import Backend, TranscribeOptions
from captioner.errors import CaptionerError
from captioner.hallucination import FilterSettings
from captioner.pipeline import LazyBackend, Settings, plan, run
from captioner.progress import ConsoleReporter, error_line
from captioner.review import ReviewThresholds
from captioner.style import PRESETS, get_style
from captioner.writers import DEFAULT_FORMATS, FORMATS

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

EXAMPLES = """\b
Examples:
  captioner talk.mp4                      talk.srt and talk.vtt beside the video
  captioner lectures/ -o captions/        every media file under lectures/, recursively
  captioner talk.mp4 -f srt,vtt,json      also the Whisper verbose JSON (words, scores)
  captioner interview.m4a -l de           skip language detection
  captioner talk.mp4 --style bbc          BBC line length and reading speed
  captioner talk.mp4 --model small        a larger model from the local cache
  captioner talk.mp4 --mux                also talk.captioned.mp4 with a subtitle track
  captioner talk.mp4 --burn               also talk.burned.mp4 with the captions in the picture
  captioner mux talk.mp4 talk.de.srt      add existing caption files as subtitle tracks
"""


class CaptionerGroup(click.Group):
    """``captioner PATH...`` runs the main job; ``captioner COMMAND ...`` runs a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--version",)):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _formats(ctx: click.Context, param: click.Parameter, value: Sequence[str]) -> tuple[str, ...]:
    if not value:
        return DEFAULT_FORMATS
    chosen: list[str] = []
    for item in value:
        for fmt in item.split(","):
            fmt = fmt.strip().lower()
            if fmt not in FORMATS:
                raise click.BadParameter(f"{fmt!r} is not one of {', '.join(FORMATS)}")
            if fmt not in chosen:
                chosen.append(fmt)
    return tuple(chosen)


@click.group(cls=CaptionerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="captioner")
def main() -> None:
    """captioner: readable captions for video and audio."""


@main.command(name="run", epilog=EXAMPLES)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    callback=_formats,
    help="Output formats, comma-separated or repeated: srt, vtt, json, txt.  [default: srt,vtt]",
)
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), help="Write captions here.")
@click.option("-l", "--language", help="Spoken language (ISO 639-1, e.g. en).  [default: detect]")
@click.option("--task", type=click.Choice(["transcribe", "translate"]), default="transcribe", show_default=True)
@click.option("-m", "--model", default="base", show_default=True, help="Whisper size, or a model directory.")
@click.option("--backend", type=click.Choice(["local", "aixplain"]), default="local", show_default=True)
@click.option("--audio-stream", type=click.IntRange(min=0), default=0, show_default=True, help="Audio stream, 0-based.")
@click.option("--threads", type=click.IntRange(min=1), help="CPU threads for the local engine.  [default: all cores]")
@click.option("--beam-size", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--style", type=click.Choice(sorted(PRESETS)), default="netflix", show_default=True)
@click.option("--max-chars", type=click.IntRange(min=8), help="Characters per line.")
@click.option("--max-lines", type=click.IntRange(min=1), help="Lines per cue.")
@click.option("--max-cps", type=click.FloatRange(min=1), help="Reading speed ceiling, characters per second.")
@click.option("--min-duration", type=click.FloatRange(min=0), help="Shortest cue, seconds.")
@click.option("--max-duration", type=click.FloatRange(min=0.5), help="Longest cue, seconds.")
@click.option("--min-gap", type=click.FloatRange(min=0), help="Smallest gap between unchained cues, s.")
@click.option("--highlight-words", is_flag=True, help="Word timing tags in the VTT (karaoke style).")
@click.option("--overwrite", is_flag=True, help="Replace existing caption files.  [default: skip them]")
@click.option("--mux", is_flag=True, help="Also write VIDEO.captioned.EXT with the captions as a subtitle track.")
@click.option("--burn", is_flag=True, help="Also write VIDEO.burned.EXT with the captions drawn into the picture.")
@click.option("--in-place", is_flag=True, help="With --mux or --burn: replace the original video instead.")
@click.option("--vad", is_flag=True, help="Decode only what the voice activity detector calls speech (faster).")
@click.option("--keep-all", is_flag=True, help="Keep every decoded word (no hallucination filters).")
@click.option("--review", is_flag=True, help="Also write STEM.review.txt listing doubtful cues (a warning).")
@click.option(
    "--min-word-prob", type=click.FloatRange(0, 1), default=ReviewThresholds.word_probability, show_default=True
)
@click.option("--min-logprob", type=float, default=ReviewThresholds.avg_logprob, show_default=True)
@click.option(
    "--max-no-speech", type=click.FloatRange(0, 1), default=ReviewThresholds.no_speech_prob, show_default=True
)
@click.option("-q", "--quiet", is_flag=True, help="Errors only; no progress bars.")
@click.option("--debug", is_flag=True, help="Tracebacks and library logs.")
def run_command(
    paths: tuple[Path, ...],
    formats: tuple[str, ...],
    output_dir: Path | None,
    language: str | None,
    task: str,
    model: str,
    backend: str,
    audio_stream: int,
    threads: int | None,
    beam_size: int,
    style: str,
    max_chars: int | None,
    max_lines: int | None,
    max_cps: float | None,
    min_duration: float | None,
    max_duration: float | None,
    min_gap: float | None,
    highlight_words: bool,
    overwrite: bool,
    mux: bool,
    burn: bool,
    in_place: bool,
    vad: bool,
    keep_all: bool,
    review: bool,
    min_word_prob: float,
    min_logprob: float,
    max_no_speech: float,
    quiet: bool,
    debug: bool,
) -> None:
    """Write captions (.srt and .vtt by default) beside each video or audio file.

    PATHS are media files (mp4, mkv, mov, webm, m4a, mp3, flac, ogg, wav, ...) or folders,
    searched recursively.  Existing caption files are kept unless --overwrite is given.
    Exit status: 0 when every file succeeded, 1 when any failed, 2 for usage errors.
    """
    _configure_logging(debug)
    if backend == "aixplain":
        raise click.UsageError("the aixplain backend is not available yet; use --backend local")
    if mux and burn:
        raise click.UsageError("choose one of --mux and --burn")
    if in_place and not (mux or burn):
        raise click.UsageError("--in-place goes with --mux or --burn")
    if (mux or burn) and not {"srt", "vtt"} & set(formats):
        raise click.UsageError("--mux and --burn need srt or vtt among the formats (-f)")
    chosen_style = get_style(style).with_overrides(
        max_chars=max_chars,
        max_lines=max_lines,
        max_cps=max_cps,
        min_duration=min_duration,
        max_duration=max_duration,
        min_gap=min_gap,
    )
    settings = Settings(
        formats=formats,
        output_dir=output_dir,
        overwrite=overwrite,
        style=chosen_style,
        options=TranscribeOptions(
            language=language.lower() if language else None, task=task, beam_size=beam_size, vad=vad
        ),
        audio_stream=audio_stream,
        highlight_words=highlight_words,
        attach="mux" if mux else "burn" if burn else None,
        in_place=in_place,
        filters=None if keep_all else FilterSettings(),
        review=ReviewThresholds(min_word_prob, min_logprob, max_no_speech) if review else None,
    )

    def make_backend() -> Backend:
        from captioner.backends.local import LocalBackend

        return LocalBackend(model, threads=threads)

    jobs, problems = plan(paths, settings)
    for problem in problems:
        click.echo(error_line(str(problem)), err=True)
    reporter = ConsoleReporter(len(jobs), quiet=quiet)
    try:
        results = run(jobs, LazyBackend(make_backend), settings, reporter)
    except KeyboardInterrupt:
        reporter.close()
        click.echo("captioner: interrupted; no partial files were left", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except CaptionerError as exc:
        reporter.close()
        _fail(exc, debug)
        sys.exit(EXIT_FAILED)
    reporter.close()
    failed = [r for r in results if r.status == "failed"]
    if debug:
        for result in failed:
            if result.error is not None and result.error.__cause__ is not None:
                traceback.print_exception(result.error.__cause__, file=sys.stderr)
    total_failed = len(failed) + len(problems)
    if total_failed:
        total = len(results) + len(problems)
        click.echo(f"captioner: {total_failed} of {total} files failed", err=True)
        sys.exit(EXIT_FAILED)
    if not results and not quiet:
        click.echo("captioner: no media files found", err=True)


@main.command(name="mux")
@click.argument("video", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("captions", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-l", "--language", help="Language of every caption file.  [default: from names like talk.de.srt]")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="[default: VIDEO.captioned.EXT]")
@click.option("--in-place", is_flag=True, help="Replace VIDEO itself (only once the new file is checked).")
@click.option("--debug", is_flag=True, help="Tracebacks and library logs.")
def mux_command(
    video: Path, captions: tuple[Path, ...], language: str | None, output: Path | None, in_place: bool, debug: bool
) -> None:
    """Add existing .srt/.vtt files to VIDEO as subtitle tracks, without transcribing.

    Every stream of VIDEO is copied as it is.  MP4/MOV get mov_text tracks, MKV SubRip or
    WebVTT ones, WebM WebVTT ones.
    """
    from captioner.attach import tracks_for
    from captioner.mux import default_output, mux

    _configure_logging(debug)
    if in_place and output is not None:
        raise click.UsageError("choose one of --output and --in-place")
    try:
        tracks = tracks_for(captions, language.lower() if language else None)
        written = mux(video, tracks, output or default_output(video, burn=False), in_place=in_place)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except KeyboardInterrupt:
        click.echo("captioner: interrupted; no partial files were left", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except CaptionerError as exc:
        _fail(exc.with_path(str(video)), debug)
        sys.exit(EXIT_FAILED)
    click.echo(f"{video}: wrote {written}", err=True)


@main.command(name="review")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--min-word-prob", type=click.FloatRange(0, 1), default=ReviewThresholds.word_probability, show_default=True
)
@click.option("--min-logprob", type=float, default=ReviewThresholds.avg_logprob, show_default=True)
@click.option(
    "--max-no-speech", type=click.FloatRange(0, 1), default=ReviewThresholds.no_speech_prob, show_default=True
)
@click.option("--style", type=click.Choice(sorted(PRESETS)), default="netflix", show_default=True)
def review_command(
    files: tuple[Path, ...], min_word_prob: float, min_logprob: float, max_no_speech: float, style: str
) -> None:
    """List the cues whose words fall below the confidence thresholds, with their times.

    FILES are transcripts written by -f json, or media files whose .json sits beside them.
    Doubtful cues are a warning for a person to check: the exit status is 0 unless a file
    cannot be read.
    """
    from captioner.review import format_report, review
    from captioner.segmentation import segment
    from captioner.transcript import Transcript

    thresholds = ReviewThresholds(min_word_prob, min_logprob, max_no_speech)
    failed = 0
    for path in files:
        source = path if path.suffix.lower() == ".json" else path.with_suffix(".json")
        try:
            transcript = Transcript.from_json(source.read_text("utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            click.echo(error_line(f"{path}: cannot read the transcript {source.name}: {exc}"), err=True)
            failed += 1
            continue
        cues = segment(transcript, get_style(style))
        click.echo(format_report(str(path), review(transcript, cues, thresholds), len(cues)), nl=False)
    if failed:
        sys.exit(EXIT_FAILED)


def _configure_logging(debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not debug:
        logging.getLogger("faster_whisper").setLevel(logging.ERROR)


def _fail(exc: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    click.echo(error_line(str(exc)), err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
