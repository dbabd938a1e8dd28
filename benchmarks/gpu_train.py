"""GPU training steps of the papers' configs: time and peak memory per optimiser step, snnlab against SpikingJelly
2.0 neurons in the same network, the step time of every paper step shape (for the GPU-hour estimates), and a
checkpoint, resume and evaluation through the real trainer.

    python benchmarks/gpu_train.py --out benchmarks/results/gpu-train.json

Every step is ``snnlab.train.Trainer.train_step`` of the config itself (its model, neuron, T, batch size, loss,
optimiser, truncated BPTT, mixed precision: float16 autocast with a GradScaler on CUDA, cudnn settings of
``deterministic``), on one batch of the config's dataset tiled to the config's batch size. The datasets are the
fake ones in the real on-disk formats (``snnlab.papers.common.write_fake_data``), so each sample has the real
shape and transforms; the values do not matter for speed. Sections:

1. ``neurons``: the CLIF CIFAR-10 ResNet-18 config at T = 6, batch 128 (``clif-cifar10-resnet18-<neuron>-T6``)
   per neuron and the ANN of the same structure: ``--steps`` timed steps after ``--warmup`` untimed ones, CUDA
   synchronised after each; median and mean seconds per step, images per second, peak
   ``torch.cuda.max_memory_allocated`` over the timed steps. Then the same with every snnlab neuron replaced by
   SpikingJelly 2.0's equivalent (``benchmarks/train.py``'s ``sj_neuron``, its multi-step mode, its own choice of
   CUDA implementation; reset before each call, as ``functional.reset_net`` before each batch), where it has one.
2. ``shapes``: every distinct step shape among the paper-profile configs (model, its options, dataset, T, batch,
   truncation, AMP) with the neuron its configs use most, fewer steps, in the order of how many configs share
   the shape, until ``--shapes-budget-s`` is spent. ``benchmarks/gpu_budget.py`` turns these into each paper
   config's expected GPU hours.
3. ``resume``: the CLIF config on the fake CIFAR-10 (batch 16, 2 epochs of 4 steps, a checkpoint after every
   step) is stopped after global step 6, resumed from its checkpoint, and compared with an uninterrupted run:
   the metrics rows, the final weights (largest difference), the evaluation's accuracy and seconds.

``--device cpu`` runs everything on the CPU with tiny settings (the smoke test of this script,
tests/test_gpu_scripts.py); its timings mean nothing.
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from snnlab.data.encoding import to_time_major  # noqa: E402
from snnlab.experiments import registry  # noqa: E402
from snnlab.models.layers import is_neuron  # noqa: E402
from snnlab.experiments.gpu_hours import shape_key  # noqa: E402
from snnlab.train import Trainer, train  # noqa: E402

NEURONS = ("lif", "plif", "klif", "clif", "ilif", "glif", "ann")


def _bench_train():
    """benchmarks/train.py (the CPU whole-step benchmark) as a module: its SpikingJelly neuron mapping is shared."""
    spec = importlib.util.spec_from_file_location("snnlab_bench_train", ROOT / "benchmarks" / "train.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class SJFresh(nn.Module):
    """A SpikingJelly multi-step node that starts from a fresh state at every call (one call per batch in these
    networks), as ``functional.reset_net`` before each batch would."""

    def __init__(self, node: nn.Module):
        super().__init__()
        self.node = node

    def forward(self, x):
        self.node.reset()
        return self.node(x)


def prepare(cfg, device: str, data_root: Path, run_dir: Path, **changes):
    """A set-up Trainer for ``cfg`` on ``device`` (the fake datasets under ``data_root``) and one batch
    ``(x [T, B, ...], y)`` of its training set tiled to the config's batch size, on the device."""
    os.environ["SNNLAB_DATA"] = str(data_root)
    cfg = cfg.replace(device=device, num_workers=0, progress="quiet", **changes)
    tr = Trainer(cfg, run_dir)
    tr.setup()
    ds = tr.train_set  # the first samples, collated as the training loader does (the fake sets are smaller than
    # a batch, and a drop_last loader would give none)
    collate = getattr(ds, "collate_fn", None) or torch.utils.data.default_collate
    x, y = collate([ds[i] for i in range(min(len(ds), cfg.batch_size))])
    reps = math.ceil(cfg.batch_size / x.shape[0])
    x = x.repeat(reps, *([1] * (x.ndim - 1)))[:cfg.batch_size]
    y = y.repeat(reps, *([1] * (y.ndim - 1)))[:cfg.batch_size]
    return tr, to_time_major(x.to(tr.device), tr.T), y.to(tr.device)


