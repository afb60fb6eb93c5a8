"""The lock file (``captions.lock``): what each media file's captions were made from.

A small TOML file at the root of the tree, written by ``captioner sync`` and committed with the
captions.  One table per media file, sorted by path, one ``key = value`` a line, so a change to
one file's captions is a change to a few lines of the diff::

    # captions.lock: written by `captioner sync`, read by `captioner check`; commit it.
    version = 1
    media-hash = "audio-packets-sha256/1"

    ["talks/intro.mp4"]
    audio = "5f0c...e1"          # captioner.media.hashing.audio_hash of the media (first audio stream)
    settings = "0d8a4c2b9e7f6a15" # hash of the canonical settings (project.Config.settings_for)
    summary = "local/base language=auto style=netflix formats=srt,vtt"
    srt = "9b2e...04"            # sha256 of talks/intro.srt as generated
    vtt = "77aa...c3"            # sha256 of talks/intro.vtt as generated

Paths are relative to the root with ``/`` separators; each caption file is ``<stem>.<format>``
beside its media.  A lock arrives in pull requests and CI acts on it, so a path that is absolute or
has ``..`` parts makes the whole file unreadable (and the scanner refuses paths that lead out of
the tree through a symbolic link).  ``media-hash`` names the media hashing scheme: when captioner changes it, every
entry reads as stale.  The top-level keys' names (:data:`RESERVED`) cannot be media paths (TOML
would read a table of that name as a second definition); a media file always has an extension, so
no real path is one of them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from captioner.ci.tree import unsafe_relpath
from captioner.media.hashing import HASH_SCHEME
from captioner.output.atomic import atomic_write_text, exclusive_lock
from captioner.output.writers import FORMATS
from captioner.paths import read_regular_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

LOCK_VERSION = 1
MAX_LOCK_BYTES = 256 * 1024 * 1024  # ~1 million entries; a named pipe or device is refused whatever its size
RESERVED = frozenset({"version", "media-hash"})
HEADER = "# captions.lock: written by `captioner sync`, read by `captioner check`; commit it.\n"


class LockError(ValueError):
    """The lock file cannot be read."""


@dataclass(frozen=True)
class LockEntry:
    audio: str
    settings: str
    summary: str = ""
    captions: dict[str, str] = field(default_factory=dict)  # format -> sha256 of the file


@dataclass
class Lock:
    entries: dict[str, LockEntry] = field(default_factory=dict)  # root-relative media path -> entry
    media_hash: str = HASH_SCHEME


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's, DEL aside)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def dumps(lock: Lock) -> str:
    out = [HEADER, f"version = {LOCK_VERSION}\n", f"media-hash = {_string(lock.media_hash)}\n"]
    for path in sorted(lock.entries):
        if path in RESERVED:
            raise LockError(f"{path!r} cannot be a media path in the lock file (a reserved name)")
        why = unsafe_relpath(path)
        if why:
            raise LockError(f"{path!r} cannot be a media path in the lock file: {why}")
        entry = lock.entries[path]
        out.append(f"\n[{_string(path)}]\n")
        out.append(f"audio = {_string(entry.audio)}\n")
        out.append(f"settings = {_string(entry.settings)}\n")
        out.append(f"summary = {_string(entry.summary)}\n")
        for fmt in sorted(entry.captions):
            out.append(f"{fmt} = {_string(entry.captions[fmt])}\n")
    return "".join(out)


def loads(text: str) -> Lock:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LockError(f"not valid TOML: {exc}") from None
    version = data.pop("version", None)
    if isinstance(version, int) and not isinstance(version, bool) and version > LOCK_VERSION:
        raise LockError(
            f"lock version {version} was written by a newer captioner "
            f"(this one reads {LOCK_VERSION}): upgrade captioner"
        )
    if version != LOCK_VERSION:
        raise LockError(f"unsupported lock version {version!r} (this captioner writes {LOCK_VERSION})")
    media_hash = data.pop("media-hash", HASH_SCHEME)
    entries: dict[str, LockEntry] = {}
    for path, table in data.items():
        why = unsafe_relpath(path)
        if why:
            raise LockError(f"entry {path!r} reaches outside the tree: {why}")
        if (
            not isinstance(table, dict)
            or not isinstance(table.get("audio"), str)
            or not isinstance(table.get("settings"), str)
        ):
            raise LockError(f"entry {path!r} needs audio and settings strings")
        captions = {k: v for k, v in table.items() if k in FORMATS and isinstance(v, str)}
        entries[path] = LockEntry(
            audio=table["audio"], settings=table["settings"], summary=str(table.get("summary", "")), captions=captions
        )
    return Lock(entries=entries, media_hash=str(media_hash))


def read_lock(path: Path) -> Lock:
    """The lock at ``path``; an empty one when the file does not exist."""
    try:
        text = read_regular_file(path, MAX_LOCK_BYTES).decode("utf-8")
    except FileNotFoundError:
        return Lock()
    except OSError as exc:
        raise LockError(f"{path}: cannot read: {exc.strerror or type(exc).__name__}") from None
    except UnicodeDecodeError:
        raise LockError(f"{path}: cannot read: not UTF-8 text") from None
    try:
        return loads(text)
    except LockError as exc:
        raise LockError(f"{path}: {exc}") from None


def write_lock(path: Path, lock: Lock) -> None:
    """Write the lock atomically (an interrupted write leaves the old one)."""
    atomic_write_text(Path(path), dumps(lock))


def guard_path(path: Path) -> Path:
    """The file :func:`update_lock` holds an exclusive lock on (a dot-file beside the lock file,
    removed after each update)."""
    path = Path(path)
    return path.with_name(f".{path.name}.lck")


def update_lock(path: Path, put: Mapping[str, LockEntry] | None = None, drop: Iterable[str] = ()) -> Lock:
    """Merge one run's changes into the lock file: under an exclusive lock, read the file as it is
    now, set ``put``'s entries, remove ``drop``'s, and write it atomically (with this captioner's
    media-hash scheme, as every entry it writes uses).

    Two syncs on different parts of one tree compose: each re-reads what the other wrote (a
    read at the start and a write at the end kept only the last writer's entries).
    """
    with exclusive_lock(guard_path(path)):
        lock = read_lock(path)
        for rel in drop:
            lock.entries.pop(rel, None)
        lock.entries.update(put or {})
        lock.media_hash = HASH_SCHEME
        write_lock(path, lock)
    return lock
