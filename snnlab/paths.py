"""Where snnlab reads and writes: repository root, data, runs, figures, build.

Every location can be overridden by an environment variable so that tests and the
notebook validation run write into a scratch folder instead of the real outputs:

=====================  ==========================  =============================
variable               default                     holds
=====================  ==========================  =============================
``SNNLAB_DATA``        ``<repo>/data``             datasets (never deleted by ``make clean``)
``SNNLAB_RUNS``        ``<repo>/runs``             training runs, one folder per config hash
``SNNLAB_FIGURES``     ``<repo>/figures``          figures/<topic>/{name}.png|pdf|csv|json, results.json
``SNNLAB_BUILD``       ``<repo>/build``            executed notebooks, index.html, compiled kernels
=====================  ==========================  =============================
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["repo_root", "data_dir", "runs_dir", "figures_dir", "build_dir", "cache_dir"]


def repo_root() -> Path:
    """The checkout that holds ``pyproject.toml`` (falls back to the current directory)."""
    here = Path(__file__).resolve().parent
    for p in (here, *here.parents):
        if (p / "pyproject.toml").is_file() and (p / "snnlab").is_dir():
            return p
    return Path.cwd()


def _env_path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    return _env_path("SNNLAB_DATA", repo_root() / "data")


def runs_dir() -> Path:
    return _env_path("SNNLAB_RUNS", repo_root() / "runs")


def figures_dir() -> Path:
    return _env_path("SNNLAB_FIGURES", repo_root() / "figures")


def build_dir() -> Path:
    return _env_path("SNNLAB_BUILD", repo_root() / "build")


def cache_dir() -> Path:
    """Compiled kernels and other derived artefacts that can always be rebuilt."""
    return _env_path("SNNLAB_CACHE", repo_root() / ".snnlab-cache")
