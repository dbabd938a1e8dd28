"""Cost and accuracy of the shared quick benchmark's base runs (snnlab.papers.benchmark), and the budget of its plan.

Trains ``bench-<dataset>-<neuron>`` for the given neurons and seeds, one after another in this process with one
torch thread (as ``make -j2 figures`` runs them), into a fresh runs folder, and reports per run: CPU seconds of the
process (user + system: robust to other load on a shared machine, unlike wall time), wall seconds, the best and
final accuracy on the full test set, and the load average. Then it prices the whole plan (``benchmark.plan()``)
from the measured CPU seconds per neuron (T scales the cost of a spiking run linearly; truncated BPTT by
recomputation is priced at 1.5x). Writes ``benchmarks/results/quick-benchmark-<host>.json``.

    python benchmarks/quick_benchmark.py                               # LIF, CLIF, ANN, seed 0
    python benchmarks/quick_benchmark.py --neurons lif relu --seeds 0 1 --set schedule=cosine
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from snnlab.experiments import run  # noqa: E402
from snnlab.experiments.config import parse_assignments  # noqa: E402
from snnlab.papers import benchmark  # noqa: E402
from snnlab.reproducibility import env_info  # noqa: E402


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def price(cpu_per_run: dict, dataset: str = "fmnist") -> dict:
    """CPU seconds of the whole plan from the measured base runs (neurons not measured: LIF's cost)."""
    base_T = benchmark.RECIPES[dataset]["T"]
    fallback = cpu_per_run.get("lif") or next(iter(cpu_per_run.values()))
    total, runs = 0.0, 0
    for cell in benchmark.plan(dataset=dataset):
        cfg = cell.config
        c = cpu_per_run.get(cfg.neuron, fallback)
        if cfg.neuron != "relu":
            c *= cfg.T / base_T
        if cfg.k_trunc is not None:
            c *= 1.5
        total += c
        runs += 1
    return {"runs": runs, "cpu_seconds": total, "wall_minutes_on_2_cores": total / 2 / 60}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--neurons", nargs="*", default=["lif", "clif", "relu"])
    p.add_argument("--seeds", nargs="*", type=int, default=[0])
    p.add_argument("--dataset", default="fmnist", choices=benchmark.DATASETS)
    p.add_argument("--set", nargs="*", default=[], help="RunConfig changes (key=value), e.g. a candidate recipe")
    p.add_argument("--runs", default=None, help="runs folder (default: a fresh temporary one)")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    changes = parse_assignments(args.set)
    rows = []
    with tempfile.TemporaryDirectory(prefix="snnlab-bench-") as tmp:
        out = Path(args.runs) if args.runs else Path(tmp)
        print(f"{'neuron':<7}{'seed':>5}{'cpu s':>8}{'wall s':>8}{'best':>8}{'final':>8}{'load':>6}", flush=True)
        for neuron in args.neurons:
            for seed in args.seeds:
                cfg = benchmark.config(neuron, seed, args.dataset, progress="quiet", **changes)
                c0, w0 = _cpu(), time.perf_counter()
                s = run(cfg, out=out).summary
                row = {"neuron": neuron, "seed": seed, "cpu_seconds": _cpu() - c0,
                       "wall_seconds": time.perf_counter() - w0, "best_test_acc": s["best_test_acc"],
                       "final_test_acc": s["final_test_acc"], "test_samples": None,
                       "firing_rate_mean": s.get("firing_rate_mean"), "load_average": os.getloadavg()[0],
                       "config_hash": cfg.hash()}
                info = out / cfg.run_name / "data_info.json"
                if info.is_file():
                    row["test_samples"] = json.loads(info.read_text())["test_samples"]
                rows.append(row)
                print(f"{neuron:<7}{seed:>5}{row['cpu_seconds']:>8.1f}{row['wall_seconds']:>8.1f}"
                      f"{row['best_test_acc']:>8.4f}{row['final_test_acc']:>8.4f}{row['load_average']:>6.1f}",
                      flush=True)
    per_neuron = {}
    for r in rows:
        per_neuron.setdefault(r["neuron"], []).append(r["cpu_seconds"])
    cpu = {n: sum(v) / len(v) for n, v in per_neuron.items()}
    plan_cost = price(cpu, args.dataset)
    print(f"plan: {plan_cost['runs']} runs, {plan_cost['cpu_seconds']:.0f} CPU s = "
          f"{plan_cost['wall_minutes_on_2_cores']:.1f} min on 2 cores (at this machine's current load)")
    host = platform.node() or "host"
    dest = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / f"quick-benchmark-{host}.json"
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps({"benchmark": "quick-benchmark", "env": env_info(), "changes": changes,
                                "recipe": dict(benchmark.RECIPES[args.dataset]), "results": rows,
                                "plan": plan_cost}, indent=2, default=str))
    print(f"wrote {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
