"""The transcript cache: transcribe once, re-format as often as you like.

An entry is one transcript (the schema's JSON), stored under a key made of the media's audio
content hash, the audio stream, the backend and model, and every decoding option that changes the
words (:meth:`captioner.run.recipe.Recipe.cache_key`). Style, formats and output paths are not in
the key: changing them re-formats from the cache. Entries are written atomically (temp file, then
rename), so concurrent runs never see a half-written entry; an entry that does not parse, or holds
what no transcription makes (NaN or reversed times, times past the media's end or out of order, a
probability outside 0..1, a language Whisper does not know, a speech region that is no pair: see
:mod:`captioner.core.transcript_check`), is deleted and rebuilt. Nothing secret is stored: keys and
transcripts hold no credentials.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from captioner.core.transcript import Transcript
from captioner.core.transcript_check import transcript_problem
from captioner.errors import OutputError
from captioner.output.atomic import atomic_write_text
from captioner.paths import cache_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CacheStats:
    folder: Path
    entries: int
    bytes: int


class TranscriptCache:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or cache_dir() / "transcripts"
        self._warned = False

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str, media_duration: float | None = None) -> Transcript | None:
        """The transcript stored under ``key``, or None: a missing entry, or a damaged one (which
        is deleted, so the caller's transcription rebuilds it).  ``media_duration`` (seconds, when
        the caller probed the media): no time of a trusted entry lies past it."""
        path = self._path(key)
        try:
            data: Any = json.loads(path.read_text("utf-8"))
            problem = transcript_problem(data, media_duration)
            if problem is not None:
                raise ValueError(problem)
            return Transcript.from_dict(data)
        except FileNotFoundError:
            return None
        except OSError as exc:  # an unusable cache folder is a miss: the cache is advisory
            self._warn(f"cannot read {path}: {exc.strerror or exc}")
            return None
        except (ValueError, KeyError, TypeError) as exc:
            log.info("damaged cache entry %s (%s): transcribing again", path.name, exc)
            with contextlib.suppress(OSError):  # corrupt, truncated or untrustworthy: rebuilt by the caller
                path.unlink(missing_ok=True)
            return None

    def has(self, key: str) -> bool:
        """Whether an entry is stored under ``key`` (not read: ``get`` may still find it damaged)."""
        return self._path(key).is_file()

    def put(self, key: str, transcript: Transcript) -> None:
        """Store a transcript; a folder that cannot be written costs the cache, not the file.

        A transcript :meth:`get` would refuse is not stored (a -v note names the problem)."""
        problem = transcript_problem(transcript.to_dict())
        if problem is not None:
            log.info("transcript not cached: %s", problem)
            return
        try:
            atomic_write_text(self._path(key), transcript.to_json())
        except OutputError as exc:
            self._warn(str(exc))

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning("transcript cache not used: %s (set CAPTIONER_CACHE_DIR to a writable folder)", message)

    def stats(self) -> CacheStats:
        files = list(self.folder.glob("*/*.json")) if self.folder.is_dir() else []
        return CacheStats(self.folder, len(files), sum(f.stat().st_size for f in files))

    def clear(self) -> int:
        removed = 0
        if self.folder.is_dir():
            for entry in self.folder.glob("*/*"):
                entry.unlink(missing_ok=True)
                removed += entry.suffix == ".json"
            for sub in self.folder.iterdir():
                if sub.is_dir():
                    sub.rmdir()
        return removed
