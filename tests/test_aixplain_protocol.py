"""Conformance with the protocol reference, one documented quirk or failure per test: the fake
exhibits it over real HTTP, the real SDK carries it, and the backend must handle it as described."""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest
from conftest import SAMPLES

from captioner.errors import BackendError
from captioner.testing.fake_aixplain import Fault, Scenario
from captioner.transcription.base import TranscribeOptions

pytestmark = pytest.mark.slow  # real audio (ffmpeg) sent to the fake service

OPTS = TranscribeOptions(language="en")


@pytest.fixture
def jfk(load_audio):
    return load_audio(SAMPLES / "jfk.mp4")


def _fails(fake, make_backend, jfk, **scenario) -> str:
    fake.scenario = Scenario(**scenario)
    with pytest.raises(BackendError) as err:
        make_backend().transcribe(jfk, OPTS)
    message = str(err.value)
    assert "\n" not in message
    return message


# -- 3.3 / 4: what the answer holds ------------------------------------------------------------------


def test_raw_data_only_when_asked_for(fake, make_backend, jfk):
    """rawData comes only with options.includeRawData (the fake honours it); a service that drops
    it anyway gets a one-line error, and the run is not resubmitted (it was billed)."""
    message = _fails(fake, make_backend, jfk, ignore_include_raw=True)
    assert "no rawData with segments" in message and "includeRawData" in message
    assert len(fake.execute_calls) == 1


def test_unreadable_raw_data_segments(fake, make_backend, jfk):
    def no_times(body):
        body["rawData"]["segments"] = [{"id": 0, "text": " hello"}]
        return body

    message = _fails(fake, make_backend, jfk, mangle=no_times)
    assert "unreadable rawData" in message and "'start'" in message


def test_in_progress_marked_completed_is_still_polled(fake, make_backend, jfk):
    """Some SDK tests show "completed": true on an IN_PROGRESS answer: decide on status, then on data."""
    fake.scenario = Scenario(answer="async", in_progress_completed=True, polls_before_done=1)
    t = make_backend().transcribe(jfk, OPTS)
    assert t.segments and len(fake.calls("GET", "/api/v1/data/")) == 2


def test_poll_url_on_v2_data_path(fake, make_backend, jfk):
    """A sync-only model's SDK path does not follow /api/v2/data/ URLs; the backend polls them itself."""
    fake.scenario = Scenario(answer="async", poll_path="/api/v2/data/", polls_before_done=1)
    t = make_backend().transcribe(jfk, OPTS)
    assert t.segments and len(fake.calls("GET", "/api/v2/data/")) == 2
    assert len(fake.execute_calls) == 1


def test_presign_answering_201(fake, make_backend, jfk):
    fake.scenario = Scenario(presign_status=201)
    assert make_backend().transcribe(jfk, OPTS).segments


def test_required_param_of_the_record_is_reported_before_any_run(fake, make_backend, jfk):
    extra = {"name": "diarize", "required": True, "isFixed": False, "dataType": "label", "dataSubType": "label"}
    extra |= {"multipleValues": False, "values": [], "defaultValues": [], "availableOptions": []}
    message = _fails(fake, make_backend, jfk, extra_params=(extra,))
    assert "Required parameter 'diarize' is missing" in message
    assert fake.execute_calls == []


# -- 7: failures ---------------------------------------------------------------------------------------


def test_failed_run_with_credits_code_in_data(fake, make_backend, jfk):
    """err.not_enough_balance was seen inside a failed run's data.error."""
    failed = {"status": "FAILED", "completed": True, "data": {"error": "err.not_enough_balance"}}
    message = _fails(fake, make_backend, jfk, mangle=lambda body: failed)
    assert "not enough credits" in message
    assert len(fake.execute_calls) == 1


def test_unfetchable_as_failed_body_uploads_again(fake, make_backend, jfk):
    """The unfetchable-URL code may come in a 200 FAILED body instead of a 492."""
    runs = iter([True, False])

    def first_fails(body):
        if next(runs):
            return {"status": "FAILED", "completed": True, "error": "err.invalid_input_data_or_input_url"}
        return body

    fake.scenario = Scenario(mangle=first_fails)
    assert make_backend().transcribe(jfk, OPTS).segments
    assert len(fake.calls("PUT")) == 2 and len(fake.execute_calls) == 2


