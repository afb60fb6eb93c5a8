"""One GET of a URL's media, read with bounds on time: what the look (:mod:`captioner.media.remote`)
and the relay (:mod:`captioner.media.relay`) ask the server.

Redirects are followed here (at most :data:`MAX_REDIRECTS`, to http(s) only); a user and password
in the URL are sent as Basic auth (never to another host a redirect leads to).  Every read is
bounded in time: the answer's headers must come within ``timeout`` seconds, and so must each
:data:`CHUNK` of its body, so that a server that stalls *and* one that trickles a byte a second
fail in about ``timeout`` seconds with a line naming it.  Errors are :class:`FetchError`, one line
that names neither the URL nor its query (the caller names the URL, redacted).

Requests go through the environment's proxy (``http_proxy``, ``https_proxy``, ``no_proxy``: see
:mod:`captioner.media.proxies`), with the same bounds: plain http as an absolute URL to the proxy,
https in a CONNECT tunnel.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from captioner.media.ffmpeg import redact
from captioner.media.proxies import Proxy, ProxyError, environment_proxies, proxy_for

ALLOWED_SCHEMES = ("http", "https")
MAX_REDIRECTS = 5
CHUNK = 65536  # bytes of the body that must arrive within the timeout


class FetchError(Exception):
    """Reading the URL failed; the message is one line, without the URL."""


@dataclass(frozen=True)
class Target:
    """Where a request goes: the URL split, the Basic auth its user and password make (if any)."""

    scheme: str
    host: str
    port: int
    path: str  # with the query string
    auth: str | None

    @classmethod
    def of(cls, url: str) -> Target:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_SCHEMES:
            raise FetchError("redirected to a URL that is not http or https (only those are read)")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise FetchError("the URL's port is not a number") from None
        if not parts.hostname:
            raise FetchError("the URL names no host")
        auth = None
        if parts.username is not None or parts.password is not None:
            pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
            auth = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(scheme=scheme, host=parts.hostname, port=port, path=path, auth=auth)

    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    def absolute(self) -> str:
        """The URL without user and password: the request target an http proxy is sent."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path}"


class Answer:
    """A server's answer whose body is read a bounded chunk at a time (see :meth:`read`)."""

    def __init__(self, connection: http.client.HTTPConnection, response: http.client.HTTPResponse, timeout: float):
        self._connection = connection
        self._response = response
        self._timeout = timeout
        self.status = response.status
        self.reason = response.reason or ""
        self.headers = response.headers

    def read(self, limit: int = CHUNK) -> bytes:
        """Up to ``limit`` bytes (at most :data:`CHUNK`), b"" at the end of the body; a
        :class:`FetchError` when they do not all come within the timeout."""
        want = min(limit, CHUNK)
        data = bytearray()
        start = last = time.monotonic()
        while len(data) < want:
            left = start + self._timeout - time.monotonic()
            if left <= 0:
                raise FetchError(self._slow(len(data), last, start))
            sock = self._connection.sock
            if sock is not None:
                sock.settimeout(min(left, self._timeout))
            try:
                piece = self._response.read1(want - len(data))
            except TimeoutError:
                raise FetchError(self._slow(len(data), last, start)) from None
            except (OSError, http.client.HTTPException) as exc:
                raise FetchError(f"the connection broke: {_reason(exc)}") from None
            if not piece:
                break
            data += piece
            last = time.monotonic()
        return bytes(data)

    def _slow(self, got: int, last: float, start: float) -> str:
        seconds = f"{self._timeout:g} s"
        if got == 0 and last == start:
            return f"no data from the server for {seconds} (--url-timeout)"
        return f"the server sent under {CHUNK // 1024} KB in {seconds}: too slow (--url-timeout)"

    def close(self) -> None:
        self._connection.close()


