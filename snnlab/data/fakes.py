"""Tiny dataset files in the exact on-disk formats the readers (snnlab's, torchvision's, tonic 1.7's,
SpikingJelly's) expect, for tests and dry runs without the real data.

:func:`write_fake_datasets` writes a small copy of every dataset of the papers (MNIST and Fashion-MNIST IDX files,
CIFAR-10/100 python pickles, the Tiny-ImageNet folders, N-MNIST ``.bin``, CIFAR10-DVS ``.aedat4`` (tonic's) and
``.aedat`` (the original recordings), IBM's DVS128 Gesture AEDAT 3.1 recordings with their labels and trials
files) into one data folder, every class present, in a few seconds; ``snnlab.data.build(name, split,
root=that_folder, ...)`` then reads them like the real ones. The other functions write one dataset each.
"""
from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np

__all__ = ["write_idx", "fake_mnist", "fake_cifar10", "fake_cifar100", "fake_tiny_imagenet", "random_events",
           "write_nmnist_bin", "fake_nmnist", "fake_gesture", "write_aedat4", "fake_cifar10_dvs", "write_aedat_v3",
           "fake_dvs_gesture", "gesture_trial_names", "write_fake_datasets", "AEDAT_EVENT", "CIFAR10_DVS_CLASSES",
           "write_aedat2_cifar10_dvs", "fake_cifar10_dvs_original",
           "GESTURE_TRIALS", "PAPER_DATASETS"]

#: every dataset of the papers' configurations (``write_fake_datasets`` writes all of them by default)
PAPER_DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100", "tiny_imagenet", "nmnist", "cifar10_dvs",
                  "dvs_gesture")

# ----------------------------------------------------------------------------------------- MNIST IDX
def write_idx(path: Path, array: np.ndarray, gz: bool = False) -> Path:
    """IDX: magic 0x00 0x00 0x08 ndim, big-endian uint32 dims, then the unsigned bytes."""
    array = np.asarray(array, dtype=np.uint8)
    blob = bytes([0, 0, 8, array.ndim]) + struct.pack(">" + "I" * array.ndim, *array.shape) + array.tobytes()
    path = Path(str(path) + ".gz") if gz else Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(blob)
    else:
        path.write_bytes(blob)
    return path


def fake_mnist(folder: Path, n_train: int = 12, n_test: int = 5, gz: bool = False, seed: int = 0):
    """Write the four IDX files into ``folder``; returns {split: (images, labels)}."""
    rng = np.random.default_rng(seed)
    out = {}
    for split, prefix, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        write_idx(folder / f"{prefix}-images-idx3-ubyte", images, gz)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", labels, gz)
        out[split] = (images, labels)
    return out


# ---------------------------------------------------------------------------------------------- CIFAR
def _cifar_pickle(path: Path, data: np.ndarray, labels, label_key: str) -> None:
    entry = {"batch_label": "fake", "data": data, label_key: list(int(v) for v in labels),
             "filenames": [f"img{i}.png" for i in range(len(labels))]}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        pickle.dump(entry, f, protocol=2)


