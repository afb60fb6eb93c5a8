"""Paths from web requests: only files inside the tree, never ``..``, absolute or symlinked out."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


class OutsideTree(ValueError):
    """A requested path that is not a file of the tree."""


def inside(root: Path, rel: str) -> Path:
    """``root / rel`` after checking that ``rel`` names a file inside the tree.

    Refused: empty or absolute paths, ``..`` and ``.`` components, hidden components (``.git``; the
    tree's walk skips them too), backslashes and NUL, and paths whose real location (symlinks
    followed) is outside ``root``.  ``root`` must be resolved.
    """
    if not rel or "\x00" in rel or "\\" in rel:
        raise OutsideTree(f"{rel!r} is not a path of the tree")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or any(part in ("..", ".") or part.startswith(".") for part in pure.parts):
        raise OutsideTree(f"{rel!r} is not a path of the tree")
    path = root / pure
    try:
        path.resolve().relative_to(root)
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        raise OutsideTree(f"{rel!r} leads outside the tree") from None
    return path
