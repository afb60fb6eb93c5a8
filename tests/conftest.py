"""Shared fixtures: the samples, a per-session cache folder, and the model loaded once per run."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jiwer
import pytest

from captioner.media import ffmpeg_exe

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


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
    from captioner.backends.local import LocalBackend

    return LocalBackend()


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
    subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-v", "error", "-y", *args], check=True)


def normalise(text: str) -> str:
    text = text.casefold().replace("'", "").replace("\u2019", "")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalise(reference), normalise(hypothesis))
