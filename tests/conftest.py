"""Shared fixtures: the embedded Whisper base model (loaded once) and the fake aiXplain service."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from captioner.backends.aixplain import AixplainBackend, RetryPolicy
from captioner.fake_aixplain import FakeAixplain, WhisperTranscriber

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
AIX_KEY = "aix-test-key-7f3c9d2e5b1a4860"
FAST_RETRY = RetryPolicy(attempts=3, rate_limit_attempts=4, backoff=0.01, backoff_max=0.05, poll_wait=0.2)


@pytest.fixture(scope="session")
def whisper_model(tmp_path_factory: pytest.TempPathFactory):
    """faster-whisper's WhisperModel on the embedded base model, joined into a temp dir once."""
    from faster_whisper import WhisperModel

    from captioner.models import embedded_model_dir

    model_dir = embedded_model_dir(tmp_path_factory.mktemp("whisper-base"))
    return WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2, local_files_only=True)


@pytest.fixture(scope="session")
def load_audio():
    from captioner.media import extract_audio, probe

    cache: dict[str, np.ndarray] = {}

    def load(path: str | Path) -> np.ndarray:
        key = str(path)
        if key not in cache:
            cache[key] = extract_audio(probe(Path(path)))
        return cache[key]

    return load


def _serve(monkeypatch: pytest.MonkeyPatch, fake: FakeAixplain) -> Iterator[FakeAixplain]:
    for name in ("AIXPLAIN_API_KEY", "TEAM_API_KEY", "SENTRY_DSN", "AIXPLAIN_LOG_BODIES"):
        monkeypatch.delenv(name, raising=False)
    with fake:
        for name, value in fake.env().items():
            monkeypatch.setenv(name, value)
        yield fake


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAixplain]:
    """A fake answering the scripted JFK transcript; env points the SDK at it."""
    yield from _serve(monkeypatch, FakeAixplain(api_key=AIX_KEY))


@pytest.fixture
def fake_whisper(monkeypatch: pytest.MonkeyPatch, whisper_model) -> Iterator[FakeAixplain]:
    """A fake that transcribes uploads with the local Whisper base model."""
    transcriber = WhisperTranscriber(whisper_model, beam_size=1)
    yield from _serve(monkeypatch, FakeAixplain(api_key=AIX_KEY, transcriber=transcriber))


@pytest.fixture
def make_backend():
    def make(**kwargs) -> AixplainBackend:
        kwargs.setdefault("api_key", AIX_KEY)
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("timeout", 10.0)
        return AixplainBackend(**kwargs)

    return make


@pytest.fixture(autouse=True)
def _quiet_sdk_logs():
    logging.getLogger("aixplain").setLevel(logging.WARNING)
    yield
