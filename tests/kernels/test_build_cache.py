"""The kernel cache (snnlab/kernels/build.py) against broken environments and files (issue #16 item 6).

Each case runs with its own SNNLAB_CACHE. Cases that load a damaged library run in a subprocess (a truncated
shared object can kill the process that maps it with SIGBUS), so the test process never maps one; their rebuilds
use a stand-in compiler that copies a library the real compiler built (no gcc run per case).
"""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest
import torch

from snnlab import kernels, neurons
from snnlab.kernels import build

ROOT = Path(__file__).resolve().parents[2]

# Runs a LIF (sigmoid surrogate, float64) forward+backward on the C kernel in a fresh process with the given
# cache: it fails unless the fast path ran and equals the reference, and prints the library's size.
CHILD = textwrap.dedent("""
    import sys, warnings, torch
    warnings.simplefilter("error", RuntimeWarning)  # a fallback to the reference loop fails the child
    from snnlab import neurons
    from snnlab.kernels import build
    x = (torch.randn(4, 3, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64) + 0.8)
    x.requires_grad_()
    fast = neurons.build("lif", surrogate="sigmoid").double()
    ref = neurons.build("lif", surrogate="sigmoid", backend="reference").double()
    s = fast(x)
    node = s.grad_fn.next_functions[0][0]  # (behind the view to [T, B, ...])
    assert type(node).__name__ == "snnlab_cpu_lifBackward", type(node)  # the C kernel ran (custom op)
    sr = ref(x)
    (g,) = torch.autograd.grad(s.sum(), x)
    (gr,) = torch.autograd.grad(sr.sum(), x)
    assert torch.equal(s, sr) and torch.allclose(g, gr)
    path = build.library_path("lif", "f64")
    assert build.valid(path, "lif", "f64")
    print("OK", path.stat().st_size)
""")


# A stand-in C compiler that "compiles" by copying a library the real compiler built (chosen by the -DSNN_NEURON_*
# flag), so that the rebuilds these tests cause cost no gcc run; its --version line is its own, so its libraries
# have their own names in the cache.
COPY_CC = """#!/bin/sh
if [ "$1" = "--version" ]; then echo "snnlab-test-copy-cc 1"; exit 0; fi
out=""; tpl=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift ;;
    -DSNN_NEURON_LIF) tpl="$SNNLAB_TEST_LIF" ;;
    -DSNN_NEURON_CLIF) tpl="$SNNLAB_TEST_CLIF" ;;
  esac
  shift
done
cp "$tpl" "$out"
"""


@pytest.fixture(scope="module")
def copy_cc(tmp_path_factory):
    """The copying compiler's environment: templates are the real lif/clif float64 libraries of the ordinary
    cache (built by the real compiler if not there yet)."""
    cc = tmp_path_factory.mktemp("cc") / "copycc"
    cc.write_text(COPY_CC)
    cc.chmod(0o755)
    return {"CC": str(cc), "SNNLAB_TEST_LIF": str(build.compile_library("lif", "f64")),
            "SNNLAB_TEST_CLIF": str(build.compile_library("clif", "f64"))}


def _child(cache: Path, env_extra: dict) -> subprocess.CompletedProcess:
    env = dict(os.environ, SNNLAB_CACHE=str(cache), PYTHONPATH=os.pathsep.join([str(ROOT),
                                                                                 os.environ.get("PYTHONPATH", "")]))
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=600)


@pytest.fixture
def cache_with(copy_cc, tmp_path, monkeypatch):
    """A fresh cache holding the copying compiler's valid lif and clif libraries: returns (cache, their paths,
    the child's environment)."""
    cache = tmp_path / "cache"
    for k, v in copy_cc.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("SNNLAB_CACHE", str(cache))
    monkeypatch.setattr(build, "_compiler", None)
    paths = {fam: build.compile_library(fam, "f64") for fam in ("lif", "clif")}  # (copies, no gcc)
    monkeypatch.setattr(build, "_compiler", None)
    assert all(build.valid(p, fam, "f64") for fam, p in paths.items())
    return cache, paths, copy_cc


@pytest.fixture
def isolated(monkeypatch, tmp_path):
    """This process with an empty set of loaded libraries, no remembered failures or warnings."""
    monkeypatch.setattr(build, "_libs", {})
    monkeypatch.setattr(build, "_failed", {})
    monkeypatch.setattr(kernels, "_warned", set())
    monkeypatch.setenv("SNNLAB_CACHE", str(tmp_path / "cache"))
    return tmp_path


def _kernel_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(w.message) for w in caught if "snnlab.kernels" in str(w.message)]


