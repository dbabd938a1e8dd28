"""The CLIF paper (Huang et al., ICML 2024): its experiments, analyses, claims and figures.

* ``snnlab.papers.clif.trained``: the trained notebooks (02 τ × k_trunc, 03 accuracy vs T, 04 loss and the LIF →
  CLIF switch, 05 neuron comparison, 08 deployment with LIF neurons) and claims C3-C7, C11, C13.
* ``snnlab.papers.clif.theory``: the theory notebooks (01, 06, 07, 09) and claims C1, C2, C8-C10, C12.

``plan(profile, notebook=None)`` lists every run the CLIF notebooks train in ``profile`` (the union, each config
once), or the runs of one notebook (its file stem, e.g. ``"02_tau_ktrunc"``): ``python -m snnlab launch clif``
uses it. ``claims(profile)`` returns one ``snnlab.stats.ClaimRow`` (or more) per CLIF claim of CLAIMS.md.
"""
from __future__ import annotations

from typing import List, Optional

from snnlab.papers import common
from snnlab.papers.clif import theory, trained

__all__ = ["NOTEBOOKS", "plan", "claims", "trained", "theory"]

#: every CLIF notebook (file stems, in order)
NOTEBOOKS = ("01_temporal_gradients", "02_tau_ktrunc", "03_accuracy_vs_T", "04_loss_switching",
             "05_neuron_comparison", "06_single_neurons", "07_energy", "08_deploy_lif", "09_tables")


def _theory_plan(profile: str, notebook: Optional[str]) -> list:
    return list(theory.plan(profile, notebook) or [])


def plan(profile: str, notebook: Optional[str] = None) -> List:
    """The runs the CLIF notebooks train in ``profile`` (``notebook``: one notebook's file stem), in notebook
    order, each config once (the first entry's labels are kept)."""
    if notebook is not None:
        stem = str(notebook).removesuffix(".ipynb").rsplit("/", 1)[-1]
        if stem not in NOTEBOOKS:
            raise ValueError(f"{notebook!r} is not a CLIF notebook; the CLIF notebooks are {', '.join(NOTEBOOKS)}")
        entries = trained.plan(profile, stem) if stem in trained.NOTEBOOKS else _theory_plan(profile, stem)
    else:
        entries = trained.plan(profile) + _theory_plan(profile, None)
    return common.unique(entries)


def claims(profile: str) -> List:
    """One row (or more) per CLIF claim of CLAIMS.md: ``trained.claims(profile)`` (C3-C7, C11, C13) and
    ``theory.claims(profile)`` (C1, C2, C8-C10, C12)."""
    return list(trained.claims(profile)) + list(theory.claims(profile))
