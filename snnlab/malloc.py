"""The C allocator settings of a process that trains on the CPU.

glibc's ``malloc`` serves every block above its mmap threshold (128 KiB, raised on the fly up to 32 MiB) with a
fresh ``mmap`` and returns it with ``munmap`` when freed. A training step allocates and frees its activations
(megabytes each) every step, so every step page-faults all of them in again: on this 2-core VM the quick
benchmark's training step (small conv net, T = 4, batch 64) took 56 ms in a default process and 43.5 ms with
the settings below, its 10,000-image evaluation 5.1 s against 3.4 s (``benchmarks/neurons.py`` measures the same
effect on the neuron kernels alone: LIF forward+backward at T = 8, N = 2^20 in 45 ms by default, 8 ms warm).

``tune()`` makes freed memory stay in the process for reuse: no block is mmapped (``M_MMAP_MAX = 0``) and the
heap is trimmed only once more than 1 GiB is free at its top (``M_TRIM_THRESHOLD``). The cost is that memory
freed by the process is kept (up to that threshold) instead of being returned to the system at once. It is
called by the first CPU kernel call of a process (``snnlab.kernels.cpu``), by the trainer for runs on the CPU
(``snnlab.train.Trainer``) and by ``snnlab.train.evaluate``; it changes no number, only where blocks come from.

``SNNLAB_MALLOC=system`` keeps glibc's defaults (``tuned``, the default, applies the settings). Elsewhere than
glibc (macOS, musl) ``tune()`` does nothing and says so by returning False.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading

__all__ = ["tune", "MODES", "TRIM_THRESHOLD"]

MODES = ("tuned", "system")
#: free memory at the heap's top that glibc keeps before trimming (bytes)
TRIM_THRESHOLD = 1 << 30
# mallopt parameters (glibc malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4

_lock = threading.Lock()
_done: "dict[str, bool]" = {}


def _mode() -> str:
    mode = os.environ.get("SNNLAB_MALLOC", "tuned").strip().lower() or "tuned"
    if mode not in MODES:
        raise ValueError(f"SNNLAB_MALLOC={os.environ.get('SNNLAB_MALLOC')!r} is not one of {', '.join(MODES)}: "
                         "'tuned' keeps freed memory for reuse (fast training steps), 'system' leaves glibc's "
                         "defaults")
    return mode


def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not hasattr(libc, "mallopt") or not hasattr(libc, "gnu_get_libc_version"):
        return None  # not glibc
    return libc


def tune() -> bool:
    """Apply the settings of the module docstring to this process, once (later calls return the first answer).
    Returns True when they are in force, False under ``SNNLAB_MALLOC=system`` or where the C library is not
    glibc. Raises ``ValueError`` for another ``SNNLAB_MALLOC``."""
    mode = _mode()
    with _lock:
        if mode in _done:
            return _done[mode]
        ok = False
        if mode == "tuned":
            libc = _libc()
            if libc is not None:
                libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
                ok = bool(libc.mallopt(_M_MMAP_MAX, 0)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
        _done[mode] = ok
        return ok
