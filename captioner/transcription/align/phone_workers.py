"""The phone aligner on every core: PocketSphinx in worker processes.

PocketSphinx keeps the GIL while it aligns, so threads cannot share its work; after a piece is
heard (CTranslate2, on every core), its windows' phone alignments would run on one core while
the others wait (2.4 s of the 10 s it takes to align the 3.7-minute reading).  So they go to
worker processes, one a core: each is ``python -m captioner.transcription.align.phone_workers``,
a plain child process (not ``multiprocessing``, which would import the caller's ``__main__``
again).  It reads requests on its stdin and answers on its stdout in length-prefixed frames: the
words as JSON and the 16-bit PCM in, :meth:`PhoneAligner.time_pcm`'s answer out as JSON.  A
worker ignores Ctrl-C (the parent stops it) and ends when its stdin closes, as it does when the
parent is gone.  A worker that fails (it died, it cannot start) leaves its stretches to the
parent's own aligner: the answers never depend on where they were computed.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO

from captioner import interrupt
from captioner.transcription.align.phones import PhoneAligner, PhoneTimed

_HEADER = struct.Struct(">Q")
MAX_FRAME = 64 * 1024 * 1024  # a stretch is at most a 30 s window: 1 MB of PCM
Answer = list[PhoneTimed | None] | None
Job = tuple[Sequence[str], bytes]  # (words, 16-bit PCM)


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        interrupt.mark(f"phone-worker-{self.process.pid}")

    def ask(self, job: Job) -> Answer:
        assert self.process.stdin is not None and self.process.stdout is not None
        words, pcm = job
        _send(self.process.stdin, json.dumps(list(words)).encode(), pcm)
        answer = json.loads(_receive(self.process.stdout))
        if answer is None:
            return None
        return [None if t is None else PhoneTimed(float(t[0]), float(t[1])) for t in answer]

    def close(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        try:
            self.process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class PhoneWorkers:
    """Up to ``count`` worker processes, started at once (they load in the background), and the
    parent's own :class:`PhoneAligner` for what they cannot do.  Close it (or use ``with``)."""

    def __init__(self, count: int) -> None:
        self.local = PhoneAligner()
        self._workers: list[_Worker] = []
        for _ in range(count if count > 1 else 0):
            try:
                self._workers.append(_Worker())
            except OSError:
                break

    def __enter__(self) -> PhoneWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def time_all(self, jobs: Sequence[Job]) -> list[Answer]:
        """Each job's :meth:`PhoneAligner.time_pcm`, the jobs shared among the workers."""
        if len(jobs) < 2 or not self._workers:
            return [self.local.time_pcm(pcm, words) for words, pcm in jobs]
        answers: list[Answer] = [None] * len(jobs)
        done = [False] * len(jobs)
        todo = iter(range(len(jobs)))
        lock = threading.Lock()

        def serve(worker: _Worker) -> None:
            while True:
                with lock:
                    index = next(todo, None)
                if index is None:
                    return
                try:
                    answers[index] = worker.ask(jobs[index])
                except (OSError, EOFError, ValueError, TypeError, IndexError):
                    return  # this worker is gone: its job is done here, below
                done[index] = True

        interrupt.mark("aligning-phones")
        threads = [threading.Thread(target=serve, args=(w,), daemon=True) for w in self._workers]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        except BaseException:
            self.close()  # Ctrl-C: the workers are stopped, not waited for
            raise
        lost = [k for k, ok in enumerate(done) if not ok]
        if lost:
            self._drop_dead()
        for k in lost:
            words, pcm = jobs[k]
            answers[k] = self.local.time_pcm(pcm, words)
        return answers

    def _drop_dead(self) -> None:
        alive = []
        for worker in self._workers:
            if worker.process.poll() is None:
                alive.append(worker)
            else:
                worker.close()
        self._workers = alive

    def close(self) -> None:
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.close()


def _send(stream: IO[bytes], *frames: bytes) -> None:
    stream.write(b"".join(_HEADER.pack(len(frame)) + frame for frame in frames))
    stream.flush()


def _receive(stream: IO[bytes]) -> bytes:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the phone worker ended")
    (size,) = _HEADER.unpack(header)
    if size > MAX_FRAME:
        raise ValueError(f"a phone worker frame of {size} bytes")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the phone worker ended")
    return data


def serve() -> None:
    """A worker's loop (see the module): requests from stdin, answers to stdout, until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin, stdout = sys.stdin.buffer, os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever else writes to stdout (a library's message) must not end up in the answers
    aligner = PhoneAligner()
    while True:
        try:
            words, pcm = json.loads(_receive(stdin)), _receive(stdin)
        except EOFError:
            return
        try:
            found = aligner.time_pcm(pcm, words)
            answer = None if found is None else [None if t is None else [t.start, t.end] for t in found]
        except Exception:  # a bug in one stretch: the parent times it itself
            answer = None
        _send(stdout, json.dumps(answer).encode())


if __name__ == "__main__":
    serve()
