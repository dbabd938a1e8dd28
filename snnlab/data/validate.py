"""Checks of what the dataset readers read, so that bad data fails loudly instead of training on garbage.

Every check raises :class:`~snnlab.data.errors.CorruptDatasetError` naming the file, what is wrong with it and
what to do. The loaders call them with one line each:

* :func:`check_images` - image arrays of the expected height and width (a 32×32 IDX file is not Fashion-MNIST);
* :func:`check_labels` - labels in ``0 .. num_classes-1``;
* :func:`cifar_pixels` - CIFAR ``data`` must hold bytes (0..255), not floats in [0, 1] that a cast would zero;
* :func:`check_events` - an event recording is not empty and its coordinates and polarities fit the sensor;
* :func:`files_digest` - the identity of a set of source files (size, mtime and a hash of the first and last
  blocks of each), used in the frame cache's key so that a replaced file never serves old frames.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from snnlab.data.errors import CorruptDatasetError

__all__ = ["check_images", "check_labels", "cifar_pixels", "check_events", "files_digest", "BLOCK"]

_REFETCH = "delete it and get the dataset again"


def check_images(images: np.ndarray, hw: Sequence[int], path: str | Path, name: str) -> None:
    """``images`` is ``[N, H, W]`` or ``[N, H, W, C]`` with ``(H, W) == hw``."""
    if images.ndim < 3 or tuple(images.shape[1:3]) != tuple(hw):
        got = "x".join(map(str, images.shape[1:3])) if images.ndim >= 3 else f"shape {images.shape}"
        raise CorruptDatasetError(f"{path}: {name} images are {'x'.join(map(str, hw))} pixels, this file holds "
                                  f"{got} images (shape {images.shape}); it belongs to another dataset or is "
                                  f"corrupted: {_REFETCH}")


def check_labels(labels: np.ndarray, num_classes: int, path: str | Path) -> None:
    """Every label is an integer in ``0 .. num_classes-1``."""
    labels = np.asarray(labels)
    if labels.size == 0:
        return
    if not np.issubdtype(labels.dtype, np.integer):
        raise CorruptDatasetError(f"{path}: labels must be integers, found dtype {labels.dtype}; {_REFETCH}")
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0 or hi >= num_classes:
        bad = labels[(labels < 0) | (labels >= num_classes)]
        raise CorruptDatasetError(f"{path}: labels must be 0..{num_classes - 1}, found {sorted(set(bad.tolist()))[:5]} "
                                  f"({bad.size} of {labels.size}); the file is corrupted or from another "
                                  f"dataset: {_REFETCH}")


def cifar_pixels(data, path: str | Path) -> np.ndarray:
    """The ``data`` entry of a CIFAR batch as uint8, refusing anything that is not bytes already (floats in
    [0, 1] would all become 0 by a cast, values beyond 0..255 would wrap)."""
    arr = np.asarray(data)
    if arr.dtype == np.uint8:
        return arr
    if np.issubdtype(arr.dtype, np.integer) and (arr.size == 0 or (arr.min() >= 0 and arr.max() <= 255)):
        return arr.astype(np.uint8)
    what = (f"values in [{arr.min():g}, {arr.max():g}]" if arr.size and np.issubdtype(arr.dtype, np.number)
            else "")
    raise CorruptDatasetError(f"{path}: CIFAR 'data' must be uint8 pixels 0..255, found dtype {arr.dtype} {what}; "
                              "the batch was re-saved in another format (e.g. floats scaled to [0, 1]): extract the "
                              "original cifar-*-python.tar.gz again")


def check_events(events: np.ndarray, sensor_size: Sequence[int] | None, path: str | Path) -> None:
    """A recording holds at least one event, and ``0 <= x < W``, ``0 <= y < H``, ``0 <= p < P`` for the sensor
    ``(W, H, P)`` (tonic order) when it is known."""
    if len(events) == 0:
        raise CorruptDatasetError(f"{path}: holds no events (an empty or truncated recording); {_REFETCH}")
    if sensor_size is None or events.dtype.names is None:
        return
    for field, limit in zip(("x", "y", "p"), sensor_size):
        if field not in events.dtype.names:
            continue
        col = events[field]
        lo, hi = int(col.min()), int(col.max())
        if lo < 0 or hi >= int(limit):
            raise CorruptDatasetError(f"{path}: event {field} ranges over {lo}..{hi}, outside the sensor's "
                                      f"0..{int(limit) - 1} (sensor W, H, P = {tuple(sensor_size)}); the file is "
                                      f"corrupted or of another dataset: {_REFETCH}")


#: bytes hashed at each end of a source file by :func:`files_digest`
BLOCK = 4096


def files_digest(root: str | Path, files: Iterable[str | Path]) -> str:
    """SHA-256 (16 hex digits) over every file's path relative to ``root``, size, mtime (ns) and first and
    last :data:`BLOCK` bytes: replacing a file by another one, even of the same size and with its old mtime,
    changes it unless the two agree in both end blocks."""
    h = hashlib.sha256()
    for f in files:
        st = os.stat(f)
        h.update(f"{os.path.relpath(f, root)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        with open(f, "rb") as fh:
            h.update(fh.read(BLOCK))
            if st.st_size > BLOCK:
                fh.seek(max(BLOCK, st.st_size - BLOCK))
                h.update(fh.read(BLOCK))
    return h.hexdigest()[:16]
