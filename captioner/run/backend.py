"""The run's backend, created on first use (one model load for the whole run)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from captioner import interrupt
from captioner.errors import CaptionerError, RunError
from captioner.run.budget import ByteBudget
from captioner.run.recipe import DEFAULT_MODEL, BackendSpec
from captioner.transcription.aixplain import DEFAULT_JOBS, DEFAULT_TIMEOUT
from captioner.transcription.base import Backend, Capabilities

if TYPE_CHECKING:
    from captioner.transcription.cluster.media_map import MediaMap

BackendFactory = Callable[[], Backend]


# Called with the number of files the run transcribes at once (see LazyBackend.fix_files_at_once).
SizedBackendFactory = Callable[[int], Backend]

# Files a cluster gets at once, at most, unless --jobs says otherwise (and the files whose cache
# entries are looked up before the first is sent).  It was 32, for the decoded audio each file
# holds here: benchmarks/cluster_sim.py found it the ceiling of a cluster of 100 workers (32 busy
# at most, reading the media themselves).  The byte budget below bounds that audio now.
CLUSTER_FILES_AT_ONCE = 1024
# The decoded audio the files out on a cluster may hold at once on this machine (captioner.run.budget):
# 1 GB is 2.2 hours of audio at 128 kB a second (float samples, their copies and FLAC), 26 five-minute pieces.
CLUSTER_INFLIGHT_MB = 1024


class LazyBackend:
    """Creates the backend (loads the model) on first use, once for the whole run.

    ``spec`` (or, for a backend made by the caller, ``identity`` and ``capabilities``) names the
    backend and model without creating it (no model load), so that a run whose transcripts all come
    from the cache never loads a model, and says what it takes.  No name disables the cache.
    With ``preload``, :meth:`start` creates it in a background thread once a run knows it will
    transcribe (the local model loads while the first file's audio is decoded).

    Files transcribed at the same time are either fixed, ``concurrent_files`` (a remote backend:
    the files wait on a service, not on this machine's cores; ``factory()`` takes no argument),
    or, with ``max_concurrent_files``, planned by :meth:`fix_files_at_once` before the backend is created: as
    many as there are files to transcribe, at most ``max_concurrent_files``, and ``factory(n)``
    makes a backend for ``n`` at once (the local engine shares the cores among them).
    """

    def __init__(
        self,
        factory: BackendFactory | SizedBackendFactory,
        identity: dict[str, str] | None = None,
        concurrent_files: int = 1,
        *,
        max_concurrent_files: int | None = None,
        capabilities: Capabilities | None = None,
        spec: BackendSpec | None = None,
        preload: bool = False,
    ) -> None:
        self._factory = factory
        if spec is None and identity is not None:  # a backend made by the caller, named by ``identity``
            spec = BackendSpec("given", None, None, tuple(identity.items()), capabilities or Capabilities())
        self.spec = spec  # what it is, and what it takes (None: unnamed, its transcripts not cached)
        self.capabilities = spec.capabilities if spec is not None else capabilities or Capabilities()
        self._backend: Backend | None = None
        self.max_concurrent_files = None if max_concurrent_files is None else max(1, int(max_concurrent_files))
        self.concurrent_files = 1 if self.max_concurrent_files is not None else max(1, int(concurrent_files))
        self._lock = threading.Lock()
        self._failure: BaseException | None = None
        self._sized = self.max_concurrent_files is not None  # factory(files at once)
        self.preload = preload
        self.budget: ByteBudget | None = None  # the bytes of decoded audio the files may hold at once
        self.reads: MediaMap | None = None  # files a cluster's workers read themselves (--workers-read-media)

    @property
    def identity(self) -> dict[str, str] | None:
        """The backend's name in cache keys (None: its transcripts are not cached)."""
        return None if self.spec is None else self.spec.identity

    @property
    def files_at_once_open(self) -> bool:
        """Whether :meth:`fix_files_at_once` can still choose the files at once (planned, not yet created)."""
        return self.max_concurrent_files is not None and self._backend is None

    def fix_files_at_once(self, files: int) -> int:
        """Fix the files transcribed at once for ``files`` files to transcribe, unless that is fixed
        already (a fixed count, or a backend created by an earlier run); returns the count."""
        with self._lock:
            if self.max_concurrent_files is not None and self._backend is None:
                self.concurrent_files = max(1, min(self.max_concurrent_files, files))
            return self.concurrent_files

    def start(self) -> None:
        """With ``preload``, begin creating the backend in a background thread; a failure there is
        kept by :meth:`get`, which raises it to the run."""
        if not self.preload or self._backend is not None:
            return

        def load() -> None:
            try:
                self.get()
            except BaseException:  # noqa: S110 - the run's own get() raises it, where it is handled
                pass

        interrupt.in_background(load, "captioner-model-load")

    def get(self) -> Backend:
        with self._lock:
            return self._create()

    def _create(self) -> Backend:
        """The backend, created on the first call (under the lock); a creation that failed fails
        again at once for the files after it, without a second try (a second model load, say)."""
        if self._backend is None:
            if self._failure is not None:
                raise self._failure
            try:
                if self._sized:
                    self._backend = self._factory(self.concurrent_files)  # type: ignore[call-arg]
                else:
                    self._backend = self._factory()  # type: ignore[call-arg]
            except CaptionerError as exc:
                self._failure = exc
                raise
        return self._backend

    def close(self) -> None:
        """Let the backend go at the end of the work (a cluster backend disconnects).  A later use
        fails at once: a file still being read when a run stopped must not create it again (a
        cluster backend would wait for a scheduler that is gone)."""
        with self._lock:
            backend, self._backend = self._backend, None
            self._failure = RunError("the work has ended: its backend was closed")
        close = getattr(backend, "close", None)
        if close is not None:
            close()


class ClusterLazyBackend(LazyBackend):
    """The cluster backend, created (connected) only once a run has files to transcribe, which
    then go to the cluster as many at once as it says (``files_at_once``: twice its fit workers'
    threads when it connects) up to CLUSTER_FILES_AT_ONCE, or ``jobs`` at once when that is
    given: workers that join later (a batch queue starting them one by one) then get files too.
    The decoded audio those files hold here waits for its share of ``budget``."""

    def __init__(
        self,
        factory: BackendFactory,
        identity: dict[str, str] | None = None,
        jobs: int | None = None,
        *,
        spec: BackendSpec | None = None,
        inflight_mb: float = CLUSTER_INFLIGHT_MB,
    ) -> None:
        super().__init__(factory, identity, max_concurrent_files=jobs or CLUSTER_FILES_AT_ONCE, spec=spec)
        self._sized = False  # the factory takes no count: the cluster's workers give it
        self._jobs = jobs
        self.budget = ByteBudget(int(inflight_mb * 1024 * 1024))

    def fix_files_at_once(self, files: int) -> int:
        with self._lock:
            if self._backend is None and files > 0:
                backend = self._create()
                if self._jobs is not None:
                    count = min(files, self._jobs)
                else:  # the byte budget, not a count, bounds the audio they hold here
                    count = min(files, getattr(backend, "files_at_once", 1))
                self.concurrent_files = max(1, count)
            return self.concurrent_files


def make_backend(
    spec: BackendSpec | str = "local",
    *,
    threads: int | None = None,
    jobs: int | None = None,
    api_key_file: str | os.PathLike[str] | None = None,
    aixplain_timeout: float = DEFAULT_TIMEOUT,
    cluster_inflight_mb: float = CLUSTER_INFLIGHT_MB,
    workers_read_media: MediaMap | None = None,
) -> LazyBackend:
    """The backend ``spec`` names (a kind: its default model), created (model loaded, key read)
    only when a file first needs it.  ``jobs``: files at once (local: at most, sharing
    ``threads``; aiXplain: requests in flight; a cluster: at most).  A cluster's trust is checked
    by the caller (see ``access.check_access``); the decoded audio of its files in flight is held
    to ``cluster_inflight_mb`` (see :mod:`captioner.run.budget`), and ``workers_read_media`` names
    the files its workers read themselves."""
    if isinstance(spec, str):
        spec = BackendSpec.named(spec)
    if spec.kind == "cluster":
        lazy = _cluster_backend(spec, jobs, cluster_inflight_mb)
        lazy.reads = workers_read_media
        return lazy
    if spec.kind == "aixplain":
        in_flight = jobs or DEFAULT_JOBS
        model_id = spec.model

        def make_aixplain() -> Backend:
            from captioner.transcription.aixplain.backend import AixplainBackend

            return AixplainBackend(
                api_key_file=api_key_file, model_id=model_id, timeout=aixplain_timeout, jobs=in_flight
            )

        return LazyBackend(make_aixplain, spec=spec, concurrent_files=in_flight)
    if spec.kind != "local":
        raise ValueError(f"a {spec.kind} backend is made by its caller")
    from captioner.transcription.local.engine import default_threads

    cores = threads or default_threads()
    model = spec.model

    def make_local(files_at_once: int) -> Backend:
        from captioner.transcription.local.engine import LocalBackend

        return LocalBackend(model, threads=cores, workers=files_at_once)

    # The run picks the files at once (LazyBackend.fix_files_at_once): by default a batch on N
    # threads runs N files of one thread each (20 short clips on 2 cores: 24.8 s, against 42.6 s
    # one at a time on both), while a lone file keeps every thread.
    # preload: the model loads while the first file is probed and decoded (LazyBackend.start).
    return LazyBackend(make_local, spec=spec, max_concurrent_files=jobs or cores, preload=True)


def _cluster_backend(
    spec: BackendSpec, jobs: int | None = None, inflight_mb: float = CLUSTER_INFLIGHT_MB
) -> LazyBackend:
    """The local engine on the Dask cluster ``spec`` names (``local:N``: a cluster on this machine)."""
    scheduler, model, trust = spec.endpoint, spec.model, spec.trust
    assert scheduler is not None

    def connect() -> Backend:
        from captioner.transcription.cluster.backend import ClusterBackend

        return ClusterBackend(scheduler, model or DEFAULT_MODEL, trust=trust)

    return ClusterLazyBackend(connect, spec=spec, jobs=jobs, inflight_mb=inflight_mb)
