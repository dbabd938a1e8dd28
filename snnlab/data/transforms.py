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
tiny_imagenet   ``paper``    RandomCrop(64) (no padding: a no-op on 64×64, as in the code) -> RandomHorizontalFlip
                             (the README command, CLIF ``train.py:221-251``)
tiny_imagenet   ``autoaugment`` the same plus torchvision ``AutoAugment()`` (ImageNet policy) after the flip: the
                             code's ``-cutupmix_auto`` path, which the paper's Table 5 describes
any             ``none``     ToTensor -> Normalize
=============== ============ ================================================================================

**Which Cutout.** The CLIF and ILIF code call ``torchtoolbox.transform.Cutout()`` (torchtoolbox is not pinned;
:class:`Cutout` follows 0.1.8.2, the latest release on PyPI), which despite its name is a random-erasing variant:
with probability p = 0.5 it draws an area fraction s ~ U(0.02, 0.4) and an aspect ratio r ~ U(0.4, 2.5), takes
``w = int(sqrt(s·A/r))``, ``h = int(sqrt(s·A·r))`` (A = image area, truncated, no retry), places the rectangle
uniformly and pastes one integer v ~ U{0..255} into it with ``PIL.Image.paste`` — which, for an RGB image,
reads an int colour as a packed pixel, so the rectangle becomes (v, 0, 0): red v, green and blue 0. It runs on
the uint8 PIL image, before the flip. ``cutout="devries"`` selects the original DeVries & Taylor (2017) Cutout
instead (one 16×16 square zeroed after normalisation), and ``cutout=None`` disables it.

Means/stds (CLIF §3.2, ILIF §3.4, KLIF §3.3): CIFAR-10 (0.4914, 0.4822, 0.4465)/(0.2023, 0.1994, 0.2010),
CIFAR-100 (0.5071, 0.4867, 0.4408)/(0.2675, 0.2565, 0.2761), MNIST 0.1307/0.3081, Fashion-MNIST
0.2860/0.3530, Tiny-ImageNet (0.4802, 0.4481, 0.3975)/(0.2302, 0.2265, 0.2262).

Event frames: :func:`authors_frames` (the papers' per-frame ``ToPILImage -> Resize(48) -> ToTensor``),
:func:`resize_frames` (the clean bilinear resize of the counts) and :class:`EventAugment`.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

__all__ = ["MEAN_STD", "RECIPES", "Cutout", "DeVriesCutout", "image_transform", "MixupCutmixCollate",
           "resize_frames", "authors_frames", "EventAugment", "EVENT_RECIPES"]

MEAN_STD: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "mnist": ((0.1307,), (0.3081,)),
    "fashion_mnist": ((0.2860,), (0.3530,)),
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)),
    "cifar100": ((0.5071, 0.4867, 0.4408), (0.2675, 0.2565, 0.2761)),
    "tiny_imagenet": ((0.4802, 0.4481, 0.3975), (0.2302, 0.2265, 0.2262)),
}

RECIPES: dict[str, tuple[str, ...]] = {
    "mnist": ("paper", "none"),
    "fashion_mnist": ("paper", "none"),
    "cifar10": ("paper", "clif_star", "none"),
    "cifar100": ("paper", "clif_star", "none"),
    "tiny_imagenet": ("paper", "autoaugment", "none"),
}

EVENT_RECIPES = ("none", "clif")


