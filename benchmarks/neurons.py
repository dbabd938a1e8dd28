"""Forward+backward speed and memory of the multi-step neurons: snnlab fused kernels vs reference loop vs
SpikingJelly 2.0, and each timing as a multiple of this machine's memory-bandwidth bound.

    python benchmarks/neurons.py                      # T in {4, 8}, N in {65536, 1048576}, 5 repeats
    python benchmarks/neurons.py --T 8 --N 1048576 --repeats 7 --neurons lif clif

For every neuron (lif, lif-rect, plif, klif, clif, ilif, glif) and size it times one forward+backward of a ``[T, N]`` float32 input
(a fresh state each time; the backward gets a random ``dL/dS``):

* ``snnlab``: ``backend="auto"`` (on CPU: the C kernels of ``snnlab/kernels/csrc``);
* ``reference``: snnlab's plain multi-step torch loop (``backend="reference"``, autograd through every op);
``lif-rect`` is LIF with the rectangle surrogate (width 1; soft reset, as ``lif``): on CPU it runs the coded
kernel path that keeps 1 byte per element and step for backward instead of the input's 4 (snnlab.kernels.cpu).

* ``spikingjelly``: SpikingJelly 2.0 ``LIFNode`` / ``KLIFNode`` / ``ComplementaryLIFNode`` / ``GatedLIFNode``
  with ``step_mode="m"`` and the same settings (its CPU path is chosen by SpikingJelly itself; 2.0 has no CPU
  backend switch). PLIF and ILIF have no SpikingJelly equivalent here (SpikingJelly's ``ILIFNode`` is a
  different, integer neuron). ``glif`` is layer-wise (one value per parameter, SpikingJelly ``inplane=None``)
  with the Sigmoid(alpha=4) surrogate of both; ``GatedLIFNode`` shapes its parameters for ``[B, C, H, W]``
  steps, so it gets the ``[T, N]`` input as ``[T, 1, 1, 1, N]`` (a view) and its output is viewed back.

Reported per row: median and min seconds over ``--repeats`` timed runs after one warm-up. **Headline: a default
process** (``median_default_s``): every subject is first timed in a separate, fresh Python process whose
allocator is what a user's process gets: snnlab sets glibc up at its first kernel call (``snnlab.malloc``: freed
blocks are kept for reuse; before, tensors of 32 MiB and more, e.g. [8, 2^20] float32, were mmapped and
page-faulted at every call); the subjects after the first (the reference loop, SpikingJelly) run in that same
process. ``SNNLAB_MALLOC=system`` in the environment gives the child glibc's defaults instead (the figures of
a process that never called a snnlab kernel). Then, in this process, each subject is timed
twice more: with the "cold" allocator (every large tensor freshly mmapped: each run pays the page faults of its
outputs, ``median_cold_s``) and the "warm" one (freed memory kept for reuse, a caching allocator's steady
state). In warm mode glibc still grows the heap now and then instead of reusing a freed block, and that run pays
the page faults of fresh memory; the page faults of every run are recorded (``page_faults``) and the warm
``median_s`` is taken over the runs without them (``warm_runs_used``; ``median_all_s`` over all runs). The
bandwidth bound
``bytes_min / copy_bandwidth`` with ``bytes_min = 20 B`` per element and step (forward reads X and writes S;
backward reads dL/dS and X, or an equally large saved tensor, and writes dL/dX; float32) and the ratio
median/bound; ``saved_B_per_elem``: bytes of the distinct tensors autograd keeps for backward (counted with
``torch.autograd.graph.saved_tensors_hooks`` during the forward, the input included when it is kept) divided by
T·N; ``peak_B_per_elem``: the peak, over forward + backward, of the bytes of tensor storages created during the
call and still alive (every op seen by a ``TorchDispatchMode``; a storage counts from the op that creates it
until it is freed, views and in-place results of existing tensors excluded), per T·N element. It counts what
torch allocates (the kernels' outputs, autograd's saved intermediates, the returned dL/dX), not the C kernels'
own per-thread scratch (T·4·128 floats per thread) nor allocator overhead; the process's resident-set peak
(VmHWM) proved unusable for this here (glibc keeps and reuses freed blocks). A value that cannot be measured is written as null with the reason
in ``notes`` (never clamped). Timings on a shared machine are noisy: the medians are the figures to read.

``record``: the forward with ``record=True`` (the states of every step) under ``torch.no_grad()``, fused kernels
(which write H, V and the neuron's own states as extra outputs) against the reference loop, in the default process
(``median_default_s``) and with the warm allocator (``median_s``, over the runs without page faults as above),
after two untimed calls.

Writes ``benchmarks/results/neurons-<host>.json`` (``--out`` to change) and prints a table.
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import resource
import socket
import statistics
import sys
import time
from pathlib import Path

import torch
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from snnlab import neurons  # noqa: E402

#: the SNNLAB_MALLOC this benchmark was started with: the default-process child gets it (unset: snnlab tunes the
#: allocator at its first kernel call, as in any user's process); this process sets the modes itself
#: (``_malloc_mode``), so snnlab must leave glibc alone here
_USER_MALLOC = os.environ.get("SNNLAB_MALLOC")

BYTES_MIN_PER_ELEM = 20  # float32: fwd read X + write S, bwd read dS + read X (or saved H) + write dX


# ------------------------------------------------------------------------------------------- memory helpers
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_MMAP_MAX = -1, -3, -4


def _malloc_mode(mode: str) -> bool:
    """glibc allocator behaviour for large tensors.

    ``"warm"``: no block is mmapped (``M_MMAP_MAX`` = 0: glibc caps ``M_MMAP_THRESHOLD`` at 32 MiB, so raising
    the threshold alone would still mmap every 32 MiB tensor) and freed heap memory is kept, so repeated calls
    reuse pages as a caching allocator would (the time then reflects the kernel, not page faults).
    ``"cold"``: every block of 64 KiB or more is mmapped on allocation and returned on free, so every call pays
    first-touch page faults on its outputs, and the peak RSS tracks the live tensors (used for peak memory).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    if mode == "warm":
        ok = libc.mallopt(M_MMAP_MAX, 0) and libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
    else:
        ok = (libc.mallopt(M_MMAP_MAX, 65536) and libc.mallopt(M_MMAP_THRESHOLD, 64 << 10)
              and libc.mallopt(M_TRIM_THRESHOLD, 128 << 10))
        libc.malloc_trim(0)
    return bool(ok)


