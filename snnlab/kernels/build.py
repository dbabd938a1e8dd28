"""Build and load the C kernels of ``kernels/csrc`` with the system C compiler, once per machine.

One shared library per (neuron family, dtype) is compiled on first use into ``snnlab.paths.cache_dir()/kernels``,
named by a hash of the sources, the compiler (its ``--version``) and the flags, so that an edited source, another
compiler or another CPU feature set builds a fresh library and stale ones are never loaded. ``-O3
-fno-trapping-math`` lets gcc vectorise the selects; ``-ffp-contract=off`` keeps every ``a*b + c`` as two IEEE
operations (no FMA), so results follow the C source's operation order exactly. The instruction set is the widest
of AVX-512 (F/DQ/VL/BW, 512-bit vectors), AVX2+FMA or baseline x86-64 that this CPU has (``isa()``;
``$SNNLAB_CPU_ISA`` forces one), part of the hash: no ``-march=native``. FMA is used only where the C source asks
for it (exp's polynomial, the division-free quotient ``divt`` of step.h), never by contraction.

A cached library is only loaded once it is known to be whole and the right one (``valid``): beside each library
a ``.sha256`` file, written after a successful build, holds the library's SHA-256, family and dtype; a library
without it, with another checksum (truncated, emptied, replaced: loading a truncated library could kill Python
with SIGBUS), or of another family is rebuilt. After loading, the library's ``snn_library_id()`` must name the
expected family and dtype. Builds go to a temporary file in the cache folder that is checked (an ELF shared
object, not empty) and ``os.replace``-d into place, so two processes compiling at once are safe (the later one
wins an identical file) and a compiler that "succeeds" without output installs nothing. Anything that makes
building or loading impossible (no compiler, a compile error, a cache folder that cannot be written, a library
that does not load) is a ``BuildError`` saying what and where; it is remembered for the process, so the fallback
(``snnlab.kernels.dispatch``: the reference loop with one warning under backend="auto", ``KernelUnavailable`` for
backend="cpu") costs no repeated compiler runs.

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
FAMILIES = ("lif", "clif", "ilif", "glif", "pool")
#: the translation unit of each family: the neuron families share the driver kernels.c (and every header); "pool"
#: (2x2 max pooling) is pool.c alone
SOURCES = {"pool": "pool.c"}
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
    own = SOURCES.get(family)
    for f in sorted(CSRC.glob("*.[ch]")):
        if (f.name != own) if own else (f.name in SOURCES.values()):
            continue  # another family's translation unit: editing it rebuilds only that family
        h.update(f.name.encode())
        h.update(f.read_bytes())
    h.update(repr((compiler[1], flags(family, dtype))).encode())
    return h.hexdigest()[:16]


def library_path(family: str, dtype: str) -> Path:
    comp = find_compiler()
    if comp is None:
        raise BuildError("no C compiler found (tried $CC, gcc, cc): install gcc to use backend='cpu'")
    return paths.cache_dir() / "kernels" / f"snn_{family}_{dtype}_{_source_hash(family, dtype, comp)}.so"


ABI = 2  # csrc/kernels.c snn_abi_version(): the params_t layout of cpu.Params
_ELF_MAGIC = b"\x7fELF"
_failed: dict = {}


def library_id(family: str, dtype: str) -> str:
    """What ``snn_library_id()`` of the library of ``family``/``dtype`` returns (csrc/kernels.c)."""
    return f"snnlab-kernels {family} {dtype} abi {ABI}"


def _checksum_path(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _is_shared_object(path: Path) -> bool:
    """A non-empty file that starts like an ELF object (what a successful compile writes)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return False
    return len(head) == 64 and head.startswith(_ELF_MAGIC)


