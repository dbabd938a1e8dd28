"""Whole training step of the papers' networks: snnlab eager, snnlab compiled, SpikingJelly 2.0, the papers'
one-call-per-step pattern, and the same network without its neurons, side by side in one process.

One step = reset the neurons, forward over T steps, TET loss, backward, SGD (momentum) step, on random input with
direct encoding (the image repeated over T). Networks (``--models``):

* ``spiking_resnet18``: pre-activation spiking ResNet-18, CIFAR-shaped input 3×32×32, T = 6 (CLIF/ILIF papers);
* ``snn5_noap``: the 5-layer net of CLIF Fig. 2, 3×32×32, T = 6;
* ``small_conv``: the quick-profile network (channels 8, 16; Fashion-MNIST-shaped 1×28×28), T = 4.

Variants, each with every neuron (lif plif glif klif clif ilif, each with snnlab's defaults):

* ``eager``: snnlab, ``backend="auto"`` (the fused C kernels on CPU);
* ``compiled``: ``torch.compile(model)`` with default settings (the kernels are custom ops: no graph break);
  ResNet-18 only with LIF unless ``--compile-all`` (its compilation takes minutes per neuron here);
* ``spikingjelly``: the same network with each snnlab neuron module replaced by SpikingJelly 2.0's equivalent in
  multi-step mode (``step_mode="m"``; SpikingJelly 2.0 has no backend switch: its torch path is the only, hence
  fastest, CPU path): LIFNode, ParametricLIFNode, KLIFNode, ComplementaryLIFNode, GatedLIFNode with the same
  settings (Rect(α = 1) for the rectangle of width 1); ILIF has no SpikingJelly equivalent (its ``ILIFNode`` is a
  different, integer neuron);
* ``per_step``: snnlab eager called once per time step (``x[t:t+1]``, the state carried by the neurons), the
  pattern of the papers' single-step code;
* ``identity`` / ``identity_compiled``: the same network with every neuron replaced by an identity (eager /
  compiled), once per network; the identity is ``x.contiguous()`` (``Materialize``), so that, as with a neuron,
  the layers after it compute all T steps of the direct-encoded input instead of one broadcast step. The
  **neuron overhead** of a variant = its step time minus the identity step time of the same mode and round (eager
  variants: ``identity``; compiled: ``identity_compiled``).

Timing: after one warm-up step per variant (the compiled variants compile there; the compile time is recorded),
``--iters`` rounds, each round running one step of every variant of a (network, neuron) and of the identity
baselines in turn, so that the variants share the machine's load; median and min seconds per step. Ratios are
taken between medians of the same rounds. The neuron overhead is a paired difference per round (variant minus
identity in the same round), reported as its mean with a 95 % Student-t interval over the rounds; where a
network's neurons cost less than the round-to-round noise (ResNet-18 here: the convolutions take ~97 % of a
step) the interval includes zero, and the SpikingJelly / snnlab overhead ratio is then given only as the bound
that the intervals allow (or not at all).

Memory: afterwards, with glibc set to mmap every block of 64 KiB or more and return it on free (so the resident
set follows the live tensors), the peak resident set during one step minus the resident set at its
start (``peak_step_MB``: activations kept for backward, gradients, temporaries; the Linux peak counter VmHWM,
reset through /proc/self/clear_refs before the step). The timing runs with glibc's defaults (a default process).

Writes ``benchmarks/results/train-<host>.json`` (``--out``) and prints a markdown table (``--table FILE``
prints the table of an existing JSON without measuring).

    python benchmarks/train.py                                     # all networks, all neurons (~ tens of minutes)
    python benchmarks/train.py --models small_conv --iters 5       # the quick network only
"""
from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import snnlab.models as M  # noqa: E402
from snnlab import losses  # noqa: E402
from snnlab.models.layers import is_neuron  # noqa: E402
from snnlab.reproducibility import env_info  # noqa: E402

