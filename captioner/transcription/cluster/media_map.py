"""``--workers-read-media``: where the workers find a file this machine has, so that only its name travels.

Each mapping is ``LOCAL=WORKER``: a folder of this machine, and where the workers see the same
files: a path of theirs (a shared file system), or an ``s3://``, ``gs://`` or ``http(s)://``
prefix (read through fsspec or captioner's own bounded URL reader).  A file under ``LOCAL`` is
sent to a worker as a :class:`MediaRef`; the worker reads and decodes it itself
(:mod:`captioner.transcription.cluster.reader`).

A reference names a file inside its mapping and nowhere else: the file's real path (symlinks
resolved) must lie under ``LOCAL``'s real path, and the worker checks again that what it opens,
resolved on its side, lies under ``WORKER``.  A URL's user, password and query string (credentials)
are never shown: :attr:`MediaRef.shown` is what messages say.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from captioner.errors import MediaError
from captioner.media.ffmpeg import redact_url

URL_SCHEMES = ("s3", "gs", "http", "https")


@dataclass(frozen=True)
class MediaRef:
    """A file as a worker reads it: ``where`` (its path or URL) under ``root`` (the mapping's
    worker side); ``shown`` is ``where`` as messages may show it."""

    where: str
    root: str

    @property
    def is_url(self) -> bool:
        return _scheme(self.root) in URL_SCHEMES

    @property
    def shown(self) -> str:
        return redact_url(self.where) if self.is_url else self.where


@dataclass(frozen=True)
class MediaMap:
    """The mappings of ``--workers-read-media`` (see the module doc)."""

    prefixes: tuple[tuple[Path, str], ...]  # (this machine's real folder, the workers' prefix)

    @classmethod
    def parse(cls, specs: tuple[str, ...] | list[str]) -> MediaMap:
        """The mappings; ValueError naming the one that cannot be used."""
        prefixes = []
        for spec in specs:
            local, sep, worker = spec.partition("=")
            if not sep or not local or not worker:
                raise ValueError(f"{spec!r}: give LOCAL=WORKER (a folder here, and the workers' path or URL of it)")
            scheme = _scheme(worker)
            if scheme and scheme not in URL_SCHEMES:
                raise ValueError(f"{redact_url(worker)}: the workers read {', '.join(URL_SCHEMES)} URLs or paths")
            if not scheme and not posixpath.isabs(worker):
                raise ValueError(f"{worker}: the workers' side of a mapping is an absolute path or a URL")
            folder = Path(local).expanduser()
            if not folder.is_dir():
                raise ValueError(f"{local}: not a folder of this machine")
            prefixes.append((Path(os.path.realpath(folder)), worker.rstrip("/") or "/"))
        return cls(tuple(prefixes))

    def reference(self, path: Path) -> MediaRef | None:
        """Where the workers find ``path`` (None: under no mapping; its audio is sent instead)."""
        real = Path(os.path.realpath(path))
        for local, worker in self.prefixes:
            try:
                relative = real.relative_to(local)
            except ValueError:
                continue
            parts = relative.parts
            if not parts or any(part in ("..", ".") for part in parts):
                continue
            if _scheme(worker):
                return MediaRef(worker + "/" + "/".join(quote(part) for part in parts), worker)
            return MediaRef(posixpath.join(worker, *parts), worker)
        return None


def worker_path(ref: MediaRef) -> str:
    """The path a worker opens for ``ref``: under its root once resolved on the worker, or a
    :class:`MediaError` (a ``..`` or a symlink that would leave the mapping)."""
    root = os.path.realpath(ref.root)
    real = os.path.realpath(ref.where)
    if os.path.commonpath([root, real]) != root or not posixpath.normpath(ref.where).startswith(ref.root):
        raise MediaError(f"outside the mapped folder {ref.root}", ref.shown)
    return real


def _scheme(text: str) -> str:
    head, sep, _ = text.partition("://")
    return head.lower() if sep and head.isalnum() else ""
