"""The command line: ``captioner PATH...`` and its subcommands."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from captioner import __version__, interrupt
from captioner.captions.review import ReviewThresholds
from captioner.cli.console import ConsoleReporter, error_line
from captioner.core.languages import parse_language
from captioner.core.style import LIMITS, PRESETS, get_style
from captioner.core.transcript import Transcript
from captioner.errors import CaptionerError
from captioner.output.writers import DEFAULT_FORMATS, FORMATS
from captioner.refine.hallucination import FilterSettings
from captioner.run.cache import TranscriptCache
from captioner.run.scheduler import FileResult, Job, LazyBackend, Settings, plan, run
from captioner.transcribe.base import Backend, TranscribeOptions
from captioner.video.burn import BurnOptions

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
AIXPLAIN_JOBS = 2  # requests in flight on aiXplain by default

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
  captioner check                         CI: fail when captions are missing or stale
  captioner sync                          caption what is missing or stale (captions.lock)
  captioner talk.mp4 --review             also talk.review.txt: cues a person should check
  captioner review --html out/ talk.mp4   out/talk.mp4.html: the cues to check, as a web page
  captioner --backend aixplain talk.mp4   Whisper Large on aiXplain (AIXPLAIN_API_KEY)

\b
Other commands (captioner COMMAND --help):
  mux     put existing caption files into a video as subtitle tracks
  burn    draw an existing caption file into a video's picture
  check   list media whose captions are missing or stale (no transcription)
  sync    caption what check lists and update captions.lock
  review  list doubtful cues of a transcript (.json)
  cache   info | clear: the transcript cache
  edit    review and correct captions in the browser (a local caption studio)
"""


