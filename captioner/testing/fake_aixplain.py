"""A loopback fake of the aiXplain service, written from the protocol reference.

It serves what the aiXplain SDK talks to when captioner transcribes with the Whisper Large
model: the model record (``GET /v2/models/{id}``), runs (``POST /api/v2/execute/{id}`` and the
legacy ``/api/v1/execute/{id}``), polls (``GET /api/v1/data/{requestId}``), and the temporary
upload flow (``POST /sdk/file/upload/temp-url`` -> ``PUT`` to a presigned URL -> a download link,
both served by the fake itself under ``/storage/``).  The transcript it answers with is made
from the uploaded audio: by a local faster-whisper model when one is given (real timestamps),
else from a scripted ``rawData``.

Every request is recorded (credential headers redacted).  :class:`Scenario` switches on the
failure modes a client has to survive.  Use it from tests as a context manager::

    with FakeAixplain(api_key="k", transcriber=WhisperTranscriber(model)) as fake:
        monkeypatch.setenv(...)  # fake.env()
        ...
        fake.requests  # what the client sent

or run it by hand: ``python -m captioner.testing.fake_aixplain [--port N] [--model DIR]``.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse

from captioner.core.languages import to_name

DEFAULT_MODEL_ID = "66311fda6eb563279c574b71"
PRICE_PER_MINUTE = 0.0018 * 1.2  # USD (= credits) per audio minute, service fee included

# The doc's default fixture: Whisper base on the JFK clip, in Groq's verbose JSON shape.
JFK_TEXT = (
    " And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
)
JFK_WORDS = [
    ("And", 0.0, 0.52), ("so", 0.52, 0.82), ("my", 0.82, 1.18), ("fellow", 1.18, 1.56), ("Americans,", 1.56, 2.34),
    ("ask", 3.3, 3.72), ("not", 3.72, 4.26), ("what", 4.26, 5.22), ("your", 5.22, 5.58), ("country", 5.58, 6.0),
    ("can", 6.0, 6.36), ("do", 6.36, 6.62), ("for", 6.62, 6.84), ("you,", 6.84, 7.5), ("ask", 8.08, 8.48),
    ("what", 8.48, 8.72), ("you", 8.72, 8.96), ("can", 8.96, 9.2), ("do", 9.2, 9.36), ("for", 9.36, 9.56),
    ("your", 9.56, 9.78), ("country.", 9.78, 10.36),
]  # fmt: skip
JFK_RAW: dict[str, Any] = {
    "task": "transcribe",
    "language": "English",
    "duration": 11.0,
    "text": JFK_TEXT,
    "segments": [
        {
            "id": 0,
            "seek": 0,
            "start": 0.0,
            "end": 10.36,
            "text": JFK_TEXT,
            "tokens": [50364, 400, 370, 452, 7177, 6280, 11, 1029, 406, 437, 428, 1941, 393, 360, 337, 291, 11]
            + [1029, 437, 291, 393, 360, 337, 428, 1941, 13, 50914],
            "temperature": 0.0,
            "avg_logprob": -0.262977,
            "compression_ratio": 1.35443,
            "no_speech_prob": 0.052673,
        }
    ],
    "words": [{"word": w, "start": s, "end": e} for w, s, e in JFK_WORDS],
    "x_groq": {"id": "req_fake0000000000000000000000"},
}

MODEL_RECORD: dict[str, Any] = {
    "id": DEFAULT_MODEL_ID,
    "name": "Whisper Large",
    "path": "openai/whisper-large/groq",
    "status": "onboarded",
    "host": "Groq",
    "developer": "OpenAI",
    "vendor": {"id": 101, "name": "Groq", "code": "groq"},
    "function": {"id": "speech-recognition", "name": "Speech Recognition"},
    "connectionType": ["synchronous"],
    "pricing": {"price": 0.0018, "unitType": "MINUTE", "unitTypeScale": None},
    "supportsStreaming": False,
    "params": [
        {"name": "source_audio", "required": True, "isFixed": False, "dataType": "audio", "dataSubType": "audio",
         "multipleValues": False, "values": [], "defaultValues": [], "availableOptions": []},
        {"name": "sourcelanguage", "required": True, "isFixed": True, "dataType": "label", "dataSubType": "label",
         "multipleValues": False, "values": [], "defaultValues": [],
         "availableOptions": [{"value": "en", "label": "English"}, {"value": "ar", "label": "Arabic"}]},
    ],
}  # fmt: skip

ERRORS: dict[str, tuple[int, str, str]] = {
    "key": (401, "err.invalid_api_key", "Invalid API key"),
    "url": (492, "err.invalid_input_data_or_input_url", "err.invalid_input_data_or_input_url"),
    "credits": (402, "err.not_enough_balance", "Insufficient credits"),
    "rate": (429, "err.rate_limit_exceeded", "Rate limit exceeded"),
    "unavailable": (503, "err.service_unavailable", "Service temporarily unavailable"),
}

# Bodies for an injected error status (section 7.1 of the protocol reference); other statuses get a generic one.
STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("err.validation_error", "Bad request"),
    401: ERRORS["key"][1:],
    402: ERRORS["credits"][1:],
    403: ("err.forbidden", "Forbidden"),
    404: ("err.not_found", "Model not found"),
    429: ERRORS["rate"][1:],
    492: ERRORS["url"][1:],
    497: ("err.rate_limit_exceeded", "Rate limit exceeded"),
    500: ("err.internal_error", "Internal server error"),
    502: ("err.bad_gateway", "Bad gateway"),
    503: ERRORS["unavailable"][1:],
    504: ("err.gateway_timeout", "Gateway timeout"),
}
ROUTES = ("record", "presign", "put", "execute", "poll")
NEVER = math.inf  # a Fault's delay: the request is held, unanswered, until the client gives up


@dataclass
class Fault:
    """The next ``count`` requests on ``route`` (one of :data:`ROUTES`) answer ``status``.

    ``body``: ``None`` for the JSON error body of section 7.1, ``"html"`` for a proxy's HTML page,
    ``"list"`` for a list body, or any JSON value / ``bytes`` sent as is.  ``delay``: seconds the
    answer waits (:data:`NEVER`: none comes, the connection stays open until the fake stops).
    """

    route: str
    status: int
    count: int = 1
    body: Any = None
    headers: dict[str, str] | None = None
    delay: float = 0.0

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise ValueError(f"unknown route {self.route!r}; one of {ROUTES}")


@dataclass
class Scenario:
    """Per-test behaviour of the fake.  Counters (``*_count``) are consumed as requests arrive."""

    answer: str = "sync"  # "sync": the POST answers with the result; "async": IN_PROGRESS + poll URL
    connection_type: tuple[str, ...] = ("synchronous",)  # the record's connectionType (picks the SDK code path)
    polls_before_done: int = 1  # async: this many polls answer {"completed": false} first
    never_complete: bool = False  # async: polls never complete
    run_delay: float = 0.0  # seconds every execute POST waits before answering
    bad_key: bool = False  # every authenticated request answers 401 (also when the key is wrong)
    credits_status: int | None = None  # 402 or 470..479 on execute
    rate_limit_count: int = 0  # this many execute POSTs answer 429 (or ``rate_limit_status``)
    rate_limit_status: int = 429
    retry_after: str | None = "1"  # Retry-After header on those answers (None: no header)
    unavailable_count: int = 0  # this many execute POSTs answer 503
    unavailable_status: int = 503
    fail_supplier: str | None = None  # execute (or the final poll) answers FAILED with this supplierError
    fail_on_run: int | None = None  # only the Nth execute (1-based) fails as FAILED; None: all of them
    unfetchable_count: int = 0  # this many execute POSTs answer 492 err.invalid_input_data_or_input_url
    words: bool = True  # include rawData.words
    language_style: str = "name"  # "name" ("English"), "lower" ("english") or "code" ("en")
    include_usage: bool = True  # runTime and usedCredits in the answer
    echo_key: bool = False  # error messages quote the key they received (to test scrubbing)
    faults: list[Fault] | None = None  # injected error answers per route, consumed in order
    in_progress_completed: bool = False  # IN_PROGRESS answers say "completed": true (seen in SDK tests)
    poll_path: str = "/api/v1/data/"  # where poll URLs point ("/api/v2/data/" exists too, section 2)
    poll_host: str | None = None  # host:port of poll URLs (default: the request's Host header)
    ignore_include_raw: bool = False  # answer without rawData even when includeRawData was asked for
    answer_body: Any = None  # a 2xx execute/final-poll answer sent instead of the result (bytes: as is)
    mangle: Callable[[dict[str, Any]], Any] | None = None  # rewrites each final result body
    presign_status: int = 200  # the presign answer's 2xx status (201 is [UNKNOWN] but possible)
    presign_answer: dict[str, Any] | None = None  # overrides fields of the presign answer (None values drop)
    extra_params: tuple[dict[str, Any], ...] = ()  # more entries for the record's params (e.g. required)


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # credential headers redacted
    key: str | None  # which credential came with the request, compared to the expected one: "ok", "bad", None
    body: Any  # parsed JSON / form, or the byte count for uploads
    status: int = 0


Transcriber = Callable[[bytes, str], dict[str, Any]]  # (audio bytes, file name) -> rawData


def scripted(raw: dict[str, Any] = JFK_RAW) -> Transcriber:
    """A transcriber that always answers ``raw`` (the JFK fixture by default)."""

    def transcribe(data: bytes, name: str) -> dict[str, Any]:
        return copy.deepcopy(raw)

    return transcribe


class WhisperTranscriber:
    """Transcribes uploads with a loaded ``faster_whisper.WhisperModel`` into Groq-shaped ``rawData``."""

    def __init__(self, model: Any, beam_size: int = 5) -> None:
        self.model = model
        self.beam_size = beam_size
        self._lock = threading.Lock()

    def __call__(self, data: bytes, name: str) -> dict[str, Any]:
        with self._lock:
            segments, info = self.model.transcribe(io.BytesIO(data), beam_size=self.beam_size, word_timestamps=True)
            segments = list(segments)
        words = [
            {"word": w.word.strip(), "start": round(w.start, 2), "end": round(w.end, 2)}
            for s in segments
            for w in s.words or []
        ]
        return {
            "task": "transcribe",
            "language": to_name(info.language),
            "duration": round(info.duration, 3),
            "text": "".join(s.text for s in segments),
            "segments": [
                {
                    "id": i,
                    "seek": s.seek,
                    "start": round(s.start, 2),
                    "end": round(s.end, 2),
                    "text": s.text,
                    "tokens": list(s.tokens),
                    "temperature": s.temperature,
                    "avg_logprob": s.avg_logprob,
                    "compression_ratio": s.compression_ratio,
                    "no_speech_prob": s.no_speech_prob,
                }
                for i, s in enumerate(segments)
            ],
            "words": words,
            "x_groq": {"id": "req_" + uuid.uuid4().hex[:26]},
        }


def _audio_duration(data: bytes) -> float:
    try:
        import av

        with av.open(io.BytesIO(data), mode="r") as container:
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
        if key is None or data is None:
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

        def _error(
            self, rec: Recorded, kind: str, status: int | None = None, headers: dict[str, str] | None = None
        ) -> None:
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m captioner.testing.fake_aixplain", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--key", default="fake-key", help="the API key the fake accepts (default: fake-key)")
    parser.add_argument("--model", help="faster-whisper model directory or name to transcribe uploads with")
    parser.add_argument("--async", dest="answer_async", action="store_true", help="answer runs asynchronously")
    args = parser.parse_args(argv)
    transcriber: Transcriber | None = None
    if args.model:
        from faster_whisper import WhisperModel

        transcriber = WhisperTranscriber(WhisperModel(args.model, device="cpu", compute_type="int8"))
    fake = FakeAixplain(
        api_key=args.key,
        transcriber=transcriber,
        port=args.port,
        scenario=Scenario(answer="async" if args.answer_async else "sync"),
    )
    print("# fake aiXplain listening; export these, then run captioner --backend aixplain:")
    for name, value in {**fake.env(), "AIXPLAIN_API_KEY": args.key}.items():
        print(f"export {name}={value}")
    print("# unset TEAM_API_KEY if it holds a different key", flush=True)
    try:
        fake._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake._server.server_close()


if __name__ == "__main__":
    main()
