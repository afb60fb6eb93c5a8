"""AixplainBackend against the fake aiXplain service over real HTTP, through the real SDK."""

from __future__ import annotations

import pytest
from conftest import AIX_KEY, SAMPLES

from captioner.errors import BackendError
from captioner.testing.fake_aixplain import JFK_RAW, Scenario, scripted
from captioner.transcription.base import TranscribeOptions

OPTS = TranscribeOptions(language="en")


@pytest.fixture
def jfk(load_audio):
    return load_audio(SAMPLES / "jfk.mp4")


@pytest.mark.slow
@pytest.mark.parametrize(
    "answer,connection",
    [
        ("sync", ("synchronous",)),
        ("async", ("synchronous",)),
        ("async", ("asynchronous",)),
        ("sync", ("synchronous", "asynchronous")),
    ],
)
def test_sync_and_async_answers(fake, make_backend, jfk, answer, connection):
    fake.scenario = Scenario(answer=answer, connection_type=connection, polls_before_done=2)
    progress: list[float] = []
    t = make_backend().transcribe(jfk, OPTS, progress.append)
    assert t.language == "en"
    assert t.full_text.strip().startswith("And so my fellow Americans")
    assert [s.id for s in t.segments] == [0]
    assert t.words is not None and t.words[0].word == " And" and t.words[0].probability is None
    assert t.duration == pytest.approx(11.0, abs=0.1)
    assert t.meta["backend"] == "aixplain" and t.meta["model"] == "66311fda6eb563279c574b71"
    assert t.meta["credits_used"] == pytest.approx(11.0 / 60 * 0.0018 * 1.2, rel=0.01)
    assert t.meta["run_time"] > 0
    assert progress and progress[-1] == pytest.approx(11.0, abs=0.1)
    polls = fake.calls("GET", "/api/v1/data/")
    assert len(polls) == (3 if answer == "async" else 0)
    (run,) = fake.execute_calls
    assert run.path == "/api/v2/execute/66311fda6eb563279c574b71"
    assert run.body["sourcelanguage"] == "en" and run.body["options"] == {"includeRawData": True}
    assert all(r.key == "ok" for r in fake.requests if not r.path.startswith("/storage/"))


@pytest.mark.slow
def test_upload_flow(fake, make_backend, jfk):
    make_backend().transcribe(jfk, OPTS)
    presign, put = fake.calls("POST", "/sdk/file/upload/temp-url"), fake.calls("PUT")
    assert len(presign) == 1 and len(put) == 1
    assert presign[0].headers["Authorization"] == "***" and presign[0].key == "ok"
    assert presign[0].body["contentType"] in ("audio/x-flac", "audio/flac")
    assert presign[0].body["originalName"].endswith(".flac")
    assert put[0].key is None, "no credential goes to the storage URL"
    assert 50_000 < put[0].body < 500_000, "11 s of 16 kHz mono FLAC"
    (stored,) = fake.storage.values()
    assert stored[:4] == b"fLaC"
    source = fake.execute_calls[0].body["source_audio"]
    assert "/storage/" in source and "X-Amz-Signature=fakeget" in source


@pytest.mark.slow
def test_mp3_upload(fake, make_backend, jfk):
    make_backend(audio_format="mp3").transcribe(jfk, OPTS)
    (stored,) = fake.storage.values()
    assert fake.calls("PUT")[0].body < 120_000
    assert stored[:3] == b"ID3" or stored[0] == 0xFF


@pytest.mark.slow
def test_bad_key_is_not_retried(fake, make_backend, jfk):
    fake.api_key = "another-key-entirely"
    with pytest.raises(BackendError) as err:
        make_backend().transcribe(jfk, OPTS)
    assert "API key was refused" in str(err.value) and "AIXPLAIN_API_KEY" in str(err.value)
    assert len(fake.requests) == 1, "one refused request, no retry"


@pytest.mark.slow
def test_bad_key_on_execute(fake, make_backend, jfk):
    backend = make_backend()
    backend._get_model()
    fake.scenario = Scenario(bad_key=True)
    with pytest.raises(BackendError, match="API key was refused"):
        backend.transcribe(jfk, OPTS)


