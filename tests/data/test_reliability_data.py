"""Hostile data (issue 16, items 3, 4, 11): stale frame caches, files of the wrong shape, type or range, empty
and random event files. Each must be rebuilt or refused with a CorruptDatasetError naming the file."""
from __future__ import annotations

import json
import os
import pickle

import numpy as np
import pytest
import torch

import snnlab.data as data
from snnlab.data import prepare

try:  # the fakes moved into the package (issue 20)
    from snnlab.data.fakes import fake_cifar10, fake_cifar100, fake_gesture, fake_mnist, fake_nmnist, \
        random_events, write_idx, write_nmnist_bin
except ImportError:
    from .fakes import fake_cifar10, fake_cifar100, fake_gesture, fake_mnist, fake_nmnist, random_events, \
        write_idx, write_nmnist_bin


# ------------------------------------------------------------------------------------ item 3: frame cache
def _frames(ds):
    return torch.stack([ds[i][0] for i in range(len(ds))])


def test_replaced_event_file_of_the_same_size_and_mtime_is_not_served_stale(tmp_path):
    fake_nmnist(tmp_path, {"Train": 1}, n_events=40)
    before = _frames(data.build("nmnist", "train", T=2, root=tmp_path))
    path = tmp_path / "NMNIST" / "Train" / "4" / "00000.bin"
    st = path.stat()
    new = random_events(44, 34, 34, seed=999)                     # digit 4 files hold 40 + 4 events
    write_nmnist_bin(path, *new)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    after = _frames(data.build("nmnist", "train", T=2, root=tmp_path))
    fresh = _frames(data.build("nmnist", "train", T=2, root=tmp_path, cache=False))
    torch.testing.assert_close(after, fresh)
    assert not torch.equal(after[4], before[4]) and torch.equal(after[5], before[5])


def _cache_of(tmp_path, seed=0, **kw):
    fake_nmnist(tmp_path, {"Train": 1}, n_events=40, seed=seed)
    return data.build("nmnist", "train", T=2, root=tmp_path, **kw)


def test_frame_cache_from_another_source_is_rebuilt(tmp_path):
    a = _cache_of(tmp_path / "a")
    b = _cache_of(tmp_path / "b", seed=7)
    truth = _frames(a)
    assert a.cache.frames_path.stat().st_size == b.cache.frames_path.stat().st_size
    assert not torch.equal(truth, _frames(b))
    a.cache.frames_path.write_bytes(b.cache.frames_path.read_bytes())   # same shape and dtype, other frames
    with pytest.warns(UserWarning, match="does not match its checksum.*rebuilding"):
        again = data.build("nmnist", "train", T=2, root=tmp_path / "a")
    torch.testing.assert_close(_frames(again), truth)


def test_frame_cache_with_flipped_bytes_is_rebuilt(tmp_path):
    a = _cache_of(tmp_path)
    truth = _frames(a)
    with open(a.cache.frames_path, "r+b") as fh:                        # one bit, in the middle of the data
        fh.seek(a.cache.frames_path.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, os.SEEK_CUR)
        fh.write(bytes([byte[0] ^ 0x10]))
    with pytest.warns(UserWarning, match="does not match its checksum"):
        again = data.build("nmnist", "train", T=2, root=tmp_path)
    torch.testing.assert_close(_frames(again), truth)


def test_frame_cache_of_the_wrong_dtype_is_rebuilt(tmp_path):
    a = _cache_of(tmp_path)
    truth = _frames(a)
    frames = np.load(a.cache.frames_path)
    assert frames.dtype == np.uint8
    np.save(a.cache.frames_path, frames.astype(np.float32))              # same values, other dtype
    with pytest.warns(UserWarning, match=r"holds float32 frames but meta.json says \|u1"):
        again = data.build("nmnist", "train", T=2, root=tmp_path)
    assert np.load(again.cache.frames_path, mmap_mode="r").dtype == np.uint8
    torch.testing.assert_close(_frames(again), truth)


def test_intact_copied_cache_is_verified_once_and_reused(tmp_path, monkeypatch):
    a = _cache_of(tmp_path)
    truth = _frames(a)
    blob = a.cache.frames_path.read_bytes()
    a.cache.frames_path.unlink()
    a.cache.frames_path.write_bytes(blob)                                # a copy: new inode, same bytes
    from snnlab.data.events import EventFrameDataset

    monkeypatch.setattr(EventFrameDataset, "_compute", lambda self, i: pytest.fail("intact cache rebuilt"))
    again = data.build("nmnist", "train", T=2, root=tmp_path)
    torch.testing.assert_close(_frames(again), truth)
    meta = json.loads(again.cache.meta_path.read_text())
    st = again.cache.frames_path.stat()
    assert meta["stamp"] == [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]   # re-stamped


# ------------------------------------------------------------------------------------ item 4: bad data
def test_fashion_mnist_idx_of_32x32_images_is_refused(tmp_path, no_debian_fmnist):
    folder = tmp_path / "fashion-mnist"
    fake_mnist(folder, n_train=6, n_test=3)
    write_idx(folder / "train-images-idx3-ubyte", np.zeros((6, 32, 32), np.uint8))
    with pytest.raises(data.CorruptDatasetError, match=r"train-images-idx3-ubyte: fashion_mnist images are 28x28 "
                                                       r"pixels, this file holds 32x32 images.*get the dataset again"):
        data.build("fashion_mnist", "train", root=tmp_path)


