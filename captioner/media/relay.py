"""The loopback relay through which ffmpeg and PyAV read a URL: they never see the URL itself.

ffmpeg's command line is visible to every local user (``ps``, ``/proc/PID/cmdline``), and a signed
URL's query string is a credential; and what a server sends must be bounded whatever it declared.
So ffmpeg opens a placeholder (``http://media.invalid/PATH``, the URL's path without its query)
through an HTTP proxy on 127.0.0.1 that captioner runs for that one read: the proxy's address and a
random password reach ffmpeg in its environment (``http_proxy``; readable by the same user only).
PyAV, inside captioner, opens the relay itself (:attr:`Relay.direct`, the password in a header
option, proxies off): its libavformat reads ``no_proxy`` from this process's environment, and the
user's ``no_proxy=*`` would send it to the placeholder's host.  The relay asks the real server
(:func:`captioner.media.fetch.get`: redirects, Basic auth, time bounds), through the user's proxy
if captioner's own environment names one (read when the relay starts; never the ``http_proxy``
given to ffmpeg), forwards ffmpeg's Range requests (an MP4 whose index is at its end still seeks),
and counts every byte as it passes: an answer is cut where it goes past the size the server
declared, or the ``--url-max-size`` cap when it declares none, and the whole read at twice the
cap.  The first failure is kept (:meth:`Relay.check` raises it, one line naming the URL): the
reader only sees its connection close.

A pipe (``-i pipe:0``) would hide the URL too, but cannot seek: an MP4 with its index at the end
would have to be read whole first.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, urlsplit

from captioner.errors import MediaError
from captioner.media.fetch import Answer, FetchError, get
from captioner.media.ffmpeg import ffmpeg_path
from captioner.media.proxies import environment_proxies
from captioner.media.urls import Media, MediaURL, UrlLimits, reader_options

PLACEHOLDER_HOST = "media.invalid"  # what ffmpeg's command line names instead of the URL's host
_RANGE = re.compile(r"bytes=\d{1,18}-\d{0,18}")
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                    "no_proxy", "NO_PROXY")  # fmt: skip


class Relay:
    """One read's relay (see the module docstring); use :func:`relay`."""

    def __init__(self, url: MediaURL, limits: UrlLimits) -> None:
        self.url = url
        self.limits = limits
        self.size: int | None = None  # the media's size, as the first answer declares it
        self.relayed = 0  # bytes passed on to the reader, all answers together
        self.requests = 0
        self.error: MediaError | None = None
        self.proxies = environment_proxies()  # the user's, before ffmpeg's environment names this relay
        self._password = secrets.token_urlsafe(24)
        self._expected_auth = "Basic " + base64.b64encode(f"captioner:{self._password}".encode()).decode()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True

    @property
    def placeholder(self) -> str:
        """What the reader opens (``-i``): the URL's path on a host that does not exist."""
        return f"http://{PLACEHOLDER_HOST}{quote(urlsplit(self.url.url).path or '/', safe='/%')}"

    @property
    def proxy(self) -> str:
        """The relay's address with its password, as ``http_proxy`` takes it: never on a command line."""
        return f"http://captioner:{self._password}@127.0.0.1:{self._server.server_address[1]}"

    @property
    def direct(self) -> str:
        """What PyAV opens in this process: the relay's own URL, with the media's path."""
        return f"http://127.0.0.1:{self._server.server_address[1]}{urlsplit(self.placeholder).path}"

    def direct_options(self) -> dict[str, str]:
        """PyAV's options for :attr:`direct`: no proxy (not the user's, whatever this process's
        ``http_proxy`` and ``no_proxy`` say), the relay's password as the header it checks."""
        return {"http_proxy": "", "headers": f"Proxy-Authorization: {self._expected_auth}\r\n"}

    def environment(self) -> dict[str, str]:
        """The environment for an ffmpeg that reads through this relay (other proxies dropped)."""
        env = {k: v for k, v in os.environ.items() if k not in _PROXY_VARIABLES}
        return {**env, "http_proxy": self.proxy}

    def check(self) -> None:
        """Raise the relay's first failure (a :class:`MediaError` naming the URL), if any."""
        if self.error is not None:
            raise self.error

    def fail(self, cause: str) -> None:
        with self._lock:
            if self.error is None:
                self.error = MediaError(cause, str(self.url))

    def count(self, size: int) -> bool:
        """Add ``size`` relayed bytes; False (and a failure) once the read goes over twice the cap."""
        with self._lock:
            self.relayed += size
            over = self.relayed > 2 * self.limits.max_bytes
        if over:
            self.fail(f"read more than twice the {self.limits.max_bytes / 1e6:g} MB cap (--url-max-size)")
        return not over

    def serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def authorised(self, header: str | None) -> bool:
        return header is not None and secrets.compare_digest(header, self._expected_auth)