def fake_cifar10(root: Path, per_batch: int = 4, n_test: int = 3, seed: int = 0, balanced: bool = False):
    """cifar-10-batches-py/data_batch_1..5 and test_batch: dicts with 'data' (N x 3072 uint8, channel-major
    rows: R plane, G plane, B plane) and 'labels' (random, or ``i % 10`` with ``balanced``)."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    batches = {}
    for name, n in [(f"data_batch_{i}", per_batch) for i in range(1, 6)] + [("test_batch", n_test)]:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = np.arange(n) % 10 if balanced else rng.integers(0, 10, n)
        _cifar_pickle(folder / name, data, labels, "labels")
        batches[name] = (data, labels)
    return batches


def fake_cifar100(root: Path, n_train: int = 6, n_test: int = 3, seed: int = 1, balanced: bool = False):
    """cifar-100-python/{train,test}: dicts with 'data', 'fine_labels' (random, or ``i % 100`` with
    ``balanced``) and 'coarse_labels'."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-100-python"
    out = {}
    for name, n in (("train", n_train), ("test", n_test)):
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        fine = np.arange(n) % 100 if balanced else rng.integers(0, 100, n)
        entry = {"data": data, "fine_labels": list(map(int, fine)), "coarse_labels": list(map(int, fine // 5))}
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / name, "wb") as f:
            pickle.dump(entry, f, protocol=2)
        out[name] = (data, fine)
    return out


# --------------------------------------------------------------------------------------- Tiny-ImageNet
def fake_tiny_imagenet(root: Path, n_classes: int = 200, train_per_class: int = 2, val_per_class: int = 1,
                       seed: int = 0, gray_every: int = 7):
    """``<root>/tiny-imagenet-200`` as distributed: ``wnids.txt``, ``words.txt``,
    ``train/<wnid>/images/<wnid>_<k>.JPEG`` (+ ``<wnid>_boxes.txt``), ``val/images/val_<i>.JPEG`` with
    ``val/val_annotations.txt`` (file, wnid, box), ``test/images/test_<i>.JPEG``. 64×64 JPEGs; every
    ``gray_every``-th image is grayscale (the real set has some). Wnids are written in shuffled order (the
    loaders sort them). Returns ``{"train": [(path, wnid)], "val": [(path, wnid)], "wnids": [...]}``."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    base = Path(root) / "tiny-imagenet-200"
    wnids = [f"n{10_000_000 + 7919 * i:08d}" for i in range(n_classes)]
    listed = list(rng.permutation(wnids))
    base.mkdir(parents=True, exist_ok=True)
    (base / "wnids.txt").write_text("".join(w + "\n" for w in listed))
    (base / "words.txt").write_text("".join(f"{w}\tthing {i}, object {i}\n" for i, w in enumerate(wnids)))
    k = 0

    def save(path: Path) -> None:
        nonlocal k
        path.parent.mkdir(parents=True, exist_ok=True)
        pixels = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
        img = Image.fromarray(pixels[..., 0] if gray_every and k % gray_every == gray_every - 1 else pixels)
        img.save(path, format="JPEG", quality=90)
        k += 1

    out = {"train": [], "val": [], "wnids": wnids}
    for w in wnids:
        boxes = []
        for j in range(train_per_class):
            path = base / "train" / w / "images" / f"{w}_{j}.JPEG"
            save(path)
            boxes.append(f"{path.name}\t0\t0\t63\t63\n")
            out["train"].append((path, w))
        (base / "train" / w / f"{w}_boxes.txt").write_text("".join(boxes))
    lines, i = [], 0
    for j in range(val_per_class):
        for w in listed:
            path = base / "val" / "images" / f"val_{i}.JPEG"
            save(path)
            lines.append(f"{path.name}\t{w}\t1\t2\t60\t61\n")
            out["val"].append((path, w))
            i += 1
    (base / "val" / "val_annotations.txt").write_text("".join(lines))
    for j in range(2):
        save(base / "test" / "images" / f"test_{j}.JPEG")
    return out


# --------------------------------------------------------------------------------------------- events
def random_events(n: int, w: int, h: int, seed: int = 0, t_max: int = 300_000):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, w, n), rng.integers(0, h, n), np.sort(rng.integers(0, t_max, n)),
            rng.integers(0, 2, n))


def write_nmnist_bin(path: Path, x, y, t, p) -> Path:
    """N-MNIST .bin: 5 bytes per event: x, y, p<<7 | t[22:16], t[15:8], t[7:0] (t in µs < 2**23)."""
    x, y, t, p = (np.asarray(v, dtype=np.int64) for v in (x, y, t, p))
    assert t.max(initial=0) < 2 ** 23
    raw = np.empty((len(x), 5), dtype=np.uint8)
    raw[:, 0], raw[:, 1] = x, y
    raw[:, 2] = (p << 7) | ((t >> 16) & 0x7F)
    raw[:, 3], raw[:, 4] = (t >> 8) & 0xFF, t & 0xFF
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw.tobytes())
    return path


def fake_nmnist(root: Path, per_digit: dict[str, int], n_events: int = 103, seed: int = 0):
    """<root>/NMNIST/{Train,Test}/<digit>/<id>.bin; per_digit maps split folder -> files per digit."""
    files = {}
    k = 0
    for folder, count in per_digit.items():
        for digit in range(10):
            for j in range(count):
                ev = random_events(n_events + digit, 34, 34, seed=seed + k)
                path = root / "NMNIST" / folder / str(digit) / f"{j:05d}.bin"
                write_nmnist_bin(path, *ev)
                files[path] = ev
                k += 1
    return files


def fake_gesture(root: Path, split_folder: str, users: dict[str, list[int]], n_events: int = 200, seed: int = 0):
    """tonic DVSGesture: <root>/DVSGesture/<ibmGestureTrain|ibmGestureTest>/userXX_<lighting>/<label>.npy,
    each an [N, 4] integer array with columns x, y, p, t (t in ms)."""
    out = {}
    k = 0
    for user_dir, labels in users.items():
        for label in labels:
            x, y, t, p = random_events(n_events, 128, 128, seed=seed + k, t_max=6000)
            arr = np.stack([x, y, p, t], axis=1).astype(np.int64)
            path = root / "DVSGesture" / split_folder / user_dir / f"{label}.npy"
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, arr)
            out[path] = arr
            k += 1
    return out


# --------------------------------------------------------------------------- AEDAT 4 (CIFAR10-DVS in tonic)
AEDAT_EVENT = np.dtype({"names": ["t", "x", "y", "on"], "formats": ["<i8", "<i2", "<i2", "u1"],
                        "offsets": [0, 8, 10, 12], "itemsize": 16})  # flatbuffers struct Event, aligned to 8


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def _size_prefixed_table(identifier: bytes, slot: int, blob: bytes, blob_align: int) -> bytes:
    """A size-prefixed flatbuffer whose root table has one offset field (``slot``) pointing at ``blob``
    (a vector or string body starting with its uint32 length). Offsets are counted from the byte after the
    size prefix, alignment from the start of the prefixed buffer (as flatbuffers' builder lays it out)."""
    vt_size = 4 + 2 * (slot + 1)
    vt_pos = 12
    table_pos = _align(vt_pos + vt_size, 4)
    field_pos = table_pos + 4
    blob_pos = field_pos + 4
    while (blob_pos + 4) % blob_align:  # element data (after the length) must be aligned
        blob_pos += 4
    total = _align(blob_pos + len(blob), 8)
    buf = bytearray(total)
    struct.pack_into("<I", buf, 0, total - 4)
    struct.pack_into("<I", buf, 4, table_pos - 4)
    buf[8:12] = identifier
    struct.pack_into("<HH", buf, vt_pos, vt_size, 8)
    struct.pack_into("<H", buf, vt_pos + 4 + 2 * slot, 4)
    struct.pack_into("<i", buf, table_pos, table_pos - vt_pos)
    struct.pack_into("<I", buf, field_pos, blob_pos - field_pos)
    buf[blob_pos:blob_pos + len(blob)] = blob
    return bytes(buf)


def write_aedat4(path: Path, t, x, y, p, width: int = 128, height: int = 128, packets: int = 2) -> Path:
    """AEDAT 4.0 as read by the ``aedat`` package (tonic.io.read_aedat4): magic line, size-prefixed
    IOHeader flatbuffer ("IOHE": compression None, description XML declaring stream 0 as EVTS with
    sizeX/sizeY), then packets: uint32 stream id, uint32 byte length, size-prefixed EventPacket ("EVTS")."""
    description = (
        '<dv version="2.0"><node name="outInfo" path="/mainloop/output/outInfo/">'
        '<node name="0" path="/mainloop/output/outInfo/0/">'
        '<attr key="compression" type="string">NONE</attr>'
        '<attr key="originalModuleName" type="string">capture</attr>'
        '<attr key="typeIdentifier" type="string">EVTS</attr>'
        '<node name="info" path="/mainloop/output/outInfo/0/info/">'
        f'<attr key="sizeX" type="int">{width}</attr><attr key="sizeY" type="int">{height}</attr>'
        "</node></node></node></dv>")
    desc = description.encode()
    header = _size_prefixed_table(b"IOHE", 2, struct.pack("<I", len(desc)) + desc + b"\0", 4)
    ev = np.zeros(len(t), dtype=AEDAT_EVENT)
    ev["t"], ev["x"], ev["y"], ev["on"] = t, x, y, p
    body = b""
    for chunk in np.array_split(ev, max(1, packets)):
        payload = _size_prefixed_table(b"EVTS", 0, struct.pack("<I", len(chunk)) + chunk.tobytes(), 8)
        body += struct.pack("<II", 0, len(payload)) + payload
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"#!AER-DAT4.0\r\n" + header + body)
    return path


CIFAR10_DVS_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


def fake_cifar10_dvs(root: Path, classes=("airplane", "automobile"), indices=(0, 5, 899, 900, 950, 999),
                     n_events: int = 120, seed: int = 0):
    """<root>/CIFAR10DVS/<class>/cifar10_<class>_<i>.aedat4 (+ the CIFAR10DVS.zip marker tonic looks for)."""
    out = {}
    k = 0
    for cls in classes:
        for i in indices:
            x, y, t, p = random_events(n_events, 128, 128, seed=seed + k)
            path = root / "CIFAR10DVS" / cls / f"cifar10_{cls}_{i}.aedat4"
            write_aedat4(path, t, x, y, p)
            out[path] = (x, y, t, p)
            k += 1
    (root / "CIFAR10DVS" / "CIFAR10DVS.zip").write_bytes(b"")
    return out


def write_aedat2_cifar10_dvs(path: Path, t, x, y, p) -> Path:
    """An original (figshare) CIFAR10-DVS recording, AEDAT 2.0: ``#`` header lines, then big-endian uint32 pairs
    (address ``y << 8 | x << 1 | p``, timestamp). ``x``, ``p`` are the raw sensor values: the authors' reader
    returns ``127 - x`` and ``1 - p``."""
    t, x, y, p = (np.asarray(v, dtype=np.int64) for v in (t, x, y, p))
    words = np.empty((len(t), 2), dtype=">u4")
    words[:, 0] = (y << 8) | (x << 1) | p
    words[:, 1] = t
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"#!AER-DAT2.0\r\n# This is a raw AE data file - do not edit\r\n"
                     b"# Data format is int32 address, int32 timestamp (8 bytes total), repeated for each event\r\n"
                     b"# Timestamps tick is 1 us\r\n" + words.tobytes())
    return path


def fake_cifar10_dvs_original(root: Path, classes=("airplane", "automobile"), indices=(0, 5, 899, 900, 950, 999),
                              n_events: int = 120, seed: int = 0) -> dict:
    """``<root>/CIFAR10DVS/events/<class>/cifar10_<class>_<i>.aedat`` (the figshare recordings, the CLIF code's
    ``<data_dir>/events`` layout). Returns ``{path: (x, y, t, p)}`` with the raw sensor values written."""
    out = {}
    for k, (cls, i) in enumerate((c, i) for c in classes for i in indices):
        x, y, t, p = random_events(n_events, 128, 128, seed=seed + k)
        path = Path(root) / "CIFAR10DVS" / "events" / cls / f"cifar10_{cls}_{i}.aedat"
        write_aedat2_cifar10_dvs(path, t, x, y, p)
        out[path] = (x, y, t, p)
    return out


# ----------------------------------------------------------------- DVS128 Gesture, IBM's original recordings
#: the recordings of IBM's ``trials_to_train.txt`` / ``trials_to_test.txt`` (98 / 24), user -> lighting conditions
GESTURE_TRIALS = {
    "train": {1: "fl fl_led lab led nat", 2: "fl fl_led lab led nat", 3: "fl fl_led led nat", 4: "fl fl_led led nat",
              5: "fl fl_led lab led nat", 6: "fl fl_led lab led nat", 7: "fl fl_led lab led", 8: "fl fl_led lab led",
              9: "fl fl_led lab led nat", 10: "fl fl_led lab led", 11: "fl fl_led nat", 12: "fl_led led",
              13: "fl fl_led lab led nat", 14: "fl fl_led led nat", 15: "fl fl_led lab led nat",
              16: "fl lab led nat", 17: "fl fl_led lab led nat", 18: "fl fl_led lab led",
              19: "fl fl_led lab led nat", 20: "fl fl_led led", 21: "fl fl_led lab nat", 22: "fl fl_led lab led nat",
              23: "fl fl_led lab led"},
    "test": {24: "fl fl_led led", 25: "fl led", 26: "fl fl_led lab led nat", 27: "fl fl_led led nat",
             28: "fl fl_led lab led nat", 29: "fl fl_led lab led nat"},
}
_LIGHTING = {"fl": "fluorescent", "fl_led": "fluorescent_led", "lab": "lab", "led": "led", "nat": "natural"}


def gesture_trial_names(split: str) -> list[str]:
    """IBM's recording names of ``split`` (``user01_fluorescent``, ...), in the trials files' order."""
    return [f"user{u:02d}_{_LIGHTING[c]}" for u, conds in GESTURE_TRIALS[split].items() for c in conds.split()]


def write_aedat_v3(path: Path, t, x, y, p, packets: int = 2, overflow: int = 0, special_packet: bool = True
                   ) -> Path:
    """AEDAT 3.1 as IBM's DVS128 Gesture recordings (read by SpikingJelly's ``load_aedat_v3``): ``#`` header lines
    ending with ``#!END-HEADER``, then packets of a 28-byte header (eventType, eventSource, eventSize,
    eventTSOffset, eventTSOverflow, eventCapacity, eventNumber, eventValid) and eventCapacity 8-byte polarity
    events (u32 ``x << 17 | y << 2 | p << 1 | valid``, u32 timestamp, low 31 bits; ``overflow`` goes into every
    packet header). ``special_packet`` adds a non-polarity packet (type 0) the readers must skip."""
    t, x, y, p = (np.asarray(v, dtype=np.int64) for v in (t, x, y, p))
    body = b""
    if special_packet:
        body += struct.pack("<HHIIIIII", 0, 1, 8, 4, overflow, 2, 2, 2) + bytes(range(16))
    for chunk in np.array_split(np.arange(len(t)), max(1, packets)):
        n = len(chunk)
        ev = np.empty((n, 2), dtype="<u4")
        ev[:, 0] = (x[chunk] << 17) | (y[chunk] << 2) | (p[chunk] << 1) | 1
        ev[:, 1] = t[chunk] & 0x7FFFFFFF
        body += struct.pack("<HHIIIIII", 1, 1, 8, 4, overflow, n, n, n) + ev.tobytes()
    header = (b"#!AER-DAT3.1\r\n#Format: RAW\r\n#Source 1: DVS128\r\n#Start-Time: 2017-01-01 00:00:00 (TZ+0000)\r\n"
              b"#!END-HEADER\r\n")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + body)
    return path