def swap_to_spikingjelly(tr, bt) -> list:
    """Replace every snnlab neuron of the trainer's model by SpikingJelly's equivalent (in place) and rebuild the
    optimiser; returns the kinds without an equivalent (then nothing is swapped)."""
    missing = []
    for name, mod in list(tr.model.named_modules()):
        if is_neuron(mod) and name and bt.sj_neuron(mod, tr.T) is None:
            missing.append(mod.kind)
    if missing:
        return sorted(set(missing))
    dev = tr.device
    bt._swap_neurons(tr.model, lambda m: SJFresh(bt.sj_neuron(m, tr.T)).to(dev))
    tr.net = tr.model
    tr.optimizer = tr.build_optimizer()
    return []


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_steps(tr, x, y, warmup: int, steps: int) -> dict:
    dev = tr.device
    tr.net.train()
    for _ in range(warmup):
        tr.train_step(x, y)
    _sync(dev)
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        tr.train_step(x, y)
        _sync(dev)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    out = {"steps": steps, "warmup": warmup, "median_s": med, "mean_s": statistics.fmean(times),
           "min_s": min(times), "images_per_s": x.shape[1] / med, "batch": int(x.shape[1]), "T": int(x.shape[0])}
    if dev.type == "cuda":
        out["peak_MB"] = torch.cuda.max_memory_allocated() / 2 ** 20
    return out


def _cleanup(device):
    import gc

    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def neurons_section(args, data_root, work) -> list:
    bt = _bench_train()
    rows = []
    for neuron in args.neurons:
        name = f"clif-cifar10-resnet18-{neuron}" + ("" if neuron == "ann" else f"-T{args.T}")
        for variant in ("snnlab", "spikingjelly"):
            if variant == "spikingjelly" and neuron == "ann":
                continue
            row = {"config": name, "neuron": neuron, "variant": variant}
            t0 = time.time()
            try:
                cfg = registry.get(name)
                if args.batch:
                    cfg = cfg.replace(batch_size=args.batch)
                tr, x, y = prepare(cfg, args.device, data_root, work / f"{neuron}-{variant}")
                if variant == "spikingjelly":
                    missing = swap_to_spikingjelly(tr, bt)
                    if missing:
                        row["skipped"] = f"no SpikingJelly 2.0 equivalent of {', '.join(missing)}"
                        rows.append(row)
                        continue
                    row["spikingjelly_nodes"] = sorted({type(m.node).__name__ for m in tr.model.modules()
                                                        if isinstance(m, SJFresh)})
                row.update(time_steps(tr, x, y, args.warmup, args.steps))
                row["amp_dtype"] = str(tr.amp_dtype)
            except Exception as exc:  # noqa: BLE001 - recorded; the other rows still run
                row["error"] = f"{type(exc).__name__}: {exc}"[:2000]
                row["traceback"] = traceback.format_exc()[-3000:]
            row["wall_s"] = time.time() - t0
            print(f"[gpu_train] {name} {variant}: " + json.dumps({k: row.get(k) for k in
                  ("median_s", "peak_MB", "error", "skipped")}), flush=True)
            rows.append(row)
            tr = x = y = None
            _cleanup(torch.device(args.device))
    return rows


def paper_shapes() -> list:
    """``[(key, representative config, number of paper configs, neuron counts)]``, most shared shape first."""
    groups = collections.OrderedDict()
    for n in registry.names():
        cfg = registry.get(n)
        if cfg.profile != "paper":
            continue
        groups.setdefault(shape_key(cfg), []).append(cfg)
    out = []
    for key, cfgs in groups.items():
        counts = collections.Counter(c.neuron for c in cfgs)
        neuron = counts.most_common(1)[0][0]
        rep = next(c for c in cfgs if c.neuron == neuron and not c.switch_neuron) if any(
            c.neuron == neuron and not c.switch_neuron for c in cfgs) else cfgs[0]
        out.append((key, rep, len(cfgs), dict(counts)))
    out.sort(key=lambda t: -t[2])
    return out


