"""Event-camera datasets as T frames: N-MNIST, CIFAR10-DVS, DVS128 Gesture and the simulated event
Fashion-MNIST (:mod:`snnlab.data.simulated`).

Pipeline of one sample (every dataset): events (structured array with fields x, y, t, p) -> T frames of equal
event counts -> optional resize -> on-disk cache (:mod:`snnlab.data.cache`) -> optional random augmentation ->
``(frames [T, 2, H, W] float32, label)``.

**Two frame pipelines** (option ``frames``):

* ``"authors"`` — what the CLIF/ILIF code feeds the network (the paper configurations use it):
  SpikingJelly's ``split_by='number'`` integration (frame ``j`` holds events ``[j·(N//T), (j+1)·(N//T))`` in file
  order and the **last frame also takes the remaining** ``N mod T`` events), raw counts, and for CIFAR10-DVS every
  frame goes through torchvision's ``ToPILImage -> Resize(48) -> ToTensor``
  (:func:`snnlab.data.transforms.authors_frames`): counts become ``uint8(255·c)`` (wrapping modulo 256), the
  2-channel frame is a PIL ``"LA"`` image, which Pillow resizes premultiplied (channel 0 becomes 0 wherever
  channel 1 is 0), and the result is the uint8 value / 255 — near-binary values in [0, 1]. Bit for bit equal to
  the authors' pipeline on the same events (tests/data/test_paper_recipes.py).
* ``"clean"`` (default of :func:`snnlab.data.build`) — tonic's ``ToFrame(n_event_bins=T)`` (drops the last
  ``N mod T`` events), raw counts resized with antialiased bilinear interpolation (``resize_mode``; the old
  ``pil_quirk`` adds only the uint8 wrap).

``remainder`` (``"last"``/``"drop"``) overrides the integration's remainder rule of either pipeline;
``integrate_T`` integrates into ``integrate_T`` frames and keeps the first ``T`` (the authors' ANN baselines
build the T = 10 / 20 frame tensor and feed frame 0: ``T=1, integrate_T=10``).

**Splits.**

* N-MNIST: tonic's ``Train``/``Test`` folders (60000/10000), 34×34.
* CIFAR10-DVS: per class, samples 0–899 train and 900–999 test (CLIF §3.2 ``split_ratio=0.9``), giving
  9000/1000; the sample index is the trailing integer of the file name (``cifar10_airplane_17.aedat4``
  -> 17; natural order when a name has none). Frames are resized 128 -> 48 (``size=48``). ``layout``:
  ``"tonic"`` (default) reads tonic's ``.aedat4`` conversion, ``"original"`` the figshare ``.aedat`` recordings
  with the authors' reader (:mod:`snnlab.data.cifar10_dvs`).
* DVS128 Gesture (``layout``): ``"original"`` (default) reads IBM's ``DvsGesture`` folder (AEDAT 3.1 recordings,
  ``*_labels.csv``, ``trials_to_train.txt``/``trials_to_test.txt``) and cuts it exactly as SpikingJelly's
  ``DVS128Gesture`` does, 1176/288 samples (:mod:`snnlab.data.gesture`); ``"tonic"`` reads tonic's
  preprocessed ``ibmGestureTrain``/``ibmGestureTest`` folders, a different split (1077/264). 128×128, no resize.

N-MNIST, CIFAR10-DVS and tonic's Gesture are read with tonic's own dataset classes (imported lazily). With
``download=False`` (default) snnlab checks the folders first and raises :class:`DatasetNotFoundError` within
milliseconds, without any network access; only ``download=True`` lets tonic download. CIFAR10-DVS needs the
``aedat`` package.
"""
from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Protocol, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from snnlab.data.errors import CorruptDatasetError, DatasetNotFoundError, missing_message

