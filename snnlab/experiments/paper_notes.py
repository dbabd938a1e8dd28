"""The authors' data recipe of every paper configuration, and the notes that list what still differs from the
authors' code (``RunConfig.notes`` of each paper config; not hashed).

:func:`authors_recipe` returns the ``RunConfig`` fields the registry adds to a paper configuration:
``data_opts`` (the authors' frame pipeline, augmentation, ``drop_last``, the ANN's first frame),
``deterministic="cudnn"`` (``cudnn.deterministic=True``, ``benchmark=False``, as their ``train.py:36-37``) and
``notes``. Sources: ``shared/papers/clif.md`` §3.2, §3.4, §4, §5 and ``ilif.md`` §3; the KLIF code is not
released, so its configurations use the CLIF code's recipe [INFERENCE, klif.md §3.3].
"""
from __future__ import annotations

__all__ = ["authors_recipe", "paper_data_opts", "paper_notes", "EVENT_DATASETS"]

EVENT_DATASETS = ("cifar10_dvs", "dvs_gesture", "nmnist")

_COMMON = (
    "Random streams: snnlab draws the shuffle order from its own torch generator per (seed, epoch) and the "
    "augmentations from torch's generator; the authors shuffle with DataLoader(shuffle=True) on the global RNG "
    "and draw Cutout and the DVS flip/rotation from Python's random and numpy. Same distributions, other random "
    "sequences, so runs are not sample-for-sample identical (kept: resumable, rank-independent order).",
    "Matched on purpose: evaluation without autocast (full precision), as their test loop; "
    "cudnn.deterministic=True and benchmark=False (deterministic='cudnn'), as their train.py:36-37.",
)

_CIFAR = (
    "Cutout: torchtoolbox's Cutout() as in torchtoolbox 0.1.8.2 (the code does not pin torchtoolbox; 0.1.8.2 is "
    "its latest release): p 0.5, area 2-40 %, aspect 0.4-2.5 truncated to int, one value v pasted as (v, 0, 0) "
    "on the RGB image (Pillow's packed-int colour). Another torchtoolbox version may differ [UNKNOWN which the "
    "authors had].",
    "Images read from the python pickles by snnlab's reader (torchvision's CIFAR class in their code): same "
    "images, same order. Training loader without drop_last, as theirs.",
)

_CIFAR_STAR = (
    "'*' recipe (-cutupmix_auto): hflip, TrivialAugmentWide(bilinear), Normalize, RandomErasing(0.1); Mixup(0.2) "
    "or CutMix(1.0) per batch through torchvision.transforms.v2 (the library form of the code's RandomMixup/"
    "RandomCutmix from torchvision's reference scripts, p = 1); drop_last=True, as theirs. Epochs (200) and label "
    "smoothing (0) are not stated for the '*' rows [chosen].",
    "Images read from the python pickles by snnlab's reader (torchvision's CIFAR class in their code).",
)

_TINY = (
    "Batch 256 is Table 5's value; the README command runs the code's default 128, and the released checkpoint's "
    "path says bs256, 200 epochs, wd 1e-4 (clif.md §5.3): Table 5's 256 / 300 / 5e-4 kept, the conflict is "
    "unresolved.",
    "Augmentation: the README recipe, RandomCrop(64) without padding (a no-op on 64x64, as in their code) and "
    "horizontal flip; Table 5 / App. I say AutoAugment, which the code applies only with -cutupmix_auto "
    "(torchvision's ImageNet policy, not ASGL's): data_opts augment='autoaugment' selects it. No drop_last, as "
    "theirs. Files: tiny-imagenet-200 (train/<wnid>/images, val/val_annotations.txt), read and labelled as their "
    "TinyImageNet class (sorted wnids, RGB).",
)

_DVSCIFAR = (
    "Frames (frames='authors'): SpikingJelly split_by='number' (the last frame takes the N mod T remaining "
    "events) and per frame ToPILImage -> Resize(48) -> ToTensor with torchvision/Pillow, bit for bit their "
    "near-binary values (uint8 wrap of 255*count, 'LA' premultiplied resize); frames='clean' is the counts "
    "alternative.",
    "Events (layout='original'): the original figshare .aedat recordings read as their reader does "
    "(x -> 127 - x, p -> 1 - p), split per class 0-899 / 900-999, as theirs; no drop_last, as theirs. "
    "layout='tonic' reads tonic's .aedat4 conversion instead, whose orientation and polarity relative to these "
    "files are not verified [UNKNOWN: at worst a mirror and a channel swap of the whole dataset].",
)

