"""The index page's rows: every media file of the tree with its ``check`` state and a summary.

States come from :class:`captioner.ci.status.Scanner` (the same as ``captioner check``, with its stat
cache).  The summary (language, duration, cues, doubtful cues, cues with style problems) needs the
captions, the transcript and a probe: it is kept in a per-tree cache file beside check's, keyed by
the size, mtime and inode of the media, its caption files and its transcript file, and by the
settings, so an unchanged tree's index reads no media at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from captioner.ci.config import settings_digest
from captioner.ci.status import ORPHAN, Scanner
from captioner.errors import CaptionerError
from captioner.output.atomic import atomic_write_text
from captioner.paths import cache_dir

SUMMARY_VERSION = 2  # 2: problems no longer quote a caption file (1 did: srt's parse errors)
Summarise = Callable[[str], dict]


def _stamp(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
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
        self._root = str(scanner.root)
        self._style_key = settings_digest(scanner.config.style.to_dict())

    def stamps(self, rel: str) -> list:
        """What a summary depends on: the style, the file's language setting, and the stat stamps of
        the media and of its caption and transcript files (plain string paths: this runs per file)."""
        config = self.scanner.config
        stem = os.path.splitext(rel)[0]
        files = [rel, *(f"{stem}.{fmt}" for fmt in ("srt", "vtt", "json"))]
        return [self._style_key, config.language_for(rel), *(_stamp(os.path.join(self._root, f)) for f in files)]

    def _compute(self, rel: str, stamps: list) -> dict:
        summary = self.summarise(rel)
        self.summaries.put(rel, stamps, summary)
        return summary

    def rows(self) -> list[dict]:
        # Media leading out of the tree are not the tree's: not listed, never probed (check
        # reports them as errors).
        report = self.scanner.scan(self.scope)
        report.files = [f for f in report.files if f.state == ORPHAN or not self.scanner.guard.outside(f.path)]
        summaries: list[dict | None] = []
        missing: list[tuple[int, str, list]] = []
        for f in report.files:  # cache hits here: a thread per file costs more than a lookup
            if f.state == ORPHAN:
                summaries.append({})
                continue
            stamps = self.stamps(f.path)
            known = self.summaries.get(f.path, stamps)
            if known is None:
                missing.append((len(summaries), f.path, stamps))
            summaries.append(known)
        if missing:
            with ThreadPoolExecutor(max_workers=self.scanner.workers) as pool:
                computed = pool.map(lambda item: self._compute(item[1], item[2]), missing)
                for (index, _, _), summary in zip(missing, computed):
                    summaries[index] = summary
            self.summaries.save()
        filled = [s for s in summaries if s is not None]
        assert len(filled) == len(report.files)  # every summary missing from the cache was computed above
        return [
            {
                "path": f.path,
                "state": f.state,
                "detail": f.detail,
                "media": f.state != ORPHAN,
                **summary,
            }
            for f, summary in zip(report.files, filled)
        ]
