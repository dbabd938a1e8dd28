"""Event datasets through tonic 1.7 on fake files: N-MNIST .bin, DVS128 Gesture .npy, CIFAR10-DVS .aedat4."""
from __future__ import annotations

import json
import time

import numpy as np
import pytest
import torch

import snnlab.data as data
from snnlab.data.cache import FrameCache, cache_key
from snnlab.data.events import EventFrameDataset, ListEventSource, cifar10_dvs_split

from .fakes import fake_cifar10_dvs, fake_gesture, fake_nmnist, random_events, write_aedat4


def _expected_frames(x, y, t, p, T, W, H):
    """Independent n_event_bins: bin k holds events [k*(N//T), (k+1)*(N//T)) in time order."""
    order = np.argsort(t, kind="stable")
    x, y, p = np.asarray(x)[order], np.asarray(y)[order], np.asarray(p)[order]
    m = len(x) // T
    out = np.zeros((T, 2, H, W))
    for k in range(T):
        sl = slice(k * m, (k + 1) * m)
        np.add.at(out, (k, p[sl], y[sl], x[sl]), 1)
    return out


def test_nmnist_frames_equal_event_counts(tmp_path):
    files = fake_nmnist(tmp_path, {"Train": 2, "Test": 1}, n_events=103)
    ds = data.build("nmnist", "train", T=4, root=tmp_path)
    assert len(ds) == 20 and len(data.build("nmnist", "test", T=4, root=tmp_path)) == 10
    assert sorted(np.bincount(ds.targets)) == [2] * 10
    x, y = ds[0]
    assert x.shape == (4, 2, 34, 34) and x.dtype == torch.float32 and y == 0
    # digit 0 files have 103 events: 103 // 4 = 25 per frame, the 3 left over are dropped (tonic)
    assert x.sum(dim=(1, 2, 3)).tolist() == [25.0] * 4
    path = tmp_path / "NMNIST" / "Train" / "0" / "00000.bin"
    np.testing.assert_array_equal(x.numpy(), _expected_frames(*files[path], T=4, W=34, H=34))
    x9, y9 = ds[19]  # digit 9: 112 events -> 28 per frame
    assert y9 == 9 and x9.sum(dim=(1, 2, 3)).tolist() == [28.0] * 4


def test_frame_cache_key_changes_with_T_and_is_reused(tmp_path, monkeypatch):
    fake_nmnist(tmp_path, {"Train": 1}, n_events=60)
    a = data.build("nmnist", "train", T=4, root=tmp_path)
    b = data.build("nmnist", "train", T=5, root=tmp_path)
    assert a.cache.dir != b.cache.dir and a.cache.key != b.cache.key
    assert "train-T4-" in a.cache.dir.name and "train-T5-" in b.cache.dir.name
    assert b[0][0].shape[0] == 5 and b[0][0].sum(dim=(1, 2, 3)).tolist() == [12.0] * 5
    meta = json.loads(a.cache.meta_path.read_text())
    assert meta["params"]["n_event_bins"] == 4 and meta["shape"] == [10, 4, 2, 34, 34]
    # a second build with the same parameters reads the cache and computes nothing
    monkeypatch.setattr(EventFrameDataset, "_compute", lambda self, i: pytest.fail("cache not reused"))
    again = data.build("nmnist", "train", T=4, root=tmp_path)
    assert again.cache.dir == a.cache.dir
    torch.testing.assert_close(again[3][0], a[3][0])


def test_cache_key_covers_every_parameter():
    base = {"source": {"n": 3}, "sensor_size": [34, 34, 2], "size": None, "pil_quirk": False}
    assert cache_key(base) == cache_key(dict(reversed(list(base.items()))))
    for change in ({"size": 48}, {"pil_quirk": True}, {"sensor_size": [128, 128, 2]}, {"source": {"n": 4}}):
        assert cache_key({**base, **change}) != cache_key(base)
    k1 = FrameCache("/tmp/x", "d", "train", 4, base).key
    assert k1 != FrameCache("/tmp/x", "d", "train", 5, base).key
    assert k1 != FrameCache("/tmp/x", "d", "test", 4, base).key


