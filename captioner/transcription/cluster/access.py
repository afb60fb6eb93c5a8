"""Who captioner lets decode its audio: a scheduler reached over TLS, on this machine, or by consent.

A Dask scheduler runs whatever code a client sends, and a worker's answer is unpickled by the
client, so a cluster anyone can reach is a cluster anyone can forge captions on (and run code on).
captioner therefore talks to a scheduler

- at a ``tls://`` address, with certificates (:class:`ClusterTrust`'s files, else Dask's own
  configuration ``distributed.comm.tls.*``, which :class:`distributed.security.Security` reads):
  both ends prove they hold a certificate of the cluster's authority;
- at a plain address (``tcp://``, or none) on the loopback interface: this machine only;
- at a plain address elsewhere only with ``--insecure-cluster``, and a warning.

``local:N`` clusters are started by captioner on 127.0.0.1, with a throwaway certificate when
``cryptography`` is there (:func:`local_security`), so another user of the machine cannot join them.
Every decision is made before any connection.  :func:`cluster_identity` names the cluster in the
transcript cache's keys: what a cluster made is never served to a local run.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from captioner.transcription.cluster import parse_local

SECURE_SCHEMES = ("tls", "wss")  # Dask's comm schemes that encrypt and authenticate both ends
DEFAULT_PORT = 8786
_MAX_PEM = 1 << 20  # a certificate or key file larger than this is not one


class ClusterRefused(ValueError):
    """The address cannot be used as the user set it up: one line saying why (a usage error)."""


@dataclass(frozen=True)
class ClusterTrust:
    """What lets captioner trust a scheduler: certificate files (None: Dask's configuration
    ``distributed.comm.tls.ca-file``, ``.client.cert``, ``.client.key``), or the user's word that
    an unencrypted cluster off this machine will do (``insecure``)."""

    ca_file: str | None = None
    cert: str | None = None
    key: str | None = None
    insecure: bool = False

    @property
    def files_given(self) -> bool:
        return any((self.ca_file, self.cert, self.key))


def scheme_and_host(address: str) -> tuple[str, str]:
    """The comm scheme (``tcp`` when none is written) and host of a scheduler's address."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme == "inproc":
            return scheme, ""
        host, _ = parse_host_port(location, default_port=DEFAULT_PORT)
    except ValueError as exc:
        raise ClusterRefused(f"--scheduler {address}: {exc}") from None
    return scheme, str(host)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine's loopback interface (a name other than localhost is not
    looked up: that would ask a name server, and its answer could change)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_access(address: str, trust: ClusterTrust) -> str | None:
    """Whether captioner may send work to ``address``: None when it may, a warning line when only
    ``--insecure-cluster`` allows it; :class:`ClusterRefused` when it may not.  Nothing is reached."""
    if parse_local(address) is not None:
        if trust.files_given:
            raise ClusterRefused("--tls-* go with a tls:// scheduler, not local:N (secured by captioner itself)")
        return None
    scheme, host = scheme_and_host(address)
    if scheme in SECURE_SCHEMES:
        tls_files(trust)
        return None
    if trust.files_given:
        raise ClusterRefused(f"--tls-* go with a tls:// scheduler address, not {address}")
    if scheme == "inproc" or is_loopback(host):
        return None
    if not trust.insecure:
        raise ClusterRefused(
            f"--scheduler {address}: an unencrypted scheduler off this machine takes work and answers from anyone "
            "who reaches it; use a tls:// address with --tls-ca-file/--tls-cert/--tls-key, "
            "or --insecure-cluster to accept that"
        )
    return (
        f"warning: the Dask cluster at {address} is neither encrypted nor authenticated (--insecure-cluster): "
        "whoever reaches it can change the captions and run code on this machine"
    )


def tls_files(trust: ClusterTrust) -> tuple[str, str, str]:
    """The CA, certificate and key for a ``tls://`` scheduler (the options', else Dask's
    configuration's), each checked to be a readable file; :class:`ClusterRefused` when one is not."""
    import dask.config

    chosen = {
        "--tls-ca-file": trust.ca_file or dask.config.get("distributed.comm.tls.ca-file", None),
        "--tls-cert": trust.cert or dask.config.get("distributed.comm.tls.client.cert", None),
        "--tls-key": trust.key or dask.config.get("distributed.comm.tls.client.key", None),
    }
    missing = [option for option, value in chosen.items() if not value]
    if missing:
        raise ClusterRefused(
            f"a tls:// scheduler needs {', '.join(missing)} (or Dask's distributed.comm.tls configuration)"
        )
    for option, value in chosen.items():
        _check_file(option, str(value))
    return str(chosen["--tls-ca-file"]), str(chosen["--tls-cert"]), str(chosen["--tls-key"])


def _check_file(option: str, value: str) -> None:
    if "-----BEGIN" in value:  # Dask's configuration may hold the PEM text itself
        return
    path = Path(value)
    try:
        if not path.is_file():
            raise ClusterRefused(f"{option} {path}: not a file")
        if path.stat().st_size > _MAX_PEM:
            raise ClusterRefused(f"{option} {path}: too large for a certificate or key")
        with path.open("rb"):
            pass
    except OSError as exc:
        raise ClusterRefused(f"{option} {path}: cannot be read: {exc.strerror or exc}") from None


def client_security(address: str, trust: ClusterTrust) -> Any:
    """The :class:`distributed.security.Security` for a ``tls://`` scheduler (None otherwise): the
    client's certificate, the cluster's authority, and encryption required."""
    if scheme_and_host(address)[0] not in SECURE_SCHEMES:
        return None
    from distributed.security import Security

    ca_file, cert, key = tls_files(trust)
    return Security(require_encryption=True, tls_ca_file=ca_file, tls_client_cert=cert, tls_client_key=key)


def local_security() -> Any:
    """A throwaway certificate for a ``local:N`` cluster (only its own processes hold it), or
    None without ``cryptography``: the cluster is then on 127.0.0.1 only, unencrypted."""
    from distributed.security import Security

    try:
        return Security.temporary()
    except ImportError:
        return None


def cluster_identity(address: str, trust: ClusterTrust) -> str:
    """The cluster's name in transcript cache keys: ``tls:ADDRESS ca-sha256:...`` (its authority's
    certificate), ``local-cluster``, or ``insecure:ADDRESS``; never the local engine's (see the
    module doc).  No secret goes into it: the CA certificate is public."""
    if parse_local(address) is not None:
        return "local-cluster"
    if scheme_and_host(address)[0] not in SECURE_SCHEMES:
        return f"insecure:{address}"
    ca_file = tls_files(trust)[0]
    ca = ca_file.encode() if "-----BEGIN" in ca_file else Path(ca_file).read_bytes()
    return f"tls:{address} ca-sha256:{hashlib.sha256(ca).hexdigest()[:16]}"
