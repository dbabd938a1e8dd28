"""Committed notebooks follow the policy in the README: clean, parameterised, and nbval-checkable."""
from __future__ import annotations

import nbformat
import pytest

from snnlab import nbclean, nbrun
from snnlab.notebook import PROFILES
from snnlab.paths import repo_root

NOTEBOOKS = sorted((repo_root() / "notebooks").rglob("*.ipynb"))


def test_there_are_notebooks():
    assert any(p.name == "00_quickstart.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(repo_root())))
def test_notebook_is_clean_and_checkable(path):
    nb = nbformat.read(str(path), as_version=4)
    assert nbclean.problems(nb) == []
    params = nbrun.notebook_parameters(path)
    assert params["profile"] == "smoke", "the committed defaults must be the CI-sized smoke profile"
    for profile in PROFILES:  # every profile's overrides type-check against the defaults
        nbrun.resolve_parameters(path, profile)
