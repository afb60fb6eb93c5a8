"""The fake service: its state, request log and threaded HTTP server."""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse

from captioner.core.languages import to_name
from captioner.testing.fake_aixplain.data import DEFAULT_MODEL_ID, MODEL_RECORD, PRICE_PER_MINUTE
from captioner.testing.fake_aixplain.errors import ERRORS, STATUS_ERRORS
from captioner.testing.fake_aixplain.scenarios import NEVER, Fault, Scenario
from captioner.testing.fake_aixplain.transcribers import Transcriber, scripted


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # credential headers redacted
    key: str | None  # which credential came with the request, compared to the expected one: "ok", "bad", None
    body: Any  # parsed JSON / form, or the byte count for uploads
    status: int = 0


def _audio_duration(data: bytes) -> float:
    try:
        import av

        with av.open(io.BytesIO(data)) as container:
            if container.duration:
                return container.duration / av.time_base
    except Exception:
        pass
    return 0.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

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
        self._server = _Server((host, port), _make_handler(self))
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

    # -- behaviour -------------------------------------------------------------------------------
    def take_fault(self, route: str, scenario: Scenario | None = None) -> Fault | None:
        """The fault the next request on ``route`` answers with, if any (consumes one count);
        ``scenario``: the one the request arrived under (default: the current one)."""
        with self._lock:
            for fault in (scenario or self.scenario).faults or ():
                if fault.route == route and fault.count > 0:
                    fault.count -= 1
                    return fault
        return None

    def run_job(self, source: str, number: int) -> Any:
        """Fetch ``source`` from the fake's storage and transcribe it: the final answer body."""
        with self._idle:
            self._transcribing += 1
        try:
            body = self._run_job(source, number)
        finally:
            with self._idle:
                self._transcribing -= 1
                self._idle.notify_all()
        return self.scenario.mangle(body) if self.scenario.mangle else body

    def _run_job(self, source: str, number: int) -> dict[str, Any]:
        sc = self.scenario
        key = _storage_key(source)
        data = self.storage.get(key) if key else None
        if data is None:
            return {
                "status": "FAILED",
                "completed": True,
                "error": "err.invalid_input_data_or_input_url",
                "errorMessage": "err.invalid_input_data_or_input_url",
                "requestId": uuid.uuid4().hex,
            }
        request_id = str(uuid.uuid4())
        if sc.fail_supplier is not None and (sc.fail_on_run is None or sc.fail_on_run == number):
            return {
                "status": "FAILED",
                "completed": True,
                "error": "err.supplier_error",
                "supplierError": sc.fail_supplier,
                "requestId": request_id,
            }
        started = time.monotonic()
        raw = self.transcriber(data, key.rsplit("/", 1)[-1])
        code = _code_of(raw.get("language"))
        if sc.language_style == "code":
            raw["language"] = code
        elif sc.language_style == "lower":
            raw["language"] = to_name(code).lower()
        if not sc.words:
            raw.pop("words", None)
        duration = float(raw.get("duration") or _audio_duration(data))
        body: dict[str, Any] = {
            "status": "SUCCESS",
            "completed": True,
            "data": str(raw.get("text", "")).strip(),
            "requestId": request_id,
        }
        if not sc.ignore_include_raw:
            body["rawData"] = raw
        if sc.include_usage:
            body["runTime"] = round(time.monotonic() - started + 0.05, 3)
            body["usedCredits"] = round(duration / 60 * PRICE_PER_MINUTE, 8)
        return body


def _code_of(language: Any) -> str:
    from captioner.core.languages import to_code

    return to_code(str(language or "")) or str(language or "")


def _storage_key(url: str) -> str | None:
    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost") or not parsed.path.startswith("/storage/"):
        return None
    return unquote(parsed.path[len("/storage/") :])


