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
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

from snnlab.config import RunConfig
from snnlab.fileio import CorruptFileError, file_lock, read_json

__all__ = ["Run", "run", "run_dir_for", "load_run", "train_lock_path"]


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


def train_lock_path(run_dir: Union[str, Path]) -> Path:
    """The file lock beside a run folder that its trainer holds (``.<run name>.train.lock``)."""
    run_dir = Path(run_dir)
    return run_dir.with_name(f".{run_dir.name}.train.lock")


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
        return read_json(path, "delete it: the run is then finished again from its checkpoint by "
                               "snnlab.experiments.run(config) or `python -m snnlab train`")

    @property
    def metrics(self):
        """metrics.jsonl as a pandas DataFrame (one row per epoch). A torn last line (a writer killed
        mid-line) is dropped with a warning; resuming the run rewrites the file from its checkpoint."""
        import pandas as pd

        path = self.dir / "metrics.jsonl"
        if not path.is_file():
            return pd.DataFrame()
        lines = [(i, line) for i, line in enumerate(path.read_text().splitlines(), 1) if line.strip()]
        rows = []
        for k, (i, line) in enumerate(lines):
            try:
                rows.append(json.loads(line))
            except ValueError as exc:
                if k < len(lines) - 1:
                    raise CorruptFileError(f"{path}:{i} is not valid JSON ({exc}): the file is corrupted; delete it "
                                           "and resume the run (snnlab.experiments.run(config) or `python -m "
                                           "snnlab train`), which rewrites it from the checkpoint") from exc
                warnings.warn(f"{path}: the last line ({i}) is cut off (a writer was killed mid-line) and is left "
                              "out; resuming the run rewrites the file from its checkpoint")
        return pd.DataFrame(rows)

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
            try:
                d = json.loads(path.read_text())
                return d["num_classes"], d["in_channels"], d["input_size"]
            except (ValueError, KeyError, TypeError):  # damaged: read the dataset instead
                return None
        return None

    def __repr__(self) -> str:
        return f"Run({self.dir.name}, finished={self.finished})"


def _done(r: Run, config: RunConfig) -> bool:
    """``r`` is finished with this config; an unreadable summary.json counts as not finished (with a warning:
    the run is resumed from its checkpoint, which writes the summary again)."""
    if not r.finished:
        return False
    try:
        s = r.summary
    except CorruptFileError as exc:
        warnings.warn(f"{exc}. Resuming the run from its checkpoint to write it again.")
        return False
    return isinstance(s, dict) and s.get("config_hash") == config.hash()


def load_run(path: Union[str, Path]) -> Run:
    """A ``Run`` from an existing folder (reads its ``config.json``)."""
    path = Path(path)
    cfg_path = path / "config.json"
    if not cfg_path.is_file():
        raise FileNotFoundError(f"{path} is not a run folder: {cfg_path} is missing")
    return Run(path, RunConfig.from_dict(read_json(cfg_path, "it cannot be recovered; train the config again")))


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
    if not retrain and _done(r, config):
        return r
    # one trainer per run folder: notebooks run in parallel (make -j2) may ask for the same config; the second
    # waits, then finds the run finished and reuses it. Under torchrun the ranks of one run train together
    # (rank 0 alone writes), so they must not wait for each other.
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    with contextlib.nullcontext() if distributed else file_lock(train_lock_path(d)):
        if not retrain and _done(r, config):
            return r
        if retrain:
            for name in ("summary.json", "checkpoint.pt"):
                (d / name).unlink(missing_ok=True)
        train(config, d, resume=resume and not retrain, progress=progress, callbacks=callbacks)
    return r
