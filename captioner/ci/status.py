"""Caption states of a tree: which media files have missing, stale or edited captions.

Nothing here loads a model or decodes audio: media are hashed by demuxing their audio packets
(:func:`captioner.media.hashing.audio_hash`), caption files by their bytes, and both hashes are kept in
a per-user stat cache (path, size, mtime_ns, ctime_ns, inode -> hash) so a second check of an
unchanged tree reads no media at all.

States (``FAILING`` fail ``captioner check``; ``edited`` fails only with ``--strict``):

- ``ok``: the captions were made from this very audio with these settings and are unchanged.
- ``missing``: no captions (or a caption file the lock lists was deleted).
- ``stale``: the media's audio changed since its captions were made.
- ``settings-changed``: backend, model, language, style or formats differ from the lock's.
- ``edited``: a caption file differs from what was generated (a person corrected it).  Passes;
  ``sync`` leaves it alone unless ``--force``.
- ``orphan``: caption files, or a lock entry, whose media is gone (or no longer included).
- ``lock-entry-missing``: captions exist but the lock has no entry for the media.
- ``error``: the media cannot be read, it or one of its caption files leads out of the tree (a
  symbolic link: nothing is read through it), or a folder cannot be listed.

Nothing outside the tree is ever read: the lock's paths must stay inside it (else the lock is
refused), and a media or caption file that is a symbolic link leading out of the tree is an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from captioner.ci.config import Config
from captioner.ci.lockfile import Lock, LockError, read_lock
from captioner.ci.shard import Shard
from captioner.ci.tree import TreeGuard, walk
from captioner.errors import CaptionerError
from captioner.media.hashing import HASH_SCHEME, audio_hash, file_sha256
from captioner.media.probe import is_media_file
from captioner.output.atomic import atomic_write_text
from captioner.paths import cache_dir, symlink_loop

OK = "ok"
MISSING = "missing"
STALE = "stale"
SETTINGS_CHANGED = "settings-changed"
EDITED = "edited"
ORPHAN = "orphan"
LOCK_ENTRY_MISSING = "lock-entry-missing"
ERROR = "error"
STATES = (OK, MISSING, STALE, SETTINGS_CHANGED, EDITED, ORPHAN, LOCK_ENTRY_MISSING, ERROR)
FAILING = frozenset({MISSING, STALE, SETTINGS_CHANGED, ORPHAN, LOCK_ENTRY_MISSING, ERROR})
# Files that are captions whatever the configuration (json and txt files may be anything).
SUBTITLE_SUFFIXES = (".srt", ".vtt", ".ttml", ".scc", ".ass", ".sbv")

TITLES = {
    OK: "captions up to date",
    MISSING: "captions missing",
    STALE: "captions stale",
    SETTINGS_CHANGED: "caption settings changed",
    EDITED: "captions edited by hand",
    ORPHAN: "orphan captions",
    LOCK_ENTRY_MISSING: "lock entry missing",
    ERROR: "media unreadable",
}


@dataclass
class FileStatus:
    """One media file (or, for an orphan, a gone media file or a stray caption file)."""

    path: str  # root-relative, "/"-separated
    state: str
    detail: str = ""
    captions: list[str] = field(default_factory=list)  # root-relative caption files that exist
    edited: list[str] = field(default_factory=list)  # formats whose file differs from the lock
    audio: str | None = None  # the media's current audio hash, when computed
    has_entry: bool = False  # whether the lock has an entry for this path

    def failing(self, strict: bool = False) -> bool:
        return self.state in FAILING or (strict and (self.state == EDITED or bool(self.edited)))


def caption_paths(relpath: str, formats: Iterable[str]) -> dict[str, str]:
    """Root-relative caption files of a media file: ``<stem>.<format>`` beside it."""
    media = PurePosixPath(relpath)
    return {fmt: str(media.with_name(f"{media.stem}.{fmt}")) for fmt in formats}


class StatCache:
    """path + size + mtime_ns + ctime_ns + inode -> hash, kept per root in the user's cache folder.

    A file modified less than :attr:`RACY_SECONDS` ago is hashed but not cached (its timestamp may
    not yet tell a later change apart).  The cache is advisory: unreadable means empty.
    """

    RACY_SECONDS = 2.0
    VERSION = 1

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.enabled = enabled
        self.root = str(root)
        key = hashlib.sha256(str(root).encode()).hexdigest()[:20]
        self.path = cache_dir() / "check" / f"{key}.json"
        self._data: dict[str, list] = {}
        self._dirty = False
        self._seen: set[str] = set()
        self._now = time.time()
        if enabled:
            try:
                raw = json.loads(self.path.read_text("utf-8"))
                if raw.get("version") == self.VERSION and raw.get("root") == self.root:
                    self._data = raw["entries"]
            except (OSError, ValueError, KeyError, AttributeError):
                self._data = {}

    @staticmethod
    def _stamp(st: os.stat_result) -> list[int]:
        return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]

    def get(self, kind: str, rel: str, path: Path, compute: Callable[[Path], str]) -> str:
        st = path.stat()
        stamp = self._stamp(st)
        key = f"{kind}:{rel}"
        self._seen.add(key)
        if self.enabled:
            hit = self._data.get(key)
            if hit is not None and hit[:4] == stamp:
                return hit[4]
        digest = compute(path)
        if self.enabled and self._now - st.st_mtime > self.RACY_SECONDS:
            self._data[key] = [*stamp, digest]
            self._dirty = True
        return digest

    def save(self, prune: bool = False) -> None:
        """Write the cache if it changed; ``prune`` (after a whole-tree scan) drops unseen files."""
        if prune and self.enabled:
            stale = set(self._data) - self._seen
            for key in stale:
                del self._data[key]
            self._dirty = self._dirty or bool(stale)
        if not self.enabled or not self._dirty:
            return
        try:
            atomic_write_text(
                self.path, json.dumps({"version": self.VERSION, "root": self.root, "entries": self._data})
            )
        except CaptionerError:
            pass


@dataclass
class Report:
    """The outcome of a check: one status per media file (and orphan), sorted by path."""

    root: Path
    lock_path: Path
    files: list[FileStatus]
    strict: bool = False
    # cues a person marked reviewed in the studio, and all cues, by media path (when any has marks)
    reviewed: dict[str, tuple[int, int]] = field(default_factory=dict)

    def failing(self) -> list[FileStatus]:
        return [f for f in self.files if f.failing(self.strict)]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.state] = counts.get(f.state, 0) + 1
        return counts

    @property
    def ok(self) -> bool:
        return not self.failing()


class Scanner:
    """Computes the states of a tree's media files against its lock file."""

    def __init__(self, root: Path, config: Config, *, use_cache: bool = True, workers: int | None = None) -> None:
        self.root = root
        self.config = config
        self.cache = StatCache(root, enabled=use_cache)
        self.workers = workers or min(8, os.cpu_count() or 1)
        self.lock_path = root / config.lock
        self.guard = TreeGuard(root)

    def read_lock(self) -> Lock:
        """The tree's lock file, refused (LockError) when a path in it leads out of the tree."""
        lock = read_lock(self.lock_path)
        for rel, entry in lock.entries.items():
            for path in (rel, *caption_paths(rel, entry.captions).values()):
                why = self.guard.outside(path)
                if why:
                    raise LockError(f"{self.lock_path}: entry {rel!r} reaches outside the tree: {why}")
        return lock

    def inside(self, rel: str) -> Path:
        """``root / rel``, when it does not lead out of the tree (a symlink in a pull request
        must not make CI read, hash or report on a file elsewhere)."""
        why = self.guard.outside(rel)
        if why:
            raise CaptionerError(f"not read: {why}", rel)
        return self.root / rel

    def refused(self, rel: str, captions: Iterable[str]) -> str | None:
        """Why the media file ``rel`` or one of its caption files is not read (it leads out of the
        tree), naming the file; None when all of them stay inside."""
        why = self.guard.outside(rel)
        if why:
            return f"not read: {why}"
        for cap in dict.fromkeys(captions):
            why = self.guard.outside(cap)
            if why:
                return f"{cap}: not read: {why}"
        return None

    def audio_hash(self, rel: str) -> str:
        return self.cache.get(HASH_SCHEME, rel, self.inside(rel), audio_hash)

    def file_hash(self, rel: str) -> str:
        return self.cache.get("sha256", rel, self.inside(rel), file_sha256)

    def script_digest(self, rel: str) -> str | None:
        """The hash of the script the media file ``rel`` is aligned to (the configuration's
        ``scripts``), None when it has none there; CaptionerError when its path leads out of the tree."""
        script = self.config.script_of(rel)
        if script is None:
            return None
        why = self.guard.outside(script)
        if why:
            raise CaptionerError(f"script {script} not read: {why}", rel)
        if not (self.root / script).is_file():
            return None
        return self.file_hash(script)

    def scan(
        self,
        scope: Iterable[Path] | None = None,
        shard: Shard | None = None,
        lock: Lock | None = None,
        strict: bool = False,
    ) -> Report:
        lock = lock if lock is not None else self.read_lock()
        scope = list(scope or [])
        unreadable: list[tuple[str, str]] = []
        files = list(walk(self.root, scope, unreadable))
        scope_prefixes = [self._rel_prefix(p) for p in scope]
        all_media = [f for f in files if is_media_file(PurePosixPath(f))]
        media = [f for f in all_media if self.config.is_included(f) and (shard is None or f in shard)]
        present = set(files)
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            statuses = list(pool.map(lambda rel: self._status(rel, lock, present), media))
        # A folder that cannot be listed fails (whatever shard): its files are unknown, and its
        # lock entries are not orphans.
        statuses.extend(
            FileStatus(path=folder or ".", state=ERROR, detail=f"cannot read this folder: {cause}")
            for folder, cause in unreadable
        )
        hidden = [folder for folder, _ in unreadable]
        statuses.extend(self._orphans(lock, files, all_media, set(media), scope_prefixes, shard, hidden))
        self.cache.save(prune=not scope and shard is None)
        statuses.sort(key=lambda s: s.path)
        return Report(root=self.root, lock_path=self.lock_path, files=statuses, strict=strict)

    def _rel_prefix(self, path: Path) -> str:
        rel = Path(path).resolve().relative_to(self.root).as_posix()
        return "" if rel == "." else rel

    def _status(self, rel: str, lock: Lock, present: set[str]) -> FileStatus:
        entry = lock.entries.get(rel)
        wanted = caption_paths(rel, self.config.formats)
        existing = [p for p in wanted.values() if p in present or (self.root / p).is_file()]
        status = FileStatus(path=rel, state=OK, captions=existing, has_entry=entry is not None)
        if refused := self.refused(rel, [*wanted.values(), *caption_paths(rel, entry.captions if entry else ())]):
            status.state, status.detail = ERROR, refused
            return status
        if (loop := symlink_loop(self.root / rel)) is not None:  # not "missing": sync could not caption it
            status.state, status.detail = ERROR, f"cannot read: {loop}"
            return status
        if entry is None:
            if existing:
                status.state = LOCK_ENTRY_MISSING
                status.detail = f"{', '.join(existing)} exist but {self.config.lock} has no entry; run captioner sync"
            else:
                status.state = MISSING
                status.detail = f"no captions ({', '.join(wanted.values())}); run captioner sync"
            return status
        try:
            status.audio = self.audio_hash(rel)
            script = self.script_digest(rel)
            recorded = caption_paths(rel, entry.captions)
            for fmt, cap in recorded.items():
                if (self.root / cap).is_file() and self.file_hash(cap) != entry.captions[fmt]:
                    status.edited.append(fmt)
        except CaptionerError as exc:
            status.state, status.detail = ERROR, exc.cause
            return status
        except OSError as exc:
            status.state, status.detail = ERROR, f"cannot read: {exc.strerror or exc}"
            return status
        gone = [p for p in wanted.values() if p not in existing]
        edited_note = f" (and {', '.join(recorded[f] for f in status.edited)} edited by hand)" if status.edited else ""
        if lock.media_hash != HASH_SCHEME or status.audio != entry.audio:
            status.state = STALE
            status.detail = "the media's audio changed after its captions were made" + edited_note
        elif self.config.settings_hash(rel, script) != entry.settings:
            status.state = SETTINGS_CHANGED
            status.detail = f"made with {entry.summary or entry.settings}; now {self.config.summary_for(rel, script)}"
            status.detail += edited_note
        elif gone:
            status.state = MISSING
            status.detail = f"{', '.join(gone)} deleted" + edited_note
        elif status.edited:
            status.state = EDITED
            status.detail = f"{', '.join(recorded[f] for f in status.edited)} changed after generation"
        return status

    def _orphans(
        self,
        lock: Lock,
        files: list[str],
        all_media: list[str],
        included: set[str],
        scope_prefixes: list[str],
        shard: Shard | None,
        unreadable: list[str],
    ) -> list[FileStatus]:
        def in_scope(rel: str) -> bool:
            if shard is not None and rel not in shard:
                return False
            if any(not folder or rel.startswith(folder + "/") for folder in unreadable):
                return False
            if not scope_prefixes:
                return True
            return any(p == "" or rel == p or rel.startswith(p + "/") for p in scope_prefixes)

        media_set = set(all_media)
        out: list[FileStatus] = []
        claimed: set[str] = set()
        for rel, entry in lock.entries.items():
            if rel in included or not in_scope(rel):
                continue
            caps = [p for p in caption_paths(rel, entry.captions).values() if (self.root / p).is_file()]
            claimed.update(caps)
            if rel in media_set or (self.root / rel).is_file():
                if self.config.is_included(rel) and is_media_file(PurePosixPath(rel)):
                    continue  # present and included: checked above (or outside the scope)
                detail = "the media is no longer included by the configuration; sync --prune drops the entry"
            else:
                detail = "the media is gone" + (f"; its captions {', '.join(caps)} remain" if caps else "")
                detail += "; run captioner sync --prune"
            out.append(FileStatus(path=rel, state=ORPHAN, detail=detail, captions=caps, has_entry=True))
        stems: dict[str, set[str]] = {}
        for rel in media_set:
            pure = PurePosixPath(rel)
            stems.setdefault(str(pure.parent), set()).add(pure.stem)
        for rel in files:
            pure = PurePosixPath(rel)
            if pure.suffix.lower() not in SUBTITLE_SUFFIXES or rel in claimed or not in_scope(rel):
                continue
            beside = stems.get(str(pure.parent), set())
            parts = pure.stem.split(".")
            if any(".".join(parts[:n]) in beside for n in range(1, len(parts) + 1)):
                continue
            out.append(
                FileStatus(path=rel, state=ORPHAN, detail="no media file of this name beside it", captions=[rel])
            )
        return out
