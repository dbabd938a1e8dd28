"""What every paper module shares: families, plans, status, train-or-reuse, profiles and the paper dry run.

A paper module (``snnlab.papers.clif``, ...) describes its experiments as data and calls these::

    from snnlab.papers import common as C

    plan = C.plan("clif-fig2a-snn5", cells=C.grid(tau=[1.1, 2.0], k_trunc=[1, None]), profile=profile)
    C.plan_table(plan)            # what will be trained: labels, config name, neuron, T, τ, k, seed, epochs, hash6
    C.show_status(plan)           # finished / not run, with the exact `python -m snnlab train NAME --set ...`
    runs = C.train_or_reuse(plan) # one Run per entry (None for an entry not run when train_missing=False)

**Families** (``snnlab.experiments.families``): ``resolve(family, **cell)`` returns the ``RunConfig`` of one cell
(registry names for the papers' fixed grids, ``replace`` for derived families); re-exported here.

**Plans**: a plan is a list of ``PlanEntry(labels, config, base)``; an entry unpacks as ``labels, config``.
``base`` is the registry name the config derives from, so that ``train_command`` can write the command that
reproduces it (checked: the command's config has the same hash).

**Profiles** (``snnlab.config.PROFILES``): ``smoke`` (CI), ``quick`` (2-core CPU), ``paper`` (GPU, real data) and
``paper-dryrun``: the paper code paths on the CPU, every paper config cut by :func:`dryrun` to one or two
optimiser steps on fake datasets in the real on-disk formats (:func:`write_fake_data`). ``by_profile`` picks a
value per profile along ``profile_chain`` (the dry run takes the paper value). ``plan(..., profile=...)``
applies :func:`dryrun` to every cell when the profile is ``paper-dryrun``. Dry-run runs live in
``runs_dir()/paper-dryrun/`` and dry-run figures in ``figures_dir()/paper-dryrun/``, never beside real runs.
"""
from __future__ import annotations

import itertools
import json
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from snnlab.config import PROFILES, RunConfig, parse_assignments, profile_chain
from snnlab.experiments import Run, get, names, run, run_dir_for
from snnlab.experiments.families import (Family, cell_of, derived, effective_tau, family, family_names, pattern,
                                         resolve)
from snnlab.experiments.runs import train_lock_path
from snnlab.fileio import lock_held

__all__ = [
    "Family", "resolve", "family", "family_names", "derived", "pattern", "cell_of",
    "PlanEntry", "grid", "plan", "unique", "plan_table", "train_command", "run_status", "status_table", "show_status",
    "train_or_reuse", "headless", "figure_spec",
    "DRYRUN_PROFILE", "is_paper", "is_dryrun", "by_profile", "for_profile", "dryrun", "DRYRUN",
    "write_fake_data", "ensure_fake_data", "dryrun_data_dir", "PAPER_DATASETS", "FAKE_DATA_STAMP",
]

DRYRUN_PROFILE = "paper-dryrun"


# ================================================================================================ plans
@dataclass(frozen=True)
class PlanEntry:
    """One run of a plan: ``labels`` (what the notebook groups and plots by), its ``config`` and the registry
    name ``base`` the config derives from (None when it is not derived from a registered config)."""

    labels: Mapping[str, Any]
    config: RunConfig
    base: Optional[str] = None

    def __iter__(self) -> Iterator:  # ``for labels, cfg in plan``
        return iter((self.labels, self.config))


def grid(**axes: Sequence) -> List[dict]:
    """The cells of a product grid in a fixed order (the keys' order): ``grid(tau=[1.1, 2], k_trunc=[1, None])``."""
    keys = list(axes)
    for k, v in axes.items():
        if isinstance(v, (str, bytes)) or not isinstance(v, Iterable):
            raise ValueError(f"grid(): {k}={v!r} must be a list of values")
    return [dict(zip(keys, vals)) for vals in itertools.product(*(list(axes[k]) for k in keys))]


