"""Media at a URL, served by a loopback HTTP server: the local engine reads it through ffmpeg,
aiXplain gets the URL as it is, and every bad case is one line naming the URL without its query."""

from __future__ import annotations

import json

import pytest
from conftest import AIX_KEY, SAMPLES, invoke
from url_server import MediaServer, hls_segment

from captioner.paths import cache_dir
from captioner.testing.fake_aixplain import Scenario

pytestmark = pytest.mark.slow  # servers, ffmpeg on real media, the model

SIGNATURE = "X-Amz-Signature=c0ffee5ec2e7d00d"
QUERY = f"?{SIGNATURE}&X-Amz-Expires=600"


@pytest.fixture
def server(tmp_path):
    with MediaServer(SAMPLES, segment=hls_segment(SAMPLES / "jfk.mp4", tmp_path / "seg.ts"), slow_seconds=4) as srv:
        yield srv


def _no_secret_anywhere(*texts: str, folder=None) -> None:
    for text in texts:
        assert "c0ffee5ec2e7d00d" not in text and AIX_KEY not in text
    for where in [folder, cache_dir()] if folder else [cache_dir()]:
        for file in where.rglob("*"):
            if file.is_file() and file.stat().st_size < 5_000_000:
                assert b"c0ffee5ec2e7d00d" not in file.read_bytes(), file


def test_the_local_engine_captions_a_served_file_as_the_local_one(cli, server, tmp_path):
    code, _, err = cli(SAMPLES / "jfk.mp4", "-o", tmp_path / "local", "-f", "srt", "-q", "--no-cache")
    assert code == 0, err
    local = (tmp_path / "local" / "jfk.srt").read_text()
    for route in ("range", "plain"):
        out = tmp_path / route
        code, out_text, err = cli(f"{server.url}/{route}/jfk.mp4{QUERY}", "-o", out, "-f", "srt,json", "--no-cache")
        assert code == 0, err
        assert (out / "jfk.srt").read_text() == local, route
        _no_secret_anywhere(out_text, err, folder=out)
    ranged = [r[2] for r in server.requests if r[1].startswith("/range/")]
    assert any(r and r != "bytes=0-65535" for r in ranged), ranged  # ffmpeg's own (Range) reads


def test_a_url_is_read_once_and_its_audio_keys_the_cache(cli, server, tmp_path):
    url = f"{server.url}/range/jfk.mp4{QUERY}"
    code, _, err = cli(url, "-o", tmp_path, "-f", "srt")
    assert code == 0, err
    first = len(server.requests)
    code, out, err = cli(url, "-o", tmp_path, "-f", "srt", "--overwrite", "-v")
    assert code == 0, err
    assert "transcript from the cache" in out + err
    fetched = [r for r in server.requests[first:] if r[2] != "bytes=0-65535"]
    assert fetched, "the second run read the audio again (the key is its decoded audio)"
    _no_secret_anywhere(out, err, folder=tmp_path)


def test_bad_urls_are_one_line_each_and_the_batch_goes_on(server, tmp_path, local_backend):
    bad = {
        f"{server.url}/missing.mp3{QUERY}": "HTTP 404",
        f"{server.url}/page.mp3{QUERY}": "web page (HTML), not media",
        f"{server.url}/loop.mp3{QUERY}": "redirect loop",
        f"{server.url}/to-file.mp3{QUERY}": "redirected to a URL that is not http or https",
        f"{server.url}/chunked/de_picovoice_test.flac{QUERY}": "declares no size",
        f"{server.url}/playlist.m3u8{QUERY}": "not a readable media file",
        f"http://127.0.0.1:9/nothing.mp3{QUERY}": "connection refused",
        f"file://{SAMPLES / 'jfk.mp4'}": "not an http or https URL",
        f"concat:{server.url}/range/jfk.mp4|{server.url}/range/jfk.mp4": "not an http or https URL",
        f"ftp://127.0.0.1/jfk.mp4{QUERY}": "not an http or https URL",
        f"{server.url}/range/..%2Fjfk.mp4{QUERY}": "would leave the output folder",
    }
    good = f"{server.url}/range/jfk.mp4{QUERY}"
    code, out, err = invoke(*bad, good, "-o", tmp_path, "-f", "srt", "-q")
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.startswith("captioner: error: ")]
    assert len(lines) == len(bad), err
    for url, cause in bad.items():
        shown = url.split("?", 1)[0]
        line = next((ln for ln in lines if ln.startswith(f"captioner: error: {shown}: ")), None)
        assert line is not None and cause in line, (url, err)
    assert f"{len(bad)} of {len(bad) + 1} files failed" in err
    assert "Traceback" not in err and sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".srt") == ["jfk.srt"]
    _no_secret_anywhere(out, err, folder=tmp_path)
    assert not [r for r in server.requests if r[1].startswith("/etc/")]


