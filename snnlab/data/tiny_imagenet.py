"""Tiny-ImageNet (200 classes, 64×64 RGB; 100,000 training and 10,000 validation images), read as the CLIF
code's ``TinyImageNet`` class reads it (``utils/data_loaders.py:233-343``).

Layout: the extracted ``tiny-imagenet-200.zip`` at ``<root>/tiny-imagenet-200``::

    wnids.txt                           the 200 class ids (wnids)
    words.txt                           wnid<TAB>names (optional here: class names only)
    train/<wnid>/images/*.JPEG          500 images per class
    val/images/*.JPEG                   10,000 images
    val/val_annotations.txt             file<TAB>wnid<TAB>box...

Labels: training classes are the ``train/`` sub-folders sorted by name, validation classes the sorted set of
wnids of ``val_annotations.txt`` (the same 200); images come in sorted order (per class for training).
Images are decoded lazily with Pillow and converted to RGB (a few are grayscale). The validation split is the
test split (``split="test"``), as in the papers' code; ``test/`` has no labels and is not used.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from torch.utils.data import Dataset

from snnlab.data.errors import CorruptDatasetError, DatasetNotFoundError, missing_message

__all__ = ["TinyImageNet", "tiny_imagenet_dir", "build_tiny_imagenet", "FOLDER"]

FOLDER = "tiny-imagenet-200"
_HOW = ("download http://cs231n.stanford.edu/tiny-imagenet-200.zip and extract it into {root}, so that "
        "{root}/tiny-imagenet-200/train/<wnid>/images/*.JPEG and {root}/tiny-imagenet-200/val/val_annotations.txt "
        "exist (snnlab does not download it)")


def tiny_imagenet_dir(root: str | Path) -> Path:
    return Path(root) / FOLDER


class TinyImageNet(Dataset):
    """``(image, label)``: ``transform`` (torchvision style) receives the RGB PIL image; without one the image
    is returned as a ``[3, 64, 64]`` float tensor in [0, 1]. Attributes: ``files``, ``targets``, ``classes``
    (wnids), ``names`` (first name of each wnid from ``words.txt`` when present)."""

    def __init__(self, root: str | Path, split: str, transform=None, limit: int | None = None):
        self.folder = tiny_imagenet_dir(root)
        self.split, self.transform, self.name = split, transform, "tiny_imagenet"
        if split == "train":
            base = self.folder / "train"
            if not base.is_dir():
                self._missing(["train/<wnid>/images/*.JPEG"])
            self.classes = tuple(sorted(d.name for d in base.iterdir() if d.is_dir()))
            index = {w: i for i, w in enumerate(self.classes)}
            items = [(str(f), index[w]) for w in self.classes for f in sorted((base / w).rglob("*.JPEG"))]
        else:
            ann = self.folder / "val" / "val_annotations.txt"
            if not ann.is_file() or not (self.folder / "val" / "images").is_dir():
                self._missing(["val/val_annotations.txt", "val/images/*.JPEG"])
            rows = [line.split("\t") for line in ann.read_text().splitlines() if line.strip()]
            if any(len(r) < 2 for r in rows):
                raise CorruptDatasetError(f"{ann}: expected lines file<TAB>wnid<TAB>box")
            to_class = {r[0]: r[1] for r in rows}
            self.classes = tuple(sorted(set(to_class.values())))
            index = {w: i for i, w in enumerate(self.classes)}
            images = sorted(p.name for p in (self.folder / "val" / "images").iterdir() if p.name.endswith(".JPEG"))
            unlabeled = [f for f in images if f not in to_class]
            if unlabeled:
                raise CorruptDatasetError(f"{ann}: no annotation for {len(unlabeled)} images of val/images "
                                          f"(e.g. {unlabeled[0]})")
            items = [(str(self.folder / "val" / "images" / f), index[to_class[f]]) for f in images]
        if not items:
            self._missing(["*.JPEG"])
        if limit is not None:
            items = items[:limit]
        self.files = [f for f, _ in items]
        self.targets = np.asarray([t for _, t in items], dtype=np.int64)
        self.names = self._names()

    def _missing(self, what: list[str]):
        raise DatasetNotFoundError(missing_message("tiny_imagenet", self.split, self.folder, what,
                                                   _HOW.format(root=self.folder.parent)))

    def _names(self) -> tuple[str, ...]:
        words = self.folder / "words.txt"
        table = {}
        if words.is_file():
            for line in words.read_text().splitlines():
                parts = line.split("\t")
                if len(parts) >= 2:
                    table[parts[0]] = parts[1].split(",")[0]
        return tuple(table.get(w, w) for w in self.classes)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int):
        from PIL import Image, UnidentifiedImageError

        path = self.files[index]
        try:
            with Image.open(path) as im:
                img = im.convert("RGB")
        except (OSError, UnidentifiedImageError) as e:
            raise CorruptDatasetError(f"{path}: cannot be decoded ({type(e).__name__}: {e}); the file is truncated "
                                      "or corrupted") from e
        if self.transform is None:
            import torch

            x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255).permute(2, 0, 1)
            return x, int(self.targets[index])
        return self.transform(img), int(self.targets[index])

    def __repr__(self) -> str:
        return f"TinyImageNet({self.split}, n={len(self)}, {self.folder}, transform={self.transform})"


def build_tiny_imagenet(split: str, root: Path, download: bool = False, augment: str = "paper", transform=None,
                        limit: int | None = None) -> TinyImageNet:
    """The CLIF code's Tiny-ImageNet: ``augment="paper"`` (README: RandomCrop(64) without padding, a no-op on
    64×64, and a horizontal flip), ``"autoaugment"`` (plus torchvision's AutoAugment, the ``-cutupmix_auto`` path
    Table 5 describes) or ``"none"``; then ToTensor and Normalize((0.4802, 0.4481, 0.3975),
    (0.2302, 0.2265, 0.2262)). The test split (the validation images) is only normalised."""
    from snnlab.data.transforms import image_transform

    del download  # not downloadable: a missing folder raises DatasetNotFoundError saying where to get it
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be a positive int or None, got {limit}")
    if transform is None:
        transform = image_transform("tiny_imagenet", split == "train", augment)
    return TinyImageNet(root, split, transform, limit)
