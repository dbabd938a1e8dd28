"""One module per paper: its experiments, so that the notebooks only tell the story and display.

Layer: above ``snnlab.experiments`` and ``snnlab.stats``, below the notebook helpers and the CLI (a paper module
never imports ``snnlab.notebook``; notebooks import the paper modules).

* ``snnlab.papers.common``: what every paper shares: config families as data (``resolve(family, **cell)``),
  plans (lists of labelled ``RunConfig``) and their tables, run status with the exact ``python -m snnlab train``
  command of a missing run, train-or-reuse of a plan, the profile logic (smoke / quick / paper / paper-dryrun)
  and the paper dry run (``dryrun(config)``, fake datasets in the real on-disk formats).
* ``snnlab.papers.benchmark``: the shared quick benchmark.
* ``snnlab.papers.clif``, ``snnlab.papers.ilif``, ``snnlab.papers.klif``: each paper's config families for every
  profile, its analyses and claim computations, and its figure functions.

Adding a paper means adding one module here and one notebook folder (``notebooks/<paper>/``).
"""
from __future__ import annotations

import importlib


def __getattr__(name: str):
    """``snnlab.papers.common`` etc. are imported on first access."""
    if not name.startswith("_"):
        try:
            return importlib.import_module(f"snnlab.papers.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"snnlab.papers.{name}":
                raise
    raise AttributeError(f"module 'snnlab.papers' has no attribute {name!r}")