def get(url: str, timeout: float, range_header: str | None = None, proxies: dict[str, str] | None = None) -> Answer:
    """The answer to a GET of ``url`` (redirects followed), its headers read; the caller reads the
    body with :meth:`Answer.read` and closes it.  ``proxies``: the proxy settings to honour
    (:func:`captioner.media.proxies.environment_proxies`, read now when None)."""
    proxies = environment_proxies() if proxies is None else proxies
    target = Target.of(url)
    auth = target.auth
    for _ in range(MAX_REDIRECTS + 1):
        try:
            proxy = proxy_for(target.scheme, target.host, target.port, proxies)
        except ProxyError as exc:
            raise FetchError(str(exc)) from None
        connection, response = _request(target, auth, timeout, range_header, proxy)
        if response.status not in (301, 302, 303, 307, 308):
            return Answer(connection, response, timeout)
        location = response.headers.get("Location")
        connection.close()
        if not location:
            raise FetchError(f"the server answered HTTP {response.status} without a Location")
        url = urljoin(url, location)
        following = Target.of(url)
        if following.origin() != target.origin():
            auth = following.auth  # the credentials go to their own host only
        target = following
    raise FetchError(f"too many redirects (a redirect loop?): HTTP {response.status}")


def _request(
    target: Target, auth: str | None, timeout: float, range_header: str | None, proxy: Proxy | None
) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    connection, request_target, headers = _connection(target, timeout, proxy)
    headers.update({"User-Agent": "captioner", "Accept": "*/*", "Connection": "close"})  # one request a connection
    if range_header:
        headers["Range"] = range_header
    if auth:
        headers["Authorization"] = auth
    # The answer's headers within the timeout, however slowly they trickle in: a timer closes the
    # socket when the time is up (the socket's own timeout holds only between two bytes).
    late = threading.Event()

    def cut() -> None:
        late.set()
        if connection.sock is not None:
            try:
                connection.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    timer = threading.Timer(timeout, cut)
    timer.daemon = True
    timer.start()
    try:
        connection.request("GET", request_target, headers=headers)
        response = connection.getresponse()
    except BaseException as exc:
        connection.close()
        through = f" (through the proxy {proxy.shown})" if proxy else ""
        if late.is_set() or isinstance(exc, TimeoutError):
            raise FetchError(
                f"the server did not answer in time: nothing in {timeout:g} s (--url-timeout){through}"
            ) from None
        if isinstance(exc, (OSError, http.client.HTTPException)):
            raise FetchError(_connect_error(exc) + through) from None
        raise
    finally:
        timer.cancel()
    if proxy is not None and response.status == 407:
        connection.close()
        raise FetchError(f"the proxy {proxy.shown} asks for a user and password (HTTP 407): none given, or wrong ones")
    return connection, response


def _connection(
    target: Target, timeout: float, proxy: Proxy | None
) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
    """The connection a request to ``target`` goes on, its request target, and the headers the
    proxy takes: straight to the server; to an http proxy with the absolute URL; to the proxy for
    an https URL, in a CONNECT tunnel (TLS checked against the URL's host)."""
    if proxy is None:
        kind = http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
        return kind(target.host, target.port, timeout=timeout), target.path, {}
    proxy_headers = {"Proxy-Authorization": proxy.auth} if proxy.auth else {}
    if target.scheme == "https":
        tunnel = http.client.HTTPSConnection(proxy.host, proxy.port, timeout=timeout)
        tunnel.set_tunnel(target.host, target.port, headers=proxy_headers)
        return tunnel, target.path, {}
    return http.client.HTTPConnection(proxy.host, proxy.port, timeout=timeout), target.absolute(), proxy_headers


def _connect_error(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror):
        return "unknown host (the name does not resolve)"
    if isinstance(exc, ConnectionRefusedError):
        return "cannot connect: connection refused"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {redact(str(exc.reason or exc))}"
    return f"cannot read the URL: {_reason(exc)}"


def _reason(exc: BaseException) -> str:
    return redact(str(getattr(exc, "strerror", None) or exc or type(exc).__name__))
