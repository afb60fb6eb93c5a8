"""The transcript behind a media file's captions: the ``-f json`` file beside it, else the cache.

Cached transcripts are as the backend gave them; they are refined (filters, word retiming) as the
pipeline does before segmenting, so that their words line up with the captions made from them.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from captioner.ci.status import Scanner, caption_paths
from captioner.core.transcript import Transcript
from captioner.edit.captions import CaptionReadError, LeadsOut, read_file
from captioner.errors import CaptionerError
from captioner.run.cache import TranscriptCache
from captioner.run.source import TranscriptSource


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


class Transcripts:
    """Finds and keeps (in memory, per file version) the transcripts of a tree's media."""

    def __init__(self, scanner: Scanner, cache: TranscriptCache | None = None, audio_stream: int = 0) -> None:
        self.scanner = scanner
        self.cache = cache if cache is not None else TranscriptCache()
        self.audio_stream = audio_stream  # the stream the tree's files were captioned from (--audio-stream)
        self._known: dict[str, tuple[object, Transcript | None, str | None]] = {}
        self._lock = threading.Lock()

    def json_path(self, rel: str) -> Path:
        return self.scanner.root / caption_paths(rel, ["json"])["json"]

    def find(self, rel: str) -> tuple[Transcript | None, str | None]:
        """(transcript, where it came from: "json" or "cache"), or (None, None)."""
        stamp = (_stamp(self.json_path(rel)), _stamp(self.scanner.root / rel))
        with self._lock:
            known = self._known.get(rel)
        if known is not None and known[0] == stamp:
            return known[1], known[2]
        found = self._read_json(rel)
        source = "json" if found is not None else None
        if found is None:
            found = self._from_cache(rel)
            source = "cache" if found is not None else None
        with self._lock:
            self._known[rel] = (stamp, found, source)
        return found, source

    def _read_json(self, rel: str) -> Transcript | None:
        """The ``-f json`` transcript beside the media; None when there is none or it is no
        transcript; :class:`CaptionReadError` when it leads out of the tree (never read)."""
        try:
            data = read_file(self.scanner.root, caption_paths(rel, ["json"])["json"])
        except LeadsOut:
            raise  # refused, not taken for "no transcript"
        except CaptionReadError:  # unreadable (a named pipe, ...): as if there were none
            return None
        try:
            return None if data is None else Transcript.from_json(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def _from_cache(self, rel: str) -> Transcript | None:
        """The transcript the run or sync made of ``rel`` with the tree's recipe (on the chosen
        audio stream), refined as they refine it."""
        recipe = replace(self.scanner.config.recipe(rel), audio_stream=self.audio_stream)
        try:
            media = self.scanner.inside(rel)
            known = self.scanner.audio_hash(rel) if self.audio_stream == 0 else None  # the stat cache's: stream 0
        except (CaptionerError, OSError):
            return None
        return TranscriptSource(recipe, self.cache).refined(media, known)
