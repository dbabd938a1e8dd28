"""Command line: ``python -m snnlab <command>``.

* ``train CONFIG [--set key=value ...] [--out DIR] [--resume | --restart] [--quiet | --progress MODE]``:
  train the named config (``configs`` lists them) with overrides (dotted keys set dict entries:
  ``--set neuron_params.tau=1.1``); a finished run with the same hash is reused. Under
  ``torchrun --nproc_per_node N -m snnlab train ...`` the run is data-parallel.
* ``configs [PATTERN] [--show]``: list the named configs (fnmatch pattern, e.g. ``'quick-*'``).
* ``eval RUN_DIR [--which final|best] [--device DEV]``: test accuracy, loss and firing rates of a trained run.
* ``launch TARGET [--launcher slurm|local] [--gpus-per-run N] [--partition P --time T ...] [--dry-run]`` and
  ``status TARGET``: a paper's / notebook's / config family's runs as a campaign (``snnlab.launch``).
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Optional, Sequence

from snnlab.config import parse_assignments  # the parser of `nbrun -p` too (one parser, one set of types)

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m snnlab", description="snnlab training engine")
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a named config (reuses a finished run)")
    t.add_argument("config", help="config name (see `python -m snnlab configs`) or a path to a config.json")
    t.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config field (repeatable); dotted keys set dict entries")
    t.add_argument("--out", default=None, help="runs folder (default: snnlab.paths.runs_dir())")
    g = t.add_mutually_exclusive_group()
    g.add_argument("--resume", action="store_true", default=True,
                   help="continue from the last checkpoint of this config (the default)")
    g.add_argument("--restart", action="store_true", help="ignore checkpoints and a finished run: train anew")
    q = t.add_mutually_exclusive_group()
    q.add_argument("--quiet", action="store_true", help="no progress output")
    q.add_argument("--progress", choices=("auto", "bar", "line", "quiet"), default=None)
    c = sub.add_parser("configs", help="list named configs")
    c.add_argument("pattern", nargs="?", default=None)
    c.add_argument("--show", action="store_true", help="print each config as JSON")
    e = sub.add_parser("eval", help="evaluate a trained run folder on its test set")
    e.add_argument("run_dir")
    e.add_argument("--which", choices=("final", "best"), default="final")
    e.add_argument("--device", default="cpu")
    from snnlab import launch as _launch

    _launch.add_parsers(sub)
    return p


def _load_config(name: str):
    from pathlib import Path

    from snnlab.experiments import RunConfig, get

    path = Path(name)
    if path.suffix == ".json" and path.is_file():
        return RunConfig.from_json(path.read_text())
    if path.is_dir() and (path / "config.json").is_file():
        return RunConfig.from_json((path / "config.json").read_text())
    return get(name)


def cmd_train(args) -> int:
    from snnlab import distributed
    from snnlab.experiments import run

    cfg = _load_config(args.config)
    changes = parse_assignments(args.sets)
    if changes:
        cfg = cfg.replace(**changes)
    progress = "quiet" if args.quiet else args.progress
    d = distributed.info()
    try:
        r = run(cfg, resume=not args.restart, progress=progress, out=args.out, retrain=args.restart)
    finally:
        distributed.shutdown()
    if d.rank == 0:
        s = r.summary
        print(json.dumps({"run": str(r.dir), "best_test_acc": s["best_test_acc"],
                          "final_test_acc": s["final_test_acc"], "train_seconds": round(s["train_seconds"], 1),
                          "firing_rate_mean": s.get("firing_rate_mean")}, indent=2))
    return 0


def cmd_configs(args) -> int:
    from snnlab.experiments import get, names

    for n in names(args.pattern):
        if args.show:
            print(f"{n}: {get(n).to_json(indent=None)}")
        else:
            print(n)
    return 0


def cmd_eval(args) -> int:
    import contextlib

    import torch

    from snnlab import losses
    from snnlab.experiments import load_run
    from snnlab.train import build_datasets, evaluate

    r = load_run(args.run_dir)
    cfg = r.config
    model = r.load_model(args.which, device=args.device)
    _, test = build_datasets(cfg)
    loader = torch.utils.data.DataLoader(test, batch_size=cfg.eval_batch_size or cfg.batch_size, shuffle=False)
    loss_fn = losses.build(cfg.loss, lam=cfg.loss_lambda, means=cfg.loss_means, mse_target=cfg.mse_target,
                           label_smoothing=cfg.label_smoothing)
    res = evaluate(model, loader, cfg.steps, loss_fn, torch.device(args.device), autocast=contextlib.nullcontext,
                   readout=losses.readout(cfg.loss))
    out = {"run": str(r.dir), "which": args.which, "test_acc": res["test_acc"], "test_loss": res["test_loss"],
           "test_samples": res["test_samples"], "firing_rate_mean": res.get("firing_rate_mean"),
           "firing_rates": res.get("firing_rates")}
    print(json.dumps(out, indent=2))
    return 0


def _failures() -> tuple:
    """Errors that end the command with a message instead of a traceback (evaluated only when one is raised):
    a bad request (exit 2) or a failed run, bad data or an unusable file (exit 1)."""
    from snnlab.data.errors import CorruptDatasetError
    from snnlab.fileio import CorruptFileError
    from snnlab.train import TrainingDiverged

    return (KeyError, ValueError, TypeError, OSError, TrainingDiverged, CorruptDatasetError, CorruptFileError)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run a command; every expected failure prints one ``error: ...`` message (no traceback; set
    ``SNNLAB_TRACEBACK=1`` to see it) and returns 2 for a bad request, 1 for a failure while working."""
    import os

    args = _parser().parse_args(argv)
    from snnlab import launch as _launch

    commands = {"train": cmd_train, "configs": cmd_configs, "eval": cmd_eval, "status": _launch.cmd_status,
                "launch": lambda a: _launch.cmd_launch(a, argv)}
    try:
        return commands[args.command](args)
    except _failures() as exc:
        if os.environ.get("SNNLAB_TRACEBACK") == "1":
            raise
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        bad_request = isinstance(exc, (KeyError, ValueError, TypeError, FileNotFoundError))
        kind = "" if bad_request or isinstance(exc, OSError) else f"{type(exc).__name__}: "
        print(f"error: {kind}{msg}", file=sys.stderr)
        return 2 if bad_request else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