def test_stale_or_truncated_cache_is_rebuilt(tmp_path):
    fake_nmnist(tmp_path, {"Train": 1}, n_events=40)
    a = data.build("nmnist", "train", T=2, root=tmp_path)
    first = a[1][0].clone()
    a.cache.frames_path.write_bytes(a.cache.frames_path.read_bytes()[:200])  # truncated cache file
    with pytest.warns(UserWarning, match="rebuilding"):
        b = data.build("nmnist", "train", T=2, root=tmp_path)
    torch.testing.assert_close(b[1][0], first)


def test_dvs_gesture_tonic_layout(tmp_path):
    fake_gesture(tmp_path, "ibmGestureTrain", {"user01_fluorescent": [0, 3, 10], "user02_led": [1]}, n_events=200)
    fake_gesture(tmp_path, "ibmGestureTest", {"user24_led": [5, 7]}, n_events=200, seed=50)
    train = data.build("dvs_gesture", "train", T=8, root=tmp_path, layout="tonic")
    test = data.build("dvs_gesture", "test", T=8, root=tmp_path, layout="tonic")
    assert len(train) == 4 and len(test) == 2
    assert sorted(train.targets.tolist()) == [0, 1, 3, 10] and sorted(test.targets.tolist()) == [5, 7]
    x, y = test[0]
    assert x.shape == (8, 2, 128, 128) and x.dtype == torch.float32
    assert x.sum(dim=(1, 2, 3)).tolist() == [25.0] * 8  # 200 events / 8 frames
    assert train.classes[10] == "other gestures"


def test_cifar10_dvs_per_class_split_and_resize(tmp_path):
    files = fake_cifar10_dvs(tmp_path, classes=("airplane", "automobile"), indices=(0, 5, 899, 900, 950, 999),
                             n_events=120)
    train = data.build("cifar10_dvs", "train", T=4, root=tmp_path)
    test = data.build("cifar10_dvs", "test", T=4, root=tmp_path)
    assert len(train) == 6 and len(test) == 6
    assert train.targets.tolist() == [0, 0, 0, 1, 1, 1] and test.targets.tolist() == [0, 0, 0, 1, 1, 1]
    from pathlib import Path

    idx = lambda src: [int(Path(f).stem.rsplit("_", 1)[1]) for f in src.files]  # noqa: E731
    assert idx(train.source) == [0, 5, 899] * 2 and idx(test.source) == [900, 950, 999] * 2
    x, y = train[1]
    assert x.shape == (4, 2, 48, 48) and x.dtype == torch.float32
    # resizing keeps the event mass (antialiased bilinear = area average x area ratio)
    raw = data.build("cifar10_dvs", "train", T=4, root=tmp_path, size=None)
    xr = raw[1][0]
    assert xr.shape == (4, 2, 128, 128) and xr.sum(dim=(1, 2, 3)).tolist() == [30.0] * 4
    path = tmp_path / "CIFAR10DVS" / "airplane" / "cifar10_airplane_5.aedat4"
    ex, ey, et, ep = files[path]
    np.testing.assert_allclose(xr.numpy(), _expected_frames(ex, ey, et, ep, 4, 128, 128))
    torch.testing.assert_close(x.sum(dim=(2, 3)) * (128 / 48) ** 2, xr.sum(dim=(2, 3)), rtol=0.02, atol=0.5)
    assert raw.cache.dir != train.cache.dir


def test_cifar10_dvs_split_rule_natural_order_without_indices():
    files = [f"/d/airplane/s{c}.aedat4" for c in "cab"] + ["/d/bird/x_1.aedat4", "/d/bird/x_0.aedat4"]
    targets = [0, 0, 0, 2, 2]
    assert cifar10_dvs_split(files, targets, "train", train_per_class=2) == [1, 2, 4, 3]
    assert cifar10_dvs_split(files, targets, "test", train_per_class=2) == [0]


