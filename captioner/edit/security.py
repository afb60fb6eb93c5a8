"""The server's gate: loopback Host, the access token, same-origin state changes, no CORS.

Every request must carry the token: ``?token=`` on the first visit (answered with a cookie and a
redirect to the same address without it), the cookie afterwards.  A missing token is 401, a wrong
one 403.  Requests that change something (any method but GET/HEAD) must also send the token in the
``X-Captioner-Token`` header (a cross-site form or image cannot) and an ``Origin`` equal to this
server's (and no ``Sec-Fetch-Site`` other than same-origin).  The ``Host`` header must name the
loopback address and this port, so a DNS name rebound to 127.0.0.1 gets nothing.  No
``Access-Control-*`` header is ever sent: other origins cannot read any answer.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_HEADER = "x-captioner-token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
SAFE_METHODS = frozenset({"GET", "HEAD"})
# What a page may load: only this server (wavesurfer draws into a shadow root with a <style>).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def cookie_name(port: int) -> str:
    """Cookies are per host, not per port: each server (port) has its own."""
    return f"captioner-{port}"


class Gate:
    """ASGI middleware enforcing the rules of the module docstring."""

    def __init__(self, app: ASGIApp, token: str, port: int) -> None:
        self.app = app
        self.token = token
        self.port = port
        self.hosts = {f"{name}:{port}" for name in LOOPBACK_NAMES}
        self.cookie = cookie_name(port)

    def _valid(self, candidate: str | None) -> bool:
        return candidate is not None and hmac.compare_digest(candidate.encode(), self.token.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # the app has none: never let one past the checks
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":  # lifespan
            await self.app(scope, receive, send)
            return
        response = self.refusal(scope)
        if response is not None:
            await with_headers(response)(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def refusal(self, scope: Scope) -> Response | None:
        """The answer refusing this request, or None to let it through."""
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if host not in self.hosts:
            return PlainTextResponse("captioner edit answers only on its loopback address", 403)
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is no token
            cookies = SimpleCookie()
        cookie = cookies[self.cookie].value if self.cookie in cookies else None
        given = query.get("token")
        method = scope["method"]
        if given is not None and method in SAFE_METHODS:
            if not self._valid(given):
                return PlainTextResponse("wrong access token", 403)
            rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
            target = scope.get("path", "/") + (f"?{rest}" if rest else "")
            redirect = RedirectResponse(target, status_code=303)
            redirect.set_cookie(self.cookie, self.token, httponly=True, samesite="strict", path="/")
            return redirect
        if cookie is None:
            return PlainTextResponse("an access token is required: open the address captioner edit printed", 401)
        if not self._valid(cookie):
            return PlainTextResponse("wrong access token", 403)
        if method not in SAFE_METHODS:
            if not self._valid(headers.get(TOKEN_HEADER)):
                return PlainTextResponse(f"a change needs the token in the {TOKEN_HEADER} header", 403)
            if headers.get("origin") != f"http://{host}":
                return PlainTextResponse("a change must come from this server's own pages (Origin)", 403)
            if headers.get("sec-fetch-site", "same-origin") != "same-origin":
                return PlainTextResponse("a change must come from this server's own pages", 403)
        return None


SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


def with_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS:
        response.headers[name.decode()] = value.decode()
    return response
