"""A real Dask cluster for tests: a ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from distributed import Client

# A worker whose captioner claims another version, or whose embedded model another sha256: what a
# machine with another install looks like.
OTHER_VERSION = "0.0.1-other"
OTHER_SHA256 = "0123456789ab" * 5 + "cdef"
_OTHER_WORKER = (
    "import sys, captioner.version; from captioner.transcription.local import model_files; "
    "captioner.version.__version__ = {version!r}; model_files.EMBEDDED_SHA256 = {sha256!r}; "
    "from dask.__main__ import main; sys.argv = ['dask', 'worker', *sys.argv[1:]]; main()"
)


@dataclass
class Cluster:
    folder: Path
    scheduler: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)
    tls: tuple[str, ...] = ()  # a tls:// cluster: --protocol tls --tls-ca-file CA --tls-cert CERT --tls-key KEY

    @property
    def address(self) -> str:
        return json.loads((self.folder / "scheduler.json").read_text())["address"]

    def start_scheduler(self) -> None:
        self.scheduler = self._spawn("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", *self.tls)
        deadline = time.monotonic() + 60
        while not (self.folder / "scheduler.json").exists():
            if time.monotonic() > deadline or self.scheduler.poll() is not None:
                raise RuntimeError("the test's dask scheduler did not start")
            time.sleep(0.1)

    def start_worker(
        self, *, version: str | None = None, sha256: str | None = None, nanny: bool = True
    ) -> subprocess.Popen:
        """A ``dask worker`` of one thread; with ``version`` or ``sha256``, one that claims them."""
        args = ["--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1", "--memory-limit", "0"]
        args += ["--local-directory", str(self.folder), "--nanny" if nanny else "--no-nanny", *self.tls]
        if version is None and sha256 is None:
            worker = self._spawn("worker", *args)
        else:
            from captioner import __version__
            from captioner.transcription.local.model_files import EMBEDDED_SHA256

            code = _OTHER_WORKER.format(version=version or __version__, sha256=sha256 or EMBEDDED_SHA256)
            worker = self._spawn_command([sys.executable, "-c", code, "--scheduler-file", self._file(), *args])
        self.workers.append(worker)
        return worker

    def _file(self) -> str:
        return str(self.folder / "scheduler.json")

    def _spawn(self, command: str, *args: str) -> subprocess.Popen:
        return self._spawn_command([sys.executable, "-m", "dask", command, "--scheduler-file", self._file(), *args])

    def _spawn_command(self, cmd: list[str]) -> subprocess.Popen:
        with (self.folder / f"process-{len(self.workers)}-{time.monotonic_ns()}.log").open("ab") as log:
            return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def worker_running(client: Client, thread: threading.Thread, prefix: str) -> str:
    """The address of the first worker seen processing a task whose key starts with ``prefix``
    (the event a kill test waits for), while ``thread`` (the run) is alive; 300 s is a safety net."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and thread.is_alive():
        for address, keys in client.processing().items():
            if any(str(key).startswith(prefix) for key in keys):
                return address
        time.sleep(0.02)  # the scheduler is polled: it has no event a test can wait on
    raise AssertionError(f"no worker took a {prefix}* task")
