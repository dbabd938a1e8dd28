"""One training / evaluation loop for every run (``RunConfig``): BPTT or exact truncated BPTT, the papers' loss,
SGD/AdamW with a cosine schedule stepped per epoch (or per step: ``cosine_steps``), AMP on CUDA, atomic checkpoints with bit-identical resume,
DDP through ``torchrun``, per-epoch metrics with per-layer firing rates of the test set and the learnable neuron
scalars per layer (``neuron_parameters``: KLIF's k, PLIF's τ; ``snnlab.monitors.neuron_parameters``).

Protocol (clif.md §3.1, ilif.md §3.2): direct encoding for static images (the same image at every step), event
frames one per step; the network is reset before every batch; the loss is on all T outputs (``snnlab.losses``);
prediction is ``argmax Σ_t O[t]``; the reported number of the papers is the best test accuracy over epochs
(``best_test_acc``), reported beside the final one (``final_test_acc``). The ReLU ANN runs with T = 1.

**Data order and randomness.** Epoch e visits the training set in the permutation drawn from a generator seeded
with ``(seed, e)``; the DataLoader's worker seeds come from a generator seeded the same way, so the order does not
depend on how the run was interrupted. Everything else (initialisation, dropout masks, augmentation in the main
process) uses the global RNGs, whose states are saved in every checkpoint.

**Resume.** A checkpoint holds model, optimiser, scheduler, GradScaler, every RNG state (Python, NumPy, torch
CPU and CUDA, per DDP rank), the position (epoch, step), the partial-epoch accumulators and all metrics. It is
written atomically (temp file + ``os.replace``) after every epoch and, with ``checkpoint_every=n``, every n
steps. Resuming continues from the exact position, so on the CPU with ``num_workers=0`` an interrupted and
resumed run ends bit-identical to an uninterrupted one (with worker processes, epoch-boundary resumes are exact;
mid-epoch ones are exact unless the dataset draws random augmentations, whose worker assignment shifts).

**Divergence.** A non-finite loss stops the run with ``TrainingDiverged`` naming the epoch and step; nothing is
written after it, so the last good checkpoint stays.

**Neuron switch** (``switch_neuron``): at the start of the switch epoch every neuron layer is replaced in place
by the new neuron; weights, optimiser state and schedule carry on. Both neurons must be parameter-free (e.g.
LIF → CLIF, CLIF Fig. 3a) so that the optimiser state stays exactly valid.
"""
from __future__ import annotations

import contextlib
import io
import json
import math
import os
import random
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

import numpy as np
import torch
from torch import nn

from snnlab import losses as _losses
from snnlab import models as _models
from snnlab.config import RunConfig
from snnlab.fileio import CorruptFileError, atomic_write_bytes, atomic_write_text, remove_stale_temps
from snnlab.models import build_model, neuron_params_for, switch_neurons
from snnlab.models.layers import neuron_layers, reset_net
from snnlab.monitors import neuron_parameters

__all__ = ["Trainer", "TrainingDiverged", "train", "evaluate", "build_datasets", "build_model", "neuron_params_for",
           "switch_neurons", "atomic_save", "atomic_write_text", "load_checkpoint", "EpochBatchSampler"]
# build_model, neuron_params_for, switch_neurons live in snnlab.models (re-exported here for old imports)


class TrainingDiverged(RuntimeError):
    """The loss became NaN/inf; the message names the epoch and step and the checkpoint that was kept."""


# ---------------------------------------------------------------------------------------------------- files
def atomic_save(obj, path: Path) -> None:
    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getbuffer(), fsync=True)


