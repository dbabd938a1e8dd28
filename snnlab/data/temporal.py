"""Tasks that need memory: sequential Fashion-MNIST and delayed recall (snnlab's temporal-credit benchmark).

Every static and event task of the papers can be solved by a nearly memoryless neuron (the same image at every
step, or frames that each carry the class). The two tasks here cannot: the answer depends on input that arrived
many steps before the step the network is read at, so a network must carry it in its neurons' state, and its
training must assign credit back through time.

Both yield ``(frames [T, 1, 1, F] float32, label int)``: a sequence of T frames of one channel of ``1 × F``
pixels, the layout of event frames ``[T, C, H, W]``, so that a batch ``[B, T, 1, 1, F]`` is transposed to
``[T, B, 1, 1, F]`` by :func:`snnlab.data.encoding.to_time_major` like event data. Models read the answer at the
last step only (``RunConfig.loss = "ce_last"``): a mean over steps would let the cue's own spikes answer.

* ``seq_fashion_mnist``: one image row per step, ``T = 28``, ``F = 28``, the label read after the last row.
  Pixels are scaled to [0, 1] and normalised with the Fashion-MNIST mean/std (0.2860, 0.3530), as the static
  recipe. Read from the offline IDX files (``snnlab.data.static``: ``<root>/FashionMNIST/raw``,
  ``<root>/fashion-mnist`` or the Debian package folder). Option ``limit`` keeps the first n samples.
* ``delayed_recall``: generated, deterministic for ``seed``. Input features (``F = cue_channels + go_channels``):

  - **cue** (steps ``0 … cue_steps−1``): one of ``n_cues`` fixed binary patterns on the cue channels, each with
    ``cue_active`` channels on; the label is the pattern's index;
  - **delay** (the next ``delay`` steps): sparse noise, every cue channel on with probability ``noise``
    independently of the label (a distractor the network must ignore);
  - **go** (the last step): every go channel on, cue channels off.

  ``T = cue_steps + delay + 1``; the answer is read at the go step, ``delay + 1`` steps after the cue ended.
  Patterns depend only on ``seed`` (train and test share them; two patterns differ in at least one channel);
  labels are balanced (``n // n_cues`` or one more per class) in a seeded random order; samples of split s use
  ``numpy.random.default_rng([seed, s, 3])``.

``build_temporal(name, split, T, root, **opts)`` is what :func:`snnlab.data.build` calls; ``T`` may be None or
must equal the task's length (28, or ``cue_steps + delay + 1``).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = ["TEMPORAL", "SequentialImages", "DelayedRecall", "build_temporal", "sequence_length", "temporal_info"]

TEMPORAL = ("seq_fashion_mnist", "delayed_recall")
_SPLIT = {"train": 0, "test": 1}
FMNIST_MEAN, FMNIST_STD = 0.2860, 0.3530


def _int(value, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"delayed_recall: {name} must be an int >= {low}, got {value!r}")
    return int(value)


class SequentialImages(Dataset):
    """``(rows [H, 1, 1, W] float32, label)``: an image read one row per step (sequential Fashion-MNIST).

    ``images``: uint8 ``[N, H, W]``; ``targets``: int labels. Attributes ``classes``, ``name``, ``split``,
    ``T`` (= H), ``features`` (= W), ``kind = "sequence"``."""

    kind = "sequence"

    def __init__(self, images: np.ndarray, targets: np.ndarray, classes, name: str, split: str,
                 mean: float = FMNIST_MEAN, std: float = FMNIST_STD):
        if images.ndim != 3 or len(images) != len(targets):
            raise ValueError(f"images must be [N, H, W] with one label each, got {images.shape} and "
                             f"{np.shape(targets)}")
        self.images, self.targets = images, np.asarray(targets, dtype=np.int64)
        self.classes, self.name, self.split = tuple(classes), name, split
        self.mean, self.std = float(mean), float(std)
        self.T, self.features = int(images.shape[1]), int(images.shape[2])

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int):
        x = torch.tensor(self.images[index], dtype=torch.float32).div_(255.0)
        x = (x - self.mean) / self.std
        return x.reshape(self.T, 1, 1, self.features), int(self.targets[index])

    def __repr__(self) -> str:
        return f"SequentialImages({self.name}, {self.split}, n={len(self)}, T={self.T})"


class DelayedRecall(Dataset):
    """The delayed-recall task (module docstring). All samples are generated at construction.

    Parameters: ``n`` samples (4096), ``delay`` d ≥ 0 noise steps (4), ``n_cues`` patterns ≥ 2 (4),
    ``cue_steps`` ≥ 1 (2), ``cue_channels`` (16), ``cue_active`` channels on per pattern (4), ``go_channels``
    ≥ 1 (4), ``noise`` probability in [0, 1) of a cue channel being on in a delay step (0.05), ``seed`` ≥ 0 (0),
    ``split``.

    Attributes: ``inputs [n, T, 1, 1, F]`` (uint8 0/1), ``targets``, ``patterns [n_cues, cue_channels]``,
    ``T``, ``features``, ``cue_slice`` / ``delay_slice`` / ``go_step`` (time indices), ``cue_channel_slice`` /
    ``go_channel_slice`` (feature indices), ``classes``, ``kind = "sequence"``.
    """

    kind = "sequence"

    def __init__(self, n: int = 4096, delay: int = 4, n_cues: int = 4, cue_steps: int = 2, cue_channels: int = 16,
                 cue_active: int = 4, go_channels: int = 4, noise: float = 0.05, seed: int = 0,
                 split: str = "train"):
        n = _int(n, "n", 1)
        delay = _int(delay, "delay", 0)
        n_cues = _int(n_cues, "n_cues", 2)
        cue_steps = _int(cue_steps, "cue_steps", 1)
        cue_channels = _int(cue_channels, "cue_channels", 1)
        cue_active = _int(cue_active, "cue_active", 1)
        go_channels = _int(go_channels, "go_channels", 1)
        seed = _int(seed, "seed", 0)
        if cue_active > cue_channels:
            raise ValueError(f"delayed_recall: cue_active={cue_active} channels on per pattern cannot exceed "
                             f"cue_channels={cue_channels}")
        n_patterns = math.comb(cue_channels, cue_active)
        if n_cues > n_patterns:
            raise ValueError(f"delayed_recall: n_cues={n_cues} distinct patterns with {cue_active} of {cue_channels} "
                             f"channels on do not exist (only {n_patterns}); raise cue_channels or change cue_active")
        if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not 0.0 <= float(noise) < 1.0:
            raise ValueError(f"delayed_recall: noise must be a probability in [0, 1), got {noise!r}")
        if split not in _SPLIT:
            raise ValueError(f"delayed_recall: split must be 'train' or 'test', got {split!r}")
        self.delay, self.n_cues, self.cue_steps, self.noise = delay, n_cues, cue_steps, float(noise)
        self.cue_channels, self.cue_active, self.go_channels, self.seed = cue_channels, cue_active, go_channels, seed
        self.T = cue_steps + delay + 1
        self.features = cue_channels + go_channels
        self.cue_slice, self.delay_slice, self.go_step = slice(0, cue_steps), slice(cue_steps, cue_steps + delay), \
            self.T - 1
        self.cue_channel_slice, self.go_channel_slice = slice(0, cue_channels), slice(cue_channels, self.features)

        # patterns: distinct binary vectors with cue_active ones, from the seed alone (shared by both splits)
        prng = np.random.default_rng([seed, 7919])
        patterns, seen = [], set()
        while len(patterns) < n_cues:
            on = tuple(sorted(prng.choice(cue_channels, cue_active, replace=False).tolist()))
            if on not in seen:
                seen.add(on)
                p = np.zeros(cue_channels, dtype=np.uint8)
                p[list(on)] = 1
                patterns.append(p)
        self.patterns = np.stack(patterns)

        rng = np.random.default_rng([seed, _SPLIT[split], 3])
        labels = rng.permutation(np.arange(n) % n_cues)
        x = np.zeros((n, self.T, self.features), dtype=np.uint8)
        x[:, self.cue_slice, self.cue_channel_slice] = self.patterns[labels][:, None, :]
        if delay and self.noise > 0:
            x[:, self.delay_slice, self.cue_channel_slice] = rng.random((n, delay, cue_channels)) < self.noise
        x[:, self.go_step, self.go_channel_slice] = 1
        self.inputs = x.reshape(n, self.T, 1, 1, self.features)
        self.targets = labels.astype(np.int64)
        self.classes = tuple(f"cue {i}" for i in range(n_cues))
        self.name, self.split = "delayed_recall", split

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int):
        return torch.from_numpy(self.inputs[index]).float(), int(self.targets[index])

    def __repr__(self) -> str:
        return (f"DelayedRecall({self.split}, n={len(self)}, delay={self.delay}, n_cues={self.n_cues}, "
                f"T={self.T}, noise={self.noise})")


def sequence_length(name: str, **opts) -> int:
    """The number of steps T of task ``name`` with options ``opts`` (what ``RunConfig.T`` must be)."""
    if name == "seq_fashion_mnist":
        return 28
    if name == "delayed_recall":
        return int(opts.get("cue_steps", 2)) + int(opts.get("delay", 4)) + 1
    raise ValueError(f"unknown temporal task {name!r}; expected one of {', '.join(TEMPORAL)}")


def temporal_info(name: str, **opts) -> tuple:
    """``(num_classes, frame shape [1, 1, F], n_train, n_test)`` of task ``name`` (no files read)."""
    if name == "seq_fashion_mnist":
        limit = opts.get("limit")
        return 10, (1, 1, 28), limit or 60000, limit or 10000
    if name == "delayed_recall":
        n = opts.get("n", 4096)
        f = int(opts.get("cue_channels", 16)) + int(opts.get("go_channels", 4))
        return int(opts.get("n_cues", 4)), (1, 1, f), opts.get("n_train", n), opts.get("n_test", n)
    raise ValueError(f"unknown temporal task {name!r}; expected one of {', '.join(TEMPORAL)}")


def build_temporal(name: str, split: str, T: int | None = None, root: str | Path | None = None,
                   download: bool = False, **opts) -> Dataset:
    """Build ``seq_fashion_mnist`` (options ``limit``) or ``delayed_recall`` (options of :class:`DelayedRecall`;
    ``n_train``/``n_test`` set ``n`` per split so one options dict serves both). ``T``, when given, must equal the
    task's length."""
    if name == "seq_fashion_mnist":
        from snnlab import paths
        from snnlab.data.static import FASHION_CLASSES, load_idx_split

        limit = opts.pop("limit", None)
        if opts:
            raise ValueError(f"seq_fashion_mnist: unknown options {sorted(opts)}; it takes only 'limit'")
        root = Path(root).expanduser() if root is not None else paths.data_dir()
        images, labels = load_idx_split("fashion_mnist", split, root, download=download)
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise ValueError(f"seq_fashion_mnist: limit must be a positive int, got {limit!r}")
            images, labels = images[:limit], labels[:limit]
        ds = SequentialImages(images, labels, FASHION_CLASSES, name, split)
    elif name == "delayed_recall":
        opts = dict(opts)
        n_split = {"train": opts.pop("n_train", None), "test": opts.pop("n_test", None)}.get(split)
        if n_split is not None:
            opts["n"] = n_split
        known = {"n", "delay", "n_cues", "cue_steps", "cue_channels", "cue_active", "go_channels", "noise", "seed"}
        unknown = set(opts) - known
        if unknown:
            raise ValueError(f"delayed_recall: unknown options {sorted(unknown)}; valid: {sorted(known)} "
                             "(+ n_train, n_test)")
        ds = DelayedRecall(split=split, **opts)
    else:
        raise ValueError(f"unknown temporal task {name!r}; expected one of {', '.join(TEMPORAL)}")
    if T is not None and T != ds.T:
        raise ValueError(f"{name}: T={T} does not match the task's length T={ds.T}"
                         + (" (cue_steps + delay + 1)" if name == "delayed_recall" else " (one row per step)")
                         + f"; set RunConfig.T={ds.T} (snnlab.data.temporal.sequence_length gives it)")
    return ds