def shapes_section(args, data_root, work) -> list:
    rows = []
    start = time.time()
    for i, (key, cfg, n, counts) in enumerate(paper_shapes()):
        row = {"key": list(key), "config": cfg.name, "neuron": cfg.neuron, "configs": n, "neurons": counts}
        if args.shapes_limit is not None and i >= args.shapes_limit:
            break
        if args.shapes_filter and args.shapes_filter not in cfg.name:
            continue
        if time.time() - start > args.shapes_budget_s:
            row["skipped"] = f"the section's budget of {args.shapes_budget_s} s was spent"
            rows.append(row)
            continue
        t0 = time.time()
        try:
            changes = {"batch_size": args.batch} if args.batch else {}
            tr, x, y = prepare(cfg, args.device, data_root, work / f"shape{i}", **changes)
            row.update(time_steps(tr, x, y, args.shape_warmup, args.shape_steps))
        except Exception as exc:  # noqa: BLE001
            row["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        row["wall_s"] = time.time() - t0
        print(f"[gpu_train] shape {i} {cfg.name} ({n} configs): "
              + json.dumps({k: row.get(k) for k in ("median_s", "peak_MB", "error")}), flush=True)
        rows.append(row)
        tr = x = y = None
        _cleanup(torch.device(args.device))
    return rows


class Stop(Exception):
    pass


def _weights(run_dir: Path) -> dict:
    ck = torch.load(run_dir / "model_final.pt", map_location="cpu", weights_only=False) \
        if (run_dir / "model_final.pt").exists() else None
    if ck is None:
        ck = torch.load(run_dir / "checkpoint.pt", map_location="cpu", weights_only=False)
    return ck["model"] if "model" in ck else ck


def resume_section(args, data_root, work) -> dict:
    os.environ["SNNLAB_DATA"] = str(data_root)
    cfg = registry.get(args.resume_config or f"clif-cifar10-resnet18-clif-T{args.T}").replace(
        device=args.device, num_workers=0, progress="quiet", batch_size=16, epochs=2, max_steps_per_epoch=4,
        checkpoint_every=1, test_subset=20, eval_batch_size=20, t_max=2)
    out: dict = {"config": cfg.name, "changes": "batch 16, 2 epochs of 4 steps, checkpoint every step, fake data"}
    t0 = time.time()
    full = train(cfg, work / "uninterrupted")
    out["uninterrupted_s"] = time.time() - t0

    def stop_at_6(event, trainer):
        if event == "step_end" and trainer.global_step == 6:
            raise Stop()

    cut = work / "interrupted"
    try:
        train(cfg, cut, callbacks=[stop_at_6])
        out["stopped"] = False
    except Stop:
        out["stopped"] = True
    ck = torch.load(cut / "checkpoint.pt", map_location="cpu", weights_only=False)
    out["checkpoint_at"] = {"epoch": ck["epoch"], "step": ck["step"], "global_step": ck["global_step"]}
    t1 = time.time()
    resumed = train(cfg, cut, resume=True)
    out["resume_s"] = time.time() - t1
    a, b = _weights(work / "uninterrupted"), _weights(cut)
    diffs = [float((a[k].float() - b[k].float()).abs().max()) for k in a if a[k].is_floating_point()]
    out["max_weight_diff"] = max(diffs) if diffs else None
    ma = [json.loads(line) for line in (work / "uninterrupted" / "metrics.jsonl").read_text().splitlines()]
    mb = [json.loads(line) for line in (cut / "metrics.jsonl").read_text().splitlines()]
    out["epochs"] = [len(ma), len(mb)]
    keys = ("train_loss", "train_acc", "test_acc", "test_loss")
    out["metrics_uninterrupted"] = [{k: r.get(k) for k in keys + ("eval_seconds",)} for r in ma]
    out["metrics_resumed"] = [{k: r.get(k) for k in keys + ("eval_seconds",)} for r in mb]
    out["metrics_equal"] = all(ra.get(k) == rb.get(k) for ra, rb in zip(ma, mb) for k in keys) and len(ma) == len(mb)
    out["summary_test_acc"] = [full.get("test_acc", full.get("final_test_acc")), resumed.get("test_acc",
                                                                                             resumed.get("final_test_acc"))]
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    ap.add_argument("--sections", nargs="+", default=["neurons", "shapes", "resume"],
                    choices=["neurons", "shapes", "resume"])
    ap.add_argument("--neurons", nargs="+", default=list(NEURONS), choices=NEURONS)
    ap.add_argument("--T", type=int, default=6)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--shape-steps", type=int, default=6)
    ap.add_argument("--shape-warmup", type=int, default=2)
    ap.add_argument("--shapes-budget-s", type=float, default=150.0)
    ap.add_argument("--shapes-limit", type=int, default=None, help="measure only the first N shapes")
    ap.add_argument("--shapes-filter", default=None, help="measure only the shapes whose config name holds this")
    ap.add_argument("--batch", type=int, default=None, help="override every config's batch size (smoke runs)")
    ap.add_argument("--resume-config", default=None,
                    help="the config of the resume section (default: clif-cifar10-resnet18-clif-T<T>)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("gpu_train.py: torch sees no CUDA device (use --device cpu for a smoke run)")
    from snnlab.papers.common import write_fake_data

    data: dict = {"benchmark": "gpu_train", "time": time.strftime("%Y-%m-%d %H:%M:%S")}
    env = {"torch": torch.__version__, "python": platform.python_version(), "device": args.device,
           "gpu": torch.cuda.get_device_name() if device.type == "cuda" else None,
           "cudnn": torch.backends.cudnn.version() if device.type == "cuda" else None}
    try:
        from importlib.metadata import version

        env["spikingjelly"] = version("spikingjelly")
        env["triton"] = version("triton")
    except Exception:  # noqa: BLE001
        pass
    data["env"] = env

    def save():
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(data, indent=1, default=str))

    with tempfile.TemporaryDirectory(prefix="snnlab-gpu-train-") as tmp:
        tmp = Path(tmp)
        data_root = tmp / "data"
        write_fake_data(data_root)
        for section in args.sections:
            t0 = time.time()
            fn = {"neurons": neurons_section, "shapes": shapes_section, "resume": resume_section}[section]
            try:
                data[section] = fn(args, data_root, tmp / section)
            except Exception as exc:  # noqa: BLE001
                data[section] = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()[-4000:]}
            print(f"[gpu_train] section {section}: {time.time() - t0:.1f} s", flush=True)
            save()
    if "resume" in data:
        print("[gpu_train] resume: " + json.dumps({k: data["resume"].get(k) for k in
              ("stopped", "checkpoint_at", "max_weight_diff", "metrics_equal", "epochs", "error")}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
