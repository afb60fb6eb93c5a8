"""The fake's HTTP side: every request is logged, then answered by the route its method and path select.

A route is a method of :class:`Handler` named in :data:`ROUTE_TABLE`; serving another path is one more
method and one more row.  The first matching row wins; each method ends with a catch-all 404.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote

from captioner.testing.fake_aixplain.data import MODEL_RECORD
from captioner.testing.fake_aixplain.errors import ERRORS, error_body, fault_body
from captioner.testing.fake_aixplain.jobs import STORAGE
from captioner.testing.fake_aixplain.log import Recorded, sent_key
from captioner.testing.fake_aixplain.scenarios import NEVER, Scenario

if TYPE_CHECKING:
    from captioner.testing.fake_aixplain.server import FakeAixplain


class Handler(BaseHTTPRequestHandler):
    """Answers one connection's requests for :attr:`fake` (set by :func:`bind`)."""

    protocol_version = "HTTP/1.1"
    server_version = "FakeAixplain/1.0"
    fake: FakeAixplain

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # -- methods: read the body, log the request, answer it by route ------------------------------------
    def do_GET(self) -> None:
        self._dispatch(None, None)

    def do_PUT(self) -> None:
        data = self._read_body()
        self._dispatch(len(data), data)

    def do_POST(self) -> None:
        raw = self._read_body()
        if "form" in (self.headers.get("Content-Type") or ""):
            body: Any = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        else:
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = raw.decode("utf-8", "replace")
        self._dispatch(body, body)

    def _dispatch(self, logged: Any, payload: Any) -> None:
        """Log the request (``logged``: its body as the log keeps it) and answer it with the route's
        function, which gets ``payload``: None (GET), the uploaded bytes (PUT) or the parsed body (POST)."""
        rec = Recorded.of(self.command, self.path, self.headers, self.fake.api_key, logged)
        self.fake.log(rec)
        self._sent_key = sent_key(self.headers)
        route = next(r for r in ROUTE_TABLE if r.matches(self.command, rec.path))
        if route.authenticated and not self._authorised(rec):
            return
        route.answer(self, rec, payload)

    # -- routes ----------------------------------------------------------------------------------------
    def download(self, rec: Recorded, payload: None) -> None:
        """``GET /storage/{key}``: an uploaded file (a presigned URL: no credentials)."""
        data = self.fake.storage.get(unquote(rec.path[len(STORAGE) :]))
        if data is None:
            self._send(rec, 404, {"message": "NoSuchKey"})
        else:
            self._send(rec, 200, data)

    def upload(self, rec: Recorded, data: bytes) -> None:
        """``PUT /storage/{key}``: the upload to a presigned URL."""
        if self._fault(rec, "put"):
            return
        self.fake.storage[unquote(rec.path[len(STORAGE) :])] = data
        self._send(rec, 200, b"")

    def model_record(self, rec: Recorded, payload: None) -> None:
        """``GET /v2/models/{id}``: the model record (section 3.2)."""
        if self._fault(rec, "record"):
            return
        model_id = unquote(rec.path.rstrip("/").rsplit("/", 1)[-1])
        if model_id != self.fake.model_id:
            self._send(rec, 404, {"statusCode": 404, "message": "Model not found"})
            return
        scenario = self.fake.scenario
        record = dict(MODEL_RECORD, id=self.fake.model_id, connectionType=list(scenario.connection_type))
        record["params"] = [*MODEL_RECORD["params"], *scenario.extra_params]
        self._send(rec, 200, record)

    def presign(self, rec: Recorded, body: Any) -> None:
        """``POST /sdk/file/upload/temp-url``: a storage key and the URLs to upload and download it (3.6)."""
        if self._fault(rec, "presign"):
            return
        name = (body or {}).get("originalName") or "upload.bin"
        key = f"temp/{uuid.uuid4()}/{name.rsplit('/', 1)[-1]}"
        store = f"{self._base()}{STORAGE}{quote(key, safe='')}"
        answer = {
            "key": key,
            "uploadUrl": store + "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=fakeput",
            "downloadUrl": store + "?X-Amz-Expires=3600&X-Amz-Signature=fakeget",
        }
        for k, v in (self.fake.scenario.presign_answer or {}).items():
            if v is None:
                answer.pop(k, None)
            else:
                answer[k] = v
        self._send(rec, self.fake.scenario.presign_status, answer)

    def execute(self, rec: Recorded, body: Any) -> None:
        """``POST /api/v2/execute/{id}``: a run, answered as the scenario says (3.3)."""
        self._run(rec, body, legacy=False)

    def execute_legacy(self, rec: Recorded, body: Any) -> None:
        """``POST /api/v1/execute/{id}``: a run, always answered with a poll URL (3.5)."""
        self._run(rec, body, legacy=True)

    def poll(self, rec: Recorded, payload: None) -> None:
        """``GET /api/v1/data/{requestId}``: a run's progress, then its result (3.4)."""
        if self._fault(rec, "poll"):
            return
        job = self.fake.jobs.get(rec.path.rstrip("/").rsplit("/", 1)[-1])
        if job is None:
            self._send(rec, 404, {"statusCode": 404, "error": "err.request_not_found", "message": "Not found"})
            return
        job["polls"] += 1
        if self.fake.scenario.never_complete or job["polls"] <= self.fake.scenario.polls_before_done:
            self._send(rec, 200, {"completed": False})
            return
        self._answer(rec, job["result"])

    def no_route(self, rec: Recorded, payload: Any) -> None:
        self._send(rec, 404, {"statusCode": 404, "message": f"no route {rec.path}"})

    def no_storage_route(self, rec: Recorded, payload: Any) -> None:
        self._send(rec, 404, {"message": "no route"})

    # -- a run -----------------------------------------------------------------------------------------
    def _run(self, rec: Recorded, body: Any, legacy: bool) -> None:
        sc = self.fake.scenario  # a delayed answer keeps to the scenario it came under
        number, refusal = self.fake.next_execute(sc)
        if sc.run_delay:
            self.fake.wait(sc.run_delay)
        if self._fault(rec, "execute", sc) or self._refuse(rec, sc, refusal):
            return
        source = body.get("source_audio") if isinstance(body, dict) else None
        if refusal == "unfetchable" or not isinstance(source, str) or self.fake.fetch(source) is None:
            self._error(rec, "url")
            return
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        result = self.fake.run_job(source, number)
        if options.get("includeRawData") is not True and isinstance(result, dict):
            result.pop("rawData", None)  # rawData only when asked for (section 3.3)
        if sc.answer == "async" or legacy:
            self._in_progress(rec, sc, result)
        else:
            self._answer(rec, result)

    def _refuse(self, rec: Recorded, sc: Scenario, refusal: str | None) -> bool:
        """Answer a run the scenario refuses before fetching its audio; False when it does not."""
        if refusal == "rate":
            headers = {"Retry-After": sc.retry_after} if sc.retry_after is not None else None
            self._error(rec, "rate", sc.rate_limit_status, headers)
        elif refusal == "unavailable":
            self._error(rec, "unavailable", sc.unavailable_status)
        elif sc.credits_status is not None:
            self._error(rec, "credits", sc.credits_status)
        else:
            return False
        return True

    def _in_progress(self, rec: Recorded, sc: Scenario, result: Any) -> None:
        """Keep ``result`` for the polls and answer with where to poll."""
        request_id = result.get("requestId") if isinstance(result, dict) else None
        request_id = str(request_id or uuid.uuid4())
        self.fake.jobs[request_id] = {"result": result, "polls": 0}
        answer = {
            "status": "IN_PROGRESS",
            "completed": sc.in_progress_completed,
            "data": self._poll_url(request_id),
            "requestId": request_id,
        }
        self._send(rec, 200, answer)

    # -- plumbing --------------------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, rec: Recorded, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        rec.status = status
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream" if isinstance(body, bytes) else "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)

    def _echo(self) -> str | None:
        """The key error messages quote: the one received, when the scenario tests scrubbing."""
        return self._sent_key if self.fake.scenario.echo_key else None

    def _error(
        self, rec: Recorded, kind: str, status: int | None = None, headers: dict[str, str] | None = None
    ) -> None:
        code, error, message = ERRORS[kind]
        code = status or code
        self._send(rec, code, error_body(code, error, message, self._echo()), headers)

    def _fault(self, rec: Recorded, route: str, scenario: Scenario | None = None) -> bool:
        """Answer with the scenario's next fault on ``route``; False when there is none."""
        fault = self.fake.take_fault(route, scenario)
        if fault is None:
            return False
        if fault.delay:
            self.fake.wait(None if fault.delay == NEVER else fault.delay)
            if fault.delay == NEVER:
                self.close_connection = True
                return True
        self._send(rec, fault.status, fault_body(fault, self._echo()), fault.headers)
        return True

    def _answer(self, rec: Recorded, result: Any) -> None:
        """A final (2xx) answer: the result, or the scenario's replacement body."""
        body = self.fake.scenario.answer_body if self.fake.scenario.answer_body is not None else result
        self._send(rec, 200, body)

    def _authorised(self, rec: Recorded) -> bool:
        if self.fake.scenario.bad_key or rec.key != "ok":
            self._error(rec, "key")
            return False
        return True

    def _base(self) -> str:
        return f"http://{self.headers.get('Host') or f'127.0.0.1:{self.fake.port}'}"

    def _poll_url(self, request_id: str) -> str:
        host = self.fake.scenario.poll_host or self.headers.get("Host") or f"127.0.0.1:{self.fake.port}"
        return f"http://{host}{self.fake.scenario.poll_path}{request_id}"


