"""captioner's one retry policy for aiXplain (the SDK's own retries are off): delays, the deadline,
the loop that applies them to a request, and which failed polls are worth polling again."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from captioner.errors import BackendError
from captioner.transcription.aixplain import sdk
from captioner.transcription.aixplain.errors import Failure, Kind, classify, cut_by_deadline, describe

log = logging.getLogger("captioner.aixplain")
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: the only retries there are (the SDK's sessions send each request once,
    see :func:`aixplain_sdk.configure_sessions`), all within the piece's deadline.  Tests shrink
    the delays."""

    attempts: int = 4  # tries when the platform is in trouble (5xx, connection errors, read timeouts)
    rate_limit_attempts: int = 6  # tries when rate limited (429/497)
    backoff: float = 2.0  # first wait in seconds, doubled each time (with jitter)
    backoff_max: float = 60.0
    retry_after_max: float = 120.0  # cap on a server's Retry-After
    poll_wait: float = 1.0  # first wait between polls (the SDK grows it by 10 % each time)

    def delay(self, attempt: int) -> float:
        base = min(self.backoff * 2 ** (attempt - 1), self.backoff_max)
        return base * random.uniform(0.8, 1.2)


def fits_deadline(delay: float, left: float | None) -> bool:
    """Whether a retry after ``delay`` seconds starts before the deadline (``left``: None, none)."""
    return left is None or delay < left


def call_with_retries(
    op: Callable[[], T],
    policy: RetryPolicy,
    *,
    where: str,
    timeout: float | None,
    scrub: Callable[[object], str],
    sleep: Callable[[float], None],
    reupload: Callable[[], None] | None = None,
) -> T:
    """``op()``, retried as its failures and the calling thread's deadline (:func:`sdk.deadline`)
    allow; any other failure becomes a one-line :class:`BackendError` (``scrub`` keeps the key and
    signed URLs out of it).  ``reupload`` sends the audio again when the service cannot fetch it;
    without one, the audio is the user's URL."""
    transient = rate = 0
    reuploaded = False
    answered: Failure | None = None  # the last failure the service answered itself (a status)
    while True:
        sdk.reset_retry_after()
        try:
            return op()
        except BackendError:
            raise
        except Exception as exc:
            raw = classify(exc, sdk.last_status())
            failure = Failure(raw.kind, raw.status, scrub(raw.detail))
            retry_after = sdk.last_retry_after()
        what = where or "request"
        log.debug("aiXplain %s: %s (%s)", what, failure.kind.value, failure.detail)
        if failure.status is not None:
            answered = failure
        left = sdk.remaining()  # the piece's deadline: no retry starts, no wait ends, after it
        if failure.kind is Kind.UNFETCHABLE and reupload is not None and not reuploaded and fits_deadline(0.0, left):
            reuploaded = True
            log.info("aiXplain %s: the service could not fetch the audio; uploading it again", what)
            reupload()
            continue
        if failure.kind is Kind.RATE_LIMIT and rate + 1 < policy.rate_limit_attempts:
            delay = retry_after if retry_after is not None else policy.delay(rate + 1)
            delay = min(delay, policy.retry_after_max)
            if fits_deadline(delay, left):
                rate += 1
                log.info("aiXplain %s: rate limited; retrying in %.1f s", what, delay)
                sleep(delay)
                continue
        if failure.kind is Kind.TRANSIENT and transient + 1 < policy.attempts:
            delay = policy.delay(transient + 1)
            if fits_deadline(delay, left):
                transient += 1
                log.info("aiXplain %s: %s; retrying in %.1f s", what, failure.detail[:120], delay)
                sleep(delay)
                continue
        if failure.kind is Kind.UNFETCHABLE and reupload is None:  # the user's URL
            status = f"HTTP {failure.status}: " if failure.status else ""
            raise BackendError(
                f"aiXplain: the service could not fetch the URL ({status}{failure.detail[:160]}); "
                "is it public, and its signature still valid?"
            )
        if answered is not None and answered is not failure and cut_by_deadline(failure):
            failure = answered  # the service's own answer says more than the deadline cutting a retry
        attempts = rate + 1 if failure.kind is Kind.RATE_LIMIT else transient + 1
        raise BackendError(scrub(describe(failure, where, timeout, attempts)))


def failed_poll_url(exc: BaseException) -> str | None:
    """The URL of a poll that failed for a reason worth polling again (the job may still run).

    The SDK wraps every poll failure as ``APIError("Polling failed: ...", 0, {"poll_url": url})``
    and chains the original error.  A job the service no longer knows (404) is submitted again.
    """
    if not str(getattr(exc, "message", None) or exc).startswith("Polling failed"):
        return None
    url = (getattr(exc, "response_data", None) or {}).get("poll_url")
    inner = exc.__context__
    if getattr(inner, "status_code", None) == 404:
        return None
    return url if isinstance(url, str) else None


def without_context(error: BaseException) -> BaseException:
    error.__context__ = None
    error.__cause__ = None
    return error
