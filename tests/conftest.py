"""Shared fixtures: the samples, a per-session cache folder, and the model loaded once per run."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import jiwer
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from captioner.media.ffmpeg import ffmpeg_command
from captioner.testing.fake_aixplain import FakeAixplain, WhisperTranscriber
from captioner.transcription.aixplain.backend import AixplainBackend
from captioner.transcription.aixplain.retry import RetryPolicy

ROOT = Path(__file__).resolve().parents[1]

# Property tests judge results, never speed: Hypothesis' default 200 ms deadline per example failed
# test_transcript's round trip at load 65 (parallel work on 2 cores), and the too_slow health check
# measures the machine's load the same way.  Timing belongs in benchmarks/.
settings.register_profile("captioner", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("captioner")
SAMPLES = ROOT / "samples"

# Fixtures that load the model, decode real media or start the studio or a browser: a test using one
# is slow (marked so), and the fast lane, pytest -m "not slow", leaves it out.
SLOW_FIXTURES = {"local_backend", "cli", "whisper_model", "fake_whisper", "load_audio", "captioned", "serve", "browser"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run a test that uses a slow fixture without the ``slow`` mark (it would slip into the fast lane)."""
    unmarked = [
        item.nodeid
        for item in items
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError(f"mark these tests slow (they use one of {sorted(SLOW_FIXTURES)}): {unmarked}")


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test run uses its own cache folder (the user's is never touched)."""
    folder = tmp_path_factory.mktemp("cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("CAPTIONER_CACHE_DIR", str(folder))
    yield folder
    mp.undo()


@pytest.fixture(scope="session")
def references() -> dict[str, dict]:
    return json.loads((SAMPLES / "references.json").read_text("utf-8"))


@pytest.fixture(scope="session")
def local_backend(_session_cache: Path):
    """The embedded Whisper base, loaded once for the whole test run."""
    from captioner.transcription.local.engine import LocalBackend

    return LocalBackend()


def invoke(*args: object) -> tuple[int, str, str]:
    """Run the CLI in-process: (exit code, stdout, stderr)."""
    from click.testing import CliRunner

    from captioner.cli.main import main

    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def cli(local_backend):
    """:func:`invoke`, with the model loaded once for the session (it stays loaded between calls)."""
    return invoke


def captioner(
    *args: object,
    prefix: list[str] | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float | None = 600,
) -> subprocess.CompletedProcess[str]:
    """``captioner ARGS`` in a process of its own (under ``prefix``, e.g. :func:`unprivileged`; ``env``
    added to this one's)."""
    command = [*(prefix or []), sys.executable, "-m", "captioner", *[str(a) for a in args]]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, env=environment, cwd=cwd, timeout=timeout)


@pytest.fixture()
def sample_copy(tmp_path: Path):
    """Copy a sample into a fresh folder (tests never write beside the repo's samples)."""

    def copy(name: str, dest_name: str | None = None) -> Path:
        dest = tmp_path / (dest_name or name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SAMPLES / name, dest)
        return dest

    return copy


def run_ffmpeg(*args: str) -> None:
    subprocess.run([*ffmpeg_command(), "-y", *args], check=True)


def unprivileged() -> list[str]:
    """A command prefix under which file permissions bite (root ignores them): none for a normal
    user, setpriv without the capabilities that bypass them for root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions would not bite")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def process_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (Linux's /proc; a zombie awaiting its reaper is dead)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return "Z" not in state.split()[1]


def kill_and_wait(parent: subprocess.Popen, child: int, seconds: float = 120.0) -> bool:
    """SIGKILL ``parent``, then whether its ``child`` process dies (``seconds``: a safety net, as the
    child of a working fix dies at once; an orphan would run for good)."""
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + seconds
    while process_running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not process_running(child)


def wait_until(condition: Callable[[], object], what: str, proc: subprocess.Popen, seconds: float = 600) -> None:
    """Wait for ``condition`` (an event: a file there, a request received) while ``proc`` runs.
    ``seconds`` is only a safety net: a run that ends first, or never gets there, fails the test."""
    deadline = time.monotonic() + seconds
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before {what}: {proc.stderr.read() if proc.stderr else ''}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {seconds} s")
        time.sleep(0.02)


def wait_for_marker(markers: Path, pattern: str, proc: subprocess.Popen, seconds: float = 600) -> Path:
    """The first test marker matching ``pattern`` that ``proc`` creates in ``markers`` (its
    CAPTIONER_TEST_MARKERS; see captioner.interrupt), waited for with :func:`wait_until`."""
    wait_until(lambda: list(markers.glob(pattern)), pattern, proc, seconds)
    return sorted(markers.glob(pattern))[0]


def normalise(text: str) -> str:
    text = text.casefold().replace("'", "").replace("\u2019", "")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalise(reference), normalise(hypothesis))


# -- aiXplain: the fake service and a backend pointed at it ------------------------------------------


def track_overlap(fake: FakeAixplain, want: int) -> dict[str, int]:
    """Record how many of ``fake``'s runs are in flight at once (``peak``).  Each run waits until
    ``want`` were in flight together (a minute at most: a safety net), then 0.3 s more: runs that
    may overlap do, however busy the machine, and one run too many would show."""
    seen = {"active": 0, "peak": 0}
    together = threading.Condition()
    original = fake.run_job

    def tracked(source, number):
        with together:
            seen["active"] += 1
            seen["peak"] = max(seen["peak"], seen["active"])
            together.notify_all()
            together.wait_for(lambda: seen["peak"] >= want, timeout=60)
        try:
            time.sleep(0.3)
            return original(source, number)
        finally:
            with together:
                seen["active"] -= 1

    fake.run_job = tracked
    return seen


AIX_KEY = "aix-test-key-7f3c9d2e5b1a4860"
FAST_RETRY = RetryPolicy(attempts=3, rate_limit_attempts=4, backoff=0.01, backoff_max=0.05, poll_wait=0.2)


@pytest.fixture(scope="session")
def whisper_model(local_backend):
    """faster-whisper's WhisperModel of the session's local backend (the model is loaded once)."""
    return local_backend._model


@pytest.fixture(scope="session")
def load_audio():
    from captioner.media.audio import extract_audio
    from captioner.media.probe import probe

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
        # A piece's whole budget, its first request to its transcript: generous, since a busy
        # machine (CI's second pass, parallel work) can take seconds per request; the tests of the
        # deadline itself pass their own short timeout.
        kwargs.setdefault("timeout", 120.0)
        return AixplainBackend(**kwargs)

    return make


@pytest.fixture(autouse=True)
def _quiet_sdk_logs():
    logging.getLogger("aixplain").setLevel(logging.WARNING)
    yield


def pytest_configure(config: pytest.Config) -> None:
    """The tests send Ctrl-C (SIGINT) to the captioner processes they start.  A pytest started in
    the background of a non-interactive shell (``cmd &``) has SIGINT ignored, and its children
    inherit that through exec: they would rightly ignore the Ctrl-C.  A handler here (the
    default one) is reset to the default action in every child, as in a terminal."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