def copy_bandwidth(nbytes: int = 256 << 20, repeats: int = 7) -> float:
    """Memory copy bandwidth in bytes/s: ``dst.copy_(src)`` moves 2·nbytes (read + write), median of repeats."""
    src = torch.rand(nbytes // 4)
    dst = torch.empty_like(src)
    dst.copy_(src)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        dst.copy_(src)
        times.append(time.perf_counter() - t0)
    return 2 * nbytes / statistics.median(times)


# ------------------------------------------------------------------------------------------- subjects
def snnlab_module(kind: str, backend: str, T: int):
    settings = {
        "lif": dict(surrogate="sigmoid", width=1.0),
        "lif-rect": dict(surrogate="rectangle", width=1.0),
        "plif": dict(surrogate="sigmoid", width=1.0),
        "klif": dict(),  # SpikingJelly KLIFNode defaults: tau 2, decay_input, hard reset 0, Sigmoid(4)
        "clif": dict(surrogate="rectangle", width=1.0),
        "ilif": dict(surrogate="sigmoid", width=1.0),
        "glif": dict(T=T),  # SpikingJelly GatedLIFNode defaults: layer-wise, Sigmoid(alpha=4) (width 1)
    }[kind]
    return neurons.build(kind.split("-")[0], backend=backend, **settings)


class _SJGatedLIF(torch.nn.Module):
    """SpikingJelly ``GatedLIFNode`` on a ``[T, N]`` input: viewed as ``[T, 1, 1, 1, N]`` (its parameters are
    shaped ``[1, C, 1, 1]`` for ``[B, C, H, W]`` steps), output viewed back to ``[T, N]``."""

    def __init__(self, T: int):
        super().__init__()
        from spikingjelly.activation_based import neuron

        self.node = neuron.GatedLIFNode(T=T, step_mode="m")

    def forward(self, x):
        return self.node(x.view(x.shape[0], 1, 1, 1, -1)).view(x.shape)

    def reset(self):
        self.node.reset()


def sj_module(kind: str, T: int):
    from spikingjelly.activation_based import neuron, surrogate

    if kind == "lif":
        return neuron.LIFNode(tau=2.0, decay_input=False, v_reset=None, surrogate_function=surrogate.Sigmoid(alpha=4.0),
                              step_mode="m")
    if kind == "lif-rect":  # Rect(alpha): window |x| < 0.5/alpha, height alpha (width 1 at alpha = 1)
        return neuron.LIFNode(tau=2.0, decay_input=False, v_reset=None, surrogate_function=surrogate.Rect(alpha=1.0),
                              step_mode="m")
    if kind == "klif":
        return neuron.KLIFNode(step_mode="m")
    if kind == "clif":
        return neuron.ComplementaryLIFNode(tau=2.0, surrogate_function=surrogate.Rect(alpha=1.0), step_mode="m")
    if kind == "glif":
        return _SJGatedLIF(T)
    return None


def _reset(mod):
    if hasattr(mod, "reset"):
        mod.reset()


def run_once(mod, x, grad):
    _reset(mod)
    if x.grad is not None:
        x.grad = None
    for p in mod.parameters():
        p.grad = None
    s = mod(x)
    s.backward(grad)
    _reset(mod)


def saved_bytes(mod, x) -> int:
    seen = {}

    def pack(t):
        try:
            st = t.untyped_storage()
            seen[st.data_ptr()] = max(seen.get(st.data_ptr(), 0), st.nbytes())
        except Exception:  # noqa: BLE001 - a tensor subclass without storage: count its size
            seen[id(t)] = t.numel() * t.element_size()
        return t

    _reset(mod)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        s = mod(x)
    del s
    _reset(mod)
    return sum(seen.values())


class _LiveStorages(TorchDispatchMode):
    """Tracks the storages that ops create while it is active, and the peak of their total live bytes."""

    def __init__(self):
        super().__init__()
        self.live = {}  # storage address -> (weak reference, bytes)
        self.peak = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        inputs = {t.untyped_storage().data_ptr() for t in tree_leaves((args, kwargs)) if isinstance(t, torch.Tensor)}
        for key in [k for k, (ref, _) in self.live.items() if ref.expired()]:
            del self.live[key]
        for t in tree_leaves(out):
            if isinstance(t, torch.Tensor):
                st = t.untyped_storage()
                ptr = st.data_ptr()
                if ptr and ptr not in self.live and ptr not in inputs:
                    self.live[ptr] = (StorageWeakRef(st), st.nbytes())
        self.peak = max(self.peak, sum(n for _, n in self.live.values()))
        return out


def peak_bytes(mod, x, grad):
    """Peak bytes of the tensors one forward + backward creates (``_LiveStorages``), from a fresh state."""
    x.grad = None
    _reset(mod)
    tracker = _LiveStorages()
    with tracker:
        run_once(mod, x, grad)
    return tracker.peak, None


def _minor_faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def time_subject(mod, x, grad, repeats: int):
    """``(times, faults)``: the wall time of each timed run and the page faults it took (minor faults of the
    process: first touches of memory the allocator got fresh from the OS)."""
    run_once(mod, x, grad)  # warm-up (and first-use compilation of the C kernels)
    times, faults = [], []
    for _ in range(repeats):
        f0 = _minor_faults()
        t0 = time.perf_counter()
        run_once(mod, x, grad)
        times.append(time.perf_counter() - t0)
        faults.append(_minor_faults() - f0)
    return times, faults


def warm_median(times, faults, elements: int):
    """Median over the runs that touched no fresh memory (fewer page faults than 1 per 64 Ki elements: glibc
    sometimes grows the heap instead of reusing a freed block, and those runs then pay the OS's page faults
    like the cold mode); all runs when there is no such run. Returns ``(median, runs used)``."""
    clean = [t for t, f in zip(times, faults) if f * 65536 < elements]
    use = clean or times
    return statistics.median(use), len(clean)


def time_record(kind: str, backend: str, x, repeats: int):
    """``(times, faults)`` of ``repeats`` forwards with ``record=True`` under no_grad (after two warm-ups), as
    ``time_subject``."""
    mod = snnlab_module(kind, backend, x.shape[0])
    times, faults = [], []
    with torch.no_grad():
        for i in range(repeats + 2):
            mod.reset()
            f0 = _minor_faults()
            t0 = time.perf_counter()
            s, rec = mod(x, record=True)
            if i >= 2:
                times.append(time.perf_counter() - t0)
                faults.append(_minor_faults() - f0)
            del s, rec
    return times, faults


def default_process_pass(args) -> dict:
    """Time every subject (forward+backward) and the record=True forwards in this process without touching the
    allocator: the figures of a default process. ``{(neuron, impl, T, N): times}`` as JSON-able rows."""
    out = []
    for T in args.T:
        for N in args.N:
            x = (torch.randn(T, N) + 0.5).requires_grad_()
            grad = torch.randn(T, N)
            for kind in args.neurons:
                for impl, make in (("snnlab", lambda: snnlab_module(kind, "auto", T)),
                                   ("reference", lambda: snnlab_module(kind, "reference", T)),
                                   ("spikingjelly", lambda: sj_module(kind, T))):
                    mod = make()
                    if mod is None:
                        continue
                    times, faults = time_subject(mod, x, grad, args.repeats)
                    out.append({"neuron": kind, "impl": impl, "T": T, "N": N, "times_s": times, "page_faults": faults})
                    del mod
                if args.record:
                    xd = x.detach()
                    for impl, backend in (("record", "auto"), ("record_reference", "reference")):
                        times, faults = time_record(kind, backend, xd, args.repeats)
                        out.append({"neuron": kind, "impl": impl, "T": T, "N": N, "times_s": times,
                                    "page_faults": faults})
    return {"rows": out}


def _run_default_pass(args) -> dict:
    """``default_process_pass`` in a fresh child process (nothing in this process has touched its allocator
    yet, but a fresh one also has no history of freed blocks)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "default.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--default-pass", str(path), "--repeats",
               str(args.repeats), "--T", *map(str, args.T), "--N", *map(str, args.N), "--neurons", *args.neurons]
        if not args.record:
            cmd.append("--no-record")
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        env = {k: v for k, v in os.environ.items() if k != "SNNLAB_MALLOC"}
        if _USER_MALLOC is not None:
            env["SNNLAB_MALLOC"] = _USER_MALLOC
        subprocess.run(cmd, check=True, env=env)
        return json.loads(path.read_text())


# ------------------------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--T", type=int, nargs="+", default=[4, 8])
    ap.add_argument("--N", type=int, nargs="+", default=[65536, 1048576])
    ap.add_argument("--neurons", nargs="+", default=["lif", "lif-rect", "plif", "klif", "clif", "ilif", "glif"])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--no-record", dest="record", action="store_false", help="skip the record=True timings")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    ap.add_argument("--default-pass", type=Path, default=None, help=argparse.SUPPRESS)  # internal: child process
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.default_pass:
        torch.manual_seed(0)
        args.default_pass.write_text(json.dumps(default_process_pass(args)))
        return

    print("# default process (a fresh child: the allocator as a user's process has it, i.e. set up by snnlab at its "
          "first kernel call unless SNNLAB_MALLOC=system) ...", flush=True)
    default_rows = _run_default_pass(args)["rows"]
    default_by = {(r["neuron"], r["impl"], r["T"], r["N"]): r for r in default_rows}
    os.environ["SNNLAB_MALLOC"] = "system"  # from here on this process sets the allocator modes itself
    pinned = _malloc_mode("cold")
    torch.manual_seed(0)
    bw = copy_bandwidth()
    host = socket.gethostname()
    meta = {
        "host": host, "platform": platform.platform(), "processor": platform.processor(),
        "torch": torch.__version__, "threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
        "copy_bandwidth_GBps": bw / 1e9, "bytes_min_per_elem": BYTES_MIN_PER_ELEM, "repeats": args.repeats,
        "malloc_controlled": pinned, "dtype": "float32",
        "timing": "median_default_s (headline): a fresh process with glibc's default allocator; median_s: warm allocator (pages reused, steady state); median_cold_s: every output freshly mmapped (page faults included); peak memory measured with the cold allocator",
    }
    try:
        from importlib.metadata import version

        meta["spikingjelly"] = version("spikingjelly")
    except Exception:  # noqa: BLE001 - not installed
        meta["spikingjelly"] = None

    # warm-up: build every snnlab kernel library and run each neuron once at the first size, so that no timing
    # below pays a first-use compilation, the OpenMP pool's start or the heap's first growth
    x0 = (torch.randn(args.T[0], args.N[0]) + 0.5).requires_grad_()
    g0 = torch.randn(args.T[0], args.N[0])
    for kind in args.neurons:
        for _ in range(2):
            run_once(snnlab_module(kind, "auto", args.T[0]), x0, g0)
    del x0, g0

    rows = []
    print(f"# copy bandwidth {bw / 1e9:.2f} GB/s, {meta['threads']} threads, torch {torch.__version__}")
    header = (f"{'neuron':8} {'impl':13} {'T':>2} {'N':>8} {'default_ms':>10} {'warm_ms':>10} {'min_ms':>8} "
              f"{'x_bound':>8} "
              f"{'saved_B/el':>10} {'peak_B/el':>9} {'warm_runs':>9}")
    print(header)
    for T in args.T:
        for N in args.N:
            x = torch.randn(T, N) * 1.0 + 0.5
            x.requires_grad_()
            grad = torch.randn(T, N)
            bound = BYTES_MIN_PER_ELEM * T * N / bw
            for kind in args.neurons:
                subjects = [("snnlab", lambda: snnlab_module(kind, "auto", T)),
                            ("reference", lambda: snnlab_module(kind, "reference", T))]
                subjects.append(("spikingjelly", lambda: sj_module(kind, T)))
                for impl, make in subjects:
                    row = {"neuron": kind, "impl": impl, "T": T, "N": N, "notes": []}
                    try:
                        mod = make()
                    except Exception as exc:  # noqa: BLE001
                        mod, row["notes"] = None, [f"cannot build: {exc!r}"]
                    if mod is None:
                        if not row["notes"]:
                            row["notes"].append("no equivalent neuron in spikingjelly 2.0")
                        row.update(median_s=None, min_s=None, times_s=None, x_bound=None,
                                   saved_B_per_elem=None, peak_B_per_elem=None)
                        rows.append(row)
                        continue
                    try:
                        cold, cold_faults = time_subject(mod, x, grad, args.repeats)  # "cold" allocator here
                        if not _malloc_mode("warm"):
                            row["notes"].append("could not set glibc's warm allocator mode: warm = cold here")
                        times, faults = time_subject(mod, x, grad, args.repeats)
                        med, clean = warm_median(times, faults, T * N)
                        if not clean:
                            row["notes"].append("every warm run took page faults: median over all of them")
                        row.update(times_s=times, page_faults=faults, warm_runs_used=clean, median_s=med,
                                   median_all_s=statistics.median(times), min_s=min(times), bound_s=bound,
                                   x_bound=med / bound, times_cold_s=cold, page_faults_cold=cold_faults,
                                   median_cold_s=statistics.median(cold), x_bound_cold=statistics.median(cold) / bound)
                    except Exception as exc:  # noqa: BLE001
                        row.update(times_s=None, median_s=None, min_s=None, x_bound=None)
                        row["notes"].append(f"timing failed: {exc!r}")
                    finally:
                        _malloc_mode("cold")
                    try:
                        row["saved_B_per_elem"] = saved_bytes(mod, x) / (T * N)
                    except Exception as exc:  # noqa: BLE001
                        row["saved_B_per_elem"] = None
                        row["notes"].append(f"saved bytes not measurable: {exc!r}")
                    peak, why = peak_bytes(mod, x, grad) if row["median_s"] is not None else (None, "not run")
                    row["peak_B_per_elem"] = None if peak is None else peak / (T * N)
                    if why:
                        row["notes"].append(f"peak memory not measurable: {why}")
                    d = default_by.get((kind, impl, T, N))
                    if d is not None:
                        row.update(times_default_s=d["times_s"], page_faults_default=d["page_faults"],
                                   median_default_s=statistics.median(d["times_s"]),
                                   x_bound_default=statistics.median(d["times_s"]) / bound)
                    rows.append(row)
                    fmt = lambda v, f: "n/a" if v is None else format(v, f)  # noqa: E731
                    print(f"{kind:8} {impl:13} {T:>2} {N:>8} "
                          f"{fmt(row.get('median_default_s') and row['median_default_s'] * 1e3, '10.1f'):>10} "
                          f"{fmt(row['median_s'] and row['median_s'] * 1e3, '10.1f'):>10} "
                          f"{fmt(row['min_s'] and row['min_s'] * 1e3, '8.1f'):>8} {fmt(row['x_bound'], '8.2f'):>8} "
                          f"{fmt(row['saved_B_per_elem'], '10.2f'):>10} {fmt(row['peak_B_per_elem'], '9.2f'):>9} "
                          f"{str(row.get('warm_runs_used', 'n/a')) + '/' + str(args.repeats):>9}",
                          flush=True)
                    del mod

    # record=True forwards (no grad) with the warm allocator
    record_rows = []
    if args.record:
        _malloc_mode("warm")
        for T in args.T:
            for N in args.N:
                xr = torch.randn(T, N) + 0.5
                for kind in args.neurons:
                    r = {"neuron": kind, "T": T, "N": N}
                    for impl, backend in (("record", "auto"), ("record_reference", "reference")):
                        times, faults = time_record(kind, backend, xr, args.repeats)
                        med, clean = warm_median(times, faults, T * N)
                        d = default_by.get((kind, impl, T, N))
                        r[impl] = {"times_s": times, "page_faults": faults, "warm_runs_used": clean, "median_s": med,
                                   "times_default_s": d and d["times_s"],
                                   "median_default_s": d and statistics.median(d["times_s"])}
                    ref, fast = r["record_reference"], r["record"]
                    r["speedup"] = ref["median_s"] / fast["median_s"]
                    r["speedup_default"] = (ref["median_default_s"] / fast["median_default_s"]
                                            if fast["median_default_s"] else None)
                    record_rows.append(r)
                    print(f"record=True {kind:8} T={T} N={N:>8}: fused {fast['median_default_s'] * 1e3:.1f} ms "
                          f"(warm {fast['median_s'] * 1e3:.1f}), reference {ref['median_default_s'] * 1e3:.1f} ms "
                          f"(warm {ref['median_s'] * 1e3:.1f}): {r['speedup_default']:.1f}x default process, "
                          f"{r['speedup']:.1f}x warm", flush=True)
        _malloc_mode("cold")

    # speedups of snnlab over the others, per (neuron, T, N)
    summary = []
    for T in args.T:
        for N in args.N:
            for kind in args.neurons:
                by = {r["impl"]: r for r in rows if r["neuron"] == kind and r["T"] == T and r["N"] == N}
                fast = by.get("snnlab", {}).get("median_s")
                fast_cold = by.get("snnlab", {}).get("median_cold_s")
                fast_def = by.get("snnlab", {}).get("median_default_s")
                entry = {"neuron": kind, "T": T, "N": N,
                         "snnlab_ms_default": fast_def and fast_def * 1e3, "snnlab_ms_warm": fast and fast * 1e3,
                         "snnlab_x_bound_default": by.get("snnlab", {}).get("x_bound_default"),
                         "snnlab_x_bound": by.get("snnlab", {}).get("x_bound"),
                         "snnlab_x_bound_cold": by.get("snnlab", {}).get("x_bound_cold")}
                for other in ("reference", "spikingjelly"):
                    o = by.get(other, {}).get("median_default_s")
                    entry[f"speedup_vs_{other}_default"] = None if (fast_def is None or o is None) else o / fast_def
                    o = by.get(other, {}).get("median_s")
                    entry[f"speedup_vs_{other}"] = None if (fast is None or o is None) else o / fast
                    o = by.get(other, {}).get("median_cold_s")
                    entry[f"speedup_vs_{other}_cold"] = None if (fast_cold is None or o is None) else o / fast_cold
                summary.append(entry)
    print("\n# warm_runs: timed runs without page faults, over which the warm median is taken")
    print("# speedup of snnlab (median fwd+bwd) and its ratio to the bandwidth bound: DEFAULT PROCESS first, then "
          "warm allocator [cold allocator: outputs freshly mmapped, page faults included]")
    for e in summary:
        fmt = lambda v: "n/a" if v is None else f"{v:.1f}x"  # noqa: E731
        print(f"{e['neuron']:8} T={e['T']} N={e['N']:>8}: default process "
              f"{'n/a' if e['snnlab_ms_default'] is None else format(e['snnlab_ms_default'], '.1f')} ms, vs "
              f"reference {fmt(e['speedup_vs_reference_default'])}, vs spikingjelly "
              f"{fmt(e['speedup_vs_spikingjelly_default'])}, time/bound {fmt(e['snnlab_x_bound_default'])} | warm: "
              f"vs reference {fmt(e['speedup_vs_reference'])}, "
              f"vs spikingjelly {fmt(e['speedup_vs_spikingjelly'])}, time/bound {fmt(e['snnlab_x_bound'])} "
              f"[cold: vs reference {fmt(e['speedup_vs_reference_cold'])}, vs spikingjelly "
              f"{fmt(e['speedup_vs_spikingjelly_cold'])}, time/bound {fmt(e['snnlab_x_bound_cold'])}]")

    out = args.out or ROOT / "benchmarks" / "results" / f"neurons-{host}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"meta": meta, "rows": rows, "summary": summary, "record": record_rows}, indent=1))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