def valid(path: Path, family: str, dtype: str) -> bool:
    """True when ``path`` is a library a successful build of ``family``/``dtype`` left: an ELF file whose
    SHA-256, family and dtype are those its ``.sha256`` file records. Checked before every first load, so that a
    truncated, emptied or swapped file is rebuilt instead of loaded."""
    if not path.is_file() or not _is_shared_object(path):
        return False
    try:
        recorded = _checksum_path(path).read_text().split()
    except OSError:
        return False
    return recorded == [_sha256(path), family, dtype]


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def compile_library(family: str, dtype: str) -> Path:
    """Compile (unless a valid library is cached) and return the library path; raises ``BuildError`` with the
    compiler output, or with the cache folder and the fix when it cannot be written."""
    if family not in FAMILIES or dtype not in DTYPES:
        raise ValueError(f"unknown kernel library {family!r}/{dtype!r}; expected {FAMILIES} x {DTYPES}")
    target = library_path(family, dtype)
    if valid(target, family, dtype):
        return target
    comp = find_compiler()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=target.stem + ".", suffix=".tmp.so", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise BuildError(f"cannot write the kernel cache {target.parent} ({exc.strerror or exc}); set "
                         f"SNNLAB_CACHE to a writable folder (or fix its permissions)") from exc
    cmd = [comp[0], *flags(family, dtype), str(CSRC / SOURCES.get(family, "kernels.c")), "-o", tmp, "-lm"]
    try:
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.SubprocessError) as exc:
            raise BuildError(f"running the C compiler failed: $ {' '.join(cmd)}: {exc}") from exc
        if out.returncode != 0:
            raise BuildError(f"compiling the {family}/{dtype} CPU kernels failed:\n$ {' '.join(cmd)}\n"
                             f"{out.stderr[-4000:]}")
        if not _is_shared_object(Path(tmp)):
            size = os.path.getsize(tmp) if os.path.exists(tmp) else 0
            raise BuildError(f"the C compiler exited 0 but wrote no shared library ({size} bytes, not ELF): "
                             f"$ {' '.join(cmd)}; check $CC ({comp[0]})")
        digest = _sha256(Path(tmp))
        try:
            os.replace(tmp, target)
            _write_atomically(_checksum_path(target), f"{digest} {family} {dtype}\n".encode())
        except OSError as exc:
            raise BuildError(f"cannot write the kernel cache {target.parent} ({exc.strerror or exc}); set "
                             f"SNNLAB_CACHE to a writable folder (or fix its permissions)") from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _open(path: Path, family: str, dtype: str) -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as exc:
        raise BuildError(f"loading the compiled kernels {path} failed: {exc}") from exc
    try:
        fn = lib.snn_library_id
    except AttributeError:
        got = None
    else:
        fn.restype = ctypes.c_char_p
        got = fn().decode()
    if got != library_id(family, dtype):
        _dlclose(lib)  # (else a reload of the rebuilt file under the same name would return this handle)
        raise BuildError(f"{path} is not the {family}/{dtype} kernel library (it says {got!r})")
    return lib


def _dlclose(lib: ctypes.CDLL) -> None:
    try:
        import _ctypes

        _ctypes.dlclose(lib._handle)
    except (ImportError, AttributeError, OSError):
        pass


def load(family: str, dtype: str) -> ctypes.CDLL:
    """The loaded library of ``family`` ("lif", "clif", "ilif", "glif", "pool") for ``dtype`` ("f32", "f64") and ``isa()``.

    Built (or rebuilt, when the cached file is not valid) on first use. Raises ``BuildError`` when that is not
    possible here; the error is kept, so later calls in this process raise it at once."""
    key = (family, dtype, isa())
    lib = _libs.get(key)
    if lib is not None:
        return lib
    with _lock:
        lib = _libs.get(key)
        if lib is not None:
            return lib
        if key in _failed:
            raise _failed[key]
        try:
            path = compile_library(family, dtype)
            try:
                lib = _open(path, family, dtype)
            except BuildError:
                # valid checksum but the wrong or a broken library (e.g. both files replaced): rebuild once
                _checksum_path(path).unlink(missing_ok=True)
                lib = _open(compile_library(family, dtype), family, dtype)
        except BuildError as exc:
            _failed[key] = exc
            raise
        _libs[key] = lib
    return lib
