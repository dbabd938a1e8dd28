"""Preprocessing recipes of the three papers, as torchvision transforms.

Static images (applied to the uint8 PIL image, then ``ToTensor`` + ``Normalize``):

=============== ============ ================================================================================
dataset         ``augment``  pipeline (train split; the test split always uses ``"none"``)
=============== ============ ================================================================================
mnist           ``paper``    RandomAffine(30°, translate 0.15, scale 0.85-1.11) (PLIF recipe, KLIF spec §3.3)
fashion_mnist   ``paper``    nothing but Normalize(0.2860, 0.3530) (PLIF recipe, KLIF spec §3.3)
cifar10/100     ``paper``    RandomCrop(32, pad 4) -> Cutout -> RandomHorizontalFlip (CLIF §3.2, ILIF §3.4)
cifar10/100     ``clif_star`` RandomHorizontalFlip -> TrivialAugmentWide(bilinear) -> ToTensor -> Normalize ->
                             RandomErasing(p=0.1), plus Mixup(α=0.2)/CutMix(α=1.0) in the collate step
                             (:class:`MixupCutmixCollate`, soft labels) — the CLIF "Ours*" rows (CLIF §3.2)
any             ``none``     ToTensor -> Normalize
=============== ============ ================================================================================

**Which Cutout.** The CLIF and ILIF code call ``torchtoolbox.transform.Cutout()``, which despite its name is
a random-erasing variant: with probability p = 0.5 it fills one rectangle of area fraction U(0.02, 0.4) and
aspect ratio U(0.3, 1/0.3) with one random integer in [0, 255] (per channel), on the uint8 image before the
flip. Its defaults depend on the torchtoolbox version [UNKNOWN]; ours are the values in the CLIF spec §3.2 and
are parameters of :class:`Cutout`. ``cutout="devries"`` selects the original DeVries & Taylor (2017) Cutout
instead (one 16×16 square zeroed after normalisation), and ``cutout=None`` disables it.

Means/stds (CLIF §3.2, ILIF §3.4, KLIF §3.3): CIFAR-10 (0.4914, 0.4822, 0.4465)/(0.2023, 0.1994, 0.2010),
CIFAR-100 (0.5071, 0.4867, 0.4408)/(0.2675, 0.2565, 0.2761), MNIST 0.1307/0.3081, Fashion-MNIST
0.2860/0.3530.

Event frames: :func:`resize_frames` (CIFAR10-DVS 128 -> 48, CLIF §3.2) and :class:`EventAugment`.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

__all__ = ["MEAN_STD", "RECIPES", "Cutout", "DeVriesCutout", "image_transform", "MixupCutmixCollate",
           "resize_frames", "EventAugment", "EVENT_RECIPES"]

MEAN_STD: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "mnist": ((0.1307,), (0.3081,)),
    "fashion_mnist": ((0.2860,), (0.3530,)),
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)),
    "cifar100": ((0.5071, 0.4867, 0.4408), (0.2675, 0.2565, 0.2761)),
}

RECIPES: dict[str, tuple[str, ...]] = {
    "mnist": ("paper", "none"),
    "fashion_mnist": ("paper", "none"),
    "cifar10": ("paper", "clif_star", "none"),
    "cifar100": ("paper", "clif_star", "none"),
}

EVENT_RECIPES = ("none", "clif")


class Cutout:
    """torchtoolbox-style Cutout (random erasing on the uint8 image), as run by the CLIF/ILIF code.

    With probability ``p``: draw an area fraction ``s ~ U(scale)`` and an aspect ratio ``r ~ U(ratio)``;
    the rectangle is ``h = round(sqrt(s·A·r))``, ``w = round(sqrt(s·A/r))`` (A = image area), placed
    uniformly (up to 10 tries to fit); it is filled with one integer ``v ~ U{value}`` per channel
    (``pixel_level=True``: one per pixel). Works on PIL images and HWC/HW uint8 arrays; uses torch's RNG so
    that DataLoader workers are seeded the torch way.
    """

    def __init__(self, p: float = 0.5, scale: tuple[float, float] = (0.02, 0.4),
                 ratio: tuple[float, float] = (0.3, 1 / 0.3), value: tuple[int, int] = (0, 255),
                 pixel_level: bool = False):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Cutout p must be in [0, 1], got {p}")
        if not (0 < scale[0] <= scale[1] < 1):
            raise ValueError(f"Cutout scale must satisfy 0 < lo <= hi < 1, got {scale}")
        if not (0 < ratio[0] <= ratio[1]):
            raise ValueError(f"Cutout ratio must satisfy 0 < lo <= hi, got {ratio}")
        self.p, self.scale, self.ratio, self.value, self.pixel_level = p, scale, ratio, value, pixel_level

    def __call__(self, img):
        from PIL import Image

        is_pil = isinstance(img, Image.Image)
        arr = np.array(img, copy=True)
        if float(torch.rand(())) >= self.p:
            return img
        h_img, w_img = arr.shape[:2]
        area = h_img * w_img
        for _ in range(10):
            s = self.scale[0] + (self.scale[1] - self.scale[0]) * float(torch.rand(()))
            r = self.ratio[0] + (self.ratio[1] - self.ratio[0]) * float(torch.rand(()))
            h = int(round(math.sqrt(s * area * r)))
            w = int(round(math.sqrt(s * area / r)))
            if 0 < h < h_img and 0 < w < w_img:
                top = int(torch.randint(0, h_img - h + 1, ()))
                left = int(torch.randint(0, w_img - w + 1, ()))
                ch = arr.shape[2:] if arr.ndim == 3 else ()
                lo, hi = self.value
                if self.pixel_level:
                    fill = torch.randint(lo, hi + 1, (h, w, *ch)).numpy()
                else:
                    fill = torch.randint(lo, hi + 1, ch if ch else ()).numpy()
                arr[top:top + h, left:left + w] = fill.astype(arr.dtype)
                break
        return Image.fromarray(arr) if is_pil else arr

    def __repr__(self) -> str:
        return (f"Cutout(p={self.p}, scale={self.scale}, ratio=({self.ratio[0]:.3g}, {self.ratio[1]:.3g}), "
                f"value={self.value}, pixel_level={self.pixel_level})")


class DeVriesCutout:
    """DeVries & Taylor (2017) Cutout on a normalised tensor ``[C, H, W]``: one ``length × length`` square,
    centred uniformly (clipped at the border), set to 0."""

    def __init__(self, length: int = 16):
        if length < 1:
            raise ValueError(f"DeVriesCutout length must be >= 1, got {length}")
        self.length = length

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        cy, cx = int(torch.randint(0, h, ())), int(torch.randint(0, w, ()))
        half = self.length // 2
        x = x.clone()
        x[..., max(0, cy - half):min(h, cy + half), max(0, cx - half):min(w, cx + half)] = 0
        return x

    def __repr__(self) -> str:
        return f"DeVriesCutout(length={self.length})"


def image_transform(dataset: str, train: bool, augment: str = "paper", cutout: str | None = "torchtoolbox"
                    ) -> Callable:
    """The torchvision transform for ``dataset`` (see the module table). ``augment`` is ignored for the
    test split (always ``"none"``)."""
    from torchvision import transforms as tv

    if dataset not in MEAN_STD:
        raise ValueError(f"no image recipe for dataset {dataset!r}; known: {sorted(MEAN_STD)}")
    if augment not in RECIPES[dataset]:
        raise ValueError(f"augment={augment!r} is not a recipe for {dataset}; choose one of {RECIPES[dataset]}")
    if cutout not in ("torchtoolbox", "devries", None):
        raise ValueError(f"cutout must be 'torchtoolbox', 'devries' or None, got {cutout!r}")
    mean, std = MEAN_STD[dataset]
    tail = [tv.ToTensor(), tv.Normalize(mean, std)]
    if not train or augment == "none":
        return tv.Compose(tail)
    if dataset in ("cifar10", "cifar100"):
        if augment == "paper":
            head = [tv.RandomCrop(32, padding=4)]
            if cutout == "torchtoolbox":
                head.append(Cutout())
            head.append(tv.RandomHorizontalFlip())
            extra = [DeVriesCutout(16 if dataset == "cifar10" else 8)] if cutout == "devries" else []
            return tv.Compose(head + tail + extra)
        # clif_star
        return tv.Compose([tv.RandomHorizontalFlip(0.5),
                           tv.TrivialAugmentWide(interpolation=tv.InterpolationMode.BILINEAR),
                           *tail, tv.RandomErasing(p=0.1)])
    if dataset == "mnist":
        return tv.Compose([tv.RandomAffine(30, translate=(0.15, 0.15), scale=(0.85, 1.11)), *tail])
    return tv.Compose(tail)  # fashion_mnist "paper": normalisation only


class MixupCutmixCollate:
    """Collate that applies RandomChoice{Mixup(α=0.2), CutMix(α=1.0)} to each batch (CLIF "Ours*",
    ``utils/static_cifar_util.py``). Labels become soft ``[B, num_classes]`` float targets; the training loss
    must accept probabilities (``F.cross_entropy`` does)."""

    def __init__(self, num_classes: int, mixup_alpha: float = 0.2, cutmix_alpha: float = 1.0):
        from torchvision.transforms import v2

        if num_classes < 2:
            raise ValueError(f"num_classes must be >= 2, got {num_classes}")
        self.num_classes, self.mixup_alpha, self.cutmix_alpha = num_classes, mixup_alpha, cutmix_alpha
        self._choice = v2.RandomChoice([v2.MixUp(alpha=mixup_alpha, num_classes=num_classes),
                                        v2.CutMix(alpha=cutmix_alpha, num_classes=num_classes)])

    def __call__(self, batch):
        from torch.utils.data import default_collate

        images, labels = default_collate(batch)
        return self._choice(images, labels)


def resize_frames(frames: np.ndarray | torch.Tensor, size: int | tuple[int, int] | None,
                  mode: str = "bilinear", pil_quirk: bool = False) -> torch.Tensor:
    """Resize count frames ``[T, P, H, W]`` to ``size`` and return float32.

    ``mode``: ``"bilinear"`` (antialiased, the default of torchvision's ``Resize`` on PIL images used by the
    papers' code), ``"nearest"`` or ``"area"``. ``pil_quirk=True`` reproduces what the CLIF/ILIF code really
    feeds (``ToPILImage`` on float counts: ``c -> ((255·c) mod 256) / 255``, i.e. nearly binary frames,
    CLIF §5.4); off by default.
    """
    x = torch.as_tensor(np.asarray(frames) if not isinstance(frames, torch.Tensor) else frames).float()
    if x.dim() != 4:
        raise ValueError(f"frames must be [T, P, H, W], got shape {tuple(x.shape)}")
    if pil_quirk:
        x = torch.remainder(255.0 * x, 256.0) / 255.0
    if size is None:
        return x
    size = (size, size) if isinstance(size, int) else tuple(size)
    if tuple(x.shape[-2:]) == size:
        return x
    if mode not in ("bilinear", "nearest", "area"):
        raise ValueError(f"resize mode must be 'bilinear', 'nearest' or 'area', got {mode!r}")
    kwargs = {"align_corners": False, "antialias": True} if mode == "bilinear" else {}
    return torch.nn.functional.interpolate(x, size=size, mode=mode, **kwargs)


class EventAugment:
    """Frame augmentation of the CLIF code for CIFAR10-DVS (``augment="clif"``): a horizontal flip with
    probability ``flip_p`` and a rotation by U(-degrees, degrees), both the same for every frame of a sample.
    Unlike the code's PIL ``rotate(expand=True)`` (which changes the frame size, CLIF §5.4) the frame size is
    kept. ``augment="none"`` (the papers' text) skips this."""

    def __init__(self, flip_p: float = 0.5, degrees: float = 15.0):
        self.flip_p, self.degrees = flip_p, degrees

    def __call__(self, frames: torch.Tensor) -> torch.Tensor:
        from torchvision.transforms import functional as TF

        if float(torch.rand(())) < self.flip_p:
            frames = frames.flip(-1)
        if self.degrees > 0:
            angle = (2 * float(torch.rand(())) - 1) * self.degrees
            t, p, h, w = frames.shape
            frames = TF.rotate(frames.reshape(t * p, h, w), angle).reshape(t, p, h, w)
        return frames

    def __repr__(self) -> str:
        return f"EventAugment(flip_p={self.flip_p}, degrees={self.degrees})"
