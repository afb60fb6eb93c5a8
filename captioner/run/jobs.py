"""Jobs: each media file of a run with the files it will write, checked before any transcription."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from captioner.core.transcript import Transcript
from captioner.errors import CaptionerError, MediaError, OutputError
from captioner.media.discover import discover
from captioner.media.urls import Media, MediaURL, split_sources
from captioner.output.atomic import cannot_write_in
from captioner.paths import name_too_long, real_path
from captioner.run.settings import Settings
from captioner.transcription.align.script import Script
from captioner.video.attach import video_output


@dataclass(frozen=True)
class AudioHash:
    """A local file's audio hash (:func:`captioner.media.hashing.audio_hash`) of one audio stream,
    known before the run: ``sync`` computed it for the lock, and the run's cache key reuses it
    instead of reading the audio again."""

    stream: int
    digest: str


@dataclass(frozen=True)
class Job:
    """One media file and the caption files it should produce."""

    media: Media  # a local file or a URL
    outputs: dict[str, Path]
    in_folder: bool = False  # found in a folder named on the command line (not named itself)
    audio_hash: AudioHash | None = None  # already known by the caller (used when the run reads that stream)
    script: Script | None = None  # its words, timed to the audio instead of transcribed (--script, scripts =)


@dataclass
class FileResult:
    media: Media
    status: str  # "done", "skipped" or "failed"
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # existing outputs left alone
    error: CaptionerError | None = None
    transcript: Transcript | None = None
    from_cache: bool = False
    audio_seconds: float = 0.0
    wall_seconds: float = 0.0


def output_paths(media: Media, root: Path | None, settings: Settings) -> dict[str, Path]:
    """Where each format of ``media``'s captions goes: beside it, or mirrored under output_dir
    (a URL's: in output_dir, named after its last path segment)."""
    if isinstance(media, MediaURL):
        if settings.output_dir is None:
            raise MediaError("a URL needs an output folder (-o DIR): there is no folder beside it", str(media))
        folder = settings.output_dir
    elif settings.output_dir is None:
        folder = media.parent
    elif root is not None:
        folder = settings.output_dir / media.parent.relative_to(root)
    else:
        folder = settings.output_dir
    return {fmt: folder / f"{media.stem}.{fmt}" for fmt in settings.formats}


def make_jobs(paths: Iterable[Path | str | MediaURL], settings: Settings) -> tuple[list[Job], list[CaptionerError]]:
    """Jobs for every media file and URL, and errors for missing paths, unreadable URLs and
    clashing outputs."""
    local, urls, errors = split_sources(paths)
    found: list[tuple[Media, Path | None]]
    found, missing = discover(local)  # type: ignore[assignment]  # (Path, root) pairs are (Media, root) pairs
    errors.extend(missing)
    found.extend((url, None) for url in dict.fromkeys(urls))
    jobs: list[Job] = []
    owners: dict[Path, Media] = {}
    unwritable: dict[Path, str | None] = {}  # each output folder tried once
    for media, root in found:
        try:
            outputs = output_paths(media, root, settings)
        except MediaError as exc:
            errors.append(exc)
            continue
        if isinstance(media, MediaURL) and settings.attach is not None:
            errors.append(MediaError(f"--{settings.attach} needs a local video, not a URL", str(media)))
            continue
        if isinstance(media, Path) and real_path(media) in {real_path(p) for p in outputs.values()}:
            errors.append(MediaError("its captions would overwrite the media itself (use --output-dir)", str(media)))
            continue
        clash = next((owners[real] for p in outputs.values() if (real := real_path(p)) in owners), None)
        if clash is not None:
            errors.append(
                MediaError(f"its captions would overwrite those of {clash} (use --output-dir or rename)", str(media))
            )
            continue
        # Found now, not after the file was transcribed (files whose captions exist are skipped
        # without --overwrite: they write nothing).
        folders = {p.parent for p in outputs.values() if settings.overwrite or not p.exists()}
        why = next((w for f in sorted(folders) if (w := _cannot_write(f, unwritable)) is not None), None)
        if why is None:  # the names too: stem + ".captioned.mp4" may pass the 255-byte limit
            too_long = (name_too_long(p) for p in _files_written(media, outputs, settings))
            why = next((w for w in too_long if w is not None), None)
        if why is not None:
            errors.append(OutputError(f"cannot write its captions: {why}", str(media)))
            continue
        for p in outputs.values():
            owners[real_path(p)] = media
        jobs.append(Job(media=media, outputs=outputs, in_folder=root is not None))
    return jobs, errors


def _files_written(media: Media, outputs: dict[str, Path], settings: Settings) -> list[Path]:
    """Every file a job may write: its captions, its review report, the video --mux/--burn makes."""
    files = list(outputs.values())
    if settings.review is not None:
        files.append(review_path(Job(media=media, outputs=outputs)))
    if settings.attach is not None and not settings.in_place and isinstance(media, Path):
        files.append(video_output(media, burn_in=settings.attach == "burn", output_dir=files[0].parent))
    return files


def _cannot_write(folder: Path, known: dict[Path, str | None]) -> str | None:
    if folder not in known:
        known[folder] = cannot_write_in(folder)
    return known[folder]


def review_path(job: Job) -> Path:
    first = next(iter(job.outputs.values()))
    return first.with_name(f"{job.media.stem}.review.txt")
