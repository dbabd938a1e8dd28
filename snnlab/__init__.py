"""snnlab: a reproducible companion to the ILIF, KLIF and CLIF spiking-neuron papers.

``import snnlab`` is cheap: sub-packages (neurons, kernels, data, models, ...) are imported on first
attribute access, and heavy optional dependencies (tonic, triton) only where they are used.
"""
from __future__ import annotations

import importlib

from snnlab.reproducibility import env_info, git_revision, seed_everything

__version__ = "0.1.0"
__all__ = ["seed_everything", "env_info", "git_revision", "__version__"]

_SUBMODULES = {
    "surrogate", "neurons", "kernels", "data", "models", "train", "losses", "monitors", "energy",
    "analysis", "experiments", "plotting", "notebook", "paths", "cli", "reproducibility", "tbptt",
    "distributed", "fileio", "paper_data", "nbrun", "nbindex", "nbclean", "config", "papers",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"snnlab.{name}")
    raise AttributeError(f"module 'snnlab' has no attribute {name!r}")