@contextmanager
def relay(url: MediaURL, limits: UrlLimits) -> Iterator[Relay]:
    """A running :class:`Relay` for one read of ``url``, stopped on leaving."""
    running = Relay(url, limits)
    thread = threading.Thread(target=running.serve, daemon=True, name="captioner-url-relay")
    thread.start()
    try:
        yield running
    finally:
        running.close()
        thread.join()


@dataclass(frozen=True)
class Input:
    """What a reader gets for a source: ``-i``'s argument, the input options before it, the
    environment of an ffmpeg reading it (None: this one's), and the URL's relay."""

    arg: str
    options: dict[str, str]
    environment: dict[str, str] | None = None
    relay: Relay | None = None

    def check(self) -> None:
        """Raise the relay's failure, if any: the cause of whatever the reader saw."""
        if self.relay is not None:
            self.relay.check()


@contextmanager
def media_input(source: Media, limits: UrlLimits | None = None) -> Iterator[Input]:
    """How ffmpeg or PyAV reads ``source``: a file by its absolute path, a URL through a relay
    running while the context lasts."""
    if not isinstance(source, MediaURL):
        yield Input(ffmpeg_path(source), {})
        return
    limits = limits or UrlLimits()
    with relay(source, limits) as running:
        yield Input(running.placeholder, reader_options(limits), running.environment(), running)


def _handler(owner: Relay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

        def do_GET(self) -> None:
            self.close_connection = True
            if not owner.authorised(self.headers.get("Proxy-Authorization")):
                return self._empty(407, {"Proxy-Authenticate": 'Basic realm="captioner"'})
            owner.requests += 1
            if owner.error is not None:
                return self._empty(502)
            wanted = self.headers.get("Range")
            wanted = wanted if wanted and _RANGE.fullmatch(wanted.strip()) else None
            try:
                answer = get(owner.url.url, owner.limits.timeout, wanted, owner.proxies)
            except FetchError as exc:
                owner.fail(str(exc))
                return self._empty(502)
            try:
                self._relay(answer)
            finally:
                answer.close()
            return None

        def _relay(self, answer: Answer) -> None:
            if answer.status == 416:  # a Range past the end: the reader's own probe of the end
                return self._empty(416)
            if answer.status not in (200, 206):
                owner.fail(f"the server answered HTTP {answer.status} {answer.reason}".rstrip())
                return self._empty(502)
            expected = _expected_length(owner, answer)
            if expected is None:
                return self._empty(502)
            length, too_long = expected
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.headers.get("Content-Type") or "application/octet-stream")
            self.send_header("Content-Length", str(length))
            if answer.status == 206:
                self.send_header("Content-Range", answer.headers["Content-Range"])
            if answer.status == 206 or (answer.headers.get("Accept-Ranges") or "").strip() == "bytes":
                self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            _stream(owner, answer, length, too_long, self.wfile)
            return None

        def _empty(self, status: int, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


def _expected_length(owner: Relay, answer: Answer) -> tuple[int, str] | None:
    """How many bytes the answer may hold, and what a byte more is: its range's length (206), the
    media's declared size (200), or the cap when it declares none.  None, with the relay's failure,
    when the answer contradicts itself or goes over the cap."""
    cap = owner.limits.max_bytes
    if answer.status == 206:
        span = _CONTENT_RANGE.fullmatch((answer.headers.get("Content-Range") or "").strip())
        if span is None or span[3] == "*" or not int(span[1]) <= int(span[2]) < int(span[3]):
            owner.fail("the server's answer to a Range request names no valid range")
            return None
        size: int | None = int(span[3])
        length = int(span[2]) - int(span[1]) + 1
    else:
        declared = (answer.headers.get("Content-Length") or "").strip()
        size = int(declared) if declared.isdigit() else owner.size
        length = cap if size is None else size
    if size is None:
        return length, f"read more than the {cap / 1e6:g} MB cap (--url-max-size)"
    if size > cap:
        owner.fail(f"the server declares {size / 1e6:.1f} MB, over the {cap / 1e6:g} MB cap (--url-max-size)")
        return None
    if owner.size is None:
        owner.size = size
    elif size != owner.size:
        owner.fail(f"the server's size changed while it was read ({owner.size} then {size} bytes)")
        return None
    return length, f"the server sent more than the {length / 1e6:.2f} MB it declared"


def _stream(owner: Relay, answer: Answer, length: int, too_long: str, out: Any) -> None:
    """Pass on at most ``length`` bytes of the answer; a byte more fails the read (``too_long``)."""
    sent = 0
    while True:
        try:
            piece = answer.read(length - sent + 1)  # one byte more than is due tells a lie
        except FetchError as exc:
            owner.fail(str(exc))
            return
        if not piece:
            return
        if sent + len(piece) > length:
            owner.fail(too_long)
            return
        if not owner.count(len(piece)):
            return
        try:
            out.write(piece)
        except (BrokenPipeError, ConnectionResetError):  # the reader seeks elsewhere, or is done
            return
        sent += len(piece)