def _unwritable_cases(monkeypatch, tmp_path, how):
    if how == "file":  # SNNLAB_CACHE names a file: the kernels folder cannot be created under it
        f = tmp_path / "not-a-folder"
        f.write_text("x")
        monkeypatch.setenv("SNNLAB_CACHE", str(f))
    else:  # a read-only folder (EACCES; simulated, since tests may run as root, which ignores permissions)
        ro = tmp_path / "readonly"
        (ro / "kernels").mkdir(parents=True)
        ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
        monkeypatch.setenv("SNNLAB_CACHE", str(ro))

        def denied(*a, **k):
            raise PermissionError(13, "Permission denied", str(ro / "kernels"))

        if os.geteuid() == 0:
            monkeypatch.setattr(build.tempfile, "mkstemp", denied)


@pytest.mark.parametrize("how", ["file", "readonly"])
def test_unwritable_cache_falls_back_with_one_warning(isolated, monkeypatch, how):
    _unwritable_cases(monkeypatch, isolated, how)
    x = torch.randn(3, 2, 4) + 0.8
    outs, msgs = _kernel_warnings(lambda: [neurons.build(k)(x) for k in ("lif", "clif", "lif", "ilif")])
    assert len(msgs) == 1, msgs  # one warning for every neuron, not an OSError per forward
    assert "runs the reference loop" in msgs[0] and "cannot write the kernel cache" in msgs[0]
    assert "SNNLAB_CACHE" in msgs[0]
    assert torch.equal(outs[0], neurons.build("lif", backend="reference")(x))
    with pytest.raises(kernels.KernelUnavailable, match="backend='cpu' cannot run: cannot write the kernel cache"):
        neurons.build("lif", backend="cpu")(x)


def test_failure_is_remembered(isolated, monkeypatch):
    """After one failed build, later forwards do not run the compiler again."""
    _unwritable_cases(monkeypatch, isolated, "file")
    calls = []
    real = build.compile_library
    monkeypatch.setattr(build, "compile_library", lambda *a: calls.append(a) or real(*a))
    x = torch.randn(3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            neurons.build("lif")(x)
    assert len(calls) == 1


def test_truncated_library_is_rebuilt_not_loaded(cache_with):
    """A library cut in half (a disk full or a killed copy) used to be mapped and kill Python with SIGBUS."""
    cache, paths, env = cache_with
    lib = paths["lif"]
    full = lib.stat().st_size
    with open(lib, "r+b") as f:
        f.truncate(full // 2)
    assert not build.valid(lib, "lif", "f64")
    proc = _child(cache, env)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-3000:])
    assert proc.stdout.split() == ["OK", str(full)]


def test_empty_library_is_rebuilt(cache_with):
    """A 0-byte library used to mean the reference loop forever (every load failed, nothing rebuilt)."""
    cache, paths, env = cache_with
    full = paths["lif"].stat().st_size
    paths["lif"].write_bytes(b"")
    proc = _child(cache, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["OK", str(full)]


@pytest.mark.parametrize("checksum", ["none", "renamed", "forged"])
def test_library_of_another_family_is_rebuilt(cache_with, checksum):
    """The CLIF library under the LIF name used to raise AttributeError (snn_lif_forward_f64 missing). Without a
    checksum file, with CLIF's checksum file renamed, or even with a checksum file forged for it, it is replaced
    by a LIF build (the forged case is caught by the library's snn_library_id() after loading)."""
    cache, paths, env = cache_with
    lif, clif = paths["lif"], paths["clif"]
    size = lif.stat().st_size
    shutil.copyfile(clif, lif)
    sums = lif.with_name(lif.name + ".sha256")
    if checksum == "none":
        sums.unlink()
    elif checksum == "renamed":
        shutil.copyfile(clif.with_name(clif.name + ".sha256"), sums)
    else:
        sums.write_text(f"{build._sha256(lif)} lif f64\n")
    assert build.valid(lif, "lif", "f64") == (checksum == "forged")
    proc = _child(cache, env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["OK", str(size)]


def test_compiler_without_output_installs_nothing(isolated, monkeypatch):
    """A "compiler" that exits 0 and writes nothing used to install a 0-byte library that was never rebuilt."""
    fake = isolated / "fakecc"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CC", str(fake))
    monkeypatch.setattr(build, "_compiler", None)
    x = torch.randn(3, 4)
    with pytest.raises(kernels.KernelUnavailable, match="exited 0 but wrote no shared library"):
        neurons.build("lif", backend="cpu")(x)
    assert not any((isolated / "cache" / "kernels").glob("*.so"))
    _, msgs = _kernel_warnings(lambda: neurons.build("clif")(x))
    assert len(msgs) == 1 and "wrote no shared library" in msgs[0]
    # the failure is remembered: no second compiler run for the same library
    calls = []
    monkeypatch.setattr(build.subprocess, "run", lambda *a, **k: calls.append(a))
    with pytest.raises(kernels.KernelUnavailable, match="wrote no shared library"):
        neurons.build("lif", backend="cpu")(x)
    assert calls == []