@pytest.mark.slow
@pytest.mark.parametrize("status", [402, 471])
def test_no_credits(fake, make_backend, jfk, status):
    fake.scenario = Scenario(credits_status=status)
    with pytest.raises(BackendError, match="not enough credits") as err:
        make_backend().transcribe(jfk, OPTS)
    assert "add credits" in str(err.value)
    assert len(fake.execute_calls) == 1


@pytest.mark.slow
@pytest.mark.parametrize("status", [429, 497])
def test_rate_limit_honours_retry_after(fake, make_backend, jfk, status):
    fake.scenario = Scenario(rate_limit_count=2, rate_limit_status=status, retry_after="1")
    backend = make_backend()
    slept: list[float] = []
    backend.sleep = slept.append
    t = backend.transcribe(jfk, OPTS)
    assert t.segments
    assert slept == [1.0, 1.0]
    assert len(fake.execute_calls) == 3


@pytest.mark.slow
def test_rate_limit_gives_up(fake, make_backend, jfk):
    fake.scenario = Scenario(rate_limit_count=99, retry_after=None)
    backend = make_backend()
    slept: list[float] = []
    backend.sleep = slept.append
    with pytest.raises(BackendError, match="rate limit still exceeded after 4 attempts") as err:
        backend.transcribe(jfk, OPTS)
    assert "--jobs" in str(err.value)
    assert len(fake.execute_calls) == 4 and len(slept) == 3


@pytest.mark.slow
def test_transient_503s_are_retried(fake, make_backend, jfk):
    fake.scenario = Scenario(unavailable_count=2)
    t = make_backend().transcribe(jfk, OPTS)
    assert t.segments and len(fake.execute_calls) == 3


@pytest.mark.slow
def test_persistent_503_fails(fake, make_backend, jfk):
    fake.scenario = Scenario(unavailable_count=99, unavailable_status=502)
    with pytest.raises(BackendError, match=r"service unavailable after 3 attempts \(HTTP 502"):
        make_backend().transcribe(jfk, OPTS)


@pytest.mark.slow
@pytest.mark.parametrize("answer", ["sync", "async"])
def test_failed_run_reports_supplier_text(fake, make_backend, jfk, answer):
    fake.scenario = Scenario(answer=answer, fail_supplier="Groq: the audio file could not be decoded")
    with pytest.raises(BackendError) as err:
        make_backend().transcribe(jfk, OPTS)
    assert "Groq: the audio file could not be decoded" in str(err.value)
    assert len(fake.execute_calls) == 1, "a FAILED run is never resubmitted"


@pytest.mark.slow
def test_unfetchable_url_uploads_again_once(fake, make_backend, jfk):
    fake.scenario = Scenario(unfetchable_count=1)
    t = make_backend().transcribe(jfk, OPTS)
    assert t.segments
    assert len(fake.calls("PUT")) == 2 and len(fake.execute_calls) == 2
    first, second = (c.body["source_audio"] for c in fake.execute_calls)
    assert first != second


@pytest.mark.slow
def test_unfetchable_twice_fails(fake, make_backend, jfk):
    fake.scenario = Scenario(unfetchable_count=2)
    with pytest.raises(BackendError, match="could not fetch the uploaded audio"):
        make_backend().transcribe(jfk, OPTS)
    assert len(fake.calls("PUT")) == 2


@pytest.mark.slow
def test_poll_never_completes_times_out(fake, make_backend, jfk):
    fake.scenario = Scenario(answer="async", never_complete=True)
    # Between polls the run has no transcript yet; under load the deadline may pass inside a poll
    # request instead, which has no answer: either way, one line naming the timeout.
    with pytest.raises(BackendError, match=r"no (transcript|answer) within 1\.5 s.*--aixplain-timeout"):
        make_backend(timeout=1.5).transcribe(jfk, OPTS)
    assert len(fake.execute_calls) == 1, "a timed-out run is not resubmitted"


