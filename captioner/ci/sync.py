"""``captioner sync``: bring a tree's captions and its lock file up to date.

Media whose captions are missing, stale or made with other settings go through the ordinary
pipeline (:func:`captioner.run.scheduler.run`, one :class:`~captioner.run.scheduler.LazyBackend`, so one model
load for the whole call, and a failing file does not stop the others).  The lock file is rewritten
atomically after every captioned file, so an interrupted sync keeps what it finished; a file that
failed keeps its old entry (or none).  Each rewrite merges this run's changes into the file as it
is then, under a lock (:func:`captioner.ci.lockfile.update_lock`), so syncs of different parts of one
tree at once keep each other's entries.  Captions a person edited are never overwritten without
``force``; captions without a lock entry are regenerated only with ``force`` or recorded as they
are with ``adopt``; orphans are dropped from the lock only with ``prune``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from captioner.ci.lockfile import Lock, LockEntry, update_lock
from captioner.ci.shard import Shard
from captioner.ci.status import (
    EDITED,
    LOCK_ENTRY_MISSING,
    MISSING,
    ORPHAN,
    SETTINGS_CHANGED,
    STALE,
    FileStatus,
    Report,
    Scanner,
    caption_paths,
)
from captioner.errors import CaptionerError
from captioner.media.hashing import file_sha256
from captioner.media.urls import Media
from captioner.run.backend import LazyBackend
from captioner.run.cache import TranscriptCache
from captioner.run.jobs import AudioHash, FileResult, Job
from captioner.run.recipe import Recipe
from captioner.run.reporter import NullReporter, Reporter
from captioner.run.scheduler import run
from captioner.run.settings import Settings
from captioner.transcription.align.script import Script, read_script

REGENERATE = frozenset({MISSING, STALE, SETTINGS_CHANGED})


@dataclass
class SyncResult:
    generated: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, cause)
    adopted: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)  # lock entries dropped
    deleted: list[str] = field(default_factory=list)  # generated caption files of gone media
    left: list[tuple[str, str]] = field(default_factory=list)  # (path, why) needing a person's decision
    final: Report | None = None  # the check after the sync


class _LockingReporter:
    """Passes the pipeline's events on, and records each captioned file in the lock at once."""

    def __init__(self, inner: Reporter, on_finish: Callable[[FileResult], None]) -> None:
        self._inner = inner
        self._on_finish = on_finish

    def start_file(self, media: Media, duration: float | None) -> None:
        self._inner.start_file(media, duration)

    def advance(self, seconds: float) -> None:
        self._inner.advance(seconds)

    def info(self, media: Media | None, message: str) -> None:
        self._inner.info(media, message)

    def finish_file(self, result: FileResult) -> None:
        self._on_finish(result)
        self._inner.finish_file(result)


def triage(
    report: Report, *, force: bool = False, adopt: bool = False, prune: bool = False
) -> tuple[list[FileStatus], list[FileStatus], list[FileStatus], list[tuple[str, str]]]:
    """Split a check's statuses into (to caption, to adopt, to prune, left alone with a reason)."""
    todo: list[FileStatus] = []
    adopt_list: list[FileStatus] = []
    prune_list: list[FileStatus] = []
    left: list[tuple[str, str]] = []
    for f in report.files:
        if f.state in REGENERATE or (f.state == EDITED and force):
            if f.edited and not force:
                left.append((f.path, f"{f.state}, but its captions were edited by hand: --force regenerates them"))
            else:
                todo.append(f)
        elif f.state == LOCK_ENTRY_MISSING:
            if force:
                todo.append(f)
            elif adopt:
                adopt_list.append(f)
            else:
                left.append((f.path, "captions without a lock entry: --adopt records them, --force regenerates them"))
        elif f.state == ORPHAN:
            if prune and f.has_entry:
                prune_list.append(f)
            elif f.has_entry:
                left.append((f.path, "orphan lock entry: --prune drops it"))
            else:
                left.append((f.path, "caption file without media: delete it or restore its media"))
        elif f.failing(report.strict):
            left.append((f.path, f"{f.state}: {f.detail}"))
    return todo, adopt_list, prune_list, left


def sync(
    scanner: Scanner,
    backend: LazyBackend,
    *,
    scope: Iterable[Path] | None = None,
    shard: Shard | None = None,
    force: bool = False,
    adopt: bool = False,
    prune: bool = False,
    make_reporter: Callable[[int], Reporter] | None = None,
    cache: TranscriptCache | None = None,
) -> SyncResult:
    """Caption what is missing or stale under ``scope`` and update the lock (see the module doc).

    A failure to create the backend (the model) concerns every file and is raised; the lock then
    holds what was finished before.
    """
    lock = scanner.read_lock()
    report = scanner.scan(scope, shard, lock=lock)
    todo, adopt_list, prune_list, left = triage(report, force=force, adopt=adopt, prune=prune)
    result = SyncResult(left=left)
    adopted = _adopt(scanner, adopt_list, result)
    _prune(scanner, lock, prune_list, result)
    if adopted or prune_list:
        update_lock(scanner.lock_path, adopted, [f.path for f in prune_list])
    _caption(scanner, backend, todo, result, make_reporter, cache)
    result.final = scanner.scan(scope, shard)
    return result