def load_checkpoint(path: Path, map_location="cpu", hint: str = "delete it and train the run again "
                    "(`python -m snnlab train CONFIG --restart`)") -> dict:
    """``torch.load`` of a checkpoint or model file; a truncated, empty or garbage file raises
    :class:`~snnlab.fileio.CorruptFileError` naming it, followed by ``hint`` (what to do)."""
    try:
        try:
            ck = torch.load(path, map_location=map_location, weights_only=False)
        except TypeError:  # torch < 1.13 has no weights_only
            ck = torch.load(path, map_location=map_location)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - zip, pickle, EOF and OS errors of a damaged file
        raise CorruptFileError(f"{path} cannot be loaded ({type(exc).__name__}: {exc}): the file is truncated or "
                               f"corrupted; {hint}") from exc
    if not isinstance(ck, dict) or "model" not in ck:
        raise CorruptFileError(f"{path} holds {type(ck).__name__}, not an snnlab checkpoint (a dict with 'model'); "
                               f"{hint}")
    return ck


# ---------------------------------------------------------------------------------------------------- RNG
def get_rng_state() -> dict:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore :func:`get_rng_state`'s states. The generator states are CPU byte tensors whatever device the
    checkpoint was mapped to (a checkpoint loaded with ``map_location="cuda"`` holds them on the GPU, which
    ``torch.set_rng_state`` refuses: "RNG state must be a torch.ByteTensor", seen on the first GPU resume)."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"].cpu())
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


# ---------------------------------------------------------------------------------------------------- data
class EpochBatchSampler(torch.utils.data.Sampler):
    """Batches of indices for one epoch: the permutation of ``range(n)`` drawn from ``(seed, epoch)``, cut into
    global batches of ``batch_size``; rank r of ``world`` takes every world-th index of each global batch. Starts
    at batch ``start`` (resume) and stops after ``max_steps`` batches. With ``shuffle`` (training) the last global
    batch is dropped when it is smaller than ``2·world`` samples (BatchNorm needs more than one sample per step),
    or whenever it is incomplete with ``drop_last`` (the dataset's ``drop_last`` option: the papers' code uses it
    for DVS128 Gesture and the CIFAR "*" recipe); evaluation (``shuffle=False``) keeps every sample."""

    def __init__(self, n: int, batch_size: int, seed: int, epoch: int, shuffle: bool = True, rank: int = 0,
                 world: int = 1, start: int = 0, max_steps: Optional[int] = None, drop_last: bool = False):
        self.n, self.batch_size, self.seed, self.epoch = n, batch_size, seed, epoch
        self.shuffle, self.rank, self.world, self.start, self.max_steps = shuffle, rank, world, start, max_steps
        self.drop_last = drop_last

    def global_batches(self) -> list:
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
            perm = torch.randperm(self.n, generator=g).tolist()
        else:
            perm = list(range(self.n))
        batches = [perm[i:i + self.batch_size] for i in range(0, self.n, self.batch_size)]
        if self.shuffle and batches and len(batches[-1]) < (self.batch_size if self.drop_last else 2 * self.world) \
                and (len(batches) > 1 or self.drop_last):
            batches.pop()  # training only: BatchNorm needs > 1 sample per rank; evaluation keeps every sample
        if self.max_steps is not None:
            batches = batches[:self.max_steps]
        return batches

    def __iter__(self):
        for b in self.global_batches()[self.start:]:
            yield b[self.rank::self.world]

    def __len__(self) -> int:
        return max(0, len(self.global_batches()) - self.start)


def _subset(ds, n: Optional[int], seed: int):
    if n is None or n >= len(ds):
        return ds
    g = torch.Generator().manual_seed(seed + 7919)
    idx = torch.randperm(len(ds), generator=g)[:n].sort().values.tolist()
    sub = torch.utils.data.Subset(ds, idx)
    for attr in ("classes", "collate_fn", "name", "drop_last"):
        if hasattr(ds, attr):
            setattr(sub, attr, getattr(ds, attr))
    return sub


