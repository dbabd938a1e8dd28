"""Small file primitives shared by the run store, the frame cache and the notebooks: an advisory lock and
atomic writes (temp file in the same folder + ``os.replace``), so parallel notebooks (``make -j2``) and killed
processes never leave a half-written file behind.

A writer killed mid-write leaves its temp file ``.<name>.tmp<pid>``; :func:`remove_stale_temps` deletes those
whose process is gone (the trainer calls it on its run folder at every start). A write that fails (disk full,
permissions) removes its temp file and raises an ``OSError`` naming the destination.

Fault injection (tests, ``tests/engine/test_faults.py``): with ``SNNLAB_KILL_AT="NAME:K:PHASE"`` in the
environment, the process SIGKILLs itself at the K-th atomic write (counted in this process) of a file named
NAME, at PHASE ``partial`` (half the temp file written), ``written`` (temp file complete, not yet renamed) or
``replaced`` (the new file in place, before the writer returns).
"""
from __future__ import annotations

import contextlib
import os
import re
import signal
from pathlib import Path

__all__ = ["file_lock", "lock_held", "atomic_write_text", "atomic_write_bytes", "remove_stale_temps", "CorruptFileError",
           "read_json"]


class CorruptFileError(RuntimeError):
    """A file snnlab wrote (checkpoint, model, summary, results) is truncated or corrupted; the message names
    the file and says what to do."""


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


def lock_held(path: str | Path) -> bool:
    """Whether another process holds the lock ``path`` of :func:`file_lock` now (a non-blocking probe; False when
    the file does not exist or the platform has no ``fcntl``)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


_TMP = re.compile(r"^\.(?P<name>.+)\.tmp(?P<pid>\d+)$")


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp{os.getpid()}")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_temps(folder: str | Path) -> list[Path]:
    """Delete the temp files (``.<name>.tmp<pid>``) in ``folder`` whose writer process no longer runs on this
    machine (killed mid-write); return the paths removed. Temp files of live processes are kept."""
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for p in folder.iterdir():
        m = _TMP.match(p.name)
        if m and p.is_file() and not _alive(int(m.group("pid"))):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
                removed.append(p)
    return removed


_WRITES: dict[str, int] = {}


def _kill_at(path: Path, phase: str) -> bool:
    """True when ``SNNLAB_KILL_AT`` asks to be killed now (see the module docstring)."""
    spec = os.environ.get("SNNLAB_KILL_AT")
    if not spec:
        return False
    name, k, want = spec.rsplit(":", 2)
    return name == path.name and want == phase and _WRITES.get(name) == int(k)


def _die() -> None:  # pragma: no cover - the process ends here
    os.kill(os.getpid(), signal.SIGKILL)


def atomic_write_bytes(path: str | Path, data: bytes | memoryview, fsync: bool = False) -> None:
    """Write ``data`` to ``path`` atomically: readers see the old file or the new one, never a part. On failure
    the temp file is removed and the ``OSError`` names ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if os.environ.get("SNNLAB_KILL_AT"):
        _WRITES[path.name] = _WRITES.get(path.name, 0) + 1
    tmp = _tmp(path)
    try:
        with open(tmp, "wb") as fh:
            if _kill_at(path, "partial"):
                fh.write(memoryview(data)[: len(data) // 2])
                fh.flush()
                _die()
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        if _kill_at(path, "written"):
            _die()
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise OSError(exc.errno, f"{exc.strerror or exc} while writing {path} (the partial temporary file "
                                     "was removed; free disk space or fix the permissions and rerun)") from exc
        raise
    if _kill_at(path, "replaced"):
        _die()


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode())


def read_json(path: str | Path, hint: str = "delete it and run again what wrote it"):
    """``json.loads`` of a file snnlab wrote; a truncated or invalid file raises :class:`CorruptFileError`
    naming it, followed by ``hint`` (what to do)."""
    import json

    path = Path(path)
    text = path.read_text()
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CorruptFileError(f"{path} is not valid JSON ({exc}; {len(text)} characters): the file is "
                               f"truncated or corrupted; {hint}") from exc
