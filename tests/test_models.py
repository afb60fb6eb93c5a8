from __future__ import annotations

from pathlib import Path

import pytest

from captioner.errors import ModelError
from captioner.hashing import file_sha256
from captioner.models import EMBEDDED_SHA256, embedded_model_dir, resolve_model


def test_embedded_model_is_joined_and_verified(tmp_path: Path) -> None:
    folder = embedded_model_dir(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.bin", "tokenizer.json", "vocabulary.txt"]
    assert file_sha256(folder / "model.bin") == EMBEDDED_SHA256
    assert not list(folder.glob(".*tmp")), "no temporary file is left behind"


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
    assert file_sha256(model_bin) != EMBEDDED_SHA256 if model_bin.exists() else True
    rebuilt = embedded_model_dir(tmp_path)
    assert file_sha256(rebuilt / "model.bin") == EMBEDDED_SHA256


def test_default_model_is_the_embedded_one() -> None:
    assert Path(resolve_model(None)) == Path(resolve_model("base"))
    assert (Path(resolve_model(None)) / "model.bin").is_file()


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