def plan(family_: Union[str, Family], cells: Optional[Iterable[Mapping]] = None, profile: Optional[str] = None,
         **labels: Any) -> List[PlanEntry]:
    """One entry per cell of ``family_`` (``cells`` default: the family's own grid). Labels: ``family`` plus the
    cell's values plus ``labels``. With ``profile="paper-dryrun"`` every config goes through :func:`dryrun`."""
    fam = family(family_)
    out = []
    for cell in (fam.cells() if cells is None else cells):
        cfg = fam.config(**cell)
        base = fam.base_name(**cell)
        if base is None and cfg.name in names():
            base = cfg.name
        if profile is not None:
            cfg = for_profile(cfg, profile)
        out.append(PlanEntry({"family": fam.name, **dict(cell), **labels}, cfg, base))
    return out


def unique(entries: Iterable[PlanEntry]) -> List[PlanEntry]:
    """``entries`` in order, each config once (by config hash; the first entry's labels are kept)."""
    out, seen = [], set()
    for e in entries:
        h = e.config.hash()
        if h not in seen:
            seen.add(h)
            out.append(e)
    return out


def _switch_text(cfg: RunConfig) -> str:
    sw = cfg.switch_neuron
    return "-" if not sw else f"{sw['neuron']}@{sw['epoch']}"


def plan_table(entries: Sequence[PlanEntry]):
    """A deterministic DataFrame of what a plan trains: the labels, then config, neuron, T, k_trunc ("full" =
    full BPTT), tau ("-" for the ANN), seed, epochs, switch ("clif@50"), hash6 (the first 6 hex digits of the
    config hash; 6 so that notebook validation does not mask it as a git hash); for the paper profile (and its dry
    run) also gpu_h, the expected GPU hours on an H200 (:mod:`snnlab.experiments.gpu_hours`)."""
    import pandas as pd

    rows = []
    for e in entries:
        labels, cfg = e
        tau = effective_tau(cfg)
        rows.append({**{k: v for k, v in labels.items()},
                     "config": cfg.name, "neuron": cfg.neuron, "T": cfg.steps,
                     "k_trunc": "full" if cfg.k_trunc is None else cfg.k_trunc,
                     "tau": "-" if tau is None else round(tau, 6), "seed": cfg.seed, "epochs": cfg.epochs,
                     "switch": _switch_text(cfg), "hash6": cfg.hash()[:6]})
    df = pd.DataFrame(rows)
    if entries and any(is_paper(e.config.profile) for e in entries):
        df["gpu_h"] = [_gpu_hours(e) for e in entries]
    return df


def _gpu_hours(entry: PlanEntry) -> Optional[float]:
    """The expected H200 hours of the paper run behind ``entry`` (:mod:`snnlab.experiments.gpu_hours`; for a dry-run
    entry, of the paper config it is cut from), rounded to 0.01; None where its step shape was not measured."""
    from snnlab.experiments.gpu_hours import estimate

    cfg = entry.config
    if is_dryrun(cfg.profile):
        if entry.base is None or entry.base not in names():
            return None
        cfg = get(entry.base)
    hours = estimate(cfg)["hours"]
    return None if hours is None else round(hours, 2)


# ================================================================================================ status
def _dotted_sets(base: dict, want: dict) -> List[str]:
    sets = []
    for k in sorted(want):
        if base.get(k) == want[k]:
            continue
        if isinstance(want[k], dict) and isinstance(base.get(k), dict) and set(base[k]) <= set(want[k]):
            sets += [f"{k}.{kk}={json.dumps(want[k][kk], separators=(',', ':'))}" for kk in sorted(want[k])
                     if base[k].get(kk) != want[k][kk]]
        else:
            sets.append(f"{k}={json.dumps(want[k], separators=(',', ':'))}")
    return sets


