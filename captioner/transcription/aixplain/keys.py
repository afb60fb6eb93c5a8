"""The aiXplain API key: from --api-key-file, the environment or a .env file (never logged)."""

from __future__ import annotations

import os
from pathlib import Path

from captioner.errors import BackendError
from captioner.paths import read_regular_file
from captioner.transcription.aixplain import KEY_ENV_VARS

MAX_KEY_FILE_BYTES = 64 * 1024  # a key, maybe with comments


def read_key_file(path: str | os.PathLike[str]) -> str:
    try:
        text = read_regular_file(path, MAX_KEY_FILE_BYTES).decode("utf-8")
    except OSError as exc:
        cause = exc.strerror or type(exc).__name__
        raise BackendError(f"cannot read the aiXplain API key file {path}: {cause}") from None
    except UnicodeDecodeError:
        raise BackendError(f"cannot read the aiXplain API key file {path}: not UTF-8 text") from None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise BackendError(f"the aiXplain API key file {path} is empty; put the key on its first line")
    key = lines[0]
    if "=" in key and key.split("=", 1)[0].strip() in KEY_ENV_VARS:  # tolerate AIXPLAIN_API_KEY=... lines
        key = key.split("=", 1)[1].strip().strip("'\"")
    return key


def resolve_key(api_key: str | None = None, api_key_file: str | os.PathLike[str] | None = None) -> str:
    """The key: given, else from the file, else ``AIXPLAIN_API_KEY``, else ``TEAM_API_KEY``, from
    the environment, else from a ``.env`` file in the working directory (which the SDK loads too)."""
    if api_key:
        return api_key.strip()
    if api_key_file:
        return read_key_file(api_key_file)
    dotenv = _dotenv_keys(Path.cwd() / ".env")
    for name in KEY_ENV_VARS:
        value = os.environ.get(name, "").strip() or dotenv.get(name, "")
        if value:
            return value
    raise BackendError(
        "no aiXplain API key: set AIXPLAIN_API_KEY (or TEAM_API_KEY) in the environment or a .env file, "
        "or pass --api-key-file PATH"
    )


def _dotenv_keys(path: Path) -> dict[str, str]:
    """The key variables a ``.env`` file sets (``NAME=value``, ``export`` and quotes allowed)."""
    try:
        text = read_regular_file(path, MAX_KEY_FILE_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and name.strip() in KEY_ENV_VARS and name.strip() not in found:
            found[name.strip()] = value.split(" #")[0].strip().strip("'\"")
    return {k: v for k, v in found.items() if v}
