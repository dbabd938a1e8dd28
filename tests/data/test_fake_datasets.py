"""``snnlab.data.fakes.write_fake_datasets`` writes every paper dataset in its real on-disk format, and every
registered paper configuration builds its datasets from them (``snnlab.data.build`` with the config's T and
data options), offline."""
from __future__ import annotations

import socket
import time
import urllib.request

import numpy as np
import pytest
import torch

import snnlab.data as data
from snnlab.data.fakes import PAPER_DATASETS, write_fake_datasets
from snnlab.experiments import get, names


@pytest.fixture(scope="module")
def fake_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("fake_data")
    start = time.perf_counter()
    counts = write_fake_datasets(root)
    return root, counts, time.perf_counter() - start


@pytest.fixture
def network_attempts(monkeypatch):
    """Record (and refuse) every attempt to reach the network."""
    attempts = []

    def refuse(kind):
        def f(*args, **kwargs):
            attempts.append((kind, args[:2]))
            raise OSError(f"network access attempted in a test: {kind}")
        return f

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(urllib.request, "urlopen", refuse("urlopen"))
    return attempts


def test_write_fake_datasets_every_class_in_both_splits(fake_root, network_attempts):
    root, counts, seconds = fake_root
    assert set(counts) == set(PAPER_DATASETS) and seconds < 30
    for name in PAPER_DATASETS:
        info = data.info(name)
        for split in ("train", "test"):
            ds = data.build(name, split, T=3, root=root, cache=False) if info.kind == "events" else \
                data.build(name, split, root=root)
            assert len(ds) == counts[name][split], (name, split)
            assert np.bincount(np.asarray(ds.targets), minlength=info.num_classes).min() >= 1, (name, split)
    with pytest.raises(ValueError, match="no fake writer"):
        write_fake_datasets(root, names=["imagenet"])
    assert network_attempts == []


def _expected_shape(cfg) -> tuple:
    opts = dict(cfg.data_opts)
    info = data.info(cfg.dataset, **{k: v for k, v in opts.items() if k == "size"})
    return (cfg.steps, *info.shape) if info.kind == "events" else tuple(info.shape)


def test_every_paper_config_builds_its_dataset_from_the_fakes(fake_root, network_attempts):
    root, counts, _ = fake_root
    paper = [n for n in names() if get(n).profile == "paper"]
    assert len(paper) > 300
    used = {get(n).dataset for n in paper}
    assert used <= set(PAPER_DATASETS), used - set(PAPER_DATASETS)
    built: dict = {}
    for name in paper:
        cfg = get(name)
        key = (cfg.dataset, cfg.steps, tuple(sorted((k, repr(v)) for k, v in cfg.data_opts.items())))
        if key not in built:
            torch.manual_seed(0)
            shapes = []
            for split in ("train", "test"):
                ds = data.build(cfg.dataset, split, T=cfg.steps, root=root, **dict(cfg.data_opts))
                assert len(ds) == counts[cfg.dataset][split], (name, split)
                x, y = ds[len(ds) - 1]
                assert x.dtype == torch.float32 and torch.isfinite(x).all()
                assert 0 <= y < data.info(cfg.dataset).num_classes
                shapes.append(tuple(x.shape))
                if split == "train":
                    assert ds.drop_last is bool(dict(cfg.data_opts).get("drop_last", False)), name
            built[key] = shapes
        assert built[key] == [_expected_shape(cfg)] * 2, (name, built[key])
    assert {k[0] for k in built} == used
    assert network_attempts == []


def test_check_paper_finds_every_fake_dataset(fake_root, network_attempts, no_debian_fmnist, capsys):
    from snnlab.data import prepare

    root, counts, _ = fake_root
    assert prepare.main(["--check-paper", "--root", str(root)]) == 0
    out = capsys.readouterr().out
    assert "all paper datasets are present" in out and "dvs_gesture train: 24 samples" in out
    assert "tonic's .aedat4" not in out                  # CIFAR10-DVS found in the original layout
    assert network_attempts == []
