"""Ctrl-C that takes effect at once, also while native code runs.

Python runs signal handlers in the main thread, between bytecodes: while the main thread is inside
one CTranslate2 or onnxruntime call (loading the model, the beam search of a 30 s window: 3-6 s on
two cores, the VAD of a 5-minute piece: 2 s) a Ctrl-C waits for the call to return.  :func:`call`
runs such a call in a helper thread while the caller waits in a way a signal interrupts: the
KeyboardInterrupt is raised in the caller at once, and the call, which leaves nothing behind (it
writes no file), is abandoned to its daemon thread.

Other threads are not interrupted by signals, nor are their blocking reads: once :func:`stop` was
called (the run is ending), their calls raise :class:`Stopped` within ``POLL`` seconds instead of
waiting for the result, so that they too clean up (an aiXplain request that gets no answer, say).

A process that abandoned a call must not finalise the interpreter while the call runs (it would
free what the call uses): :func:`finish` gives the other threads ``GRACE`` seconds to clean up,
then, if anything is still running, runs the exit handlers (``atexit``) and exits with ``os._exit``.

Test markers (the one test-only hook; off unless ``CAPTIONER_TEST_MARKERS`` names a folder, read
once at import): an empty file in that folder says where a run is, so that a test sends its Ctrl-C
at an event instead of after a guessed number of seconds.  A normal run never sets the variable,
and the markers change nothing but the files in that folder.

- ``running-<name>.<thread id>``: while a :func:`call` (``<name>``: the function's, ``generate``
  for a beam search) or :func:`in_background` work (``<name>``: the thread's) runs; removed
  when it returns, so one left after the process ended is a call the Ctrl-C did not wait for.
- ``transcribing-<file name>``: once a file's transcription begins.
- ``decoding-<ffmpeg pid>``: once :func:`captioner.media.pcm.decoding` started an ffmpeg.
- ``phone-worker-<pid>``, ``aligning-phones``: a phone aligner's worker process started, and
  stretches sent to the workers (:mod:`captioner.transcription.align.phone_workers`).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")

POLL = 0.1  # how often a waiting worker thread looks at the stop flag, seconds
GRACE = 0.5  # how long finish() waits for the other threads, seconds

_stopping = threading.Event()
_lock = threading.Lock()
_busy = 0  # native calls running in helper threads
_local = threading.local()
_markers = os.environ.get("CAPTIONER_TEST_MARKERS") or None  # see the module's docstring


def mark(event: str) -> None:
    """Create the test marker ``event`` (see the module's docstring); nothing without the variable."""
    if _markers is not None:
        with contextlib.suppress(OSError):
            Path(_markers, event).touch()


def _unmark(event: str) -> None:
    if _markers is not None:
        with contextlib.suppress(OSError):
            Path(_markers, event).unlink()


def _running(name: str) -> str:
    """The marker of the calling thread's running call or work (see the module's docstring)."""
    event = f"running-{name}.{threading.get_native_id()}"
    mark(event)
    return event


class Stopped(KeyboardInterrupt):
    """Raised in a worker thread, instead of its call's result, once the run was stopped."""


def stop() -> None:
    """Make every waiting :func:`call` in a thread other than the main one raise :class:`Stopped`."""
    _stopping.set()


def stopping() -> bool:
    """Whether :func:`stop` was called: a thread that waits in steps of its own ends at the next."""
    return _stopping.is_set()


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)``, run in a helper thread so that the caller can be interrupted.

    For calls that write no file (native computations, requests): an interrupted caller leaves
    the call running."""
    if getattr(_local, "helper", False):
        return fn(*args, **kwargs)
    main = threading.current_thread() is threading.main_thread()
    if not main and _stopping.is_set():
        raise Stopped
    outcome: list[tuple[bool, Any]] = []
    done = threading.Event()

    def run() -> None:
        global _busy
        _local.helper = True
        event = _running(getattr(fn, "__name__", "call"))
        try:
            outcome.append((True, fn(*args, **kwargs)))
        except BaseException as exc:
            outcome.append((False, exc))
        finally:
            _unmark(event)
            with _lock:
                _busy -= 1
            done.set()

    global _busy
    with _lock:
        _busy += 1
    threading.Thread(target=run, name=f"captioner-native-{getattr(fn, '__name__', 'call')}", daemon=True).start()
    if main:
        done.wait()  # a signal interrupts the wait: KeyboardInterrupt here, at once
    else:
        while not done.wait(POLL):
            if _stopping.is_set():
                raise Stopped
    ok, value = outcome.pop()
    if ok:
        return value
    try:
        raise value
    finally:
        del value


def in_background(fn: Callable[[], None], name: str) -> None:
    """Start ``fn`` in a daemon thread counted as a native call while it runs, so that
    :func:`finish` never finalises the interpreter under it (a model loading in the background,
    say: CTranslate2 aborts the process, "terminate called without an active exception", when the
    interpreter is torn down under its load)."""
    global _busy

    def run() -> None:
        global _busy
        _local.helper = True  # its own calls run inline: this thread is the helper
        event = _running(name)
        try:
            fn()
        finally:
            _unmark(event)
            with _lock:
                _busy -= 1

    with _lock:
        _busy += 1
    threading.Thread(target=run, name=name, daemon=True).start()


class NativeCalls:
    """``obj`` (a CTranslate2 model, say) whose methods run through :func:`call`."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._obj, name)
        if not callable(value):
            return value

        def method(*args: Any, **kwargs: Any) -> Any:
            return call(value, *args, **kwargs)

        method.__name__ = name
        return method


def finish(code: int, grace: float = GRACE) -> NoReturn:
    """End an interrupted process with ``code``: stop the other threads, give them ``grace``
    seconds to clean up (a second Ctrl-C cuts that short), then exit; with ``os._exit`` when a
    native call or a thread is still running (the interpreter would wait for, or crash under, it)."""
    stop()
    current = threading.current_thread()
    try:
        deadline = time.monotonic() + grace
        for thread in threading.enumerate():
            if thread is not current and not thread.daemon:
                thread.join(max(0.0, deadline - time.monotonic()))
        clean = _busy == 0 and not [t for t in threading.enumerate() if t is not current and not t.daemon]
    except KeyboardInterrupt:
        clean = False
    if clean:
        sys.exit(code)
    atexit._run_exitfuncs()  # what the interpreter's exit would run: temporary folders removed, logs flushed
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
