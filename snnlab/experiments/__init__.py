"""Run configurations, the registry of named configs and the results store (see docs/contracts.md).

``get(name) -> RunConfig``, ``names(pattern=None)``, ``run(config, resume=True, progress=None) -> Run``,
``resolve(family, **cell) -> RunConfig`` (config families, ``snnlab.experiments.families``). ``RunConfig`` itself
lives in ``snnlab.config`` (re-exported here).
"""
from __future__ import annotations

from snnlab.config import RunConfig, parse_assignments
from snnlab.experiments.families import Family, family, family_names, resolve
from snnlab.experiments.registry import get, names, paper_neuron_params, register
from snnlab.experiments.runs import Run, load_run, run, run_dir_for

__all__ = ["RunConfig", "get", "names", "register", "run", "Run", "load_run", "run_dir_for", "parse_assignments",
           "paper_neuron_params", "Family", "family", "family_names", "resolve"]
