"""GPU kernel speed: forward+backward of each multi-step neuron on CUDA, snnlab's Triton kernels against the
reference loop and SpikingJelly 2.0's own CUDA path, and each as a fraction of the GPU's memory bandwidth.

    python benchmarks/gpu_kernels.py --out benchmarks/results/gpu-kernels.json   # T = 8, N = 2^24, float32

For every neuron (lif, lif-rect, plif, klif, clif, ilif, glif: the settings of ``benchmarks/neurons.py``, so the
CPU and GPU tables compare the same subjects) one forward+backward of a ``[T, N]`` float32 input from a fresh
state, the backward with a random ``dL/dS``:

* ``snnlab``: ``backend="triton"`` (the fused kernels of ``snnlab/kernels/triton.py``);
* ``reference``: snnlab's plain multi-step torch loop (``backend="reference"``), on the GPU;
* ``spikingjelly``: SpikingJelly 2.0's module with ``step_mode="m"``; on CUDA it picks its own implementation
  (Triton or its CUDA kernels where it has one, else its torch loop): the one it used is recorded
  (``spikingjelly.activation_based.functional.neuron_implementation``). PLIF and ILIF have no equivalent there.

Timing: CUDA events around each call after ``--warmup`` untimed calls; the median and min of ``--repeats``.
Bandwidth: ``bytes_min = 20 B`` per element and step (forward reads X and writes S; backward reads dL/dS and X, or
an equally large saved tensor, and writes dL/dX) over the median time, against a device-to-device copy of
``--copy-bytes`` measured in the same run (``dst.copy_(src)`` moves 2 x the bytes). ``peak_B_per_elem``: the
peak of ``torch.cuda.max_memory_allocated`` over one forward+backward above what was allocated before, per T·N.
A check on the same input: snnlab's spikes against the reference loop's (``spikes_equal``) and the largest
relative difference of dL/dX (``grad_rel_err``).

``--device cpu`` runs the same code on CPU tensors under ``TRITON_INTERPRET=1`` (tiny sizes only: the smoke test of
this script, tests/test_gpu_scripts.py); its timings mean nothing.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import math
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NEURONS = ("lif", "lif-rect", "plif", "klif", "clif", "ilif", "glif")
SJ_NAMES = {"lif": "lif", "lif-rect": "lif", "clif": "clif"}  # neuron_implementation's names, where it has one


def _bench_neurons():
    """benchmarks/neurons.py (the CPU benchmark) as a module: its subjects and byte model are shared."""
    spec = importlib.util.spec_from_file_location("snnlab_bench_neurons", ROOT / "benchmarks" / "neurons.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Timer:
    """Wall time of a callable on ``device``: CUDA events there, perf_counter on the CPU."""

    def __init__(self, device: torch.device):
        self.cuda = device.type == "cuda"

    def __call__(self, fn) -> float:
        if self.cuda:
            a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize()
            a.record()
            fn()
            b.record()
            b.synchronize()
            return a.elapsed_time(b) / 1e3
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0


def copy_bandwidth(device: torch.device, nbytes: int, repeats: int = 10) -> float:
    """Device-to-device copy bandwidth in bytes/s, counting read + write (2 x nbytes), median of ``repeats``."""
    src = torch.rand(nbytes // 4, device=device)
    dst = torch.empty_like(src)
    dst.copy_(src)
    timer = Timer(device)
    times = [timer(lambda: dst.copy_(src)) for _ in range(repeats)]
    del src, dst
    return 2 * nbytes / statistics.median(times)


def _peak_bytes(device, fn) -> int | None:
    if device.type != "cuda":
        return None
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    fn()
    torch.cuda.synchronize()
    return torch.cuda.max_memory_allocated() - base


def sj_implementation(kind: str, device: torch.device) -> str:
    """What SpikingJelly runs for ``kind`` on ``device`` (its own report), or why it is unknown."""
    name = SJ_NAMES.get(kind)
    if name is None:
        return "torch loop (no fused SpikingJelly kernel for this neuron)"
    try:
        from spikingjelly.activation_based import functional

        info = functional.neuron_implementation(name, device)
        return str(info.get("implementation"))
    except Exception as exc:  # noqa: BLE001 - recorded, not fatal
        return f"unknown ({type(exc).__name__}: {exc})"


def measure(kind: str, T: int, N: int, device: torch.device, repeats: int, warmup: int, nb) -> dict:
    g = torch.Generator().manual_seed(0)
    x_cpu = torch.randn(T, N, generator=g) * 0.8 + 0.6
    x = x_cpu.to(device).requires_grad_()
    grad = torch.randn(T, N, generator=g).to(device)
    del x_cpu
    timer = Timer(device)
    row = {"neuron": kind, "T": T, "N": N, "subjects": {}}
    outs, state = {}, None
    for subject in ("snnlab", "reference", "spikingjelly"):
        entry: dict = {}
        try:
            if subject == "spikingjelly":
                mod = nb.sj_module(kind, T)
                if mod is None:
                    row["subjects"][subject] = {"skipped": "no SpikingJelly 2.0 equivalent"}
                    continue
                entry["implementation"] = sj_implementation(kind, device)
            else:
                mod = nb.snnlab_module(kind, "triton" if subject == "snnlab" else "reference", T)
                if state is None:
                    state = mod.state_dict()
                else:  # the same parameters (GLIF draws its gates at random): the check below compares like
                    mod.load_state_dict(state)
            mod = mod.to(device)
            for _ in range(warmup):
                nb.run_once(mod, x, grad)
            times = [timer(lambda: nb.run_once(mod, x, grad)) for _ in range(repeats)]
            peak = _peak_bytes(device, lambda: nb.run_once(mod, x, grad))
            if subject in ("snnlab", "reference"):
                nb._reset(mod)
                x.grad = None
                s = mod(x)
                s.backward(grad)
                outs[subject] = (s.detach(), x.grad.detach().clone())
                nb._reset(mod)
                del s
                x.grad = None
            med = statistics.median(times)
            entry.update(median_s=med, min_s=min(times), times_s=times,
                         peak_B_per_elem=None if peak is None else peak / (T * N))
        except Exception as exc:  # noqa: BLE001 - one subject failing must not hide the others
            entry["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        row["subjects"][subject] = entry
        mod = None
        if device.type == "cuda":
            torch.cuda.empty_cache()
    if "snnlab" in outs and "reference" in outs:
        (s1, g1), (s2, g2) = outs["reference"], outs["snnlab"]
        row["spikes_equal"] = bool(torch.equal(s1, s2))
        row["spike_mismatch_fraction"] = float((s1 != s2).float().mean())
        row["grad_rel_err"] = float((g1 - g2).abs().max() / g1.abs().max().clamp_min(1e-12))
    return row


SWEEP_TILES = ((256, 4), (512, 4), (1024, 4), (1024, 8), (2048, 8))
SWEEP_NEURONS = ("lif", "plif", "clif", "ilif", "glif")


def sweep(kinds, T: int, N: int, device: torch.device, tiles, repeats: int, warmup: int, nb) -> dict:
    """Forward+backward of snnlab's Triton kernels per tile (``BLOCK`` elements and ``NUM_WARPS`` warps per
    program, ``snnlab.kernels.triton``'s launch settings) per neuron; each tile's spikes and dL/dX against the
    first tile's (the tiling must not change a value). ``best``: the tile with the smallest geometric mean, over
    the neurons, of its time over that neuron's fastest tile."""
    import snnlab.kernels.triton as tk

    saved = (tk.BLOCK, tk.NUM_WARPS)
    g = torch.Generator().manual_seed(0)
    x = (torch.randn(T, N, generator=g) * 0.8 + 0.6).to(device).requires_grad_()
    grad = torch.randn(T, N, generator=g).to(device)
    timer = Timer(device)
    rows = []
    try:
        for kind in kinds:
            mod = nb.snnlab_module(kind, "triton", T).to(device)
            first = None
            for block, warps in tiles:
                tk.BLOCK, tk.NUM_WARPS = block, warps
                row = {"neuron": kind, "block": block, "warps": warps}
                try:
                    for _ in range(warmup):
                        nb.run_once(mod, x, grad)
                    times = [timer(lambda: nb.run_once(mod, x, grad)) for _ in range(repeats)]
                    nb._reset(mod)
                    x.grad = None
                    out = mod(x)
                    out.backward(grad)
                    res = (out.detach(), x.grad.detach().clone())
                    nb._reset(mod)
                    x.grad = None
                    if first is None:
                        first = res
                    row.update(median_s=statistics.median(times), min_s=min(times),
                               spikes_equal_first=bool(torch.equal(res[0], first[0])),
                               grad_max_diff_first=float((res[1] - first[1]).abs().max()))
                except Exception as exc:  # noqa: BLE001
                    row["error"] = f"{type(exc).__name__}: {exc}"[:1000]
                rows.append(row)
                print(f"[gpu_kernels] sweep {kind} BLOCK={block} warps={warps}: "
                      + (f"{row['median_s'] * 1e3:.3f} ms" if "median_s" in row else row["error"]), flush=True)
    finally:
        tk.BLOCK, tk.NUM_WARPS = saved
    best_of = {k: min((r["median_s"] for r in rows if r["neuron"] == k and "median_s" in r), default=None)
               for k in kinds}
    score = {}
    for tile in tiles:
        rel = [r["median_s"] / best_of[r["neuron"]] for r in rows
               if (r["block"], r["warps"]) == tuple(tile) and "median_s" in r and r["spikes_equal_first"]]
        if len(rel) == len(kinds):
            score[tile] = math.exp(statistics.fmean(math.log(v) for v in rel))
    best = min(score, key=score.get) if score else None
    return {"T": T, "N": N, "rows": rows, "geomean_over_best": {f"{b}x{w}": v for (b, w), v in score.items()},
            "best": None if best is None else {"block": best[0], "warps": best[1]}}


