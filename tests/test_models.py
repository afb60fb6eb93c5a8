from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import srt
from conftest import ROOT, SAMPLES, unprivileged

from captioner.errors import ModelError
from captioner.media.hashing import file_sha256
from captioner.transcription.local.model_files import EMBEDDED_SHA256, embedded_model_dir, resolve_model


@pytest.mark.slow
def test_embedded_model_is_joined_and_verified(tmp_path: Path) -> None:
    folder = embedded_model_dir(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    assert file_sha256(folder / "model.bin") == EMBEDDED_SHA256
    assert not list(folder.glob(".*tmp")), "no temporary file is left behind"


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_a_damaged_cached_model_is_rebuilt(tmp_path: Path, damage: str) -> None:
    model_bin = embedded_model_dir(tmp_path) / "model.bin"
    if damage == "flip":
        with model_bin.open("r+b") as f:
            f.seek(1000)
            byte = f.read(1)
            f.seek(1000)
            f.write(bytes([byte[0] ^ 0xFF]))
    elif damage == "truncate":
        with model_bin.open("r+b") as f:
            f.truncate(1234)
    else:
        model_bin.unlink()
    if damage == "delete":
        assert not model_bin.exists()
    else:
        assert file_sha256(model_bin) != EMBEDDED_SHA256
    rebuilt = embedded_model_dir(tmp_path)
    assert file_sha256(rebuilt / "model.bin") == EMBEDDED_SHA256


@pytest.mark.slow
def test_default_model_is_the_embedded_one() -> None:
    assert Path(resolve_model(None)) == Path(resolve_model("base"))
    assert (Path(resolve_model(None)) / "model.bin").is_file()


@pytest.mark.slow
def test_a_model_directory_is_used_as_it_is() -> None:
    folder = Path(resolve_model("base"))
    assert resolve_model(str(folder)) == str(folder)


def test_unknown_model_name_is_one_line_error() -> None:
    with pytest.raises(ModelError, match="unknown model 'gigantic'"):
        resolve_model("gigantic")


def test_directory_that_is_not_a_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a CTranslate2 Whisper model directory"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(str(tmp_path / "missing"))


@pytest.mark.slow
@pytest.mark.parametrize("unusable", ["a file", "a read-only empty folder"])
def test_an_unusable_cache_folder_still_gives_the_embedded_model(tmp_path: Path, unusable: str) -> None:
    # "captioner: error: cannot load model 'base': Not a directory": the run failed, though the
    # model's parts were installed.
    cache = tmp_path / "cache"
    prefix: list[str] = []
    if unusable == "a file":
        cache.write_text("not a folder\n")
    else:
        cache.mkdir(mode=0o555)
        prefix = unprivileged()
    temp = tmp_path / "tmp"
    temp.mkdir()
    audio = tmp_path / "talk.flac"
    shutil.copyfile(SAMPLES / "de_picovoice_test.flac", audio)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CAPTIONER_CACHE_DIR": str(cache), "TMPDIR": str(temp)}
    try:
        command = [*prefix, sys.executable, "-m", "captioner", str(audio), "-f", "srt"]
        proc = subprocess.run(command, capture_output=True, text=True, env=env)
    finally:
        if cache.is_dir():
            cache.chmod(0o755)
    assert proc.returncode == 0, proc.stderr
    assert list(srt.parse(audio.with_suffix(".srt").read_text("utf-8")))
    warnings = [line for line in proc.stderr.splitlines() if "captioner.transcription.local.model_files" in line]
    assert len(warnings) == 1 and "joined in a temporary folder for this run" in warnings[0], proc.stderr
    assert not list(temp.glob("captioner-model-*")), "the temporary model is removed at exit"
    assert unusable == "a file" or list(cache.iterdir()) == []
