"""Build and load the C kernels of ``kernels/csrc`` with the system C compiler, once per machine.

One shared library per (neuron family, dtype) is compiled on first use into ``snnlab.paths.cache_dir()/kernels``,
named by a hash of the sources, the compiler (its ``--version``) and the flags, so that an edited source, another
compiler or another CPU feature set builds a fresh library and stale ones are never loaded. The build writes to a
temporary file and ``os.replace``-s it into place, so two processes compiling at once are safe (the later one
wins an identical file). ``-O3 -fno-trapping-math`` lets gcc vectorise the selects; ``-ffp-contract=off`` keeps
every ``a*b + c`` as two IEEE operations (no FMA), so results follow the C source's operation order exactly.
``-mavx2`` is added only when this CPU has AVX2 (part of the hash): no ``-march=native``.

Environment: ``CC`` picks the compiler (default ``gcc``, then ``cc``); ``SNNLAB_CACHE`` moves the cache.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Optional

from snnlab import paths

CSRC = Path(__file__).resolve().parent / "csrc"
FAMILIES = ("lif", "clif", "ilif")
DTYPES = ("f32", "f64")
BASE_FLAGS = ("-O3", "-fno-trapping-math", "-fno-unswitch-loops", "-fno-thread-jumps", "-ffp-contract=off",
              "-fopenmp", "-shared", "-fPIC", "-std=gnu11", "-DSNNLAB_NO_CLONES")

_lock = threading.Lock()
_libs: dict = {}
_compiler: Optional[tuple] = None


class BuildError(RuntimeError):
    """The C kernels cannot be built or loaded here (no compiler, compile error, ...)."""


def find_compiler() -> Optional[tuple]:
    """``(path, version line)`` of the C compiler, or None when there is none."""
    global _compiler
    if _compiler is not None:
        return _compiler or None
    names = [os.environ["CC"]] if os.environ.get("CC") else ["gcc", "cc"]
    for name in names:
        path = shutil.which(name)
        if not path:
            continue
        try:
            out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        if out.returncode == 0:
            _compiler = (path, out.stdout.splitlines()[0] if out.stdout else name)
            return _compiler
    _compiler = ()
    return None


def _cpu_flags() -> tuple:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ()
    for line in text.splitlines():
        if line.startswith("flags"):
            return ("-mavx2",) if " avx2" in line else ()
    return ()


def flags(family: str, dtype: str) -> list:
    return [*BASE_FLAGS, *_cpu_flags(), f"-DSNN_NEURON_{family.upper()}", f"-DSNN_DTYPE_{dtype.upper()}"]


def _source_hash(family: str, dtype: str, compiler: tuple) -> str:
    h = hashlib.sha256()
    for f in sorted(CSRC.glob("*.[ch]")):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    h.update(repr((compiler[1], flags(family, dtype))).encode())
    return h.hexdigest()[:16]


def library_path(family: str, dtype: str) -> Path:
    comp = find_compiler()
    if comp is None:
        raise BuildError("no C compiler found (tried $CC, gcc, cc): install gcc to use backend='cpu'")
    return paths.cache_dir() / "kernels" / f"snn_{family}_{dtype}_{_source_hash(family, dtype, comp)}.so"


def compile_library(family: str, dtype: str) -> Path:
    """Compile (if needed) and return the library path; raises ``BuildError`` with the compiler output."""
    if family not in FAMILIES or dtype not in DTYPES:
        raise ValueError(f"unknown kernel library {family!r}/{dtype!r}; expected {FAMILIES} x {DTYPES}")
    target = library_path(family, dtype)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    comp = find_compiler()
    fd, tmp = tempfile.mkstemp(prefix=target.stem + ".", suffix=".tmp.so", dir=target.parent)
    os.close(fd)
    cmd = [comp[0], *flags(family, dtype), str(CSRC / "kernels.c"), "-o", tmp, "-lm"]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            raise BuildError(f"compiling the {family}/{dtype} CPU kernels failed:\n$ {' '.join(cmd)}\n"
                             f"{out.stderr[-4000:]}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def load(family: str, dtype: str) -> ctypes.CDLL:
    """The loaded library of ``family`` ("lif", "clif", "ilif") for ``dtype`` ("f32", "f64")."""
    key = (family, dtype)
    lib = _libs.get(key)
    if lib is not None:
        return lib
    with _lock:
        lib = _libs.get(key)
        if lib is None:
            path = compile_library(family, dtype)
            try:
                lib = ctypes.CDLL(str(path))
            except OSError as exc:
                raise BuildError(f"loading the compiled kernels {path} failed: {exc}") from exc
            _libs[key] = lib
    return lib
