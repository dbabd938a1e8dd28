"""The simulated event-camera Fashion-MNIST: determinism, physics invariants, storage, statistics."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import snnlab.data as data
from snnlab.data.simulated import SimParams, build_source, event_stats, simulate_events

from .fakes import fake_mnist


@pytest.fixture
def fmnist_root(tmp_path, no_debian_fmnist):
    fake_mnist(tmp_path / "fashion-mnist", n_train=12, n_test=4, seed=3)
    return tmp_path


def _all_columns(src):
    return [np.asarray(src._cols[k][: src.offsets[src.n]]) for k in ("x", "y", "t", "p")]


def test_deterministic_for_a_seed_and_prefix_consistent(fmnist_root, tmp_path_factory):
    a = build_source(fmnist_root, "train", n=12, seed=1)
    other = tmp_path_factory.mktemp("other")
    (other / "fashion-mnist").symlink_to(fmnist_root / "fashion-mnist")
    b = build_source(other, "train", n=5, seed=1, chunk=2)  # different chunking, shorter prefix
    np.testing.assert_array_equal(a.offsets[:6], b.offsets)
    for ca, cb in zip(_all_columns(a.subset(5)), _all_columns(b)):
        np.testing.assert_array_equal(ca, cb)
    c = build_source(other, "train", n=5, seed=2)
    assert c.folder != b.folder
    assert not np.array_equal(_all_columns(c)[2], _all_columns(b)[2])


def test_event_format_and_ranges(fmnist_root):
    src = build_source(fmnist_root, "test")
    assert len(src) == 4
    from tonic.io import events_struct

    for i in range(len(src)):
        ev = src.events(i)
        assert ev.dtype == events_struct and set(ev.dtype.names) == {"x", "y", "t", "p"}
        assert len(ev) > 100
        assert ev["x"].min() >= 0 and ev["x"].max() < 34 and ev["y"].min() >= 0 and ev["y"].max() < 34
        assert np.all(np.diff(ev["t"]) >= 0) and ev["t"].min() >= 0 and ev["t"].max() < 300_000
        assert set(np.unique(ev["p"]).tolist()) == {False, True}


def test_blank_image_gives_no_events_and_closed_path_balances_polarities():
    p = SimParams(threshold_sigma=0.0)
    counts, _ = simulate_events(np.zeros((2, 28, 28), np.uint8), np.arange(2), "train", p)
    assert counts.tolist() == [0, 0]
    rng = np.random.default_rng(0)
    img = (rng.random((1, 28, 28)) > 0.5).astype(np.uint8) * 255
    counts, ev = simulate_events(img, np.arange(1), "train", p)
    # the path returns to its start, so each pixel's ON-OFF imbalance is below one threshold (σ = 0)
    on = np.zeros((34, 34), int)
    off = np.zeros((34, 34), int)
    np.add.at(on, (ev["y"][ev["p"] == 1], ev["x"][ev["p"] == 1]), 1)
    np.add.at(off, (ev["y"][ev["p"] == 0], ev["x"][ev["p"] == 0]), 1)
    assert counts[0] > 1000 and np.abs(on - off).max() <= 1


def test_moving_edge_polarity_geometry():
    """During the first move (+x, +y) a bright vertical bar brightens pixels on its right (ON) and darkens
    those on its left (OFF)."""
    img = np.zeros((1, 28, 28), np.uint8)
    img[0, :, 10:14] = 255
    _, ev = simulate_events(img, np.arange(1), "train", SimParams(threshold_sigma=0.0))
    first = ev["t"] < 100_000
    x_on = ev["x"][first & (ev["p"] == 1)].mean()
    x_off = ev["x"][first & (ev["p"] == 0)].mean()
    assert x_on > x_off + 2


def test_threshold_noise_changes_counts_and_is_validated():
    img = np.full((1, 28, 28), 128, np.uint8)
    img[0, 5:20, 5:20] = 250
    n0, _ = simulate_events(img, np.arange(1), "train", SimParams(threshold_sigma=0.0))
    n1, _ = simulate_events(img, np.arange(1), "train", SimParams(threshold_sigma=0.2))
    assert n0[0] != n1[0]
    with pytest.raises(ValueError, match="threshold"):
        SimParams(threshold=0)
    with pytest.raises(ValueError, match="path"):
        SimParams(path=((0, 0), (9, 0)))


def test_frames_and_stats_table(fmnist_root):
    ds = data.build("sim_fashion_events", "train", T=5, root=fmnist_root, n=10)
    assert len(ds) == 10
    x, y = ds[2]
    assert x.shape == (5, 2, 34, 34) and x.dtype == torch.float32
    n_events = len(ds.source.events(2))
    assert x.sum(dim=(1, 2, 3)).tolist() == [float(n_events // 5)] * 5
    assert y == int(ds.targets[2])
    df = event_stats(ds)
    assert list(df.columns) == ["class", "name", "samples", "events_mean", "events_std", "events_min",
                                "events_max", "on_fraction"]
    assert df["samples"].sum() == 10
    total = [len(ds.source.events(i)) for i in range(10)]
    on = [int(ds.source.events(i)["p"].sum()) for i in range(10)]
    for row in df.itertuples():
        m = ds.targets == row[1]
        assert row.events_mean == pytest.approx(np.mean(np.asarray(total)[m]))
        assert row.on_fraction == pytest.approx(np.asarray(on)[m].sum() / np.asarray(total)[m].sum())
    assert 0.3 < df["on_fraction"].mean() < 0.7


def test_missing_fashion_mnist_message(tmp_path, no_debian_fmnist):
    with pytest.raises(data.DatasetNotFoundError, match="fashion_mnist"):
        data.build("sim_fashion_events", "train", T=4, root=tmp_path, n=4)


def test_truncated_generated_columns_raise(fmnist_root):
    src = build_source(fmnist_root, "test")
    (src.folder / "t.npy").write_bytes((src.folder / "t.npy").read_bytes()[:300])
    with pytest.raises(data.CorruptDatasetError, match=str(src.folder)):
        build_source(fmnist_root, "test")


def test_concurrent_builders_wait_for_each_other(fmnist_root):
    """Two builders of the same split (e.g. notebooks run in parallel) share one generation."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(lambda _: build_source(fmnist_root, "train", n=8, seed=9), range(2))
    assert a.folder == b.folder
    for ca, cb in zip(_all_columns(a), _all_columns(b)):
        np.testing.assert_array_equal(ca, cb)
    assert len(list(a.folder.parent.glob("*.tmp"))) == 0


def test_complete_split_serves_any_prefix_and_per_split_sizes(fmnist_root, monkeypatch):
    full = build_source(fmnist_root, "test")  # the fake test split has 4 images: complete
    assert full.meta["complete"] and len(full) == 4
    import snnlab.data.simulated as sim

    monkeypatch.setattr(sim, "generate_split", lambda *a, **k: pytest.fail("regenerated"))
    assert len(build_source(fmnist_root, "test", n=2)) == 2
    assert len(build_source(fmnist_root, "test", n=50)) == 4  # larger than the split: all of it
    ds = data.build("sim_fashion_events", "test", T=2, root=fmnist_root, n_train=3, n_test=4, n=1)
    assert len(ds) == 4
