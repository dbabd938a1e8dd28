"""On-disk cache of event frames, keyed by every parameter that shapes them.

A cache entry is a folder ``<cache_root>/<dataset>/<split>-T<T>-<key>/`` holding ``frames.npy`` (one array
``[N, T, P, H, W]``, opened memory-mapped) and ``meta.json`` (the full parameter dict, shape and dtype).
``key`` is the first 16 hex digits of the SHA-256 of the canonical JSON of the parameters (dataset, split,
source fingerprint, ``n_event_bins``, sensor size, resize, ...), so changing T or any transform parameter
gives another folder and never serves stale frames (the source fingerprint of tonic datasets covers each
file's size, mtime and end blocks, :func:`snnlab.data.validate.files_digest`). ``meta.json`` is written last;
an entry without it, or whose parameters, shape, length or dtype disagree, is rebuilt.

``meta.json`` also holds a BLAKE2b checksum of the frame data and a stamp of ``frames.npy`` (size, mtime,
ctime, inode). When the stamp no longer matches (the file was edited, replaced or copied), the checksum is
verified before the frames are served: flipped bytes or frames of another source are rebuilt, an intact copy
is re-stamped.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from snnlab.fileio import atomic_write_text, file_lock

__all__ = ["cache_key", "FrameCache", "CACHE_FORMAT", "file_lock"]

CACHE_FORMAT = 1


def _canonical(params: dict) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _checksum(frames: np.ndarray, chunk_bytes: int = 1 << 26) -> str:
    """BLAKE2b-128 of the frame data (C order), read in chunks of samples."""
    h = hashlib.blake2b(digest_size=16)
    step = max(1, chunk_bytes // max(1, frames[0].nbytes if len(frames) else 1))
    for i in range(0, len(frames), step):
        h.update(np.ascontiguousarray(frames[i:i + step]))
    return h.hexdigest()


def cache_key(params: dict) -> str:
    """16 hex digits identifying ``params`` (order-independent)."""
    return hashlib.sha256(_canonical({"format": CACHE_FORMAT, **params}).encode()).hexdigest()[:16]


class FrameCache:
    """Build-once, memory-mapped frames for one (dataset, split, parameters)."""

    def __init__(self, cache_root: str | Path, dataset: str, split: str, T: int, params: dict):
        self.params = {"dataset": dataset, "split": split, "n_event_bins": T, **params}
        self.key = cache_key(self.params)
        self.dir = Path(cache_root) / dataset / f"{split}-T{T}-{self.key}"
        self.frames_path = self.dir / "frames.npy"
        self.meta_path = self.dir / "meta.json"

    def load(self, n: int) -> np.ndarray | None:
        """The cached frames (memory-mapped) if a complete, matching entry of ``n`` samples exists."""
        if not (self.meta_path.is_file() and self.frames_path.is_file()):
            return None
        try:
            meta = json.loads(self.meta_path.read_text())
            frames = np.load(self.frames_path, mmap_mode="r")
        except (OSError, ValueError, json.JSONDecodeError) as e:
            warnings.warn(f"frame cache {self.dir} is unreadable ({e}); rebuilding it")
            return None
        if _canonical(meta.get("params")) != _canonical(self.params) or len(frames) != n \
                or list(frames.shape) != meta.get("shape"):
            warnings.warn(f"frame cache {self.dir} does not match the request; rebuilding it")
            return None
        if frames.dtype.str != meta.get("dtype"):
            warnings.warn(f"frame cache {self.frames_path} holds {frames.dtype} frames but meta.json says "
                          f"{meta.get('dtype')}; rebuilding it")
            return None
        if "checksum" not in meta:
            warnings.warn(f"frame cache {self.dir} has no checksum (written by an older snnlab); rebuilding it")
            return None
        if meta.get("stamp") != _stamp(self.frames_path):  # edited, replaced or copied since it was built
            if _checksum(frames) != meta["checksum"]:
                warnings.warn(f"frame cache {self.frames_path} does not match its checksum (changed after it was "
                              "built); rebuilding it")
                return None
            try:  # an intact copy: remember it, so the next load skips the checksum
                atomic_write_text(self.meta_path, json.dumps({**meta, "stamp": _stamp(self.frames_path)},
                                                             indent=1, sort_keys=True, default=str))
            except OSError:  # read-only data folder: verify again next time
                pass
        return frames

    def build(self, n: int, frame_shape: tuple[int, ...], dtype, compute: Callable[[int], np.ndarray],
              progress: bool = False) -> np.ndarray:
        """Compute ``compute(i)`` for every sample into ``frames.npy`` and return it memory-mapped."""
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / "frames.npy.tmp"
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=dtype, shape=(n, *frame_shape))
        it = range(n)
        if progress:
            try:
                from tqdm.auto import tqdm

                it = tqdm(it, desc=f"frames {self.params['dataset']}/{self.params['split']}", leave=False)
            except ImportError:  # pragma: no cover
                pass
        h = hashlib.blake2b(digest_size=16)
        for i in it:
            out[i] = compute(i)
            h.update(np.ascontiguousarray(out[i]))
        out.flush()
        del out
        os.replace(tmp, self.frames_path)
        meta = {"params": self.params, "shape": [n, *frame_shape], "dtype": np.dtype(dtype).str,
                "checksum": h.hexdigest(), "stamp": _stamp(self.frames_path)}
        atomic_write_text(self.meta_path, json.dumps(meta, indent=1, sort_keys=True, default=str))
        return np.load(self.frames_path, mmap_mode="r")

    def get(self, n: int, frame_shape, dtype, compute, progress: bool = False) -> np.ndarray:
        frames = self.load(n)
        if frames is not None:
            return frames
        with file_lock(self.dir.with_name(self.dir.name + ".lock")):
            frames = self.load(n)  # another process may have built it meanwhile
            return frames if frames is not None else self.build(n, frame_shape, dtype, compute, progress)
