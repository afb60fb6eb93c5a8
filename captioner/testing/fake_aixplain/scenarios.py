"""Fault injection: what the fake gets wrong on purpose, per test."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ROUTES = ("record", "presign", "put", "execute", "poll")
NEVER = math.inf  # a Fault's delay: the request is held, unanswered, until the client gives up


@dataclass
class Fault:
    """The next ``count`` requests on ``route`` (one of :data:`ROUTES`) answer ``status``.

    ``body``: ``None`` for the JSON error body of section 7.1, ``"html"`` for a proxy's HTML page,
    ``"list"`` for a list body, or any JSON value / ``bytes`` sent as is.  ``delay``: seconds the
    answer waits (:data:`NEVER`: none comes, the connection stays open until the fake stops).
    """

    route: str
    status: int
    count: int = 1
    body: Any = None
    headers: dict[str, str] | None = None
    delay: float = 0.0

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise ValueError(f"unknown route {self.route!r}; one of {ROUTES}")


@dataclass
class Scenario:
    """Per-test behaviour of the fake.  Counters (``*_count``) are consumed as requests arrive."""

    answer: str = "sync"  # "sync": the POST answers with the result; "async": IN_PROGRESS + poll URL
    connection_type: tuple[str, ...] = ("synchronous",)  # the record's connectionType (picks the SDK code path)
    polls_before_done: int = 1  # async: this many polls answer {"completed": false} first
    never_complete: bool = False  # async: polls never complete
    run_delay: float = 0.0  # seconds every execute POST waits before answering
    bad_key: bool = False  # every authenticated request answers 401 (also when the key is wrong)
    credits_status: int | None = None  # 402 or 470..479 on execute
    rate_limit_count: int = 0  # this many execute POSTs answer 429 (or ``rate_limit_status``)
    rate_limit_status: int = 429
    retry_after: str | None = "1"  # Retry-After header on those answers (None: no header)
    unavailable_count: int = 0  # this many execute POSTs answer 503
    unavailable_status: int = 503
    fail_supplier: str | None = None  # execute (or the final poll) answers FAILED with this supplierError
    fail_on_run: int | None = None  # only the Nth execute (1-based) fails as FAILED; None: all of them
    unfetchable_count: int = 0  # this many execute POSTs answer 492 err.invalid_input_data_or_input_url
    words: bool = True  # include rawData.words
    language_style: str = "name"  # "name" ("English"), "lower" ("english") or "code" ("en")
    include_usage: bool = True  # runTime and usedCredits in the answer
    echo_key: bool = False  # error messages quote the key they received (to test scrubbing)
    faults: list[Fault] | None = None  # injected error answers per route, consumed in order
    in_progress_completed: bool = False  # IN_PROGRESS answers say "completed": true (seen in SDK tests)
    poll_path: str = "/api/v1/data/"  # where poll URLs point ("/api/v2/data/" exists too, section 2)
    poll_host: str | None = None  # host:port of poll URLs (default: the request's Host header)
    ignore_include_raw: bool = False  # answer without rawData even when includeRawData was asked for
    answer_body: Any = None  # a 2xx execute/final-poll answer sent instead of the result (bytes: as is)
    mangle: Callable[[dict[str, Any]], Any] | None = None  # rewrites each final result body
    presign_status: int = 200  # the presign answer's 2xx status (201 is [UNKNOWN] but possible)
    presign_answer: dict[str, Any] | None = None  # overrides fields of the presign answer (None values drop)
    extra_params: tuple[dict[str, Any], ...] = ()  # more entries for the record's params (e.g. required)

    def take_refusal(self) -> str | None:
        """The counted refusal the next run answers with, if any (consumes one count): "rate", "unavailable" or
        "unfetchable", in that order.  The caller holds the fake's lock."""
        if self.rate_limit_count > 0:
            self.rate_limit_count -= 1
            return "rate"
        if self.unavailable_count > 0:
            self.unavailable_count -= 1
            return "unavailable"
        if self.unfetchable_count > 0:
            self.unfetchable_count -= 1
            return "unfetchable"
        return None
