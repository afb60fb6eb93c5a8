"""At most two malloc arenas in a ``captioner`` process (glibc).

glibc gives threads that allocate at the same time arenas of their own, up to eight a core, and
an arena keeps what its thread freed for that thread.  captioner's threads (CTranslate2's, the
model loading in the background, files decoded at once, audio read while the model works) each
end up holding freed memory nobody else reuses: an hour of audio peaked at 951 MB RSS with the
default, 758 MB with two arenas, in 159 s and 168 s wall (`benchmarks/library.py --part memory`,
2 cores; the 3.7-minute reading 501-522 MB and 468-480 MB, the same speed within noise).  This is
``MALLOC_ARENA_MAX=2``, set from inside the process, for the command line only (a program that
imports captioner keeps its own settings); an environment that sets ``MALLOC_ARENA_MAX`` itself
wins.
"""

from __future__ import annotations

import ctypes
import os
import sys

M_ARENA_MAX = -8  # glibc's mallopt parameter
ARENAS = 2


def limit_arenas() -> bool:
    """Limit glibc's malloc arenas to :data:`ARENAS`; whether it was done (not glibc: no)."""
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # musl and others without it
        return False
    return bool(mallopt(M_ARENA_MAX, ARENAS))
