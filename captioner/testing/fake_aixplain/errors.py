"""The error bodies the fake answers with (section 7.1 of the protocol reference)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Any

from captioner.testing.fake_aixplain.scenarios import Fault

ERRORS: dict[str, tuple[int, str, str]] = {
    "key": (401, "err.invalid_api_key", "Invalid API key"),
    "url": (492, "err.invalid_input_data_or_input_url", "err.invalid_input_data_or_input_url"),
    "credits": (402, "err.not_enough_balance", "Insufficient credits"),
    "rate": (429, "err.rate_limit_exceeded", "Rate limit exceeded"),
    "unavailable": (503, "err.service_unavailable", "Service temporarily unavailable"),
}

# Bodies for an injected error status (section 7.1 of the protocol reference); other statuses get a generic one.
STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("err.validation_error", "Bad request"),
    401: ERRORS["key"][1:],
    402: ERRORS["credits"][1:],
    403: ("err.forbidden", "Forbidden"),
    404: ("err.not_found", "Model not found"),
    429: ERRORS["rate"][1:],
    492: ERRORS["url"][1:],
    497: ("err.rate_limit_exceeded", "Rate limit exceeded"),
    500: ("err.internal_error", "Internal server error"),
    502: ("err.bad_gateway", "Bad gateway"),
    503: ERRORS["unavailable"][1:],
    504: ("err.gateway_timeout", "Gateway timeout"),
}


def error_body(status: int, error: str, message: str, echo: str | None = None) -> dict[str, Any]:
    """The JSON error body; ``echo``: a key the message quotes (a scenario that tests scrubbing)."""
    if echo:
        message = f"{message} (key {echo})"
    return {"statusCode": status, "error": error, "message": message}


def fault_body(fault: Fault, echo: str | None = None) -> Any:
    """What an injected :class:`Fault` answers with (see its ``body``)."""
    if fault.body is None:
        error, message = STATUS_ERRORS.get(fault.status, ("err.unknown", f"Error {fault.status}"))
        return error_body(fault.status, error, message, echo)
    if fault.body == "html":  # a proxy's error page
        title = f"{fault.status} {BaseHTTPRequestHandler.responses.get(fault.status, ('Error',))[0]}"
        body = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1>"
        return (body + "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode()
    if fault.body == "list":
        return [{"statusCode": fault.status, "message": "Request failed", "error": "err.unknown"}]
    return fault.body