class Cutout:
    """torchtoolbox 0.1.8.2 ``transform.Cutout`` (random erasing on the uint8 image), as run by the CLIF/ILIF code.

    With probability ``p``: ``s ~ U(scale)·A``, ``r ~ U(ratio)``, ``w = int(sqrt(s/r))``, ``h = int(sqrt(s·r))``,
    ``left ~ U{0..H-w}``, ``top ~ U{0..W-h}`` (torchtoolbox reads a PIL image's ``size`` (W, H) as (h, w): the
    bounds are swapped, as there, which matters only for non-square images), then one integer
    ``v ~ U{value[0]..value[1]}`` is pasted with ``PIL.Image.paste(v, box)`` — (v, 0, 0) on an RGB image, since
    Pillow reads an int colour as a packed pixel; on a HWC uint8 array every channel gets v.
    ``pixel_level=True``: one value per pixel and channel, U{value[0]..value[1]-1} (numpy's exclusive bound,
    as there). Differences from torchtoolbox: the random numbers come from torch's generator (DataLoader workers
    are seeded the torch way) instead of Python's ``random``, and the input image is not modified in place.
    """

    def __init__(self, p: float = 0.5, scale: tuple[float, float] = (0.02, 0.4),
                 ratio: tuple[float, float] = (0.4, 1 / 0.4), value: tuple[int, int] = (0, 255),
                 pixel_level: bool = False):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Cutout p must be in [0, 1], got {p}")
        if not (0 <= scale[0] <= scale[1] <= 1):
            raise ValueError(f"Cutout scale must satisfy 0 <= lo <= hi <= 1, got {scale}")
        if not (0 < ratio[0] <= ratio[1]):
            raise ValueError(f"Cutout ratio must satisfy 0 < lo <= hi, got {ratio}")
        self.p, self.scale, self.ratio, self.value, self.pixel_level = p, scale, ratio, value, pixel_level

    @staticmethod
    def _uniform(lo: float, hi: float) -> float:
        return lo + (hi - lo) * float(torch.rand((), dtype=torch.float64))

    @staticmethod
    def _randint(lo: int, hi: int) -> int:  # inclusive, as random.randint
        return int(torch.randint(lo, hi + 1, ()))

    def params(self, img) -> tuple[int, int, int, int]:
        """``(left, top, h, w)`` of one rectangle for ``img`` (PIL image or HWC array)."""
        from PIL import Image

        if isinstance(img, Image.Image):
            img_h, img_w = img.size  # torchtoolbox's order (size is (W, H))
        else:
            img_h, img_w = np.asarray(img).shape[:2]
        s = self._uniform(*self.scale) * img_h * img_w
        r = self._uniform(*self.ratio)
        w, h = int(math.sqrt(s / r)), int(math.sqrt(s * r))
        return self._randint(0, img_w - w), self._randint(0, img_h - h), h, w

    def apply(self, img, left: int, top: int, h: int, w: int, fill):
        """Paste ``fill`` (an int, or an ``[h, w, C]`` uint8 array) into the rectangle, torchtoolbox's way."""
        from PIL import Image

        if isinstance(img, Image.Image):
            out = img.copy()
            out.paste(Image.fromarray(fill) if isinstance(fill, np.ndarray) else int(fill),
                      (left, top, left + w, top + h))
            return out
        out = np.array(img, copy=True)
        out[top:top + h, left:left + w] = fill
        return out

    def __call__(self, img):
        from PIL import Image

        if float(torch.rand(())) >= self.p:
            return img
        left, top, h, w = self.params(img)
        if self.pixel_level:
            ch = len(img.getbands()) if isinstance(img, Image.Image) else np.asarray(img).shape[2]
            fill = torch.randint(self.value[0], self.value[1], (h, w, ch), dtype=torch.uint8).numpy()
        else:
            fill = self._randint(*self.value)
        return self.apply(img, left, top, h, w, fill)

    def __repr__(self) -> str:
        return (f"Cutout(p={self.p}, scale={self.scale}, ratio=({self.ratio[0]:.3g}, {self.ratio[1]:.3g}), "
                f"value={self.value}, pixel_level={self.pixel_level}; torchtoolbox 0.1.8.2)")


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
    if dataset == "tiny_imagenet":  # CLIF train.py:221-251: RandomCrop(64) has no padding (a no-op on 64x64)
        head = [tv.RandomCrop(64), tv.RandomHorizontalFlip(0.5)]
        if augment == "autoaugment":
            head.append(tv.AutoAugment())
        return tv.Compose(head + tail)
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
    papers' code), ``"nearest"`` or ``"area"``. ``pil_quirk=True`` adds only the uint8 wrap of the CLIF/ILIF
    code's ``ToPILImage`` (``c -> ((255·c) mod 256) / 255``, nearly binary frames, CLIF §5.4), not its "LA"
    resize; off by default. The authors' whole pipeline, bit for bit, is :func:`authors_frames`
    (``frames="authors"``).
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


