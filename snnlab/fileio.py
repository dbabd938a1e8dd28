"""Small file primitives shared by the run store, the frame cache and the notebooks: an advisory lock and
atomic writes (temp file in the same folder + ``os.replace``), so parallel notebooks (``make -j2``) and killed
processes never leave a half-written file behind."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["file_lock", "atomic_write_text", "atomic_write_bytes"]


@contextlib.contextmanager
def file_lock(path: str | Path):
    """Exclusive advisory lock on ``path`` (created if needed). Processes that build the same thing (a run, a
    cache entry, a results file) wait for each other. Not re-entrant: do not take the same path twice."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no locking
            yield
            return
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp{os.getpid()}")


def atomic_write_bytes(path: str | Path, data: bytes | memoryview, fsync: bool = False) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp(path)
    with open(tmp, "wb") as fh:
        fh.write(data)
        if fsync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())