def build_datasets(config: RunConfig):
    from snnlab import data

    opts = dict(config.data_opts)
    if config.dataset == "sim_fashion_events":
        # simulated on demand: simulate (and cache frames for) only the first train_subset/test_subset samples
        # instead of simulating the whole split to draw a random subset from it
        opts.setdefault("n_train", config.train_subset)
        opts.setdefault("n_test", config.test_subset)
    train = data.build(config.dataset, "train", T=config.steps, **opts)
    test_opts = {k: v for k, v in opts.items() if k not in ("mixup_cutmix",)}
    test = data.build(config.dataset, "test", T=config.steps, **test_opts)
    return _subset(train, config.train_subset, config.seed), _subset(test, config.test_subset, config.seed + 1)


def _dataset_info(ds) -> "tuple[int, int, int]":
    """(num_classes, in_channels, input_size) from a dataset's attributes and first sample."""
    x, _ = ds[0]
    x = torch.as_tensor(x)
    classes = getattr(ds, "classes", None)
    if classes is None and hasattr(ds, "num_classes"):
        num_classes = int(ds.num_classes)
    elif classes is not None:
        num_classes = len(classes)
    else:
        raise ValueError("cannot infer num_classes from the dataset; set RunConfig.num_classes")
    in_channels = int(x.shape[-3]) if x.ndim >= 3 else 1
    input_size = int(x.shape[-1])
    return num_classes, in_channels, input_size


# ---------------------------------------------------------------------------------------------------- progress
class _Progress:
    """tqdm bar on a terminal (``bar``), one line per epoch otherwise (``line``), nothing for ``quiet``."""

    def __init__(self, mode: str, enabled: bool = True, stream=None):
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if getattr(self.stream, "isatty", lambda: False)() else "line"
        self.mode = mode if enabled else "quiet"
        self.bar = None

    def epoch_start(self, epoch: int, total: int, steps: int, initial: int = 0):
        if self.mode == "bar":
            from tqdm.auto import tqdm

            self.bar = tqdm(total=steps, initial=initial, desc=f"epoch {epoch + 1}/{total}", leave=False,
                            file=self.stream, dynamic_ncols=True)

    def step(self, loss: float):
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    def epoch_end(self, rec: dict):
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        if self.mode in ("bar", "line"):
            fr = rec.get("firing_rate_mean")
            print(f"epoch {rec['epoch'] + 1:>3}/{rec['epochs']}  train loss {rec['train_loss']:.4f} acc "
                  f"{100 * rec['train_acc']:.2f}%  test loss {rec['test_loss']:.4f} acc {100 * rec['test_acc']:.2f}%"
                  + (f"  rate {fr:.4f}" if fr is not None else "")
                  + f"  lr {rec['lr']:.4g}  {rec['seconds']:.1f}s ({rec['samples_per_s']:.0f}/s)",
                  file=self.stream, flush=True)

    def message(self, text: str):
        if self.mode != "quiet":
            print(text, file=self.stream, flush=True)


# ---------------------------------------------------------------------------------------------------- eval
def evaluate(model: nn.Module, loader, T: int, loss_fn, device, monitor_rates: bool = True,
             autocast=contextlib.nullcontext, readout: str = "sum") -> dict:
    """Test loss, top-1 accuracy (prediction ``losses.predict(out, readout)``) and per-layer firing rates
    (``FiringRateMonitor``) over ``loader``."""
    from snnlab import malloc
    from snnlab.data.encoding import to_time_major
    from snnlab.monitors import FiringRateMonitor

    if torch.device(device).type == "cpu":
        malloc.tune()  # (as Trainer.setup: an evaluation pass allocates and frees its activations every batch)
    model.eval()
    mon = FiringRateMonitor(model) if monitor_rates and neuron_layers(model) else None
    total_loss, correct, n = 0.0, 0, 0
    with torch.no_grad(), (mon if mon is not None else contextlib.nullcontext()):
        for x, y in loader:
            x = to_time_major(x.to(device, non_blocking=True), T)
            y = y.to(device, non_blocking=True)
            reset_net(model)
            with autocast():
                out = model(x)
            loss = loss_fn(out.float(), y)
            b = y.shape[0]
            total_loss += float(loss) * b
            yt = y.argmax(-1) if y.ndim == 2 else y
            correct += int((_losses.predict(out, readout) == yt).sum())
            n += b
    reset_net(model)
    res = {"test_loss": total_loss / max(n, 1), "test_acc": correct / max(n, 1), "test_samples": n}
    if mon is not None:
        rates = mon.rates()
        res["firing_rates"] = dict(rates)
        res["firing_rates_per_step"] = dict(mon.rates_per_step())
        res["firing_rate_mean"] = mon.mean_rate() if not any(getattr(m, "kind", "") == "relu"
                                                             for _, m in neuron_layers(model)) else None
    return res