def fake_dvs_gesture(root: Path, trials: dict[str, list[str]] | None = None, rows: list[int] | None = None,
                     events_per_row: int = 60, seed: int = 0) -> dict:
    """IBM's ``DvsGesture`` folder under ``root``: ``trials_to_train.txt``/``trials_to_test.txt``, and per recording
    ``<name>.aedat`` (AEDAT 3.1) with ``<name>_labels.csv`` (``class,startTime_usec,endTime_usec``, classes 1..11).
    ``trials``: ``{"train": [names], "test": [names]}`` (default: two training recordings and one test recording);
    ``rows``: the classes of each recording's labels file, in order (default 1..11 and a second 11, as some real
    files repeat a class). A recording holds ``events_per_row`` events inside each labelled window and a few
    outside (between windows), which the readers must leave out. Returns ``{name: (events, table)}``."""
    trials = trials or {"train": ["user01_fluorescent", "user02_led"], "test": ["user24_led"]}
    rows = list(rows) if rows is not None else list(range(1, 12)) + [11]
    folder = Path(root) / "DvsGesture"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = {}
    for split, names in trials.items():
        (folder / f"trials_to_{split}.txt").write_text("".join(f"{n}.aedat\n" for n in names))
        for name in names:
            t0, parts, table = 1_000_000, [], []
            for cls in rows:
                start, end = t0, t0 + 40_000
                n_in = events_per_row + int(rng.integers(0, 7))
                parts.append(np.sort(rng.integers(start - 3000, start, 3)))  # before the window
                parts.append(np.sort(rng.integers(start, end, n_in)))
                table.append((cls, start, end))
                t0 = end + 5000
            t = np.concatenate(parts)
            n = len(t)
            x, y, p = rng.integers(0, 128, n), rng.integers(0, 128, n), rng.integers(0, 2, n)
            write_aedat_v3(folder / f"{name}.aedat", t, x, y, p, packets=3)
            (folder / f"{name}_labels.csv").write_text(
                "class,startTime_usec,endTime_usec\n" + "".join(f"{c},{a},{b}\n" for c, a, b in table))
            out[name] = ((t, x, y, p), np.asarray(table))
    (folder / "gesture_mapping.csv").write_text("action,label\n" + "".join(
        f"gesture{i},{i}\n" for i in range(1, 12)))
    return out


