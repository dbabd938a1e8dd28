"""DVS128 Gesture from IBM's original recordings, cut and split exactly as SpikingJelly's ``DVS128Gesture`` does
(the loader of the CLIF and ILIF code: ``DVS128Gesture(root, train, data_type='frame', frames_number=T,
split_by='number')``), giving the official 1176 training / 288 test samples.

**Layout** (the extracted ``DvsGesture.tar.gz``), looked for in ``<root>/DvsGesture`` and then in SpikingJelly's
``<root>/DVS128Gesture/extract/DvsGesture``::

    trials_to_train.txt, trials_to_test.txt   one recording per line (user01_fluorescent.aedat, ...)
    userXX_<lighting>.aedat                    AEDAT 3.1 recording
    userXX_<lighting>_labels.csv               a header line, then rows class,startTime_usec,endTime_usec

**Samples.** Every row of the labels file of every recording listed in the split's trials file is one sample:
the recording's events with ``startTime_usec <= t < endTime_usec`` (file order kept), label ``class - 1``
(0..10, the order of ``gesture_mapping.csv``). The real files give 1176 / 288 samples (SpikingJelly's
documentation); tonic's preprocessed ``ibmGestureTrain``/``ibmGestureTest`` hold 1077 / 264, a different split
(``layout="tonic"`` in :func:`snnlab.data.build`).

**Order.** SpikingJelly writes sample ``k`` of class ``c`` of recording ``name`` to ``<c>/<name>_<k>.npz`` and
reads them with torchvision's ``DatasetFolder``: class folders in string order (``0, 1, 10, 2, …, 9``), file
names in string order inside each. The samples here come in that order, so index ``i`` is SpikingJelly's sample
``i``. One deliberate difference: ``DatasetFolder`` numbers the class folders by that string order (folder
``10`` becomes label 2, folder ``2`` label 3, …), a permutation of the labels with no effect on accuracy; snnlab
keeps the dataset's own labels (``class - 1``).

**AEDAT 3.1** is read as SpikingJelly's ``load_aedat_v3`` reads it: header lines starting with ``#`` up to
``#!END-HEADER``, then packets of a 28-byte header (eventType u16, eventSource u16, eventSize u32, eventTSOffset
u32, eventTSOverflow u32, eventCapacity u32, eventNumber u32, eventValid u32) followed by eventCapacity ·
eventSize bytes. Packets of type 1 (polarity) hold events of a u32 word (x = bits 17–31 & 0x7FFF,
y = bits 2–16 & 0x7FFF, p = bit 1) and a u32 timestamp (``t = ts | overflow << 31``); like SpikingJelly,
every event slot of the packet is read, without looking at the per-event valid bit. A truncated packet raises
:class:`~snnlab.data.errors.CorruptDatasetError` naming the file.
"""
from __future__ import annotations

import hashlib
import json
import os
import struct
import warnings
from collections import OrderedDict
from pathlib import Path

import numpy as np

from snnlab.data.errors import CorruptDatasetError, DatasetNotFoundError, missing_message

__all__ = ["read_aedat_v3", "read_labels_csv", "GestureSource", "find_gesture_dir", "GESTURE_DIRS",
           "EVENT_DTYPE", "N_TRAIN", "N_TEST"]

GESTURE_DIRS = ("DvsGesture", "DVS128Gesture/extract/DvsGesture")
EVENT_DTYPE = np.dtype([("x", "<i2"), ("y", "<i2"), ("t", "<i8"), ("p", "u1")])
N_TRAIN, N_TEST = 1176, 288
_END_HEADER = b"#!END-HEADER\r\n"
_PACKET = struct.Struct("<HHIIIIII")

_HOW = ("download DvsGesture.tar.gz from IBM (https://research.ibm.com/interactive/dvsgesture/; the download is "
        "manual, neither snnlab nor SpikingJelly can fetch it) and extract it into {root}, so that "
        "{root}/DvsGesture/trials_to_train.txt exists; or use tonic's preprocessed copy with layout='tonic' "
        "(a different split: 1077/264 samples)")


