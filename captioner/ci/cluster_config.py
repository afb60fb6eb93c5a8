"""The ``cluster`` table of ``captioner.toml``: how ``sync --scheduler`` trusts the tree's cluster.

::

    cluster = { tls_ca_file = "certs/ca.pem", tls_cert = "certs/client.pem", tls_key = "certs/client-key.pem" }
    cluster = { insecure = true }      # accept an unencrypted scheduler off this machine (warned)

The files are paths inside the tree, like every path the configuration names; a key kept outside
it (as it should be, unless the tree's checkout writes it from a CI secret) goes in Dask's own
configuration, ``distributed.comm.tls.client.key``, which captioner reads when no file is named.
The command line's ``--tls-*`` and ``--insecure-cluster`` win over the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from captioner.ci.tree import outside_tree
from captioner.transcription.cluster.access import ClusterTrust

_FILES = ("tls_ca_file", "tls_cert", "tls_key")


class ClusterConfigError(ValueError):
    """The ``cluster`` table is not valid (a ConfigError to the caller)."""


def cluster_trust(root: Path, table: Any) -> ClusterTrust | None:
    """The table as a :class:`ClusterTrust` (None when there is none); paths made absolute."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ClusterConfigError("cluster must be a table: { tls_ca_file, tls_cert, tls_key, insecure }")
    unknown = set(table) - {*_FILES, "insecure"}
    if unknown:
        raise ClusterConfigError(f"unknown cluster keys: {', '.join(sorted(unknown))}")
    insecure = table.get("insecure", False)
    if not isinstance(insecure, bool):
        raise ClusterConfigError("cluster.insecure must be true or false")
    files: dict[str, str | None] = {}
    for name in _FILES:
        value = table.get(name)
        if value is not None:
            why = outside_tree(root, value) if isinstance(value, str) else "not a string"
            if why:
                raise ClusterConfigError(f"cluster.{name} {value!r} must be a file inside the tree: {why}")
            value = str(root / value)
        files[name] = value
    return ClusterTrust(files["tls_ca_file"], files["tls_cert"], files["tls_key"], insecure)
