"""A loopback forwarding HTTP proxy, as users behind a company proxy reach media servers.

Plain http: a GET whose target is an absolute URI (``GET http://127.0.0.1:PORT/path?q HTTP/1.1``)
is forwarded to that server, which must be on 127.0.0.1 (any other target gets a 403: a test never
sends traffic off this machine), and its answer streamed back.  CONNECT (an https URL) is recorded
and refused with a 502: tunnelling would need TLS on loopback.  With ``user`` and ``password`` set,
a request without their Basic ``Proxy-Authorization`` gets a 407.

``forwarded`` lists the targets of forwarded requests, ``refused`` counts the 407s, ``connects``
records each CONNECT's target and ``Proxy-Authorization`` header.
"""

from __future__ import annotations

import base64
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_HOP_BY_HOP = {"connection", "proxy-connection", "proxy-authorization", "keep-alive", "transfer-encoding", "te"}


class ForwardingProxy:
    def __init__(self, user: str | None = None, password: str | None = None) -> None:
        self.user, self.password = user, password
        self.forwarded: list[str] = []
        self.refused = 0
        self.connects: list[tuple[str, str | None]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.close_connection = True
                if not proxy.authorised(self.headers.get("Proxy-Authorization")):
                    proxy.refused += 1
                    return _empty(self, 407, {"Proxy-Authenticate": 'Basic realm="test proxy"'})
                target = urlsplit(self.path)
                if target.scheme != "http" or target.hostname != "127.0.0.1":
                    return _empty(self, 403)
                proxy.forwarded.append(self.path)
                return _forward(self, target.port or 80, target.path + (f"?{target.query}" if target.query else ""))

            def do_CONNECT(self) -> None:
                self.close_connection = True
                proxy.connects.append((self.path, self.headers.get("Proxy-Authorization")))
                return _empty(self, 502)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    def url(self, user: str | None = None, password: str | None = None) -> str:
        """The proxy as ``http_proxy`` names it, with ``user:password@`` when given."""
        userinfo = f"{user}:{password}@" if user is not None else ""
        return f"http://{userinfo}{self.address}"

    def basic(self, user: str, password: str) -> str:
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def authorised(self, header: str | None) -> bool:
        if self.user is None or self.password is None:
            return True
        return header == self.basic(self.user, self.password)

    def __enter__(self) -> ForwardingProxy:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _forward(h: BaseHTTPRequestHandler, port: int, path: str) -> None:
    """The request to 127.0.0.1:``port``, its answer streamed back (closing the connection after)."""
    upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {k: v for k, v in h.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream.request("GET", path, headers=headers)
        answer = upstream.getresponse()
        h.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in _HOP_BY_HOP:
                h.send_header(name, value)
        h.send_header("Connection", "close")
        h.end_headers()
        while piece := answer.read1(65536):
            h.wfile.write(piece)
            h.wfile.flush()
    except (OSError, http.client.HTTPException):  # the client left, or the server did
        pass
    finally:
        upstream.close()


def _empty(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.send_header("Content-Length", "0")
    h.end_headers()