__all__ = ["EVENT_INFO", "EventInfo", "EventSource", "ListEventSource", "TonicSource", "EventFrameDataset",
           "events_to_frames", "build_events", "tonic_nmnist", "tonic_cifar10_dvs", "tonic_dvs_gesture",
           "CIFAR10_DVS_CLASSES", "GESTURE_CLASSES", "integrate_by_number", "FRAME_PIPELINES", "REMAINDERS"]

CIFAR10_DVS_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
GESTURE_CLASSES = ("hand clapping", "right hand wave", "left hand wave", "right arm cw", "right arm ccw",
                   "left arm cw", "left arm ccw", "arm roll", "air drums", "air guitar", "other gestures")


@dataclass(frozen=True)
class EventInfo:
    sensor_size: tuple[int, int, int]  # tonic order (W, H, P)
    num_classes: int
    size: int | None  # frame side after resize (None = sensor size)
    n_train: int
    n_test: int


EVENT_INFO = {
    "nmnist": EventInfo((34, 34, 2), 10, None, 60000, 10000),
    "cifar10_dvs": EventInfo((128, 128, 2), 10, 48, 9000, 1000),
    "dvs_gesture": EventInfo((128, 128, 2), 11, None, 1176, 288),
    "sim_fashion_events": EventInfo((34, 34, 2), 10, None, 60000, 10000),
}


class EventSource(Protocol):
    """What :class:`EventFrameDataset` needs: ``len``, ``events(i)`` (structured x/y/t/p array),
    ``targets`` and ``fingerprint`` (a JSON-able dict that changes when the underlying events change)."""

    targets: np.ndarray
    fingerprint: dict

    def __len__(self) -> int: ...

    def events(self, index: int) -> np.ndarray: ...


class ListEventSource:
    """Events held in memory (synthetic data, tests)."""

    def __init__(self, events: Sequence[np.ndarray], targets: Sequence[int], fingerprint: dict):
        if len(events) != len(targets):
            raise ValueError(f"{len(events)} event arrays but {len(targets)} targets")
        self._events = list(events)
        self.targets = np.asarray(targets, dtype=np.int64)
        self.fingerprint = dict(fingerprint)

    def __len__(self) -> int:
        return len(self._events)

    def events(self, index: int) -> np.ndarray:
        return self._events[index]


FRAME_PIPELINES = ("clean", "authors")
REMAINDERS = ("drop", "last")


def _check_T(T) -> None:
    if isinstance(T, bool) or not isinstance(T, int) or T < 1:
        raise ValueError(f"T must be a positive int, got {T!r}")


