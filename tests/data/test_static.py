"""Static datasets on tiny format-faithful fakes, the real Fashion-MNIST offline, and the error messages."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import torch

import snnlab.data as data
from snnlab.data.static import DEBIAN_FMNIST, read_idx

from .fakes import fake_cifar10, fake_cifar100, fake_mnist, write_idx


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("layout", ["MNIST/raw", "mnist"])
def test_mnist_idx_layouts_raw_and_gz(tmp_path, gz, layout):
    truth = fake_mnist(tmp_path / layout, n_train=12, n_test=5, gz=gz)
    for split, n in (("train", 12), ("test", 5)):
        ds = data.build("mnist", split, root=tmp_path, augment="none")
        assert len(ds) == n
        x, y = ds[3]
        assert x.shape == (1, 28, 28) and x.dtype == torch.float32 and isinstance(y, int)
        images, labels = truth[split]
        assert y == int(labels[3])
        raw = x * 0.3081 + 0.1307  # undo Normalize(0.1307, 0.3081)
        torch.testing.assert_close(raw[0], torch.from_numpy(images[3]).float() / 255, atol=1e-5, rtol=0)


def test_fashion_found_in_data_dir_before_debian(tmp_path, no_debian_fmnist):
    truth = fake_mnist(tmp_path / "FashionMNIST" / "raw", n_train=7, n_test=3, seed=5)
    ds = data.build("fashion_mnist", "train", root=tmp_path, augment="none")
    assert len(ds) == 7
    assert ds.classes[0] == "T-shirt/top"
    np.testing.assert_array_equal(ds.images, truth["train"][0])


def test_cifar10_pickle_batches(tmp_path):
    batches = fake_cifar10(tmp_path, per_batch=4, n_test=3)
    train = data.build("cifar10", "train", root=tmp_path, augment="none")
    test = data.build("cifar10", "test", root=tmp_path)
    assert len(train) == 20 and len(test) == 3
    x, y = train[5]  # second image of data_batch_2
    rows, labels = batches["data_batch_2"]
    assert y == int(labels[1])
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32
    mean = torch.tensor([0.4914, 0.4822, 0.4465])[:, None, None]
    std = torch.tensor([0.2023, 0.1994, 0.2010])[:, None, None]
    raw = (x * std + mean) * 255
    # CIFAR rows are channel-major: 1024 R values, then G, then B
    expected = torch.from_numpy(rows[1].reshape(3, 32, 32).astype(np.float32))
    torch.testing.assert_close(raw, expected, atol=1e-3, rtol=0)


def test_cifar100_fine_labels(tmp_path):
    truth = fake_cifar100(tmp_path)
    ds = data.build("cifar100", "test", root=tmp_path)
    assert len(ds) == 3
    assert [ds[i][1] for i in range(3)] == [int(v) for v in truth["test"][1]]


def test_cifar_paper_and_star_recipes_shapes(tmp_path):
    fake_cifar10(tmp_path, per_batch=4, n_test=2)
    torch.manual_seed(0)
    paper = data.build("cifar10", "train", root=tmp_path, augment="paper")
    star = data.build("cifar10", "train", root=tmp_path, augment="clif_star")
    assert paper[0][0].shape == (3, 32, 32) and star[0][0].shape == (3, 32, 32)
    assert paper.collate_fn is None and star.collate_fn is not None
    loader = data.make_loader(star, batch_size=8, shuffle=True, seed=0)
    xb, yb = next(iter(loader))
    assert xb.shape == (8, 3, 32, 32)
    assert yb.shape == (8, 10) and yb.dtype == torch.float32  # Mixup/CutMix soft labels
    torch.testing.assert_close(yb.sum(1), torch.ones(8))
    # the test split is deterministic
    test = data.build("cifar10", "test", root=tmp_path, augment="paper")
    torch.testing.assert_close(test[1][0], test[1][0])


# ---------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("name,files", [
    ("mnist", ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]),
    ("fashion_mnist", ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]),
    ("cifar10", ["data_batch_1", "data_batch_5"]),
    ("cifar100", ["train"]),
])
def test_missing_static_dataset_message(tmp_path, no_debian_fmnist, name, files):
    start = time.perf_counter()
    with pytest.raises(data.DatasetNotFoundError) as err:
        data.build(name, "train", root=tmp_path)
    assert time.perf_counter() - start < 5
    msg = str(err.value)
    assert str(tmp_path) in msg
    for f in files:
        assert f in msg
    assert "how to get it" in msg and "download=True" in msg
    if name == "fashion_mnist":
        assert "dataset-fashion-mnist" in msg and "/nonexistent/snnlab-test-fmnist" in msg


def test_truncated_gz_idx_names_the_file(tmp_path):
    fake_mnist(tmp_path / "mnist", gz=True)
    bad = tmp_path / "mnist" / "train-images-idx3-ubyte.gz"
    blob = bad.read_bytes()
    bad.write_bytes(blob[: len(blob) // 2])
    with pytest.raises(data.CorruptDatasetError, match="train-images-idx3-ubyte.gz"):
        data.build("mnist", "train", root=tmp_path)
    # the test split is intact and still loads
    assert len(data.build("mnist", "test", root=tmp_path)) == 5


def test_short_raw_idx_and_bad_magic(tmp_path):
    path = write_idx(tmp_path / "x-idx3-ubyte", np.zeros((4, 28, 28), np.uint8))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(data.CorruptDatasetError, match=r"x-idx3-ubyte.*expected 3152 bytes.*found 3142"):
        read_idx(path)
    path.write_bytes(b"\x00\x00\x0d\x03" + b"\x00" * 20)
    with pytest.raises(data.CorruptDatasetError, match="not an IDX file"):
        read_idx(path)


def test_label_image_count_mismatch(tmp_path):
    fake_mnist(tmp_path / "mnist")
    write_idx(tmp_path / "mnist" / "t10k-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with pytest.raises(data.CorruptDatasetError, match="t10k-labels-idx1-ubyte"):
        data.build("mnist", "test", root=tmp_path)


def test_corrupted_cifar_pickle_names_the_file(tmp_path):
    fake_cifar10(tmp_path)
    bad = tmp_path / "cifar-10-batches-py" / "data_batch_3"
    bad.write_bytes(bad.read_bytes()[:100])
    with pytest.raises(data.CorruptDatasetError, match="data_batch_3"):
        data.build("cifar10", "train", root=tmp_path)


# --------------------------------------------------------------------------------- real Fashion-MNIST
def _debian_files_present() -> bool:
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
             "t10k-labels-idx1-ubyte.gz"]
    return all((Path(DEBIAN_FMNIST) / n).is_file() for n in names)


@pytest.mark.skipif(not _debian_files_present(),
                    reason=f"Debian package dataset-fashion-mnist not installed ({DEBIAN_FMNIST} missing)")
def test_real_fashion_mnist_offline(tmp_path, monkeypatch):
    monkeypatch.delenv("SNNLAB_DEBIAN_FMNIST", raising=False)
    train = data.build("fashion_mnist", "train", root=tmp_path)  # empty data dir -> Debian files in place
    test = data.build("fashion_mnist", "test", root=tmp_path)
    assert (len(train), len(test)) == (60000, 10000)
    assert train.images.shape == (60000, 28, 28) and train.images.dtype == np.uint8
    # Fashion-MNIST is balanced, and its pixel mean/std are the normalisation constants of the recipe
    np.testing.assert_array_equal(np.bincount(train.targets), np.full(10, 6000))
    np.testing.assert_array_equal(np.bincount(test.targets), np.full(10, 1000))
    pixels = train.images.astype(np.float64) / 255
    assert abs(pixels.mean() - 0.2860) < 5e-4 and abs(pixels.std() - 0.3530) < 5e-4
    x, y = train[0]
    assert x.shape == (1, 28, 28) and 0 <= y < 10


@pytest.mark.parametrize("split", ["train", "test"])
def test_batched_fetch_is_bit_identical_to_per_sample(tmp_path, no_debian_fmnist, split):
    fake_mnist(tmp_path / "FashionMNIST" / "raw", n_train=20, n_test=9, seed=3)
    ds = data.build("fashion_mnist", split, root=tmp_path)
    idx = [5, 0, 7, 3]
    batched = ds.__getitems__(idx)
    for i, (x, y) in zip(idx, batched):
        x1, y1 = ds[i]
        assert y == y1 and torch.equal(x, x1)
    sub = torch.utils.data.Subset(ds, [8, 1, 2])
    loader = torch.utils.data.DataLoader(sub, batch_size=3)
    xb, yb = next(iter(loader))
    assert torch.equal(xb, torch.stack([ds[i][0] for i in (8, 1, 2)]))
    assert yb.tolist() == [ds[i][1] for i in (8, 1, 2)]
    # a transform that does more than normalise goes sample by sample
    import torchvision.transforms as tv

    aug = data.build("fashion_mnist", split, root=tmp_path, transform=tv.Compose([tv.ToTensor(), tv.RandomErasing(1.0)]))
    assert len(aug.__getitems__([0, 1])) == 2
