"""The voice encoder's weights: resemblyzer 0.1.4's ``pretrained.pt`` (Apache-2.0, Resemble AI),
its ``model_state`` kept as float32 arrays in ``voice_encoder.npz`` beside this module.

Why a copy in captioner's own package: the weights ship in resemblyzer's wheel on PyPI, but that
wheel requires PyTorch (with its CUDA libraries, gigabytes), which captioner does not run.  The
.npz holds the same numbers bit for bit (5.7 MB), converted by ``python -m
captioner.speakers.weights WHEEL_OR_PT`` through :mod:`captioner.speakers.torchfile` (no PyTorch,
no code from the checkpoint) and checked against the source file's SHA-256 recorded in it.
"""

from __future__ import annotations

import hashlib
import sys
import zipfile
from functools import cache
from pathlib import Path

import numpy as np

from captioner.speakers.torchfile import load_checkpoint

WEIGHTS = Path(__file__).with_name("voice_encoder.npz")
# resemblyzer 0.1.4's pretrained.pt (in Resemblyzer-0.1.4-py3-none-any.whl)
SOURCE_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
_KEYS = (
    *(f"lstm.{kind}_l{layer}" for layer in range(3) for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")),
    "linear.weight",
    "linear.bias",
)


@cache
def load_weights() -> dict[str, np.ndarray]:
    """The encoder's arrays by PyTorch's parameter names."""
    with np.load(WEIGHTS, allow_pickle=False) as data:
        return {key: data[key].astype(np.float32) for key in _KEYS}


def convert(source: Path, target: Path = WEIGHTS) -> str:
    """``pretrained.pt`` (or the resemblyzer wheel holding it) into ``target``; its SHA-256."""
    if zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as wheel:
            raw = wheel.read("resemblyzer/pretrained.pt")
        pt = target.with_suffix(".pt.tmp")
        pt.write_bytes(raw)
    else:
        raw, pt = source.read_bytes(), source
    try:
        state = load_checkpoint(pt)["model_state"]
    finally:
        if pt != source:
            pt.unlink()
    arrays = {key: np.ascontiguousarray(state[key], dtype=np.float32) for key in _KEYS}
    with open(target, "wb") as out:
        np.savez(out, allow_pickle=False, **arrays)
    return hashlib.sha256(raw).hexdigest()


if __name__ == "__main__":  # pragma: no cover - run once by hand, see the module docstring
    print(convert(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else WEIGHTS))
