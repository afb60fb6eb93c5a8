"""Media named by an http(s) URL: which arguments are URLs, their safe file names, how they are
shown (never with their query string: a signed URL's signature is a credential), and the options
that restrict how ffmpeg and PyAV may read them.

ffmpeg and PyAV read a URL through a relay captioner runs on 127.0.0.1 (:mod:`captioner.media.relay`:
streamed, seeking with Range requests, every byte counted), restricted to :data:`PROTOCOLS` by
``protocol_whitelist``: the list holds for every nested open too (an HLS playlist's segments, a
``concat:`` or ``file:`` reference inside a playlist), so a URL can make ffmpeg read nothing but
its relay.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from captioner.errors import CaptionerError, MediaError
from captioner.media.ffmpeg import redact_url
from captioner.paths import read_regular_file

ALLOWED_SCHEMES = ("http", "https")
PROTOCOLS = "http,tcp"  # what ffmpeg may open for a URL: its relay on 127.0.0.1 (see captioner.media.relay)
DEFAULT_TIMEOUT = 30.0  # seconds without a byte from the server before a read fails
DEFAULT_MAX_BYTES = 2_000_000_000  # the largest media a URL may announce (and send)
DEFAULT_MAX_SECONDS = 12 * 3600.0  # the most audio a URL's media may decode to (230 MB of samples an hour)
MAX_URL_LIST_BYTES = 64 * 1024 * 1024  # a --from-list file: ~500,000 URLs

# "name:" with a scheme of two letters or more (a drive letter "C:" is a path): a URL, or one of
# ffmpeg's protocol prefixes ("concat:", "subfile,", "data:") that only http(s) passes.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
_UNSAFE = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True)
class UrlLimits:
    """How long a server may stay silent, how large the media it serves may be, and how much audio
    it may decode to."""

    timeout: float = DEFAULT_TIMEOUT
    max_bytes: int = DEFAULT_MAX_BYTES
    max_seconds: float = DEFAULT_MAX_SECONDS


@dataclass(frozen=True)
class MediaURL:
    """An http(s) URL of media, as given (only :attr:`url` holds the query string)."""

    url: str

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        """The URL as messages show it: without user, password, query string or fragment."""
        return redact_url(self.url)

    @property
    def name(self) -> str:
        """The file name its captions are named after (see :func:`safe_name`)."""
        return safe_name(self.url)

    @property
    def stem(self) -> str:
        return PurePosixPath(self.name).stem

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix


Media = Path | MediaURL  # what a job captions: a local file or a URL


def looks_like_url(text: str) -> bool:
    """Whether a command-line argument names a URL (or an ffmpeg protocol), not a local path:
    it starts with a scheme and no such file exists (``10:30 standup.mp4`` stays a file)."""
    return bool(_SCHEME.match(text)) and not Path(text).exists()


def parse_url(text: str) -> MediaURL:
    """``text`` as a :class:`MediaURL`, or a :class:`MediaError` naming it (redacted) and the cause."""
    shown = redact_url(text)
    scheme = text.split(":", 1)[0].lower()
    if scheme not in ALLOWED_SCHEMES or not text[len(scheme) :].startswith("://"):
        raise MediaError(f"not an http or https URL ({scheme}: is refused; only http and https are read)", shown)
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in text):
        raise MediaError("the URL holds spaces or control characters (percent-encode them)", shown)
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - a port that is not a number raises
    except ValueError:
        raise MediaError("the URL's port is not a number", shown) from None
    if not parts.hostname:
        raise MediaError("the URL names no host", shown)
    url = MediaURL(text)
    url.name  # noqa: B018 - a URL that names no usable file fails now, not after its download
    return url


def safe_name(url: str) -> str:
    """The URL's last path segment, decoded, as a file name: characters other than letters, digits,
    ``.``, ``-`` and ``_`` become ``_``, no leading dot.  A :class:`MediaError` when the segment
    names no file or would leave the output folder (``..``, an encoded ``/``)."""
    shown = redact_url(url)
    segment = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    if not segment:
        raise MediaError("the URL's path names no file (it ends with /)", shown)
    if segment in (".", "..") or "/" in segment or "\\" in segment or "\0" in segment:
        raise MediaError("its file name would leave the output folder", shown)
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", segment)).lstrip(".")
    if not name.strip("_"):
        raise MediaError("the URL's file name has no usable character", shown)
    return name


def split_sources(
    items: Iterable[Path | str | MediaURL],
) -> tuple[list[Path], list[MediaURL], list[CaptionerError]]:
    """Command-line arguments (or API inputs) as local paths and URLs, and the errors for URLs that
    cannot be read (another scheme, no host, no usable file name)."""
    paths: list[Path] = []
    urls: list[MediaURL] = []
    errors: list[CaptionerError] = []
    for item in items:
        if isinstance(item, MediaURL):
            urls.append(item)
        elif isinstance(item, str) and looks_like_url(item):
            try:
                urls.append(parse_url(item))
            except MediaError as exc:
                errors.append(exc)
        else:
            paths.append(Path(item))
    return paths, urls, errors


def read_url_list(path: Path) -> tuple[list[MediaURL], list[CaptionerError]]:
    """The URLs of a list file (``--from-list``): one a line, blank lines and ``#`` comments
    ignored.  Only URLs: local files are named on the command line."""
    try:
        # utf-8-sig: a byte order mark (Windows editors write one) is not part of the first URL
        text = read_regular_file(path, MAX_URL_LIST_BYTES).decode("utf-8-sig")
    except OSError as exc:
        return [], [MediaError(f"cannot read this URL list: {exc.strerror or type(exc).__name__}", str(path))]
    except UnicodeDecodeError:
        return [], [MediaError("cannot read this URL list: not UTF-8 text", str(path))]
    urls: list[MediaURL] = []
    errors: list[CaptionerError] = []
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if not _SCHEME.match(entry):
            errors.append(MediaError(f"line {number} is not a URL (name local files on the command line)", str(path)))
            continue
        try:
            urls.append(parse_url(entry))
        except MediaError as exc:
            errors.append(exc)
    return urls, errors


def reader_options(limits: UrlLimits) -> dict[str, str]:
    """Input options for ffmpeg (before ``-i``) and PyAV reading a URL through its relay
    (:mod:`captioner.media.relay`): plain http to the relay only, no reconnection; the relay bounds
    the server's silences, ffmpeg's own timeout is a backstop behind it."""
    micro = str(int((2 * limits.timeout + 10) * 1_000_000))
    return {"protocol_whitelist": PROTOCOLS, "rw_timeout": micro, "reconnect": "0", "user_agent": "captioner"}
