"""The tree check and sync work on: paths read from files kept inside it, globs, and the walk
over its media.

Globs use ``/`` separators: ``*`` and ``?`` stay within one folder, ``**`` spans folders
(``**/`` also matches no folder at all).  Dot-folders (``.git``, ``.venv``, ...) are never searched.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from captioner.paths import real_path


def unsafe_relpath(rel: str) -> str | None:
    """Why ``rel`` is not a plain root-relative path (``a/b.mp4``), or None when it is: absolute
    paths, ``..`` (and empty or ``.``) parts and NUL characters are refused."""
    if not rel:
        return "an empty path"
    if "\x00" in rel:
        return "a NUL character in the path"
    if rel.startswith("/"):
        return "an absolute path"
    parts = rel.split("/")
    if ".." in parts:
        return "a '..' in the path"
    if "" in parts or "." in parts:
        return "an empty or '.' part in the path"
    return None


class TreeGuard:
    """Whether root-relative paths stay inside the tree at ``root``: for paths read from a lock
    file or a configuration (they arrive in pull requests, and CI acts on them), and for files CI
    would read.  Each folder is resolved once; a file costs one ``lstat``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self._prefix = os.path.join(self.root, "")
        self._folders: dict[str, bool] = {}  # root-relative folder -> resolves inside the tree

    def _inside(self, path: Path) -> bool:
        resolved = real_path(path)  # a symlink loop names no file: nothing is read through it
        return resolved == self.root or self.root in resolved.parents

    def outside(self, rel: str) -> str | None:
        """Why ``rel`` does not stay inside the tree (:func:`unsafe_relpath`, or a symbolic link
        leading out of it, in a folder or the file itself), or None when it does."""
        why = unsafe_relpath(rel)
        if why:
            return why
        folder = rel.rpartition("/")[0]
        inside = self._folders.get(folder)
        if inside is None:
            inside = self._folders[folder] = self._inside(self.root / folder)
        path = f"{self._prefix}{rel}"  # a string: this runs for every file a check reads
        try:
            link = stat.S_ISLNK(os.lstat(path).st_mode)
        except OSError:
            link = False  # nothing there (or not readable): nothing to follow
        if not inside or (link and not self._inside(Path(path))):
            return "a symbolic link leading out of the tree"
        return None


def outside_tree(root: Path, rel: str) -> str | None:
    """Why the root-relative path ``rel`` does not stay inside the tree at ``root``, or None."""
    return TreeGuard(root).outside(rel)


@lru_cache(maxsize=512)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    pattern = pattern.strip().lstrip("/")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def glob_match(relpath: str, pattern: str) -> bool:
    """Whether a root-relative POSIX path matches a glob (see the module docstring).

    >>> glob_match("talks/2024/keynote.mp4", "talks/**/*.mp4"), glob_match("a/b.mp4", "*.mp4")
    (True, False)
    """
    return _glob_regex(pattern).match(relpath) is not None


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with ``/`` separators (ValueError when outside)."""
    return Path(path).resolve().relative_to(root).as_posix()


def walk(
    root: Path, scope: Iterable[Path] | None = None, unreadable: list[tuple[str, str]] | None = None
) -> Iterator[str]:
    """Root-relative POSIX paths of every file under ``scope`` (default: the whole root),
    skipping dot-folders and dot-files, in sorted order.

    Folders that cannot be listed are added to ``unreadable`` as (root-relative path, cause): a
    CI gate must fail on them, not pass on the files it could see.
    """

    def note(exc: OSError) -> None:
        if unreadable is not None and exc.filename is not None:
            folder = Path(exc.filename).relative_to(root).as_posix()
            unreadable.append((folder, exc.strerror or str(exc)))

    folders = [root] if not scope else [Path(p).resolve() for p in scope]
    seen: set[str] = set()
    for top in folders:
        if top.is_file():
            rel = relative(top, root)
            if rel not in seen:
                seen.add(rel)
                yield rel
            continue
        for dirpath, dirnames, filenames in os.walk(top, onerror=note):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            prefix = Path(dirpath).relative_to(root).as_posix()
            prefix = "" if prefix == "." else prefix + "/"
            for name in sorted(filenames):
                if name.startswith("."):
                    continue
                rel = prefix + name
                if rel not in seen:
                    seen.add(rel)
                    yield rel
