"""The cues a person marked reviewed in the studio, kept in ``<stem>.reviewed`` beside the media.

A JSON file, named without ``.json`` so that it can never be the ``-f json`` transcript of another
media (``talk.reviewed.mp4``'s is ``talk.reviewed.json``).  Beside the media (not in the user's
cache) so that the marks travel with the captions: committed with them, seen by a colleague or CI,
and still there after a reload or on another machine.  A mark is the fingerprint of the cue as it
was saved (times to the millisecond and its lines): a cue changed by anything but the studio
(``captioner sync --force`` making new captions) is no longer marked, so machine text is never
taken as checked.  The file holds no caption text, only fingerprints.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from captioner.edit import captions
from captioner.edit.analysis import EditCue
from captioner.output.atomic import atomic_write_text

VERSION = 1


def sidecar(rel: str) -> str:
    """The root-relative marks file of the media ``rel``."""
    media = PurePosixPath(rel)
    return str(media.with_name(f"{media.stem}.reviewed"))


def fingerprint(cue: EditCue) -> str:
    key = f"{round(cue.start, 3):.3f}|{round(cue.end, 3):.3f}|" + "\n".join(cue.lines)
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def read_marks(root: Path, rel: str) -> set[str]:
    """The fingerprints marked (none when the file is missing or unreadable: marks are advisory)."""
    try:
        raw = captions.read_file(root, sidecar(rel))  # a regular file inside the tree only
        data = json.loads(raw) if raw is not None else {}
        marks = data["cues"] if data.get("version") == VERSION else []
        return {m for m in marks if isinstance(m, str)}
    except (captions.CaptionReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return set()


def linked(root: Path, rel: str) -> list[str]:
    """The marks file when it is a symbolic link (a save refuses it, as it refuses linked captions)."""
    return [sidecar(rel)] if (root / sidecar(rel)).is_symlink() else []


def with_marks(root: Path, rel: str, cues: Sequence[EditCue]) -> list[EditCue]:
    """``cues`` with ``reviewed`` set from the marks file."""
    marks = read_marks(root, rel)
    return [replace(c, reviewed=fingerprint(c) in marks) for c in cues]


def write_marks(root: Path, rel: str, cues: Sequence[EditCue]) -> str | None:
    """Record the reviewed cues of ``cues`` (atomically); the file's root-relative path, or None when
    no cue is reviewed and there was no file (a file left with no mark is removed)."""
    path = root / sidecar(rel)
    marks = [fingerprint(c) for c in cues if c.reviewed]
    if not marks:
        if not path.is_file():
            return None
        path.unlink()
        return sidecar(rel)
    atomic_write_text(path, json.dumps({"version": VERSION, "cues": marks}, indent=0) + "\n")
    return sidecar(rel)


def review_counts(root: Path, rels: Sequence[str], names: Sequence[str] = ()) -> dict[str, tuple[int, int]]:
    """``(reviewed, cues)`` of each media of ``rels`` that has captions, when any of them has a marks
    file ({} otherwise: a tree nobody reviewed in the studio costs ``check`` no caption reading).
    ``names``: the speakers whose ``Name:`` labels the .srt carries (as the studio reads it)."""
    if not any((root / sidecar(rel)).is_file() for rel in rels):
        return {}
    out: dict[str, tuple[int, int]] = {}
    for rel in rels:
        try:
            cues, source = captions.read_cues(root, rel, names)
        except captions.CaptionReadError:  # check reports the file's own problem
            continue
        if source is not None:
            marks = read_marks(root, rel)
            out[rel] = (sum(1 for c in cues if fingerprint(c) in marks), len(cues))
    return out