@pytest.mark.parametrize("name,expect", [
    ("nmnist", ["NMNIST/Train", "*.bin", "download=True"]),
    ("dvs_gesture", ["DvsGesture", "trials_to_train.txt", "_labels.csv", "layout='tonic'"]),
    ("cifar10_dvs", ["CIFAR10DVS", "*.aedat4", "airplane", "download=True"]),
])
def test_missing_event_dataset_is_fast_and_offline(tmp_path, name, expect):
    start = time.perf_counter()
    with pytest.raises(data.DatasetNotFoundError) as err:
        data.build(name, "train", T=4, root=tmp_path)
    assert time.perf_counter() - start < 5
    msg = str(err.value)
    assert str(tmp_path) in msg and "how to get it" in msg
    for e in expect:
        assert e in msg


def test_event_dataset_requires_T(tmp_path):
    with pytest.raises(ValueError, match="T is required"):
        data.build("nmnist", "train", root=tmp_path)


def test_truncated_nmnist_file_names_it(tmp_path):
    fake_nmnist(tmp_path, {"Train": 1}, n_events=30)
    bad = tmp_path / "NMNIST" / "Train" / "3" / "00000.bin"
    bad.write_bytes(bad.read_bytes()[:-2])
    with pytest.raises(data.CorruptDatasetError, match=r"Train/3/00000\.bin"):
        data.build("nmnist", "train", T=2, root=tmp_path)


def test_corrupted_aedat4_and_npy_name_the_file(tmp_path):
    fake_cifar10_dvs(tmp_path, classes=("cat",), indices=(0, 1))
    (tmp_path / "CIFAR10DVS" / "cat" / "cifar10_cat_1.aedat4").write_bytes(b"#!AER-DAT4.0\r\n\x10\x00")
    with pytest.raises(data.CorruptDatasetError, match="cifar10_cat_1.aedat4"):
        data.build("cifar10_dvs", "train", T=2, root=tmp_path)
    fake_gesture(tmp_path, "ibmGestureTest", {"user24_led": [2, 4]})
    bad = tmp_path / "DVSGesture" / "ibmGestureTest" / "user24_led" / "4.npy"
    bad.write_bytes(bad.read_bytes()[:150])
    with pytest.raises(data.CorruptDatasetError, match="user24_led/4.npy"):
        data.build("dvs_gesture", "test", T=2, root=tmp_path, layout="tonic")


def test_aedat4_fake_roundtrip_through_tonic_reader(tmp_path):
    from tonic.io import read_aedat4

    x, y, t, p = random_events(37, 128, 128, seed=3)
    path = write_aedat4(tmp_path / "s.aedat4", t, x, y, p, packets=3)
    ev = read_aedat4(str(path))
    assert len(ev) == 37
    np.testing.assert_array_equal(ev["t"], t)
    np.testing.assert_array_equal(ev["x"], x)
    np.testing.assert_array_equal(ev["y"], y)


def test_uint16_cache_when_counts_exceed_uint8(tmp_path):
    from tonic.io import events_struct

    ev = np.zeros(600, dtype=events_struct)  # 600 events on one pixel, one frame -> count 600 > 255
    ev["t"] = np.arange(600)
    src = ListEventSource([ev], [0], {"test": "overflow"})
    ds = EventFrameDataset(src, "t", "train", 1, (4, 4, 2), cache_root=tmp_path)
    assert ds._frames.dtype == np.uint16 and ds[0][0][0, 0, 0, 0].item() == 600.0


def test_event_augment_clif_keeps_shape(tmp_path):
    fake_nmnist(tmp_path, {"Train": 1}, n_events=40)
    torch.manual_seed(0)
    ds = data.build("nmnist", "train", T=2, root=tmp_path, augment="clif")
    x, _ = ds[0]
    assert x.shape == (2, 2, 34, 34)
    with pytest.raises(ValueError, match="augment"):
        data.build("nmnist", "train", T=2, root=tmp_path, augment="bogus")
