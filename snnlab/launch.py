"""``python -m snnlab launch TARGET`` and ``python -m snnlab status TARGET``: a paper's, a notebook's or a config
family's runs as one campaign (``snnlab.experiments.campaign``).

A TARGET is one of

* a **config family**: an fnmatch pattern over the registry (``'clif-table3a-*'``; ``python -m snnlab configs
  PATTERN`` lists it) or one config name;
* a **paper** (``clif``, ``ilif``, ``klif``): ``snnlab.papers.<paper>.plan(profile)``, every run its notebooks use;
* a **notebook** (``notebooks/<paper>/NN_name.ipynb``, or ``<paper>/NN_name``):
  ``snnlab.papers.<paper>.plan(profile, notebook="NN_name")``, the runs that notebook shows in its plan cell.

The plan protocol (docs/contracts.md): a paper module exposes ``plan(profile, notebook=None)`` returning a list of
``RunConfig`` or ``(labels dict, RunConfig)`` pairs; an unknown notebook raises ``KeyError``/``ValueError``.
This module sits above ``snnlab.papers`` (it imports it by name), the campaign machinery below it.
"""
from __future__ import annotations

import argparse
import importlib
import re
import shlex
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the campaign machinery is imported on use: the CLI's other commands do not need submitit
    from snnlab.experiments.campaign import CampaignStatus, LaunchOptions, PlannedRun

__all__ = ["resolve", "target_status", "add_parsers", "cmd_launch", "cmd_status"]


def _paper_module(paper: str, notebook: Optional[str] = None):
    """``snnlab.papers.<paper>`` with a ``plan`` function, or a ValueError saying what is missing."""
    if not re.fullmatch(r"[A-Za-z_]\w*", paper):
        raise ValueError(f"{paper!r} is not a paper name (a module of snnlab.papers)")
    modname = f"snnlab.papers.{paper}"
    try:
        mod = importlib.import_module(modname)
    except ModuleNotFoundError as exc:
        if exc.name not in (modname, "snnlab.papers"):
            raise
        if notebook is not None:
            raise ValueError(f"notebook target {notebook!r}: there is no paper module {modname} to plan its runs "
                             "(a notebook target is notebooks/<paper>/NN_name.ipynb)") from None
        raise ValueError(f"unknown target {paper!r}: not a config family (fnmatch pattern over `python -m snnlab "
                         f"configs`), not a config name, and no paper module {modname}") from None
    if not callable(getattr(mod, "plan", None)):
        raise ValueError(f"{modname} has no plan(profile, notebook=None) function, so its runs cannot be launched "
                         "as one campaign yet; launch a config family instead (e.g. 'clif-table3a-*', "
                         "`python -m snnlab configs PATTERN` lists them)")
    return mod


def _is_notebook(target: str) -> bool:
    return target.endswith(".ipynb") or "/" in target


def resolve(target: str, profile: str = "paper", sets: Optional[dict] = None) -> List[PlannedRun]:
    """The runs of ``target`` (see the module docstring), with ``sets`` (``{"key": value}``, dotted keys allowed)
    applied to every config."""
    from snnlab.experiments import get, names
    from snnlab.experiments.campaign import PlannedRun, as_plan

    if not isinstance(target, str) or not target.strip():
        raise ValueError("a launch target is a paper (clif, ilif, klif), a notebook path or a config pattern")
    target = target.strip()
    if _is_notebook(target):
        path = Path(target)
        topic, stem = path.parent.name, path.stem if path.suffix == ".ipynb" else path.name
        if not topic:
            raise ValueError(f"notebook target {target!r} must name its folder: notebooks/<paper>/NN_name.ipynb")
        mod = _paper_module(topic, notebook=target)
        items = mod.plan(profile, notebook=stem)
        origin = f"notebook {topic}/{stem} ({profile} profile)"
    elif any(c in target for c in "*?["):
        found = names(target)
        if not found:
            raise ValueError(f"no registered config matches {target!r}; `python -m snnlab configs` lists them")
        items = [get(n) for n in found]
        origin = f"config family {target!r}"
    elif target in names():
        items = [get(target)]
        origin = f"config {target!r}"
    else:
        mod = _paper_module(target)
        items = mod.plan(profile)
        origin = f"paper {target} ({profile} profile)"
    runs = as_plan(items)
    if not runs:
        raise ValueError(f"{origin} plans no runs")
    if sets:
        runs = as_plan(PlannedRun(p.config.replace(**sets), p.labels) for p in runs)
    return runs


def target_status(target: str, profile: str = "paper", sets: Optional[dict] = None, out=None,
                  gpus_per_run: Optional[int] = None) -> CampaignStatus:
    """``status(resolve(target))``: the table the notebooks' plan cells and ``python -m snnlab status`` show."""
    from snnlab.experiments.campaign import status

    return status(resolve(target, profile, sets), out=out, target=target, gpus_per_run=gpus_per_run)


# ------------------------------------------------------------------------------------------------ CLI
def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", help="a paper (clif, ilif, klif), a notebook (notebooks/clif/02_x.ipynb) or a config "
                                  "family pattern ('clif-table3a-*')")
    p.add_argument("--profile", default="paper", help="profile of a paper/notebook plan (default: paper)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a field of every config (repeatable), as `train --set`")
    p.add_argument("--out", default=None, help="runs folder (default: snnlab.paths.runs_dir())")


