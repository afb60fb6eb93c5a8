"""NumPy's BLAS kept to the calling thread once a Whisper model is loaded.

The local engine decodes several files at once from as many Python threads (and the fake
aiXplain server and a Dask worker answer from threads too); each computes its log-mel features
with a NumPy matrix product.  OpenBLAS, which NumPy's wheels bundle, serves a multi-threaded
product from its own thread pool, and two callers at once can deadlock it: in CI a ``sync`` of
six short files hung for over ten minutes, one thread spinning in OpenBLAS's ``inner_thread``,
the other waiting in the same product.  Its own threads buy nothing here anyway: CTranslate2
already keeps every core busy, and the features are under 1 % of the work.  So the process runs
BLAS products on the calling thread (threadpoolctl finds the BLAS NumPy loaded, whatever its
name, and sets its thread count).
"""

from __future__ import annotations

from functools import cache


@cache
def single_threaded_blas() -> None:
    """Make NumPy's BLAS run every product on the calling thread, for the rest of the process
    (once: later calls do nothing)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