def test_refused_poll_is_a_bad_key(fake, make_backend, jfk):
    message = _fails(fake, make_backend, jfk, answer="async", faults=[Fault("poll", 401)])
    assert "API key was refused" in message
    assert len(fake.execute_calls) == 1


def test_rate_limited_model_record_get(fake, make_backend, jfk):
    """The SDK retries a 429 on GET itself, honouring Retry-After."""
    fake.scenario = Scenario(faults=[Fault("record", 429, count=2, headers={"Retry-After": "0"})])
    assert make_backend().transcribe(jfk, OPTS).segments
    assert len(fake.calls("GET", "/v2/models/")) == 3


def test_refused_presign_is_a_bad_key(fake, make_backend, jfk):
    message = _fails(fake, make_backend, jfk, faults=[Fault("presign", 401)])
    assert "API key was refused" in message
    assert len(fake.calls("POST", "/sdk/file/upload/temp-url")) == 1 and not fake.calls("PUT")


@pytest.mark.parametrize(
    "status,words",
    [
        (401, "API key was refused"),
        (403, "API key was refused"),
        (402, "not enough credits"),
        (475, "not enough credits"),
        (463, "subscription does not allow"),
        (483, "failed at the provider"),
        (400, "request was rejected"),
        (494, "request was rejected"),
        (404, "not found"),
    ],
)
def test_documented_statuses_on_execute(fake, make_backend, jfk, status, words):
    """Section 7.1's table: each class of status gets its own cause, and none is resubmitted."""
    message = _fails(fake, make_backend, jfk, faults=[Fault("execute", status, count=9)])
    assert words in message and f"HTTP {status}" in message
    assert len(fake.execute_calls) == 1


def test_failed_poll_is_resumed_not_resubmitted(fake, make_backend, jfk):
    """Two 503s on the poll ("Polling failed", status 0, the SDK sending each poll once): the job
    is still running, so the backend polls the same URL again instead of billing a new run."""
    fake.scenario = Scenario(answer="async", polls_before_done=1, faults=[Fault("poll", 503, count=2)])
    t = make_backend().transcribe(jfk, OPTS)
    assert t.segments
    assert len(fake.execute_calls) == 1
    assert len(fake.calls("GET", "/api/v1/data/")) == 2 + 2


def test_poll_of_an_unknown_run_submits_again(fake, make_backend, jfk):
    fake.scenario = Scenario(answer="async", polls_before_done=0, faults=[Fault("poll", 404)])
    assert make_backend().transcribe(jfk, OPTS).segments
    assert len(fake.execute_calls) == 2


def test_refused_poll_with_other_words_is_still_a_bad_key(fake, make_backend, jfk):
    """The poll's 401 is lost in "Polling failed" (status 0): it is read from the chained error."""
    message = _fails(fake, make_backend, jfk, answer="async", faults=[Fault("poll", 401, body={"message": "Nope"})])
    assert "API key was refused (HTTP 401" in message
    assert len(fake.execute_calls) == 1


# -- malformed and partial answers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,words",
    [
        (b"<html><body>Please wait while we check your browser</body></html>", "the answer is not JSON"),
        ([{"text": "hello"}], "'list' object has no attribute 'get'"),
        ({"status": "SUCCESS", "data": "hello"}, "KeyError: 'completed'"),
        ({"status": "IN_PROGRESS", "completed": False}, "neither completed nor given a poll URL"),
    ],
    ids=["not-json", "list", "no-completed", "in-progress-without-url"],
)
def test_malformed_run_answer(fake, make_backend, jfk, body, words):
    """A 2xx answer of the wrong shape is reported as such, once: resubmitting would bill again."""
    message = _fails(fake, make_backend, jfk, answer_body=body)
    assert "answer could not be read (HTTP 200" in message and words in message
    assert len(fake.execute_calls) == 1


def test_error_body_that_is_a_list(fake, make_backend, jfk):
    """Section 7.1: a list error body occurs (the SDK cannot word it); the HTTP status still decides."""
    message = _fails(fake, make_backend, jfk, faults=[Fault("execute", 402, body="list")])
    assert "not enough credits (HTTP 402" in message