def train_command(config: RunConfig, base: Optional[str] = None) -> str:
    """The exact command that trains ``config``: ``python -m snnlab train BASE --set k=v ...`` with BASE its
    registered name (or ``base``) and one ``--set`` per field that differs. The command is checked to round-trip:
    the config it builds has ``config``'s hash (else RuntimeError)."""
    if base is None:
        if config.name not in names():
            raise ValueError(f"train_command: {config.name!r} is not a registered config; give base= (the registered "
                             "config it derives from)")
        base = config.name
    ref = get(base)
    sets = _dotted_sets(ref.to_dict(hashed_only=True), config.to_dict(hashed_only=True))
    rebuilt = ref.replace(**parse_assignments(sets)) if sets else ref
    if rebuilt.hash() != config.hash():
        raise RuntimeError(f"train_command: the command for {config.run_name} does not rebuild it (sets {sets})")
    return " ".join(["python -m snnlab train", base] + [f"--set {shlex.quote(s)}" for s in sets])


def run_status(config: RunConfig, base: Optional[str] = None) -> Tuple[str, str]:
    """``("finished", "")`` when the run folder holds this config's finished run, else ``("not run", command)``."""
    r = Run(run_dir_for(config), config)
    if r.finished and r.summary.get("config_hash") == config.hash():
        return "finished", ""
    return "not run", train_command(config, base)


def status_table(entries: Sequence[PlanEntry]):
    """``plan_table`` plus ``status`` and ``command`` (empty for finished runs)."""
    df = plan_table(entries)
    st = [run_status(e.config, e.base) for e in entries]
    df["status"] = [s for s, _ in st]
    df["command"] = [c for _, c in st]
    return df


def show_status(entries: Sequence[PlanEntry], limit: int = 12, file=None) -> List[str]:
    """Print how many runs are finished and the commands of (up to ``limit``) missing ones; returns them all."""
    file = file or sys.stdout
    status = [run_status(e.config, e.base) for e in entries]
    missing = [c for s, c in status if s == "not run"]
    print(f"{len(entries)} runs planned, {len(entries) - len(missing)} finished (reused), {len(missing)} not run yet:",
          file=file)
    if missing and any(is_paper(e.config.profile) for e in entries):
        hours = [_gpu_hours(e) for e, (s, _) in zip(entries, status) if s == "not run"]
        known = [h for h in hours if h is not None]
        print(f"  expected H200 GPU hours of these runs at paper scale: {sum(known):.1f}"
              + (f" (+ {len(hours) - len(known)} runs without an estimate)" if len(known) < len(hours) else "")
              + " (snnlab.experiments.gpu_hours: measured step times, compute only)", file=file)
    for c in missing[:limit]:
        print("  " + c, file=file)
    if len(missing) > limit:
        print(f"  … {len(missing) - limit} more", file=file)
    return missing


# ================================================================================================ training
def headless() -> bool:
    """True when nobody watches a progress bar: a notebook executed by ``nbrun``/papermill (``SNNLAB_NOTEBOOK``),
    pytest/nbval (``PYTEST_VERSION``), CI (``CI``) or ``SNNLAB_HEADLESS=1``."""
    return any(os.environ.get(v) for v in ("SNNLAB_NOTEBOOK", "PYTEST_VERSION", "PYTEST_CURRENT_TEST", "CI",
                                           "SNNLAB_HEADLESS"))