NEURONS = ("lif", "plif", "glif", "klif", "clif", "ilif")
MODELS = {  # name: (input shape, T, default batch, model options)
    "spiking_resnet18": ((3, 32, 32), 6, 4, {}),
    "snn5_noap": ((3, 32, 32), 6, 16, {}),
    "small_conv": ((1, 28, 28), 4, 32, {"channels": [8, 16]}),
}
#: compiling ResNet-18 takes minutes per neuron on a 2-core CPU: by default only its LIF network is compiled (the
#: compiled vs eager ratio of the network); ``--compile-all`` compiles every neuron on every network
COMPILED_ONLY = {"spiking_resnet18": ("lif",)}
VARIANTS = ("eager", "compiled", "spikingjelly", "per_step")
BASELINES = ("identity", "identity_compiled")


# ------------------------------------------------------------------------------------------------ networks
class Materialize(nn.Module):
    """The identity "neuron" of the baseline: ``x.contiguous()``. With direct encoding the layers before the first
    neuron see the same image at every step (a stride-0 time axis, computed once by ``TimeFold``); a neuron makes
    the steps differ, so the layers after it compute T steps. This identity does the same (one copy where the
    input is still static, nothing otherwise), so that the baseline network does the same convolution work."""

    def forward(self, x):
        return x.contiguous()


def _swap_neurons(model: nn.Module, make) -> nn.Module:
    """Replace every snnlab neuron module of ``model`` (in place) by ``make(old)``."""
    for name, mod in list(model.named_modules()):
        if is_neuron(mod) and name:
            parent_name, _, attr = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            setattr(parent, attr, make(mod))
    return model


def sj_neuron(mod: nn.Module, T: int) -> nn.Module:
    """SpikingJelly 2.0's multi-step equivalent of snnlab neuron ``mod`` (same settings), or None."""
    from spikingjelly.activation_based import neuron as sjn
    from spikingjelly.activation_based import surrogate as sjs

    sg = mod.surrogate
    if sg.name == "rectangle":
        sj_sg = sjs.Rect(alpha=1.0 / sg.width)  # window |x| < 0.5/α, height α: width γ = 1/α
    elif sg.name == "sigmoid":
        sj_sg = sjs.Sigmoid(alpha=4.0 / sg.width)
    elif sg.name == "atan":
        sj_sg = sjs.ATan(alpha=2.0 / sg.width)
    else:
        return None
    kind = mod.kind
    if kind == "glif":
        return sjn.GatedLIFNode(T=T, surrogate_function=sj_sg, step_mode="m")
    if kind == "clif":
        return sjn.ComplementaryLIFNode(tau=float(mod.tau), v_threshold=mod.v_threshold, surrogate_function=sj_sg,
                                        step_mode="m")
    common = dict(decay_input=mod.decay_input, v_threshold=mod.v_threshold, v_reset=mod.v_reset,
                  surrogate_function=sj_sg, detach_reset=mod.detach_reset, step_mode="m")
    if kind == "lif":
        return sjn.LIFNode(tau=float(mod.tau), **common)
    if kind == "plif":
        return sjn.ParametricLIFNode(init_tau=mod.init_tau, **common)
    if kind == "klif":
        return sjn.KLIFNode(scale_reset=mod.scale_reset, tau=float(mod.tau), **common)
    return None  # ilif: no equivalent


def build(model_name: str, neuron: str, variant: str, T: int):
    """``(model, step_fn)`` for one variant, or ``(None, reason)``."""
    shape, _, _, options = MODELS[model_name]
    torch.manual_seed(0)
    params = {"T": T} if neuron == "glif" else {}
    model = M.build(model_name, neuron=neuron, neuron_params=params, num_classes=10, in_channels=shape[0],
                    **options)
    if variant.startswith("identity"):
        _swap_neurons(model, lambda m: Materialize())
    elif variant == "spikingjelly":
        missing = []
        model = _swap_neurons(model, lambda m: sj_neuron(m, T) or missing.append(m.kind) or nn.Identity())
        if missing:
            return None, f"no SpikingJelly 2.0 equivalent of {missing[0]}"
    net = torch.compile(model) if variant.endswith("compiled") else model
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = losses.build("tet")
    sj_reset = None
    if variant == "spikingjelly":
        from spikingjelly.activation_based import functional

        sj_reset = functional.reset_net

    def step(x, y):
        M.reset_net(model)
        if sj_reset is not None:
            sj_reset(model)
        opt.zero_grad(set_to_none=True)
        if variant == "per_step":  # the papers' pattern: one network call per time step, state in the neurons
            out = torch.cat([net(x[t:t + 1]) for t in range(x.shape[0])])
        else:
            out = net(x)
        loss = loss_fn(out, y)
        loss.backward()
        opt.step()
        return float(loss.detach())

    return model, step


