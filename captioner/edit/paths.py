"""Paths from web requests: only files inside the tree, never ``..``, absolute or symlinked out."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from captioner.ci.tree import outside_tree


class OutsideTree(ValueError):
    """A requested path that is not a file of the tree."""


def inside(root: Path, rel: str) -> Path:
    """``root / rel`` after checking that ``rel`` names a file inside the tree.

    Refused: what :func:`captioner.ci.config.outside_tree` refuses for lock and configuration paths
    (empty or absolute paths, ``..`` and ``.`` parts, NUL, symbolic links leading out of the tree,
    in a folder or the file itself), and also hidden parts (``.git``; the tree's walk skips them)
    and backslashes.  ``root`` must be resolved.
    """
    why = "a backslash in the path" if "\\" in rel else outside_tree(root, rel)
    if why is None and any(part.startswith(".") for part in PurePosixPath(rel).parts):
        why = "a hidden file or folder"
    if why is not None:
        raise OutsideTree(f"{rel!r} is not a file of the tree: {why}")
    return root / rel
