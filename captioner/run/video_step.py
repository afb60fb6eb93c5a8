"""After a file's captions are written: --mux/--burn put them into its video."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from captioner.core.transcript import Transcript
from captioner.errors import CaptionerError, MediaError
from captioner.output.writers import SUBTITLE_FORMATS
from captioner.run.jobs import FileResult, Job
from captioner.run.reporter import Reporter
from captioner.run.settings import Settings
from captioner.run.source import TranscriptSource
from captioner.video.attach import caption_video, clear_killed_writes, has_caption_track, video_output
from captioner.video.mux import NoVideoError


def attach_to_video(
    job: Job,
    result: FileResult,
    settings: Settings,
    reporter: Reporter,
    kept_language: Callable[[], str | None] | None = None,
) -> FileResult:
    """With --mux/--burn, put the file's captions into its video (a failure fails the file).

    Captions kept from an earlier run go in only when that run's video step did not finish (it
    failed or was interrupted after the captions were written): their language is then
    ``-l``'s, else ``kept_language()``'s (the .json beside them, or the cached transcript).
    An audio file found in a folder gets its captions and a note; one named on the command line
    fails (it was asked for explicitly).
    """
    if settings.attach is None or result.status == "failed" or not isinstance(job.media, Path):
        return result  # (a URL job with --mux/--burn is refused by make_jobs)
    captions = {fmt: path for fmt, path in job.outputs.items() if fmt in SUBTITLE_FORMATS}
    output_dir = next(iter(captions.values())).parent if captions else None
    burn_in = settings.attach == "burn"
    if result.transcript is not None:
        language: str | None = captions_language(result.transcript)
    else:
        language = "en" if settings.options.task == "translate" else settings.options.language
    verb = "burned in" if burn_in else "muxed"
    try:
        if result.status == "skipped":
            if settings.in_place:
                # The kept captions went into the video if the earlier run finished: again would add
                # a second track. Burnt-in ones cannot be told from the picture: --overwrite burns anew.
                if burn_in or has_caption_track(job.media):
                    clear_killed_writes(job.media, burn_in=burn_in, in_place=True)
                    return result
            elif video_output(job.media, burn_in=burn_in, output_dir=output_dir).exists():
                kept_language = None  # kept as it is: no language needed
            if language is None and kept_language is not None:
                language = kept_language()
        video, written = caption_video(
            job.media,
            captions,
            language,
            burn_in=burn_in,
            burn_options=settings.burn_options,
            in_place=settings.in_place,
            output_dir=output_dir,
            overwrite=settings.overwrite,
        )
    except NoVideoError:
        if job.in_folder:
            reporter.info(job.media, f"audio only, captions not {verb}")
            return result
        cause = f"audio only (no video stream): its captions were written, but cannot be {verb}"
        result.status, result.error = "failed", MediaError(cause, str(job.media))
        return result
    except CaptionerError as exc:
        result.status, result.error = "failed", exc.with_path(str(job.media))
        return result
    if written and video is not None:
        result.written.append(video)
        result.status = "done"
    elif video is not None:
        result.kept.append(video)
    return result


def captions_language(transcript: Transcript) -> str:
    """The language the captions of ``transcript`` are in: English for a translation."""
    return "en" if transcript.task == "translate" else transcript.language


def kept_language(job: Job, source: TranscriptSource) -> str | None:
    """The language of captions kept from an earlier run (they do not say): that of the
    transcript written beside them (``-f json``), else of the cached one; None when unknown."""
    beside = next(iter(job.outputs.values())).with_name(f"{job.media.stem}.json")
    try:
        return captions_language(Transcript.from_json(beside.read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    transcript = source.cached(job.media)
    return captions_language(transcript) if transcript is not None else None
