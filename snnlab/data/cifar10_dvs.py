"""CIFAR10-DVS from the original figshare recordings (AEDAT 2.0 ``.aedat``), read as the CLIF/ILIF code reads them
(``utils/cifar10_dvs.py``: ``CIFAR10DVS.read_bin`` with ``load_events``), so the events are the authors' events.

``layout="original"`` of ``snnlab.data.build("cifar10_dvs", ...)``; the default ``layout="tonic"`` reads tonic's
``.aedat4`` conversion, whose orientation and polarity relative to these files are not verified.

Layout: ``<root>/CIFAR10DVS/events/<class>/cifar10_<class>_<i>.aedat`` (the authors' ``<data_dir>/events``
folder: the figshare archives ``<class>.zip`` extracted there).

Reading (their code): skip the header lines (lines that start with ``#``), read the rest as big-endian uint32
pairs (address, timestamp), ``x = (a & 0xFE) >> 1``, ``y = (a & 0x7F00) >> 8``, ``p = a & 1``, then mirror:
``x -> 127 - x`` and ``p -> 1 - p``. Split per class by the file index: 0–899 train, 900–999 test.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from snnlab.data.errors import CorruptDatasetError, DatasetNotFoundError, missing_message

__all__ = ["read_aedat2_cifar10_dvs", "OriginalCifar10DvsSource", "FOLDER"]

FOLDER = "CIFAR10DVS/events"
EVENT_DTYPE = np.dtype([("x", "<i2"), ("y", "<i2"), ("t", "<i8"), ("p", "u1")])


def _header_bytes(data: bytes) -> int:
    """Their ``skip_header``: the byte length of the leading lines whose stripped text starts with ``#``."""
    pos, n = 0, 0
    while True:
        nl = data.find(b"\n", pos)
        line = data[pos:] if nl < 0 else data[pos:nl + 1]
        if not line:
            return n
        try:
            text = line.decode().strip()
        except UnicodeDecodeError:
            return n
        if not text or text[0] != "#":
            return n
        n += len(line)
        pos += len(line)


def read_aedat2_cifar10_dvs(path: str | Path) -> np.ndarray:
    """Events (x, y, t, p) of one original CIFAR10-DVS ``.aedat`` file, as their ``CIFAR10DVS.read_bin``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CorruptDatasetError(f"{path}: cannot be read ({e})") from e
    body = data[_header_bytes(data):]
    if len(body) % 8:
        raise CorruptDatasetError(f"{path}: {len(body)} bytes after the header, not a whole number of 8-byte "
                                  "(address, timestamp) events; the file is truncated or corrupted")
    words = np.frombuffer(body, dtype=">u4")
    addr, stamp = words[0::2], words[1::2]
    out = np.zeros(len(addr), dtype=EVENT_DTYPE)
    out["x"] = 127 - ((addr & 0xFE) >> 1).astype(np.int64)
    out["y"] = (addr & 0x7F00) >> 8
    out["t"] = stamp
    out["p"] = 1 - (addr & 1)
    return out


class OriginalCifar10DvsSource:
    """One split of the original recordings (an :class:`~snnlab.data.events.EventSource`)."""

    def __init__(self, root: str | Path, split: str, train_per_class: int = 900, classes=None):
        from snnlab.data.events import CIFAR10_DVS_CLASSES, cifar10_dvs_split

        classes = tuple(classes or CIFAR10_DVS_CLASSES)
        folder = Path(root) / FOLDER
        files, targets = [], []
        for k, cls in enumerate(classes):
            found = sorted((folder / cls).glob(f"cifar10_{cls}_*.aedat")) if (folder / cls).is_dir() else []
            files += [str(f) for f in found]
            targets += [k] * len(found)
        if not files:
            raise DatasetNotFoundError(missing_message(
                "cifar10_dvs", split, folder, [f"<class>/cifar10_<class>_<i>.aedat (classes: {', '.join(classes)})"],
                f"download the class archives of https://figshare.com/articles/dataset/CIFAR10-DVS_New/4724671 and "
                f"extract them into {folder} (the CLIF code's <data_dir>/events folder), or use tonic's .aedat4 "
                "copy with layout='tonic'"))
        keep = cifar10_dvs_split(files, targets, split, train_per_class)
        self.files = [files[i] for i in keep]
        self.targets = np.asarray([targets[i] for i in keep], dtype=np.int64)
        sizes = [(str(Path(f).relative_to(folder)), Path(f).stat().st_size) for f in self.files]
        self.fingerprint = {"layout": "CIFAR10-DVS original .aedat (CLIF code reader)", "root": str(folder),
                            "split": split, "n": len(self.files),
                            "files_sha": hashlib.sha256(json.dumps(sizes).encode()).hexdigest()[:16]}

    def __len__(self) -> int:
        return len(self.files)

    def subset(self, n: int) -> "OriginalCifar10DvsSource":
        out = object.__new__(OriginalCifar10DvsSource)
        out.files, out.targets = self.files[:n], self.targets[:n]
        out.fingerprint = {**self.fingerprint, "n": len(out.files), "subset": n}
        return out

    def events(self, index: int) -> np.ndarray:
        return read_aedat2_cifar10_dvs(self.files[index])
