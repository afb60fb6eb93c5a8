"""Media at a URL whose server lies, stalls or trickles, or wants a password: what is read is
bounded whatever the server declared, each failure is one line naming the URL without its query,
and no secret (a signature, a password) reaches a message or ffmpeg's command line."""

from __future__ import annotations

import sys

import pytest
from conftest import SAMPLES, invoke
from url_server import MediaServer

pytestmark = pytest.mark.slow  # servers, ffmpeg on real media

SECRET = "c0ffee5ec2e7d00d"
QUERY = f"?X-Amz-Signature={SECRET}&X-Amz-Expires=600"


@pytest.fixture
def server():
    with MediaServer(SAMPLES) as srv:
        srv.endless_limit = 64_000_000
        yield srv


def _one_error(err: str, shown: str, cause: str) -> str:
    """The one error line, which names ``shown`` (the URL as it must be shown) and ``cause``."""
    lines = [ln for ln in err.splitlines() if ln.startswith("captioner: error: ")]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"captioner: error: {shown.split('?', 1)[0]}: "), err
    assert cause in lines[0], err
    assert SECRET not in err and "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("kind", "cause"),
    [
        ("lying", "the server sent more than the 0.20 MB it declared"),  # 206 "0-199999/200000", then on
        ("endless", "read more than the 1 MB cap (--url-max-size)"),  # 200 without a length, then on
    ],
)
def test_a_server_that_sends_more_than_it_declared_is_cut(server, tmp_path, kind, cause):
    url = f"{server.url}/{kind}/talk.wav{QUERY}"
    code, _, err = invoke(url, "-o", tmp_path, "--url-max-size", "1", "-q", "--no-cache")
    assert code == 1
    _one_error(err, url, cause)
    # Counted by the server: it would have sent 64 MB; captioner stopped after its bound (what
    # the server wrote before its connection closed includes the sockets' buffers).
    assert 0 < server.sent[kind] < 12_000_000, server.sent
    assert not list(tmp_path.glob("*.srt"))


def test_the_decoded_audio_is_bounded(server, tmp_path):
    url = f"{server.url}/range/jfk.mp4{QUERY}"  # 11 s of speech
    code, _, err = invoke(url, "-o", tmp_path, "--url-max-duration", "0.1", "-q", "--no-cache")
    assert code == 1
    _one_error(err, url, "the audio goes on past 0.1 min (--url-max-duration)")


@pytest.mark.parametrize(
    ("kind", "cause"),
    [
        ("stall", "no data from the server for 1 s (--url-timeout)"),  # 64 KB, then nothing
        ("trickle", "the server sent under 64 KB in 1 s: too slow (--url-timeout)"),  # a byte every 0.2 s
    ],
)
def test_a_stalled_or_trickling_body_names_the_timeout(server, tmp_path, kind, cause):
    url = f"{server.url}/{kind}/jfk.mp4{QUERY}"
    code, _, err = invoke(url, "-o", tmp_path, "--url-timeout", "1", "-q", "--no-cache")
    assert code == 1
    _one_error(err, url, cause)


def test_a_user_and_password_in_the_url_are_sent_as_basic_auth_and_never_shown(server, tmp_path, cli):
    url = f"http://{server.user}:{server.password}@{server.url.split('//', 1)[1]}/auth/jfk.mp4{QUERY}"
    code, out, err = cli(url, "-o", tmp_path, "-f", "srt", "--no-cache")
    assert code == 0, err
    assert "fellow Americans" in (tmp_path / "jfk.srt").read_text()
    assert len(server.authorizations) >= 3 and all(server.authorizations)  # the look, PyAV's, ffmpeg's
    assert server.password not in out + err and server.user not in out + err and SECRET not in out + err
    assert f"{server.url}/auth/jfk.mp4" in out + err  # named without user, password or query
    wrong = url.replace(server.password, "wrong-pw")
    code, out, err = invoke(wrong, "-o", tmp_path / "wrong", "-q")
    assert code == 1 and "wrong-pw" not in out + err
    _one_error(err, f"{server.url}/auth/jfk.mp4", "the server answered HTTP 401")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ffmpegs_command_line_carries_no_url(server, tmp_path, cli):
    url = f"{server.url}/watch/jfk.mp4{QUERY}"
    code, _, err = cli(url, "-o", tmp_path, "-f", "srt", "--no-cache")
    assert code == 0, err
    # Recorded while ffmpeg waited for the answer to its own request (the server's /watch/ route).
    assert server.cmdlines, server.requests
    for cmdline in server.cmdlines:
        joined = " ".join(cmdline)
        assert SECRET not in joined and "X-Amz" not in joined and "?" not in joined, joined
        assert server.url.split("//", 1)[1] not in joined, joined  # not even the host
