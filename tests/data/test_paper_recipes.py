"""The papers' data recipes are the authors' code (issue 20): Tiny-ImageNet, the CIFAR10-DVS frames and their
augmentation, the DVS128 Gesture split, the ANN's first frame, drop_last, the integration remainder, Cutout.

References are the libraries the authors' code calls (torchvision + Pillow, SpikingJelly) run on the same fake
files or events, not re-typed values."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision import transforms as tv

import snnlab.data as data
from snnlab.data.gesture import GestureSource, read_aedat_v3
from snnlab.data.transforms import Cutout, EventAugment
from snnlab.experiments import get, names

from .fakes import (fake_cifar10_dvs, fake_cifar10_dvs_original, fake_dvs_gesture, fake_nmnist, fake_tiny_imagenet,
                    gesture_trial_names, write_aedat4, write_aedat_v3)

TINY_MEAN, TINY_STD = (0.4802, 0.4481, 0.3975), (0.2302, 0.2265, 0.2262)  # CLIF train.py:221-251 (clif.md §3.2)


# ------------------------------------------------------------------------------------------- 1. Tiny-ImageNet
def test_tiny_imagenet_loads_with_the_authors_labels_and_transforms(tmp_path):
    truth = fake_tiny_imagenet(tmp_path, n_classes=5, train_per_class=3, val_per_class=2, gray_every=4)
    train = data.build("tiny_imagenet", "train", root=tmp_path)
    test = data.build("tiny_imagenet", "test", root=tmp_path)
    assert (len(train), len(test)) == (15, 10)
    wnids = sorted(truth["wnids"])
    assert train.classes == test.classes == tuple(wnids)      # sorted wnids, as their TinyImageNet class
    label = {w: i for i, w in enumerate(wnids)}
    assert sorted(zip(train.files, train.targets.tolist())) == sorted((str(p), label[w]) for p, w in truth["train"])
    assert sorted(zip(test.files, test.targets.tolist())) == sorted((str(p), label[w]) for p, w in truth["val"])
    # test split: ToTensor -> Normalize of the RGB image (grayscale JPEGs are converted), bit for bit
    plain = tv.Compose([tv.ToTensor(), tv.Normalize(TINY_MEAN, TINY_STD)])
    for i in range(len(test)):
        x, y = test[i]
        with Image.open(test.files[i]) as im:
            assert torch.equal(x, plain(im.convert("RGB")))
        assert x.shape == (3, 64, 64) and y == test.targets[i]
    assert any(Image.open(f).mode == "L" for f in test.files + train.files)
    # train split: their RandomCrop(64) (no padding) -> RandomHorizontalFlip(0.5) -> ToTensor -> Normalize
    theirs = tv.Compose([tv.RandomCrop(64), tv.RandomHorizontalFlip(0.5), tv.ToTensor(),
                         tv.Normalize(TINY_MEAN, TINY_STD)])
    flipped = 0
    for i in range(len(train)):
        torch.manual_seed(100 + i)
        x = train[i][0]
        torch.manual_seed(100 + i)
        with Image.open(train.files[i]) as im:
            img = im.convert("RGB")
        assert torch.equal(x, theirs(img))
        flipped += not torch.equal(x, plain(img))
    assert 0 < flipped < len(train)
    info = data.info("tiny_imagenet")
    assert (info.shape, info.num_classes, info.n_train, info.n_test) == ((3, 64, 64), 200, 100000, 10000)
    auto = data.build("tiny_imagenet", "train", root=tmp_path, augment="autoaugment")
    assert any(isinstance(t, tv.AutoAugment) for t in auto.transform.transforms)


def test_tiny_imagenet_missing_folder_names_it(tmp_path):
    start = time.perf_counter()
    with pytest.raises(data.DatasetNotFoundError) as err:
        data.build("tiny_imagenet", "train", root=tmp_path)
    assert time.perf_counter() - start < 5
    msg = str(err.value)
    assert str(tmp_path / "tiny-imagenet-200") in msg and "train/<wnid>/images" in msg and "how to get it" in msg


def test_tiny_imagenet_configs_keep_batch_256_and_record_the_conflict():
    for name in names("clif-tinyimagenet-*"):
        cfg = get(name)
        assert cfg.dataset == "tiny_imagenet" and cfg.batch_size == 256
        assert "128" in cfg.notes and "256" in cfg.notes and "README" in cfg.notes and "AutoAugment" in cfg.notes


# ------------------------------------------------------------------------------ 2. CIFAR10-DVS frames, bit for bit
def _clustered_events(n: int, seed: int):
    """Events crowded on few pixels (counts up to several hundred, so the uint8 wrap happens), polarity 0 on the
    left half and 1 on the right (so the 'LA' premultiplied resize zeroes channel 0 where channel 1 is 0)."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.integers(10, 14, n // 2), rng.integers(70, 100, n - n // 2 - 300), np.full(300, 90)])
    y = np.concatenate([rng.integers(20, 24, n // 2), rng.integers(30, 90, n - n // 2 - 300), np.full(300, 60)])
    p = (x >= 64).astype(np.int64)
    t = np.arange(n) * 7
    return x, y, t, p


def _authors_frames(x, y, p, T):
    """The CLIF code on these events: SpikingJelly's split_by='number' integration, saved as float64 and read back
    with .float(), then its list-based ToPILImage -> Resize(48) -> ToTensor over the T frames."""
    from spikingjelly.datasets.utils import integrate_events_by_fixed_frames_number

    events = {"t": np.arange(len(x)), "x": np.asarray(x), "y": np.asarray(y), "p": np.asarray(p)}
    frames = torch.from_numpy(integrate_events_by_fixed_frames_number(events, "number", T, 128, 128)).float()
    transform = tv.Compose([tv.ToPILImage(), tv.Resize(48), tv.ToTensor()])
    return torch.stack([transform(f) for f in frames])


def test_cifar10_dvs_authors_frames_equal_their_pil_pipeline_bit_for_bit(tmp_path):
    T = 10
    written = {}
    for i, n in ((0, 2003), (1, 1207), (900, 1501)):
        ev = _clustered_events(n, seed=i)
        path = tmp_path / "CIFAR10DVS" / "airplane" / f"cifar10_airplane_{i}.aedat4"
        write_aedat4(path, ev[2], ev[0], ev[1], ev[3], packets=3)
        written[i] = ev
    (tmp_path / "CIFAR10DVS" / "CIFAR10DVS.zip").write_bytes(b"")
    for split, ids in (("train", (0, 1)), ("test", (900,))):
        ds = data.build("cifar10_dvs", split, T=T, root=tmp_path, frames="authors")
        assert len(ds) == len(ids)
        for k, i in enumerate(ids):
            x, _ = ds[k]
            ex, ey, _, ep = written[i]
            ref = _authors_frames(ex, ey, ep, T)
            assert x.shape == (T, 2, 48, 48) and x.dtype == torch.float32
            assert torch.equal(x, ref)
    x = data.build("cifar10_dvs", "train", T=T, root=tmp_path, frames="authors")[0][0]
    # what the authors' network sees: uint8 values / 255, near-binary, channel 0 zeroed where channel 1 is 0
    assert torch.equal(x * 255, (x * 255).round()) and x.max() <= 1
    assert x[:, 0].sum() == 0                            # all polarity-0 events lie where channel 1 is empty
    clean = data.build("cifar10_dvs", "train", T=T, root=tmp_path)[0][0]
    assert clean[:, 0].sum() > 0 and not torch.equal(clean, x)    # the clean pipeline keeps the counts


def test_cifar10_dvs_original_recordings_read_as_the_authors_read_them(tmp_path):
    """layout='original': the figshare .aedat files through the authors' reader (x -> 127 - x, p -> 1 - p), then
    their frames; the split is per class by file index."""
    written = fake_cifar10_dvs_original(tmp_path, classes=("cat", "ship"), indices=(3, 899, 900, 901), n_events=257)
    train = data.build("cifar10_dvs", "train", T=6, root=tmp_path, layout="original", frames="authors")
    test = data.build("cifar10_dvs", "test", T=6, root=tmp_path, layout="original", frames="authors")
    assert train.targets.tolist() == [3, 3, 8, 8] and test.targets.tolist() == [3, 3, 8, 8]
    assert [f.rsplit("_", 1)[1] for f in test.source.files] == ["900.aedat", "901.aedat"] * 2
    for ds in (train, test):
        for i, f in enumerate(ds.source.files):
            x, y, _, p = written[Path(f)]
            assert torch.equal(ds[i][0], _authors_frames(127 - x, y, 1 - p, 6))
    with pytest.raises(data.DatasetNotFoundError, match="figshare"):
        data.build("cifar10_dvs", "train", T=6, root=tmp_path / "empty", layout="original")
    bad = Path(test.source.files[0])
    bad.write_bytes(bad.read_bytes()[:-3])
    with pytest.raises(data.CorruptDatasetError, match=bad.name):
        data.build("cifar10_dvs", "test", T=6, root=tmp_path, layout="original", cache=False)[0]


def test_cifar10_dvs_authors_pipeline_is_the_paper_configs_default():
    for name in names("*dvscifar10*"):
        cfg = get(name)
        assert cfg.data_opts["frames"] == "authors" and cfg.data_opts["layout"] == "original", name
        assert "ToPILImage" in cfg.notes and "frames='clean'" in cfg.notes


# ------------------------------------------------------------------------------- 3. CLIF CIFAR10-DVS augmentation
def test_clif_augment_is_a_consistent_flip_and_integer_rotation_without_expand():
    aug = EventAugment()
    torch.manual_seed(0)
    draws = [aug.sample() for _ in range(4000)]
    assert {a for _, a in draws} == set(range(-15, 15))           # np.random.randint(-15, 15): integers, 14 max
    assert 0.45 < np.mean([f for f, _ in draws]) < 0.55
    rng = np.random.default_rng(1)
    frames = torch.from_numpy((rng.random((3, 2, 48, 48)) < 0.1).astype(np.uint8) * rng.integers(1, 256, (3, 2, 48, 48))
                              .astype(np.uint8))
    exact_centre = 0
    for angle in range(-15, 15):
        ours = EventAugment.apply(frames, True, angle)
        assert ours.shape == frames.shape and ours.dtype == torch.uint8
        for t in range(3):
            img = Image.fromarray(np.ascontiguousarray(frames[t].numpy().transpose(1, 2, 0)))   # "LA", as theirs
            assert img.mode == "LA"
            flipped = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)          # the same flip for every frame
            keep = np.asarray(flipped.rotate(angle, expand=False)).transpose(2, 0, 1)
            assert np.array_equal(ours[t].numpy(), keep)
            released = flipped.rotate(angle, expand=True)                   # the released code's frame
            w, h = released.size
            assert (w, h) == (48, 48) if angle == 0 else 50 <= w <= 60
            if (w - 48) % 2 == 0 and (h - 48) % 2 == 0:                     # its centre is our frame
                l, u = (w - 48) // 2, (h - 48) // 2
                assert np.array_equal(np.asarray(released.crop((l, u, l + 48, u + 48))).transpose(2, 0, 1), keep)
                exact_centre += t == 0
    assert exact_centre >= 10


def test_clif_augment_in_the_dataset_batches_and_follows_the_draw(tmp_path):
    fake_cifar10_dvs(tmp_path, classes=("cat", "dog"), indices=(0, 1, 2, 900), n_events=400)
    plain = data.build("cifar10_dvs", "train", T=4, root=tmp_path, frames="authors")
    ds = data.build("cifar10_dvs", "train", T=4, root=tmp_path, frames="authors", augment="clif")
    assert data.build("cifar10_dvs", "test", T=4, root=tmp_path, frames="authors", augment="clif").augment is None
    for i in range(len(ds)):
        torch.manual_seed(i)
        x = ds[i][0]
        torch.manual_seed(i)
        flip, angle = EventAugment().sample()
        u8 = (plain[i][0] * 255).round().to(torch.uint8)
        assert torch.equal(x, EventAugment.apply(u8, flip, angle).float() / 255)
    xb, yb = next(iter(data.make_loader(ds, batch_size=6, shuffle=True, seed=0, num_workers=0)))
    assert xb.shape == (6, 4, 2, 48, 48)
    for name in names("*dvscifar10*"):
        cfg = get(name)
        assert cfg.data_opts.get("augment", "none") == ("none" if name.startswith("ilif-") else "clif"), name
        if name.startswith("clif-"):
            assert "expand=True" in cfg.notes


# -------------------------------------------------------------------------------------- 4. DVS128 Gesture split
def test_dvs_gesture_original_layout_is_spikingjellys_dvs128gesture(tmp_path):
    """Our loader and SpikingJelly's DVS128Gesture (the authors' loader) on the same fake IBM files: the same
    samples in the same order, the same frames bit for bit."""
    from spikingjelly.datasets.dvs128_gesture import DVS128Gesture

    ibm = tmp_path / "ibm"
    written = fake_dvs_gesture(ibm, events_per_row=45)
    sj_root = tmp_path / "sj"
    shutil.copytree(ibm / "DvsGesture", sj_root / "extract" / "DvsGesture")
    (sj_root / "events_np").mkdir()
    DVS128Gesture.create_raw_from_extracted(sj_root / "extract", sj_root / "events_np")
    T = 5
    for split in ("train", "test"):
        ours = data.build("dvs_gesture", split, T=T, root=ibm, frames="authors")
        sj = DVS128Gesture(str(sj_root), train=split == "train", data_type="frame", frames_number=T,
                           split_by="number")
        n_rows = sum(len(written[n][1]) for n in written if (n in ("user24_led",)) == (split == "test"))
        assert len(ours) == len(sj) == n_rows
        for i in range(len(sj)):
            frames, target = sj[i]
            x, y = ours[i]
            assert np.array_equal(x.numpy(), frames), (split, i)
            assert y == int(sj.classes[target])          # SpikingJelly's folder name is the label
        assert sorted(set(ours.targets.tolist())) == list(range(11))
    # the events outside the labelled windows and the non-polarity packet are left out; AEDAT 3.1 reader = theirs
    from spikingjelly.datasets.utils import load_aedat_v3

    mine, sj_ev = read_aedat_v3(ibm / "DvsGesture" / "user01_fluorescent.aedat"), load_aedat_v3(
        ibm / "DvsGesture" / "user01_fluorescent.aedat")
    for k in "xytp":
        assert np.array_equal(mine[k].astype(np.int64), sj_ev[k].astype(np.int64))


def test_dvs_gesture_counts_1176_288_from_ibms_trials_lists(tmp_path):
    """IBM's 98 training and 24 test recordings, each with 12 label rows (1176 / 98 = 288 / 24 = 12): the loader
    reads every listed recording and every row."""
    trials = {s: gesture_trial_names(s) for s in ("train", "test")}
    assert (len(trials["train"]), len(trials["test"])) == (98, 24)
    fake_dvs_gesture(tmp_path, trials=trials, rows=list(range(1, 12)) + [11], events_per_row=2)
    train, test = GestureSource.from_root(tmp_path, "train"), GestureSource.from_root(tmp_path, "test")
    assert (len(train), len(test)) == (1176, 288)
    info = data.info("dvs_gesture")
    assert (info.n_train, info.n_test, info.num_classes) == (1176, 288, 11)
    assert np.bincount(train.targets).tolist() == [98] * 10 + [196]


def test_dvs_gesture_missing_and_truncated_files(tmp_path):
    with pytest.raises(data.DatasetNotFoundError, match="trials_to_train.txt"):
        data.build("dvs_gesture", "train", T=4, root=tmp_path)
    fake_dvs_gesture(tmp_path)
    (tmp_path / "DvsGesture" / "user02_led_labels.csv").unlink()
    with pytest.raises(data.DatasetNotFoundError, match="user02_led_labels.csv"):
        data.build("dvs_gesture", "train", T=4, root=tmp_path)
    bad = tmp_path / "DvsGesture" / "user24_led.aedat"
    bad.write_bytes(bad.read_bytes()[:-5])
    with pytest.raises(data.CorruptDatasetError, match="user24_led.aedat"):
        data.build("dvs_gesture", "test", T=4, root=tmp_path, cache=False)[0]


def test_aedat_v3_timestamp_overflow(tmp_path):
    path = write_aedat_v3(tmp_path / "r.aedat", [5, 9], [1, 2], [3, 4], [0, 1], packets=1, overflow=3)
    ev = read_aedat_v3(path)
    assert ev["t"].tolist() == [5 | 3 << 31, 9 | 3 << 31] and ev["x"].tolist() == [1, 2] and ev["p"].tolist() == [0, 1]


# ------------------------------------------------------------------------------------- 5. DVS ANN input, frame 0
def test_dvs_ann_input_is_frame_0_of_the_T_frame_tensor(tmp_path):
    fake_cifar10_dvs(tmp_path, classes=("bird",), indices=(0, 1, 900, 901), n_events=503)
    for split in ("train", "test"):
        full = data.build("cifar10_dvs", split, T=10, root=tmp_path, frames="authors")
        ann = data.build("cifar10_dvs", split, T=1, root=tmp_path, frames="authors", integrate_T=10)
        every = data.build("cifar10_dvs", split, T=1, root=tmp_path, frames="authors")
        for i in range(len(full)):
            assert ann[i][0].shape == (1, 2, 48, 48)
            assert torch.equal(ann[i][0], full[i][0][:1])
            assert not torch.equal(ann[i][0], every[i][0])   # T = 1 alone would put every event in one frame
    with pytest.raises(ValueError, match="integrate_T"):
        data.build("cifar10_dvs", "test", T=4, root=tmp_path, integrate_T=2)
    # every ANN paper config on event data integrates its SNN siblings' T frames and feeds frame 0
    checked = 0
    for name in names():
        cfg = get(name)
        if cfg.profile != "paper" or cfg.neuron != "relu" or cfg.dataset not in ("cifar10_dvs", "dvs_gesture"):
            continue
        sibling = get(name.replace("-ann", "-lif"))
        assert cfg.steps == 1 and cfg.data_opts["integrate_T"] == sibling.T > 1, name
        assert {k: v for k, v in cfg.data_opts.items() if k != "integrate_T"} == dict(sibling.data_opts)
        checked += 1
    assert checked == 4


# ------------------------------------------------------------------------------------------------- 6. the rest
def test_authors_integration_adds_the_remainder_to_the_last_frame(tmp_path):
    from spikingjelly.datasets.utils import integrate_events_by_fixed_frames_number

    files = fake_nmnist(tmp_path, {"Train": 1}, n_events=103)
    clean = data.build("nmnist", "train", T=4, root=tmp_path)
    authors = data.build("nmnist", "train", T=4, root=tmp_path, frames="authors")
    assert clean[0][0].sum(dim=(1, 2, 3)).tolist() == [25.0] * 4          # tonic drops 103 mod 4 = 3 events
    assert authors[0][0].sum(dim=(1, 2, 3)).tolist() == [25.0, 25.0, 25.0, 28.0]
    x, y, t, p = files[tmp_path / "NMNIST" / "Train" / "0" / "00000.bin"]
    ref = integrate_events_by_fixed_frames_number({"t": t, "x": x, "y": y, "p": p}, "number", 4, 34, 34)
    assert np.array_equal(authors[0][0].numpy(), ref)
    few = data.build("nmnist", "train", T=200, root=tmp_path, frames="authors")[0][0]   # N < T: all in the last
    assert few[:-1].sum() == 0 and few[-1].sum() == 103
    assert data.build("nmnist", "train", T=4, root=tmp_path, remainder="last")[0][0].sum() == 103


def test_drop_last_where_the_authors_use_it(tmp_path):
    fake_nmnist(tmp_path, {"Train": 1, "Test": 1}, n_events=40)
    train = data.build("nmnist", "train", T=2, root=tmp_path, drop_last=True)
    test = data.build("nmnist", "test", T=2, root=tmp_path, drop_last=True)
    assert train.drop_last is True and test.drop_last is False
    assert [len(b[1]) for b in data.make_loader(train, 4, shuffle=True, num_workers=0)] == [4, 4]
    assert [len(b[1]) for b in data.make_loader(test, 4, shuffle=False, num_workers=0)] == [4, 4, 2]
    with pytest.raises(ValueError, match="drop_last"):
        data.build("nmnist", "train", T=2, root=tmp_path, drop_last="yes")
    for name in names():
        cfg = get(name)
        if cfg.profile != "paper":
            continue
        want = cfg.dataset == "dvs_gesture" or dict(cfg.data_opts).get("augment") == "clif_star"
        assert dict(cfg.data_opts).get("drop_last", False) is want, name
    assert get("clif-table3b-vgg11-gesture-lif-tau2.0-k4").data_opts["drop_last"] is True


def test_cutout_is_torchtoolbox_0_1_8_2():
    cut = Cutout()
    assert (cut.p, cut.scale, cut.ratio, cut.value) == (0.5, (0.02, 0.4), (0.4, 2.5), (0, 255))
    img = Image.fromarray(np.full((32, 32, 3), 7, np.uint8))
    out = np.asarray(cut.apply(img, left=3, top=5, h=4, w=6, fill=200))
    expected = np.full((32, 32, 3), 7, np.uint8)
    expected[5:9, 3:9] = (200, 0, 0)                 # PIL paste of an int on RGB: a packed pixel, red only
    assert np.array_equal(out, expected) and np.asarray(img)[5, 3].tolist() == [7, 7, 7]
    arr = cut.apply(np.full((8, 8, 3), 7, np.uint8), 1, 2, 3, 4, 9)
    assert (arr[2:5, 1:5] == 9).all() and arr.sum() == 7 * 3 * 64 + (9 - 7) * 3 * 12
    torch.manual_seed(0)
    aspects = []
    for _ in range(3000):
        left, top, h, w = cut.params(img)
        # h = int(sqrt(s·r)), w = int(sqrt(s/r)) with s in [0.02, 0.4]·1024, r in [0.4, 2.5], placed inside
        assert 0 <= left <= 32 - w and 0 <= top <= 32 - h and 1 <= h <= 32 and 1 <= w <= 32
        assert h * w <= 0.4 * 1024 and (h + 1) * (w + 1) > 0.02 * 1024
        assert h < 2.5 * (w + 1) and h + 1 > 0.4 * w
        aspects.append(h / w)
    assert min(aspects) < 0.5 and max(aspects) > 2.0
    torch.manual_seed(1)
    fills = [np.asarray(Cutout(p=1.0)(img)) for _ in range(200)]
    changed = [f[np.any(f != 7, axis=2)] for f in fills]
    assert all((c[:, 1:] == 0).all() for c in changed if len(c))   # green and blue zeroed, red = v
    assert np.array_equal(np.asarray(Cutout(p=0.0)(img)), np.asarray(img))


def test_every_paper_config_lists_its_differences_and_sets_cudnn_deterministic():
    paper = [n for n in names() if get(n).profile == "paper"]
    assert len(paper) > 300
    for name in paper:
        cfg = get(name)
        assert cfg.deterministic == "cudnn", name
        assert "Random streams" in cfg.notes and "without autocast" in cfg.notes, name
        if cfg.dataset == "dvs_gesture":
            assert "1176" in cfg.notes and "drop_last=True" in cfg.notes
        if cfg.dataset in ("cifar10", "cifar100") and cfg.data_opts.get("augment", "paper") == "paper":
            assert "torchtoolbox 0.1.8.2" in cfg.notes
