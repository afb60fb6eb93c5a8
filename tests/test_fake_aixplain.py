"""The fake aiXplain server's routes spoken to with plain HTTP: the ones the SDK never takes (the legacy
run, a presigned download, paths it does not serve) are covered here, not by the backend's tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest

from captioner.testing.fake_aixplain import DEFAULT_MODEL_ID, JFK_TEXT, FakeAixplain

KEY = "route-key"


@pytest.fixture
def server() -> Iterator[FakeAixplain]:
    with FakeAixplain(api_key=KEY) as fake:
        yield fake


def call(fake: FakeAixplain, method: str, target: str, body: Any = None, key: str | None = KEY) -> tuple[int, Any]:
    """(status, parsed JSON or raw bytes) of one request; ``target``: a path or a URL the fake handed out."""
    parsed = urlparse(target)
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(fake.url + path, data=data, method=method)
    if key is not None:
        request.add_header("x-api-key", key)
    if body is not None and not isinstance(body, bytes):
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def test_upload_download_and_legacy_run_with_polls(server: FakeAixplain) -> None:
    status, presigned = call(server, "POST", "/sdk/file/upload/temp-url", {"originalName": "dir/clip.wav"})
    assert status == 200 and presigned["key"].startswith("temp/") and presigned["key"].endswith("/clip.wav")
    assert call(server, "PUT", presigned["uploadUrl"], b"RIFF-audio", key=None) == (200, b"")
    assert call(server, "GET", presigned["downloadUrl"], key=None) == (200, b"RIFF-audio")

    run = {"source_audio": presigned["downloadUrl"], "sourcelanguage": "en", "options": {"includeRawData": True}}
    status, started = call(server, "POST", f"/api/v1/execute/{DEFAULT_MODEL_ID}", run)
    assert status == 200 and started["status"] == "IN_PROGRESS"  # the legacy route answers async even when sync
    assert started["data"] == f"{server.url}/api/v1/data/{started['requestId']}"
    assert call(server, "GET", started["data"]) == (200, {"completed": False})
    status, done = call(server, "GET", started["data"])
    assert status == 200 and done["status"] == "SUCCESS" and done["data"] == JFK_TEXT.strip()
    assert done["rawData"]["language"] == "English" and done["usedCredits"] > 0
    assert server.executes == 1 and [r.status for r in server.calls("GET", "/api/v1/data/")] == [200, 200]


def test_run_of_audio_the_fake_does_not_hold(server: FakeAixplain) -> None:
    missing = f"{server.url}/storage/temp%2Fnone%2Fa.wav"
    status, body = call(server, "POST", f"/api/v2/execute/{DEFAULT_MODEL_ID}", {"source_audio": missing})
    assert status == 492 and body["error"] == "err.invalid_input_data_or_input_url"
    assert call(server, "GET", missing, key=None) == (404, {"message": "NoSuchKey"})


def test_paths_it_does_not_serve(server: FakeAixplain) -> None:
    assert call(server, "GET", "/nowhere") == (404, {"statusCode": 404, "message": "no route /nowhere"})
    assert call(server, "POST", "/nowhere", {}) == (404, {"statusCode": 404, "message": "no route /nowhere"})
    assert call(server, "GET", "/nowhere", key="wrong")[0] == 401  # the key is checked before the path
    assert call(server, "POST", "/nowhere", {}, key=None)[0] == 401
    assert call(server, "PUT", "/nowhere", b"x", key=None) == (404, {"message": "no route"})  # uploads need no key
    status, body = call(server, "GET", "/v2/models/someone-else")
    assert (status, body["message"]) == (404, "Model not found")
    assert [(r.method, r.key) for r in server.requests[2:4]] == [("GET", "bad"), ("POST", None)]
    assert all(r.headers.get("x-api-key") in (None, "***") for r in server.requests)
