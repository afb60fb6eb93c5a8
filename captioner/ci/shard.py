"""Shards: a tree's media split across CI matrix jobs, stably per path."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from captioner.ci.config import ConfigError


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``: a stable hash of the relative path picks the shard."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match:
            raise ConfigError(f"shard {text!r} is not K/N (e.g. 1/4)")
        index, count = int(match[1]), int(match[2])
        if not 1 <= index <= count:
            raise ConfigError(f"shard {text!r}: K must be between 1 and N")
        return cls(index, count)

    def __contains__(self, relpath: str) -> bool:
        return shard_of(relpath, self.count) == self.index


def shard_of(relpath: str, count: int) -> int:
    """The 1-based shard of a root-relative path among ``count`` (independent of any order)."""
    digest = hashlib.sha256(relpath.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1