def authors_frames(frames: np.ndarray | torch.Tensor, size: int | tuple[int, int] = 48) -> np.ndarray:
    """The CLIF/ILIF code's per-frame transform of CIFAR10-DVS, ``ToPILImage -> Resize(size) -> ToTensor``
    (``train.py:176-191``, ``utils/augmentation.py``), run with torchvision and Pillow on count frames
    ``[T, P, H, W]`` (converted to float32, as ``torch.from_numpy(frames).float()`` there). Returns the uint8
    values ``[T, P, size, size]``; ``ToTensor`` divides them by 255.

    ``ToPILImage`` turns a float frame into ``uint8(255·c)`` (torch's float -> uint8 cast wraps modulo 256, so
    counts 1, 2, 3 become 255, 254, 253 and 256 becomes 0); with P = 2 the image is an ``"LA"`` image, and Pillow
    resizes it premultiplied by the second channel, so channel 0 is 0 wherever channel 1 is 0.
    """
    from torchvision import transforms as tv

    x = torch.as_tensor(np.asarray(frames, dtype=np.float32) if not isinstance(frames, torch.Tensor)
                        else frames.float())
    if x.dim() != 4:
        raise ValueError(f"frames must be [T, P, H, W], got shape {tuple(x.shape)}")
    to_pil, resize = tv.ToPILImage(), tv.Resize(size)
    out = []
    for frame in x:
        img = np.asarray(resize(to_pil(frame)), dtype=np.uint8)
        out.append(img[None] if img.ndim == 2 else img.transpose(2, 0, 1))
    return np.stack(out)


class EventAugment:
    """The CLIF code's CIFAR10-DVS training augmentation (``augment="clif"``; ``utils/augmentation.py``
    ``RandomHorizontalFlip`` + ``RandomRotation``, consistent over the frames of a sample): a horizontal flip
    with probability ``flip_p``, then a rotation by an integer angle drawn uniformly from
    ``[-degrees, degrees - 1]`` (``np.random.randint(-15, 15)``) about the frame centre, nearest neighbour,
    filled with 0.

    What differs from the released code, on purpose: it calls PIL ``rotate(angle, expand=True)``, which grows
    a rotated 48×48 frame to 50–60 px, so samples with different angles cannot be stacked into a batch (its
    DataLoader would fail); here the frame keeps its size (``expand=False``), which is the same picture as the
    centre of the expanded one (pixel for pixel when the size grows by an even number of pixels, half a pixel
    off otherwise). The random numbers come from torch's generator instead of Python's ``random`` / numpy's.

    Frames of the authors' pipeline (uint8 PIL values) are flipped and rotated as PIL images, as there; float
    frames (the clean pipeline) with torchvision's tensor ops (nearest).
    """

    def __init__(self, flip_p: float = 0.5, degrees: int = 15):
        if isinstance(degrees, bool) or not isinstance(degrees, int) or degrees < 0:
            raise ValueError(f"degrees must be a non-negative int (the code draws integer angles), got {degrees!r}")
        self.flip_p, self.degrees = flip_p, degrees

    def sample(self) -> tuple[bool, int]:
        """One draw: ``(flip, angle)``."""
        flip = float(torch.rand(())) < self.flip_p
        angle = int(torch.randint(-self.degrees, self.degrees, ())) if self.degrees > 0 else 0
        return flip, angle

    @staticmethod
    def apply(frames: torch.Tensor, flip: bool, angle: int) -> torch.Tensor:
        """Flip (if ``flip``) and rotate every frame of ``[T, P, H, W]`` by ``angle`` degrees (counter-clockwise)."""
        if frames.dtype == torch.uint8:
            from PIL import Image

            out = []
            for frame in frames.numpy():
                hwc = frame[0] if frame.shape[0] == 1 else np.ascontiguousarray(frame.transpose(1, 2, 0))
                img = Image.fromarray(hwc)
                if flip:
                    img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
                if angle:
                    img = img.rotate(angle, resample=Image.Resampling.NEAREST, expand=False)
                arr = np.asarray(img)
                out.append(arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1))
            return torch.from_numpy(np.stack(out))
        from torchvision.transforms import InterpolationMode
        from torchvision.transforms import functional as TF

        if flip:
            frames = frames.flip(-1)
        if angle:
            t, p, h, w = frames.shape
            frames = TF.rotate(frames.reshape(t * p, h, w), float(angle),
                               interpolation=InterpolationMode.NEAREST).reshape(t, p, h, w)
        return frames

    def __call__(self, frames: torch.Tensor) -> torch.Tensor:
        flip, angle = self.sample()
        return self.apply(frames, flip, angle)

    def __repr__(self) -> str:
        return f"EventAugment(flip_p={self.flip_p}, angles=[{-self.degrees}, {self.degrees - 1}])"