def test_html_error_page_is_summarised(fake, make_backend, jfk):
    message = _fails(fake, make_backend, jfk, faults=[Fault("execute", 502, count=9, body="html")])
    assert "service unavailable after 3 attempts (HTTP 502, an HTML page: 502 Bad Gateway)" in message
    assert "<" not in message


def test_presign_answer_without_upload_url(fake, make_backend, jfk):
    message = _fails(fake, make_backend, jfk, presign_answer={"uploadUrl": None})
    assert "answer could not be read" in message and "uploadUrl" in message
    assert not fake.calls("PUT")


@pytest.mark.parametrize("status", [403, 500])
def test_storage_put_refused_is_uploaded_again(fake, make_backend, jfk, status):
    """Only 200 counts for the PUT; the SDK drops the status.  A fresh presigned URL is asked for."""
    fake.scenario = Scenario(faults=[Fault("put", status, body=b"<Error><Code>AccessDenied</Code></Error>")])
    assert make_backend().transcribe(jfk, OPTS).segments
    assert len(fake.calls("POST", "/sdk/file/upload/temp-url")) == 2 and len(fake.calls("PUT")) == 2


def test_storage_put_refused_for_good(fake, make_backend, jfk):
    message = _fails(fake, make_backend, jfk, faults=[Fault("put", 403, count=9)])
    assert "upload to storage was refused (HTTP 403)" in message
    assert fake.execute_calls == []


def test_signed_url_stays_out_of_messages(fake, make_backend, jfk):
    """A storage URL that cannot be reached: the error names it, without its signature."""
    signed = "http://127.0.0.1:9/storage/x.flac?X-Amz-Credential=AKIAFAKE&X-Amz-Signature=s3cr3tsig"
    message = _fails(fake, make_backend, jfk, presign_answer={"uploadUrl": signed})
    assert "service unavailable" in message
    assert "s3cr3tsig" not in message and "AKIAFAKE" not in message


# -- section 9: URL policy and endpoints -----------------------------------------------------------


def test_poll_url_on_an_untrusted_origin(fake, make_backend, jfk):
    """localhost and 127.0.0.1 are different origins: the SDK refuses to send the key there."""
    message = _fails(fake, make_backend, jfk, answer="async", poll_host=f"localhost:{fake.port}")
    assert f"http://localhost:{fake.port}" in message and "AIXPLAIN_TRUSTED_HOSTS" in message
    assert not fake.calls("GET", "/api/v1/data/"), "the key never went to the untrusted origin"


def test_upload_host_not_allowed(fake, make_backend, jfk, monkeypatch):
    monkeypatch.delenv("AIXPLAIN_UPLOAD_HOST_ALLOWLIST")
    message = _fails(fake, make_backend, jfk)
    assert "'127.0.0.1'" in message and "AIXPLAIN_UPLOAD_HOST_ALLOWLIST" in message
    assert "BACKEND_URL" not in message, "the endpoints are fine; the storage host is not allowed"
    assert not fake.calls("PUT")


def test_plain_http_endpoint_refused(fake, make_backend, jfk, monkeypatch):
    monkeypatch.delenv("AIXPLAIN_ALLOW_INSECURE_URLS")
    message = _fails(fake, make_backend, jfk)
    assert "use https" in message and "AIXPLAIN_ALLOW_INSECURE_URLS" in message
    assert fake.requests == []


def test_service_not_listening(fake, make_backend, jfk):
    """Connection refused (retried by the SDK for every method, then by the backend)."""
    backend = make_backend(backend_url="http://127.0.0.1:9/", models_url="http://127.0.0.1:9/api/v2/execute")
    with pytest.raises(BackendError) as err:
        backend.transcribe(jfk, OPTS)
    assert "service unavailable after 3 attempts (cannot connect to 127.0.0.1:9)" in str(err.value)


def test_retry_after_as_an_http_date(fake, make_backend, jfk):
    """Retry-After may be an HTTP date instead of seconds."""
    fake.scenario = Scenario(rate_limit_count=1, retry_after=formatdate(time.time() + 30, usegmt=True))
    backend = make_backend(timeout=60.0)  # a wait that would end after --aixplain-timeout is not taken
    slept: list[float] = []
    backend.sleep = slept.append
    assert backend.transcribe(jfk, OPTS).segments
    assert len(slept) == 1 and 27 <= slept[0] <= 31