def read_aedat_v3(path: str | Path) -> np.ndarray:
    """Polarity events of an AEDAT 3.1 file as a structured array (x, y, t, p), in file order."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise CorruptDatasetError(f"{path}: cannot be read ({e})") from e

    def readline(pos: int) -> tuple[bytes, int]:
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl + 1
        return data[pos:end], end

    line, pos = readline(0)
    while line.startswith(b"#"):  # SpikingJelly's header loop (it also consumes the first non-# line)
        if line == _END_HEADER:
            break
        line, pos = readline(pos)
    xs, ys, ts, ps = [], [], [], []
    while pos < len(data):
        header = data[pos:pos + _PACKET.size]
        if len(header) < _PACKET.size:
            raise CorruptDatasetError(f"{path}: truncated packet header at byte {pos} ({len(header)} of "
                                      f"{_PACKET.size} bytes); the file is truncated or corrupted")
        e_type, _, e_size, _, e_overflow, e_capacity, _, _ = _PACKET.unpack(header)
        pos += _PACKET.size
        n_bytes = e_capacity * e_size
        body = data[pos:pos + n_bytes]
        if len(body) < n_bytes:
            raise CorruptDatasetError(f"{path}: packet at byte {pos - _PACKET.size} announces {n_bytes} bytes, "
                                      f"{len(body)} remain; the file is truncated or corrupted")
        pos += n_bytes
        if e_type != 1 or not n_bytes:
            continue
        if e_size < 8:
            raise CorruptDatasetError(f"{path}: polarity packet with {e_size}-byte events (at least 8 expected)")
        words = np.frombuffer(body, dtype=np.uint8).reshape(e_capacity, e_size)[:, :8].copy().view("<u4")
        aer, stamp = words[:, 0], words[:, 1]
        xs.append((aer >> 17) & 0x7FFF)
        ys.append((aer >> 2) & 0x7FFF)
        ps.append((aer >> 1) & 1)
        ts.append(stamp.astype(np.int64) | (np.int64(e_overflow) << np.int64(31)))
    out = np.zeros(sum(len(x) for x in xs), dtype=EVENT_DTYPE)
    if xs:
        out["x"], out["y"] = np.concatenate(xs), np.concatenate(ys)
        out["t"], out["p"] = np.concatenate(ts), np.concatenate(ps)
    return out


def read_labels_csv(path: str | Path) -> np.ndarray:
    """``[n, 3]`` int64 rows (class 1..11, startTime_usec, endTime_usec) of a ``*_labels.csv`` file."""
    path = Path(path)
    try:
        table = np.loadtxt(path, dtype=np.uint32, delimiter=",", skiprows=1, ndmin=2)
    except (OSError, ValueError) as e:
        raise CorruptDatasetError(f"{path}: not a labels file of rows class,startTime_usec,endTime_usec "
                                  f"({type(e).__name__}: {e})") from e
    if table.size and (table.shape[1] < 3 or table[:, 0].min() < 1 or table[:, 0].max() > 11):
        raise CorruptDatasetError(f"{path}: expected rows class (1..11),startTime_usec,endTime_usec")
    return table[:, :3].astype(np.int64) if table.size else np.zeros((0, 3), np.int64)


def find_gesture_dir(root: Path) -> Path | None:
    """The first of ``<root>/DvsGesture``, ``<root>/DVS128Gesture/extract/DvsGesture`` holding a trials file."""
    for rel in GESTURE_DIRS:
        folder = Path(root) / rel
        if (folder / "trials_to_train.txt").is_file() or (folder / "trials_to_test.txt").is_file():
            return folder
    return None


class GestureSource:
    """The samples of one split (an :class:`~snnlab.data.events.EventSource`): ``events(i)`` cuts sample ``i``
    out of its recording (the last two recordings read are kept in memory, so the frame cache, which reads the
    samples in order, parses every file once)."""

    def __init__(self, folder: str | Path, split: str, samples: list | None = None):
        self.folder, self.split = Path(folder), split
        if samples is None:
            samples = self._index()
        self.samples = samples  # (recording file name, t_start, t_end, label)
        self.targets = np.asarray([s[3] for s in samples], dtype=np.int64)
        self.files = [str(self.folder / s[0]) for s in samples]
        recordings = sorted({s[0] for s in samples})
        sizes = [(r, (self.folder / r).stat().st_size) for r in recordings]
        windows = [list(s) for s in samples]  # the labels files' content that shapes the samples
        self.fingerprint = {"layout": "DvsGesture (SpikingJelly DVS128Gesture split)", "root": str(self.folder),
                            "split": split, "n": len(samples),
                            "files_sha": hashlib.sha256(json.dumps([sizes, windows]).encode()).hexdigest()[:16]}
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    @classmethod
    def from_root(cls, root: str | Path, split: str) -> "GestureSource":
        root = Path(root)
        folder = find_gesture_dir(root)
        if folder is None:
            expected = root / GESTURE_DIRS[0]
            raise DatasetNotFoundError(missing_message(
                "dvs_gesture", split, expected, ["trials_to_train.txt", "trials_to_test.txt", "user*.aedat",
                                                 "user*_labels.csv"],
                _HOW.format(root=root), [root / d for d in GESTURE_DIRS[1:]]))
        source = cls(folder, split)
        expected_n = N_TRAIN if split == "train" else N_TEST
        if len(source) != expected_n and len(source) >= 100:
            warnings.warn(f"DVS128 Gesture {split}: {len(source)} samples in {folder}, the official split has "
                          f"{expected_n}")
        return source

    def _index(self) -> list:
        trials_file = self.folder / f"trials_to_{self.split}.txt"
        if not trials_file.is_file():
            raise DatasetNotFoundError(missing_message("dvs_gesture", self.split, self.folder, [trials_file.name],
                                                       _HOW.format(root=self.folder.parent)))
        trials = [line.strip() for line in trials_file.read_text().splitlines() if line.strip()]
        missing = [n for t in trials for n in (t, os.path.splitext(t)[0] + "_labels.csv")
                   if not (self.folder / n).is_file()]
        if missing:
            raise DatasetNotFoundError(missing_message("dvs_gesture", self.split, self.folder, missing,
                                                       _HOW.format(root=self.folder.parent)))
        rows = []
        for trial in trials:
            stem = os.path.splitext(trial)[0]
            per_label = [0] * 11
            for cls, start, end in read_labels_csv(self.folder / f"{stem}_labels.csv"):
                label = int(cls) - 1
                # SpikingJelly's file <label>/<stem>_<k>.npz, read back in DatasetFolder's (string) order
                rows.append(((str(label), f"{stem}_{per_label[label]}.npz"), (trial, int(start), int(end), label)))
                per_label[label] += 1
        rows.sort(key=lambda r: r[0])
        return [r[1] for r in rows]

    def __len__(self) -> int:
        return len(self.samples)

    def subset(self, n: int) -> "GestureSource":
        return GestureSource(self.folder, self.split, self.samples[:n])

    def recording(self, name: str) -> np.ndarray:
        if name not in self._cache:
            self._cache[name] = read_aedat_v3(self.folder / name)
            while len(self._cache) > 2:
                self._cache.popitem(last=False)
        return self._cache[name]

    def events(self, index: int) -> np.ndarray:
        name, start, end, _ = self.samples[index]
        ev = self.recording(name)
        return ev[(ev["t"] >= start) & (ev["t"] < end)]
