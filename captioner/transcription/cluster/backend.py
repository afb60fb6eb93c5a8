"""The cluster backend: a Dask client, the workers fit to decode, and one fan-out per file."""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

import numpy as np

from captioner.core.transcript import Transcript
from captioner.errors import RunError
from captioner.media.urls import UrlLimits
from captioner.transcription.base import Capabilities, ProgressCallback, TranscribeOptions, media_name
from captioner.transcription.cluster import parse_local
from captioner.transcription.cluster.access import (
    ClusterRefused,
    ClusterTrust,
    check_access,
    client_security,
    local_security,
)
from captioner.transcription.cluster.fanout import FileFanOut
from captioner.transcription.cluster.media_map import MediaRef
from captioner.transcription.cluster.replies import DESERIALIZERS, refuse_pickled_errors
from captioner.transcription.cluster.whole_file import transcribe_by_reference
from captioner.transcription.cluster.worker import ModelPlugin, fitness_here, plugin_status
from captioner.transcription.local.engine import DEFAULT_COMPUTE_TYPE, PIECE_SECONDS, local_identity

log = logging.getLogger("captioner.cluster")

WAIT_FOR_WORKERS = 60.0  # seconds a cluster with no worker yet (a batch queue starting them) is given
NO_WORKER_TIMEOUT = 120.0  # seconds without any fit worker, mid-run, before the run stops
CHECK_EVERY = 5.0  # seconds between looks at the workers while pieces are waiting


