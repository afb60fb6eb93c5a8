"""The main job, ``captioner PATH...``: options to settings and a backend, then the run."""

from __future__ import annotations

import dataclasses
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from captioner.captions.review import ReviewThresholds
from captioner.cli.console import ConsoleReporter, error_line
from captioner.cli.options import (
    burn_look_options,
    burn_options_from,
    cluster_scale_options,
    cluster_trust_from,
    parse_formats,
    parse_language_option,
    parse_prompt,
    parse_speaker_names,
    parse_vocabulary,
    scheduler_option,
    style_limit_options,
)
from captioner.cli.policy import (
    EXIT_FAILED,
    chosen_scheduler,
    configure_cluster_logging,
    configure_logging,
    released,
    require_aixplain,
    require_ffmpeg,
    require_voices,
    run_to_the_end,
)
from captioner.core.speakers import MAX_SPEAKERS, SPEAKER_MODES
from captioner.core.style import LIMITS, PRESETS, Style, get_style
from captioner.errors import CaptionerError
from captioner.media.urls import DEFAULT_MAX_BYTES, DEFAULT_MAX_SECONDS, MediaURL, UrlLimits, read_url_list
from captioner.media.urls import DEFAULT_TIMEOUT as DEFAULT_URL_TIMEOUT
from captioner.output.writers import FORMATS
from captioner.refine.hallucination import FilterSettings
from captioner.run.backend import CLUSTER_INFLIGHT_MB, LazyBackend, make_backend
from captioner.run.cache import TranscriptCache
from captioner.run.jobs import FileResult, Job, make_jobs
from captioner.run.recipe import BackendSpec, Recipe
from captioner.run.scheduler import run
from captioner.run.settings import Settings
from captioner.transcription.aixplain import DEFAULT_TIMEOUT
from captioner.video.attach import ATTACHABLE

EXAMPLES = """\b
Examples:
  captioner talk.mp4                      talk.srt and talk.vtt beside the video
  captioner lectures/ -o captions/        every media file under lectures/, recursively
  captioner talk.mp4 -f srt,vtt,json      also the Whisper verbose JSON (words, scores)
  captioner talk.mp4 -f ttml,ass,sbv      TTML (IMSC 1.1), ASS in --burn's look, YouTube SBV
  captioner show.mp4 -f scc --style cea608
                                          CEA-608 captions for US television (29.97 drop-frame)
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
  captioner https://host/talk.mp3 -o out/ captions of media at a URL (out/talk.srt, out/talk.vtt)
  captioner --from-list urls.txt -o out/  every URL listed in urls.txt, one a line

\b
Other commands (captioner COMMAND --help):
  mux     put existing caption files into a video as subtitle tracks
  burn    draw an existing caption file into a video's picture
  check   list media whose captions are missing or stale (no transcription)
  sync    caption what check lists and update captions.lock
  review  list doubtful cues of a transcript (.json)
  cache   info | clear: the transcript cache
  edit    review and correct captions in the browser (a local caption studio)
  align   captions with the words of a script, timed to the speech (captioner align MEDIA SCRIPT)
"""


class _MainContext(click.Context):
    """The main job's context: its usage lines, help and hints name ``captioner``, as it is typed,
    not the ``run`` command it is (documented nowhere)."""

    @property
    def command_path(self) -> str:
        return self.parent.command_path if self.parent is not None else super().command_path


class MainCommand(click.Command):
    context_class = _MainContext


