"""Shared fixtures of the training-engine tests: a scratch runs folder and small deterministic settings."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _scratch_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("SNNLAB_RUNS", str(tmp_path / "runs"))
    yield


@pytest.fixture
def threads1():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