_DVSCIFAR_AUG = (
    "Augmentation (augment='clif', train only): a flip and an integer rotation in [-15, 14] degrees, the same "
    "for every frame, nearest neighbour, on the 48x48 PIL frames, as their RandomHorizontalFlip + RandomRotation. "
    "Deliberate difference: their rotate(expand=True) grows frames to 50-60 px, which cannot be stacked into a "
    "batch (the released code cannot run so); the frame keeps 48x48 (expand=False), the centre of their "
    "expanded frame.",
)

_DVSCIFAR_NOAUG = (
    "No augmentation: ILIF's train.py comments the CLIF flip/rotation out (ilif.md §3.4).",
)

_GESTURE = (
    "Split: IBM's original recordings cut by their *_labels.csv rows and trials_to_train/test.txt exactly as "
    "SpikingJelly's DVS128Gesture (1176 / 288, same sample order), not tonic's preprocessed 1077 / 264. Labels are "
    "the dataset's (class - 1); SpikingJelly's DatasetFolder numbers the class folders in string order (folder "
    "10 -> label 2), a label permutation without effect on accuracy.",
    "Frames (frames='authors'): SpikingJelly split_by='number' (the last frame takes the N mod T remaining "
    "events), raw counts, 128x128, no augmentation; training loader drop_last=True, as theirs.",
)

_NMNIST = (
    "N-MNIST through tonic's files; frames='authors': SpikingJelly split_by='number' with the remainder in the "
    "last frame, as SpikingJelly's NMNIST loader of the PLIF code [INFERENCE: the KLIF code is not released].",
)

_KLIF = (
    "KLIF: the code is not released; network and recipe are the CLIF code's (CIFAR/DVS) or PLIF's (MNIST family) "
    "[INFERENCE, klif.md §3.2-3.3].",
)


def paper_data_opts(paper: str, dataset: str, neuron: str, T: int) -> dict:
    """The authors' data options of a paper configuration (merged under the registry's own ``data_opts``)."""
    opts: dict = {}
    if dataset == "cifar10_dvs":
        opts.update(frames="authors", layout="original")
        if paper in ("clif", "klif"):  # ILIF's train.py comments the augmentation out
            opts["augment"] = "clif"
    elif dataset == "dvs_gesture":
        opts.update(frames="authors", drop_last=True)
    elif dataset == "nmnist":
        opts["frames"] = "authors"
    if neuron == "relu" and dataset in EVENT_DATASETS:
        opts["integrate_T"] = T  # their ANN loop (T = 1) feeds frame 0 of the T-frame tensor
    return opts


def paper_notes(paper: str, dataset: str, neuron: str, T: int, data_opts: dict | None = None) -> str:
    """Every remaining deliberate difference from the authors' code for this configuration, with the reason."""
    data_opts = dict(data_opts or {})
    parts: list[str] = []
    if dataset in ("cifar10", "cifar100"):
        parts += _CIFAR_STAR if data_opts.get("augment") == "clif_star" else _CIFAR
    elif dataset == "tiny_imagenet":
        parts += _TINY
    elif dataset == "cifar10_dvs":
        parts += _DVSCIFAR
        parts += _DVSCIFAR_AUG if data_opts.get("augment") == "clif" else _DVSCIFAR_NOAUG
    elif dataset == "dvs_gesture":
        parts += _GESTURE
    elif dataset == "nmnist":
        parts += _NMNIST
    if neuron == "relu" and dataset in EVENT_DATASETS:
        parts.append(f"ANN baseline: their code builds the {T}-frame tensor and its loop with T = 1 feeds frame 0 "
                     f"only; here integrate_T={T}, T=1 gives that frame (the first N // {T} events).")
    if paper == "klif":
        parts += _KLIF
    parts += _COMMON
    return "\n".join(f"- {p}" for p in parts)


def authors_recipe(paper: str, dataset: str, neuron: str, T: int, data_opts: dict | None = None) -> dict:
    """``RunConfig`` fields of the authors' recipe: ``data_opts`` (the authors' options, overridden by
    ``data_opts``), ``deterministic="cudnn"`` and ``notes``."""
    opts = {**paper_data_opts(paper, dataset, neuron, T), **dict(data_opts or {})}
    if dataset in ("cifar10", "cifar100") and opts.get("augment") == "clif_star":
        opts.setdefault("drop_last", True)
    return {"data_opts": opts, "deterministic": "cudnn", "notes": paper_notes(paper, dataset, neuron, T, opts)}
