"""Tasks that need memory (snnlab.data.temporal): sequential Fashion-MNIST and delayed recall."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import snnlab.data as data
from snnlab.data.encoding import to_time_major
from snnlab.data.temporal import DelayedRecall, sequence_length

from .fakes import fake_mnist


# ------------------------------------------------------------------------------------------- seq Fashion-MNIST
def test_seq_fashion_mnist_one_row_per_step(tmp_path, no_debian_fmnist):
    truth = fake_mnist(tmp_path / "FashionMNIST" / "raw", n_train=12, n_test=5)
    ds = data.build("seq_fashion_mnist", "train", T=28, root=tmp_path)
    assert len(ds) == 12 and ds.T == 28 and ds.features == 28 and len(ds.classes) == 10
    x, y = ds[3]
    images, labels = truth["train"]
    assert x.shape == (28, 1, 1, 28) and x.dtype == torch.float32 and y == int(labels[3])
    # step t is image row t, scaled to [0, 1] and normalised with the Fashion-MNIST mean / std
    expected = (images[3].astype(np.float32) / 255.0 - 0.2860) / 0.3530
    np.testing.assert_allclose(x[:, 0, 0].numpy(), expected, rtol=1e-6, atol=1e-6)
    assert data.build("seq_fashion_mnist", "test", root=tmp_path, limit=2).__len__() == 2
    # a batch becomes [T, B, 1, 1, 28] (like event frames)
    batch = torch.stack([ds[i][0] for i in range(4)])
    assert to_time_major(batch, 28).shape == (28, 4, 1, 1, 28)


def test_seq_fashion_mnist_errors(tmp_path, no_debian_fmnist):
    fake_mnist(tmp_path / "FashionMNIST" / "raw", n_train=3, n_test=2)
    with pytest.raises(ValueError, match="T=10 does not match the task's length T=28"):
        data.build("seq_fashion_mnist", "train", T=10, root=tmp_path)
    with pytest.raises(ValueError, match="unknown options"):
        data.build("seq_fashion_mnist", "train", root=tmp_path, delay=3)
    with pytest.raises(ValueError, match="limit must be a positive int"):
        data.build("seq_fashion_mnist", "train", root=tmp_path, limit=0)
    with pytest.raises(data.DatasetNotFoundError):
        data.build("seq_fashion_mnist", "train", root=tmp_path / "empty")


# ---------------------------------------------------------------------------------------------- delayed recall
def test_delayed_recall_shapes_and_layout():
    ds = data.build("delayed_recall", "train", T=2 + 5 + 1, n=40, delay=5, n_cues=4, cue_steps=2, cue_channels=10,
                    cue_active=3, go_channels=2, noise=0.2, seed=3)
    assert len(ds) == 40 and ds.T == 8 and ds.features == 12 and len(ds.classes) == 4
    assert sequence_length("delayed_recall", delay=5, cue_steps=2) == 8
    x, y = ds[0]
    assert x.shape == (8, 1, 1, 12) and x.dtype == torch.float32 and isinstance(y, int)
    assert set(torch.unique(x).tolist()) <= {0.0, 1.0}
    X = ds.inputs.reshape(40, 8, 12).astype(int)
    cue, go = ds.cue_channel_slice, ds.go_channel_slice
    # the go signal: every go channel on at the last step only, cue channels off there
    assert (X[:, -1, go] == 1).all() and (X[:, -1, cue] == 0).all() and (X[:, :-1, go] == 0).all()
    # every pattern has cue_active channels on; patterns are distinct
    assert (ds.patterns.sum(1) == 3).all() and len({p.tobytes() for p in ds.patterns}) == 4
    # the cue steps carry exactly the label's pattern
    for i in range(40):
        for t in range(2):
            np.testing.assert_array_equal(X[i, t, cue], ds.patterns[ds.targets[i]])
    info = data.info("delayed_recall", n=40, cue_channels=10, go_channels=2, n_cues=4)
    assert info.kind == "sequence" and info.num_classes == 4 and info.shape == (1, 1, 12)


def test_delayed_recall_cue_only_in_cue_steps():
    """Nothing after the cue steps depends on the label: without noise every sample is identical there, and
    with noise the delay steps' per-label activity is the noise rate (no pattern leaks into them)."""
    quiet = DelayedRecall(n=64, delay=6, noise=0.0, seed=1)
    X = quiet.inputs.reshape(64, quiet.T, -1)
    after = X[:, quiet.cue_steps:]
    assert (after == after[0]).all()
    noisy = DelayedRecall(n=4000, delay=6, noise=0.1, seed=1)
    X = noisy.inputs.reshape(4000, noisy.T, -1).astype(float)
    delay = X[:, noisy.delay_slice, noisy.cue_channel_slice]
    for c in range(noisy.n_cues):
        per_channel = delay[noisy.targets == c].mean(axis=(0, 1))
        # the label's pattern channels are not more active during the delay than the others
        assert np.abs(per_channel - 0.1).max() < 0.03
    # the go step is identical for every label
    assert (X[:, noisy.go_step] == X[0, noisy.go_step]).all()


