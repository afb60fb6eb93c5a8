"""Classify what the aiXplain SDK raises, and word it as one line that says what to do.

The SDK surfaces failures as ``aixplain.v2.exceptions`` (``APIError`` with a status code that is
0 once a poll failed, ``FileUploadError`` wrapping a ``requests`` error, ``TimeoutError``), as bare
``requests`` exceptions (``RetryError``, ``ReadTimeout``, ``ConnectionError``), or as ``ValueError``
for URL policy and parameter problems.  :func:`classify` maps all of them onto the kinds of the
protocol reference (section 7); :func:`describe` turns a kind into the message a user reads.
The backend scrubs every such text (the key, signed URLs' query strings) before it leaves
(``AixplainBackend._scrub``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

import requests


class Kind(Enum):
    BAD_KEY = "bad key"
    NO_CREDITS = "no credits"
    SUBSCRIPTION = "subscription problem"
    RATE_LIMIT = "rate limit"
    TRANSIENT = "platform trouble"
    UNFETCHABLE = "audio not fetchable"
    FAILED_RUN = "failed run"
    TIMEOUT = "timeout"
    NOT_FOUND = "not found"
    INVALID = "invalid request"
    CONFIG = "configuration"
    MALFORMED = "malformed answer"
    OTHER = "other"


@dataclass(frozen=True)
class Failure:
    kind: Kind
    status: int | None  # HTTP status when known
    detail: str  # the service's or the SDK's own words (scrubbed by the caller)


def cut_by_deadline(failure: Failure) -> bool:
    """Whether no answer came: a read timeout, or the deadline passed before the request was sent."""
    return failure.kind is Kind.TRANSIENT and ("ReadTimeout" in failure.detail or "deadline passed" in failure.detail)


class MalformedAnswer(Exception):
    """A 2xx answer that the protocol does not allow (raised by the backend itself)."""


_STATUS_IN_TEXT = re.compile(r"\b([1-5]\d\d) (?:Client|Server) Error\b")
_TOO_MANY = re.compile(r"too many (\d{3}) error responses")
_UNFETCHABLE_CODE = "err.invalid_input_data_or_input_url"
_HOST_PORT = re.compile(r"host='([^']+)', port=(\d+)")
_UNTRUSTED = re.compile(r"untrusted URL '([a-z]+://[^/']+)")
_UPLOAD_HOST = re.compile(r"unexpected host '([^']+)'")


def _kind_for_status(status: int) -> Kind | None:
    if status in (401, 403):
        return Kind.BAD_KEY
    if status == 402 or 470 <= status <= 479:
        return Kind.NO_CREDITS
    if status in (429, 497):
        return Kind.RATE_LIMIT
    if status == 492:
        return Kind.UNFETCHABLE
    if status == 404:
        return Kind.NOT_FOUND
    if status >= 500 or status == 408:
        return Kind.TRANSIENT
    if 460 <= status <= 469:
        return Kind.SUBSCRIPTION
    if 480 <= status <= 489:
        return Kind.FAILED_RUN
    if status == 400 or 490 <= status <= 499:
        return Kind.INVALID
    return None


def _kind_for_text(text: str) -> Kind | None:
    low = text.lower()
    if _UNFETCHABLE_CODE in low:
        return Kind.UNFETCHABLE
    if "invalid api key" in low or "err.invalid_api_key" in low or "unauthorized" in low:
        return Kind.BAD_KEY
    if "not_enough_balance" in low or "insufficient credits" in low or "payment required" in low:
        return Kind.NO_CREDITS
    if "rate limit" in low or "rate_limit" in low or "too many requests" in low:
        return Kind.RATE_LIMIT
    return None


def _status_from_chain(exc: BaseException) -> int | None:
    """An HTTP status found on ``exc`` or the exceptions it wraps (``FileUploadError`` hides it there)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        response = getattr(current, "response", None)
        if isinstance(response, requests.Response) and response.status_code:
            return response.status_code
        status = getattr(current, "status_code", None)  # an APIError chained by "Polling failed"
        if isinstance(status, int) and 100 <= status <= 599:
            return status
        match = _STATUS_IN_TEXT.search(str(current)) or _TOO_MANY.search(str(current))
        if match:
            return int(match.group(1))
        current = current.__cause__ or current.__context__
    return None


def _in_chain(exc: BaseException, *types: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, types):
            return True
        current = current.__cause__ or current.__context__
    return False


