"""Which proxy a request to a URL's server goes through: the environment's, chosen as urllib does.

``http_proxy`` / ``https_proxy`` (:func:`urllib.request.getproxies`, the scheme of the URL picks
one) and ``no_proxy`` (:func:`urllib.request.proxy_bypass_environment`: a host it names, or
``*``, is reached directly).  Only plain ``http://`` proxies are spoken to (as urllib and ffmpeg
do): an https URL goes through them in a CONNECT tunnel, its TLS still checked against its own
host.  A user and password in the proxy's URL are sent as ``Proxy-Authorization`` (Basic) and
appear in no message: a proxy is shown as its host and port only.

The settings are read from captioner's own environment (:func:`environment_proxies`), which
captioner never changes: the relay's own address reaches ffmpeg in ffmpeg's environment only
(:meth:`captioner.media.relay.Relay.environment`), so it is never taken for the user's proxy.
"""

from __future__ import annotations

import base64
import urllib.request
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


class ProxyError(Exception):
    """The environment names a proxy that cannot be used; the message holds no credential."""


@dataclass(frozen=True)
class Proxy:
    """A proxy to go through: where it listens, the variable that named it, its Basic auth."""

    host: str
    port: int
    variable: str  # "http_proxy" or "https_proxy": what a message names
    auth: str | None  # the Proxy-Authorization header's value

    @property
    def shown(self) -> str:
        """The proxy as messages show it: host and port, never its user or password."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port} ({self.variable})"


def environment_proxies() -> dict[str, str]:
    """The environment's proxy settings as urllib reads them (``{"http": URL, "no": HOSTS, ...}``)."""
    return dict(urllib.request.getproxies())


def proxy_for(scheme: str, host: str, port: int, proxies: dict[str, str]) -> Proxy | None:
    """The proxy a request to ``scheme://host:port`` goes through (None: straight to the server)."""
    setting = proxies.get(scheme)
    if not setting:
        return None
    netloc = f"[{host}]" if ":" in host else host
    # urllib's own no_proxy matching, on the settings read (typeshed does not declare it); an IPv6
    # host is tried bare too ("::1" in no_proxy), as urllib, given "[::1]", would not match it
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if bypass(f"{netloc}:{port}", proxies) or (netloc != host and bypass(host, proxies)):
        return None
    variable = f"{scheme}_proxy"
    parts = urlsplit(setting if "://" in setting else f"http://{setting}")
    if parts.scheme.lower() != "http":
        raise ProxyError(f"{variable} names a {parts.scheme}:// proxy; only http:// proxies are used")
    try:
        proxy_port = parts.port or 80
    except ValueError:
        raise ProxyError(f"{variable}'s port is not a number") from None
    if not parts.hostname:
        raise ProxyError(f"{variable} names no host")
    auth = None
    if parts.username is not None or parts.password is not None:
        pair = f"{unquote(parts.username or '')}:{unquote(parts.password or '')}"
        auth = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return Proxy(host=parts.hostname, port=proxy_port, variable=variable, auth=auth)
