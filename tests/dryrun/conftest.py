"""The paper dry run of every notebook (issue 13): each notebook executes through its paper code paths on the CPU
with fake datasets in the real on-disk formats and every paper config cut to one or two optimiser steps
(``snnlab.papers.common.dryrun``). One fake-data folder per test session; runs and figures in a scratch folder."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from snnlab.paths import repo_root

ROOT = repo_root()


def notebooks(*folders: str):
    out = []
    for f in folders:
        base = ROOT / "notebooks" / f if f else ROOT / "notebooks"
        out += sorted(base.glob("*.ipynb"))
    return out


@pytest.fixture(scope="session")
def dryrun_env(tmp_path_factory):
    from snnlab.papers.common import ensure_fake_data

    base = tmp_path_factory.mktemp("dryrun")
    data = ensure_fake_data(base / "data")
    env = {**os.environ, "SNNLAB_DATA": str(data), "SNNLAB_RUNS": str(base / "runs"),
           "SNNLAB_FIGURES": str(base / "figures"), "SNNLAB_BUILD": str(base / "build"), "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return base, env


def run_dryrun(path: Path, dryrun_env) -> None:
    import nbformat

    base, env = dryrun_env
    out = base / "build" / "notebooks" / path.relative_to(ROOT / "notebooks")
    proc = subprocess.run([sys.executable, "-m", "snnlab.nbrun", str(path), "--profile", "paper-dryrun", "--out",
                           str(out), "--no-html"], env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"{path.name} failed under paper-dryrun:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
    assert nbformat.read(str(out), as_version=4).metadata["snnlab"]["profile"] == "paper-dryrun"