# ------------------------------------------------------------------------------------------ all of them
def write_fake_datasets(root: str | Path, names=None, seed: int = 0) -> dict:
    """Write a tiny copy of each dataset in ``names`` (default :data:`PAPER_DATASETS`, every dataset the papers'
    configurations use) into ``root``, in the exact on-disk layout the loaders read, every class present in
    both splits. Returns ``{name: {"train": n, "test": n}}`` (sample counts). A few seconds for all of them."""
    root = Path(root)
    names = PAPER_DATASETS if names is None else tuple(names)
    unknown = sorted(set(names) - set(PAPER_DATASETS))
    if unknown:
        raise ValueError(f"no fake writer for {unknown}; available: {', '.join(PAPER_DATASETS)}")
    counts = {}
    for name in names:
        if name == "mnist":
            fake_mnist(root / "MNIST" / "raw", n_train=30, n_test=20, seed=seed)
            counts[name] = {"train": 30, "test": 20}
        elif name == "fashion_mnist":
            fake_mnist(root / "FashionMNIST" / "raw", n_train=30, n_test=20, seed=seed + 1)
            counts[name] = {"train": 30, "test": 20}
        elif name == "cifar10":
            fake_cifar10(root, per_batch=10, n_test=20, seed=seed, balanced=True)
            counts[name] = {"train": 50, "test": 20}
        elif name == "cifar100":
            fake_cifar100(root, n_train=200, n_test=100, seed=seed, balanced=True)
            counts[name] = {"train": 200, "test": 100}
        elif name == "tiny_imagenet":
            fake_tiny_imagenet(root, train_per_class=2, val_per_class=1, seed=seed)
            counts[name] = {"train": 400, "test": 200}
        elif name == "nmnist":
            fake_nmnist(root, {"Train": 2, "Test": 1}, n_events=97, seed=seed)
            counts[name] = {"train": 20, "test": 10}
        elif name == "cifar10_dvs":  # both layouts: tonic's .aedat4 and the original figshare .aedat
            fake_cifar10_dvs(root, classes=CIFAR10_DVS_CLASSES, indices=(0, 1, 2, 900, 901), n_events=313,
                             seed=seed)
            fake_cifar10_dvs_original(root, classes=CIFAR10_DVS_CLASSES, indices=(0, 1, 2, 900, 901),
                                      n_events=313, seed=seed)
            counts[name] = {"train": 30, "test": 20}
        elif name == "dvs_gesture":
            fake_dvs_gesture(root, seed=seed)
            counts[name] = {"train": 24, "test": 12}
    return counts
