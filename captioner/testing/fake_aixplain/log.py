"""The request log: what each request to the fake carried, credentials redacted."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, urlparse

CREDENTIAL_HEADERS = ("x-api-key", "x-aixplain-key", "authorization")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # credential headers redacted
    key: str | None  # which credential came with the request, compared to the expected one: "ok", "bad", None
    body: Any  # parsed JSON / form, or the byte count for uploads
    status: int = 0

    @classmethod
    def of(cls, method: str, target: str, headers: Message, api_key: str, body: Any) -> Recorded:
        """The entry for a request line's ``method`` and ``target``; ``api_key``: the key the fake accepts."""
        parsed = urlparse(target)
        sent = sent_key(headers)
        return cls(
            method=method,
            path=parsed.path,
            query=parse_qs(parsed.query),
            headers={k: ("***" if k.lower() in CREDENTIAL_HEADERS else v) for k, v in headers.items()},
            key=None if sent is None else ("ok" if sent == api_key else "bad"),
            body=body,
        )


def sent_key(headers: Message) -> str | None:
    """The credential a request came with: an API key header, or ``Authorization: Token ...``."""
    sent = headers.get("x-api-key") or headers.get("x-aixplain-key")
    auth = headers.get("Authorization") or ""
    if not sent and auth.lower().startswith("token "):
        sent = auth[6:]
    return sent
