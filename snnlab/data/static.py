"""Static image datasets: MNIST, Fashion-MNIST (IDX files), CIFAR-10/100 (python pickle batches).

Files are read by snnlab's own readers (validated, so a truncated or corrupted file raises
:class:`~snnlab.data.errors.CorruptDatasetError` naming it); torchvision is only used to *download* them
when ``download=True``. Where the files are looked for (first match wins):

* MNIST: ``<root>/MNIST/raw/`` (torchvision's layout), ``<root>/mnist/``
* Fashion-MNIST: ``<root>/FashionMNIST/raw/``, ``<root>/fashion-mnist/``, then the Debian package
  ``dataset-fashion-mnist`` folder (``/usr/share/datasets/fashion-mnist``, overridable with the env var
  ``SNNLAB_DEBIAN_FMNIST``), used in place without copying.
* CIFAR-10: ``<root>/cifar-10-batches-py/{data_batch_1..5,test_batch}``;
  CIFAR-100: ``<root>/cifar-100-python/{train,test}`` (fine labels).

Each IDX file may be raw (``train-images-idx3-ubyte``) or gzipped (``...-ubyte.gz``).
"""
from __future__ import annotations

import gzip
import os
import pickle
import struct
import zlib
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from snnlab.data.errors import CorruptDatasetError, DatasetNotFoundError, missing_message

__all__ = ["ImageArrayDataset", "read_idx", "find_idx_files", "load_idx_split", "load_cifar",
           "build_static", "debian_fmnist_dir", "IDX_FILES", "FASHION_CLASSES", "STATIC_INFO"]

DEBIAN_FMNIST = "/usr/share/datasets/fashion-mnist"

IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                   "Bag", "Ankle boot")

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

#: name -> (shape [C, H, W], classes, train size, test size)
STATIC_INFO = {
    "mnist": ((1, 28, 28), 10, 60000, 10000),
    "fashion_mnist": ((1, 28, 28), 10, 60000, 10000),
    "cifar10": ((3, 32, 32), 10, 50000, 10000),
    "cifar100": ((3, 32, 32), 100, 50000, 10000),
}

_HOW = {
    "mnist": "snnlab.data.build('mnist', split, download=True) (torchvision download into <root>/MNIST/raw), "
             "or copy the four IDX files (optionally .gz) into {expected}",
    "fashion_mnist": "`python -m snnlab.data.prepare fashion_mnist` (uses the Debian package "
                     "dataset-fashion-mnist: `apt-get install dataset-fashion-mnist`), or "
                     "snnlab.data.build('fashion_mnist', split, download=True), or copy the four IDX files "
                     "(optionally .gz) into {expected}",
    "cifar10": "snnlab.data.build('cifar10', split, download=True) (torchvision download of "
               "cifar-10-python.tar.gz, extracted into <root>), or extract cifar-10-python.tar.gz into {root}",
    "cifar100": "snnlab.data.build('cifar100', split, download=True) (torchvision download of "
                "cifar-100-python.tar.gz, extracted into <root>), or extract cifar-100-python.tar.gz into {root}",
}


def debian_fmnist_dir() -> Path:
    """The Debian ``dataset-fashion-mnist`` folder (env ``SNNLAB_DEBIAN_FMNIST`` overrides it)."""
    return Path(os.environ.get("SNNLAB_DEBIAN_FMNIST", DEBIAN_FMNIST))


# ----------------------------------------------------------------------------------------------- IDX files
def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (raw or ``.gz``) of unsigned bytes, validating magic number and length."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise CorruptDatasetError(f"{path}: cannot be read ({type(e).__name__}: {e}); the file is truncated "
                                  "or corrupted: delete it and get it again") from e
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] != 0x08 or not 1 <= data[3] <= 4:
        raise CorruptDatasetError(f"{path}: not an IDX file of unsigned bytes (header {data[:4]!r}); the file is "
                                  "corrupted or of another format")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise CorruptDatasetError(f"{path}: truncated IDX header ({len(data)} bytes)")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    expected = 4 + 4 * ndim + int(np.prod(dims))
    if len(data) != expected:
        raise CorruptDatasetError(f"{path}: expected {expected} bytes for an array of shape {dims}, found "
                                  f"{len(data)}; the file is truncated or corrupted: delete it and get it again")
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _idx_dirs(name: str, root: Path) -> list[Path]:
    if name == "mnist":
        return [root / "MNIST" / "raw", root / "mnist"]
    if name == "fashion_mnist":
        return [root / "FashionMNIST" / "raw", root / "fashion-mnist", debian_fmnist_dir()]
    raise ValueError(f"no IDX layout for {name!r}")


