"""``captioner review``: the cues a person should check, as text or web pages."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from captioner.captions.review import ReviewThresholds
from captioner.cli.caption import backend_spec_from
from captioner.cli.console import error_line
from captioner.cli.options import LocalPath, parse_language_option
from captioner.cli.policy import EXIT_FAILED, EXIT_OK, require_aixplain
from captioner.core.style import PRESETS, get_style
from captioner.core.transcript import Transcript
from captioner.errors import CaptionerError
from captioner.run.cache import TranscriptCache
from captioner.run.recipe import Recipe
from captioner.run.source import TranscriptSource


@click.command(name="review")
@click.argument("files", nargs=-1, required=True, type=LocalPath(exists=True, dir_okay=False, path_type=Path))
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
    "-l",
    "--language",
    callback=parse_language_option,
    help="As the file was captioned with (finds its cached transcript).",
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
    from captioner.captions.review import format_report, review, speaker_doubts
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
        doubtful = review(transcript, cues, thresholds)
        click.echo(format_report(str(path), doubtful, len(cues), speaker_doubts(transcript)), nl=False)
    if failed:
        sys.exit(EXIT_FAILED)


def _transcript_to_review(path: Path, captioned_with: dict[str, Any]) -> Transcript:
    """A .json transcript as it is; for a media file, the .json beside it, else its cached
    transcript refined as the run that captioned it refined it."""
    from captioner.ci.config import tree_file

    source = path if path.suffix.lower() == ".json" else path.with_suffix(".json")
    for named in dict.fromkeys([path, source]):  # a file leading out of its tree is not read
        tree_file(named)
    if source != path and not source.exists():
        if captioned_with["backend"] == "aixplain":
            require_aixplain()
        recipe = Recipe.from_cli(captioned_with, backend_spec_from(captioned_with))
        refined = TranscriptSource(recipe, TranscriptCache()).refined(path)
        if refined is None:
            raise CaptionerError(
                f"no transcript: no {source.name} beside it, and none in the transcript cache for these options "
                "(-f json writes one; -l, -m, --backend, ... as the file was captioned with)"
            )
        return refined
    try:
        return Transcript.from_json(source.read_text("utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CaptionerError(f"cannot read the transcript {source.name}: {exc}") from None
