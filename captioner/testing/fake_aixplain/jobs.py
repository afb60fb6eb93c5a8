"""A run's final answer body: the transcript of the uploaded audio, or the failure the scenario asks for."""

from __future__ import annotations

import io
import time
import uuid
from typing import Any
from urllib.parse import unquote, urlparse

from captioner.core.languages import to_code, to_name
from captioner.testing.fake_aixplain.data import PRICE_PER_MINUTE
from captioner.testing.fake_aixplain.scenarios import Scenario
from captioner.testing.fake_aixplain.transcribers import Transcriber

STORAGE = "/storage/"  # where the fake keeps uploads (its presigned URLs point here)


def storage_key(url: str) -> str | None:
    """The storage key a URL of the fake's own storage names; None for any other URL."""
    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost") or not parsed.path.startswith(STORAGE):
        return None
    return unquote(parsed.path[len(STORAGE) :])


def run_result(
    scenario: Scenario, transcriber: Transcriber, audio: tuple[str, bytes] | None, number: int
) -> dict[str, Any]:
    """The final answer of the ``number``-th run (1-based) on ``audio`` (file name, bytes; None: not fetched)."""
    if audio is None:
        return {
            "status": "FAILED",
            "completed": True,
            "error": "err.invalid_input_data_or_input_url",
            "errorMessage": "err.invalid_input_data_or_input_url",
            "requestId": uuid.uuid4().hex,
        }
    request_id = str(uuid.uuid4())
    if scenario.fail_supplier is not None and (scenario.fail_on_run is None or scenario.fail_on_run == number):
        return {
            "status": "FAILED",
            "completed": True,
            "error": "err.supplier_error",
            "supplierError": scenario.fail_supplier,
            "requestId": request_id,
        }
    return _transcript(scenario, transcriber, audio, request_id)


def _transcript(
    scenario: Scenario, transcriber: Transcriber, audio: tuple[str, bytes], request_id: str
) -> dict[str, Any]:
    started = time.monotonic()
    name, data = audio
    raw = transcriber(data, name)
    code = _code_of(raw.get("language"))
    if scenario.language_style == "code":
        raw["language"] = code
    elif scenario.language_style == "lower":
        raw["language"] = to_name(code).lower()
    if not scenario.words:
        raw.pop("words", None)
    duration = float(raw.get("duration") or _audio_duration(data))
    body: dict[str, Any] = {
        "status": "SUCCESS",
        "completed": True,
        "data": str(raw.get("text", "")).strip(),
        "requestId": request_id,
    }
    if not scenario.ignore_include_raw:
        body["rawData"] = raw
    if scenario.include_usage:
        body["runTime"] = round(time.monotonic() - started + 0.05, 3)
        body["usedCredits"] = round(duration / 60 * PRICE_PER_MINUTE, 8)
    return body


def _code_of(language: Any) -> str:
    return to_code(str(language or "")) or str(language or "")


def _audio_duration(data: bytes) -> float:
    try:
        import av

        with av.open(io.BytesIO(data), mode="r") as container:
            if container.duration:
                return container.duration / av.time_base
    except Exception:
        pass
    return 0.0