@click.command(name="run", cls=MainCommand, epilog=EXAMPLES)
# Strings, not click.Path: an http(s) URL is a source too (a Path would fold its "//").  No
# readable check: an unreadable file is that file's failure, not a usage error that stops the batch.
@click.argument("paths", nargs=-1, type=str, metavar="PATHS...")
@click.option(
    "--from-list",
    "url_list",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Also caption the URLs listed in FILE: one a line, # comments and blank lines ignored (needs -o).",
)
@click.option(
    "--url-timeout",
    type=click.FloatRange(min=1),
    default=DEFAULT_URL_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Media at a URL: the longest wait for its server to answer or send more.",
)
@click.option(
    "--url-max-size",
    type=click.FloatRange(min=0.001),
    default=DEFAULT_MAX_BYTES / 1e6,
    show_default=True,
    metavar="MB",
    help="Media at a URL: refuse media its server says is larger, and stop reading one that sends more.",
)
@click.option(
    "--url-max-duration",
    type=click.FloatRange(min=0.01),
    default=DEFAULT_MAX_SECONDS / 60,
    show_default=True,
    metavar="MINUTES",
    help="Media at a URL: stop decoding audio that goes on longer.",
)
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    callback=parse_formats,
    help=f"Output formats, comma-separated or repeated: {', '.join(FORMATS)}.  [default: srt,vtt]",
)
@click.option("-o", "--output-dir", type=click.Path(file_okay=False, path_type=Path), help="Write captions here.")
@click.option(
    "-l",
    "--language",
    callback=parse_language_option,
    help="Spoken language (ISO 639-1, e.g. en), or auto.  [default: auto]",
)
@click.option("--task", type=click.Choice(["transcribe", "translate"]), default="transcribe", show_default=True)
@click.option("-m", "--model", default="base", show_default=True, help="Whisper size, or a model directory.")
@click.option("--backend", type=click.Choice(["local", "aixplain"]), default="local", show_default=True)
@click.option("--api-key-file", type=click.Path(dir_okay=False, path_type=Path), help="aiXplain API key file.")
@click.option("--aixplain-model", metavar="ID", help="aiXplain model id.  [default: Whisper Large on Groq]")
@click.option(
    "--aixplain-timeout",
    type=click.FloatRange(min=1),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Longest time one piece of audio may take on aiXplain: upload, run and every retry.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Files transcribed at once.  Local engine: they share --threads (a lone file gets them all)  "
    "[default: one per thread, at most the files to transcribe].  aiXplain: requests in flight, files and "
    "pieces of a long file  [default: 2].  A Dask cluster (--scheduler): that many, for workers still "
    "joining  [default: twice its workers' threads when it connects, at most 32].",
)
@scheduler_option
@cluster_scale_options
@click.option("--audio-stream", type=click.IntRange(min=0), default=0, show_default=True, help="Audio stream, 0-based.")
@click.option("--threads", type=click.IntRange(min=1), help="CPU threads for the local engine.  [default: all cores]")
@click.option("--beam-size", type=click.IntRange(min=1), default=5, show_default=True)
@click.option(
    "--prompt",
    callback=parse_prompt,
    metavar="TEXT",
    help="Text Whisper reads as if it came just before the audio: names, spelling, punctuation style.",
)
@click.option(
    "--vocabulary",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=parse_vocabulary,
    metavar="FILE",
    help="Names and terms Whisper should expect, one a line (local engine; aiXplain ignores it); a first line "
    "'# language: en' gives them only to speech in that language.",
)
@click.option(
    "--vocabulary-language",
    callback=parse_language_option,
    metavar="CODE",
    help="The vocabulary's language (overrides its '# language:' line): speech in another language is "
    "decoded without it.",
)
@click.option("--style", type=click.Choice(sorted(PRESETS)), default="netflix", show_default=True)
@style_limit_options
@click.option("--highlight-words", is_flag=True, help="Word timing tags in the VTT (karaoke style).")
@click.option("--no-cache", is_flag=True, help="Transcribe again even when the transcript cache has the file.")
@click.option("--overwrite", is_flag=True, help="Replace existing caption files.  [default: skip them]")
@click.option("--mux", is_flag=True, help="Also write VIDEO.captioned.EXT with the captions as a subtitle track.")
@click.option("--burn", is_flag=True, help="Also write VIDEO.burned.EXT with the captions drawn into the picture.")
@click.option("--in-place", is_flag=True, help="With --mux or --burn: replace the original video instead.")
@burn_look_options
@click.option(
    "--speakers",
    type=click.Choice(SPEAKER_MODES),
    default="mix",
    show_default=True,
    help="channels: each channel (an interview recorded a speaker a channel) transcribed on its own, "
    "the cues labelled with the speaker; channels carrying the same sound are transcribed once.  "
    "voices: speakers told apart by their voices (one microphone; needs captioner[voices]).  "
    "auto: channels when the channels carry different sound, voices otherwise.",
)
@click.option(
    "--num-speakers",
    type=click.IntRange(1, MAX_SPEAKERS),
    help="With --speakers voices or auto: how many speakers there are, when known.",
)
@click.option(
    "--max-speakers",
    type=click.IntRange(1, MAX_SPEAKERS),
    help="With --speakers voices or auto: at most so many speakers.",
)
@click.option(
    "--speaker-names",
    callback=parse_speaker_names,
    metavar="A,B",
    help="The speakers' names in channel order (--speakers channels) or in order of first appearance "
    "(voices).  [default: Speaker 1, Speaker 2, ...]",
)
@click.option(
    "--script",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="The words are in FILE (plain text, or captions whose times are ignored): time them to the "
    "speech instead of transcribing (one media file).",
)
@click.option("--keep-lines", is_flag=True, help="With --script: each line of the script starts a cue.")
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
def run_command(paths: tuple[str, ...], **opts: Any) -> None:
    """Write captions (.srt and .vtt by default) beside each video or audio file.

    PATHS are media files (mp4, mkv, mov, webm, m4a, mp3, flac, ogg, wav, ...) or folders,
    searched recursively, or http(s) URLs of media (their captions go to -o DIR, named after the
    URL's file name).  Existing caption files are kept unless --overwrite is given.
    Exit status: 0 when every file succeeded, 1 when any failed, 2 for usage errors.
    """
    configure_logging(opts["debug"], opts["verbose"])
    if not paths and opts["url_list"] is None:
        raise click.UsageError("name media files, folders or URLs (or --from-list FILE)")
    check_options(opts)
    require_ffmpeg()
    opts["cluster_trust"] = cluster_trust_from(opts)
    opts["scheduler"] = chosen_scheduler(
        click.get_current_context(), opts["scheduler"], opts["backend"], opts["cluster_trust"]
    )
    if opts["scheduler"] is not None:
        configure_cluster_logging(opts["debug"], opts["verbose"])
    elif opts.get("workers_read_media") is not None:
        raise click.UsageError("--workers-read-media goes with --scheduler (a Dask cluster's workers)")
    backend = backend_from_options(opts)
    settings = settings_from_options(opts, backend.spec)
    sources: list[str | MediaURL] = list(paths)
    listed: list[CaptionerError] = []
    if opts["url_list"] is not None:
        urls, listed = read_url_list(opts["url_list"])
        sources.extend(urls)
    jobs, problems = make_jobs(sources, settings)
    if opts.get("script") is not None:
        jobs, settings = with_script(jobs, problems, opts, settings)
    problems = [*listed, *problems]
    for problem in problems:
        click.echo(error_line(str(problem)), err=True)
    results = run_jobs(jobs, backend, settings, opts)
    failed = [r for r in results if r.status == "failed"]
    total_failed = len(failed) + len(problems)
    if total_failed:
        total = len(results) + len(problems)
        click.echo(f"captioner: {total_failed} of {total} files failed", err=True)
        sys.exit(EXIT_FAILED)


