"""Media files named on the command line or found in folders."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from captioner.errors import CaptionerError, MediaError
from captioner.media.probe import is_media_file
from captioner.paths import real_path, symlink_loop


def discover(paths: Iterable[Path]) -> tuple[list[tuple[Path, Path | None]], list[CaptionerError]]:
    """Media files named or found (recursively, sorted) under the given paths.

    Returns ``(media, root)`` pairs (``root`` is the directory argument a file was found under,
    so ``--output-dir`` can mirror the tree) and the errors for paths that do not exist and
    folders without media.
    """
    found: list[tuple[Path, Path | None]] = []
    errors: list[CaptionerError] = []
    seen: set[Path] = set()
    for path in paths:
        path = Path(path)
        candidates: list[tuple[Path, Path | None]]
        if path.is_dir():
            unreadable: list[CaptionerError] = []
            candidates = [(p, path) for p in media_in_folder(path, unreadable)]
            errors.extend(unreadable)
            if not candidates and not unreadable:
                errors.append(MediaError("no media files in this folder (name a file to try it anyway)", str(path)))
        elif path.exists() or path.is_symlink():
            candidates = [(path, None)]
        else:
            errors.append(MediaError("no such file or directory", str(path)))
            continue
        for media, root in candidates:
            if (loop := symlink_loop(media)) is not None:
                errors.append(MediaError(f"cannot read: {loop}", str(media)))
                continue
            key = real_path(media)
            if key not in seen:
                seen.add(key)
                found.append((media, root))
    return found, errors


# Videos captioner itself writes with --mux/--burn: captioning them again would only duplicate work.
_DERIVED_SUFFIXES = (".captioned", ".burned")


def media_in_folder(folder: Path, unreadable: list[CaptionerError] | None = None) -> list[Path]:
    """Media files under ``folder``, recursively and sorted, skipping hidden files and folders
    (``.git``, ``.venv``, ...) and the videos captioner derives with --mux/--burn.  Folders that
    cannot be listed are added to ``unreadable``."""

    def note(exc: OSError) -> None:
        if unreadable is not None:
            unreadable.append(MediaError(f"cannot read this folder: {exc.strerror or exc}", exc.filename))

    found = []
    for current, dirs, files in os.walk(folder, onerror=note):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            path = Path(current, name)
            if name.startswith(".") or not is_media_file(path) or path.stem.endswith(_DERIVED_SUFFIXES):
                continue
            found.append(path)
    return sorted(found)