class ClusterBackend:
    """The local engine on a Dask cluster's workers (see :mod:`captioner.transcription.cluster`).

    Creating it connects to ``address`` (``tls://HOST:8786`` with ``trust``'s certificates, a
    plain one, or ``local:N``: see :mod:`~captioner.transcription.cluster.access`, which the caller
    asked first), registers the model plugin and waits until a worker is fit; a run-wide
    :class:`RunError` when it cannot.
    """

    name = "cluster"
    capabilities = Capabilities(prompt=True, urls=False)

    def __init__(
        self,
        address: str,
        model: str | None = None,
        *,
        compute_type: str = DEFAULT_COMPUTE_TYPE,
        piece_seconds: float = PIECE_SECONDS,
        batched: bool = True,
        wait_for_workers: float = WAIT_FOR_WORKERS,
        trust: ClusterTrust | None = None,
    ) -> None:
        self.address = address
        self.trust = trust or ClusterTrust()
        self.model_name = str(model) if model else "base"
        self.compute_type = compute_type
        self.piece_seconds = piece_seconds
        self.batched = batched
        self.wanted = fitness_here(self.model_name, compute_type)
        self.plugin = self.wanted.key
        self._local: Any = None
        self._closed = threading.Event()
        self._no_worker_since: float | None = None
        self._lost = False
        self.client = self._connect(address)
        try:
            self.threads = self._register(wait_for_workers)
        except BaseException:
            self.close()
            raise
        threading.Thread(target=self._watch_workers, name="captioner-cluster-watch", daemon=True).start()

    def identity(self) -> dict[str, str]:
        """The local engine's: the same pieces give the same words, so they share the cache."""
        return local_identity(self.model_name, self.compute_type)

    @property
    def files_at_once(self) -> int:
        """Files worth sending at once: two per thread of the fit workers, so that a worker has the
        next file's audio waiting while its last one is read, packed and written on this machine
        (20 short clips on 2 workers: 33.7-41.2 s against 40.7-48.2 s with one per thread)."""
        return 2 * max(1, self.threads)

    def transcribe(
        self, audio: np.ndarray, options: TranscribeOptions, progress: ProgressCallback | None = None
    ) -> Transcript:
        return FileFanOut(self, audio, options, progress, media_name.get() or "audio").run()

    def transcribe_reference(
        self,
        ref: MediaRef,
        options: TranscribeOptions,
        *,
        stream: int = 0,
        seconds: float | None = None,
        limits: UrlLimits | None = None,
        expected_hash: str | None = None,
    ) -> tuple[Transcript, str]:
        """A file the workers read themselves (``--workers-read-media``): its transcript and the
        hash of the audio they read (see :mod:`~captioner.transcription.cluster.whole_file`)."""
        limits = limits or UrlLimits()
        return transcribe_by_reference(
            self, ref, options, stream=stream, seconds=seconds, limits=limits, expected_hash=expected_hash
        )

    def submit(self, fn: Any, *args: Any, key: str, retries: int, priority: int = 0) -> Any:
        """A task for a fit worker (one holding the model plugin's resource)."""
        return self.client.submit(
            fn, *args, key=key, retries=retries, priority=priority, resources={self.plugin: 1}, pure=False
        )

    def lost(self) -> str:
        """The message of a run ended by a scheduler gone away (the client is then not closed:
        that would wait for its attempts to reconnect, 30 s by default)."""
        self._lost = True
        return f"lost the connection to the Dask scheduler at {self.address}"

    def close(self) -> None:
        """Disconnect (the workers keep the model for the next client); stop a ``local:N`` cluster."""
        self._closed.set()
        self._stop_local_workers()
        client = None if self._lost else getattr(self, "client", None)
        for closing in (client, self._local):
            if closing is not None:
                try:
                    closing.close()
                except Exception:  # already gone
                    pass

    def _stop_local_workers(self) -> None:
        """End a ``local:N`` cluster's worker processes at once: they hold nothing to keep, and a
        worker in the middle of a piece would make Dask's own close wait seconds for it (also at
        the exit after Ctrl-C: registered with atexit, this runs before Dask's handler)."""
        for nanny in list(getattr(self._local, "workers", {}).values()):
            pid = getattr(nanny, "pid", None)
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:  # already gone
                    pass

    # -- connecting and checking -----------------------------------------------------------
    def _connect(self, address: str) -> Any:
        from distributed import Client, LocalCluster

        try:  # the command line asked already (and warned); a library caller is held to it too
            check_access(address, self.trust)
        except ClusterRefused as exc:
            raise RunError(str(exc)) from None
        workers = parse_local(address)
        if workers is not None:
            # Its worker processes are ended at once when the run ends (see _stop_local_workers):
            # multiprocessing's resource tracker would then warn, at exit, of the semaphores the
            # nannies kept for them.  It reads the warning options it is started with.
            sys.warnoptions.append("ignore:resource_tracker:UserWarning")
            # A throwaway certificate only its own processes hold: another user of the machine
            # cannot join it (on 127.0.0.1 anyway).
            self._local = LocalCluster(
                n_workers=workers,
                security=local_security(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                # no dashboard, but the scheduler's HTTP server (metrics) is there anyway: on any
                # free port, not on 8787, where another cluster may be (Dask would warn of it)
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR,
            )
            atexit.register(self._stop_local_workers)
            return _guarded(Client(self._local, set_as_default=False, deserializers=DESERIALIZERS))
        try:
            security = client_security(address, self.trust)
            client = Client(address, set_as_default=False, security=security, deserializers=DESERIALIZERS)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            cause = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise RunError(f"cannot reach the Dask scheduler at {address}: {cause}") from None
        return _guarded(client)

    def _register(self, wait_seconds: float) -> int:
        """Set the model plugin up on every worker; the threads of the fit ones, once there are any."""
        self.client.register_plugin(ModelPlugin(self.wanted), name=self.plugin)
        deadline = time.monotonic() + wait_seconds
        told: set[str] = set()
        while True:
            statuses = _statuses(self.client.run(plugin_status, self.plugin))
            refused = {address: why for address, (_, why) in statuses.items() if why}
            for address in sorted(set(refused) - told):
                log.warning("worker %s refused: %s", address, refused[address])
            told |= set(refused)
            threads = self._fit_threads()
            if threads:
                return threads
            if statuses and len(refused) == len(statuses):
                address, why = sorted(refused.items())[0]
                raise RunError(f"no worker of the Dask cluster at {self.address} can take the work: {address}: {why}")
            if time.monotonic() > deadline:
                raise RunError(f"no worker of the Dask cluster at {self.address} was ready within {wait_seconds:.0f} s")
            time.sleep(1.0)

    def _fit_threads(self) -> int:
        try:
            info = self.client.scheduler_info(n_workers=-1)  # every worker, not the first five
        except TypeError:  # distributed before 2025: every worker anyway
            info = self.client.scheduler_info()
        workers = info.get("workers", {})
        return int(sum(w.get("resources", {}).get(self.plugin, 0) for w in workers.values()))

    def check_workers(self) -> None:
        """While pieces wait: stop the run once no fit worker has been there for NO_WORKER_TIMEOUT
        (see :meth:`_watch_workers`, which looks, in its own thread: a look may block for long).
        A client that lost its scheduler ends the run at once: Dask cancelled every piece it had,
        and a piece sent since waits for a reconnection that would not bring those back."""
        if self._lost or self.client.status != "running":
            raise RunError(self.lost())
        since = self._no_worker_since
        if since is not None and time.monotonic() - since > NO_WORKER_TIMEOUT:
            raise RunError(f"no worker of the Dask cluster at {self.address} can take the work any more")

    def _watch_workers(self) -> None:
        while not self._closed.wait(CHECK_EVERY):
            if self._lost or self.client.status != "running":
                continue
            try:
                fit = self._fit_threads()
            except Exception:  # the scheduler is gone: the pieces' futures say so
                continue
            if fit:
                self._no_worker_since = None
            elif self._no_worker_since is None:
                self._no_worker_since = time.monotonic()


def _guarded(client: Any) -> Any:
    """``client`` made to record a failed task without unpickling the worker's exception."""
    refuse_pickled_errors(client)
    return client


def _statuses(answers: dict[str, Any]) -> dict[str, tuple[bool, str | None]]:
    """The workers' ``plugin_status`` JSON: (ready, why refused), a worker that answered anything
    else counted as refused (its answer is not quoted)."""
    statuses: dict[str, tuple[bool, str | None]] = {}
    for address, answer in answers.items():
        try:
            ready, why = json.loads(answer) if type(answer) is bytes and len(answer) < 4096 else (None, None)
        except ValueError:
            ready, why = None, None
        if not isinstance(ready, bool) or not (why is None or isinstance(why, str)):
            ready, why = False, "it answered the plugin's status with something else"
        statuses[str(address)[:200]] = (ready, None if why is None else why[:300])
    return statuses
