"""One retry policy and one deadline: the SDK's transport sends every request once, captioner's
RetryPolicy decides what is tried again, and --aixplain-timeout bounds a piece's wall time,
retries and waits included (the fake holds requests unanswered, or refuses them, over real HTTP)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from conftest import AIX_KEY, ROOT, SAMPLES

from captioner.errors import BackendError
from captioner.testing.fake_aixplain import NEVER, Fault, Scenario
from captioner.transcription.aixplain.retry import RetryPolicy
from captioner.transcription.base import TranscribeOptions

pytestmark = pytest.mark.slow  # real audio (ffmpeg), deadlines waited out, a captioner process

OPTS = TranscribeOptions(language="en")
ROUTE_CALLS = {
    "record": ("GET", "/v2/models/"),
    "presign": ("POST", "/sdk/file/upload/temp-url"),
    "put": ("PUT", "/storage/"),
    "execute": ("POST", "/api/v2/execute/"),
}


@pytest.fixture
def jfk(load_audio):
    return load_audio(SAMPLES / "jfk.mp4")


@pytest.mark.parametrize("route", ["record", "presign", "put"])
def test_a_service_that_never_answers_is_left_at_the_deadline(fake, make_backend, jfk, route):
    """Without the fix urllib3 sent a GET 6 times, a read timeout each, under captioner's own
    retries (149 s for a 5 s timeout), and the uploader ignored the timeout altogether (300 s)."""
    fake.scenario = Scenario(faults=[Fault(route, 503, count=99, delay=NEVER)])
    backend = make_backend(timeout=2.0, retry=RetryPolicy(attempts=4, backoff=0.1))
    started = time.monotonic()
    with pytest.raises(BackendError) as err:
        backend.transcribe(jfk, OPTS)
    elapsed = time.monotonic() - started
    assert "no answer within 2 s" in str(err.value), err.value
    # a bound a busy machine meets (the bug took 149 s); the one request below is the exact check
    assert elapsed < 2.0 + 20, f"{elapsed:.1f} s for a 2 s timeout"
    method, prefix = ROUTE_CALLS[route]
    assert len(fake.calls(method, prefix)) == 1, "the one request took the whole deadline: no retry"
    assert fake.execute_calls == []


def test_the_deadline_cuts_the_retries_short(fake, make_backend, jfk):
    """A service that keeps answering 503: tried again until the next wait would end past the deadline."""
    fake.scenario = Scenario(faults=[Fault("record", 503, count=99)])
    backend = make_backend(timeout=2.0, retry=RetryPolicy(attempts=99, backoff=0.5, backoff_max=0.5))
    started = time.monotonic()
    with pytest.raises(BackendError, match=r"service unavailable after \d attempts \(HTTP 503"):
        backend.transcribe(jfk, OPTS)
    assert time.monotonic() - started < 2.0 + 20  # without the cut: 99 tries, 0.5 s apart
    assert 2 <= len(fake.calls("GET", "/v2/models/")) <= 5  # a try every 0.4-0.6 s within 2 s (less when busy)


def test_a_retry_cut_by_the_deadline_reports_what_the_service_answered(fake, make_backend, jfk):
    """Slow 503s (0.8 s each, 0.01 s between tries): a retry starts with less than 0.8 s left
    and is still waiting when the 2 s deadline passes.  The line names the service's 503, not
    only a missing answer (which a CI run on a busy machine printed for the test above)."""
    fake.scenario = Scenario(faults=[Fault("record", 503, count=99, delay=0.8)])
    backend = make_backend(timeout=2.0, retry=RetryPolicy(attempts=99, backoff=0.01, backoff_max=0.01))
    with pytest.raises(BackendError, match=r"service unavailable after \d attempts \(HTTP 503") as err:
        backend.transcribe(jfk, OPTS)
    assert "no answer" not in str(err.value)
    assert 2 <= len(fake.calls("GET", "/v2/models/")) <= 3


def test_transient_failures_are_retried_by_captioner_alone(fake, make_backend, jfk):
    """Nine 503s on the model record: 3 attempts (the policy's), not 3 x 6 (urllib3's under each)."""
    fake.scenario = Scenario(faults=[Fault("record", 503, count=9)])
    with pytest.raises(BackendError, match=r"service unavailable after 3 attempts \(HTTP 503"):
        make_backend().transcribe(jfk, OPTS)
    assert len(fake.calls("GET", "/v2/models/")) == 3


def test_the_upload_request_and_the_storage_put_retry_on_their_own(fake, make_backend, jfk):
    """2 transient 503s on the presign request and 2 on the PUT, with 3 attempts a request: the
    upload succeeds (it failed after 3 attempts in all when the two shared one budget)."""
    fake.scenario = Scenario(faults=[Fault("presign", 503, count=2), Fault("put", 503, count=2)])
    assert make_backend().transcribe(jfk, OPTS).segments
    # presign 503, 503, ok; PUT 503; presign ok (a fresh URL); PUT 503; presign ok; PUT ok
    assert len(fake.calls("POST", "/sdk/file/upload/temp-url")) == 5
    assert len(fake.calls("PUT")) == 3
    assert len(fake.execute_calls) == 1


def test_cli_never_answering_service_is_one_line_within_the_timeout(fake, tmp_path):
    """The command as a user runs it: no urllib3 'Retrying' warnings, one line, near the timeout."""
    fake.scenario = Scenario(faults=[Fault("record", 503, count=99, delay=NEVER)])
    env = {**os.environ, **fake.env(), "AIXPLAIN_API_KEY": AIX_KEY, "PYTHONPATH": str(ROOT)}
    env.pop("TEAM_API_KEY", None)
    command = [sys.executable, "-m", "captioner", str(SAMPLES / "jfk.mp4"), "--backend", "aixplain"]
    command += ["--aixplain-timeout", "3", "-o", str(tmp_path), "--no-cache", "-q"]
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    elapsed = time.monotonic() - started
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines == [
        f"captioner: error: {SAMPLES / 'jfk.mp4'}: aiXplain: no answer within 3 s; "
        "raise --aixplain-timeout or try again later",
        "captioner: 1 of 1 files failed",
    ], proc.stderr
    assert elapsed < 3 + 60, f"{elapsed:.1f} s (the process starts in seconds, more on a busy machine)"
    assert len(fake.calls("GET", "/v2/models/")) == 1
