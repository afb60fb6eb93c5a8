"""``captioner edit`` over HTTP: the real server (uvicorn on 127.0.0.1) on a tree captioned by the real
pipeline.  Security rules first (token, Host, same origin, no CORS, paths inside the tree), then the
API: Range requests, saving every format, stale saves, validation, analysis, re-flow, peaks and
re-transcription with the real model."""

# ruff: noqa: F811 (the fixtures imported from edit_support are used as arguments)

from __future__ import annotations

import http.client
import re
import shutil
import signal
from pathlib import Path

import pytest
import srt
import webvtt
from click.testing import CliRunner
from conftest import SAMPLES, normalise
from edit_support import captioned, check_states, serve, studio_process, tree  # noqa: F401

from captioner.captions.review import ReviewThresholds, review
from captioner.captions.segmentation import segment
from captioner.ci.config import load_config
from captioner.ci.status import Scanner
from captioner.cli.main import main
from captioner.edit.analysis import EditCue, analyse
from captioner.edit.captions import read_cues
from captioner.edit.peaks import RATE, peaks_path
from captioner.edit.security import cookie_name
from captioner.edit.transcripts import Transcripts
from captioner.media.hashing import audio_hash

pytestmark = pytest.mark.slow  # the studio server on captions made by the model


def raw_get(base: str, target: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """A GET sent as written (httpx would normalise ``..`` and the Host header away)."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("GET", target, skip_host=True, skip_accept_encoding=True)
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_token_is_required_on_every_request(tree: Path, serve) -> None:
    app = serve(tree)
    import httpx

    bare = httpx.Client(base_url=app.base)
    for url in ("/", "/api/files", "/media/jfk.mp4", "/static/media.js", "/api/media?path=jfk.mp4"):
        assert bare.get(url).status_code == 401, url
    wrong = httpx.Client(base_url=app.base, cookies={cookie_name(app.server.port): "not-the-token"})
    assert wrong.get("/api/files").status_code == 403
    assert bare.get("/?token=not-the-token").status_code == 403
    first = bare.get(f"/edit?path=jfk.mp4&token={app.token}")
    assert first.status_code == 303
    assert first.headers["location"] == "/edit?path=jfk.mp4"  # the token leaves the address bar
    cookie = first.headers["set-cookie"]
    assert f"{cookie_name(app.server.port)}={app.token}" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    bare.cookies = first.cookies
    assert bare.get("/api/files").status_code == 200
    page = app.client.get("/")
    assert page.status_code == 200 and app.token in page.text  # for the page's own change requests
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_host_header_must_be_the_loopback_address(tree: Path, serve) -> None:
    app = serve(tree)
    cookie = {"Cookie": f"{cookie_name(app.server.port)}={app.token}"}
    port = app.server.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
        assert raw_get(app.base, "/api/files", {"Host": host, **cookie})[0] == 200
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}", f"127.0.0.1:{port + 1}"):
        status, _, body = raw_get(app.base, "/api/files", {"Host": host, **cookie})
        assert status == 403 and b"loopback" in body, host  # a DNS name rebound to 127.0.0.1 gets nothing


def test_changes_need_the_token_header_and_the_same_origin(tree: Path, serve) -> None:
    app = serve(tree)
    url, body = "/api/reflow?path=jfk.mp4", {"text": "ask not"}
    assert app.post(url, body).status_code == 200
    cases = {
        "no token header": {"X-Captioner-Token": ""},
        "wrong token header": {"X-Captioner-Token": "guess"},
        "another origin": {"Origin": "http://evil.example"},
        "another port": {"Origin": f"http://127.0.0.1:{app.server.port + 1}"},
        "cross-site fetch": {"Sec-Fetch-Site": "cross-site"},
    }
    for why, headers in cases.items():
        assert app.post(url, body, headers=headers).status_code == 403, why
    no_origin = app.client.post(url, json=body, headers={"X-Captioner-Token": app.token})
    assert no_origin.status_code == 403
    # A cross-site form post carries the cookie only without SameSite=Strict, and never the header.
    form = app.client.post("/api/save?path=jfk.mp4", data={"cues": "[]"}, headers={"Origin": "http://evil.example"})
    assert form.status_code == 403


def test_no_cors(tree: Path, serve) -> None:
    app = serve(tree)
    answer = app.client.get("/api/files", headers={"Origin": "http://evil.example"})
    assert answer.status_code == 200
    assert not [h for h in answer.headers if h.lower().startswith("access-control-")]
    preflight = app.client.options(
        "/api/save?path=jfk.mp4",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code >= 400
    assert not [h for h in preflight.headers if h.lower().startswith("access-control-")]


def test_only_files_inside_the_tree(tree: Path, serve, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copyfile(SAMPLES / "jfk.mp4", outside / "secret.mp4")
    (tree / "link.mp4").symlink_to(outside / "secret.mp4")
    (tree / "linked").symlink_to(outside, target_is_directory=True)
    (tree / ".git").mkdir()
    shutil.copyfile(SAMPLES / "jfk.mp4", tree / ".git" / "hidden.mp4")
    app = serve(tree)
    headers = {"Host": f"127.0.0.1:{app.server.port}", "Cookie": f"{cookie_name(app.server.port)}={app.token}"}
    secret = str(outside / "secret.mp4")
    refused = [
        "/media/../outside/secret.mp4",
        "/media/%2E%2E/outside/secret.mp4",
        "/media/..%2Foutside%2Fsecret.mp4",
        "/media/" + secret.replace("/", "%2F"),
        "/media/link.mp4",
        "/media/linked/secret.mp4",
        "/media/.git/hidden.mp4",
        "/media/captioner.toml",  # inside, but not media
        "/api/media?path=../outside/secret.mp4",
        "/api/media?path=" + secret,
        "/api/media?path=link.mp4",
        "/api/peaks?path=linked/secret.mp4",
    ]
    for target in refused:
        status, _, _ = raw_get(app.base, target, headers)
        assert status in (403, 404), target
        assert status != 200
    assert raw_get(app.base, "/media/jfk.mp4", headers)[0] == 200
    before = (outside / "secret.mp4").read_bytes()
    for rel in ("../outside/secret.mp4", "link.mp4", "linked/secret.mp4", secret):
        answer = app.post(f"/api/save?path={rel}", {"cues": [{"start": 0, "end": 1, "text": "x"}], "versions": {}})
        assert answer.status_code == 403, rel
    assert sorted(p.name for p in outside.iterdir()) == ["secret.mp4"]
    assert (outside / "secret.mp4").read_bytes() == before


def test_media_are_served_with_range_requests(tree: Path, serve) -> None:
    app = serve(tree)
    data = (tree / "jfk.mp4").read_bytes()
    answer = app.client.get("/media/jfk.mp4", headers={"Range": "bytes=1000-1999"})
    assert answer.status_code == 206
    assert answer.headers["content-range"] == f"bytes 1000-1999/{len(data)}"
    assert answer.content == data[1000:2000]
    assert app.client.get("/media/jfk.mp4").content == data


def test_save_writes_every_format_check_says_edited_and_sync_keeps_it(tree: Path, serve) -> None:
    app = serve(tree)
    doc = app.client.get("/api/media?path=jfk.mp4").json()
    assert doc["formats"] == ["srt", "vtt"] and doc["captions"] == "jfk.srt" and doc["transcript"] == "cache"
    cues = [{"start": c["start"], "end": c["end"], "text": c["text"]} for c in doc["cues"]]
    assert len(cues) == len(list(srt.parse((tree / "jfk.srt").read_text("utf-8"))))
    cues[1]["text"] = "Ask not,\nmy friends"
    answer = app.post("/api/save?path=jfk.mp4", {"cues": cues, "versions": doc["versions"]})
    assert answer.status_code == 200, answer.text
    assert sorted(answer.json()["written"]) == ["jfk.srt", "jfk.vtt"]
    subs = list(srt.parse((tree / "jfk.srt").read_text("utf-8")))
    assert subs[1].content == "Ask not,\nmy friends"
    vtt = webvtt.read(str(tree / "jfk.vtt"))
    assert [c.text for c in vtt.captions][1] == "Ask not,\nmy friends"
    assert len(vtt.captions) == len(subs) == len(cues)
    assert check_states(tree) == {"jfk.mp4": "edited"}
    kept = (tree / "jfk.srt").read_bytes()
    result = CliRunner().invoke(main, ["sync", "--root", str(tree), "-q"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert (tree / "jfk.srt").read_bytes() == kept
    # The page's next save is based on what it saved.
    cues[0]["text"] = "And so, my fellow Americans,"
    again = app.post("/api/save?path=jfk.mp4", {"cues": cues, "versions": answer.json()["versions"]})
    assert again.status_code == 200


def test_save_rewrites_the_broadcast_formats_the_tree_keeps(tree: Path, serve) -> None:
    """A tree that delivers TTML, SCC, ASS and SBV gets them all from a save, each read back by an
    independent reader with the edit; none is left stale for check."""
    from captioner.output.readers import read_ass, read_ttml
    from captioner.testing.format_readers import read_sbv_ffmpeg, read_scc_pycaption

    (tree / "captioner.toml").write_text('formats = ["srt", "vtt", "ttml", "scc", "ass", "sbv"]\n', "utf-8")
    result = CliRunner().invoke(main, ["sync", "--root", str(tree), "-q", "--force"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    app = serve(tree)
    doc = app.client.get("/api/media?path=jfk.mp4").json()
    assert doc["formats"] == ["srt", "vtt", "ttml", "scc", "ass", "sbv"]
    cues = [{"start": c["start"], "end": c["end"], "text": c["text"]} for c in doc["cues"]]
    cues[1]["text"] = "Ask not, my friends"
    answer = app.post("/api/save?path=jfk.mp4", {"cues": cues, "versions": doc["versions"]})
    assert answer.status_code == 200, answer.text
    assert sorted(answer.json()["written"]) == sorted(f"jfk.{f}" for f in doc["formats"])
    readers = {"ttml": read_ttml, "scc": read_scc_pycaption, "ass": read_ass, "sbv": read_sbv_ffmpeg}
    for fmt, read in readers.items():
        texts = [" ".join(" ".join(c.lines).split()) for c in read((tree / f"jfk.{fmt}").read_text("utf-8"))]
        assert "Ask not, my friends" in " ".join(texts), (fmt, texts)
    assert check_states(tree) == {"jfk.mp4": "edited"}


def test_a_stale_save_is_refused_and_nothing_is_overwritten(tree: Path, serve) -> None:
    app = serve(tree)
    doc = app.client.get("/api/media?path=jfk.mp4").json()
    theirs = (tree / "jfk.srt").read_text("utf-8").replace("ask not", "ask not (another tab)")
    (tree / "jfk.srt").write_text(theirs, "utf-8")
    vtt_before = (tree / "jfk.vtt").read_bytes()
    cues = [{"start": c["start"], "end": c["end"], "text": c["text"].upper()} for c in doc["cues"]]
    answer = app.post("/api/save?path=jfk.mp4", {"cues": cues, "versions": doc["versions"]})
    assert answer.status_code == 409
    assert "jfk.srt changed on disk" in answer.json()["error"]
    assert (tree / "jfk.srt").read_text("utf-8") == theirs
    assert (tree / "jfk.vtt").read_bytes() == vtt_before


def test_empty_and_overlapping_cues_are_not_saved(tree: Path, serve) -> None:
    app = serve(tree)
    doc = app.client.get("/api/media?path=jfk.mp4").json()
    before = (tree / "jfk.srt").read_bytes()
    base = [{"start": c["start"], "end": c["end"], "text": c["text"]} for c in doc["cues"]]
    empty = [dict(c) for c in base]
    empty[2]["text"] = "  \n "
    overlap = [dict(c) for c in base]
    overlap[0]["end"] = overlap[1]["start"] + 0.5
    backwards = [dict(c) for c in base]
    backwards[3]["end"] = backwards[3]["start"] - 1
    for cues, index, words in ((empty, "2", "empty cue"), (overlap, "0", "overlaps"), (backwards, "3", "ends before")):
        answer = app.post("/api/save?path=jfk.mp4", {"cues": cues, "versions": doc["versions"]})
        assert answer.status_code == 422
        assert words in " ".join(answer.json()["cues"][index])
    assert (tree / "jfk.srt").read_bytes() == before


def test_doubt_is_captioner_reviews_and_style_problems_are_flagged(captioned: Path) -> None:
    config = load_config(captioned)
    scanner = Scanner(captioned, config)
    transcript, source = Transcripts(scanner).find("jfk.mp4")
    assert source == "cache"
    cues, _ = read_cues(captioned, "jfk.mp4")
    strict = ReviewThresholds(word_probability=0.9)
    rows = analyse(cues, transcript, config.style, strict)
    expected = review(transcript, segment(transcript, config.style), strict)
    assert expected, "the strict threshold should make some cue doubtful"
    assert [k + 1 for k, r in enumerate(rows) if r["doubtful"]] == [d.index for d in expected]
    assert [r["doubtful"] for r in rows if r["doubtful"]] == [list(d.reasons) for d in expected]
    words = rows[0]["words"]
    assert [w[0] for w in words] == cues[0].text.split()
    assert all(w[1] is not None and 0 <= w[1] <= 1 for w in words)
    typed = analyse([EditCue(cues[0].start, cues[0].end, "And so my dear fellow Americans,")], transcript, config.style)
    shaded = {w[0]: w[1] for w in typed[0]["words"]}
    assert shaded["dear"] is None and shaded["fellow"] is not None
    style = config.style
    bad = [
        EditCue(0.0, 0.3, "x" * 50),
        EditCue(0.32, 9.0, "one\ntwo\nthree"),
        EditCue(9.0, 10.0, "fine"),
    ]
    problems = [r["problems"] for r in analyse(bad, None, style)]
    assert any("line 1: 50 characters" in p for p in problems[0])
    assert any("reading speed" in p for p in problems[0])
    assert any("on screen 0.30 s" in p for p in problems[0])
    assert any("gap to the next cue 0.020 s" in p for p in problems[0])
    assert any("3 lines" in p for p in problems[1]) and any("at most 7 s" in p for p in problems[1])
    assert problems[2] == []


def test_reflow_uses_the_projects_line_breaks(tree: Path, serve) -> None:
    app = serve(tree)
    text = "And so my fellow Americans, ask not what your country can do for you"
    answer = app.post("/api/reflow?path=jfk.mp4", {"text": text}).json()
    assert answer["fits"] is True
    assert answer["text"] == "And so my fellow Americans,\nask not what your country can do for you"
    long = app.post("/api/reflow?path=jfk.mp4", {"text": " ".join([text] * 3)}).json()
    assert long["fits"] is False and all(len(line) <= 42 for line in long["text"].split("\n"))


def test_peaks_are_computed_once_and_cached(tree: Path, serve) -> None:
    app = serve(tree)
    cache = peaks_path(audio_hash(tree / "jfk.mp4"))
    cache.unlink(missing_ok=True)
    answer = app.client.get("/api/peaks?path=jfk.mp4")
    assert answer.status_code == 200 and answer.headers["x-peaks-rate"] == str(RATE)
    peaks = answer.content
    assert abs(len(peaks) / 2 - 11.0 * RATE) <= 2  # 11 s of audio
    highs, lows = (
        [int.from_bytes(peaks[k : k + 1], "big", signed=True) for k in range(0, len(peaks), 2)],
        [int.from_bytes(peaks[k + 1 : k + 2], "big", signed=True) for k in range(0, len(peaks), 2)],
    )
    assert max(highs) > 40 and min(lows) < -40 and all(h >= lo for h, lo in zip(highs, lows))
    assert highs[: RATE // 5] == [0] * (RATE // 5) or max(highs[: RATE // 5]) < 10  # JFK starts after a pause
    assert cache.read_bytes() == peaks
    cache.write_bytes(b"\x01\xff" * 5)  # served from the cache, not decoded again
    assert app.client.get("/api/peaks?path=jfk.mp4").content == b"\x01\xff" * 5
    cache.unlink()


def test_retranscribe_a_cue_with_the_local_engine(tree: Path, serve, references) -> None:
    app = serve(tree)
    doc = app.client.get("/api/media?path=jfk.mp4").json()
    third = doc["cues"][2]
    answer = app.post(
        "/api/retranscribe?path=jfk.mp4", {"start": third["start"], "end": third["end"], "language": "en"}
    )
    assert answer.status_code == 200, answer.text
    proposal = answer.json()
    assert proposal["language"] == "en"
    text = " ".join(c["text"] for c in proposal["cues"])
    assert normalise(text) == normalise(third["text"])  # the same words heard again, alone
    for cue in proposal["cues"]:
        assert third["start"] <= cue["start"] < cue["end"] <= third["end"]
        assert all(w[1] is not None for w in cue["words"] if w[0] != "\n")
    bad = app.post("/api/retranscribe?path=jfk.mp4", {"start": 5, "end": 4})
    assert bad.status_code == 400


def test_command_prints_the_address_first_and_stops_on_ctrl_c(tree: Path) -> None:
    proc = studio_process(tree)
    try:
        first = proc.stdout.readline().strip()
        match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{20,})", first)
        assert match, first
        import httpx

        answer = httpx.get(first, follow_redirects=True)
        assert answer.status_code == 200 and "captioner edit" in answer.text
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in err and "Traceback" not in err
    assert match.group(2) not in err  # the token is never logged


def test_a_taken_port_is_a_one_line_error(tree: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["edit", "--no-browser", "--root", str(tree), "--port", str(port)])
    assert result.exit_code == 2
    assert re.fullmatch(rf"captioner: error: cannot listen on 127\.0\.0\.1:{port}: .+\n", result.stderr)


def test_bad_requests_are_4xx_with_a_message(tree: Path, serve) -> None:
    """Issue 27, defect 7: JSON nested 100k levels was a 500 (RecursionError)."""
    app = serve(tree)
    before = (tree / "jfk.srt").read_bytes()
    headers = {**app.origin_headers, "Content-Type": "application/json"}
    deep = "[" * 100_000 + "]" * 100_000
    for url in ("/api/save?path=jfk.mp4", "/api/analyse?path=jfk.mp4", "/api/reflow?path=jfk.mp4"):
        answer = app.client.post(url, content=deep, headers=headers)
        assert answer.status_code == 400 and "JSON" in answer.json()["error"], (url, answer.text[:200])
    assert (tree / "jfk.srt").read_bytes() == before


def test_times_past_any_media_are_4xx_with_a_message(tree: Path, serve) -> None:
    """Issue 27, defect 7: a save with start = 1e15 was a 500 (OverflowError in the writers)."""
    app = serve(tree)
    doc = app.client.get("/api/media?path=jfk.mp4").json()
    before = (tree / "jfk.srt").read_bytes()
    cues = [{"start": c["start"], "end": c["end"], "text": c["text"]} for c in doc["cues"]]
    for bad in (1e15, 10**400, -1e300):
        wrong = [dict(c) for c in cues]
        wrong[-1]["start"], wrong[-1]["end"] = bad, bad + 1
        for url, body in (
            ("/api/save?path=jfk.mp4", {"cues": wrong, "versions": doc["versions"]}),
            ("/api/analyse?path=jfk.mp4", {"cues": wrong}),
            ("/api/retranscribe?path=jfk.mp4", {"start": bad, "end": 2}),
        ):
            answer = app.post(url, body)
            assert answer.status_code == 400, (url, bad, answer.text[:200])
            assert "start must be a number of seconds" in answer.json()["error"]
    assert (tree / "jfk.srt").read_bytes() == before


def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(tree: Path, serve, monkeypatch) -> None:
    """Issue 27, defect 7: a chunked body was read whole whatever its size.  The body here never
    ends: only a server that counts while it reads can answer (the limit is lowered to 4 MB)."""
    import socket

    import captioner.edit.app

    MAX_BODY = 4 * 1024 * 1024
    monkeypatch.setattr(captioner.edit.app, "MAX_BODY", MAX_BODY)
    app = serve(tree)
    host, port = app.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as conn:
        conn.sendall(
            (
                f"POST /api/analyse?path=jfk.mp4 HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Cookie: {cookie_name(app.server.port)}={app.token}\r\nX-Captioner-Token: {app.token}\r\n"
                f"Origin: {app.base}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            ).encode()
        )
        piece = b"[" + b" " * (1024 * 1024 - 1)
        chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        sent = 0
        try:
            while sent <= MAX_BODY + len(piece):
                conn.sendall(chunk)
                sent += len(piece)
        except OSError:  # the server answered and closed while more was coming: read its answer
            pass
        answer = b""
        while not answer.endswith(b"}"):  # the JSON error message ends the answer
            data = conn.recv(65536)
            if not data:
                break
            answer += data
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"too large" in answer


def test_reviewed_marks_survive_a_reload_and_the_index_counts_them(tree: Path, serve) -> None:
    """Issue 27, defect 5: a person marks cues reviewed; the marks are kept beside the media (no
    caption text in them), clear the cue's doubt, and the index shows reviewed/total."""
    app = serve(tree)
    doc = app.client.get("/api/media?path=jfk.mp4").json()
    cues = [{"start": c["start"], "end": c["end"], "text": c["text"]} for c in doc["cues"]]
    cues[1]["reviewed"] = True
    cues[2]["reviewed"] = True
    answer = app.post("/api/save?path=jfk.mp4", {"cues": cues, "versions": doc["versions"]})
    assert answer.status_code == 200, answer.text
    assert "jfk.reviewed" in answer.json()["written"]
    marks = (tree / "jfk.reviewed").read_text("utf-8")
    assert "ask" not in marks and "country" not in marks
    again = serve(tree)  # a new server: nothing kept in memory
    reloaded = again.client.get("/api/media?path=jfk.mp4").json()["cues"]
    assert [c["reviewed"] for c in reloaded] == [False, True, True, False]
    assert reloaded[1]["doubtful"] == [] and reloaded[2]["doubtful"] == []
    [row] = again.client.get("/api/files").json()["files"]
    assert (row["reviewed"], row["cues"]) == (2, 4)
    assert check_states(tree) == {"jfk.mp4": "ok"}  # the captions themselves are as generated
    # Text changed by anything but the studio (sync --force, another editor) is not reviewed any more.
    subs = list(srt.parse((tree / "jfk.srt").read_text("utf-8")))
    subs[1].content = "ask not, my friends"
    (tree / "jfk.srt").write_text(srt.compose(subs), "utf-8")
    changed = again.client.get("/api/media?path=jfk.mp4").json()["cues"]
    assert [c["reviewed"] for c in changed] == [False, False, True, False]


def test_retranscribing_keeps_a_first_word_heard_just_before_the_stretch(tree: Path, serve) -> None:
    """Issue 27, defect 2: a stretch starting inside its first word got a proposal without it (the
    word decoded again had its middle before the stretch), and accepting lost the word silently.
    Given the text the stretch holds now, the edge word heard in the decoded margin is kept."""
    app = serve(tree)
    doc = app.client.get("/api/media?path=jfk.mp4").json()
    second = doc["cues"][1]
    assert normalise(second["text"]) == "ask not"
    ask = next(w for w in doc["cues"][1]["words"] if w[0].lower().startswith("ask"))
    start = round((ask[2] + ask[3]) / 2 + 0.05, 3)  # past the middle of "ask"
    body = {"start": start, "end": second["end"], "language": "en"}
    without = app.post("/api/retranscribe?path=jfk.mp4", body)
    assert without.status_code == 200, without.text
    assert normalise(" ".join(c["text"] for c in without.json()["cues"])) == "not"  # the case of the issue
    answer = app.post("/api/retranscribe?path=jfk.mp4", {**body, "text": second["text"]})
    assert answer.status_code == 200, answer.text
    cues = answer.json()["cues"]
    assert normalise(" ".join(c["text"] for c in cues)) == "ask not"
    assert all(start <= c["start"] < c["end"] <= second["end"] for c in cues)
