"""The worker side: a Dask worker plugin that loads the model once, and the tasks that use it.

A client registers a :class:`ModelPlugin` carrying its :class:`Fitness` (captioner's version, the
model and its sha256, the compute type).  On every worker, present or joining later, the plugin
compares the worker's own installation: a worker that matches loads the model and then offers
the plugin's resource (one unit per worker thread); one that does not is refused, says why
(:func:`plugin_status`) and never offers it.  The client submits its tasks with that resource,
so only fit workers, with the model loaded, ever run them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from distributed import WorkerPlugin, get_worker

from captioner.errors import CaptionerError
from captioner.transcription.cluster.replies import encode_failure, encode_guess, encode_piece
from captioner.transcription.cluster.wire import PackedAudio, PieceJob, unpack
from captioner.transcription.local.piecewise import AudioView, PieceResult
from captioner.version import __version__

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fitness:
    """What a worker must share with the client to decode the same words."""

    version: str
    model: str
    sha256: str
    compute_type: str

    def describe(self) -> str:
        return f"captioner {self.version}, model {self.model} (sha256 {self.sha256[:12]}, {self.compute_type})"

    @property
    def key(self) -> str:
        """The plugin's and the resource's name: one per fitness, so clients that want different
        models can share a cluster."""
        digest = hashlib.sha256(repr(self).encode()).hexdigest()[:12]
        return f"captioner-{digest}"


def fitness_here(model: str, compute_type: str) -> Fitness:
    """This installation's fitness for ``model``: the embedded model's sha256 is the one its
    packages declare (checked again when it is joined); another model's is its file's."""
    from captioner.media.hashing import file_sha256
    from captioner.transcription.local.model_files import EMBEDDED_MODEL, EMBEDDED_SHA256, resolve_model

    if model == EMBEDDED_MODEL:
        sha256 = EMBEDDED_SHA256
    else:
        from pathlib import Path

        sha256 = file_sha256(Path(resolve_model(model)) / "model.bin")
    return Fitness(__version__, model, sha256, compute_type)


class ModelPlugin(WorkerPlugin):
    """Loads the client's model on a fit worker, once; refuses an unfit one (see the module doc)."""

    # A later client that wants the same (its name says so) finds it in place: the model is not
    # loaded again, and the pieces of a client already running are not left without it meanwhile.
    idempotent = True

    def __init__(self, wanted: Fitness) -> None:
        self.wanted = wanted
        self.name = wanted.key
        self.backend: Any = None
        self.refusal: str | None = None

    async def setup(self, worker: Any) -> None:
        loop = asyncio.get_running_loop()
        threads = max(1, int(worker.state.nthreads))
        try:
            mine = await loop.run_in_executor(None, fitness_here, self.wanted.model, self.wanted.compute_type)
            if mine != self.wanted:
                self.refusal = f"it has {mine.describe()}; the client has {self.wanted.describe()}"
            else:
                self.backend = await loop.run_in_executor(None, _load, self.wanted, threads)
        except CaptionerError as exc:
            self.refusal = f"it cannot load the model: {exc}"
        if self.refusal is not None:
            log.warning("captioner: this worker is refused: %s", self.refusal)
            return
        await worker.set_resources(**{self.name: threads})


def _load(wanted: Fitness, threads: int) -> Any:
    from captioner.transcription.local.engine import LocalBackend

    # One CPU thread per Dask thread: a worker runs as many pieces at once as it has threads.
    return LocalBackend(wanted.model, threads=threads, workers=threads, compute_type=wanted.compute_type)


def plugin_status(name: str, dask_worker: Any = None) -> bytes:
    """``[ready, why refused]`` of the plugin ``name`` on this worker, as JSON (the client takes
    bytes only: see :mod:`~captioner.transcription.cluster.replies`); run through ``Client.run``."""
    plugin = dask_worker.plugins.get(name) if dask_worker is not None else None
    if plugin is None:
        return json.dumps([False, "the plugin is not set up there"]).encode()
    return json.dumps([plugin.backend is not None, plugin.refusal]).encode()


def _plugin(worker: Any, name: str) -> ModelPlugin:
    """The worker's model plugin (set up by :class:`ModelPlugin` before any task reaches it)."""
    plugin = worker.plugins[name]
    assert isinstance(plugin, ModelPlugin)
    return plugin


def decode_piece(job: PieceJob) -> bytes:
    """The task: one piece decoded with the worker's model, as JSON (:func:`encode_piece`).  A
    failure that would happen anywhere comes back as one too (:func:`encode_failure`); anything
    else is raised, for Dask to retry."""
    worker = get_worker()
    backend = _plugin(worker, job.plugin).backend
    started = time.monotonic()
    try:
        view = AudioView(unpack(job.audio), job.first, job.total)
        result: PieceResult = backend.transcribe_piece(view, job.chunk, job.options, job.start)
    except CaptionerError as exc:
        return encode_failure(str(exc))
    result.worker = worker.address
    result.seconds = time.monotonic() - started
    return encode_piece(result)


def guess_language(plugin: str, audio: PackedAudio) -> bytes:
    """The task that guesses a file's language from its opening, so that its later pieces can
    start before its first is done (the guess is checked against the first piece's result)."""
    backend = _plugin(get_worker(), plugin).backend
    try:
        language, probability, _ = backend.detect_language(unpack(audio))
    except CaptionerError:
        return encode_guess(None)
    return encode_guess((language, float(probability)))