# Over 60 lines: a decision table from the SDK's and requests' exceptions to a failure kind, read
# top to bottom (the first match wins); splitting it would hide that order.
def classify(exc: BaseException, last_status: int | None = None) -> Failure:
    """The failure kind of an exception raised by the SDK or ``requests``.

    ``last_status``: the HTTP status of the last answer received, for the SDK paths that lose it
    (a storage PUT that is not 200, an error body the SDK cannot turn into a message)."""
    import json

    from aixplain.utils.url_safety import UnsafeURLError
    from aixplain.v2 import exceptions as aix

    text = str(getattr(exc, "message", None) or exc)
    if isinstance(exc, MalformedAnswer):
        return Failure(Kind.MALFORMED, last_status, text)
    if _in_chain(exc, json.JSONDecodeError):  # a 2xx answer that is not JSON (requests' error is one too)
        return Failure(Kind.MALFORMED, last_status, "the answer is not JSON")
    if isinstance(exc, (TypeError, KeyError, AttributeError, IndexError)):
        # The SDK tripped over a body of an unexpected shape: a list error body, a run answer
        # without "completed", a presign answer without "uploadUrl", a list for an object.
        detail = f"unexpected answer ({type(exc).__name__}: {text})"
        if last_status is not None and last_status >= 400:
            return Failure(_kind_for_status(last_status) or Kind.OTHER, last_status, detail)
        return Failure(Kind.MALFORMED, last_status, detail)
    if isinstance(exc, aix.TimeoutError):
        return Failure(Kind.TIMEOUT, None, text)
    if isinstance(exc, (aix.UntrustedURLError, UnsafeURLError)):
        return Failure(Kind.CONFIG, None, text)
    if isinstance(exc, aix.APIError):
        status = exc.status_code or None
        code = str(exc.error or "")
        if _UNFETCHABLE_CODE in code or _UNFETCHABLE_CODE in text:
            return Failure(Kind.UNFETCHABLE, status, text)
        if text.startswith("Operation failed"):
            by_text = _kind_for_text(text)
            return Failure(by_text or Kind.FAILED_RUN, status, text.removeprefix("Operation failed: "))
        if text.startswith("Polling failed"):  # status 0: the poll's own status is on the chained error
            status = _status_from_chain(exc.__context__) if exc.__context__ is not None else None
            if status == 404:  # the service no longer knows the run: submit it again
                return Failure(Kind.TRANSIENT, status, text + " (the run is unknown to the service)")
            kind = (_kind_for_status(status) if status else None) or _kind_for_text(text)
            return Failure(kind or Kind.TRANSIENT, status, text)
        if status is None:
            status = _status_from_chain(exc)
        kind = (_kind_for_status(status) if status else None) or _kind_for_text(text)
        return Failure(kind or Kind.OTHER, status, text)
    if isinstance(exc, aix.FileUploadError) and "Failure on Uploading to S3" in text:
        # The storage PUT answered something other than 200; the SDK drops the status.
        status = last_status if last_status and last_status != 200 else None
        detail = "the upload to storage was refused" + (f" (HTTP {status})" if status else "")
        return Failure(Kind.TRANSIENT, status, detail)
    if isinstance(exc, aix.FileUploadError):
        status = _status_from_chain(exc)
        kind = (_kind_for_status(status) if status else None) or _kind_for_text(text)
        if kind is None and _in_chain(exc, requests.exceptions.ReadTimeout):
            return Failure(Kind.TRANSIENT, None, "ReadTimeout: " + text)
        if kind is None and _is_transport(exc):
            kind = Kind.TRANSIENT
        return Failure(kind or Kind.OTHER, status, text)
    if isinstance(exc, requests.exceptions.RetryError):
        status = _status_from_chain(exc)
        kind = _kind_for_status(status) if status else Kind.TRANSIENT
        return Failure(kind or Kind.TRANSIENT, status, text)
    if isinstance(exc, requests.exceptions.HTTPError):
        status = _status_from_chain(exc)
        return Failure((_kind_for_status(status) if status else None) or Kind.OTHER, status, text)
    if isinstance(exc, (requests.exceptions.Timeout, requests.exceptions.ConnectionError)):
        where = _HOST_PORT.search(text)
        if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(exc, requests.exceptions.Timeout):
            if where and ("NewConnectionError" in text or "Connection refused" in text):
                return Failure(Kind.TRANSIENT, None, f"cannot connect to {where.group(1)}:{where.group(2)}")
        return Failure(Kind.TRANSIENT, None, type(exc).__name__ + ": " + text)
    if isinstance(exc, requests.exceptions.RequestException):
        return Failure(Kind.TRANSIENT, None, text)
    if isinstance(exc, ValueError) and "Parameter validation failed" in text:
        return Failure(Kind.INVALID, None, text)
    if isinstance(exc, (AssertionError, ValueError)) and "api key" in text.lower():
        return Failure(Kind.BAD_KEY, None, text)
    return Failure(Kind.OTHER, None, f"{type(exc).__name__}: {text}")