def check_options(opts: dict[str, Any]) -> None:
    """The main command's usage errors between options, before any work."""
    mux, burn, in_place, formats = opts["mux"], opts["burn"], opts["in_place"], opts["formats"]
    if mux and burn:
        raise click.UsageError("choose one of --mux and --burn")
    if in_place and not (mux or burn):
        raise click.UsageError("--in-place goes with --mux or --burn")
    if (mux or burn) and not set(ATTACHABLE["mux" if mux else "burn"]) & set(formats):
        usable = ", ".join(ATTACHABLE["mux" if mux else "burn"])
        raise click.UsageError(f"--{'mux' if mux else 'burn'} needs one of {usable} among the formats (-f)")
    if opts.get("keep_lines") and opts.get("script") is None:
        raise click.UsageError("--keep-lines goes with --script")
    if opts["speaker_names"] and opts["speakers"] == "mix":
        raise click.UsageError("--speaker-names goes with --speakers channels, voices or auto")
    counts = opts["num_speakers"], opts["max_speakers"]
    if any(c is not None for c in counts) and opts["speakers"] not in ("voices", "auto"):
        raise click.UsageError("--num-speakers and --max-speakers go with --speakers voices or auto")
    if opts.get("vocabulary_language") and opts.get("vocabulary") is None:
        raise click.UsageError("--vocabulary-language goes with --vocabulary")
    style_from_options(opts)
    require_voices(opts["speakers"])


def style_from_options(opts: dict[str, Any]) -> Style:
    try:
        return get_style(opts["style"]).with_overrides(**{name: opts[name] for name in LIMITS})
    except ValueError as exc:  # min_duration above max_duration
        raise click.UsageError(str(exc)) from None


