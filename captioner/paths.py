"""Paths: the per-user cache folder, real paths that survive symlink loops, name-length limits."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """The per-user cache folder ($CAPTIONER_CACHE_DIR overrides it)."""
    configured = os.environ.get("CAPTIONER_CACHE_DIR")
    return Path(configured) if configured else Path(platformdirs.user_cache_dir("captioner"))


def real_path(path: Path) -> Path:
    """``path`` with its symbolic links resolved; a symbolic link loop (which names no file) made
    absolute instead (``Path.resolve`` raises RuntimeError on one before Python 3.13)."""
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def symlink_loop(path: Path) -> str | None:
    """The system's words for it when ``path`` is (or goes through) a symbolic link loop, else None."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return exc.strerror or os.strerror(errno.ELOOP)
    return None


def name_too_long(path: Path) -> str | None:
    """Why a file of ``path``'s name cannot be made in its folder when the name is longer than the
    folder's file system allows (255 bytes on most), else None."""
    folder = Path(path).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    size = len(os.fsencode(Path(path).name))
    if limit > 0 and size > limit:
        return f"{Path(path).name}: {os.strerror(errno.ENAMETOOLONG)} ({size} bytes, at most {limit})"
    return None
