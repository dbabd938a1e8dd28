"""Build and load the C kernels of ``kernels/csrc`` with the system C compiler, once per machine.

One shared library per (neuron family, dtype) is compiled on first use into ``snnlab.paths.cache_dir()/kernels``,
named by a hash of the sources, the compiler (its ``--version``) and the flags, so that an edited source, another
compiler or another CPU feature set builds a fresh library and stale ones are never loaded. The build writes to a
temporary file and ``os.replace``-s it into place, so two processes compiling at once are safe (the later one
wins an identical file). ``-O3 -fno-trapping-math`` lets gcc vectorise the selects; ``-ffp-contract=off`` keeps
every ``a*b + c`` as two IEEE operations (no FMA), so results follow the C source's operation order exactly.
The instruction set is the widest of AVX-512 (F/DQ/VL/BW, 512-bit vectors), AVX2+FMA or baseline x86-64
that this CPU has (``isa()``; ``$SNNLAB_CPU_ISA`` forces one), part of the hash: no ``-march=native``. FMA is
used only where the C source asks for it (exp's polynomial, the division-free quotient ``divt`` of step.h),
never by contraction.

Environment: ``CC`` picks the compiler (default ``gcc``, then ``cc``); ``SNNLAB_CACHE`` moves the cache;
``SNNLAB_CPU_ISA`` = auto | avx512 | avx2 | baseline.
"""
from __future__ import annotations

import ctypes
import functools
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
FAMILIES = ("lif", "clif", "ilif", "glif")
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


ISAS = ("auto", "avx512", "avx2", "baseline")
ISA_FLAGS = {
    "avx512": ("-mavx2", "-mfma", "-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mprefer-vector-width=512"),
    "avx2": ("-mavx2", "-mfma"),
    "baseline": (),
}
_ISA_NEEDS = {"avx512": {"avx2", "fma", "avx512f", "avx512dq", "avx512vl", "avx512bw"}, "avx2": {"avx2", "fma"},
              "baseline": set()}


@functools.lru_cache(maxsize=1)
def cpu_features() -> frozenset:
    """The CPU feature flags of /proc/cpuinfo (empty where there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return frozenset()
    for line in text.splitlines():
        if line.startswith("flags"):
            return frozenset(line.split(":", 1)[1].split())
    return frozenset()


def isa() -> str:
    """The instruction set the kernels are built for: ``$SNNLAB_CPU_ISA`` (auto, avx512, avx2, baseline), where
    ``auto`` (the default) is the widest of avx512 > avx2 > baseline this CPU has. Asking for one the CPU lacks
    is an error (the library would die with SIGILL)."""
    want = os.environ.get("SNNLAB_CPU_ISA", "auto").strip().lower() or "auto"
    if want not in ISAS:
        raise BuildError(f"SNNLAB_CPU_ISA={want!r} is not one of {', '.join(ISAS)}")
    have = cpu_features()
    if want == "auto":
        return next(name for name in ("avx512", "avx2", "baseline") if _ISA_NEEDS[name] <= have)
    missing = _ISA_NEEDS[want] - have
    if missing:
        raise BuildError(f"SNNLAB_CPU_ISA={want} but this CPU lacks {sorted(missing)}; use auto")
    return want


def _cpu_flags() -> tuple:
    return ISA_FLAGS[isa()]


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
    """The loaded library of ``family`` ("lif", "clif", "ilif", "glif") for ``dtype`` ("f32", "f64") and ``isa()``."""
    key = (family, dtype, isa())
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