def integrate_by_number(events: np.ndarray, sensor_size: tuple[int, int, int], T: int) -> np.ndarray:
    """SpikingJelly's ``split_by='number'`` integration (``integrate_events_by_fixed_frames_number``):
    ``[T, P, H, W]`` int64 counts; frame ``j`` holds events ``[j·d, (j+1)·d)`` with ``d = N // T`` in file order,
    and the last frame runs to ``N`` (it takes the ``N mod T`` remaining events; with ``N < T`` all events).
    Channel 0 counts ``p == 0``, channel 1 every other polarity (one channel when ``P == 1``)."""
    _check_T(T)
    w, h, n_pol = (int(v) for v in sensor_size)
    x = np.asarray(events["x"], dtype=np.int64)
    y = np.asarray(events["y"], dtype=np.int64)
    n = len(x)
    if n and (x.min() < 0 or x.max() >= w or y.min() < 0 or y.max() >= h):
        raise ValueError(f"event coordinates outside the {w}x{h} sensor (x in [{x.min()}, {x.max()}], "
                         f"y in [{y.min()}, {y.max()}])")
    pol = (np.asarray(events["p"]) != 0).astype(np.int64) if n_pol > 1 else np.zeros(n, np.int64)
    d = n // T
    frame = np.minimum(np.arange(n) // d, T - 1) if d > 0 else np.full(n, T - 1)
    flat = ((frame * n_pol + pol) * h + y) * w + x
    return np.bincount(flat, minlength=T * n_pol * h * w).reshape(T, n_pol, h, w)


def events_to_frames(events: np.ndarray, sensor_size: tuple[int, int, int], T: int,
                     remainder: str = "drop") -> np.ndarray:
    """``[T, P, H, W]`` integer counts of ``T`` frames of ``N // T`` events each. ``remainder="drop"``: tonic
    ``ToFrame(sensor_size, n_event_bins=T)``, which drops the last ``N mod T`` events; ``"last"``: SpikingJelly's
    rule (:func:`integrate_by_number`), which adds them to the last frame (the papers' code)."""
    _check_T(T)
    if remainder == "last":
        return integrate_by_number(events, sensor_size, T)
    if remainder != "drop":
        raise ValueError(f"remainder must be one of {REMAINDERS}, got {remainder!r}")
    from tonic.transforms import ToFrame

    frames = ToFrame(sensor_size=tuple(sensor_size), n_event_bins=T)(events)
    if frames.shape[0] != T:  # cannot happen with n_event_bins, but the cache relies on it
        raise RuntimeError(f"ToFrame returned {frames.shape[0]} frames for n_event_bins={T}")
    return frames


# ---------------------------------------------------------------------------------------------- dataset
class _CountOverflow(Exception):
    """A count frame does not fit the cache's integer type (internal: retry with a wider type)."""


class EventFrameDataset(Dataset):
    """``(frames [T, P, H, W] float32, label int)`` from an :class:`EventSource`.

    Parameters: ``T`` frames by equal event count; ``sensor_size`` (W, H, P); ``size`` resize side (None
    keeps the sensor size); ``frames`` ``"clean"`` or ``"authors"`` (the module docstring); ``remainder``
    ``"drop"``/``"last"`` (default: ``"last"`` for ``"authors"``, ``"drop"`` for ``"clean"``); ``integrate_T``
    (integrate into that many frames and keep the first ``T``; default ``T``); ``resize_mode`` and ``pil_quirk``
    (clean pipeline, see :func:`snnlab.data.transforms.resize_frames`); ``augment`` ``"none"`` or ``"clif"``
    (:class:`snnlab.data.transforms.EventAugment`, train only, applied after the cache); ``cache`` (store
    frames in ``cache_root``; ``False`` computes them on every access).
    """

    def __init__(self, source: EventSource, name: str, split: str, T: int, sensor_size: tuple[int, int, int],
                 size: int | None = None, resize_mode: str = "bilinear", pil_quirk: bool = False,
                 augment: str = "none", cache: bool = True, cache_root: str | Path | None = None,
                 classes: Sequence[str] | None = None, progress: bool = False, frames: str = "clean",
                 remainder: str | None = None, integrate_T: int | None = None):
        from snnlab.data.transforms import EVENT_RECIPES, EventAugment

        if isinstance(T, bool) or not isinstance(T, int) or T < 1:
            raise ValueError(f"T must be a positive int (number of frames, n_event_bins), got {T!r}")
        if augment not in EVENT_RECIPES:
            raise ValueError(f"augment={augment!r} for event data; choose one of {EVENT_RECIPES}")
        if frames not in FRAME_PIPELINES:
            raise ValueError(f"frames={frames!r}; choose one of {FRAME_PIPELINES} ('authors': the papers' code, "
                             "'clean': tonic integration and bilinear resize of the counts)")
        if remainder is None:
            remainder = "last" if frames == "authors" else "drop"
        if remainder not in REMAINDERS:
            raise ValueError(f"remainder={remainder!r}; choose one of {REMAINDERS}")
        if integrate_T is None:
            integrate_T = T
        if isinstance(integrate_T, bool) or not isinstance(integrate_T, int) or integrate_T < T:
            raise ValueError(f"integrate_T must be an int >= T = {T} (integrate into integrate_T frames, keep the "
                             f"first T), got {integrate_T!r}")
        if frames == "authors" and pil_quirk:
            raise ValueError("pil_quirk belongs to the clean pipeline; frames='authors' already reproduces the "
                             "authors' ToPILImage conversion")
        self.source, self.name, self.split, self.T = source, name, split, T
        self.sensor_size = tuple(int(s) for s in sensor_size)
        self.size, self.resize_mode, self.pil_quirk = size, resize_mode, pil_quirk
        self.frames, self.remainder, self.integrate_T = frames, remainder, integrate_T
        self.targets = np.asarray(source.targets, dtype=np.int64)
        self.classes = tuple(classes) if classes is not None else None
        self.augment = EventAugment() if (augment == "clif" and split == "train") else None
        w, h, p = self.sensor_size
        side = (h, w) if size is None else ((size, size) if isinstance(size, int) else tuple(size))
        self.frame_shape = (T, p, *side)
        # authors' pipeline with a resize: cached as the uint8 values PIL makes, returned / 255 (ToTensor)
        self._pil = frames == "authors" and size is not None
        self._integer = size is None and not pil_quirk
        self._frames = None
        self.cache = None
        if cache:
            from snnlab.data.cache import FrameCache

            if cache_root is None:
                raise ValueError("cache_root is required when cache=True")
            params = {"source": source.fingerprint, "sensor_size": list(self.sensor_size), "size": size,
                      "resize_mode": resize_mode if size is not None else None, "pil_quirk": pil_quirk,
                      "to_frame": "tonic.ToFrame(n_event_bins)"}
            # keys added only when they differ from the clean defaults, so existing caches keep their keys
            if remainder == "last":
                params["to_frame"] = "spikingjelly split_by=number (remainder in the last frame)"
            if frames != "clean":
                params["frames"] = frames
                if self._pil:
                    params["resize_mode"] = "torchvision ToPILImage->Resize->ToTensor (Pillow)"
            if integrate_T != T:
                params["integrate_T"] = integrate_T
            self.cache = FrameCache(cache_root, name, split, T, params)
            self._frames = self.cache.load(len(source))
            if self._frames is None:
                from snnlab.fileio import file_lock

                with file_lock(self.cache.dir.with_name(self.cache.dir.name + ".lock")):
                    self._frames = self.cache.load(len(source))  # built by another process meanwhile?
                    if self._frames is None:
                        self._frames = self._build_cache(progress)

    def _build_cache(self, progress: bool) -> np.ndarray:
        n = len(self.source)
        if self._pil:
            return self.cache.build(n, self.frame_shape, np.uint8, self._compute, progress)
        if not self._integer:
            return self.cache.build(n, self.frame_shape, np.float32, self._compute, progress)
        # counts are stored as uint8 when they fit (half the disk of uint16), else uint16
        try:
            self._count_max = np.iinfo(np.uint8).max
            return self.cache.build(n, self.frame_shape, np.uint8, self._compute, progress)
        except _CountOverflow:
            self._count_max = np.iinfo(np.uint16).max
            return self.cache.build(n, self.frame_shape, np.uint16, self._compute, progress)

    _count_max = np.iinfo(np.uint16).max

    def _compute(self, index: int) -> np.ndarray:
        from snnlab.data.transforms import authors_frames, resize_frames

        frames = events_to_frames(self.source.events(index), self.sensor_size, self.integrate_T,
                                  self.remainder)[:self.T]
        if self._pil:
            return authors_frames(frames, self.size)
        if self._integer:
            if frames.size and frames.max() > self._count_max:
                if self._count_max < np.iinfo(np.uint16).max:
                    raise _CountOverflow
                raise CorruptDatasetError(f"{self.name}/{self.split} sample {index}: frame counts out of range")
            return frames
        return resize_frames(frames, self.size, self.resize_mode, self.pil_quirk).numpy()

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int):
        frames = self._frames[index] if self._frames is not None else self._compute(index)
        if self._pil:  # uint8 PIL values: augment them as the authors do (on PIL images), then ToTensor's / 255
            u8 = torch.from_numpy(np.array(frames, dtype=np.uint8))
            if self.augment is not None:
                u8 = self.augment(u8)
            return u8.float().div(255), int(self.targets[index])
        x = torch.from_numpy(np.array(frames, dtype=np.float32))
        if self.augment is not None:
            x = self.augment(x)
        return x, int(self.targets[index])

    def __repr__(self) -> str:
        where = self.cache.dir if self.cache is not None else "no cache"
        return (f"EventFrameDataset({self.name}, {self.split}, n={len(self)}, T={self.T}, "
                f"frame_shape={self.frame_shape}, {where})")