# ------------------------------------------------------------------------------------------------ memory
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_MMAP_MAX = -1, -3, -4


def _mmap_every_block() -> bool:
    """glibc: mmap every block >= 64 KiB and unmap it on free, so the resident set follows the live tensors."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    ok = (libc.mallopt(M_MMAP_MAX, 65536) and libc.mallopt(M_MMAP_THRESHOLD, 64 << 10)
          and libc.mallopt(M_TRIM_THRESHOLD, 128 << 10))
    libc.malloc_trim(0)
    return bool(ok)


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def peak_step_bytes(step, x, y):
    """Peak resident set during one step minus the resident set at its start (bytes), or None. Free heap pages
    are returned to the OS first (``malloc_trim``), so that memory the step reuses counts when it is touched."""
    try:
        step(x, y)  # one step in this allocator mode first (momentum buffers exist, caches are warm)
        ctypes.CDLL("libc.so.6").malloc_trim(0)
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current resident set
        rss0 = _status_kb("VmRSS")
        step(x, y)
        return (_status_kb("VmHWM") - rss0) * 1024
    except OSError:
        return None


# ------------------------------------------------------------------------------------------------ main
def _build_group(model_name, neuron, group, T, batch, x, y, rows, compile_all):
    """Build and warm up the variants of one (network, neuron); returns {variant: (row, step)}."""
    built = {}
    for variant in group:
        row = {"model": model_name, "neuron": neuron, "variant": variant, "T": T, "batch": batch, "notes": []}
        only = COMPILED_ONLY.get(model_name)
        if variant == "compiled" and only and neuron not in only and not compile_all:
            row["notes"].append("not compiled by default (compile time); --compile-all compiles it")
            rows.append(row)
            continue
        model, step = build(model_name, "lif" if neuron == "-" else neuron, variant, T)
        if model is None:
            row["notes"].append(step)
            rows.append(row)
            continue
        t0 = time.perf_counter()
        step(x, y)  # warm-up (compiles the compiled variants, builds the C kernels)
        row["first_step_s"] = time.perf_counter() - t0
        row["params"] = M.count_parameters(model)
        built[variant] = (row, step)
    return built


def _timed(row, ts, batch, log):
    row.update(times_s=ts, median_s=statistics.median(ts), min_s=min(ts),
               spread=(max(ts) - min(ts)) / statistics.median(ts), samples_per_s=batch / statistics.median(ts))
    log(f"{row['model']:<17}{row['neuron']:<7}{row['variant']:<18}{row['median_s']:>9.3f}{row['min_s']:>9.3f}"
        f"{row['spread'] * 100:>8.0f}%{row['first_step_s']:>9.1f}")


def run_model(model_name, neurons, variants, batch, iters, rows, log, compile_all=False):
    """Time every variant of every neuron on ``model_name``. The identity baselines are timed in every round of
    every neuron's group, beside its variants, so that each variant's overhead is a paired difference per round
    (``identity_times_s`` holds the baseline's times of the same rounds)."""
    shape, T, _, _ = MODELS[model_name]
    torch.manual_seed(1)
    img = torch.randn(batch, *shape)
    x = img.unsqueeze(0).expand(T, *img.shape)  # direct encoding, as in training
    y = torch.randint(0, 10, (batch,))
    base = _build_group(model_name, "-", [v for v in BASELINES if v in variants], T, batch, x, y, rows, compile_all)
    base_times = {v: [] for v in base}
    steps = {("-", v): rs for v, rs in base.items()}
    for neuron in neurons:
        built = _build_group(model_name, neuron, [v for v in VARIANTS if v in variants], T, batch, x, y, rows,
                             compile_all)
        times = {v: [] for v in list(base) + list(built)}
        for _ in range(iters):  # side by side: one step of each variant (and of the baselines) per round
            for variant, (row, step) in list(base.items()) + list(built.items()):
                t0 = time.perf_counter()
                step(x, y)
                times[variant].append(time.perf_counter() - t0)
        for variant, ts in times.items():
            if variant in base:
                base_times[variant] += ts
                continue
            row, step = built[variant]
            ident = "identity_compiled" if variant == "compiled" else "identity"
            if ident in times:
                row["identity_times_s"] = times[ident]
            _timed(row, ts, batch, log)
            rows.append(row)
            steps[(neuron, variant)] = (row, step)
    for variant, (row, _) in base.items():
        _timed(row, base_times[variant], batch, log)
        rows.append(row)
    return steps, x, y


def _overhead(row):
    """The neuron overhead of a variant: per round, its step time minus the identity's of the same round; mean and
    95 % interval (Student t over the rounds), or None without paired baseline times."""
    if not row or not row.get("identity_times_s") or len(row["times_s"]) < 2:
        return None
    from snnlab.stats import paired_effect

    e = paired_effect(row["times_s"], row["identity_times_s"], unit="rounds")
    return {"mean_s": e.mean, "ci_low_s": e.ci_low, "ci_high_s": e.ci_high, "rounds": e.n}


def summarize(rows):
    """Per (network, neuron): ratios between the variants' medians and the neuron overheads with their intervals.
    The SpikingJelly / snnlab overhead ratio is given only when both overheads are above noise (intervals above
    zero); ``overhead_ratio_low`` is the conservative bound (SJ's lower end over snnlab's upper end), given
    whenever SJ's overhead is above noise, so that a snnlab overhead within noise of zero still bounds the ratio."""
    by = {(r["model"], r["neuron"], r["variant"]): r for r in rows if r.get("median_s") is not None}
    out = []
    for model in dict.fromkeys(r["model"] for r in rows):
        ident = by.get((model, "-", "identity"))
        ident_c = by.get((model, "-", "identity_compiled"))
        for neuron in dict.fromkeys(r["neuron"] for r in rows if r["model"] == model and r["neuron"] != "-"):
            g = {v: by.get((model, neuron, v)) for v in VARIANTS}
            t = {v: (r["median_s"] if r else None) for v, r in g.items()}
            mem = {v: (r.get("peak_step_MB") if r else None) for v, r in g.items()}
            e = {"model": model, "neuron": neuron, **{f"{v}_s": t[v] for v in VARIANTS},
                 **{f"{v}_peak_MB": mem[v] for v in VARIANTS}}
            e["identity_s"] = ident["median_s"] if ident else None
            e["identity_compiled_s"] = ident_c["median_s"] if ident_c else None
            for v in VARIANTS:
                e[f"overhead_{v}"] = _overhead(g[v])
            ratio = lambda a, b: None if a is None or b is None or b <= 0 else a / b  # noqa: E731
            e["step_spikingjelly_over_eager"] = ratio(t["spikingjelly"], t["eager"])
            e["step_eager_over_compiled"] = ratio(t["eager"], t["compiled"])
            e["step_per_step_over_eager"] = ratio(t["per_step"], t["eager"])
            oe, osj = e["overhead_eager"], e["overhead_spikingjelly"]
            both = oe is not None and osj is not None
            e["overhead_spikingjelly_over_eager"] = (osj["mean_s"] / oe["mean_s"]) if both and oe["ci_low_s"] > 0 \
                and osj["ci_low_s"] > 0 else None
            e["overhead_ratio_low"] = (osj["ci_low_s"] / oe["ci_high_s"]) if both and osj["ci_low_s"] > 0 \
                and oe["ci_high_s"] > 0 else None
            e["peak_spikingjelly_over_eager"] = ratio(mem["spikingjelly"], mem["eager"])
            out.append(e)
    return out


def table(data) -> str:
    """Markdown table of a result JSON's summary: step times (medians), the neuron overheads as mean [95 %
    interval] over the rounds, the ratios, peak memory."""
    f = lambda v, spec: "n/a" if v is None else format(v, spec)  # noqa: E731
    ms = lambda v: f(None if v is None else v * 1e3, ".0f")  # noqa: E731

    def oh(o):
        if o is None:
            return "n/a"
        return f"{o['mean_s'] * 1e3:.1f} [{o['ci_low_s'] * 1e3:.1f}, {o['ci_high_s'] * 1e3:.1f}]"

    def oratio(e):
        if e["overhead_spikingjelly_over_eager"] is not None:
            return f"{e['overhead_spikingjelly_over_eager']:.1f}x (≥ {e['overhead_ratio_low']:.1f}x)"
        if e["overhead_ratio_low"] is not None:
            return f"≥ {e['overhead_ratio_low']:.1f}x (snnlab's within noise)"
        return "n/a (below noise)" if e["overhead_eager"] and e["overhead_spikingjelly"] else "n/a"

    lines = ["| network | neuron | eager ms | compiled ms | SJ ms | per-step ms | identity ms | neuron overhead ms: "
             "eager | SJ | SJ / eager overhead | SJ / eager step | eager / compiled | peak MB eager / SJ |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for e in data["summary"]:
        lines.append(
            f"| {e['model']} | {e['neuron']} | {ms(e['eager_s'])} | {ms(e['compiled_s'])} | {ms(e['spikingjelly_s'])} "
            f"| {ms(e['per_step_s'])} | {ms(e['identity_s'])} | {oh(e['overhead_eager'])} | "
            f"{oh(e['overhead_spikingjelly'])} | {oratio(e)} | {f(e['step_spikingjelly_over_eager'], '.2f')}x | "
            f"{f(e['step_eager_over_compiled'], '.2f')}x | "
            f"{f(e['eager_peak_MB'], '.0f')} / {f(e['spikingjelly_peak_MB'], '.0f')} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    p.add_argument("--neurons", nargs="+", default=list(NEURONS), choices=list(NEURONS))
    p.add_argument("--variants", nargs="+", default=list(VARIANTS + BASELINES), choices=list(VARIANTS + BASELINES))
    p.add_argument("--batch", nargs="+", type=int, default=None, help="one batch size per --models entry")
    p.add_argument("--iters", type=int, default=8, help="timed rounds (the overheads' intervals are over them)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: the machine is shared)")
    p.add_argument("--compile-all", action="store_true",
                   help="compile every neuron on every network (default: ResNet-18 with LIF only)")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--table", type=Path, default=None, help="print the markdown table of this JSON and exit")
    args = p.parse_args(argv)
    if args.table:
        print(table(json.loads(args.table.read_text())))
        return 0
    torch.set_num_threads(args.threads)
    batches = args.batch or [MODELS[m][2] for m in args.models]
    if len(batches) != len(args.models):
        p.error("--batch needs one value per --models entry")
    rows, all_steps = [], {}
    t_start = time.time()
    print(f"{'network':<17}{'neuron':<7}{'variant':<18}{'median_s':>9}{'min_s':>9}{'spread':>9}{'first_s':>9}",
          flush=True)
    for model_name, batch in zip(args.models, batches):
        steps, x, y = run_model(model_name, args.neurons, args.variants, batch, args.iters, rows,
                                lambda s: print(s, flush=True), args.compile_all)
        all_steps[model_name] = (steps, x, y)
    # peak memory per step, with every block >= 64 KiB mmapped (after all timings: mallopt is process-wide)
    mem_ok = _mmap_every_block()
    for model_name, (steps, x, y) in all_steps.items():
        for (neuron, variant), (row, step) in steps.items():
            peak = peak_step_bytes(step, x, y) if mem_ok else None
            row["peak_step_MB"] = None if peak is None else peak / 2**20
            if peak is None:
                row["notes"].append("peak memory not measurable here (glibc mallopt or /proc/self/clear_refs)")
    env = env_info()
    env.update(torch_threads=torch.get_num_threads(), cpu_count=os.cpu_count(), platform=platform.platform(),
               load_average_at_end=os.getloadavg(), wall_s=time.time() - t_start, iters=args.iters)
    try:
        from importlib.metadata import version

        env["spikingjelly"] = version("spikingjelly")
    except Exception:  # noqa: BLE001 - not installed
        env["spikingjelly"] = None
    data = {"benchmark": "train_step", "env": env, "rows": rows, "summary": summarize(rows)}
    out = args.out or ROOT / "benchmarks" / "results" / f"train-{platform.node() or 'host'}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=1))
    print()
    print(table(data))
    print(f"\nload average at the end {env['load_average_at_end']}; wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
