"""The ffmpeg binary captioner runs: which one, whether it is recent enough, and how it is started.

By default the one imageio-ffmpeg installs (a static build, the same version wherever captioner
is installed), not whichever ffmpeg happens to be on PATH: ffmpeg's behaviour changes between
versions (messages, timestamps, exit codes), and a run should not depend on what else the machine
has.  ``$CAPTIONER_FFMPEG`` names another binary (a distro's, a newer build).  Versions before
:data:`MIN_VERSION` are refused with one line.

Every ffmpeg is started so that it dies with captioner (on Linux a parent-death signal): a
``kill -9`` of captioner must not leave an ffmpeg encoding on for minutes.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from captioner.errors import MediaError

ENV = "CAPTIONER_FFMPEG"
MIN_VERSION = (5, 1)  # Debian 12's; the oldest the test suite runs on
_MIN_LIBAVFORMAT = (59, 27)  # ffmpeg 5.1's, for builds whose version is a git describe ("N-112233-g...")


@dataclass(frozen=True)
class FFmpeg:
    path: str
    version: str  # as ``ffmpeg -version`` gives it: "5.1.9-0+deb12u1", "n9.0.2-17-g2a571b6068-20260930"
    source: str  # where it was found, for --version and -v

    def describe(self) -> str:
        return f"ffmpeg {self.version} ({self.source}: {self.path})"


@lru_cache(maxsize=1)
def find_ffmpeg() -> FFmpeg:
    """The ffmpeg to run (see the module docstring), checked once per process.

    Raises :class:`MediaError` (one line) when there is none, it does not run, or it is too old.
    """
    configured = os.environ.get(ENV)
    if configured:
        path = shutil.which(configured) or configured
        source = f"${ENV}"
    else:
        path, source = _bundled()
    output = _version_output(path, source)
    version, numbers = parse_version(output)
    if numbers is not None and numbers < MIN_VERSION:
        minimum = ".".join(map(str, MIN_VERSION))
        raise MediaError(
            f"ffmpeg {version} ({source}: {path}) is too old: captioner needs ffmpeg {minimum} or later"
            + (f" (unset {ENV} to use the bundled one)" if configured else "")
        )
    return FFmpeg(path=path, version=version, source=source)


def ffmpeg_exe() -> str:
    """The path of the ffmpeg binary to run (see :func:`find_ffmpeg`)."""
    return find_ffmpeg().path


def _bundled() -> tuple[str, str]:
    try:
        import imageio_ffmpeg

        path = imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # pragma: no cover - depends on the install
        raise MediaError(f"no ffmpeg: imageio-ffmpeg has none for this platform ({exc}); set {ENV}") from None
    if os.environ.get("IMAGEIO_FFMPEG_EXE"):
        return path, "$IMAGEIO_FFMPEG_EXE"
    inside = Path(imageio_ffmpeg.__file__).parent in Path(path).resolve().parents
    return path, "bundled with imageio-ffmpeg" if inside else "found by imageio-ffmpeg"


def _version_output(path: str, source: str) -> str:
    try:
        proc = run([path, "-hide_banner", "-version"], capture_output=True, timeout=30, check=False)
    except FileNotFoundError:
        raise MediaError(f"ffmpeg not found ({source}: {path})") from None
    except PermissionError:
        raise MediaError(f"ffmpeg cannot be run: permission denied ({source}: {path})") from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise MediaError(f"ffmpeg cannot be run ({source}: {path}): {exc}") from None
    text = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0 or not text.startswith("ffmpeg version"):
        raise MediaError(f"not an ffmpeg binary ({source}: {path}): '-version' did not say 'ffmpeg version'")
    return text


def parse_version(output: str) -> tuple[str, tuple[int, int] | None]:
    """The version string of ``ffmpeg -version``'s output, and (major, minor) when it can be told:
    from a release number ("5.1.9-0+deb12u1", "n9.0.2-..."), else from libavformat's version
    (a build from git says "N-112233-g..."); None when neither can be read."""
    first = output.splitlines()[0] if output else ""
    match = re.match(r"ffmpeg version (\S+)", first)
    version = match[1] if match else "unknown"
    release = re.match(r"n?(\d+)\.(\d+)", version)
    if release:
        return version, (int(release[1]), int(release[2]))
    lavf = re.search(r"^libavformat\s+(\d+)\.\s*(\d+)\.", output, re.MULTILINE)
    if lavf:
        at_least = (int(lavf[1]), int(lavf[2])) >= _MIN_LIBAVFORMAT
        return version, MIN_VERSION if at_least else (0, 0)
    return version, None


# --- starting ffmpeg --------------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1


@lru_cache(maxsize=1)
def _parent_death_signal() -> Callable[[int], None] | None:
    """A ``preexec_fn`` that makes the child get SIGKILL when its parent dies (Linux); None elsewhere.

    The signal comes when the *thread* that started the child ends: every ffmpeg here is waited
    for by the thread that started it, so that only happens when the process dies.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    kill, getpid, getppid = os.kill, os.getpid, os.getppid

    def die_with_parent(parent: int) -> None:
        # Bound beforehand: the child runs as little Python as possible between fork and exec.
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if getppid() != parent:  # the parent died before the signal was set up
            kill(getpid(), signal.SIGKILL)

    return die_with_parent


