"""Seeding and a record of the software/hardware a result was produced with."""
from __future__ import annotations

import os
import platform
import random
import subprocess
from functools import lru_cache

__all__ = ["seed_everything", "env_info", "git_revision"]


def seed_everything(seed: int, deterministic: bool | str = False) -> int:
    """Seed Python, NumPy and PyTorch (CPU and every CUDA device) with ``seed``.

    ``deterministic``: ``False`` leaves the cuDNN flags as PyTorch sets them (``cudnn.deterministic=False``);
    ``"cudnn"`` sets ``torch.backends.cudnn.deterministic = True`` and ``benchmark = False``, exactly what the
    CLIF/ILIF code sets (``train.py:36-37``), and nothing else; ``True`` additionally asks PyTorch for
    deterministic algorithms everywhere (``use_deterministic_algorithms``, warn only; slower on GPU).
    Returns the seed so that it can be logged.
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if deterministic not in (False, True, "cudnn"):
        raise ValueError(f"deterministic must be False, True or 'cudnn', got {deterministic!r}")
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.backends.cudnn.deterministic = bool(deterministic)
    if deterministic:
        torch.backends.cudnn.benchmark = False
    if deterministic is True:
        torch.use_deterministic_algorithms(True, warn_only=True)
    return seed


@lru_cache(maxsize=1)
def git_revision() -> str:
    """Short git revision of the snnlab checkout, with ``+dirty`` if it has local changes."""
    from snnlab.paths import repo_root

    root = repo_root()
    try:
        rev = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def env_info() -> dict:
    """torch / CUDA / device / snnlab revision, for notebook metadata and run folders."""
    import torch

    cuda = torch.cuda.is_available()
    return {
        "snnlab_revision": git_revision(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda if cuda else None,
        "device": torch.cuda.get_device_name(0) if cuda else f"cpu ({platform.processor() or platform.machine()})",
        "cpu_threads": torch.get_num_threads(),
        "host": platform.node(),
    }