def _burn_look_options(func: Any) -> Any:
    """How burnt-in captions look (``--burn`` and ``captioner burn``)."""
    options = [
        click.option("--font", "burn_font", help="Font family for burnt-in captions.  [default: Noto Sans]"),
        click.option(
            "--font-size", "burn_font_size", type=click.FloatRange(0.01, 0.3), default=0.065, show_default=True,
            help="Burnt-in font size as a fraction of the frame height.",
        ),
        click.option("--box", "burn_box", is_flag=True, help="Burn captions on a translucent box, not outlined."),
        click.option("--text-colour", "burn_colour", default="#FFFFFF", show_default=True, help="Text colour."),
        click.option(
            "--margin", "burn_margin", type=click.FloatRange(0, 0.4), default=0.06, show_default=True,
            help="Bottom margin as a fraction of the frame height.",
        ),
        click.option(
            "--crf", "burn_crf", type=click.IntRange(0, 51), default=20, show_default=True,
            help="H.264 quality of the re-encoded video (18 near lossless .. 28 small).",
        ),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def _check_limit(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    problem = None if value is None else LIMITS[param.name].problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


def _style_limit_options(func: Any) -> Any:
    """--max-chars, --max-lines, ...: one option per field of :data:`captioner.core.style.LIMITS`, checked
    against the same range as the configuration's ``style`` table."""
    for name, limit in reversed(LIMITS.items()):
        func = click.option(
            f"--{name.replace('_', '-')}",
            name,
            type=click.INT if limit.kind is int else click.FLOAT,
            callback=_check_limit,
            help=f"{limit.help}  [{limit.low:g}<=x<={limit.high:g}]",
        )(func)
    return func


def burn_options_from(opts: dict[str, Any]) -> BurnOptions:
    try:
        return BurnOptions(
            font=opts["burn_font"],
            font_size=opts["burn_font_size"],
            box=opts["burn_box"],
            colour=opts["burn_colour"].upper(),
            margin=opts["burn_margin"],
            crf=opts["burn_crf"],
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


class OneLineError(click.ClickException):
    """An error about a file (configuration, lock file, report): ``captioner: error: <path>: <cause>``,
    without click's usage lines (a CI log shows one line per problem)."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(error_line(self.format_message()), err=True)


class CaptionerGroup(click.Group):
    """``captioner PATH...`` runs the main job (the hidden ``run`` command); ``captioner COMMAND ...``
    runs a subcommand."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--version",)):
            args = ["run", *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """A Ctrl-C that no command handled (while it looks for files, say): exit 130, as the
        commands do, not click's 'Aborted!' and exit 1."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("captioner: interrupted", err=True)
            interrupt.finish(EXIT_INTERRUPTED)


class _MainContext(click.Context):
    """The main job's context: its usage lines, help and hints name ``captioner``, as it is typed,
    not the ``run`` command it is (documented nowhere)."""

    @property
    def command_path(self) -> str:
        return self.parent.command_path if self.parent is not None else super().command_path


class MainCommand(click.Command):
    context_class = _MainContext


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


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from captioner.media.ffmpeg import find_ffmpeg

    click.echo(f"captioner, version {__version__}")
    try:
        click.echo(find_ffmpeg().describe())
    except CaptionerError as exc:
        click.echo(f"ffmpeg: {exc}")
    ctx.exit()


def require_ffmpeg() -> None:
    """Stop with one line (exit 1) unless a usable ffmpeg is there, before any work is done."""
    from captioner.media.ffmpeg import find_ffmpeg

    try:
        found = find_ffmpeg()
    except CaptionerError as exc:
        raise OneLineError(str(exc), EXIT_FAILED) from None
    logging.getLogger("captioner").info("%s", found.describe())


def _language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A language code (``German`` -> ``de``), or ``auto``; a usage error for one Whisper does not know."""
    if value is None:
        return None
    try:
        return parse_language(value) or "auto"
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.group(cls=CaptionerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
    help="Show captioner's version and the ffmpeg it runs, and exit.",
)  # fmt: skip
def main() -> None:
    """captioner: readable captions for video and audio."""
    _stop_on_sigterm()


def _stop_on_sigterm() -> None:
    """SIGTERM (``kill``, ``timeout``, a cancelled CI job) stops a run as Ctrl-C does, so that temporary
    files are removed and ffmpeg is stopped instead of Python dying on the spot."""

    def on_sigterm(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_sigterm)


@main.command(name="run", cls=MainCommand, epilog=EXAMPLES)
# Not click's readable check: an unreadable file is that file's failure, not a usage error that stops the batch.
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    callback=_formats,
    help="Output formats, comma-separated or repeated: srt, vtt, json, txt.  [default: srt,vtt]",
)
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), help="Write captions here.")
@click.option(
    "-l", "--language", callback=_language, help="Spoken language (ISO 639-1, e.g. en), or auto.  [default: auto]"
)
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
    help="Longest time one piece of audio may take on aiXplain: upload, run and every retry.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Files transcribed at once.  Local engine: they share --threads (a lone file gets them all)  "
    "[default: one per thread, at most the files to transcribe].  aiXplain: requests in flight, files and "
    "pieces of a long file  [default: 2].",
)
@click.option("--audio-stream", type=click.IntRange(min=0), default=0, show_default=True, help="Audio stream, 0-based.")
@click.option("--threads", type=click.IntRange(min=1), help="CPU threads for the local engine.  [default: all cores]")
@click.option("--beam-size", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--style", type=click.Choice(sorted(PRESETS)), default="netflix", show_default=True)
@_style_limit_options
@click.option("--highlight-words", is_flag=True, help="Word timing tags in the VTT (karaoke style).")
@click.option("--no-cache", is_flag=True, help="Transcribe again even when the transcript cache has the file.")
@click.option("--overwrite", is_flag=True, help="Replace existing caption files.  [default: skip them]")
@click.option("--mux", is_flag=True, help="Also write VIDEO.captioned.EXT with the captions as a subtitle track.")
@click.option("--burn", is_flag=True, help="Also write VIDEO.burned.EXT with the captions drawn into the picture.")
@click.option("--in-place", is_flag=True, help="With --mux or --burn: replace the original video instead.")
@_burn_look_options
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
    require_ffmpeg()
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


def settings_from_options(opts: dict[str, Any]) -> Settings:
    """The run's Settings from the main command's options (usage errors raised as such)."""
    mux, burn, in_place, formats = opts["mux"], opts["burn"], opts["in_place"], opts["formats"]
    if mux and burn:
        raise click.UsageError("choose one of --mux and --burn")
    if in_place and not (mux or burn):
        raise click.UsageError("--in-place goes with --mux or --burn")
    if (mux or burn) and not {"srt", "vtt"} & set(formats):
        raise click.UsageError("--mux and --burn need srt or vtt among the formats (-f)")
    try:
        style = get_style(opts["style"]).with_overrides(**{name: opts[name] for name in LIMITS})
    except ValueError as exc:  # min_duration above max_duration
        raise click.UsageError(str(exc)) from None
    return Settings(
        formats=formats,
        output_dir=opts["output_dir"],
        overwrite=opts["overwrite"],
        style=style,
        options=transcribe_options_from(opts),
        audio_stream=opts["audio_stream"],
        highlight_words=opts["highlight_words"],
        attach="mux" if mux else "burn" if burn else None,
        in_place=in_place,
        burn_options=burn_options_from(opts),
        filters=None if opts["keep_all"] else FilterSettings(),
        review=(
            ReviewThresholds(opts["min_word_prob"], opts["min_logprob"], opts["max_no_speech"])
            if opts["review"]
            else None
        ),
    )


def transcribe_options_from(opts: dict[str, Any]) -> TranscribeOptions:
    """The decoding options (-l, --task, --beam-size, --vad): what keys the transcript cache."""
    language = opts["language"]
    return TranscribeOptions(
        language=None if language == "auto" else language,
        task=opts["task"],
        beam_size=opts["beam_size"],
        vad=opts["vad"],
    )


def _require_aixplain() -> None:
    """The aiXplain extra is optional: without it, one line saying how to install it, before any work."""
    from captioner.transcribe.aixplain.sdk import missing_sdk

    problem = missing_sdk()
    if problem is not None:
        raise OneLineError(problem, EXIT_FAILED)


def backend_from_options(opts: dict[str, Any]) -> LazyBackend:
    """The backend the options ask for, created (model loaded) only when first needed."""
    if opts["backend"] == "aixplain":
        _require_aixplain()
        from captioner.transcribe.aixplain.backend import AixplainBackend, aixplain_identity

        jobs = opts["jobs"] or AIXPLAIN_JOBS

        def make_aixplain() -> Backend:
            return AixplainBackend(
                api_key_file=opts["api_key_file"],
                model_id=opts["aixplain_model"],
                timeout=opts["aixplain_timeout"],
                jobs=jobs,
            )

        return LazyBackend(make_aixplain, aixplain_identity(opts["aixplain_model"]), concurrent_files=jobs)
    from captioner.transcribe.local.engine import default_threads, local_identity

    model, threads = opts["model"], opts["threads"] or default_threads()

    def make_local(files_at_once: int) -> Backend:
        from captioner.transcribe.local.engine import LocalBackend

        return LocalBackend(model, threads=threads, workers=files_at_once)

    # The run picks the files at once (LazyBackend.plan): by default a batch on N threads runs N
    # files of one thread each (20 short clips on 2 cores: 24.8 s, against 42.6 s one at a time
    # on both), while a lone file keeps every thread.
    return LazyBackend(make_local, local_identity(model), max_concurrent_files=opts["jobs"] or threads, preload=True)


def run_jobs(jobs: list[Job], backend: LazyBackend, settings: Settings, opts: dict[str, Any]) -> list[FileResult]:
    """Run the pipeline with progress on the terminal; exits on interruption and run-wide failures."""
    reporter = ConsoleReporter(len(jobs), quiet=opts["quiet"])
    cache = None if opts["no_cache"] else TranscriptCache()
    try:
        results = run(jobs, backend, settings, reporter, cache)
    except KeyboardInterrupt:
        reporter.close()
        click.echo("captioner: interrupted; no partial files were left", err=True)
        interrupt.finish(EXIT_INTERRUPTED)
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
    from captioner.video.attach import tracks_for
    from captioner.video.mux import default_output, mux

    _configure_logging(debug)
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
    try:
        written = write()
    except KeyboardInterrupt:
        click.echo("captioner: interrupted; no partial files were left", err=True)
        interrupt.finish(EXIT_INTERRUPTED)
    except CaptionerError as exc:
        _fail(exc.with_path(str(video)), debug)
        sys.exit(EXIT_FAILED)
    click.echo(f"{video}: wrote {written}", err=True)


@main.command(name="burn")
@click.argument("video", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("captions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="[default: VIDEO.burned.EXT]")
@click.option("--in-place", is_flag=True, help="Replace VIDEO itself (only once the new file is checked).")
@_burn_look_options
@click.option("--debug", is_flag=True, help="Tracebacks and library logs.")
def burn_command(video: Path, captions: Path, output: Path | None, in_place: bool, debug: bool, **look: Any) -> None:
    """Draw an existing .srt/.vtt file into VIDEO's picture, without transcribing.

    The video is re-encoded as H.264 (--crf); audio and other streams are copied.
    """
    from captioner.video.burn import burn
    from captioner.video.mux import default_output

    _configure_logging(debug)
    if in_place and output is not None:
        raise click.UsageError("choose one of --output and --in-place")
    options = burn_options_from(look)
    require_ffmpeg()
    _write_video(
        video,
        debug,
        lambda: burn(video, captions, output or default_output(video, burn=True), options, in_place=in_place),
    )


CI_EXAMPLES = """\b
Examples:
  captioner check                         every media file under the current folder's tree
  captioner check --output-format github  GitHub Actions annotations
  captioner check --report junit.xml      a JUnit report for any CI
  captioner check --shard 2/4             the second quarter of the tree (CI matrix jobs)
  captioner sync                          caption what is missing or stale, update captions.lock
  captioner sync --force talks/           also regenerate captions edited by hand under talks/
"""


def _shard(ctx: click.Context, param: click.Parameter, value: str | None):
    if value is None:
        return None
    from captioner.ci.config import ConfigError, Shard

    try:
        return Shard.parse(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None


def _tree_options(func):
    """Options shared by ``check`` and ``sync``: the tree, its settings and the report."""
    options = [
        click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path)),
        click.option(
            "--root",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="The tree's root (lock file, captioner.toml).  [default: found upwards]",
        ),
        click.option(
            "-f",
            "--format",
            "formats",
            multiple=True,
            help="Caption formats, comma-separated or repeated.  [default: from config, else srt,vtt]",
        ),
        click.option(
            "-l",
            "--language",
            callback=_language,
            help="Spoken language for every file, or auto.  [default: from config]",
        ),
        click.option("--style", type=click.Choice(sorted(PRESETS)), help="Style preset (replaces the config's style)."),
        _style_limit_options,
        click.option("-m", "--model", help="Whisper model.  [default: from config, else base]"),
        click.option("--backend", type=click.Choice(["local", "aixplain"]), help="[default: from config, else local]"),
        click.option("--include", multiple=True, help="Glob of media to include (replaces the config's).  Repeatable."),
        click.option("--exclude", multiple=True, help="Glob to leave out (added to the config's).  Repeatable."),
        click.option("--shard", callback=_shard, metavar="K/N", help="Only shard K of N (stable per path)."),
        click.option("--strict", is_flag=True, help="Captions edited by hand fail too."),
        click.option(
            "--output-format", type=click.Choice(["text", "github", "json"]), default="text", show_default=True
        ),
        click.option(
            "--report",
            "junit",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Also write a JUnit XML report there.",
        ),
        click.option(
            "--no-cache",
            is_flag=True,
            help="Hash every file again (sync: also transcribe again, ignoring cached transcripts).",
        ),
        click.option("-v", "--verbose", is_flag=True, help="List up-to-date files too."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _open_tree(paths: tuple[Path, ...], root: Path | None, overrides: dict, no_cache: bool):
    from captioner.ci.config import ConfigError, find_root, load_config
    from captioner.ci.lockfile import LockError
    from captioner.ci.status import Scanner

    if root is None:
        start = paths[0] if paths else Path.cwd()
        root = find_root(start if start.is_dir() else start.parent)
    root = root.resolve()
    for path in paths:
        try:
            path.resolve().relative_to(root)
        except ValueError:
            raise click.UsageError(f"{path} is outside the tree's root {root}") from None
    if not paths:  # the current folder, when it is inside the tree (else the whole tree)
        cwd = Path.cwd().resolve()
        paths = (cwd,) if cwd == root or root in cwd.parents else ()
    if overrides.get("formats"):
        overrides["formats"] = tuple(overrides["formats"])
    try:
        config = load_config(root, overrides)
        scanner = Scanner(root, config, use_cache=not no_cache)
        scanner.read_lock()  # a damaged lock, or one reaching outside the tree, is a usage error before any work
    except (ConfigError, LockError) as exc:
        raise OneLineError(str(exc)) from None
    return scanner, paths


def _emit(report, output_format: str, junit: Path | None, verbose: bool) -> None:
    from captioner.ci.reports import render, write_junit

    click.echo(render(report, output_format, verbose), nl=False)
    if junit is not None:
        try:
            write_junit(report, junit)
        except CaptionerError as exc:
            raise OneLineError(str(exc), EXIT_FAILED) from None


@main.command(name="check", epilog=CI_EXAMPLES)
@_tree_options
def check_command(paths, root, formats, strict, output_format, junit, no_cache, verbose, shard, **overrides) -> None:
    """List media files whose captions are missing or stale; exit 1 if there is any.

    Never transcribes: it compares each media file's audio hash, the settings and the caption
    files' hashes with the lock file (captions.lock) at the tree's root.  PATHS (default: the
    current folder) narrow the tree.  Exit status: 0 all captions up to date (edited ones
    included, unless --strict), 1 some missing/stale/settings-changed/orphan/lock-entry-missing,
    2 usage or configuration errors.
    """
    scanner, paths = _open_tree(paths, root, {"formats": formats, **overrides}, no_cache)
    try:
        report = scanner.scan(paths, shard, strict=strict)
    except CaptionerError as exc:
        raise OneLineError(str(exc)) from None
    _emit(report, output_format, junit, verbose)
    sys.exit(EXIT_FAILED if not report.ok else EXIT_OK)


@main.command(name="sync", epilog=CI_EXAMPLES)
@_tree_options
@click.option("--force", is_flag=True, help="Also regenerate captions edited by hand or without a lock entry.")
@click.option("--adopt", is_flag=True, help="Record existing captions without a lock entry as they are.")
@click.option("--prune", is_flag=True, help="Drop lock entries of gone media (and delete their unedited captions).")
@click.option("--threads", type=click.IntRange(min=1), help="CPU threads for the local engine.  [default: all cores]")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Files transcribed at once (as for the main command).  [default: one per thread; aiXplain: 2]",
)
@click.option("--api-key-file", type=click.Path(dir_okay=False, path_type=Path), help="aiXplain API key file.")
@click.option("-q", "--quiet", is_flag=True, help="Errors only; no progress bars.")
@click.option("--debug", is_flag=True, help="Tracebacks and library logs.")
def sync_command(
    paths,
    root,
    formats,
    strict,
    output_format,
    junit,
    no_cache,
    verbose,
    shard,
    force,
    adopt,
    prune,
    threads,
    jobs,
    api_key_file,
    quiet,
    debug,
    **overrides,
) -> None:
    """Caption media whose captions are missing or stale and update the lock file.

    Runs the ordinary pipeline (one model load for the whole call).  Up-to-date captions are left
    alone, and so are captions edited by hand (unless --force).  The lock file is rewritten
    atomically after each captioned file; a file that fails keeps its old entry.  Exit status:
    0 when everything is up to date afterwards, 1 otherwise, 2 for usage errors.
    """
    from captioner.ci.sync import sync

    _configure_logging(debug)
    scanner, paths = _open_tree(paths, root, {"formats": formats, **overrides}, no_cache)
    require_ffmpeg()
    config = scanner.config
    backend = backend_from_options(
        {
            "backend": config.backend,
            "model": config.model,
            "threads": threads,
            "api_key_file": api_key_file,
            "aixplain_model": None if config.model == "base" else config.model,
            "aixplain_timeout": 600,
            "jobs": jobs,
        }
    )
    transcripts = None if no_cache else TranscriptCache()

    try:
        result = sync(
            scanner,
            backend,
            scope=paths,
            cache=transcripts,
            shard=shard,
            force=force,
            adopt=adopt,
            prune=prune,
            make_reporter=lambda total: ConsoleReporter(total, quiet=quiet),
        )
    except KeyboardInterrupt:
        click.echo("captioner: interrupted; the lock file holds the files finished so far", err=True)
        interrupt.finish(EXIT_INTERRUPTED)
    except CaptionerError as exc:
        _fail(exc, debug)
        sys.exit(EXIT_FAILED)
    if not quiet:
        for rel in result.generated:
            click.echo(f"captioner sync: captioned {rel}", err=True)
        for rel in result.adopted:
            click.echo(f"captioner sync: adopted {rel}", err=True)
        for rel in result.pruned:
            click.echo(f"captioner sync: dropped the lock entry of {rel}", err=True)
        for rel in result.deleted:
            click.echo(f"captioner sync: deleted {rel}", err=True)
    for rel, why in result.left:
        click.echo(f"captioner sync: left {rel}: {why}", err=True)
    for rel, cause in result.failed:
        click.echo(error_line(f"{rel}: {cause}"), err=True)
    assert result.final is not None
    result.final.strict = strict
    _emit(result.final, output_format, junit, verbose)
    sys.exit(EXIT_FAILED if result.failed or not result.final.ok else EXIT_OK)


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
@click.option(
    "--html",
    "html_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Instead, write DIR/<media>.html per file: player, cues, doubtful cues (self-contained, for CI).",
)
@click.option(
    "-l", "--language", callback=_language, help="As the file was captioned with (finds its cached transcript)."
)
@click.option("--task", type=click.Choice(["transcribe", "translate"]), default="transcribe", show_default=True)
@click.option("-m", "--model", default="base", show_default=True, help="As the file was captioned with.")
@click.option("--backend", type=click.Choice(["local", "aixplain"]), default="local", show_default=True)
@click.option("--aixplain-model", metavar="ID", help="As the file was captioned with.")
@click.option("--beam-size", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--vad", is_flag=True, help="The file was captioned with --vad.")
@click.option("--audio-stream", type=click.IntRange(min=0), default=0, show_default=True)
def review_command(
    files: tuple[Path, ...],
    min_word_prob: float,
    min_logprob: float,
    max_no_speech: float,
    style: str,
    html_dir: Path | None,
    **captioned_with: Any,
) -> None:
    """List the cues whose words fall below the confidence thresholds, with their times.

    FILES are transcripts written by -f json, or media files: their .json beside them, else
    their transcript in the cache (found with the options the file was captioned with: -l,
    -m, --backend, ...).  Doubtful cues are a warning for a person to check: the exit status
    is 0 unless a file's transcript cannot be read or found.  --html DIR writes a web page per
    media instead: the caption files beside it as they are (the tree's style and settings; the
    transcript from its .json or the transcript cache), as captioner edit shows them.
    """
    from captioner.captions.review import format_report, review
    from captioner.captions.segmentation import segment

    thresholds = ReviewThresholds(min_word_prob, min_logprob, max_no_speech)
    if html_dir is not None:
        from captioner.edit.report import write_reports

        pages, problems = write_reports(files, html_dir, thresholds)
        for page in pages:
            click.echo(f"captioner review: wrote {page}", err=True)
        for problem in problems:
            click.echo(error_line(str(problem)), err=True)
        sys.exit(EXIT_FAILED if problems else EXIT_OK)
    failed = 0
    for path in files:
        try:
            transcript = _transcript_to_review(path, captioned_with)
        except CaptionerError as exc:
            click.echo(error_line(str(exc.with_path(str(path)))), err=True)
            failed += 1
            continue
        cues = segment(transcript, get_style(style))
        click.echo(format_report(str(path), review(transcript, cues, thresholds), len(cues)), nl=False)
    if failed:
        sys.exit(EXIT_FAILED)


def _transcript_to_review(path: Path, captioned_with: dict[str, Any]) -> Transcript:
    """A .json transcript as it is; for a media file, the .json beside it, else its cached
    transcript refined as the run that captioned it refined it."""
    from captioner.run.scheduler import cached_transcript, refine

    source = path if path.suffix.lower() == ".json" else path.with_suffix(".json")
    if source != path and not source.exists():
        options = transcribe_options_from(captioned_with)
        settings = Settings(options=options, audio_stream=captioned_with["audio_stream"])
        if captioned_with["backend"] == "aixplain":
            _require_aixplain()
            from captioner.transcribe.aixplain.backend import aixplain_identity

            identity = aixplain_identity(captioned_with["aixplain_model"])
        else:
            from captioner.transcribe.local.engine import local_identity

            identity = local_identity(captioned_with["model"])
        cached = cached_transcript(path, settings, identity, TranscriptCache())
        if cached is None:
            raise CaptionerError(
                f"no transcript: no {source.name} beside it, and none in the transcript cache for these options "
                "(-f json writes one; -l, -m, --backend, ... as the file was captioned with)"
            )
        return refine(cached, None, settings)
    try:
        return Transcript.from_json(source.read_text("utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CaptionerError(f"cannot read the transcript {source.name}: {exc}") from None


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


from captioner.edit.command import edit_command  # noqa: E402

main.add_command(edit_command)


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