def _make_handler(fake: FakeAixplain) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakeAixplain/1.0"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        # -- plumbing ----------------------------------------------------------------------------
        def _read_body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _record(self, body: Any) -> Recorded:
            parsed = urlparse(self.path)
            headers = {
                k: ("***" if k.lower() in ("x-api-key", "x-aixplain-key", "authorization") else v)
                for k, v in self.headers.items()
            }
            sent = self.headers.get("x-api-key") or self.headers.get("x-aixplain-key")
            auth = self.headers.get("Authorization") or ""
            if not sent and auth.lower().startswith("token "):
                sent = auth[6:]
            rec = Recorded(
                method=self.command,
                path=parsed.path,
                query=parse_qs(parsed.query),
                headers=headers,
                key=None if sent is None else ("ok" if sent == fake.api_key else "bad"),
                body=body,
            )
            with fake._lock:
                fake.requests.append(rec)
            self._sent_key = sent
            return rec

        def _send(self, rec: Recorded, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            rec.status = status
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header(
                "Content-Type", "application/octet-stream" if isinstance(body, bytes) else "application/json"
            )
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)

        def _error(self, rec: Recorded, kind: str, status: int | None = None, headers: dict[str, str] | None = None):
            code, err, message = ERRORS[kind]
            code = status or code
            if fake.scenario.echo_key and self._sent_key:
                message = f"{message} (key {self._sent_key})"
            self._send(rec, code, {"statusCode": code, "error": err, "message": message}, headers)

        def _fault(self, rec: Recorded, route: str, scenario: Scenario | None = None) -> bool:
            """Answer with the scenario's next fault on ``route``; False when there is none."""
            fault = fake.take_fault(route, scenario)
            if fault is None:
                return False
            if fault.delay:
                fake._stopping.wait(None if fault.delay == NEVER else fault.delay)
                if fault.delay == NEVER:
                    self.close_connection = True
                    return True
            body = fault.body
            if body is None:
                err, message = STATUS_ERRORS.get(fault.status, ("err.unknown", f"Error {fault.status}"))
                if fake.scenario.echo_key and self._sent_key:
                    message = f"{message} (key {self._sent_key})"
                body = {"statusCode": fault.status, "error": err, "message": message}
            elif body == "html":
                title = f"{fault.status} {self.responses.get(fault.status, ('Error',))[0]}"
                body = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1>"
                body = (body + "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode()
            elif body == "list":
                body = [{"statusCode": fault.status, "message": "Request failed", "error": "err.unknown"}]
            self._send(rec, fault.status, body, fault.headers)
            return True

        def _answer(self, rec: Recorded, result: Any) -> None:
            """A final (2xx) answer: the result, or the scenario's replacement body."""
            body = fake.scenario.answer_body if fake.scenario.answer_body is not None else result
            self._send(rec, 200, body)

        def _poll_url(self, request_id: str) -> str:
            host = fake.scenario.poll_host or self.headers.get("Host") or f"127.0.0.1:{fake.port}"
            return f"http://{host}{fake.scenario.poll_path}{request_id}"

        def _authorised(self, rec: Recorded) -> bool:
            if fake.scenario.bad_key or rec.key != "ok":
                self._error(rec, "key")
                return False
            return True

        def _base(self) -> str:
            return f"http://{self.headers.get('Host') or f'127.0.0.1:{fake.port}'}"

        # -- routes ------------------------------------------------------------------------------
        def do_GET(self) -> None:
            path = urlparse(self.path).path
            rec = self._record(None)
            if path.startswith("/storage/"):
                data = fake.storage.get(unquote(path[len("/storage/") :]))
                if data is None:
                    self._send(rec, 404, {"message": "NoSuchKey"})
                else:
                    self._send(rec, 200, data)
                return
            if not self._authorised(rec):
                return
            if path.startswith(("/v2/models/", "/sdk/models/")):
                if self._fault(rec, "record"):
                    return
                model_id = unquote(path.rstrip("/").rsplit("/", 1)[-1])
                if model_id != fake.model_id:
                    self._send(rec, 404, {"statusCode": 404, "message": "Model not found"})
                    return
                record = dict(MODEL_RECORD, id=fake.model_id, connectionType=list(fake.scenario.connection_type))
                record["params"] = [*MODEL_RECORD["params"], *fake.scenario.extra_params]
                self._send(rec, 200, record)
                return
            if path.startswith(("/api/v1/data/", "/api/v2/data/")):
                self._poll(rec, path.rstrip("/").rsplit("/", 1)[-1])
                return
            self._send(rec, 404, {"statusCode": 404, "message": f"no route {path}"})

        def _poll(self, rec: Recorded, request_id: str) -> None:
            if self._fault(rec, "poll"):
                return
            job = fake.jobs.get(request_id)
            if job is None:
                self._send(rec, 404, {"statusCode": 404, "error": "err.request_not_found", "message": "Not found"})
                return
            job["polls"] += 1
            if fake.scenario.never_complete or job["polls"] <= fake.scenario.polls_before_done:
                self._send(rec, 200, {"completed": False})
                return
            self._answer(rec, job["result"])

        def do_PUT(self) -> None:
            path = urlparse(self.path).path
            data = self._read_body()
            rec = self._record(len(data))
            if not path.startswith("/storage/"):
                self._send(rec, 404, {"message": "no route"})
                return
            if self._fault(rec, "put"):
                return
            fake.storage[unquote(path[len("/storage/") :])] = data
            self._send(rec, 200, b"")

        def do_POST(self) -> None:
            path = urlparse(self.path).path
            raw = self._read_body()
            content_type = self.headers.get("Content-Type") or ""
            if "form" in content_type:
                body: Any = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            else:
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = raw.decode("utf-8", "replace")
            rec = self._record(body)
            if not self._authorised(rec):
                return
            if path in ("/sdk/file/upload/temp-url", "/sdk/file/upload-url"):
                if self._fault(rec, "presign"):
                    return
                name = (body or {}).get("originalName") or "upload.bin"
                key = f"temp/{uuid.uuid4()}/{name.rsplit('/', 1)[-1]}"
                store = f"{self._base()}/storage/{quote(key, safe='')}"
                answer = {
                    "key": key,
                    "uploadUrl": store + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=fakeput",
                    "downloadUrl": store + "?X-Amz-Expires=3600&X-Amz-Signature=fakeget",
                }
                for k, v in (fake.scenario.presign_answer or {}).items():
                    if v is None:
                        answer.pop(k, None)
                    else:
                        answer[k] = v
                self._send(rec, fake.scenario.presign_status, answer)
                return
            for prefix in ("/api/v2/execute/", "/api/v1/execute/"):
                if path.startswith(prefix):
                    self._execute(rec, body, legacy=prefix.startswith("/api/v1"))
                    return
            self._send(rec, 404, {"statusCode": 404, "message": f"no route {path}"})

        def _execute(self, rec: Recorded, body: Any, legacy: bool) -> None:
            sc = fake.scenario
            with fake._lock:
                fake.executes += 1
                number = fake.executes
                rate = sc.rate_limit_count > 0
                if rate:
                    sc.rate_limit_count -= 1
                unavailable = not rate and sc.unavailable_count > 0
                if unavailable:
                    sc.unavailable_count -= 1
                unfetchable = not (rate or unavailable) and sc.unfetchable_count > 0
                if unfetchable:
                    sc.unfetchable_count -= 1
            if sc.run_delay:
                fake._stopping.wait(sc.run_delay)
            if self._fault(rec, "execute", sc):  # a delayed answer keeps to the scenario it came under
                return
            if rate:
                headers = {"Retry-After": sc.retry_after} if sc.retry_after is not None else None
                self._error(rec, "rate", sc.rate_limit_status, headers)
                return
            if unavailable:
                self._error(rec, "unavailable", sc.unavailable_status)
                return
            if sc.credits_status is not None:
                self._error(rec, "credits", sc.credits_status)
                return
            source = (body or {}).get("source_audio") if isinstance(body, dict) else None
            if unfetchable or not isinstance(source, str) or _storage_key(source) not in fake.storage:
                self._error(rec, "url")
                return
            options = body.get("options") if isinstance(body.get("options"), dict) else {}
            result = fake.run_job(source, number)
            if options.get("includeRawData") is not True and isinstance(result, dict):
                result.pop("rawData", None)  # rawData only when asked for (section 3.3)
            if sc.answer == "async" or legacy:
                request_id = result.get("requestId") if isinstance(result, dict) else None
                request_id = str(request_id or uuid.uuid4())
                fake.jobs[request_id] = {"result": result, "polls": 0}
                self._send(
                    rec,
                    200,
                    {
                        "status": "IN_PROGRESS",
                        "completed": sc.in_progress_completed,
                        "data": self._poll_url(request_id),
                        "requestId": request_id,
                    },
                )
                return
            self._answer(rec, result)

    return Handler