def train_or_reuse(entries: Sequence[PlanEntry], train_missing: bool = True,
                   callbacks: Union[Iterable[Callable], Callable[[PlanEntry], Iterable[Callable]]] = (),
                   progress: Optional[bool] = None) -> List[Optional[Run]]:
    """Train every entry whose run is not finished (or reuse it) and return the runs in plan order.

    ``train_missing=False`` returns None for an entry that is not finished instead of training it.
    ``callbacks``: training callbacks for every run, or a function ``entry -> callbacks``.
    ``progress``: a tqdm bar over the plan (default: only when not :func:`headless`); runs train quietly.
    Identical configs (same hash) train once: a lock beside the run folder serialises parallel notebooks; a run
    that another process is training is left until the others are done, then waited for."""
    show = (not headless()) if progress is None else progress
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=len(entries), desc="runs", file=sys.stderr, dynamic_ncols=True)
    out: List[Optional[Run]] = [None] * len(entries)
    deferred: List[int] = []

    def take(i: int) -> None:
        e = entries[i]
        if bar is not None:
            bar.set_postfix_str(e.config.name, refresh=True)
        cbs = callbacks(e) if callable(callbacks) else callbacks
        out[i] = run(e.config, progress="quiet", callbacks=list(cbs or ()))
        if bar is not None:
            bar.update(1)

    try:
        # runs another process is training now (a parallel notebook: make -j2) are left for later, so that this
        # process trains the others meanwhile instead of waiting for the lock
        for i, e in enumerate(entries):
            r = Run(run_dir_for(e.config), e.config)
            done = r.finished and r.summary.get("config_hash") == e.config.hash()
            if done:
                take(i)
            elif not train_missing:
                if bar is not None:
                    bar.update(1)
            elif lock_held(train_lock_path(r.dir)):
                deferred.append(i)
            else:
                take(i)
        while deferred:
            free = [i for i in deferred if not lock_held(train_lock_path(run_dir_for(entries[i].config)))]
            i = (free or deferred)[0]  # none free: wait for the first (run() blocks on its lock)
            deferred.remove(i)
            take(i)
    finally:
        if bar is not None:
            bar.close()
    return out


# ================================================================================================ profiles
def figure_spec(fig, name: str, data, caption: str, config: Any = None) -> dict:
    """What a paper module's figure function returns: the keyword arguments of ``Notebook.save_figure``."""
    return {"fig": fig, "name": name, "data": data, "caption": caption, "config": config}


def is_dryrun(profile: str) -> bool:
    return profile == DRYRUN_PROFILE


def is_paper(profile: str) -> bool:
    """The paper settings: ``paper`` and its dry run."""
    _check_profile(profile)
    return "paper" in profile_chain(profile)


def by_profile(profile: str, **values: Any) -> Any:
    """A value per profile: ``by_profile(profile, smoke=2, quick=20, paper=300)``; a profile without a value takes
    the nearest one along ``profile_chain`` (paper-dryrun -> paper -> quick -> smoke). ``paper_dryrun=`` sets the
    dry run's own."""
    _check_profile(profile)
    values = {k.replace("_", "-"): v for k, v in values.items()}
    unknown = sorted(set(values) - set(PROFILES))
    if unknown:
        raise ValueError(f"by_profile(): unknown profiles {unknown}; valid: {', '.join(PROFILES)}")
    for p in profile_chain(profile):
        if p in values:
            return values[p]
    raise ValueError(f"by_profile(): no value for profile {profile!r} or one it falls back to; got {sorted(values)}")


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"profile={profile!r} is not a profile; valid profiles: {', '.join(PROFILES)}")


def for_profile(config: RunConfig, profile: str) -> RunConfig:
    """``config`` as the profile runs it: :func:`dryrun` for ``paper-dryrun``, unchanged otherwise."""
    _check_profile(profile)
    return dryrun(config) if is_dryrun(profile) else config


#: the dry run's cut (see :func:`dryrun`)
DRYRUN = dict(batch_size=2, steps=2, test_subset=2)


