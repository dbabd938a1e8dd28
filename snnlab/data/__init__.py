"""Datasets of the ILIF, KLIF and CLIF papers behind one entry point.

>>> ds = snnlab.data.build("fashion_mnist", "train")              # (image [1, 28, 28], label)
>>> ev = snnlab.data.build("sim_fashion_events", "test", T=10, n=2000)   # (frames [10, 2, 34, 34], label)
>>> loader = snnlab.data.make_loader(ds, batch_size=128, shuffle=True)
>>> x_seq = snnlab.data.encoding.to_time_major(x, T)               # [T, B, ...]

Names (``available()``): static ``mnist fashion_mnist cifar10 cifar100 tiny_imagenet``; event ``nmnist
cifar10_dvs dvs_gesture``; offline ``sim_fashion_events`` (simulated event-camera Fashion-MNIST, made from
the Fashion-MNIST files), ``synthetic`` and ``synthetic_events`` (no files at all); tasks that need memory
(:mod:`snnlab.data.temporal`) ``seq_fashion_mnist`` (one image row per step) and ``delayed_recall`` (generated).

Fake copies of every paper dataset in the real on-disk formats: :func:`snnlab.data.fakes.write_fake_datasets`.

Nothing here touches the network unless ``download=True``; a missing dataset raises
:class:`DatasetNotFoundError` naming the expected folder, the missing files and how to get them, and a
truncated or corrupted file raises :class:`CorruptDatasetError` naming the file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from snnlab.data.errors import CorruptDatasetError, DatasetNotFoundError

__all__ = ["build", "available", "info", "make_loader", "DatasetInfo", "DatasetNotFoundError",
           "CorruptDatasetError", "STATIC", "EVENTS", "OFFLINE", "TEMPORAL"]

STATIC = ("mnist", "fashion_mnist", "cifar10", "cifar100", "tiny_imagenet")
EVENTS = ("nmnist", "cifar10_dvs", "dvs_gesture")
OFFLINE = ("sim_fashion_events", "synthetic", "synthetic_events")
TEMPORAL = ("seq_fashion_mnist", "delayed_recall")  # snnlab.data.temporal: sequences [T, 1, 1, F], read at the end
SPLITS = ("train", "test")


@dataclass(frozen=True)
class DatasetInfo:
    """What a model needs to know: ``kind`` ("static"/"events"), ``num_classes`` and the sample ``shape``
    without time (``[C, H, W]``; event samples are ``[T, *shape]``)."""

    name: str
    kind: str
    num_classes: int
    shape: tuple[int, ...]
    n_train: int | None
    n_test: int | None


def available() -> list[str]:
    """Every dataset name: the papers' datasets plus the offline ones."""
    return [*STATIC, *EVENTS, *OFFLINE, *TEMPORAL]


def info(name: str, **opts) -> DatasetInfo:
    """Static metadata of ``name`` (no files read). ``opts`` as for :func:`build` where they change the
    shape (``size`` for event data; ``shape``, ``classes`` for ``synthetic``; ``sensor`` for
    ``synthetic_events``)."""
    _check_name(name)
    if name in STATIC:
        from snnlab.data.static import STATIC_INFO

        shape, k, ntr, nte = STATIC_INFO[name]
        return DatasetInfo(name, "static", k, shape, ntr, nte)
    if name == "synthetic":
        return DatasetInfo(name, "static", opts.get("classes", 10), tuple(opts.get("shape", (1, 28, 28))),
                           opts.get("n"), opts.get("n"))
    if name == "synthetic_events":
        w, h = opts.get("sensor", (16, 16))
        return DatasetInfo(name, "events", opts.get("classes", 10), (2, h, w), opts.get("n"), opts.get("n"))
    if name in TEMPORAL:
        from snnlab.data.temporal import temporal_info

        return DatasetInfo(name, "sequence", *temporal_info(name, **opts))
    from snnlab.data.events import EVENT_INFO

    ei = EVENT_INFO[name]
    size = opts.get("size", "default")
    size = ei.size if size == "default" else size
    hw = (ei.sensor_size[1], ei.sensor_size[0]) if size is None else (size, size)
    return DatasetInfo(name, "events", ei.num_classes, (2, *hw), ei.n_train, ei.n_test)


def _check_name(name: str) -> None:
    if name not in available():
        raise ValueError(f"unknown dataset {name!r}; available: {', '.join(available())}")


