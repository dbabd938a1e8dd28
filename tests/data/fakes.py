"""Tiny dataset files in the exact on-disk formats the readers (snnlab's, torchvision's, tonic 1.7's) expect."""
from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np

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


def fake_cifar10(root: Path, per_batch: int = 4, n_test: int = 3, seed: int = 0):
    """cifar-10-batches-py/data_batch_1..5 and test_batch: dicts with 'data' (N x 3072 uint8, channel-major
    rows: R plane, G plane, B plane) and 'labels'."""
    rng = np.random.default_rng(seed)
    folder = root / "cifar-10-batches-py"
    batches = {}
    for name, n in [(f"data_batch_{i}", per_batch) for i in range(1, 6)] + [("test_batch", n_test)]:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, n)
        _cifar_pickle(folder / name, data, labels, "labels")
        batches[name] = (data, labels)
    return batches


def fake_cifar100(root: Path, n_train: int = 6, n_test: int = 3, seed: int = 1):
    rng = np.random.default_rng(seed)
    folder = root / "cifar-100-python"
    out = {}
    for name, n in (("train", n_train), ("test", n_test)):
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        fine = rng.integers(0, 100, n)
        entry = {"data": data, "fine_labels": list(map(int, fine)), "coarse_labels": list(map(int, fine // 5))}
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / name, "wb") as f:
            pickle.dump(entry, f, protocol=2)
        out[name] = (data, fine)
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
