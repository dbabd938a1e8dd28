"""The results store: ``run(config)`` trains a configuration or reuses its finished run.

A run lives in ``runs_dir()/<name>-<hash[:10]>/`` (``RunConfig.run_name``; dry-run configs of the profile
``paper-dryrun`` in ``runs_dir()/paper-dryrun/<name>-<hash[:10]>/``) and holds ``config.json``,
``metrics.jsonl`` (one line per epoch), ``summary.json`` (written last: its presence marks the run finished),
``checkpoint.pt`` (latest, for resume), ``model_best.pt`` and ``model_final.pt``.
"""
from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

from snnlab.config import RunConfig
from snnlab.fileio import file_lock

__all__ = ["Run", "run", "run_dir_for", "load_run"]


#: runs of this profile live in their own subfolder of the runs folder (never beside the real paper runs)
SEPARATE_PROFILES = ("paper-dryrun",)


def run_dir_for(config: RunConfig, out: Optional[Union[str, Path]] = None) -> Path:
    """``<out or runs_dir()>/<name>-<hash[:10]>``; a dry-run config (profile ``paper-dryrun``) goes to
    ``<out or runs_dir()>/paper-dryrun/<name>-<hash[:10]>``."""
    from snnlab.paths import runs_dir

    base = Path(out) if out is not None else runs_dir()
    if config.profile in SEPARATE_PROFILES:
        base = base / config.profile
    return base / config.run_name


@dataclass
class Run:
    """A run folder. ``summary`` and ``metrics`` are read from disk on access."""

    dir: Path
    config: RunConfig

    @property
    def finished(self) -> bool:
        return (self.dir / "summary.json").is_file()

    @property
    def summary(self) -> dict:
        path = self.dir / "summary.json"
        if not path.is_file():
            raise FileNotFoundError(f"run {self.dir} has no summary.json (not finished); train it with "
                                    f"snnlab.experiments.run(config) or `python -m snnlab train`")
        return json.loads(path.read_text())

    @property
    def metrics(self):
        """metrics.jsonl as a pandas DataFrame (one row per epoch)."""
        import pandas as pd

        path = self.dir / "metrics.jsonl"
        if not path.is_file():
            return pd.DataFrame()
        return pd.DataFrame([json.loads(line) for line in path.read_text().splitlines() if line.strip()])

    def load_model(self, which: str = "final", device: str = "cpu"):
        """The trained network (``which`` = "final" or "best"), in eval mode."""
        from snnlab.models import build_model, neuron_params_for, switch_neurons
        from snnlab.train import _dataset_info, build_datasets, load_checkpoint

        if which not in ("final", "best"):
            raise ValueError(f"which must be 'final' or 'best', got {which!r}")
        ck = load_checkpoint(self.dir / f"model_{which}.pt", map_location=device)
        cfg = self.config
        info = self._info()
        if info is None:
            train_set, _ = build_datasets(cfg)
            info = _dataset_info(train_set)
        nc, ic, size = info
        model = build_model(cfg, cfg.num_classes or nc, cfg.in_channels or ic, size)
        if ck.get("neuron") and ck["neuron"] != cfg.neuron and cfg.switch_neuron:
            sw = cfg.switch_neuron
            switch_neurons(model, sw["neuron"], neuron_params_for(cfg, sw["neuron"], sw.get("neuron_params") or {}))
        model.load_state_dict(ck["model"])
        return model.to(device).eval()

    def _info(self):
        path = self.dir / "data_info.json"
        if path.is_file():
            d = json.loads(path.read_text())
            return d["num_classes"], d["in_channels"], d["input_size"]
        return None

    def __repr__(self) -> str:
        return f"Run({self.dir.name}, finished={self.finished})"


def load_run(path: Union[str, Path]) -> Run:
    """A ``Run`` from an existing folder (reads its ``config.json``)."""
    path = Path(path)
    cfg_path = path / "config.json"
    if not cfg_path.is_file():
        raise FileNotFoundError(f"{path} is not a run folder: {cfg_path} is missing")
    return Run(path, RunConfig.from_json(cfg_path.read_text()))


def run(config: RunConfig, resume: bool = True, progress: Optional[str] = None, out=None,
        callbacks: Iterable[Callable] = (), retrain: bool = False) -> Run:
    """Train ``config`` or return its finished run.

    A finished run (``summary.json`` present with the same config hash) is returned at once. Otherwise training
    starts, or continues from the last checkpoint when ``resume`` (a checkpoint of another config is refused).
    ``retrain=True`` ignores a finished summary and any checkpoint. ``out`` overrides ``runs_dir()``.
    """
    from snnlab.train import train

    if not isinstance(config, RunConfig):
        raise TypeError(f"run() expects a RunConfig, got {type(config).__name__}; "
                        "use snnlab.experiments.get(name) for a named config")
    d = run_dir_for(config, out)
    r = Run(d, config)
    if r.finished and not retrain:
        s = r.summary
        if s.get("config_hash") == config.hash():
            return r
    # one trainer per run folder: notebooks run in parallel (make -j2) may ask for the same config; the second
    # waits, then finds the run finished and reuses it. Under torchrun the ranks of one run train together
    # (rank 0 alone writes), so they must not wait for each other.
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    with contextlib.nullcontext() if distributed else file_lock(d.with_name(f".{d.name}.train.lock")):
        if r.finished and not retrain and r.summary.get("config_hash") == config.hash():
            return r
        if retrain:
            for name in ("summary.json", "checkpoint.pt"):
                (d / name).unlink(missing_ok=True)
        train(config, d, resume=resume and not retrain, progress=progress, callbacks=callbacks)
    return r
