"""Offline, deterministic, learnable datasets for smoke runs and tests (no files).

* ``synthetic`` (static): ``x = P[y] + noise·ε``, with ``P[c]`` a smooth random prototype per class (random
  normals on a coarse 7×7 grid, bilinearly upsampled, scaled to unit std) and ``ε ~ N(0, 1)``. With the
  default ``noise=1.0`` a small network separates the classes well above chance within a few steps.
* ``synthetic_events``: for class c a blob moves through the sensor centre along direction
  ``θ_c = 2πc/classes`` during 100 ms; events are drawn around the blob (ON on its leading half, OFF on its
  trailing half) plus a fraction ``noise`` of uniform background events; they go through the same
  ``ToFrame(n_event_bins=T)`` as real event data (computed on the fly, no cache).

Samples of split s use ``numpy.random.default_rng([seed, s, ...])``; prototypes and class directions depend
only on ``seed``, so train and test share them.
"""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = ["SyntheticImages", "synthetic_event_source", "build_synthetic_events"]

_SPLIT = {"train": 0, "test": 1}


def _check_common(n, classes, seed, split):
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        raise ValueError(f"classes must be an int >= 2, got {classes!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if split not in _SPLIT:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")


class SyntheticImages(Dataset):
    """``(image [C, H, W] float32, label int)``; ``n`` samples, balanced labels in a seeded random order."""

    def __init__(self, n: int = 512, shape: tuple[int, int, int] = (1, 28, 28), classes: int = 10, seed: int = 0,
                 noise: float = 1.0, split: str = "train"):
        _check_common(n, classes, seed, split)
        shape = tuple(int(s) for s in shape)
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(f"shape must be (C, H, W) with positive sizes, got {shape}")
        if noise < 0:
            raise ValueError(f"noise must be >= 0, got {noise}")
        c, h, w = shape
        proto_rng = np.random.default_rng([seed, 7919])
        coarse = torch.from_numpy(proto_rng.standard_normal((classes, c, 7, 7)).astype(np.float32))
        protos = torch.nn.functional.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=False)
        protos = (protos - protos.mean(dim=(1, 2, 3), keepdim=True)) / protos.std(dim=(1, 2, 3), keepdim=True)
        rng = np.random.default_rng([seed, _SPLIT[split], 1])
        labels = rng.permutation(np.arange(n) % classes)
        eps = torch.from_numpy(rng.standard_normal((n, c, h, w)).astype(np.float32))
        self.images = protos[torch.from_numpy(labels)] + noise * eps
        self.targets = labels.astype(np.int64)
        self.classes = tuple(str(i) for i in range(classes))
        self.prototypes = protos
        self.name, self.split = "synthetic", split

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int):
        return self.images[index], int(self.targets[index])


def synthetic_event_source(n: int = 256, classes: int = 10, seed: int = 0, split: str = "train",
                           sensor: tuple[int, int] = (16, 16), events_per_sample: int = 400, noise: float = 0.2):
    """A :class:`~snnlab.data.events.ListEventSource` of moving-blob recordings (see module docstring)."""
    from tonic.io import events_struct

    from snnlab.data.events import ListEventSource

    _check_common(n, classes, seed, split)
    if events_per_sample < 1:
        raise ValueError(f"events_per_sample must be >= 1, got {events_per_sample}")
    if not 0 <= noise < 1:
        raise ValueError(f"noise must be in [0, 1), got {noise}")
    w, h = int(sensor[0]), int(sensor[1])
    rng = np.random.default_rng([seed, _SPLIT[split], 2])
    labels = rng.permutation(np.arange(n) % classes)
    radius = 0.35 * min(w, h)
    duration = 100_000
    out = []
    for y_c in labels:
        theta = 2 * np.pi * y_c / classes
        d = np.array([np.cos(theta), np.sin(theta)])
        m = int(rng.poisson(events_per_sample))
        n_noise = int(round(noise * m))
        t = np.sort(rng.integers(0, duration, m))
        centre = np.array([(w - 1) / 2, (h - 1) / 2])[None] + (2 * t[:, None] / duration - 1) * radius * d[None]
        off = rng.normal(0.0, 1.5, (m, 2))
        xy = np.rint(centre + off)
        p = (off @ d > 0).astype(bool)
        if n_noise:
            k = rng.choice(m, n_noise, replace=False)
            xy[k] = np.stack([rng.integers(0, w, n_noise), rng.integers(0, h, n_noise)], 1)
            p[k] = rng.integers(0, 2, n_noise).astype(bool)
        ev = np.empty(m, dtype=events_struct)
        ev["x"] = np.clip(xy[:, 0], 0, w - 1)
        ev["y"] = np.clip(xy[:, 1], 0, h - 1)
        ev["t"], ev["p"] = t, p
        out.append(ev)
    fp = {"synthetic_events": 1, "n": n, "classes": classes, "seed": seed, "split": split, "sensor": [w, h],
          "events_per_sample": events_per_sample, "noise": noise}
    return ListEventSource(out, labels, fp)


def build_synthetic_events(split: str, T: int, n: int = 256, classes: int = 10, seed: int = 0,
                           sensor: tuple[int, int] = (16, 16), events_per_sample: int = 400, noise: float = 0.2):
    """``synthetic_events`` as an :class:`~snnlab.data.events.EventFrameDataset` (frames ``[T, 2, H, W]``)."""
    from snnlab.data.events import EventFrameDataset

    if T is None:
        raise ValueError("T is required for 'synthetic_events': pass the number of frames, e.g. T=4")
    src = synthetic_event_source(n, classes, seed, split, sensor, events_per_sample, noise)
    ds = EventFrameDataset(src, "synthetic_events", split, T, (int(sensor[0]), int(sensor[1]), 2), cache=False,
                           classes=tuple(str(i) for i in range(classes)))
    return ds
