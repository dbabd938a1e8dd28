"""Every papers test writes runs and figures into a scratch folder."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _scratch(tmp_path, monkeypatch):
    monkeypatch.setenv("SNNLAB_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("SNNLAB_FIGURES", str(tmp_path / "figures"))
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
