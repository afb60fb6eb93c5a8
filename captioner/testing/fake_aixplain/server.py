"""The fake service: its state (storage, jobs, scenario), the request log and the threaded HTTP server."""

from __future__ import annotations

import sys
import threading
import urllib.request
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from captioner.testing.fake_aixplain.data import DEFAULT_MODEL_ID
from captioner.testing.fake_aixplain.handler import bind
from captioner.testing.fake_aixplain.jobs import run_result, storage_key
from captioner.testing.fake_aixplain.log import Recorded
from captioner.testing.fake_aixplain.scenarios import Fault, Scenario
from captioner.testing.fake_aixplain.transcribers import Transcriber, scripted


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):  # a client that gave up
            super().handle_error(request, client_address)


class FakeAixplain:
    """The fake service.  ``api_key``: the key it accepts; anything else answers 401."""

    def __init__(
        self,
        api_key: str = "fake-key",
        transcriber: Transcriber | None = None,
        scenario: Scenario | None = None,
        model_id: str = DEFAULT_MODEL_ID,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key = api_key
        self.transcriber = transcriber or scripted()
        self.scenario = scenario or Scenario()
        self.model_id = model_id
        self.requests: list[Recorded] = []
        self.storage: dict[str, bytes] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.executes = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # wakes the requests a Fault holds
        self._transcribing = 0  # jobs in run_job: stop() waits for them (native code at exit aborts)
        self._idle = threading.Condition(self._lock)
        self._server = _Server((host, port), bind(self))
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The variables that point the SDK (and so captioner) at this fake."""
        return {
            "BACKEND_URL": self.url + "/",
            "MODELS_RUN_URL": self.url + "/api/v2/execute",
            "AIXPLAIN_ALLOW_INSECURE_URLS": "1",
            "AIXPLAIN_UPLOAD_HOST_ALLOWLIST": "127.0.0.1",
            "AIXPLAIN_SUPPRESS_V1_DEPRECATION": "1",
        }

    def start(self) -> FakeAixplain:
        serve = self._server.serve_forever
        self._thread = threading.Thread(target=serve, args=(0.05,), name="fake-aixplain", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        with self._idle:  # a transcription a client gave up on still runs in its handler's thread
            self._idle.wait_for(lambda: self._transcribing == 0, timeout=120)
        self._server.server_close()

    def serve(self) -> None:
        """Serve in the calling thread until Ctrl-C (``python -m captioner.testing.fake_aixplain``)."""
        try:
            self._server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._server.server_close()

    def __enter__(self) -> FakeAixplain:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- helpers for tests -----------------------------------------------------------------------
    def calls(self, method: str | None = None, prefix: str = "") -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method) and r.path.startswith(prefix)]

    @property
    def execute_calls(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and "/execute/" in r.path]

    # -- behaviour (called by the request handler) -----------------------------------------------
    def log(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)

    def wait(self, seconds: float | None) -> None:
        """Sleep ``seconds`` (None: until the fake stops); stopping the fake ends every wait."""
        self._stopping.wait(seconds)

    def take_fault(self, route: str, scenario: Scenario | None = None) -> Fault | None:
        """The fault the next request on ``route`` answers with, if any (consumes one count);
        ``scenario``: the one the request arrived under (default: the current one)."""
        with self._lock:
            for fault in (scenario or self.scenario).faults or ():
                if fault.route == route and fault.count > 0:
                    fault.count -= 1
                    return fault
        return None

    def next_execute(self, scenario: Scenario) -> tuple[int, str | None]:
        """Count a run: its number (1-based) and the refusal ``scenario`` answers it with, if any."""
        with self._lock:
            self.executes += 1
            return self.executes, scenario.take_refusal()

    def fetch(self, source: str) -> tuple[str, bytes] | None:
        """The audio a run's ``source_audio`` URL names, as (file name, bytes); None when it cannot be fetched.

        The fake's own storage (the temporary upload flow), or a URL on this machine (a test's
        loopback server: the seed's REST method, a URL sent as it is), fetched as the real service
        would; any other host is unreachable from a fake."""
        key = storage_key(source)
        if key is None:
            return fetch_loopback(source)
        data = self.storage.get(key)
        if data is None:
            return None
        return key.rsplit("/", 1)[-1], data

    def run_job(self, source: str, number: int) -> Any:
        """Fetch ``source`` and transcribe it: the final answer body of the ``number``-th run."""
        with self._idle:
            self._transcribing += 1
        try:
            body = run_result(self.scenario, self.transcriber, self.fetch(source), number)
        finally:
            with self._idle:
                self._transcribing -= 1
                self._idle.notify_all()
        return self.scenario.mangle(body) if self.scenario.mangle else body


def fetch_loopback(url: str) -> tuple[str, bytes] | None:
    """The bytes at an http URL of 127.0.0.1 or localhost, as (file name, bytes); None on any failure."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname not in ("127.0.0.1", "localhost"):
        return None
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            data = answer.read()
    except (OSError, ValueError):
        return None
    return unquote(parts.path.rsplit("/", 1)[-1]) or "audio", data