def _find_in(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / (stem + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def find_idx_files(name: str, split: str, root: Path) -> tuple[Path, Path]:
    """Return the (images, labels) IDX paths of ``split``, searching the folders in order; raise
    :class:`DatasetNotFoundError` (no network) when no folder has both."""
    dirs = _idx_dirs(name, Path(root))
    stems = IDX_FILES[split]
    for folder in dirs:
        found = [_find_in(folder, s) for s in stems]
        if all(found):
            return found[0], found[1]
    expected = dirs[1]
    missing = [s + "[.gz]" for s in stems if _find_in(expected, s) is None]
    raise DatasetNotFoundError(missing_message(name, split, expected, missing,
                                               _HOW[name].format(expected=expected, root=root), dirs))


def load_idx_split(name: str, split: str, root: Path, download: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Images ``[N, 28, 28]`` uint8 and labels ``[N]`` int64 of an MNIST-family split."""
    try:
        img_path, lbl_path = find_idx_files(name, split, root)
    except DatasetNotFoundError:
        if not download:
            raise
        _torchvision_download(name, root)
        img_path, lbl_path = find_idx_files(name, split, root)
    images, labels = read_idx(img_path), read_idx(lbl_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise CorruptDatasetError(f"{img_path} / {lbl_path}: images {images.shape} and labels {labels.shape} do "
                                  "not match; one of the files is corrupted or from another dataset")
    if labels.size and labels.max() > 9:
        raise CorruptDatasetError(f"{lbl_path}: labels must be 0..9, found max {labels.max()}")
    return images, labels.astype(np.int64)


# --------------------------------------------------------------------------------------------------- CIFAR
def _cifar_files(name: str, split: str, root: Path) -> tuple[Path, list[str], str]:
    if name == "cifar10":
        folder = root / "cifar-10-batches-py"
        files = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
        return folder, files, "labels"
    folder = root / "cifar-100-python"
    return folder, ["train" if split == "train" else "test"], "fine_labels"


def _read_cifar_batch(path: Path, label_key: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(path, "rb") as f:
            entry = pickle.load(f, encoding="latin1")
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError) as e:
        raise CorruptDatasetError(f"{path}: cannot be unpickled ({type(e).__name__}: {e}); the file is "
                                  "truncated or corrupted: delete it and extract the archive again") from e
    if not isinstance(entry, dict) or "data" not in entry or label_key not in entry:
        raise CorruptDatasetError(f"{path}: expected a dict with 'data' and {label_key!r}; not a CIFAR batch")
    data = np.asarray(entry["data"], dtype=np.uint8)
    labels = np.asarray(entry[label_key], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072 or len(data) != len(labels):
        raise CorruptDatasetError(f"{path}: data {data.shape} / labels {labels.shape} are not N x 3072 / N")
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels


def load_cifar(name: str, split: str, root: Path, download: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Images ``[N, 32, 32, 3]`` uint8 and labels ``[N]`` int64 of CIFAR-10/100."""
    folder, files, key = _cifar_files(name, split, root)
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        if not download:
            raise DatasetNotFoundError(missing_message(name, split, folder, missing,
                                                       _HOW[name].format(expected=folder, root=root)))
        _torchvision_download(name, root)
    parts = [_read_cifar_batch(folder / f, key) for f in files]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _torchvision_download(name: str, root: Path) -> None:
    """Download with torchvision (only called when ``download=True``)."""
    import torchvision.datasets as tvd

    cls = {"mnist": tvd.MNIST, "fashion_mnist": tvd.FashionMNIST, "cifar10": tvd.CIFAR10,
           "cifar100": tvd.CIFAR100}[name]
    Path(root).mkdir(parents=True, exist_ok=True)
    for train in (True, False):
        cls(str(root), train=train, download=True)


# ------------------------------------------------------------------------------------------------- dataset
class ImageArrayDataset(Dataset):
    """``(image [C, H, W] float32, label int)`` from a uint8 array ``[N, H, W]`` or ``[N, H, W, C]``.

    ``transform`` receives a PIL image (torchvision style) and must return a tensor; without one the image
    is scaled to [0, 1]. Attributes: ``images``, ``targets`` (int64 array), ``classes``, ``name``, ``split``.
    """

    def __init__(self, images: np.ndarray, targets: np.ndarray, transform=None, classes=None,
                 name: str = "", split: str = "", collate_fn=None):
        if len(images) != len(targets):
            raise ValueError(f"images ({len(images)}) and targets ({len(targets)}) differ in length")
        self.images, self.targets = images, np.asarray(targets, dtype=np.int64)
        self.transform = transform
        self.classes = tuple(classes) if classes is not None else tuple(str(i) for i in range(
            int(self.targets.max()) + 1 if len(self.targets) else 0))
        self.name, self.split = name, split
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int):
        img = self.images[index]
        if self.transform is None:
            x = torch.from_numpy(np.ascontiguousarray(img)).float().div_(255.0)
            x = x.unsqueeze(0) if x.dim() == 2 else x.permute(2, 0, 1)
        else:
            from PIL import Image

            x = self.transform(Image.fromarray(img))
        return x, int(self.targets[index])

    def __getitems__(self, indices):
        """Batched fetch (``DataLoader`` calls it with a batch's indices): when the transform only scales and
        normalises (``ToTensor → Normalize``: the MNIST/Fashion-MNIST test splits and their ``paper``/``none``
        recipes) the batch is converted with one tensor operation, bit-identical to ``__getitem__`` and ~100x
        cheaper than one PIL round trip per image; any other transform goes sample by sample."""
        norm = _normalize_only(self.transform)
        if norm is None:
            return [self[i] for i in indices]
        idx = np.asarray(indices, dtype=np.int64)
        x = torch.from_numpy(np.ascontiguousarray(self.images[idx]))
        x = x.unsqueeze(1) if x.dim() == 3 else x.permute(0, 3, 1, 2)
        x = x.float().div_(255.0)
        if norm is not True:
            mean, std = norm
            x = x.sub_(torch.as_tensor(mean, dtype=x.dtype).view(1, -1, 1, 1)).div_(
                torch.as_tensor(std, dtype=x.dtype).view(1, -1, 1, 1))
        return [(x[i], int(self.targets[j])) for i, j in enumerate(idx)]

    def __repr__(self) -> str:
        return f"ImageArrayDataset({self.name}, {self.split}, n={len(self)}, transform={self.transform})"


def _normalize_only(transform):
    """``True`` for no transform (scale to [0, 1]), ``(mean, std)`` for ``Compose([ToTensor(), Normalize])``, else
    ``None`` (the transform does more and must run per sample)."""
    if transform is None:
        return True
    import torchvision.transforms as tv

    ts = getattr(transform, "transforms", None)
    if type(transform) is tv.Compose and len(ts) == 2 and type(ts[0]) is tv.ToTensor \
            and type(ts[1]) is tv.Normalize:
        return tuple(ts[1].mean), tuple(ts[1].std)
    return None


def build_static(name: str, split: str, root: Path, download: bool = False, augment: str = "paper",
                 cutout: str | None = "torchtoolbox", mixup_cutmix: bool | None = None,
                 transform=None, limit: int | None = None) -> ImageArrayDataset:
    """Build a static dataset with the papers' preprocessing (see :mod:`snnlab.data.transforms`).

    ``augment``: recipe name (train split only); ``cutout``: which Cutout for the CIFAR ``paper`` recipe;
    ``mixup_cutmix``: attach :class:`~snnlab.data.transforms.MixupCutmixCollate` as ``collate_fn`` (default:
    on for ``augment="clif_star"`` on the train split); ``transform``: replaces the recipe;
    ``limit``: keep the first ``limit`` samples (quick profiles).
    """
    from snnlab.data.transforms import MixupCutmixCollate, image_transform

    root = Path(root)
    if name in ("mnist", "fashion_mnist"):
        images, labels = load_idx_split(name, split, root, download)
        classes = FASHION_CLASSES if name == "fashion_mnist" else tuple(str(i) for i in range(10))
    elif name in ("cifar10", "cifar100"):
        images, labels = load_cifar(name, split, root, download)
        classes = CIFAR10_CLASSES if name == "cifar10" else tuple(str(i) for i in range(100))
    else:
        raise ValueError(f"{name!r} is not a static dataset; static: {sorted(STATIC_INFO)}")
    if limit is not None:
        if limit < 1:
            raise ValueError(f"limit must be a positive int or None, got {limit}")
        images, labels = images[:limit], labels[:limit]
    train = split == "train"
    if transform is None:
        transform = image_transform(name, train, augment, cutout)
    if mixup_cutmix is None:
        mixup_cutmix = train and augment == "clif_star"
    collate = MixupCutmixCollate(STATIC_INFO[name][1]) if mixup_cutmix else None
    return ImageArrayDataset(images, labels, transform, classes, name, split, collate)
