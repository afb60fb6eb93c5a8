"""Cues from a transcript, written in every requested format (and the review report)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from captioner.captions.review import format_report, review
from captioner.captions.segmentation import segment
from captioner.core.transcript import Transcript
from captioner.errors import CaptionerError
from captioner.output.atomic import atomic_write_text
from captioner.output.writers import render
from captioner.refine.refine import has_words
from captioner.run.jobs import Job, review_path
from captioner.run.reporter import Reporter
from captioner.run.settings import Settings


def format_outputs(
    job: Job, transcript: Transcript, settings: Settings, formats: Sequence[str], reporter: Reporter | None = None
) -> list[Path]:
    """Segment the transcript into cues and write the requested formats atomically (never empty
    ones from a transcript with words).

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
    written = []
    for fmt in formats:
        text = render(fmt, cues, transcript, highlight_words=settings.highlight_words)
        atomic_write_text(job.outputs[fmt], text)
        written.append(job.outputs[fmt])
    if settings.review is not None:
        doubtful = review(transcript, cues, settings.review)
        path = review_path(job)
        atomic_write_text(path, format_report(job.media.name, doubtful, len(cues)))
        written.append(path)
        if doubtful and reporter is not None:
            reporter.info(job.media, f"warning: {len(doubtful)} of {len(cues)} cues need a check, see {path}")
    return written
