"""Media at a URL read through the environment's proxy, as urllib would (``http_proxy``,
``https_proxy``, ``no_proxy``): the look and the relay go through it, ffmpeg still only through
its relay, the bounds hold, and the proxy's password never reaches a message."""

from __future__ import annotations

import pytest
from conftest import SAMPLES, invoke
from url_proxy import ForwardingProxy
from url_server import MediaServer

pytestmark = pytest.mark.slow  # servers, ffmpeg on real media

SECRET = "c0ffee5ec2e7d00d"
QUERY = f"?X-Amz-Signature={SECRET}&X-Amz-Expires=600"
PROXY_PASSWORD = "pr0xy-pw-5e1f9a"


@pytest.fixture
def server():
    with MediaServer(SAMPLES) as srv:
        srv.endless_limit = 64_000_000
        yield srv


@pytest.fixture
def proxied(monkeypatch):
    """Set the environment's proxies (``no_proxy`` empty unless given: nothing bypasses them)."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name.upper(), raising=False)

    def setting(http: str | None = None, https: str | None = None, no: str = "") -> None:
        for name, value in (("http_proxy", http), ("https_proxy", https)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        monkeypatch.setenv("no_proxy", no)

    return setting


def _error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("captioner: error: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_url_is_read_through_the_http_proxy(server, tmp_path, cli, proxied):
    with ForwardingProxy() as proxy:
        proxied(http=proxy.url())
        code, out, err = cli(f"{server.url}/range/jfk.mp4{QUERY}", "-o", tmp_path, "-f", "srt", "--no-cache")
    assert code == 0, err
    assert "fellow Americans" in (tmp_path / "jfk.srt").read_text()
    # The look, PyAV's and ffmpeg's reads (Range requests among them): every one through the proxy.
    assert len(proxy.forwarded) >= 3, proxy.forwarded
    assert len(proxy.forwarded) == len(server.requests), (proxy.forwarded, server.requests)
    assert all(target.startswith(f"{server.url}/range/jfk.mp4?") for target in proxy.forwarded), proxy.forwarded
    assert SECRET not in out + err


def test_no_proxy_naming_the_host_bypasses_the_proxy(server, tmp_path, cli, proxied):
    port = server.url.rsplit(":", 1)[1]
    with ForwardingProxy() as proxy:
        proxied(http=proxy.url(), no="localhost,.example.com")
        direct = f"http://localhost:{port}/range/jfk.mp4"
        code, _, err = cli(direct, "-o", tmp_path / "direct", "-f", "srt", "--no-cache")
        assert code == 0, err
        assert proxy.forwarded == [] and server.requests  # straight to the server
        code, _, err = cli(f"{server.url}/range/jfk.mp4", "-o", tmp_path / "proxied", "-f", "srt", "--no-cache")
        assert code == 0, err
    assert len(proxy.forwarded) >= 3  # 127.0.0.1 is not in no_proxy: through the proxy
    assert (tmp_path / "direct" / "jfk.srt").read_text() == (tmp_path / "proxied" / "jfk.srt").read_text()


def test_a_proxy_that_wants_basic_auth_gets_it_and_its_password_is_never_shown(server, tmp_path, cli, proxied):
    url = f"{server.url}/range/jfk.mp4{QUERY}"
    with ForwardingProxy(user="u", password=PROXY_PASSWORD) as proxy:
        proxied(http=proxy.url("u", PROXY_PASSWORD))
        code, out, err = cli(url, "-o", tmp_path, "-f", "srt", "--no-cache")
        assert code == 0, err
        assert len(proxy.forwarded) >= 3 and proxy.refused == 0
        assert PROXY_PASSWORD not in out + err and SECRET not in out + err
        proxied(http=proxy.url("u", "wrong-proxy-pw"))
        code, out, err = invoke(url, "-o", tmp_path / "wrong", "--no-cache", "--debug")
    assert code == 1 and proxy.refused >= 1
    line = _error_line(err)
    assert line.startswith(f"captioner: error: {server.url}/range/jfk.mp4: "), line
    assert (
        f"the proxy {proxy.address} (http_proxy) asks for a user and password (HTTP 407): none given, or wrong ones"
        in line
    ), line
    assert "wrong-proxy-pw" not in out + err and SECRET not in out + err


def test_an_https_url_goes_through_the_proxy_in_a_connect_tunnel(server, tmp_path, proxied):
    host = server.url.split("//", 1)[1]
    url = f"https://{host}/range/jfk.mp4{QUERY}"
    with ForwardingProxy() as proxy:
        proxied(http="http://127.0.0.1:9", https=proxy.url("u", PROXY_PASSWORD))  # http_proxy is not for https
        code, out, err = invoke(url, "-o", tmp_path, "--no-cache", "--debug")
    assert code == 1
    assert proxy.connects == [(host, proxy.basic("u", PROXY_PASSWORD))]  # the test proxy refuses to tunnel
    assert server.requests == []
    line = _error_line(err)
    assert line.startswith(f"captioner: error: https://{host}/range/jfk.mp4: "), line
    assert f"(through the proxy {proxy.address} (https_proxy))" in line, line
    assert PROXY_PASSWORD not in out + err and SECRET not in out + err


@pytest.mark.parametrize(
    ("kind", "option", "cause"),
    [
        ("endless", "--url-max-size", "read more than the 1 MB cap (--url-max-size)"),  # 200 with no length, on and on
        ("stall", "--url-timeout", "no data from the server for 1 s (--url-timeout)"),  # 64 KB, then nothing
    ],
)
def test_the_bounds_hold_through_the_proxy(server, tmp_path, proxied, kind, option, cause):
    name = "talk.wav" if kind == "endless" else "jfk.mp4"
    url = f"{server.url}/{kind}/{name}{QUERY}"
    with ForwardingProxy() as proxy:
        proxied(http=proxy.url())
        code, _, err = invoke(url, "-o", tmp_path, option, "1", "-q", "--no-cache")
    assert code == 1
    line = _error_line(err)
    assert line.startswith(f"captioner: error: {server.url}/{kind}/{name}: ") and cause in line, line
    assert len(proxy.forwarded) >= 2, proxy.forwarded  # the look, and the reader's request
    assert server.sent.get(kind, 0) < 12_000_000, server.sent


def test_no_proxy_star_reads_straight_from_the_server(server, tmp_path, cli, proxied):
    # PyAV reads inside captioner, where libavformat takes no_proxy from the environment: "*" must
    # not send it past its relay (to the placeholder's host, which does not exist).
    with ForwardingProxy() as proxy:
        proxied(http=proxy.url(), no="*")
        code, _, err = cli(f"{server.url}/range/jfk.mp4{QUERY}", "-o", tmp_path, "-f", "srt", "--no-cache")
    assert code == 0, err
    assert "fellow Americans" in (tmp_path / "jfk.srt").read_text()
    assert proxy.forwarded == [] and len(server.requests) >= 3
