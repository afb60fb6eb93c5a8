"""The index page's rows: every media file of the tree with its ``check`` state and a summary.

States come from :class:`captioner.status.Scanner` (the same as ``captioner check``, with its stat
cache).  The summary (language, duration, cues, doubtful cues, cues with style problems) needs the
captions, the transcript and a probe: it is kept in a per-tree cache file beside check's, keyed by
the size, mtime and inode of the media, its caption files and its transcript file, and by the
settings, so an unchanged tree's index reads no media at all.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from captioner.errors import CaptionerError
from captioner.fsutil import atomic_write_text, cache_dir
from captioner.status import ORPHAN, FileStatus, Scanner, caption_paths

SUMMARY_VERSION = 1
Summarise = Callable[[str], dict]


def _stamp(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


class SummaryCache:
    """rel -> (stamps, summary), one JSON file per tree in the user's cache folder (advisory)."""

    def __init__(self, root: Path) -> None:
        key = hashlib.sha256(str(root).encode()).hexdigest()[:20]
        self.path = cache_dir() / "edit" / f"{key}.json"
        self.root = str(root)
        self._lock = threading.Lock()
        self._dirty = False
        try:
            raw = json.loads(self.path.read_text("utf-8"))
            ok = raw.get("version") == SUMMARY_VERSION and raw.get("root") == self.root
            self._data: dict[str, list] = raw["entries"] if ok else {}
        except (OSError, ValueError, KeyError, AttributeError):
            self._data = {}

    def get(self, rel: str, stamps: list) -> dict | None:
        with self._lock:
            hit = self._data.get(rel)
        return hit[1] if hit is not None and hit[0] == stamps else None

    def put(self, rel: str, stamps: list, summary: dict) -> None:
        with self._lock:
            self._data[rel] = [stamps, summary]
            self._dirty = True

    def save(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            data = {"version": SUMMARY_VERSION, "root": self.root, "entries": self._data}
            self._dirty = False
        try:
            atomic_write_text(self.path, json.dumps(data, separators=(",", ":")))
        except CaptionerError:
            pass


class TreeIndex:
    """The rows of the index page for a tree (see the module docstring)."""

    def __init__(self, scanner: Scanner, summarise: Summarise, scope: Iterable[Path] = ()) -> None:
        self.scanner = scanner
        self.summarise = summarise
        self.scope = list(scope)
        self.summaries = SummaryCache(scanner.root)

    def stamps(self, rel: str) -> list:
        root = self.scanner.root
        files = [rel, *caption_paths(rel, ("srt", "vtt", "json")).values()]
        return [self.scanner.config.settings_hash(rel), *(_stamp(root / f) for f in files)]

    def summary(self, status: FileStatus) -> dict:
        if status.state == ORPHAN:
            return {}
        stamps = self.stamps(status.path)
        known = self.summaries.get(status.path, stamps)
        if known is None:
            known = self.summarise(status.path)
            self.summaries.put(status.path, stamps, known)
        return known

    def rows(self) -> list[dict]:
        report = self.scanner.scan(self.scope)
        with ThreadPoolExecutor(max_workers=self.scanner.workers) as pool:
            summaries = list(pool.map(self.summary, report.files))
        self.summaries.save()
        return [
            {
                "path": f.path,
                "state": f.state,
                "detail": f.detail,
                "media": f.state != ORPHAN,
                **summary,
            }
            for f, summary in zip(report.files, summaries)
        ]