# ------------------------------------------------------------------------------------------ tonic sources
class TonicSource:
    """A subset (``indices``) of a tonic dataset; reading errors become :class:`CorruptDatasetError`
    naming the file."""

    def __init__(self, ds, indices: Sequence[int], validate: Callable[[str], None] | None = None):
        self.ds = ds
        self.indices = np.asarray(indices, dtype=np.int64)
        self.targets = np.asarray([ds.targets[i] for i in self.indices], dtype=np.int64)
        self.files = [ds.data[i] for i in self.indices]
        self._validate = validate
        self._fingerprint = None

    @property
    def fingerprint(self) -> dict:
        """Identity of the files (computed on first use): sizes, mtimes and end blocks, see
        :func:`snnlab.data.validate.files_digest`."""
        if self._fingerprint is None:
            from snnlab.data.validate import files_digest

            root = Path(self.ds.location_on_system)
            self._fingerprint = {"tonic": type(self.ds).__name__, "root": str(root), "n": len(self.files),
                                 "files": files_digest(root, self.files)}
        return self._fingerprint

    def __len__(self) -> int:
        return len(self.indices)

    def events(self, index: int) -> np.ndarray:
        path = self.files[index]
        if self._validate is not None:
            self._validate(path)
        try:
            events, _ = self.ds[int(self.indices[index])]
        except Exception as e:  # any parser failure: name the file
            raise CorruptDatasetError(f"{path}: cannot be read by tonic {type(self.ds).__name__} "
                                      f"({type(e).__name__}: {e}); the file is truncated or corrupted: "
                                      "delete it and get the dataset again") from e
        from snnlab.data.validate import check_events

        check_events(events, getattr(self.ds, "sensor_size", None), path)  # empty, or coordinates off the sensor
        return events


