"""Paths: the per-user cache folder, real paths that survive symlink loops, name-length limits, and
reading a small file the user names."""

from __future__ import annotations

import errno
import os
import stat
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


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def read_regular_file(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a small file the user named (a vocabulary, a URL list, a key file): only a
    regular file, and at most ``limit`` bytes.  A named pipe, device or socket would block or
    never end: it is opened without waiting (O_NONBLOCK) and refused by what the opened file is
    (``fstat``, so a swap between a check and the open changes nothing).  Raises OSError whose
    ``strerror`` is the one-line cause ("not a regular file: a named pipe (FIFO)", "larger than
    64 KiB")."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, f"not a regular file: {_kind(mode)}", str(path))
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:
        big = f"{limit // 1024} KiB" if limit >= 1024 else f"{limit} bytes"
        raise OSError(errno.EFBIG, f"larger than {big}", str(path))
    return b"".join(chunks)
