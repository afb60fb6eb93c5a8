"""The API key never shows: not in messages, tracebacks, chained exceptions, logs or output."""

from __future__ import annotations

import logging
import traceback

import pytest
from conftest import AIX_KEY, SAMPLES

from captioner.errors import BackendError
from captioner.testing.fake_aixplain import Fault, Scenario
from captioner.transcription.aixplain.sdk import register_secret
from captioner.transcription.base import TranscribeOptions

FAILURES = {
    "bad key": dict(bad_key=True),
    "credits": dict(credits_status=402),
    "rate limit": dict(rate_limit_count=99, retry_after="0"),
    "503": dict(unavailable_count=99),
    "failed run": dict(fail_supplier=f"Groq: rejected request from key {AIX_KEY}"),
    "failed async": dict(answer="async", fail_supplier=f"key={AIX_KEY}"),
    "unfetchable": dict(unfetchable_count=99),
    "never completes": dict(answer="async", never_complete=True),
    "slow": dict(run_delay=1.5),
    "refused poll": dict(answer="async", faults=[Fault("poll", 401)]),
    "refused presign": dict(faults=[Fault("presign", 401)]),
    "subscription": dict(faults=[Fault("execute", 463)]),
    "malformed": dict(answer_body={"status": "SUCCESS", "data": "no completed"}),
    "storage refused": dict(faults=[Fault("put", 403, count=9)]),
}


def _all_text(exc: BaseException) -> str:
    parts = ["".join(traceback.format_exception(exc)), repr(exc), str(exc.args)]
    seen = exc
    while seen.__context__ is not None or seen.__cause__ is not None:
        seen = seen.__cause__ or seen.__context__
        parts.append("".join(traceback.format_exception(seen)))
    return "\n".join(parts)


@pytest.mark.slow
def test_key_appears_nowhere(fake, make_backend, load_audio, caplog, capfd, tmp_path):
    audio = load_audio(SAMPLES / "jfk.mp4")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("aixplain").setLevel(logging.DEBUG)
    texts: list[str] = []
    for name, settings in FAILURES.items():
        fake.scenario = Scenario(echo_key=True, **settings)
        backend = make_backend(timeout=1.0)
        texts.append(repr(backend) + repr(backend.identity()) + repr(vars(backend).get("identity")))
        with pytest.raises(BackendError) as err:
            backend.transcribe(audio, TranscribeOptions(language="en"))
        texts.append(_all_text(err.value))
        assert err.value.__context__ is None and err.value.__cause__ is None, name
        assert "\n" not in str(err.value), name
    fake.scenario = Scenario(echo_key=True)
    transcript = make_backend().transcribe(audio, TranscribeOptions(language="en"))
    texts.append(transcript.to_json())
    out, err = capfd.readouterr()
    texts += [out, err, caplog.text]
    texts += [r.getMessage() + str(r.exc_text) for r in caplog.records]
    blob = "\n".join(texts)
    assert "***" in blob, "the echoed key was there to scrub"
    assert AIX_KEY not in blob


def test_log_records_are_masked_in_any_logger(caplog):
    register_secret(AIX_KEY)
    caplog.set_level(logging.DEBUG)
    logger = logging.getLogger("some.library")
    logger.warning("headers %s", {"x-api-key": AIX_KEY})
    try:
        raise RuntimeError(f"boom {AIX_KEY}")
    except RuntimeError:
        logger.exception("failed")
    assert AIX_KEY not in caplog.text and "***" in caplog.text
