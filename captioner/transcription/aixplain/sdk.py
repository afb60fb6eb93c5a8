"""Importing and configuring the aiXplain SDK without side effects captioner does not want.

``import aixplain`` calls ``logging.basicConfig`` (a root handler on stderr at INFO) and, with
``SENTRY_DSN`` set, starts Sentry with ``send_default_pii=True``; ``Aixplain(api_key=K)`` writes
``K`` into ``os.environ`` for the whole process.  The helpers here prevent all three, keep the
``Retry-After`` of the last answer (the SDK drops response headers from its errors), and install
a log-record filter that masks registered secrets in every log line and traceback text.

The SDK's sessions retry underneath it (urllib3: 5 more tries of a GET, a read timeout each),
which multiplied captioner's own retries and ran far past ``--aixplain-timeout``.
:func:`configure_sessions` makes them send every request once, and bounds each by the calling
thread's :func:`deadline`: captioner's RetryPolicy is the only one.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from captioner.errors import BackendError

_secrets: set[str] = set()
_factory_lock = threading.Lock()
_factory_installed = False
_local = threading.local()


def mask(text: str) -> str:
    for secret in _secrets:
        text = text.replace(secret, "***")
    return text


def register_secret(secret: str) -> None:
    """Mask ``secret`` in every log record created from now on (any logger, any library)."""
    global _factory_installed
    if not secret or len(secret) < 4:
        return
    _secrets.add(secret)
    with _factory_lock:
        if _factory_installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            if _secrets:
                _scrub_record(record)
            return record

        logging.setLogRecordFactory(factory)
        _factory_installed = True


def _scrub_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed record; leave it to logging's own error path
        return
    clean = mask(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info:
        text = logging.Formatter().formatException(record.exc_info)
        record.exc_text, record.exc_info = mask(text), None
    if record.stack_info:
        record.stack_info = mask(record.stack_info)


INSTALL_HINT = "pip install 'captioner[aixplain]'"


def missing_sdk() -> str | None:
    """Why the aiXplain backend cannot run here (one line naming the fix), or None.  Checked
    without importing the SDK, which takes a second or two."""
    for name in ("aixplain", "requests"):
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            return f"the aiXplain backend needs the aiXplain SDK ({name} is not installed): {INSTALL_HINT}"
    return None


def import_sdk() -> Any:
    """``aixplain``'s v2 entry point, imported without touching logging or starting Sentry."""
    if "aixplain" in sys.modules:
        from aixplain import Aixplain

        return Aixplain
    root = logging.getLogger()
    guard = None
    if not root.handlers:  # makes the SDK's logging.basicConfig() a no-op
        guard = logging.NullHandler()
        root.addHandler(guard)
    sentry = os.environ.pop("SENTRY_DSN", None)
    try:
        from aixplain import Aixplain
    except ImportError as exc:
        raise BackendError(
            f"the aiXplain SDK is not installed ({exc.name or exc}); install it with: {INSTALL_HINT}"
        ) from None
    except Exception as exc:  # e.g. "Conflicting API keys" when TEAM_API_KEY and AIXPLAIN_API_KEY differ
        raise BackendError(f"the aiXplain SDK failed to start: {mask(str(exc))}") from None
    finally:
        if guard is not None:
            root.removeHandler(guard)
        if sentry is not None:
            os.environ["SENTRY_DSN"] = sentry
    return Aixplain


@contextmanager
def environment_kept(*names: str) -> Iterator[None]:
    """Undo what the block writes to ``os.environ[name]`` (and the SDK config module's copies)."""
    saved = {name: os.environ.get(name) for name in names}
    config = sys.modules.get("aixplain.utils.config")
    saved_config = {name: getattr(config, name, None) for name in names} if config else {}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        for name, value in saved_config.items():
            setattr(config, name, value)


def remember_retry_after(response: Any, *args: Any, **kwargs: Any) -> None:
    """A ``requests`` response hook: keep this thread's last ``Retry-After`` header and status."""
    _local.retry_after = response.headers.get("Retry-After")
    _local.status = response.status_code


def reset_retry_after() -> None:
    _local.retry_after = None
    _local.status = None


def last_status() -> int | None:
    """The HTTP status of the last answer this thread received (the SDK loses it on some paths)."""
    return getattr(_local, "status", None)


def last_retry_after() -> float | None:
    """Seconds from the last ``Retry-After`` this thread received (delta-seconds form), if any."""
    value = getattr(_local, "retry_after", None)
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            import time

            return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
        except (TypeError, ValueError):
            return None


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Within the block, no request of this thread outlives ``seconds`` from now (see
    :func:`configure_sessions`); :func:`remaining` tells what is left."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = previous


def remaining() -> float | None:
    """Seconds left before this thread's :func:`deadline`; None outside one."""
    at = getattr(_local, "deadline", None)
    return None if at is None else at - time.monotonic()


def _bounded(timeout: Any, left: float) -> tuple[float, float]:
    """``requests``' ``timeout`` (None, seconds, or (connect, read)) with both parts at most ``left``."""
    if isinstance(timeout, tuple):
        connect, read = timeout
    else:
        connect = read = timeout if isinstance(timeout, (int, float)) else None
    return (min(connect or left, left), min(read or left, left))


@lru_cache(maxsize=1)
def _adapter_class() -> type:
    from requests import PreparedRequest, Response
    from requests.adapters import HTTPAdapter
    from requests.exceptions import ConnectTimeout

    class DeadlineAdapter(HTTPAdapter):
        """Sends a request once (no urllib3 retries), its connect and read waits cut to the
        calling thread's deadline.  The read timeout bounds each wait for bytes, not a whole
        transfer: a server that trickles an answer can still outlast it (none of aiXplain's do)."""

        def send(
            self,
            request: PreparedRequest,
            stream: bool = False,
            timeout: float | tuple[float | None, float | None] | None = None,
            verify: bool | str = True,
            cert: str | tuple[str, str] | None = None,
            proxies: dict[str, str] | None = None,
        ) -> Response:
            left = remaining()
            if left is not None:
                if left <= 0:
                    raise ConnectTimeout("the deadline passed before the request was sent", request=request)
                timeout = _bounded(timeout, left)
            return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)

    return DeadlineAdapter


def configure_sessions(client: Any) -> None:
    """Make the SDK client's session and the uploader's send each request once, within the calling
    thread's :func:`deadline`, and keep the last answer's ``Retry-After`` and status
    (:func:`remember_retry_after`).  The uploader's session is shared by the whole process."""
    from aixplain.v2.client import DEFAULT_POOL_CONNECTIONS, DEFAULT_POOL_MAXSIZE
    from aixplain.v2.upload_utils import RequestManager

    adapter_class = _adapter_class()
    client.retry_total = 0  # the SDK divides a poll's budget by the attempts it expects urllib3 to make
    for session in (client.session, RequestManager.create_session()):
        if not isinstance(session.get_adapter("https://"), adapter_class):
            adapter = adapter_class(
                max_retries=0, pool_connections=DEFAULT_POOL_CONNECTIONS, pool_maxsize=DEFAULT_POOL_MAXSIZE
            )
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        hooks = session.hooks.setdefault("response", [])
        if remember_retry_after not in hooks:
            hooks.append(remember_retry_after)
