"""The command line keeps glibc to two malloc arenas (see captioner.cli.malloc_arenas)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT

CHILD = """
import ctypes, sys, tempfile, threading
import numpy as np
from captioner.__main__ import main

sys.argv = ["captioner", "--version"]
try:
    main()
except SystemExit:
    pass

def allocate():
    for _ in range(50):
        block = np.ones(300_000)  # 2.4 MB
        small = [bytearray(1000) for _ in range(100)]

threads = [threading.Thread(target=allocate) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
path = tempfile.mktemp()
stream = libc.fopen(path.encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(stream))
libc.fclose(ctypes.c_void_p(stream))
print(open(path).read().count("<heap nr="), file=sys.stderr)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc arenas")
@pytest.mark.parametrize("environment", [{}, {"MALLOC_ARENA_MAX": "4"}])
def test_eight_threads_allocating_share_two_arenas(environment) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    env.update(environment, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    heaps = int(out.stderr.strip().splitlines()[-1])
    if environment:
        assert heaps == 4, out.stderr  # a MALLOC_ARENA_MAX the user set is theirs
    else:
        assert heaps <= 2, out.stderr  # glibc's default gave 9 here: one per thread, and the main one