def _tonic_class(base, download: bool):
    """``base`` with tonic's download check disabled unless ``download=True`` (snnlab checks the files
    itself first, so a missing dataset never reaches tonic's downloader)."""

    class Local(base):
        def _check_exists(self):
            return base._check_exists(self) if download else True

        def download(self):
            if not download:
                raise DatasetNotFoundError(f"{base.__name__}: files missing under {self.location_on_system} "
                                           "and download=False")
            return base.download(self)

    Local.__name__ = Local.__qualname__ = base.__name__  # tonic stores data under <root>/<class name>
    return Local


def _require(folder: Path, pattern: str, name: str, split: str, how: str) -> None:
    if not folder.is_dir() or next(folder.rglob(pattern), None) is None:
        raise DatasetNotFoundError(missing_message(name, split, folder, [pattern + " files"], how))


def _validate_nmnist(path: str) -> None:
    size = os.path.getsize(path)
    if size % 5:
        raise CorruptDatasetError(f"{path}: N-MNIST files hold 5-byte events but this one has {size} bytes; "
                                  "it is truncated or corrupted")


def tonic_nmnist(root: Path, split: str, download: bool = False) -> TonicSource:
    import tonic

    folder = root / "NMNIST" / ("Train" if split == "train" else "Test")
    if not download:
        _require(folder, "*.bin", "nmnist", split,
                 "snnlab.data.build('nmnist', split, T, download=True) (tonic downloads train.zip/test.zip "
                 f"into {root / 'NMNIST'}), or extract them there so that {folder}/<digit>/*.bin exist")
    ds = _tonic_class(tonic.datasets.NMNIST, download)(save_to=str(root), train=split == "train")
    return TonicSource(ds, range(len(ds)), _validate_nmnist)