def summarize(rows, bw: float, bytes_min: int) -> list:
    out = []
    for r in rows:
        sub = r["subjects"]
        bound = bytes_min * r["T"] * r["N"] / bw
        med = {k: v.get("median_s") for k, v in sub.items()}
        e = {"neuron": r["neuron"], "T": r["T"], "N": r["N"], "bound_ms": bound * 1e3,
             "snnlab_ms": med.get("snnlab") and med["snnlab"] * 1e3,
             "reference_ms": med.get("reference") and med["reference"] * 1e3,
             "spikingjelly_ms": med.get("spikingjelly") and med["spikingjelly"] * 1e3,
             "spikingjelly_implementation": sub.get("spikingjelly", {}).get("implementation"),
             "spikes_equal": r.get("spikes_equal"), "grad_rel_err": r.get("grad_rel_err")}
        fast = med.get("snnlab")
        e["bandwidth_fraction"] = fast and bound / fast
        e["speedup_vs_reference"] = fast and med.get("reference") and med["reference"] / fast
        e["speedup_vs_spikingjelly"] = fast and med.get("spikingjelly") and med["spikingjelly"] / fast
        e["errors"] = {k: v["error"] for k, v in sub.items() if "error" in v}
        out.append(e)
    return out


def table(summary) -> str:
    def f(v, spec):
        return "-" if v is None else format(v, spec)

    lines = ["| neuron | snnlab Triton (ms) | reference loop (ms) | SpikingJelly 2.0 (ms, its path) | x reference | "
             "x SpikingJelly | share of copy bandwidth |", "|---|---|---|---|---|---|---|"]
    for e in summary:
        sj = "-" if e["spikingjelly_ms"] is None else f"{e['spikingjelly_ms']:.2f} ({e['spikingjelly_implementation']})"
        lines.append(f"| {e['neuron']} | {f(e['snnlab_ms'], '.2f')} | {f(e['reference_ms'], '.2f')} | {sj} | "
                     f"{f(e['speedup_vs_reference'], '.1f')} | {f(e['speedup_vs_spikingjelly'], '.2f')} | "
                     f"{f(e['bandwidth_fraction'] and 100 * e['bandwidth_fraction'], '.0f')} % |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--T", type=int, default=8)
    ap.add_argument("--N", type=int, default=1 << 24)
    ap.add_argument("--neurons", nargs="+", default=list(NEURONS), choices=NEURONS)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--copy-bytes", type=int, default=2 << 30)
    ap.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    ap.add_argument("--sweep", type=Path, default=None, metavar="JSON",
                    help="only sweep the kernels' tile (BLOCK x warps) and write the result here; prints "
                         "'BEST_TILE <block> <warps>' last")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("gpu_kernels.py: torch sees no CUDA device (use --device cpu with TRITON_INTERPRET=1 for a smoke run)")
    nb = _bench_neurons()
    if args.sweep:
        res = sweep([k for k in SWEEP_NEURONS if k in args.neurons], args.T, args.N, device, SWEEP_TILES,
                    args.repeats, args.warmup, nb)
        res["env"] = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name() if device.type == "cuda"
                      else None}
        args.sweep.parent.mkdir(parents=True, exist_ok=True)
        args.sweep.write_text(json.dumps(res, indent=1))
        print(json.dumps(res["geomean_over_best"]), flush=True)
        if res["best"]:
            print(f"BEST_TILE {res['best']['block']} {res['best']['warps']}", flush=True)
        return 0
    bw = copy_bandwidth(device, args.copy_bytes)
    print(f"[gpu_kernels] device-to-device copy: {bw / 1e9:.0f} GB/s (read + write)", flush=True)
    rows = []
    for kind in args.neurons:
        t0 = time.time()
        rows.append(measure(kind, args.T, args.N, device, args.repeats, args.warmup, nb))
        print(f"[gpu_kernels] {kind}: {time.time() - t0:.1f} s "
              + json.dumps({k: v.get("median_s", v.get("error", v.get("skipped")))
                            for k, v in rows[-1]["subjects"].items()}), flush=True)
    summary = summarize(rows, bw, nb.BYTES_MIN_PER_ELEM)
    env = {"torch": torch.__version__, "python": platform.python_version(), "device": args.device,
           "gpu": torch.cuda.get_device_name() if device.type == "cuda" else None}
    for name in ("triton", "spikingjelly"):
        try:
            from importlib.metadata import version

            env[name] = version(name)
        except Exception:  # noqa: BLE001
            env[name] = None
    data = {"benchmark": "gpu_kernels", "env": env, "copy_bandwidth_GBps": bw / 1e9,
            "bytes_min_per_elem": nb.BYTES_MIN_PER_ELEM, "repeats": args.repeats, "warmup": args.warmup,
            "rows": rows, "summary": summary, "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    print(table(summary), flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(data, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