def settings_from_options(opts: dict[str, Any], backend: BackendSpec | None = None) -> Settings:
    """The run's Settings from the main command's options (usage errors raised as such), its
    recipe's backend ``backend`` (the run's own, see :func:`backend_from_options`)."""
    check_options(opts)
    mux, burn = opts["mux"], opts["burn"]
    recipe = Recipe.from_cli(opts, backend or backend_spec_from(opts))
    note = recipe.vocabulary_note()
    return Settings(
        formats=opts["formats"],
        output_dir=opts["output_dir"],
        overwrite=opts["overwrite"],
        style=style_from_options(opts),
        recipe=recipe,
        notes=(note,) if note else (),
        highlight_words=opts["highlight_words"],
        attach="mux" if mux else "burn" if burn else None,
        in_place=opts["in_place"],
        burn_options=burn_options_from(opts),
        filters=None if opts["keep_all"] else FilterSettings(),
        review=(
            ReviewThresholds(opts["min_word_prob"], opts["min_logprob"], opts["max_no_speech"])
            if opts["review"]
            else None
        ),
        speaker_names=opts["speaker_names"],
        keep_lines=bool(opts.get("keep_lines")),
        url_limits=UrlLimits(
            timeout=opts["url_timeout"],
            max_bytes=int(opts["url_max_size"] * 1e6),
            max_seconds=opts["url_max_duration"] * 60,
        ),
    )


def with_script(
    jobs: list[Job], problems: list[CaptionerError], opts: dict[str, Any], settings: Settings
) -> tuple[list[Job], Settings]:
    """``--script FILE``: the one media file's job, and the run's recipe, given the script (read
    now: a script that cannot be read stops the run before anything is decoded or written)."""
    from captioner.transcription.align.script import read_script

    if len(jobs) + len(problems) != 1 or any(job.in_folder or not isinstance(job.media, Path) for job in jobs):
        raise click.UsageError("--script goes with one local media file")
    if opts["backend"] != "local" or opts["scheduler"] is not None:
        raise click.UsageError("--script aligns with the local engine (not --backend aixplain or a cluster)")
    if opts["speakers"] != "mix" or opts["task"] != "transcribe":
        raise click.UsageError("--script goes with one voice track in the script's language (no --speakers, --task)")
    try:
        script = read_script(opts["script"])
    except CaptionerError as exc:
        click.echo(error_line(str(exc)), err=True)
        sys.exit(EXIT_FAILED)
    recipe = dataclasses.replace(settings.recipe, script=script)  # the script keys the transcript
    return [dataclasses.replace(job, script=script) for job in jobs], settings.on(recipe)


def backend_spec_from(opts: dict[str, Any]) -> BackendSpec:
    """The backend the options name: --backend, -m or --aixplain-model, --scheduler (chosen)."""
    if opts.get("scheduler") is not None:
        return BackendSpec.cluster(opts["scheduler"], opts["model"], opts.get("cluster_trust"))
    if opts["backend"] == "aixplain":
        return BackendSpec.aixplain(opts.get("aixplain_model"))
    return BackendSpec.local(opts["model"])


def backend_from_options(opts: dict[str, Any]) -> LazyBackend:
    """The backend the main command's options ask for, created only when first needed."""
    if opts["backend"] == "aixplain":
        require_aixplain()
    return make_backend(
        backend_spec_from(opts),
        threads=opts["threads"],
        jobs=opts["jobs"],
        api_key_file=opts["api_key_file"],
        aixplain_timeout=opts["aixplain_timeout"],
        cluster_inflight_mb=opts.get("cluster_inflight_mb") or CLUSTER_INFLIGHT_MB,
        workers_read_media=opts.get("workers_read_media"),
    )


def run_jobs(jobs: list[Job], backend: LazyBackend, settings: Settings, opts: dict[str, Any]) -> list[FileResult]:
    """Run the pipeline with progress on the terminal; exits on interruption and run-wide failures."""
    reporter = ConsoleReporter(len(jobs), quiet=opts["quiet"])
    cache = None if opts["no_cache"] else TranscriptCache()
    with run_to_the_end(opts["debug"], before_exit=reporter.close), released(backend):
        results = run(jobs, backend, settings, reporter, cache, keep_transcripts=False)
    reporter.close()
    if opts["debug"]:
        for result in results:
            if result.error is not None and result.error.__cause__ is not None:
                traceback.print_exception(result.error.__cause__, file=sys.stderr)
    return results