# ---------------------------------------------------------------------------------------------------- trainer
class Trainer:
    """Train ``config`` into ``run_dir`` (see the module docstring). ``callbacks``: callables
    ``cb(event, trainer)`` with event ``"step_end"`` (after each optimiser step; ``trainer.epoch``,
    ``trainer.step`` = steps done in this epoch, ``trainer.global_step``) or ``"epoch_end"``."""

    CHECKPOINT = "checkpoint.pt"

    def __init__(self, config: RunConfig, run_dir: Path, progress: Optional[str] = None,
                 callbacks: Sequence[Callable] = (), dist_info=None):
        from snnlab import distributed

        self.config = config
        self.run_dir = Path(run_dir)
        self.callbacks = list(callbacks)
        self.dist = dist_info or distributed.info()
        self.is_main = self.dist.rank == 0
        self.device = self._device()
        self.progress = _Progress(progress or config.progress, enabled=self.is_main)
        self.T = config.steps
        self.epoch = 0
        self.step = 0
        self.global_step = 0
        self.metrics: list = []

    def _device(self) -> torch.device:
        want = self.config.device
        if self.dist.world_size > 1 and torch.cuda.is_available() and want in ("auto", "cuda"):
            return torch.device("cuda", self.dist.local_rank)
        if want == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(want)

    # ------------------------------------------------------------------------------------------------
    def setup(self) -> None:
        from snnlab.reproducibility import seed_everything

        cfg = self.config
        if cfg.num_threads:
            torch.set_num_threads(cfg.num_threads)
        if self.device.type == "cpu":
            from snnlab import malloc

            malloc.tune()  # freed activations stay in the process: no page faults every step (snnlab.malloc)
        seed_everything(cfg.seed, deterministic=cfg.deterministic)
        self.train_set, self.test_set = build_datasets(cfg)
        nc, ic, size = _dataset_info(self.train_set)
        self.num_classes = cfg.num_classes or nc
        self.in_channels = cfg.in_channels or ic
        self.input_size = size
        seed_everything(cfg.seed, deterministic=cfg.deterministic)  # model init independent of data building
        self.model = build_model(cfg, self.num_classes, self.in_channels, size).to(self.device)
        self.net = self.model
        if self.dist.world_size > 1:
            from snnlab.distributed import wrap_ddp

            self.net = wrap_ddp(self.model, self.device)
        if cfg.compile:  # the fused neuron kernels are custom ops: the whole network compiles without graph breaks
            self.net = torch.compile(self.net)
        self.optimizer = self.build_optimizer()
        if cfg.schedule == "cosine":
            self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, T_max=cfg.t_max or cfg.epochs)
        elif cfg.schedule == "cosine_steps":  # decays within an epoch too (short runs: one or two epochs)
            per_epoch = len(self._loader(self.train_set, True, 0).batch_sampler)
            self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
                self.optimizer, T_max=max(1, (cfg.t_max or cfg.epochs) * per_epoch))
        else:
            self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lambda e: 1.0)
        self.amp_dtype = self._amp_dtype()
        self.use_amp = self.amp_dtype is not None
        self.scaler = _grad_scaler(self.use_amp and self.device.type == "cuda")
        self.loss_fn = _losses.build(cfg.loss, lam=cfg.loss_lambda, means=cfg.loss_means, mse_target=cfg.mse_target,
                                     label_smoothing=cfg.label_smoothing)
        self.eval_loss_fn = self.loss_fn
        self.best_acc, self.best_epoch = -1.0, -1
        self.acc = {"loss": 0.0, "correct": 0.0, "n": 0.0, "seconds": 0.0}
        self.total_seconds = 0.0

    def build_optimizer(self) -> torch.optim.Optimizer:
        """The config's optimiser over the model's parameters (called again by whoever swaps modules in)."""
        cfg = self.config
        if cfg.optimizer == "sgd":
            return torch.optim.SGD(self.model.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                                   weight_decay=cfg.weight_decay)
        return torch.optim.AdamW(self.model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)

    #: autocast dtype of ``amp=True`` on the CPU: None = AMP is ignored there (the default). Tests set
    #: ``torch.bfloat16`` to run the mixed-precision code path without a GPU (bfloat16 autocast is 9-14x slower
    #: than float32 on a CPU without AMX, measured on snn5_noap and ResNet-18, so it is never on by default).
    cpu_amp_dtype: Optional[torch.dtype] = None

    def _amp_dtype(self) -> Optional[torch.dtype]:
        """float16 (with a GradScaler) on CUDA when ``amp``; on the CPU ``cpu_amp_dtype`` (no scaler)."""
        if not self.config.amp:
            return None
        return torch.float16 if self.device.type == "cuda" else self.cpu_amp_dtype

    def autocast(self):
        if self.use_amp:
            return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)
        return contextlib.nullcontext()

    def _loader(self, ds, train: bool, epoch: int, start: int = 0):
        cfg = self.config
        bs = cfg.batch_size if train else (cfg.eval_batch_size or cfg.batch_size)
        if train:
            sampler = EpochBatchSampler(len(ds), bs, cfg.seed, epoch, True, self.dist.rank, self.dist.world_size,
                                        start, cfg.max_steps_per_epoch, drop_last=bool(getattr(ds, "drop_last", False)))
        else:
            sampler = EpochBatchSampler(len(ds), bs, cfg.seed, 0, False)
        g = torch.Generator().manual_seed(cfg.seed * 1_000_003 + epoch + (0 if train else 500_009))
        collate = getattr(ds, "collate_fn", None) if train else None
        return torch.utils.data.DataLoader(ds, batch_sampler=sampler, num_workers=cfg.num_workers,
                                           pin_memory=self.device.type == "cuda", generator=g,
                                           collate_fn=collate, persistent_workers=False)

    # ------------------------------------------------------------------------------------------------ checkpoints
    def _switch_epoch(self) -> Optional[int]:
        sw = self.config.switch_neuron
        return None if sw is None else int(sw["epoch"])

    def _apply_switch(self) -> None:
        if getattr(self, "switched", False):
            return
        self.switched = True
        sw = self.config.switch_neuron
        switch_neurons(self.model, sw["neuron"], neuron_params_for(self.config, sw["neuron"],
                                                                   sw.get("neuron_params") or {}))
        self.progress.message(f"switched neurons to {sw['neuron']} at epoch {self.epoch + 1}")

    def state_dict(self) -> dict:
        from snnlab import distributed

        return {
            "config_hash": self.config.hash(),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict() if self.scaler is not None else None,
            "rng": distributed.gather_objects(get_rng_state(), self.dist),
            "epoch": self.epoch, "step": self.step, "global_step": self.global_step,
            "acc": dict(self.acc), "metrics": list(self.metrics), "total_seconds": self.total_seconds,
            "best_acc": self.best_acc, "best_epoch": self.best_epoch,
            "switched": getattr(self, "switched", False),
        }

    def save_checkpoint(self) -> None:
        state = self.state_dict()  # collective under DDP: every rank calls it
        if self.is_main:
            atomic_save(state, self.run_dir / self.CHECKPOINT)

    RESTART_HINT = ("rerun with --restart (`python -m snnlab train CONFIG --restart`, or run(config, retrain=True)) "
                    "to train the run from scratch, or delete the file")

    def load_checkpoint(self, path: Path) -> None:
        ck = load_checkpoint(path, map_location=self.device, hint=self.RESTART_HINT)
        missing = {"config_hash", "optimizer", "scheduler", "rng", "epoch", "step", "global_step", "acc", "metrics",
                   "best_acc", "best_epoch"} - set(ck)
        if missing:
            raise CorruptFileError(f"checkpoint {path} lacks {sorted(missing)}; it was not written by this trainer. "
                                   + self.RESTART_HINT)
        if ck.get("config_hash") != self.config.hash():
            raise ValueError(f"checkpoint {path} belongs to another config (hash {ck.get('config_hash')!r}, this "
                             f"config {self.config.hash()!r}); delete it or use a fresh run folder")
        if ck.get("switched"):
            self._apply_switch()
        self.model.load_state_dict(ck["model"])
        self.optimizer.load_state_dict(ck["optimizer"])
        self.scheduler.load_state_dict(ck["scheduler"])
        if self.scaler is not None and ck.get("scaler") is not None:
            self.scaler.load_state_dict(ck["scaler"])
        self.epoch, self.step, self.global_step = ck["epoch"], ck["step"], ck["global_step"]
        self.acc, self.metrics = dict(ck["acc"]), list(ck["metrics"])
        self.total_seconds = ck.get("total_seconds", 0.0)
        self.best_acc, self.best_epoch = ck["best_acc"], ck["best_epoch"]
        rng = ck["rng"]
        set_rng_state(rng[self.dist.rank] if len(rng) > self.dist.rank else rng[0])

    def _write_metrics(self) -> None:
        if self.is_main:
            atomic_write_text(self.run_dir / "metrics.jsonl",
                              "".join(json.dumps(m, sort_keys=True) + "\n" for m in self.metrics))

    # ------------------------------------------------------------------------------------------------ loop
    def _emit(self, event: str) -> None:
        for cb in self.callbacks:
            cb(event, self)

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> "tuple[float, torch.Tensor]":
        from snnlab import tbptt

        self.optimizer.zero_grad(set_to_none=True)
        reset_net(self.net)
        k = self.config.k_trunc
        scale = self.scaler.scale if self.scaler is not None else None
        if k is not None and k < self.T:
            if self.dist.world_size > 1:
                raise ValueError("truncated BPTT (k_trunc) under DDP is not supported; run it on one process")
            loss, out = tbptt.truncated_backward(self.net, x, y, self.loss_fn, k, autocast=self.autocast,
                                                 scale=scale)
        else:
            with self.autocast():
                out = self.net(x)
                loss = self.loss_fn(out.float(), y)
            (scale(loss) if scale else loss).backward()
        value = float(loss.detach())
        if not math.isfinite(value):
            ck = self.run_dir / self.CHECKPOINT
            kept = (f"the last good checkpoint {ck} (epoch {self._ck_epoch()}) is kept" if ck.exists()
                    else "no checkpoint had been written yet")
            raise TrainingDiverged(f"loss is {value} at epoch {self.epoch + 1}, step {self.step + 1} (global step "
                                   f"{self.global_step + 1}) of run {self.run_dir.name}; training stopped and {kept}. "
                                   "Lower the learning rate or check the data.")
        if self.scaler is not None:
            self.scaler.step(self.optimizer)
            self.scaler.update()
        else:
            self.optimizer.step()
        return value, out

    def _ck_epoch(self) -> str:
        try:
            ck = load_checkpoint(self.run_dir / self.CHECKPOINT)
            return f"{ck['epoch']}" + (f", step {ck['step']}" if ck["step"] else "")
        except Exception:  # noqa: BLE001
            return "?"

    def fit(self, resume: bool = True) -> dict:
        from snnlab import distributed
        from snnlab.data.encoding import to_time_major

        cfg = self.config
        self.setup()
        if self.is_main:
            atomic_write_text(self.run_dir / "data_info.json", json.dumps(
                {"num_classes": self.num_classes, "in_channels": self.in_channels, "input_size": self.input_size,
                 "train_samples": len(self.train_set), "test_samples": len(self.test_set)}))
        ck = self.run_dir / self.CHECKPOINT
        if resume and ck.exists():
            self.load_checkpoint(ck)
            self._write_metrics()  # the checkpoint holds every row: a kill before metrics.jsonl was written loses none
            self.progress.message(f"resuming {self.run_dir.name} at epoch {self.epoch + 1}, step {self.step}")
        test_loader = self._loader(self.test_set, False, 0)
        while self.epoch < cfg.epochs:
            if self._switch_epoch() == self.epoch and self.step == 0:
                self._apply_switch()
            self.net.train()
            loader = self._loader(self.train_set, True, self.epoch, self.step)
            steps_total = self.step + len(loader.batch_sampler)
            self.progress.epoch_start(self.epoch, cfg.epochs, steps_total, self.step)
            t0 = time.perf_counter()
            for x, y in loader:
                x = to_time_major(x.to(self.device, non_blocking=True), self.T)
                y = y.to(self.device, non_blocking=True)
                value, out = self.train_step(x, y)
                if cfg.schedule == "cosine_steps":
                    self.scheduler.step()
                b = y.shape[0]
                yt = y.argmax(-1) if y.ndim == 2 else y
                self.acc["loss"] += value * b
                self.acc["correct"] += float((_losses.predict(out.detach(), _losses.readout(cfg.loss)) == yt).sum())
                self.acc["n"] += b
                self.step += 1
                self.global_step += 1
                self.progress.step(value)
                if cfg.checkpoint_every and self.global_step % cfg.checkpoint_every == 0 and self.step < steps_total:
                    self.acc["seconds"] += time.perf_counter() - t0
                    t0 = time.perf_counter()
                    self.save_checkpoint()
                self._emit("step_end")
            self.acc["seconds"] += time.perf_counter() - t0
            lr_used = self.optimizer.param_groups[0]["lr"]
            if cfg.schedule != "cosine_steps":
                self.scheduler.step()
            tr = distributed.all_reduce_sum([self.acc["loss"], self.acc["correct"], self.acc["n"]], self.dist,
                                            self.device)
            rec = {"epoch": self.epoch, "epochs": cfg.epochs, "train_loss": tr[0] / max(tr[2], 1),
                   "train_acc": tr[1] / max(tr[2], 1), "train_samples": int(tr[2]), "lr": lr_used,
                   "seconds": self.acc["seconds"], "samples_per_s": tr[2] / max(self.acc["seconds"], 1e-9),
                   "neuron": getattr(self.model, "neuron_name", cfg.neuron)}
            learned = neuron_parameters(self.model)
            if learned:  # KLIF's k, PLIF's τ per layer at the epoch's end, in network order (a list: rows are
                # written with sorted keys)
                rec["neuron_parameters"] = [{"layer": name, **vals} for name, vals in learned.items()]
            t1 = time.perf_counter()
            if self.is_main:
                # evaluation in full precision, without autocast, as the papers' code evaluates
                rec.update(evaluate(self.model, test_loader, self.T, self.eval_loss_fn, self.device,
                                    readout=_losses.readout(cfg.loss)))
            rec["eval_seconds"] = time.perf_counter() - t1
            distributed.barrier(self.dist)
            self.total_seconds += self.acc["seconds"] + rec["eval_seconds"]
            if self.is_main and rec["test_acc"] > self.best_acc:
                self.best_acc, self.best_epoch = rec["test_acc"], self.epoch
                atomic_save({"model": self.model.state_dict(), "epoch": self.epoch, "test_acc": rec["test_acc"],
                             "neuron": rec["neuron"]}, self.run_dir / "model_best.pt")
            self.metrics.append(rec)
            self.epoch += 1
            self.step = 0
            self.acc = {"loss": 0.0, "correct": 0.0, "n": 0.0, "seconds": 0.0}
            self.save_checkpoint()
            self._write_metrics()
            self.progress.epoch_end(rec)
            self._emit("epoch_end")
        return self.finish()

    def finish(self) -> dict:
        from snnlab.reproducibility import env_info

        cfg = self.config
        last = self.metrics[-1] if self.metrics else {}
        if self.is_main:
            atomic_save({"model": self.model.state_dict(), "epoch": self.epoch - 1,
                         "neuron": getattr(self.model, "neuron_name", cfg.neuron)}, self.run_dir / "model_final.pt")
        train_seconds = sum(m["seconds"] for m in self.metrics)
        samples = sum(m["train_samples"] for m in self.metrics)
        summary = {
            "run": self.run_dir.name, "config_hash": cfg.hash(), "profile": cfg.profile,
            "model": cfg.model, "neuron": cfg.neuron, "final_neuron": getattr(self.model, "neuron_name", cfg.neuron),
            "dataset": cfg.dataset, "T": self.T, "epochs": cfg.epochs,
            "best_test_acc": self.best_acc, "best_epoch": self.best_epoch,
            "final_test_acc": last.get("test_acc"), "final_test_loss": last.get("test_loss"),
            "final_train_acc": last.get("train_acc"), "final_train_loss": last.get("train_loss"),
            "firing_rates": last.get("firing_rates"), "firing_rate_mean": last.get("firing_rate_mean"),
            "firing_rates_per_step": last.get("firing_rates_per_step"),
            "num_params": _models.count_parameters(self.model),
            "train_seconds": train_seconds, "total_seconds": self.total_seconds,
            "samples_per_s": samples / max(train_seconds, 1e-9),
            "world_size": self.dist.world_size, "device": str(self.device), "env": env_info(),
        }
        if self.is_main:
            summary["energy"] = self._energy()
        return summary

    def _energy(self) -> Optional[dict]:
        """SOP-convention energy per test sample on one test batch (``snnlab.energy``); None for an empty test set.
        Any other failure is a bug and raises."""
        from snnlab import energy
        from snnlab.data.encoding import to_time_major

        batch = next(iter(self._loader(self.test_set, False, 0)), None)
        if batch is None:
            return None
        x = to_time_major(batch[0][:64].to(self.device), self.T)
        self.model.eval()
        rep = energy.measure_ann(self.model, x) if self.config.neuron == "relu" else energy.measure_sops(self.model, x)
        reset_net(self.model)
        out = {k: float(v) for k, v in rep.totals.items()}
        out["preset"] = "45nm-fp32"
        out["samples"] = int(x.shape[1])
        out["layers"] = rep.table[["layer", "input_rate", "sops", "macs"]].to_dict("records")
        return out


def _grad_scaler(enabled: bool):
    if not enabled:
        return None
    try:
        return torch.amp.GradScaler("cuda")
    except (AttributeError, TypeError):  # torch < 2.3
        return torch.cuda.amp.GradScaler()


def train(config: RunConfig, run_dir: Path, resume: bool = True, progress: Optional[str] = None,
          callbacks: Iterable[Callable] = ()) -> dict:
    """Train ``config`` in ``run_dir`` (created) and return the summary dict (rank 0 writes the files)."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    trainer = Trainer(config, run_dir, progress=progress, callbacks=list(callbacks))
    if trainer.is_main:
        remove_stale_temps(run_dir)  # temp files of writers killed mid-write (up to a checkpoint's size each)
        atomic_write_text(run_dir / "config.json", config.to_json())
    summary = trainer.fit(resume=resume)
    if trainer.is_main:
        atomic_write_text(run_dir / "summary.json", json.dumps(summary, indent=2, sort_keys=True, default=str))
    return summary