def _is_transport(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
            return True
        current = current.__cause__ or current.__context__
    return False


_HTML = re.compile(r"<(?:!doctype|html)\b.*", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SIGNED_QUERY = re.compile(r"\?\S*(?:Signature|X-Amz-)\S*")  # to the next space: a quote does not end it


def redact_urls(text: str) -> str:
    """Drop the query string of signed (presigned storage) URLs, also where no scheme precedes it
    (whole URLs: :func:`captioner.media.ffmpeg.redact`): the signature is a credential."""
    return _SIGNED_QUERY.sub("?<signed query>", text)


def _html_summary(match: re.Match[str]) -> str:
    title = _TITLE.search(match.group(0))
    return f"an HTML page: {' '.join(title.group(1).split())}" if title else "an HTML page"


def _short(text: str, limit: int = 200) -> str:
    text = _HTML.sub(_html_summary, text)  # a proxy's error page instead of the service's JSON
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 3] + "..."


def describe(failure: Failure, where: str = "", timeout: float | None = None, attempts: int | None = None) -> str:
    """One line naming the cause and what to do.  ``where``: e.g. ``"chunk 2/5 (10:00-20:00)"``."""
    prefix = f"aiXplain ({where}): " if where else "aiXplain: "
    detail = _short(failure.detail)
    status = f"HTTP {failure.status}, " if failure.status else ""
    tries = f" after {attempts} attempts" if attempts and attempts > 1 else ""
    kind = failure.kind
    if kind is Kind.BAD_KEY:
        return prefix + (
            f"the API key was refused ({status}{detail}); check AIXPLAIN_API_KEY / --api-key-file "
            "(a team key of the workspace that owns the credits)"
        )
    if kind is Kind.NO_CREDITS:
        return prefix + f"not enough credits ({status}{detail}); add credits to the aiXplain workspace, then rerun"
    if kind is Kind.SUBSCRIPTION:
        return prefix + (
            f"the workspace's subscription does not allow this run ({status}{detail}); "
            "check the aiXplain plan of the workspace that owns the key"
        )
    if kind is Kind.RATE_LIMIT:
        return prefix + f"rate limit still exceeded{tries} ({status}{detail}); lower --jobs or wait a minute and rerun"
    if cut_by_deadline(failure):
        limit = f" within {timeout:g} s" if timeout else ""
        return prefix + f"no answer{limit}{tries}; raise --aixplain-timeout or try again later"
    if kind is Kind.TRANSIENT:
        return prefix + f"service unavailable{tries} ({status}{detail}); try again later"
    if kind is Kind.UNFETCHABLE:
        return prefix + (
            f"the service could not fetch the uploaded audio, even after uploading it again ({status}{detail}); "
            "try again later"
        )
    if kind is Kind.FAILED_RUN:
        status = f" (HTTP {failure.status})" if failure.status else ""
        return (
            prefix
            + f"the transcription failed at the provider{status}: {detail}; check the audio, or use --backend local"
        )
    if kind is Kind.TIMEOUT:
        limit = f" within {timeout:g} s" if timeout else ""
        return prefix + f"no transcript{limit} ({detail}); raise --aixplain-timeout or try again later"
    if kind is Kind.NOT_FOUND:
        return prefix + f"not found ({status}{detail}); check --aixplain-model and BACKEND_URL"
    if kind is Kind.INVALID:
        return prefix + f"the request was rejected ({status}{detail}); check --language and --aixplain-model"
    if kind is Kind.MALFORMED:
        return prefix + (
            f"the service's answer could not be read ({status}{detail}); check that BACKEND_URL / MODELS_RUN_URL "
            "point at aiXplain, or try again later"
        )
    if kind is Kind.CONFIG:
        return prefix + _config_advice(failure.detail)
    return prefix + f"unexpected failure ({status}{detail}); rerun with --debug and report it"


def _config_advice(detail: str) -> str:
    """The SDK's URL policy refused a URL (protocol reference, section 9): say which variable decides."""
    untrusted = _UNTRUSTED.search(detail)
    if untrusted:
        return (
            f"the service answered with a URL on {untrusted.group(1)}, outside the origins the key may be "
            "sent to; if that host is aiXplain's, add it to AIXPLAIN_TRUSTED_HOSTS"
        )
    upload = _UPLOAD_HOST.search(detail)
    if upload:
        return (
            f"the SDK refused to upload to the storage host {upload.group(1)!r}; if it is trusted, add it to "
            "AIXPLAIN_UPLOAD_HOST_ALLOWLIST"
        )
    if "must use https" in detail:
        return (
            f"endpoint refused by the SDK's URL policy ({_short(detail, 120)}); use https in BACKEND_URL / "
            "MODELS_RUN_URL (AIXPLAIN_ALLOW_INSECURE_URLS=1 is for a local test server only)"
        )
    return f"endpoint refused by the SDK's URL policy ({_short(detail)}); check BACKEND_URL / MODELS_RUN_URL"
