"""The training loop as the papers' code runs it (issue 20): drop_last from the dataset, evaluation without
autocast, cudnn.deterministic as the authors set it."""
from __future__ import annotations

import contextlib

import pytest
import torch

import snnlab.train as train_mod
from snnlab.experiments import get, run
from snnlab.reproducibility import seed_everything
from snnlab.train import EpochBatchSampler


def _cfg(**changes):
    base = dict(epochs=1, max_steps_per_epoch=None, train_subset=60, test_subset=20, batch_size=16,
                progress="quiet")
    base.update(changes)
    return get("smoke-lif").replace(**base)


def test_training_loader_drops_the_last_batch_when_the_dataset_says_so(tmp_path):
    assert [len(b) for b in EpochBatchSampler(60, 16, 0, 0, drop_last=True)] == [16, 16, 16]
    assert [len(b) for b in EpochBatchSampler(60, 16, 0, 0)] == [16, 16, 16, 12]
    assert [len(b) for b in EpochBatchSampler(60, 16, 0, 0, shuffle=False, drop_last=True)] == [16, 16, 16, 12]
    kept = run(_cfg(), out=tmp_path).metrics.iloc[0]
    dropped = run(_cfg(data_opts={"drop_last": True}), out=tmp_path).metrics.iloc[0]
    assert (kept["train_samples"], dropped["train_samples"]) == (60, 48)
    assert kept["test_samples"] == dropped["test_samples"] == 20      # evaluation keeps every sample


def test_evaluation_runs_without_autocast(tmp_path, monkeypatch):
    seen = []
    real = train_mod.evaluate

    def spy(*args, **kwargs):
        seen.append(kwargs.get("autocast", contextlib.nullcontext))
        return real(*args, **kwargs)

    monkeypatch.setattr(train_mod, "evaluate", spy)
    monkeypatch.setattr(train_mod.Trainer, "autocast", lambda self: contextlib.nullcontext())
    run(_cfg(amp=True), out=tmp_path)
    assert seen and all(a is contextlib.nullcontext for a in seen)


@pytest.fixture
def cudnn_flags():
    old = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark, \
        torch.are_deterministic_algorithms_enabled()
    yield
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = old[0], old[1]
    torch.use_deterministic_algorithms(old[2])


def test_cudnn_deterministic_as_the_authors_set_it(tmp_path, cudnn_flags):
    torch.backends.cudnn.benchmark = True
    seed_everything(0, deterministic="cudnn")
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
    assert not torch.are_deterministic_algorithms_enabled()    # only the cuDNN flags, as their train.py:36-37
    seed_everything(0)
    assert not torch.backends.cudnn.deterministic
    with pytest.raises(ValueError, match="deterministic"):
        seed_everything(0, deterministic="yes")
    run(_cfg(deterministic="cudnn"), out=tmp_path)
    assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
    assert get("clif-cifar10-resnet18-clif-T6").deterministic == "cudnn"