def build(name: str, split: str, T: int | None = None, root: str | Path | None = None, download: bool = False,
          **opts):
    """Return the dataset ``name`` / ``split`` ("train" or "test").

    ``T``: number of frames for event datasets (required there, ``ToFrame(n_event_bins=T)``); ignored for
    static datasets (direct encoding repeats the image later, :mod:`snnlab.data.encoding`).
    ``root``: data folder (default :func:`snnlab.paths.data_dir`). ``download``: allow a download (torchvision
    or tonic) when the files are missing; otherwise a missing dataset raises within seconds, offline.

    Options (``opts``):

    * every dataset: ``drop_last`` (False): the training loader of this dataset drops its last incomplete
      batch, as the papers' code does for some recipes (read by the training engine and :func:`make_loader`
      from the dataset's ``drop_last`` attribute; always False for the test split).
    * static: ``augment`` (``"paper"`` default, ``"none"``, ``"clif_star"`` for CIFAR, ``"autoaugment"`` for
      Tiny-ImageNet), ``cutout`` (``"torchtoolbox"`` default, ``"devries"``, ``None``), ``mixup_cutmix``,
      ``transform``, ``limit``.
    * events: ``frames`` (``"clean"`` default, ``"authors"``: the papers' code, :mod:`snnlab.data.events`),
      ``remainder`` (``"drop"``/``"last"``), ``integrate_T`` (integrate into that many frames, keep the first
      ``T``), ``size`` (CIFAR10-DVS default 48), ``resize_mode``, ``pil_quirk``, ``augment`` (``"none"``
      default, ``"clif"``), ``cache`` (True), ``cache_root`` (``<root>/frames``), ``limit``;
      CIFAR10-DVS ``train_per_class`` (900) and ``layout`` (``"tonic"`` default, ``"original"``: the figshare
      ``.aedat`` files with the authors' reader); DVS128 Gesture ``layout`` (``"original"`` default, ``"tonic"``).
    * ``sim_fashion_events``: ``n`` (first n samples of the split; default all; ``n_train``/``n_test`` set it
      per split, so one options dict serves both splits), generator parameters
      ``seed threshold threshold_sigma eps path saccade_ms steps_per_saccade`` (:class:`SimParams`), and
      the event options above.
    * ``synthetic``: ``n shape classes seed noise``; ``synthetic_events``: ``n classes seed sensor
      events_per_sample noise``.
    """
    _check_name(name)
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if T is not None and (isinstance(T, bool) or not isinstance(T, int) or T < 1):
        raise ValueError(f"T must be a positive int or None, got {T!r}")
    drop_last = opts.pop("drop_last", False)
    if not isinstance(drop_last, bool):
        raise ValueError(f"drop_last must be True or False, got {drop_last!r}")
    if name in TEMPORAL:
        from snnlab.data.temporal import build_temporal

        ds = build_temporal(name, split, T, root, download=download, **opts)
    else:
        ds = _build(name, split, T, root, download, **opts)
    ds.drop_last = drop_last and split == "train"
    return ds


def _build(name: str, split: str, T: int | None, root, download: bool, **opts):
    if name == "synthetic":
        from snnlab.data.synthetic import SyntheticImages

        return SyntheticImages(split=split, **opts)
    if name == "synthetic_events":
        from snnlab.data.synthetic import build_synthetic_events

        return build_synthetic_events(split, T, **opts)
    from snnlab import paths

    root = Path(root).expanduser() if root is not None else paths.data_dir()
    if name == "tiny_imagenet":
        from snnlab.data.tiny_imagenet import build_tiny_imagenet

        return build_tiny_imagenet(split, root, download=download, **opts)
    if name in STATIC:
        from snnlab.data.static import build_static

        return build_static(name, split, root, download=download, **opts)
    from snnlab.data.events import build_events

    return build_events(name, split, T, root, download=download, **opts)


def make_loader(dataset, batch_size: int, shuffle: bool, num_workers: int | None = None,
                pin_memory: bool | None = None, drop_last: bool | None = None, seed: int | None = None,
                collate_fn=None, persistent_workers: bool | None = None, **kwargs):
    """A ``DataLoader`` with sensible defaults.

    ``num_workers``: 0 on machines with <= 2 CPUs (workers would compete with the training process),
    otherwise ``min(8, cpus - 1)``. ``pin_memory``: on when CUDA is available. ``seed``: seeds the shuffle
    order (a ``torch.Generator``). ``collate_fn``: defaults to ``dataset.collate_fn`` when the dataset has
    one (Mixup/CutMix for ``augment="clif_star"``). ``drop_last``: defaults to the dataset's ``drop_last``
    attribute (the ``drop_last`` option of :func:`build`), else False.
    """
    import torch
    from torch.utils.data import DataLoader

    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    if num_workers is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        num_workers = 0 if cpus <= 2 else min(8, cpus - 1)
    if pin_memory is None:
        pin_memory = torch.cuda.is_available()
    if collate_fn is None:
        collate_fn = getattr(dataset, "collate_fn", None)
    if drop_last is None:
        drop_last = bool(getattr(dataset, "drop_last", False))
    if persistent_workers is None:
        persistent_workers = num_workers > 0
    generator = None
    if seed is not None:
        generator = torch.Generator()
        generator.manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers,
                      pin_memory=pin_memory, drop_last=drop_last, collate_fn=collate_fn, generator=generator,
                      persistent_workers=persistent_workers, **kwargs)


def __getattr__(name: str):  # lazy sub-modules: snnlab.data.encoding, ...
    import importlib

    if name in {"encoding", "static", "events", "simulated", "synthetic", "transforms", "cache", "prepare",
                "errors", "fakes", "gesture", "tiny_imagenet", "cifar10_dvs", "temporal"}:
        return importlib.import_module(f"snnlab.data.{name}")
    raise AttributeError(f"module 'snnlab.data' has no attribute {name!r}")
