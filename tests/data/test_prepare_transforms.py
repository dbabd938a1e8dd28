"""`python -m snnlab.data.prepare`, the network guard itself, and the image/frame transforms."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from PIL import Image

from snnlab.data import prepare
from snnlab.data.transforms import Cutout, DeVriesCutout, image_transform, resize_frames

from .fakes import fake_mnist


def test_network_guard_fails_the_test():
    with pytest.raises(pytest.fail.Exception, match="network"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)


def test_prepare_fashion_without_any_source_says_which_files_where(tmp_path):
    env = {**os.environ, "SNNLAB_DEBIAN_FMNIST": "/nonexistent/fmnist", "SNNLAB_NO_APT": "1",
           "SNNLAB_NO_DOWNLOAD": "1", "SNNLAB_DATA": str(tmp_path)}
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "snnlab.data.prepare", "fashion_mnist"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert time.perf_counter() - start < 60
    assert r.returncode == 1
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz"):
        assert name in r.stderr
    assert str(tmp_path / "fashion-mnist") in r.stderr and "dataset-fashion-mnist" in r.stderr


def test_prepare_uses_debian_folder_in_place_or_copies(tmp_path, monkeypatch, capsys):
    debian = tmp_path / "debian"
    fake_mnist(debian, gz=True)
    monkeypatch.setenv("SNNLAB_DEBIAN_FMNIST", str(debian))
    root = tmp_path / "data"
    assert prepare.main(["fashion_mnist", "--root", str(root)]) == 0
    assert str(debian) in capsys.readouterr().out and not (root / "fashion-mnist").exists()
    assert prepare.main(["fashion_mnist", "--root", str(root), "--copy"]) == 0
    assert sorted(p.name for p in (root / "fashion-mnist").iterdir()) == sorted(p.name for p in debian.iterdir())
    monkeypatch.setenv("SNNLAB_DEBIAN_FMNIST", "/nonexistent")
    assert prepare.main(["fashion_mnist", "--root", str(root)]) == 0  # now found in the data folder


def test_prepare_skips_download_when_unreachable(tmp_path, monkeypatch, no_debian_fmnist):
    monkeypatch.delenv("SNNLAB_NO_DOWNLOAD")
    calls = []

    def unreachable(address, timeout=None):
        calls.append((address, timeout))
        raise OSError("unreachable")

    monkeypatch.setattr(socket, "create_connection", unreachable)
    assert prepare.main(["fashion_mnist", "--root", str(tmp_path)]) == 1
    assert len(calls) == 1 and calls[0][1] <= 5


def test_prepare_sim_fashion_events_prints_stats(tmp_path, no_debian_fmnist, capsys):
    fake_mnist(tmp_path / "fashion-mnist", n_train=6, n_test=3)
    assert prepare.main(["sim_fashion_events", "--root", str(tmp_path), "--n-train", "6", "--n-test", "3"]) == 0
    out = capsys.readouterr().out
    assert "on_fraction" in out and "6 samples" in out and "3 samples" in out


def test_cutout_torchtoolbox_fills_one_rectangle():
    torch.manual_seed(0)
    img = np.full((32, 32, 3), 7, np.uint8)
    cut = Cutout(p=1.0)
    changed_any = False
    for _ in range(20):
        out = np.asarray(cut(Image.fromarray(img)))
        diff = np.any(out != img, axis=2)
        if not diff.any():
            continue  # the random fill may equal 7 on every channel, or no rectangle fitted
        changed_any = True
        ys, xs = np.nonzero(diff)
        h, w = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
        assert diff.sum() <= h * w and 0.02 * 1024 * 0.5 <= h * w <= 0.4 * 1024 * 1.5
        block = out[ys.min():ys.max() + 1, xs.min():xs.max() + 1].reshape(-1, 3)
        assert (block == block[0]).all()  # one value per channel
    assert changed_any
    assert np.array_equal(np.asarray(Cutout(p=0.0)(Image.fromarray(img))), img)


def test_devries_cutout_zeroes_a_square():
    torch.manual_seed(1)
    x = torch.ones(3, 32, 32)
    y = DeVriesCutout(16)(x)
    zero = (y == 0).all(0)
    assert 0 < zero.sum() <= 256 and (y[:, ~zero] == 1).all()


def test_image_recipes_validate_names():
    with pytest.raises(ValueError, match="clif_star"):
        image_transform("mnist", True, "clif_star")
    with pytest.raises(ValueError, match="cutout"):
        image_transform("cifar10", True, "paper", cutout="square")
    t = image_transform("fashion_mnist", True, "paper")
    x = t(Image.fromarray(np.full((28, 28), 255, np.uint8)))
    torch.testing.assert_close(x, torch.full((1, 28, 28), (1 - 0.2860) / 0.3530))


def test_resize_frames_and_pil_quirk():
    f = np.zeros((1, 2, 4, 4), np.int16)
    f[0, 0] = 3
    out = resize_frames(f, 2, "bilinear")
    torch.testing.assert_close(out, torch.tensor(3.0).expand(1, 2, 2, 2) * torch.tensor([1.0, 0.0])[:, None, None])
    q = resize_frames(np.array([0, 1, 2, 3], np.float32).reshape(1, 1, 2, 2), None, pil_quirk=True)
    torch.testing.assert_close(q.flatten(), torch.tensor([0.0, 255.0, 254.0, 253.0]) / 255)


def test_check_paper_lists_missing_datasets(tmp_path, no_debian_fmnist, capsys):
    fake_mnist(tmp_path / "MNIST" / "raw")
    assert prepare.main(["--check-paper", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    tail = err.strip().splitlines()[-1]
    listed = tail.split(f"missing under {tmp_path}: ")[1].split(" (see")[0].split(", ")
    assert listed == ["fashion_mnist", "cifar10", "cifar100", "tiny_imagenet", "nmnist", "cifar10_dvs", "dvs_gesture"]
    with pytest.raises(SystemExit):
        prepare.main(["imagenet", "--root", str(tmp_path)])