def tonic_dvs_gesture(root: Path, split: str, download: bool = False) -> TonicSource:
    import tonic

    folder = root / "DVSGesture" / ("ibmGestureTrain" if split == "train" else "ibmGestureTest")
    if not download:
        _require(folder, "*.npy", "dvs_gesture", split,
                 "snnlab.data.build('dvs_gesture', split, T, download=True) (tonic downloads "
                 f"ibmGestureTrain.tar.gz/ibmGestureTest.tar.gz into {root / 'DVSGesture'}), or extract them "
                 f"there so that {folder}/userXX_<lighting>/<label>.npy exist")
    ds = _tonic_class(tonic.datasets.DVSGesture, download)(save_to=str(root), train=split == "train")
    expected = EVENT_INFO["dvs_gesture"].n_train if split == "train" else EVENT_INFO["dvs_gesture"].n_test
    if len(ds) not in (expected,) and len(ds) >= 100:
        warnings.warn(f"DVS128 Gesture {split}: {len(ds)} samples, the official split has {expected}")
    return TonicSource(ds, range(len(ds)))


def _sample_index(path: str) -> int | None:
    m = re.search(r"(\d+)\D*$", Path(path).stem)
    return int(m.group(1)) if m else None


def cifar10_dvs_split(files: Sequence[str], targets: Sequence[int], split: str,
                      train_per_class: int = 900) -> list[int]:
    """Indices of ``split`` under the per-class rule: sample index < ``train_per_class`` -> train, else test.

    The sample index is the trailing integer of the file name; files without one are numbered in natural
    order within their class. The result is ordered by (class, sample index)."""
    rows = []
    by_class: dict[int, list[int]] = {}
    for i, t in enumerate(targets):
        by_class.setdefault(int(t), []).append(i)
    for cls in sorted(by_class):
        members = by_class[cls]
        parsed = [_sample_index(files[i]) for i in members]
        if any(p is None for p in parsed):
            order = sorted(members, key=lambda i: str(files[i]))
            parsed_map = {i: k for k, i in enumerate(order)}
        else:
            parsed_map = dict(zip(members, parsed))
        for i in members:
            rows.append((cls, parsed_map[i], i))
    rows.sort()
    if split == "train":
        return [i for _, k, i in rows if k < train_per_class]
    return [i for _, k, i in rows if k >= train_per_class]


def tonic_cifar10_dvs(root: Path, split: str, download: bool = False, train_per_class: int = 900
                      ) -> TonicSource:
    import tonic

    folder = root / "CIFAR10DVS"
    if not download:
        _require(folder, "*.aedat4", "cifar10_dvs", split,
                 "snnlab.data.build('cifar10_dvs', split, T, download=True) (tonic downloads CIFAR10DVS.zip "
                 f"into {folder} and extracts the class archives), or extract them so that "
                 f"{folder}/<class>/*.aedat4 exist (classes: {', '.join(CIFAR10_DVS_CLASSES)})")
    try:
        import aedat  # noqa: F401  (tonic.io.read_aedat4 needs it)
    except ImportError as e:
        raise ImportError("CIFAR10-DVS (.aedat4) needs the 'aedat' package: pip install aedat") from e
    ds = _tonic_class(tonic.datasets.CIFAR10DVS, download)(save_to=str(root))
    indices = cifar10_dvs_split(ds.data, ds.targets, split, train_per_class)
    return TonicSource(ds, indices)


