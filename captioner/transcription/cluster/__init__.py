"""Transcription on a Dask cluster (``--scheduler``): the local engine on many machines at once.

The client (the machine that runs captioner) keeps everything but the decoding: it finds the
files, decodes their audio, looks up the transcript cache, formats and writes the captions.  The
workers get pieces of audio and send back what the local engine made of them
(:mod:`captioner.transcription.cluster.worker`); :mod:`~captioner.transcription.cluster.fanout`
sends one file's pieces and joins them; :mod:`~captioner.transcription.cluster.backend` connects
and checks the workers.  Dask ``distributed`` is an optional dependency: the ``cluster`` extra.
"""

from __future__ import annotations

import importlib.util

INSTALL_HINT = "pip install 'captioner[cluster]'"
LOCAL = "local"  # --scheduler local[:N]: a LocalCluster of N worker processes on this machine


def missing_distributed() -> str | None:
    """One line saying how to install Dask distributed, or None when it is there."""
    if importlib.util.find_spec("distributed") is None:
        return f"--scheduler needs Dask distributed, which is not installed: {INSTALL_HINT}"
    return None


def parse_local(address: str) -> int | None:
    """N for ``local:N`` (``local``: one per core), None for a scheduler's address; ValueError
    for a ``local:`` that is not followed by a positive number."""
    if address != LOCAL and not address.startswith(LOCAL + ":"):
        return None
    count = address[len(LOCAL) + 1 :]
    if not count:
        from captioner.transcription.local.engine import default_threads

        return default_threads()
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"{address!r}: local:N wants a number of worker processes N >= 1")
    return int(count)
