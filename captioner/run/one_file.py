"""One file through the stages: its audio (or cached transcript) in, its caption files out."""

from __future__ import annotations

import math
import time
from concurrent.futures import Future

from captioner import interrupt
from captioner.core.transcript import Transcript
from captioner.errors import CaptionerError, RunError
from captioner.media.urls import Media
from captioner.refine.refine import has_words, refine
from captioner.run.aligned import script_notes
from captioner.run.jobs import FileResult, Job
from captioner.run.outputs import format_outputs, picture_size
from captioner.run.prepared import Prepared
from captioner.run.reporter import Reporter
from captioner.run.settings import Settings
from captioner.run.source import TranscriptSource
from captioner.run.speakers import channel_notes, name_speakers
from captioner.transcription.base import media_name


def run_one(
    job: Job,
    pending: list[str],
    prepared: Future[Prepared],
    source: TranscriptSource,
    settings: Settings,
    reporter: Reporter,
) -> FileResult:
    started = time.monotonic()
    kept = [p for f, p in job.outputs.items() if f not in pending]

    def failed(exc: CaptionerError) -> FileResult:
        return FileResult(media=job.media, status="failed", kept=kept, error=exc.with_path(str(job.media)))

    try:
        data = prepared.result()
    except CaptionerError as exc:
        return failed(exc)
    except Exception as exc:  # a bug must not stop the batch; --debug shows the traceback
        return failed(internal_error(exc))
    transcript = data.transcript
    for note in data.notes:
        reporter.info(job.media, note)
    if transcript is None:
        assert source.backend is not None
        source.backend.get()  # a model or credential failure concerns the whole run: raised
    try:
        if transcript is None:
            reporter.start_file(job.media, data.info.duration)
            interrupt.mark(f"transcribing-{job.media.name}")
            naming = media_name.set(str(job.media))
            try:
                transcript = source.raw(data, progress=reporter.advance)  # and stored in the cache
            finally:
                media_name.reset(naming)
            reporter.advance(math.inf)  # done: the bar full, though the last words end before the media
            data.release()  # free the samples (and their share of the byte budget) before formatting
        else:
            reporter.info(job.media, "transcript from the cache (--no-cache transcribes again)")
        aligned = source.recipe.script is not None  # the job's script (Job.script), timed by source.raw
        filters = None if aligned else settings.filters  # a script's words are all kept
        transcript = refine(transcript, filters=filters, retime_words=settings.retime)
        transcript = name_speakers(transcript, settings.speaker_names)
        if aligned:
            for note in script_notes(transcript, settings.keep_lines):
                reporter.info(job.media, note)
        for note in channel_notes(transcript, settings):
            reporter.info(job.media, note)
        if has_words(transcript):
            describe_language(job.media, transcript, reporter)
        else:
            video = "; nothing to put into the video" if settings.attach else ""
            reporter.info(job.media, f"no speech found; the caption files are empty{video}")
        written = format_outputs(job, transcript, settings, pending, reporter, picture_size(data.info))
    except RunError:  # it concerns every file (the cluster is gone): the run stops
        raise
    except CaptionerError as exc:
        return failed(exc)
    except Exception as exc:  # a bug must not stop the batch; --debug shows the traceback
        return failed(internal_error(exc))
    finally:
        data.release()
    return FileResult(
        media=job.media,
        status="done",
        written=written,
        kept=kept,
        transcript=transcript,
        from_cache=data.transcript is not None,
        audio_seconds=transcript.duration,
        wall_seconds=time.monotonic() - started,
    )


def internal_error(exc: Exception) -> CaptionerError:
    error = CaptionerError(f"internal error: {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error


def describe_language(media: Media, transcript: Transcript, reporter: Reporter) -> None:
    probability = transcript.meta.get("language_probability")
    if transcript.meta.get("language_forced"):
        reporter.info(media, f"language: {transcript.language} (forced)")
    elif probability is not None:
        others = [code for code in transcript.meta.get("languages") or () if code != transcript.language]
        heard = f"; also heard: {', '.join(others)}" if others else ""
        reporter.info(media, f"detected language: {transcript.language} (probability {probability:.2f}){heard}")
    else:
        reporter.info(media, f"language: {transcript.language}")
    note = vocabulary_note(transcript.meta.get("vocabulary"))
    if note is not None:
        reporter.info(media, note)


def vocabulary_note(windows: object) -> str | None:
    """What became of a vocabulary (see ``meta["vocabulary"]``): the windows of another language
    left without it, and those where the speech sounded like a term (decoded again with the terms,
    see captioner.transcription.local.vocabulary_gate)."""
    if not isinstance(windows, dict):
        return None
    skipped = windows.get("skipped") or {}
    used = windows.get("used") or 0
    language = windows.get("language")
    if skipped and not used:
        return f"vocabulary not used: it is {language}, the speech is {', '.join(sorted(skipped))}"
    notes = []
    if skipped:
        total = used + sum(skipped.values())
        notes.append(
            f"vocabulary ({language}) given to {used} of {total} windows; not to those in {', '.join(sorted(skipped))}"
        )
    if used:
        near, taken = windows.get("near_misses") or 0, windows.get("taken") or 0
        if near:
            again = f"{near} of {used} windows sounded like a term and were decoded again with the vocabulary"
            notes.append(f"{again}; {taken} took it")
        else:
            notes.append(f"vocabulary: nothing sounded like its terms ({used} windows decoded as without it)")
    return "; ".join(notes) or None
