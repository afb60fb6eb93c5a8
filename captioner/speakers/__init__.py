"""``--speakers voices``: speakers told apart by their voices in one signal, offline.

:mod:`~captioner.speakers.encoder` runs resemblyzer's GE2E voice encoder on NumPy (weights in
:mod:`~captioner.speakers.weights`, read from PyTorch's format by
:mod:`~captioner.speakers.torchfile`), :mod:`~captioner.speakers.cluster` groups the embeddings
with SciPy (the ``voices`` extra) and :mod:`~captioner.speakers.attribute` gives each word its
speaker.
"""

from __future__ import annotations

import importlib

INSTALL = "pip install 'captioner[voices]'"


def missing_dependency() -> str | None:
    """One line naming the install when what ``--speakers voices`` needs is missing, else None."""
    try:
        importlib.import_module("scipy.cluster.hierarchy")
    except ImportError:
        return f"--speakers voices needs SciPy, which is not installed: {INSTALL}"
    return None
