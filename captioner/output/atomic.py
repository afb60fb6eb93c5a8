"""File-system helpers: atomic writes, an exclusive lock between processes, the per-user cache folder."""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from captioner.errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_RANDOM = 8  # characters mkstemp puts between prefix and suffix
_SHORT = 64  # bytes a temporary name may take whatever the final name's length


def temp_affixes(name: str, suffix: str = ".tmp") -> tuple[str, str]:
    """``mkstemp``'s prefix and suffix for a hidden temporary file that becomes ``name``:
    ``.<name>.XXXXXXXX<suffix>``, with ``name`` cut so that the temporary name is no longer
    than ``name`` itself (or than 64 bytes): near the 255-byte limit, a final name that fits
    must not fail for its temporary file's."""
    room = max(len(os.fsencode(name)), _SHORT) - len(os.fsencode(suffix)) - _RANDOM - 2
    head = os.fsencode(name)[: max(room, 0)].decode("utf-8", "ignore")
    return f".{head}.", suffix


# Temporary files of writes still in progress, removed at exit: a write in another thread (the
# embedded model joined while the first file is probed) does not get to clean up after itself
# when an interrupted process ends with ``os._exit`` (see captioner.interrupt.finish), which
# runs the exit handlers first.
_unfinished: set[Path] = set()
_unfinished_lock = threading.Lock()


def _remove_unfinished() -> None:
    with _unfinished_lock:
        for tmp in list(_unfinished):
            tmp.unlink(missing_ok=True)
        _unfinished.clear()


atexit.register(_remove_unfinished)


@contextlib.contextmanager
def atomic_writer(path: Path, *, binary: bool = False, encoding: str = "utf-8") -> Iterator[IO[Any]]:
    """Write ``path`` through a temporary file in the same folder, renamed over it on success.

    On any failure (Ctrl-C included) the temporary file is removed and an existing ``path`` is
    left as it was.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix, suffix = temp_affixes(path.name)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=suffix)
    except OSError as exc:
        raise OutputError(f"cannot write: {exc.strerror or exc}", str(path)) from None
    tmp = Path(tmp_name)
    with _unfinished_lock:
        _unfinished.add(tmp)
    try:
        handle: IO[Any] = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding=encoding, newline="")
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write: {exc.strerror or exc}", str(path)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        with _unfinished_lock:
            _unfinished.discard(tmp)


def cannot_write_in(folder: Path) -> str | None:
    """Why no file can be made in ``folder`` (or, if it does not exist yet, in its nearest existing
    parent), or None when one can: tried with a temporary file, which is what the writes do
    (permission bits alone say nothing to root, or on a read-only mount)."""
    probe = Path(folder)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a folder"
    try:
        fd, name = tempfile.mkstemp(dir=probe, prefix=".captioner-probe.", suffix=".tmp")
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(fd)
    Path(name).unlink(missing_ok=True)
    return None


def atomic_write_text(path: Path, text: str) -> None:
    with atomic_writer(path) as handle:
        handle.write(text)


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock between processes for the block: ``fcntl.flock`` on the file ``path``,
    made for it and removed again on release (nothing is left in the user's tree).

    A waiter may get the lock on a file its holder has just removed; it then sees that ``path``
    is no longer that file and starts again.  Without fcntl (Windows) there is no lock.
    """
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    path = Path(path)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise OutputError(f"cannot make a lock file: {exc.strerror or exc}", str(path)) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            held = os.fstat(fd)
            try:
                current = os.stat(path)
            except FileNotFoundError:
                current = None
        except BaseException:
            os.close(fd)
            raise
        if current is not None and (current.st_dev, current.st_ino) == (held.st_dev, held.st_ino):
            break
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)  # releases the lock, after the file is gone
