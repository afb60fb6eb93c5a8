"""Output to a closed pipe never stops or fails the work.

``captioner talk.mp4 2>&1 | head -1`` (a CI step shortening its log) closes the pipe after one
line.  Python ignores SIGPIPE, so the next line written raised BrokenPipeError, a failure of the
file being reported (exit 1), though its captions were written.  A Unix filter would die of the
signal there (exit 141); captioner's output is a report of work that goes on, so it does not:
stdout and stderr are given a lowest layer that, on the first EPIPE, points the descriptor at
/dev/null (what the Python documentation advises for BrokenPipeError) and carries on.  Every file
of the batch is captioned and the exit status is what it would have been.
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any


class _PipeEnd(io.FileIO):
    """A standard stream's descriptor that, once its reader is gone, writes to /dev/null."""

    def write(self, data: Any) -> int:
        try:
            return super().write(data)
        except BrokenPipeError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self.fileno())  # every later writer of this descriptor too
            finally:
                os.close(devnull)
            return len(memoryview(data))


def survive_closed_pipes() -> None:
    """Give ``sys.stdout`` and ``sys.stderr`` the layer above (the real streams of a process;
    a stream without a descriptor, as in tests run in-process, is left as it is)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            fd = stream.fileno()
            encoding, errors, line_buffering = stream.encoding, stream.errors, stream.line_buffering
        except (AttributeError, OSError, ValueError):
            continue
        stream.flush()
        raw = _PipeEnd(fd, "w", closefd=False)
        wrapped = io.TextIOWrapper(
            io.BufferedWriter(raw),
            encoding=encoding,
            errors=errors,
            line_buffering=line_buffering,
            write_through=name == "stderr",  # stderr stays unbuffered, as Python's own
        )
        setattr(sys, name, wrapped)