def dryrun(config: RunConfig) -> RunConfig:
    """The paper config cut to one or two optimiser steps for the CPU dry run (profile ``paper-dryrun``).

    Kept: model and its parameters, neuron and its parameters, dataset and its options (transforms,
    augmentation, Mixup/CutMix), T, loss, optimiser, schedule, truncation, AMP (ignored on the CPU; the dry-run
    tests run it as bfloat16 autocast, ``Trainer.cpu_amp_dtype``), seed. Cut: ``batch_size`` 2,
    ``max_steps_per_epoch`` 2 (1 for a neuron switch, which runs 2 epochs switching at epoch 1), 1 epoch,
    ``train_subset`` = the samples those steps use, ``test_subset`` 2, evaluation batch 2, no worker processes,
    one thread, a checkpoint after every step (so mid-epoch checkpoints are written), quiet progress. The profile becomes ``paper-dryrun``, so the hash (and the run
    folder, under ``runs_dir()/paper-dryrun/``) differs from the paper run's. Idempotent."""
    if not isinstance(config, RunConfig):
        raise TypeError(f"dryrun() expects a RunConfig, got {type(config).__name__}")
    b = DRYRUN["batch_size"]
    sw = config.switch_neuron
    epochs, steps = (2, 1) if sw else (1, DRYRUN["steps"])
    ch: dict = dict(profile=DRYRUN_PROFILE, batch_size=min(config.batch_size, b), epochs=epochs,
                    max_steps_per_epoch=steps, train_subset=b * steps,
                    test_subset=min(config.test_subset or DRYRUN["test_subset"], DRYRUN["test_subset"]),
                    eval_batch_size=DRYRUN["test_subset"], num_workers=0, num_threads=1, checkpoint_every=1,
                    progress="quiet")
    if config.t_max is not None:
        ch["t_max"] = min(config.t_max, epochs)
    if sw:
        ch["switch_neuron"] = {**sw, "epoch": 1}
    return config.replace(**ch)


# ================================================================================================ fake data
#: every dataset the papers' configs use (each written by :func:`write_fake_data` in its real on-disk format)
PAPER_DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100", "tiny_imagenet", "nmnist", "cifar10_dvs",
                  "dvs_gesture")


def write_fake_data(root: Union[str, Path], names_: Optional[Sequence[str]] = None, seed: int = 0) -> dict:
    """Write tiny copies of the paper datasets into ``root`` in their real on-disk formats (MNIST/Fashion-MNIST IDX,
    CIFAR pickles, Tiny-ImageNet folders, N-MNIST ``.bin``, CIFAR10-DVS ``.aedat4``, DVS128 Gesture).

    ``snnlab.data.fakes.write_fake_datasets`` does the work; returns ``{name: {"train": n, "test": n}}``."""
    from snnlab.data.fakes import write_fake_datasets

    return write_fake_datasets(root, names_, seed)


#: the file that marks a folder of fake datasets written by :func:`ensure_fake_data`
FAKE_DATA_STAMP = ".snnlab-fake-data.json"


def dryrun_data_dir() -> Path:
    """Where the dry run's fake datasets live: ``build_dir()/paper-dryrun/data``."""
    from snnlab.paths import build_dir

    return build_dir() / DRYRUN_PROFILE / "data"


def ensure_fake_data(root: Optional[Union[str, Path]] = None, seed: int = 0) -> Path:
    """Write the fake paper datasets into ``root`` (default :func:`dryrun_data_dir`) once (a stamp file records it;
    a lock makes parallel callers wait) and return ``root``. Refuses a folder that holds anything else (real
    datasets must never be overwritten by fakes)."""
    from snnlab.fileio import atomic_write_text, file_lock

    root = Path(root) if root is not None else dryrun_data_dir()
    root.mkdir(parents=True, exist_ok=True)
    stamp, lock = root / FAKE_DATA_STAMP, root / ".snnlab-fake-data.lock"
    if not stamp.is_file() and not lock.exists() and any(root.iterdir()):
        raise ValueError(f"refusing to write fake datasets into {root}: it is not empty and holds no fake data "
                         f"(real datasets?); use an empty folder, e.g. {dryrun_data_dir()}")
    with file_lock(lock):
        if not stamp.is_file():
            counts = write_fake_data(root, None, seed)
            atomic_write_text(stamp, json.dumps({"seed": seed, "counts": counts}, indent=1, sort_keys=True))
    return root


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m snnlab.papers.common --write-fake-data [ROOT]``: write the dry run's fake datasets."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m snnlab.papers.common")
    ap.add_argument("--write-fake-data", nargs="?", const="", metavar="ROOT",
                    help="write the fake paper datasets (default root: build/paper-dryrun/data)")
    args = ap.parse_args(argv)
    if args.write_fake_data is None:
        ap.error("nothing to do; see --help")
    root = ensure_fake_data(args.write_fake_data or None)
    print(f"[paper-dryrun] fake datasets in {root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
