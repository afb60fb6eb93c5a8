"""Tensors from a PyTorch checkpoint of the legacy format (``torch.save`` before 1.6), without
PyTorch: resemblyzer's ``pretrained.pt`` is one.

The format is five pickles in a row (magic number, protocol version, system info, the object,
the storage keys) followed by each storage's bytes (an 8-byte element count, then the elements).
The object's pickle names three globals; :class:`_Unpickler` maps exactly those to NumPy and
refuses every other global, so a checkpoint cannot run code (``pickle.load`` of an untrusted
checkpoint can).
"""

from __future__ import annotations

import collections
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

_MAGIC = 0x1950A86A20F9469CFC6C
_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
}


class CheckpointError(ValueError):
    """The file is not a legacy PyTorch checkpoint of plain tensors."""


@dataclass
class _Storage:
    key: str
    dtype: type
    size: int
    data: np.ndarray | None = None


@dataclass
class _Tensor:
    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def array(self) -> np.ndarray:
        data = self.storage.data
        assert data is not None
        if not self.shape:
            return data[self.offset : self.offset + 1].reshape(()).copy()
        need = self.offset + 1 + sum((n - 1) * s for n, s in zip(self.shape, self.stride, strict=True))
        if need > len(data) or min(self.stride) < 0:
            raise CheckpointError("a tensor reaches past its storage")
        item = data.itemsize
        view = np.lib.stride_tricks.as_strided(
            data[self.offset :], shape=self.shape, strides=tuple(s * item for s in self.stride), writeable=False
        )
        return np.array(view)


def _rebuild_tensor_v2(
    storage: _Storage, offset: int, shape: tuple[int, ...], stride: tuple[int, ...], *_: Any
) -> _Tensor:
    return _Tensor(storage, int(offset), tuple(shape), tuple(stride))


class _StorageType:
    def __init__(self, name: str) -> None:
        self.dtype = _DTYPES[name]


class _Unpickler(pickle.Unpickler):
    """Only the globals a checkpoint of tensors names; any other is an error, never imported."""

    def __init__(self, file: IO[bytes]) -> None:
        super().__init__(file)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if module == "torch" and name in _DTYPES:
            return _StorageType(name)
        raise CheckpointError(f"the checkpoint names {module}.{name}, which is not a tensor")

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise CheckpointError("the checkpoint refers to something other than a storage")
        kind, key, _location, size = pid[1], str(pid[2]), pid[3], int(pid[4])
        if not isinstance(kind, _StorageType):
            raise CheckpointError("a storage of an unknown type")
        if key not in self.storages:
            self.storages[key] = _Storage(key, kind.dtype, size)
        return self.storages[key]


class _Plain(pickle.Unpickler):
    """The header pickles hold only numbers, strings and dicts."""

    def find_class(self, module: str, name: str) -> Any:
        raise CheckpointError(f"the checkpoint's header names {module}.{name}")


def load_checkpoint(path: Path) -> Any:
    """The checkpoint's object, its tensors as NumPy arrays (CheckpointError on anything else)."""
    with open(path, "rb") as f:
        if _Plain(f).load() != _MAGIC:
            raise CheckpointError("not a legacy PyTorch checkpoint")
        _Plain(f).load()  # protocol version
        info = _Plain(f).load()
        if not isinstance(info, dict) or not info.get("little_endian", False):
            raise CheckpointError("not a little-endian checkpoint")
        unpickler = _Unpickler(f)
        obj = unpickler.load()
        keys = _Plain(f).load()
        for key in keys:
            storage = unpickler.storages.get(str(key))
            if storage is None:
                raise CheckpointError("a storage the object does not use")
            count = int.from_bytes(f.read(8), "little")
            if count != storage.size:
                raise CheckpointError("a storage's length differs from its record")
            raw = f.read(count * np.dtype(storage.dtype).itemsize)
            if len(raw) != count * np.dtype(storage.dtype).itemsize:
                raise CheckpointError("the checkpoint ends inside a storage")
            storage.data = np.frombuffer(raw, dtype=np.dtype(storage.dtype).newbyteorder("<"))
    return _resolve(obj)


def _resolve(obj: Any) -> Any:
    if isinstance(obj, _Tensor):
        if obj.storage.data is None:
            raise CheckpointError("a tensor's storage is missing")
        return obj.array()
    if isinstance(obj, dict):
        return {k: _resolve(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_resolve(v) for v in obj)
    return obj