def test_a_slow_server_and_a_size_cap(server, tmp_path):
    code, _, err = invoke(f"{server.url}/slow/jfk.mp4{QUERY}", "-o", tmp_path, "--url-timeout", "1", "-q")
    assert code == 1 and "did not answer in time" in err and err.count("\n") == 2, err
    code, _, err = invoke(f"{server.url}/range/jfk.mp4{QUERY}", "-o", tmp_path, "--url-max-size", "0.01", "-q")
    assert code == 1 and "over the 0.01 MB cap" in err, err
    _no_secret_anywhere(err)


def test_a_url_list(server, tmp_path, local_backend):
    listed = tmp_path / "urls.txt"
    listed.write_text(f"# talks\n\n{server.url}/plain/jfk.mp4{QUERY}\n{server.url}/missing.mp3\n")
    code, _, err = invoke("--from-list", listed, "-o", tmp_path / "out", "-f", "srt", "-q")
    assert code == 1 and (tmp_path / "out" / "jfk.srt").exists()
    assert f"captioner: error: {server.url}/missing.mp3: the server answered HTTP 404" in err


def _aixplain(*args: object, tmp_path) -> tuple[int, str, str]:
    key_file = tmp_path / "aixplain.key"
    key_file.write_text(AIX_KEY + "\n")
    common = ["--backend", "aixplain", "--api-key-file", key_file, "--aixplain-timeout", "30", "-v", "--debug"]
    return invoke(*args, *common)


def test_aixplain_gets_the_url_as_it_is(fake, server, tmp_path):
    url = f"{server.url}/range/jfk.mp4{QUERY}"
    code, out, err = _aixplain(url, "-o", tmp_path, "-f", "json,srt", tmp_path=tmp_path)
    assert code == 0, err
    runs = fake.execute_calls
    assert len(runs) == 1 and runs[0].body["source_audio"] == url
    assert runs[0].body["options"] == {"includeRawData": True}
    assert not fake.calls("PUT") and not fake.calls("POST", "/sdk/file/")  # nothing uploaded
    # captioner's one look at the first bytes (the fake service's own fetches send no Range): no download here
    assert [r[2] for r in server.requests if r[2] is not None] == ["bytes=0-65535"]
    data = json.loads((tmp_path / "jfk.json").read_text())
    assert data["captioner"]["backend"] == "aixplain" and "fellow Americans" in (tmp_path / "jfk.srt").read_text()
    _no_secret_anywhere(out, err, folder=tmp_path)


def test_aixplain_says_when_it_cannot_fetch_the_url(fake, server, tmp_path):
    fake.scenario = Scenario(unfetchable_count=5, echo_key=True)
    code, out, err = _aixplain(f"{server.url}/range/jfk.mp4{QUERY}", "-o", tmp_path, tmp_path=tmp_path)
    assert code == 1
    line = f"captioner: error: {server.url}/range/jfk.mp4: aiXplain: the service could not fetch the URL"
    assert line in err, err
    assert len(fake.execute_calls) == 1 and not fake.calls("PUT")  # not retried, nothing uploaded
    _no_secret_anywhere(out, err, folder=tmp_path)


def test_aixplain_gets_an_upload_for_a_format_it_does_not_take(fake, server, tmp_path):
    segment = server.segment
    server.root = segment.parent  # serve the MPEG-TS file (Groq's Whisper takes no .ts)
    code, out, err = _aixplain(f"{server.url}/range/{segment.name}{QUERY}", "-o", tmp_path, tmp_path=tmp_path)
    assert code == 0, err
    assert "the provider does not take this format: the audio is downloaded, cut and uploaded" in out + err
    assert fake.calls("PUT") and SIGNATURE not in json.dumps([r.body for r in fake.execute_calls])
    _no_secret_anywhere(out, err, folder=tmp_path)


def test_the_api_captions_a_url(server, tmp_path, local_backend):
    import captioner

    result = captioner.caption(f"{server.url}/range/jfk.mp4{QUERY}", output_dir=tmp_path, backend=local_backend)
    assert result.status == "done" and str(result.media) == f"{server.url}/range/jfk.mp4"
    assert [p.name for p in result.written] == ["jfk.srt", "jfk.vtt"]
    assert "fellow Americans" in (tmp_path / "jfk.srt").read_text()
