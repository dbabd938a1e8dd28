"""Direct encoding / time-major layout, the synthetic datasets (learnable), make_loader defaults, build()."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import snnlab.data as data
from snnlab.data.encoding import DirectEncoder, to_time_major


def test_direct_encoding_repeats_the_image():
    x = torch.randn(3, 1, 4, 4)
    seq = to_time_major(x, 5)
    assert seq.shape == (5, 3, 1, 4, 4)
    for t in range(5):
        torch.testing.assert_close(seq[t], x)
    assert torch.equal(DirectEncoder(5)(x), seq)
    x.requires_grad_(True)
    to_time_major(x, 5).sum().backward()
    torch.testing.assert_close(x.grad, torch.full_like(x, 5.0))


def test_event_batch_is_transposed():
    x = torch.arange(2 * 3 * 2 * 1 * 1, dtype=torch.float32).reshape(2, 3, 2, 1, 1)
    seq = to_time_major(x, 3)
    assert seq.shape == (3, 2, 2, 1, 1)
    assert torch.equal(seq[1, 0], x[0, 1]) and torch.equal(seq[2, 1], x[1, 2])
    with pytest.raises(ValueError, match="does not match"):
        to_time_major(x, 4)
    with pytest.raises(ValueError, match="T must be a positive int"):
        to_time_major(torch.zeros(2, 1, 4, 4), None)
    with pytest.raises(ValueError, match="kind"):
        DirectEncoder(2, kind="rate")


def test_available_and_info():
    names = data.available()
    for n in ("mnist", "fashion_mnist", "cifar10", "cifar100", "nmnist", "cifar10_dvs", "dvs_gesture",
              "sim_fashion_events", "synthetic", "synthetic_events"):
        assert n in names
    assert data.info("cifar10_dvs").shape == (2, 48, 48)
    assert data.info("dvs_gesture").shape == (2, 128, 128) and data.info("dvs_gesture").num_classes == 11
    assert data.info("cifar100").num_classes == 100
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        data.build("imagenet", "train")
    with pytest.raises(ValueError, match="split"):
        data.build("synthetic", "val")


def _fit_linear(train, test):
    """Nearest-class-mean classifier fitted on ``train`` (a linear model); accuracy on ``test``."""
    xtr = torch.stack([train[i][0] for i in range(len(train))]).flatten(1)
    ytr = torch.tensor([train[i][1] for i in range(len(train))])
    xte = torch.stack([test[i][0] for i in range(len(test))]).flatten(1)
    yte = torch.tensor([test[i][1] for i in range(len(test))])
    means = torch.stack([xtr[ytr == c].mean(0) for c in range(10)])
    pred = torch.cdist(xte, means).argmin(1)
    return (pred == yte).float().mean().item()


def test_synthetic_is_deterministic_and_learnable():
    a = data.build("synthetic", "train", n=200, seed=3)
    b = data.build("synthetic", "train", n=200, seed=3)
    assert torch.equal(a.images, b.images) and np.array_equal(a.targets, b.targets)
    assert not torch.equal(a.images, data.build("synthetic", "train", n=200, seed=4).images)
    test = data.build("synthetic", "test", n=200, seed=3)
    assert not torch.equal(test.images, a.images)
    assert np.bincount(a.targets).tolist() == [20] * 10
    x, y = a[0]
    assert x.shape == (1, 28, 28) and x.dtype == torch.float32 and isinstance(y, int)
    assert _fit_linear(a, test) > 0.5  # chance is 0.1


def test_synthetic_events_are_frames_and_learnable():
    train = data.build("synthetic_events", "train", T=4, n=200, seed=0)
    test = data.build("synthetic_events", "test", T=4, n=100, seed=0)
    x, y = train[0]
    assert x.shape == (4, 2, 16, 16) and x.dtype == torch.float32
    n = len(train.source.events(0))
    assert x.sum(dim=(1, 2, 3)).tolist() == [float(n // 4)] * 4
    again = data.build("synthetic_events", "train", T=4, n=200, seed=0)
    assert torch.equal(again[7][0], train[7][0])
    assert _fit_linear(train, test) > 0.4
    with pytest.raises(ValueError, match="T is required"):
        data.build("synthetic_events", "train")


def test_make_loader_defaults(monkeypatch):
    ds = data.build("synthetic", "train", n=20)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1}, raising=False)
    loader = data.make_loader(ds, batch_size=8, shuffle=True, seed=1)
    assert loader.num_workers == 0 and loader.pin_memory == torch.cuda.is_available()
    order1 = [y.tolist() for _, y in loader]
    order2 = [y.tolist() for _, y in data.make_loader(ds, batch_size=8, shuffle=True, seed=1)]
    assert order1 == order2 and [len(o) for o in order1] == [8, 8, 4]
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert data.make_loader(ds, batch_size=8, shuffle=False).num_workers == 8
    with pytest.raises(ValueError, match="batch_size"):
        data.make_loader(ds, batch_size=0, shuffle=False)