@pytest.mark.slow
def test_slow_sync_answer_times_out(fake, make_backend, jfk):
    # the run request went out and may be running: it is not sent again (a second run is billed again)
    fake.scenario = Scenario(run_delay=2.5)
    with pytest.raises(BackendError, match=r"no answer within 1 s; raise --aixplain-timeout.*may still be billed"):
        make_backend(timeout=1.0).transcribe(jfk, OPTS)
    assert len(fake.execute_calls) == 1


@pytest.mark.slow
def test_transcript_without_words(fake, make_backend, jfk):
    fake.scenario = Scenario(words=False)
    t = make_backend().transcribe(jfk, OPTS)
    assert t.words is None
    assert t.segments[0].text.startswith(" And so")
    assert "words" not in t.to_dict()


@pytest.mark.slow
@pytest.mark.parametrize("style", ["name", "lower", "code"])
def test_language_name_or_code(fake, make_backend, jfk, style):
    fake.scenario = Scenario(language_style=style)
    assert make_backend().transcribe(jfk, TranscribeOptions()).language == "en"
    assert fake.execute_calls[0].body["sourcelanguage"] == "en"


@pytest.mark.slow
def test_german_name_from_real_transcription(fake_whisper, make_backend, load_audio):
    audio = load_audio(SAMPLES / "de_picovoice_test.flac")
    # The fake's Whisper transcribes in the request: seconds on a busy machine, the first time.
    t = make_backend(timeout=60.0).transcribe(audio, TranscribeOptions(language="de"))
    assert t.language == "de"
    assert t.words and all(w.probability is None for w in t.words)
    assert fake_whisper.execute_calls[0].body["sourcelanguage"] == "de"


@pytest.mark.slow
def test_no_usage_in_answer(fake, make_backend, jfk):
    fake.scenario = Scenario(include_usage=False)
    t = make_backend().transcribe(jfk, OPTS)
    assert t.meta["credits_used"] == 0 and t.meta["run_time"] == 0


@pytest.mark.slow
def test_translate_is_refused_before_any_request(fake, make_backend, jfk):
    with pytest.raises(BackendError, match="only transcribes"):
        make_backend().transcribe(jfk, TranscribeOptions(task="translate"))
    assert fake.requests == []


@pytest.mark.slow
def test_unknown_model(fake, make_backend, jfk):
    with pytest.raises(BackendError, match="not found.*--aixplain-model"):
        make_backend(model_id="0123456789abcdef01234567").transcribe(jfk, OPTS)


@pytest.mark.slow
def test_key_sources(fake, make_backend, jfk, tmp_path, monkeypatch):
    key_file = tmp_path / "key"
    key_file.write_text(f"# aiXplain\n{AIX_KEY}\n")
    from captioner.transcription.aixplain.backend import AixplainBackend

    AixplainBackend(api_key_file=key_file, retry=make_backend().retry).transcribe(jfk, OPTS)
    monkeypatch.setenv("TEAM_API_KEY", AIX_KEY)
    AixplainBackend(retry=make_backend().retry).transcribe(jfk, OPTS)
    assert all(r.key == "ok" for r in fake.requests if r.key)
    monkeypatch.delenv("TEAM_API_KEY")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BackendError, match="no aiXplain API key"):
        AixplainBackend()
    # a .env in the working directory, where aiXplain's own docs keep the key (the SDK loads it)
    (tmp_path / ".env").write_text(f"# aiXplain\nexport TEAM_API_KEY='{AIX_KEY}'  # team key\n")
    AixplainBackend(retry=make_backend().retry).transcribe(jfk, OPTS)
    with pytest.raises(BackendError, match="cannot read the aiXplain API key file"):
        AixplainBackend(api_key_file=tmp_path / "missing")


@pytest.mark.slow
def test_sdk_does_not_leave_key_in_environment(fake, make_backend, jfk):
    import os

    make_backend().transcribe(jfk, OPTS)
    assert AIX_KEY not in os.environ.values()


def test_scripted_transcriber_is_a_copy():
    raw = scripted()(b"", "x.flac")
    raw["segments"].clear()
    assert JFK_RAW["segments"]