@dataclass(frozen=True)
class Route:
    method: str
    paths: tuple[str, ...]  # path prefixes (whole paths when ``exact``)
    answer: Callable[[Handler, Recorded, Any], None]
    authenticated: bool = True  # a request without the right key answers 401
    exact: bool = False

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and (path in self.paths if self.exact else path.startswith(self.paths))


ROUTE_TABLE: tuple[Route, ...] = (
    Route("GET", (STORAGE,), Handler.download, authenticated=False),
    Route("GET", ("/v2/models/", "/sdk/models/"), Handler.model_record),
    Route("GET", ("/api/v1/data/", "/api/v2/data/"), Handler.poll),
    Route("GET", ("",), Handler.no_route),
    Route("PUT", (STORAGE,), Handler.upload, authenticated=False),
    Route("PUT", ("",), Handler.no_storage_route, authenticated=False),
    Route("POST", ("/sdk/file/upload/temp-url", "/sdk/file/upload-url"), Handler.presign, exact=True),
    Route("POST", ("/api/v2/execute/",), Handler.execute),
    Route("POST", ("/api/v1/execute/",), Handler.execute_legacy),
    Route("POST", ("",), Handler.no_route),
)


def bind(fake: FakeAixplain) -> type[Handler]:
    """The handler class the HTTP server instantiates per connection, answering for ``fake``."""

    class Bound(Handler):
        pass

    Bound.fake = fake
    return Bound
