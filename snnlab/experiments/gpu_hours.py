"""Expected GPU hours of the paper configs, from training-step times measured on an NVIDIA H200.

``benchmarks/gpu_check.sh`` (``benchmarks/gpu_train.py``) timed one optimiser step of every distinct *step shape*
among the paper-profile configs (model and its options, dataset and its options, T, batch size, truncation, AMP)
with the neuron most of its configs use, and the CLIF CIFAR-10 ResNet-18 step (T = 6) with every neuron. The
measurements are committed under ``benchmarks/results/gpu/`` (``gpu-train-run*.json``, later runs overriding
earlier ones for the shapes they measured). For a config this module estimates:

* ``step_s``: the measured step time of its shape, times ``t(neuron) / t(measured neuron)`` from the ResNet-18
  comparison when the config's neuron is not the one measured on that shape (``basis`` says so: the factor is
  ResNet-18's, an approximation for the other networks);
* ``steps_per_epoch``: ``max_steps_per_epoch``, else ``train samples / batch`` (rounded down with ``drop_last``,
  up otherwise), the train samples being ``train_subset`` or the dataset's training-set size;
* evaluation: ``test samples / eval batch`` forward passes per epoch, each counted as a third of a training step
  of that batch (an assumption, not a measurement: a forward is about a third of forward + backward);
* ``hours = epochs × (steps_per_epoch × step_s + eval batches × step_s × eval_batch / batch / 3) / 3600``.

GPU compute only: data loading (4 workers in the configs; event-camera frames are cached after the first epoch)
is not included, nor the first epoch's Triton/cudnn warm-up (seconds). A config whose shape was not measured gets
None (with the reason).
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Optional

from snnlab.config import RunConfig

#: the step timings, oldest run first
RESULT_FILES = ("gpu-train-run1.json", "gpu-train-run2.json", "gpu-train-run3.json")
#: a forward pass (evaluation) as a fraction of a training step on the same batch [assumption]
EVAL_FRACTION = 1.0 / 3.0


def results_dir() -> Path:
    from snnlab.paths import repo_root

    return repo_root() / "benchmarks" / "results" / "gpu"


def shape_key(cfg: RunConfig) -> tuple:
    """What decides the cost of a config's training step apart from its neuron."""
    return (cfg.model, json.dumps(cfg.model_params, sort_keys=True), cfg.dataset,
            json.dumps(cfg.data_opts, sort_keys=True), cfg.steps, cfg.batch_size, str(cfg.k_trunc), bool(cfg.amp))


@lru_cache(maxsize=4)
def measurements(folder: Optional[str] = None) -> dict:
    """``{"shapes": {key: row}, "neurons": {neuron: median_s}, "sources": [...], "gpu": name}`` from the result
    files in ``folder`` (default :func:`results_dir`); empty dicts when none is there."""
    from snnlab.experiments import registry

    root = Path(folder) if folder else results_dir()
    shapes: dict = {}  # key -> {neuron: row}
    neurons, sources, gpu = {}, [], None
    for name in RESULT_FILES:
        path = root / name
        if not path.is_file():
            continue
        data = json.loads(path.read_text())
        sources.append(name)
        gpu = (data.get("env") or {}).get("gpu") or gpu
        for row in data.get("shapes") or []:
            if isinstance(row, dict) and row.get("median_s"):
                shapes.setdefault(tuple(row["key"]), {})[row["neuron"]] = dict(row, source=name)
        rows = [r for r in data.get("neurons") or [] if isinstance(r, dict) and r.get("variant") == "snnlab"
                and r.get("median_s")]
        rows = [dict(r, neuron=registry.get(r["config"]).neuron) for r in rows if r["config"] in registry.names()]
        if rows:  # (the ANN row is labelled "ann" there; its config's neuron is "relu")
            neurons = {r["neuron"]: r["median_s"] for r in rows}
        for r in rows:  # the neuron comparison's configs are step shapes too, timed over more steps
            shapes.setdefault(shape_key(registry.get(r["config"])), {})[r["neuron"]] = dict(r, source=name)
    return {"shapes": shapes, "neurons": neurons, "sources": sources, "gpu": gpu}


def dataset_sizes(dataset: str) -> "tuple[int, int]":
    """(train, test) sample counts of a dataset's real splits."""
    from snnlab.data.events import EVENT_INFO
    from snnlab.data.static import STATIC_INFO

    if dataset in STATIC_INFO:
        return STATIC_INFO[dataset][2], STATIC_INFO[dataset][3]
    if dataset in EVENT_INFO:
        return EVENT_INFO[dataset].n_train, EVENT_INFO[dataset].n_test
    raise KeyError(f"no split sizes known for dataset {dataset!r}")


def estimate(cfg: RunConfig, folder: Optional[str] = None) -> dict:
    """The expected GPU time of training ``cfg`` (see the module docstring): a dict with ``hours`` (None when its
    step shape was not measured; ``why`` then says so), ``step_s``, ``steps_per_epoch``, ``epochs``, ``basis``."""
    m = measurements(folder)
    by_neuron = m["shapes"].get(shape_key(cfg)) or {}
    row = by_neuron.get(cfg.neuron) or (max(by_neuron.values(), key=lambda r: r.get("steps", 0))
                                        if by_neuron else None)
    out: dict = {"config": cfg.name, "epochs": cfg.epochs, "hours": None}
    if row is None:
        out["why"] = ("no GPU measurement of this step shape" if m["sources"] else
                      f"no GPU measurements in {folder or results_dir()} (run benchmarks/gpu_check.sh on a GPU)")
        return out
    step = row["median_s"]
    basis = f"measured ({row['config']}, {row['source']})"
    if cfg.neuron != row["neuron"]:
        a, b = m["neurons"].get(cfg.neuron), m["neurons"].get(row["neuron"])
        if a and b:
            step *= a / b
            basis = (f"measured with {row['neuron']} ({row['config']}), times {a / b:.2f} for {cfg.neuron} "
                     "(ResNet-18 T=6 ratio)")
        else:
            basis = f"measured with {row['neuron']} ({row['config']}); no ratio for {cfg.neuron}"
    n_train, n_test = dataset_sizes(cfg.dataset)
    n_train = min(n_train, cfg.train_subset or n_train)
    n_test = min(n_test, cfg.test_subset or n_test)
    drop_last = bool(cfg.data_opts.get("drop_last", False))
    per_epoch = n_train // cfg.batch_size if drop_last else math.ceil(n_train / cfg.batch_size)
    if cfg.max_steps_per_epoch:
        per_epoch = min(per_epoch, cfg.max_steps_per_epoch)
    eval_bs = cfg.eval_batch_size or cfg.batch_size
    eval_s = math.ceil(n_test / eval_bs) * step * (eval_bs / cfg.batch_size) * EVAL_FRACTION
    seconds = cfg.epochs * (per_epoch * step + eval_s)
    out.update(hours=seconds / 3600, step_s=step, steps_per_epoch=per_epoch, eval_s_per_epoch=eval_s, basis=basis,
               gpu=m["gpu"])
    return out