def _child_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    hook = _parent_death_signal()
    if hook is None:
        return kwargs
    parent = os.getpid()
    return {**kwargs, "preexec_fn": lambda: hook(parent)}


def popen(cmd: Sequence[str], **kwargs: Any) -> subprocess.Popen:
    """``subprocess.Popen`` for an ffmpeg that dies with this process."""
    return subprocess.Popen(list(cmd), **_child_options(kwargs))


def run(cmd: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess:
    """``subprocess.run`` for an ffmpeg that dies with this process."""
    return subprocess.run(list(cmd), **_child_options(kwargs))


def ffmpeg_path(path: Path | str) -> str:
    """``path`` as ffmpeg and PyAV must get it: absolute, so that no relative name is read as a URL
    (``10:30 standup.mp4`` as the protocol ``10:``, ``-`` as stdin)."""
    return os.fspath(Path(path).absolute())


# Any URL in a message: from its scheme to the next white space, quotes included (a quote inside a
# query string must not end the URL before its signature); see :func:`redact`.
_ANY_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://\S*")
_CLOSING = re.compile(r"[\'\"()\[\].,;:!]*$")  # punctuation that closes a URL quoted in a sentence


def redact_url(url: str) -> str:
    """``url`` as it may be shown: its scheme, host, port and path, parsed (``urllib.parse``), without
    user, password, query string or fragment (a signed URL's signature is a credential)."""
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
    except ValueError:  # an unparseable URL: shown as its scheme only
        return url.split(":", 1)[0] + "://..."
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def redact(text: str) -> str:
    """``text`` with every URL in it shown as :func:`redact_url` shows it."""

    def one(match: re.Match[str]) -> str:
        token = match[0]
        closing = _CLOSING.search(token)[0]  # type: ignore[index]
        return redact_url(token[: len(token) - len(closing)]) + closing

    return _ANY_URL.sub(one, text)


def last_ffmpeg_line(stderr: bytes | str) -> str:
    """The last meaningful line of ffmpeg's log (its summary of what went wrong), URLs redacted."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    meaningful = [ln for ln in lines if not ln.startswith(("Press [q]", "frame=", "size="))]
    if not meaningful:
        return "unknown error"
    line = redact(re.sub(r"^(\[[^\]]*\]\s*)+", "", meaningful[-1]) or meaningful[-1])
    return line if len(line) <= 300 else line[:297] + "..."


PREAMBLE = ("-nostdin", "-hide_banner")  # never read the terminal, no banner in error output


def ffmpeg_command(*args: str, verbosity: str = "error") -> list[str]:
    """An ffmpeg command line: the chosen binary, :data:`PREAMBLE`, the log level, then ``args``."""
    return [ffmpeg_exe(), *PREAMBLE, "-v", verbosity, *args]
