"""Find and replace across the tree: every captioned media's cues for the page to search (the search
itself is the page's, findreplace.js, the same as within a file), the replacements saved file by file
with each file's stale-save check, and an undo that puts back exactly the bytes each save replaced.

An undo is kept in memory (the server's lifetime, the last :data:`KEEP` replacements) as the bytes of
every file a save may write (the caption files and the reviewed marks) before it, and the caption
files' versions after it: a file changed since (another tab, an editor, ``captioner sync``) is not
put back, and the answer says so.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from captioner.ci.status import ORPHAN, caption_paths
from captioner.edit import captions, reviewed
from captioner.edit.analysis import EditCue
from captioner.edit.studio import InvalidCues, StaleSave, Studio
from captioner.output.atomic import atomic_writer

KEEP = 20  # replacements that can still be undone


@dataclass(frozen=True)
class Saved:
    """One file's part of a replacement: the bytes before, by root-relative path (None: no such
    file), and the caption files' versions the save left."""

    rel: str
    before: dict[str, bytes | None]
    after: dict[str, str | None]


class TreeReplace:
    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self._undo: OrderedDict[str, list[Saved]] = OrderedDict()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def cues(self) -> list[dict]:
        """Every media of the tree with captions: its path, versions and cues (as the page sends
        them back); a media whose captions cannot be read: its path and the problem."""
        studio = self.studio
        report = studio.scanner.scan(studio.index.scope)
        out: list[dict] = []
        for f in report.files:
            if f.state == ORPHAN or studio.scanner.guard.outside(f.path):
                continue
            try:
                transcript, _ = studio.transcripts.find(f.path)
                cues, source = captions.read_cues(studio.root, f.path, studio.speaker_names(transcript))
                if source is None:
                    continue
                formats = captions.formats_of(studio.root, f.path, studio.config.formats)
                versions = captions.versions(studio.root, f.path, formats)
            except captions.CaptionReadError as exc:
                out.append({"path": f.path, "problem": str(exc)})
                continue
            marked = reviewed.with_marks(studio.root, f.path, cues)
            out.append({"path": f.path, "versions": versions, "cues": [_plain(c) for c in marked]})
        return out

    def replace(self, files: Sequence[tuple[str, list[EditCue], dict[str, str | None]]]) -> dict:
        """Save each file's cues (``(rel, cues, versions the page read)``); a file refused (changed
        on disk, invalid cues) is reported and the others saved.  ``{"undo": id, "saved": [...],
        "refused": [{"path", "error"}]}``."""
        done: list[Saved] = []
        refused: list[dict[str, str]] = []
        for rel in {rel for rel, _, _ in files}:
            self.studio.media_path(rel)  # OutsideTree before anything is written
        for rel, cues, base in files:
            try:
                before = self._snapshot(rel, base)
                saved = self.studio.save(rel, cues, base)
            except (StaleSave, InvalidCues, captions.CaptionReadError) as exc:
                refused.append({"path": rel, "error": str(exc)})
                continue
            done.append(Saved(rel, before, saved["versions"]))
        with self._lock:
            key = str(next(self._ids))
            self._undo[key] = done
            while len(self._undo) > KEEP:
                self._undo.popitem(last=False)
        return {"undo": key, "saved": [s.rel for s in done], "refused": refused}

    def undo(self, key: str) -> dict:
        """Put back the bytes replacement ``key`` replaced, file by file, unless a file changed since
        (``{"restored": [...], "refused": [{"path", "error"}]}``); KeyError: no such replacement."""
        with self._lock:
            done = self._undo.pop(key)
        restored: list[str] = []
        refused: list[dict[str, str]] = []
        for saved in done:
            with self.studio._save_lock(saved.rel):
                now = captions.versions(self.studio.root, saved.rel, list(saved.after))
                if now != saved.after:
                    refused.append({"path": saved.rel, "error": "changed on disk since the replacement: not undone"})
                    continue
                for path, data in saved.before.items():
                    _put_back(self.studio.root / path, data)
                restored.append(saved.rel)
        return {"restored": restored, "refused": refused}

    def _snapshot(self, rel: str, base: dict[str, str | None]) -> dict[str, bytes | None]:
        """The bytes of every file a save of ``rel`` may write (caption files, reviewed marks)."""
        formats = sorted(set(captions.formats_of(self.studio.root, rel, self.studio.config.formats)) | set(base))
        paths = caption_paths(rel, formats)
        before = {p: captions.read_file(self.studio.root, p) for p in [*paths.values(), reviewed.sidecar(rel)]}
        for fmt, path in paths.items():  # what is put back is what the page read, or nothing is saved
            data = before[path]
            if (None if data is None else hashlib.sha256(data).hexdigest()) != base.get(fmt):
                raise StaleSave(f"{path} changed on disk after the search read it; nothing was written")
        return before


def _plain(cue: EditCue) -> dict:
    return {"start": cue.start, "end": cue.end, "text": cue.text, "reviewed": cue.reviewed, "voices": list(cue.voices)}


def _put_back(path: Path, data: bytes | None) -> None:
    if data is None:
        path.unlink(missing_ok=True)
        return
    with atomic_writer(path, binary=True) as handle:
        handle.write(data)