def add_parsers(sub) -> None:
    """Add the ``launch`` and ``status`` subcommands to the CLI's subparsers."""
    la = sub.add_parser("launch", help="launch a paper's / notebook's / config family's missing runs (SLURM or local)")
    _common(la)
    la.add_argument("--launcher", choices=("slurm", "local"), default=None,
                    help="slurm (a job array) or local (processes over this machine's GPUs); default: slurm when "
                         "sbatch is on PATH, else local")
    la.add_argument("--config", dest="launch_config", default=None, metavar="launch.yaml",
                    help="launch options as YAML (keys as the options below); command-line options win")
    la.add_argument("--gpus-per-run", type=int, default=None, help="GPUs per run (>1: torchrun; 0: CPU); default 1")
    s = la.add_argument_group("SLURM")
    s.add_argument("--partition")
    s.add_argument("--time", help="wall-time limit per job: minutes, HH:MM:SS, D-HH:MM:SS, 4h (default 24h)")
    s.add_argument("--mem", help="memory per job, e.g. 32G")
    s.add_argument("--account")
    s.add_argument("--cpus-per-task", type=int)
    s.add_argument("--gres", help="GPU request as gres (e.g. gpu:a100:1) instead of --gpus-per-node")
    s.add_argument("--qos")
    s.add_argument("--constraint")
    s.add_argument("--parallel", type=int, help="array tasks running at once (SLURM's %%K)")
    loc = la.add_argument_group("local")
    loc.add_argument("--gpus", help="devices to use, e.g. 0,1,2,3 (default: all visible; 'none' = CPU)")
    loc.add_argument("--lanes", type=int, help="parallel local processes (default: one per --gpus-per-run GPUs; 1 "
                                               "on the CPU)")
    la.add_argument("--failed-only", action="store_true", help="launch only the runs whose last attempt failed")
    la.add_argument("--dry-run", action="store_true", help="show what would be submitted; submit nothing")
    w = la.add_mutually_exclusive_group()
    w.add_argument("--wait", dest="wait", action="store_true", default=None,
                   help="block until the jobs end, then print the status (default for local)")
    w.add_argument("--no-wait", dest="wait", action="store_false", help="return after submitting (default for slurm)")
    st = sub.add_parser("status", help="table of a campaign: done / running / queued / failed / not started")
    _common(st)
    st.add_argument("--gpus-per-run", type=int, default=None, help="GPUs per run for the GPU-hour estimate of runs "
                                                                   "never launched (default: as launched, else 1)")
    st.add_argument("--csv", default=None, help="also write the table to this CSV file")


def _sets(args) -> dict:
    from snnlab.experiments import parse_assignments

    return parse_assignments(args.sets)


def _options(args) -> LaunchOptions:
    import shutil

    from snnlab.experiments.campaign import LaunchOptions, load_launch_config, parse_time

    kw = load_launch_config(args.launch_config) if args.launch_config else {}
    cli = {"launcher": args.launcher, "gpus_per_run": args.gpus_per_run, "partition": args.partition,
           "time_min": parse_time(args.time) if args.time else None, "mem": args.mem, "account": args.account,
           "cpus_per_task": args.cpus_per_task, "gres": args.gres, "qos": args.qos, "constraint": args.constraint,
           "parallel": args.parallel, "lanes": args.lanes}
    if args.gpus is not None:
        g = args.gpus.strip().lower()
        cli["gpus"] = () if g in ("none", "cpu", "") else tuple(int(x) for x in g.split(","))
    kw.update({k: v for k, v in cli.items() if v is not None})
    if kw.get("launcher") is None:
        kw["launcher"] = "slurm" if shutil.which("sbatch") else "local"
    return LaunchOptions(**kw)


def _slug(target: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", Path(target).stem if target.endswith(".ipynb") else target).strip("-")[:40]


def cmd_launch(args, argv: Optional[Sequence[str]] = None) -> int:
    from snnlab.experiments.campaign import launch

    opts = _options(args)
    runs = resolve(args.target, args.profile, _sets(args))
    # the command line as typed (``argv`` = the CLI's arguments, "launch" first), recorded for the relaunch hint
    rec = ["python", "-m", "snnlab"] + list(argv if argv is not None else sys.argv[1:])
    res = launch(runs, opts, out=args.out, dry_run=args.dry_run, failed_only=args.failed_only, argv=rec,
                 name=f"snnlab-{_slug(args.target)}")
    if args.dry_run or not res.submitted:
        return 0
    wait = args.wait if args.wait is not None else opts.launcher == "local"
    if not wait:
        print(f"follow it with: python -m snnlab status {shlex.quote(args.target)}"
              + (f" --profile {args.profile}" if args.profile != "paper" else ""))
        return 0
    final = res.wait(out=args.out)
    print(final)
    return 0 if final.complete else 1


def cmd_status(args) -> int:
    st = target_status(args.target, args.profile, _sets(args), out=args.out, gpus_per_run=args.gpus_per_run)
    print(st)
    if args.csv:
        st.table.to_csv(args.csv, index=False)
    return 0
