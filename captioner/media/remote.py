"""A look at media behind a URL before it is read: one GET of its first bytes (a Range request).

It turns what ffmpeg would report in its own words (or not at all) into one line naming the URL:
an unreachable host, an HTTP error, a redirect loop or a redirect to another scheme, an HTML page
instead of media, a server that declares no size or a size over the cap.  The first bytes and the
size also tell a hosted service whether it can take the URL as it is (see
``captioner.transcription.aixplain.sources``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from captioner.errors import MediaError
from captioner.media.fetch import Answer, FetchError, get
from captioner.media.urls import MediaURL, UrlLimits

HEAD_BYTES = 65536  # what is read to tell media from a web page and which container it is
_TOTAL = re.compile(r"/\s*(\d+)\s*$")  # Content-Range: bytes 0-65535/1234567


@dataclass(frozen=True)
class Remote:
    """What the first answer said about a URL's media."""

    size: int  # bytes, as the server declares them
    content_type: str  # "" when none
    head: bytes  # the first bytes (up to HEAD_BYTES)
    ranges: bool  # the server answered the Range request (ffmpeg can seek)


def look(url: MediaURL, limits: UrlLimits) -> Remote:
    """The first bytes and declared size of ``url``'s media, or a one-line :class:`MediaError`."""
    try:
        answer = get(url.url, limits.timeout, f"bytes=0-{HEAD_BYTES - 1}")
        try:
            remote = _remote(answer)
        finally:
            answer.close()
    except FetchError as exc:
        raise MediaError(str(exc), str(url)) from None
    if remote.size > limits.max_bytes:
        raise MediaError(
            f"the server declares {remote.size / 1e6:.1f} MB, over the {limits.max_bytes / 1e6:g} MB cap "
            "(--url-max-size)",
            str(url),
        )
    if _is_html(remote):
        raise MediaError("the server sent a web page (HTML), not media", str(url))
    return remote


def declared_size(answer: Answer) -> int | None:
    """The size of the whole media an answer declares: Content-Range's total (206) or
    Content-Length (200); None when it declares none."""
    if answer.status == 206:
        total = _TOTAL.search(answer.headers.get("Content-Range") or "")
        return int(total[1]) if total else None
    length = answer.headers.get("Content-Length")
    return int(length) if answer.status == 200 and length is not None and length.strip().isdigit() else None


def _remote(answer: Answer) -> Remote:
    if answer.status not in (200, 206):
        raise FetchError(f"the server answered HTTP {answer.status} {answer.reason}".rstrip())
    head = b""
    while len(head) < HEAD_BYTES:
        piece = answer.read(HEAD_BYTES - len(head))
        if not piece:
            break
        head += piece
    ranges = answer.status == 206
    size = declared_size(answer)
    if size is None and not ranges and len(head) < HEAD_BYTES and not answer.read(1):
        size = len(head)  # all of it came in the first read
    if size is None:
        raise FetchError("the server declares no size (a live stream?); only files of known size are read")
    if size == 0 or not head:
        raise FetchError("the server sent no bytes (an empty file)")
    return Remote(size=size, content_type=(answer.headers.get_content_type() or ""), head=head, ranges=ranges)


def _is_html(remote: Remote) -> bool:
    start = remote.head[:512].lstrip().lower()
    return remote.content_type in ("text/html", "application/xhtml+xml") or start.startswith(
        (b"<!doctype html", b"<html", b"<head", b"<body")
    )
