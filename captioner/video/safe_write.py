"""Writing a new video file safely: ffmpeg writes a hidden temp file beside the output, the result is
checked, then renamed into place; temp files of killed runs are found and removed."""

from __future__ import annotations

import errno
import os
import re
import socket
import subprocess
import tempfile
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

from captioner.errors import CaptionerError, MediaError, OutputError
from captioner.media.ffmpeg import last_ffmpeg_line, popen
from captioner.output.atomic import temp_affixes


def write_atomically(
    command: Callable[[Path], list[str]],
    output: Path,
    check: Callable[[Path], None],
    *,
    what: str,
    mode_from: Path | None = None,
    log: list[str] | None = None,
) -> None:
    """Run ffmpeg into a hidden temp file beside ``output``, check it, then rename it over ``output``.

    On any failure (ffmpeg's, the check's, a full disk, KeyboardInterrupt) the temp file is
    removed and ``output`` is left as it was; temp files of earlier runs that were killed (see
    :func:`remove_stale_parts`) are removed first.  ``mode_from`` gives the permission bits to
    keep (the original's when replacing it in place); ``log`` receives ffmpeg's log for ``check``.
    """
    output = Path(output)
    folder = output.parent if str(output.parent) else Path(".")
    remove_stale_parts(output)
    try:
        prefix, suffix = _part_affixes(output, _host_tag(), os.getpid())
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    except OSError as exc:
        raise _output_error(exc, output) from None
    os.close(fd)
    tmp = Path(name)
    try:
        stderr = _run_ffmpeg(command(tmp), what, output)
        _hold_for_tests(tmp)
        if log is not None:
            log.append(stderr)
        try:
            check(tmp)
        except CaptionerError as exc:  # about the temp file, gone once this returns: say "the result"
            if exc.path == str(tmp):
                raise type(exc)(f"ffmpeg wrote an unusable result ({exc.cause})") from None
            raise
        _set_mode(tmp, mode_from)
        os.replace(tmp, output)
    except OSError as exc:
        raise _output_error(exc, output) from None
    finally:
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass


# The temp files are named ``.<stem>.<random>.<host>-<pid>.part<ext>`` (the stem cut so that the
# name is no longer than the output's, see output.atomic.temp_affixes): the host and pid of the run
# writing it, so that a later run can tell one whose run was killed (kill -9, a power cut) from one
# a live run is still writing, and never touches a file it did not make.
_PART_NAME = re.compile(r"\.(?P<head>.*)\.[a-z0-9_]{8}\.(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)\.part\.[^.]+")


def _host_tag() -> str:
    return f"{zlib.crc32(socket.gethostname().encode()):08x}"


def _part_affixes(output: Path, host: str, pid: int) -> tuple[str, str]:
    return temp_affixes(output.stem, f".{host}-{pid}.part{output.suffix}")


def remove_stale_parts(output: Path) -> list[Path]:
    """Remove the temp files of earlier writes of ``output`` whose run is gone (killed before it
    could clean up): those of this exact naming, made on this host by a process that no longer
    exists.  Returns the files removed."""
    output = Path(output)
    folder = output.parent if str(output.parent) else Path(".")
    host = _host_tag()
    removed: list[Path] = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(".") and n.endswith(f".part{output.suffix}")]
    except OSError:
        return removed
    for name in names:
        match = _PART_NAME.fullmatch(name)
        if match is None or match["host"] != host:
            continue
        pid = int(match["pid"])
        if _part_affixes(output, host, pid)[0] != f".{match['head']}." or _alive(pid):
            continue  # another output's (its stem differs), or its run still writing it
        path = folder / name
        try:
            if path.is_file() and not path.is_symlink():
                path.unlink()
                removed.append(path)
        except OSError:
            pass  # not ours to fight over: the write goes on beside it
    return removed


def _hold_for_tests(part: Path) -> None:
    """Under ``CAPTIONER_TEST_HOLD_PART=FILE`` (tests only): write the part file's name to FILE once
    ffmpeg has written it, then wait to be killed, so that a test can kill -9 a write at a known
    point (the part complete, the output not yet replaced) instead of racing a fast mux."""
    marker = os.environ.get("CAPTIONER_TEST_HOLD_PART")
    if marker:
        Path(marker).write_text(part.name, "utf-8")
        threading.Event().wait()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: a process of another user has that pid
        return True
    return True


def _set_mode(path: Path, mode_from: Path | None) -> None:
    if mode_from is not None:
        mode = os.stat(mode_from).st_mode & 0o7777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(path, mode)


def _run_ffmpeg(cmd: list[str], what: str, output: Path) -> str:
    proc = popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, err = proc.communicate()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    text = err.decode("utf-8", "replace")
    # Whatever the exit status: ffmpeg 5.1 exits 0 after "Error writing trailer: No space left on device".
    if "No space left on device" in text:
        raise OutputError("disk full (no space left on device)", str(output))
    if proc.returncode != 0:
        raise MediaError(f"ffmpeg could not {what}: {ffmpeg_cause(text)}")
    return text


# Lines ffmpeg prints after the real error: as its threads wind down (7 and later), or as a
# summary without the cause (5.1: "Error initializing output stream 0:2 -- ").
_FOLLOW_ON = re.compile(
    r"Error initializing output stream|Task finished with error code|Terminating thread with return code"
    r"|Nothing was written into output file"
    r"|Could not write header|Conversion failed|Error (while|sending|marking|closing)|received no packets",
    re.IGNORECASE,
)


def ffmpeg_cause(stderr: str) -> str:
    """The line of ffmpeg's log that says what went wrong, skipping the follow-on lines after it."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    causes = [line for line in lines if not _FOLLOW_ON.search(line)]
    return last_ffmpeg_line("\n".join(causes or lines))


def _output_error(exc: OSError, output: Path) -> OutputError:
    if exc.errno == errno.ENOSPC:
        return OutputError("disk full (no space left on device)", str(output))
    return OutputError(f"cannot write: {exc.strerror or exc}", str(output))
