"""Training throughput (samples/s) of the papers' networks for every neuron.

Measures one optimiser step (reset, forward over T steps, TET loss, backward, SGD step) on random CIFAR-shaped
input with direct encoding, for spiking ResNet-18 (T = 6) and the 5-layer ``snn5_noap`` (T = 6), per neuron
(lif plif glif klif clif ilif, and the ReLU ANN at T = 1). Prints a table and writes
``benchmarks/results/train-<host>[-<device>].json``.

    python benchmarks/train.py                       # CPU, small batches
    python benchmarks/train.py --device cuda --batch-resnet 64 --batch-snn5 128
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import snnlab.models as M  # noqa: E402
from snnlab import losses  # noqa: E402
from snnlab.reproducibility import env_info  # noqa: E402

NEURONS = ("lif", "plif", "glif", "klif", "clif", "ilif", "relu")


def bench(model_name: str, neuron: str, T: int, batch: int, iters: int, warmup: int, device: str) -> dict:
    torch.manual_seed(0)
    steps = 1 if neuron == "relu" else T
    params = {"T": steps} if neuron == "glif" else {}
    model = M.build(model_name, neuron=neuron, neuron_params=params, num_classes=10, in_channels=3).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = losses.build("tet")
    img = torch.randn(batch, 3, 32, 32, device=device)
    x = img.unsqueeze(0).expand(steps, *img.shape)            # direct encoding, as in training
    y = torch.randint(0, 10, (batch,), device=device)
    times = []
    for i in range(warmup + iters):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        M.reset_net(model)
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return {"model": model_name, "neuron": neuron, "T": steps, "batch": batch, "iters": iters,
            "seconds_per_step_median": med, "seconds_per_step_min": min(times), "samples_per_s": batch / med,
            "params": M.count_parameters(model)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu")
    p.add_argument("--neurons", nargs="*", default=list(NEURONS))
    p.add_argument("--models", nargs="*", default=["spiking_resnet18", "snn5_noap"])
    p.add_argument("--T", type=int, default=6)
    p.add_argument("--batch-resnet", type=int, default=8)
    p.add_argument("--batch-snn5", type=int, default=32)
    p.add_argument("--iters", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--out", default=None, help="JSON path (default benchmarks/results/train-<host>.json)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    print(f"{'model':<18}{'neuron':<8}{'T':>3}{'batch':>7}{'s/step':>10}{'samples/s':>12}", flush=True)
    for model_name in args.models:
        batch = args.batch_resnet if "resnet" in model_name else args.batch_snn5
        for neuron in args.neurons:
            r = bench(model_name, neuron, args.T, batch, args.iters, args.warmup, args.device)
            rows.append(r)
            print(f"{model_name:<18}{neuron:<8}{r['T']:>3}{batch:>7}{r['seconds_per_step_median']:>10.3f}"
                  f"{r['samples_per_s']:>12.1f}", flush=True)
    host = platform.node() or "host"
    suffix = "" if args.device == "cpu" else "-" + args.device.replace(":", "")
    out = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / f"train-{host}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    env = env_info()
    env["torch_threads"] = torch.get_num_threads()
    try:
        import os
        env["load_average_at_end"] = os.getloadavg()
    except OSError:
        pass
    out.write_text(json.dumps({"benchmark": "train", "env": env, "device": args.device, "results": rows}, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
