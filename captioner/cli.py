"""The command line: ``captioner PATH...`` and its subcommands."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from captioner import __version__
from captioner.backends import Backend, TranscribeOptions
from captioner.cache import TranscriptCache
from captioner.errors import CaptionerError
from captioner.hallucination import FilterSettings
from captioner.pipeline import FileResult, Job, LazyBackend, Settings, plan, run
from captioner.progress import ConsoleReporter, error_line
from captioner.review import ReviewThresholds
from captioner.style import PRESETS, get_style
from captioner.writers import DEFAULT_FORMATS, FORMATS

STYLE_OPTIONS = ("max_chars", "max_lines", "max_cps", "min_duration", "max_duration", "min_gap")
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
@click.option("--api-key-file", type=click.Path(dir_okay=False, path_type=Path), help="aiXplain API key file.")
@click.option("--aixplain-model", metavar="ID", help="aiXplain model id.  [default: Whisper Large on Groq]")
@click.option(
    "--aixplain-timeout",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    metavar="SECONDS",
    help="Longest wait for one aiXplain run.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Pieces of a long file sent to aiXplain at once.",
)
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
@click.option("--no-cache", is_flag=True, help="Transcribe again even when the transcript cache has the file.")
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
@click.option("-v", "--verbose", is_flag=True, help="Log per-file details (aiXplain credits and run time).")
@click.option("--debug", is_flag=True, help="Tracebacks and library logs.")
def run_command(paths: tuple[Path, ...], **opts: Any) -> None:
    """Write captions (.srt and .vtt by default) beside each video or audio file.

    PATHS are media files (mp4, mkv, mov, webm, m4a, mp3, flac, ogg, wav, ...) or folders,
    searched recursively.  Existing caption files are kept unless --overwrite is given.
    Exit status: 0 when every file succeeded, 1 when any failed, 2 for usage errors.
    """
    _configure_logging(opts["debug"], opts["verbose"])
    settings = settings_from_options(opts)
    backend = backend_from_options(opts)
    jobs, problems = plan(paths, settings)
    for problem in problems:
        click.echo(error_line(str(problem)), err=True)
    results = run_jobs(jobs, backend, settings, opts)
    failed = [r for r in results if r.status == "failed"]
    total_failed = len(failed) + len(problems)
    if total_failed:
        total = len(results) + len(problems)
        click.echo(f"captioner: {total_failed} of {total} files failed", err=True)
        sys.exit(EXIT_FAILED)
    if not results and not opts["quiet"]:
        click.echo("captioner: no media files found", err=True)


def settings_from_options(opts: dict[str, Any]) -> Settings:
    """The run's Settings from the main command's options (usage errors raised as such)."""
    mux, burn, in_place, formats = opts["mux"], opts["burn"], opts["in_place"], opts["formats"]
    if mux and burn:
        raise click.UsageError("choose one of --mux and --burn")
    if in_place and not (mux or burn):
        raise click.UsageError("--in-place goes with --mux or --burn")
    if (mux or burn) and not {"srt", "vtt"} & set(formats):
        raise click.UsageError("--mux and --burn need srt or vtt among the formats (-f)")
    style = get_style(opts["style"]).with_overrides(**{name: opts[name] for name in STYLE_OPTIONS})
    language = opts["language"]
    return Settings(
        formats=formats,
        output_dir=opts["output_dir"],
        overwrite=opts["overwrite"],
        style=style,
        options=TranscribeOptions(
            language=language.lower() if language else None,
            task=opts["task"],
            beam_size=opts["beam_size"],
            vad=opts["vad"],
        ),
        audio_stream=opts["audio_stream"],
        highlight_words=opts["highlight_words"],
        attach="mux" if mux else "burn" if burn else None,
        in_place=in_place,
        filters=None if opts["keep_all"] else FilterSettings(),
        review=(
            ReviewThresholds(opts["min_word_prob"], opts["min_logprob"], opts["max_no_speech"])
            if opts["review"]
            else None
        ),
    )


def backend_from_options(opts: dict[str, Any]) -> LazyBackend:
    """The backend the options ask for, created (model loaded) only when first needed."""
    if opts["backend"] == "aixplain":
        from captioner.backends.aixplain import AixplainBackend, aixplain_identity

        def make_aixplain() -> Backend:
            return AixplainBackend(
                api_key_file=opts["api_key_file"],
                model_id=opts["aixplain_model"],
                timeout=opts["aixplain_timeout"],
                jobs=opts["jobs"],
            )

        return LazyBackend(make_aixplain, aixplain_identity(opts["aixplain_model"]))
    from captioner.backends.local import local_identity

    model, threads = opts["model"], opts["threads"]

    def make_local() -> Backend:
        from captioner.backends.local import LocalBackend

        return LocalBackend(model, threads=threads)

    return LazyBackend(make_local, local_identity(model))


def run_jobs(jobs: list[Job], backend: LazyBackend, settings: Settings, opts: dict[str, Any]) -> list[FileResult]:
    """Run the pipeline with progress on the terminal; exits on interruption and run-wide failures."""
    reporter = ConsoleReporter(len(jobs), quiet=opts["quiet"])
    cache = None if opts["no_cache"] else TranscriptCache()
    try:
        results = run(jobs, backend, settings, reporter, cache)
    except KeyboardInterrupt:
        reporter.close()
        click.echo("captioner: interrupted; no partial files were left", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except CaptionerError as exc:
        reporter.close()
        _fail(exc, opts["debug"])
        sys.exit(EXIT_FAILED)
    reporter.close()
    if opts["debug"]:
        for result in results:
            if result.error is not None and result.error.__cause__ is not None:
                traceback.print_exception(result.error.__cause__, file=sys.stderr)
    return results


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


@main.group(name="cache")
def cache_group() -> None:
    """The transcript cache: transcripts kept per media content, backend, model and decoding options."""


@cache_group.command(name="info")
def cache_info() -> None:
    """Where the cache is, how many transcripts it holds and their size."""
    stats = TranscriptCache().stats()
    click.echo(f"folder: {stats.folder}")
    click.echo(f"transcripts: {stats.entries}")
    click.echo(f"size: {stats.bytes / 1e6:.1f} MB")


@cache_group.command(name="clear")
def cache_clear() -> None:
    """Delete every cached transcript (the model is kept)."""
    removed = TranscriptCache().clear()
    click.echo(f"removed {removed} cached transcripts")


def _configure_logging(debug: bool, verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if verbose and not debug:
        logging.getLogger("captioner").setLevel(logging.INFO)
    if not debug:
        logging.getLogger("faster_whisper").setLevel(logging.ERROR)


def _fail(exc: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    click.echo(error_line(str(exc)), err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
