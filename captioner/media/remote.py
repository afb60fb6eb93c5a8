"""A look at media behind a URL before it is read: one GET of its first bytes (a Range request).

It turns what ffmpeg would report in its own words (or not at all) into one line naming the URL:
an unreachable host, an HTTP error, a redirect loop or a redirect to another scheme, an HTML page
instead of media, a server that declares no size or a size over the cap.  The first bytes and the
size also tell a hosted service whether it can take the URL as it is (see
``captioner.transcription.aixplain.sources``).
"""

from __future__ import annotations

import re
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import IO, Any

from captioner.errors import MediaError
from captioner.media.ffmpeg import redact
from captioner.media.urls import ALLOWED_SCHEMES, MediaURL, UrlLimits

HEAD_BYTES = 65536  # what is read to tell media from a web page and which container it is
MAX_REDIRECTS = 5
_TOTAL = re.compile(r"/\s*(\d+)\s*$")  # Content-Range: bytes 0-65535/1234567


@dataclass(frozen=True)
class Remote:
    """What the first answer said about a URL's media."""

    size: int  # bytes, as the server declares them
    content_type: str  # "" when none
    head: bytes  # the first bytes (up to HEAD_BYTES)
    ranges: bool  # the server answered the Range request (ffmpeg can seek)


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Redirects followed only to http(s), at most :data:`MAX_REDIRECTS`."""

    max_redirections = MAX_REDIRECTS

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage, newurl: str
    ) -> urllib.request.Request | None:
        scheme = newurl.split(":", 1)[0].lower()
        if scheme not in ALLOWED_SCHEMES:
            raise MediaError("redirected to a URL that is not http or https (only those are read)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def look(url: MediaURL, limits: UrlLimits) -> Remote:
    """The first bytes and declared size of ``url``'s media, or a one-line :class:`MediaError`."""
    opener = urllib.request.build_opener(_Redirects())
    request = urllib.request.Request(
        url.url, headers={"Range": f"bytes=0-{HEAD_BYTES - 1}", "User-Agent": "captioner"}
    )
    try:
        with opener.open(request, timeout=limits.timeout) as answer:
            remote = _remote(answer)
    except MediaError as exc:
        exc.path = str(url)
        raise
    except urllib.error.HTTPError as exc:
        raise MediaError(_http_error(exc), str(url)) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise MediaError(_network_error(exc), str(url)) from None
    if remote.size > limits.max_bytes:
        raise MediaError(
            f"the server declares {remote.size / 1e6:.1f} MB, over the {limits.max_bytes / 1e6:g} MB cap "
            "(--url-max-size)",
            str(url),
        )
    if _is_html(remote):
        raise MediaError("the server sent a web page (HTML), not media", str(url))
    return remote


def _remote(answer: Any) -> Remote:
    head = answer.read(HEAD_BYTES)
    headers = answer.headers
    ranges = answer.status == 206
    declared = _TOTAL.search(headers.get("Content-Range") or "") if ranges else None
    length = headers.get("Content-Length")
    if declared is not None:
        size = int(declared[1])
    elif not ranges and length is not None and length.isdigit():
        size = int(length)
    elif len(head) < HEAD_BYTES and not ranges:  # all of it came in the first read
        size = len(head)
    else:
        raise MediaError("the server declares no size (a live stream?); only files of known size are read")
    if size == 0 or not head:
        raise MediaError("the server sent no bytes (an empty file)")
    return Remote(size=size, content_type=(headers.get_content_type() or ""), head=head, ranges=ranges)


def _is_html(remote: Remote) -> bool:
    start = remote.head[:512].lstrip().lower()
    return remote.content_type in ("text/html", "application/xhtml+xml") or start.startswith(
        (b"<!doctype html", b"<html", b"<head", b"<body")
    )


def _http_error(exc: urllib.error.HTTPError) -> str:
    if 300 <= exc.code < 400:
        if "not allowed" in str(exc.reason):  # urllib's refusal of a file: (or other) Location
            return "redirected to a URL that is not http or https (only those are read)"
        return f"too many redirects (a redirect loop?): HTTP {exc.code}"
    reason = f" {exc.reason}" if exc.reason else ""
    return f"the server answered HTTP {exc.code}{reason}"


def _network_error(exc: BaseException) -> str:
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "the server did not answer in time (--url-timeout)"
    if isinstance(reason, socket.gaierror):
        return "unknown host (the name does not resolve)"
    if isinstance(reason, ConnectionRefusedError):
        return "cannot connect: connection refused"
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed: {redact(str(getattr(reason, 'reason', None) or reason))}"
    text = getattr(reason, "strerror", None) or str(reason)
    return f"cannot read the URL: {redact(str(text))}"
