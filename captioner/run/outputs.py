"""Cues from a transcript, written in every requested format (and the review report)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from captioner.captions.review import format_report, review, speaker_doubts
from captioner.captions.segmentation import segment
from captioner.core.transcript import Transcript
from captioner.errors import CaptionerError
from captioner.media.probe import MediaInfo
from captioner.output.atomic import atomic_write_text
from captioner.output.writers import WriterOptions, render_with_notes
from captioner.refine.refine import has_words
from captioner.run.jobs import Job, review_path
from captioner.run.reporter import Reporter
from captioner.run.settings import Settings


def format_outputs(
    job: Job,
    transcript: Transcript,
    settings: Settings,
    formats: Sequence[str],
    reporter: Reporter | None = None,
    frame: tuple[int, int] | None = None,
) -> list[Path]:
    """Segment the transcript into cues and write the requested formats atomically (never empty
    ones from a transcript with words), with the writers' notes.  A format that cannot carry the
    text (SCC of Japanese) fails the file, after the others are written.  ``frame`` is the
    video's picture size (ASS sizes its text by it).

    With ``settings.review``, also ``<stem>.review.txt`` listing the doubtful cues (and a
    warning line naming it); doubt never fails a file.
    """
    cues = segment(transcript, settings.style)
    if has_words(transcript) and not any(c.text.strip() for c in cues):
        # Never replace captions with empty ones when there was speech: a formatter defect (a
        # style out of its range once made every cue vanish) fails the file instead.
        raise CaptionerError(
            f"no cue came out of a transcript with words (style {settings.style.name}); "
            "the caption files were not written"
        )
    options = WriterOptions(
        highlight_words=settings.highlight_words,
        language=transcript.language,
        style_name=settings.style.name,
        look=settings.burn_options,
        frame=frame,
    )
    rendered = {}
    refused: list[CaptionerError] = []
    for fmt in formats:
        try:
            rendered[fmt] = render_with_notes(fmt, cues, transcript, options)
        except CaptionerError as exc:  # a format that cannot carry this text (SCC of Japanese)
            refused.append(exc)
    written = []
    for fmt, result in rendered.items():
        atomic_write_text(job.outputs[fmt], result.text)
        written.append(job.outputs[fmt])
        if reporter is not None:
            for note in result.notes:
                reporter.info(job.media, note)
    if refused:
        done = f" ({', '.join(p.name for p in written)} written)" if written else ""
        raise CaptionerError("; ".join(exc.cause for exc in refused) + done)
    if settings.review is not None:
        doubtful = review(transcript, cues, settings.review)
        path = review_path(job)
        notes = speaker_doubts(transcript)
        atomic_write_text(path, format_report(job.media.name, doubtful, len(cues), notes))
        written.append(path)
        if doubtful and reporter is not None:
            reporter.info(job.media, f"warning: {len(doubtful)} of {len(cues)} cues need a check, see {path}")
    return written


def picture_size(info: MediaInfo) -> tuple[int, int] | None:
    """The first video stream's picture size, None for audio."""
    pictures = [(v.width, v.height) for v in info.video_streams if v.width and v.height]
    return pictures[0] if pictures else None