# ------------------------------------------------------------------------------------------------ build
def build_events(name: str, split: str, T: int | None, root: Path, download: bool = False,
                 size: int | None | str = "default", resize_mode: str = "bilinear", pil_quirk: bool = False,
                 augment: str = "none", cache: bool = True, cache_root: str | Path | None = None,
                 limit: int | None = None, progress: bool | None = None, frames: str = "clean",
                 remainder: str | None = None, integrate_T: int | None = None, **source_opts) -> EventFrameDataset:
    """Build an event dataset as frames. ``size="default"`` uses the papers' size (48 for CIFAR10-DVS, the
    sensor size otherwise); ``frames``, ``remainder``, ``integrate_T``: see the module docstring; ``limit`` keeps
    the first samples; ``source_opts`` go to the source (``train_per_class`` and ``layout`` ``"tonic"`` /
    ``"original"`` for CIFAR10-DVS; ``layout`` ``"original"`` / ``"tonic"`` for DVS128 Gesture; ``n`` (or
    ``n_train``/``n_test``, which take precedence for their split), ``seed``, ... for ``sim_fashion_events``, see
    :func:`snnlab.data.simulated.build_source`)."""
    if T is None:
        raise ValueError(f"T is required for the event dataset {name!r}: pass the number of frames, e.g. T=10")
    info = EVENT_INFO[name]
    root = Path(root)
    if name == "nmnist":
        source, classes = tonic_nmnist(root, split, download, **source_opts), tuple(str(i) for i in range(10))
    elif name == "cifar10_dvs":
        layout = source_opts.pop("layout", "tonic")
        if layout == "tonic":
            source = tonic_cifar10_dvs(root, split, download, **source_opts)
        elif layout == "original":
            from snnlab.data.cifar10_dvs import OriginalCifar10DvsSource

            source = OriginalCifar10DvsSource(root, split, **source_opts)
        else:
            raise ValueError(f"CIFAR10-DVS layout={layout!r}; choose 'tonic' (tonic's .aedat4 files) or 'original' "
                             "(the figshare .aedat files, read as the authors' code reads them)")
        classes = CIFAR10_DVS_CLASSES
    elif name == "dvs_gesture":
        layout = source_opts.pop("layout", "original")
        if layout == "original":
            from snnlab.data.gesture import GestureSource

            source = GestureSource.from_root(root, split, **source_opts)
        elif layout == "tonic":
            source = tonic_dvs_gesture(root, split, download, **source_opts)
        else:
            raise ValueError(f"DVS128 Gesture layout={layout!r}; choose 'original' (IBM's DvsGesture folder, "
                             "SpikingJelly's split, 1176/288) or 'tonic' (tonic's preprocessed files, 1077/264)")
        classes = GESTURE_CLASSES
    elif name == "sim_fashion_events":
        from snnlab.data.simulated import build_source
        from snnlab.data.static import FASHION_CLASSES

        n_train, n_test = source_opts.pop("n_train", None), source_opts.pop("n_test", None)
        per_split = n_train if split == "train" else n_test
        if per_split is not None:
            source_opts["n"] = per_split
        source, classes = build_source(root, split, download=download, **source_opts), FASHION_CLASSES
    else:
        raise ValueError(f"{name!r} is not an event dataset; event datasets: {sorted(EVENT_INFO)}")
    if limit is not None:
        if isinstance(source, TonicSource):
            source = TonicSource(source.ds, source.indices[:limit], source._validate)
        elif hasattr(source, "subset"):
            source = source.subset(limit)
    if size == "default":
        size = info.size
    if progress is None:
        progress = len(source) > 2000
    return EventFrameDataset(source, name, split, T, info.sensor_size, size=size, resize_mode=resize_mode,
                             pil_quirk=pil_quirk, augment=augment, cache=cache,
                             cache_root=cache_root if cache_root is not None else root / "frames",
                             classes=classes, progress=progress, frames=frames, remainder=remainder,
                             integrate_T=integrate_T)