def _entry_for(scanner: Scanner, rel: str, audio: str, formats: Iterable[str]) -> LockEntry:
    """The lock entry of ``rel`` as its files are now."""
    config = scanner.config
    captions = {fmt: file_sha256(scanner.inside(cap)) for fmt, cap in caption_paths(rel, formats).items()}
    script = scanner.script_digest(rel)
    settings, summary = config.settings_hash(rel, script), config.summary_for(rel, script)
    return LockEntry(audio=audio, settings=settings, summary=summary, captions=captions)


def _script_of(scanner: Scanner, rel: str) -> Script | None:
    """The script the configuration's ``scripts`` gives ``rel``, read, where it exists."""
    if scanner.script_digest(rel) is None:
        return None
    name = scanner.config.script_of(rel)
    assert name is not None
    return read_script(scanner.inside(name))


def _cause(exc: CaptionerError | OSError) -> str:
    return exc.cause if isinstance(exc, CaptionerError) else str(exc)


def _adopt(scanner: Scanner, files: list[FileStatus], result: SyncResult) -> dict[str, LockEntry]:
    """Lock entries for captions that exist without one, recorded as they are (--adopt)."""
    root, formats = scanner.root, scanner.config.formats
    adopted: dict[str, LockEntry] = {}
    for f in files:
        present = [fmt for fmt, cap in caption_paths(f.path, formats).items() if (root / cap).is_file()]
        try:
            adopted[f.path] = _entry_for(scanner, f.path, scanner.audio_hash(f.path), present)
            result.adopted.append(f.path)
        except (CaptionerError, OSError) as exc:
            result.failed.append((f.path, _cause(exc)))
    return adopted


def _prune(scanner: Scanner, lock: Lock, files: list[FileStatus], result: SyncResult) -> None:
    """Entries of gone media dropped (--prune), with their captions when nobody edited them."""
    for f in files:
        old = lock.entries.get(f.path)
        result.pruned.append(f.path)
        if old is None or (scanner.root / f.path).exists():
            continue  # the media is there (no longer included): its captions stay
        for fmt, cap in caption_paths(f.path, old.captions).items():
            target = scanner.inside(cap)
            if target.is_file() and file_sha256(target) == old.captions[fmt]:
                target.unlink()
                result.deleted.append(cap)


def _caption(
    scanner: Scanner,
    backend: LazyBackend,
    files: list[FileStatus],
    result: SyncResult,
    make_reporter: Callable[[int], Reporter] | None,
    cache: TranscriptCache | None,
) -> None:
    """Run the pipeline on ``files`` (one run per spoken language setting and vocabulary), each finished file's
    lock entry written as it finishes."""
    root, config = scanner.root, scanner.config
    audio: dict[str, str] = {}
    groups: dict[Recipe, list[Job]] = {}
    for f in files:
        try:
            audio[f.path] = f.audio or scanner.audio_hash(f.path)
        except (CaptionerError, OSError) as exc:
            result.failed.append((f.path, _cause(exc)))
            continue
        outputs = {fmt: root / cap for fmt, cap in caption_paths(f.path, config.formats).items()}
        recipe = config.recipe(f.path, backend.spec)
        known = AudioHash(stream=0, digest=audio[f.path])  # the scanner hashes the first audio stream, as the run reads
        try:
            script = _script_of(scanner, f.path)
        except (CaptionerError, OSError) as exc:
            result.failed.append((f.path, _cause(exc)))
            continue
        if script is not None:  # its own recipe: the script keys its transcript
            recipe = replace(recipe, script=script)
        job = Job(media=root / f.path, outputs=outputs, audio_hash=known, script=script)
        groups.setdefault(recipe, []).append(job)

    def finished(res: FileResult) -> None:
        assert isinstance(res.media, Path)  # sync captions trees of files
        rel = res.media.relative_to(root).as_posix()
        if res.status == "done":
            update_lock(scanner.lock_path, {rel: _entry_for(scanner, rel, audio[rel], config.formats)})
            result.generated.append(rel)
        elif res.status == "failed":
            result.failed.append((rel, res.error.cause if res.error else "failed"))

    inner = make_reporter(sum(len(jobs) for jobs in groups.values())) if make_reporter else NullReporter()
    wrapped = _LockingReporter(inner, finished)
    try:
        for recipe, jobs in sorted(groups.items(), key=lambda item: _order(item[0])):
            settings = Settings(
                formats=config.formats,
                overwrite=True,
                style=config.style,
                recipe=recipe,
                speaker_names=config.speaker_names,
            )
            run(jobs, backend, settings, wrapped, cache)
    finally:
        if hasattr(inner, "close"):
            inner.close()


def _order(recipe: Recipe) -> tuple[str, str]:
    """The order of sync's runs: by language, then vocabulary."""
    return recipe.language or "", recipe.options.hotwords or ""