def test_delayed_recall_deterministic_and_split_dependent():
    a = DelayedRecall(n=50, delay=3, noise=0.3, seed=7, split="train")
    b = DelayedRecall(n=50, delay=3, noise=0.3, seed=7, split="train")
    np.testing.assert_array_equal(a.inputs, b.inputs)
    np.testing.assert_array_equal(a.targets, b.targets)
    test = DelayedRecall(n=50, delay=3, noise=0.3, seed=7, split="test")
    np.testing.assert_array_equal(a.patterns, test.patterns)  # train and test share the cue patterns
    assert not np.array_equal(a.inputs, test.inputs)
    other = DelayedRecall(n=50, delay=3, noise=0.3, seed=8)
    assert not np.array_equal(a.patterns, other.patterns)
    # n_train / n_test select the size per split from one options dict
    opts = dict(n_train=30, n_test=10, delay=2)
    assert len(data.build("delayed_recall", "train", **opts)) == 30
    assert len(data.build("delayed_recall", "test", **opts)) == 10


@pytest.mark.parametrize("n,n_cues", [(40, 4), (41, 4), (43, 3), (7, 2)])
def test_delayed_recall_labels_balanced(n, n_cues):
    ds = DelayedRecall(n=n, n_cues=n_cues, delay=1, seed=2)
    counts = np.bincount(ds.targets, minlength=n_cues)
    assert counts.max() - counts.min() <= 1 and counts.sum() == n
    assert sorted(np.unique(ds.targets).tolist()) == list(range(n_cues))
    # a seeded random order, not sorted by class
    if n >= 40:
        assert not (np.diff(ds.targets) >= 0).all()


def test_delayed_recall_zero_delay_and_noise():
    ds = DelayedRecall(n=8, delay=0, cue_steps=1)
    assert ds.T == 2 and ds.inputs.shape == (8, 2, 1, 1, ds.features)


@pytest.mark.parametrize("kwargs,match", [
    (dict(delay=-1), "delay must be an int >= 0"),
    (dict(delay=2.5), "delay must be an int >= 0"),
    (dict(n=0), "n must be an int >= 1"),
    (dict(n_cues=1), "n_cues must be an int >= 2"),
    (dict(cue_steps=0), "cue_steps must be an int >= 1"),
    (dict(go_channels=0), "go_channels must be an int >= 1"),
    (dict(cue_active=5, cue_channels=4), "cannot exceed cue_channels"),
    (dict(n_cues=7, cue_channels=4, cue_active=2), "only 6"),
    (dict(noise=1.0), "noise must be a probability"),
    (dict(noise=-0.1), "noise must be a probability"),
    (dict(seed=-1), "seed must be an int >= 0"),
    (dict(split="val"), "split must be 'train' or 'test'"),
])
def test_delayed_recall_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DelayedRecall(**kwargs)


def test_delayed_recall_build_errors():
    with pytest.raises(ValueError, match=r"T=5 does not match the task's length T=7 \(cue_steps \+ delay \+ 1\)"):
        data.build("delayed_recall", "train", T=5, delay=4)
    with pytest.raises(ValueError, match="unknown options"):
        data.build("delayed_recall", "train", dely=4)
    assert "delayed_recall" in data.available() and "seq_fashion_mnist" in data.available()