def _rewrite_cifar(path, **changes):
    with open(path, "rb") as f:
        entry = pickle.load(f, encoding="latin1")
    entry.update(changes)
    with open(path, "wb") as f:
        pickle.dump(entry, f, protocol=2)


def test_cifar_batch_of_floats_is_refused(tmp_path):
    batches = fake_cifar10(tmp_path)
    rows, _ = batches["test_batch"]
    path = tmp_path / "cifar-10-batches-py" / "test_batch"
    _rewrite_cifar(path, data=rows.astype(np.float32) / 255)          # every image would be black after a cast
    with pytest.raises(data.CorruptDatasetError, match=r"test_batch: CIFAR 'data' must be uint8 pixels 0\.\.255, "
                                                       r"found dtype float32 values in \[0, 1\]"):
        data.build("cifar10", "test", root=tmp_path)
    _rewrite_cifar(path, data=rows.astype(np.int64))                  # integers 0..255 are fine
    assert len(data.build("cifar10", "test", root=tmp_path)) == 3
    _rewrite_cifar(path, data=rows.astype(np.int64) + 300)
    with pytest.raises(data.CorruptDatasetError, match="found dtype int64 values in"):
        data.build("cifar10", "test", root=tmp_path)


@pytest.mark.parametrize("bad", [10, -1])
def test_cifar10_labels_out_of_range_are_refused(tmp_path, bad):
    fake_cifar10(tmp_path)
    path = tmp_path / "cifar-10-batches-py" / "data_batch_2"
    _rewrite_cifar(path, labels=[0, bad, 3, 4])
    with pytest.raises(data.CorruptDatasetError, match=rf"data_batch_2: labels must be 0\.\.9, found \[{bad}\]"):
        data.build("cifar10", "train", root=tmp_path)


def test_cifar100_fine_label_100_is_refused(tmp_path):
    fake_cifar100(tmp_path)
    _rewrite_cifar(tmp_path / "cifar-100-python" / "test", fine_labels=[1, 100, 2])
    with pytest.raises(data.CorruptDatasetError, match=r"test: labels must be 0\.\.99, found \[100\]"):
        data.build("cifar100", "test", root=tmp_path)


def test_empty_nmnist_file_is_refused_not_a_blank_sample(tmp_path):
    fake_nmnist(tmp_path, {"Train": 1}, n_events=30)
    bad = tmp_path / "NMNIST" / "Train" / "6" / "00000.bin"
    bad.write_bytes(b"")
    with pytest.raises(data.CorruptDatasetError, match=r"Train/6/00000\.bin: holds no events"):
        data.build("nmnist", "train", T=2, root=tmp_path)
    with pytest.raises(data.CorruptDatasetError, match=r"Train/6/00000\.bin: holds no events"):
        data.build("nmnist", "train", T=2, root=tmp_path, cache=False)[6]


def test_prepare_fails_on_a_truncated_fashion_mnist_file(tmp_path, no_debian_fmnist, capsys):
    folder = tmp_path / "fashion-mnist"
    fake_mnist(folder, n_train=12, n_test=5, gz=True)
    assert prepare.main(["fashion_mnist", "--root", str(tmp_path)]) == 0
    bad = folder / "t10k-images-idx3-ubyte.gz"
    blob = bad.read_bytes()
    bad.write_bytes(blob[: len(blob) // 2])
    capsys.readouterr()
    assert prepare.main(["fashion_mnist", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Fashion-MNIST is damaged" in err and str(bad) in err and "delete it and get it again" in err


# ------------------------------------------------------------------------------------ item 11: event files
def test_nmnist_file_of_random_bytes_names_the_file(tmp_path):
    fake_nmnist(tmp_path, {"Train": 1}, n_events=30)
    bad = tmp_path / "NMNIST" / "Train" / "2" / "00000.bin"
    rng = np.random.default_rng(0)
    blob = rng.integers(0, 256, 500, dtype=np.uint8)
    blob[0::5] = 200                                                    # x far outside the 34-pixel sensor
    bad.write_bytes(blob.tobytes())
    for cache in (True, False):
        with pytest.raises(data.CorruptDatasetError, match=r"Train/2/00000\.bin: event x ranges over 200\.\.200, "
                                                           r"outside the sensor's 0\.\.33"):
            ds = data.build("nmnist", "train", T=2, root=tmp_path, cache=cache)
            ds[2]


def test_gesture_events_off_the_sensor_name_the_file(tmp_path):
    fake_gesture(tmp_path, "ibmGestureTest", {"user24_led": [2, 4]})
    bad = tmp_path / "DVSGesture" / "ibmGestureTest" / "user24_led" / "4.npy"
    arr = np.load(bad)
    arr[7, 1] = 128                                                     # y = 128 on a 128-row sensor
    np.save(bad, arr)
    with pytest.raises(data.CorruptDatasetError, match=r"user24_led/4\.npy: event y ranges over \d+\.\.128, outside "
                                                       r"the sensor's 0\.\.127"):
        data.build("dvs_gesture", "test", T=2, root=tmp_path, layout="tonic")
