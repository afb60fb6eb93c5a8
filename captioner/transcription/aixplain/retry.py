"""captioner's one retry policy for aiXplain (the SDK's own retries are off): delays, the deadline,
and which failed polls are worth polling again."""

from __future__ import annotations

import random
from dataclasses import dataclass


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
