"""Put datasets in place: ``python -m snnlab.data.prepare NAME [...]`` (``make data`` calls it).

``fashion_mnist`` — tries, in order, and stops at the first that works:

1. the IDX files already in the data folder (``<root>/FashionMNIST/raw/`` or ``<root>/fashion-mnist/``);
2. the Debian package's folder ``/usr/share/datasets/fashion-mnist`` (env ``SNNLAB_DEBIAN_FMNIST``), used in
   place (``--copy`` copies the files into ``<root>/fashion-mnist/``);
3. when running as root and the package is missing: ``apt-get install -y dataset-fashion-mnist`` (timeout
   ``--apt-timeout``; skipped when ``SNNLAB_NO_APT=1``);
4. torchvision's download, only if a socket connection to its mirror succeeds within 3 s (skipped when
   ``SNNLAB_NO_DOWNLOAD=1``);
5. otherwise exits with status 1 and a message naming the files and where to put them.

``sim_fashion_events`` — generates the simulated event set from Fashion-MNIST into
``<root>/sim_fashion_events/`` (``--n-train/--n-test`` for a subset, ``--seed``) and prints the per-class
event statistics.

Other names: checks that the files are present (``--download`` lets torchvision/tonic fetch them).

``--check-paper`` (``make data-paper``): checks every dataset of the papers (MNIST, Fashion-MNIST, CIFAR-10/100,
Tiny-ImageNet, N-MNIST, CIFAR10-DVS, DVS128 Gesture in IBM's original layout), prints which are present and what
is missing, and exits 1 if any is missing (add ``--download`` to fetch them).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

__all__ = ["main", "prepare_fashion_mnist", "prepare_sim_fashion_events", "network_reachable"]


def _log(msg: str) -> None:
    print(f"[prepare] {msg}", flush=True)


def network_reachable(url: str, timeout: float = 3.0) -> bool:
    """True if a TCP connection to ``url``'s host can be opened within ``timeout`` seconds."""
    parts = urlparse(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def _fmnist_present(root: Path):
    from snnlab.data.errors import DatasetNotFoundError
    from snnlab.data.static import find_idx_files

    try:
        return [*find_idx_files("fashion_mnist", "train", root), *find_idx_files("fashion_mnist", "test", root)]
    except DatasetNotFoundError:
        return None


def _apt_install(timeout: float) -> bool:
    if os.environ.get("SNNLAB_NO_APT") == "1":
        _log("apt step skipped (SNNLAB_NO_APT=1)")
        return False
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        _log("apt step skipped (not root or no apt-get)")
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "install", "-y", "dataset-fashion-mnist"], ["apt-get", "update"],
                ["apt-get", "install", "-y", "dataset-fashion-mnist"]):
        _log("running " + " ".join(cmd))
        try:
            r = subprocess.run(cmd, env=env, timeout=timeout, capture_output=True, text=True)
        except (subprocess.TimeoutExpired, OSError) as e:
            _log(f"{cmd[1]} failed: {e}")
            return False
        if cmd[1] == "install" and r.returncode == 0:
            return True
    return False


def _torchvision_download(root: Path) -> bool:
    if os.environ.get("SNNLAB_NO_DOWNLOAD") == "1":
        _log("download skipped (SNNLAB_NO_DOWNLOAD=1)")
        return False
    from torchvision.datasets import FashionMNIST

    mirrors = list(getattr(FashionMNIST, "mirrors", []))
    if not mirrors or not network_reachable(mirrors[0]):
        _log(f"download skipped: {mirrors[0] if mirrors else 'torchvision mirror'} is not reachable")
        return False
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(30)
    try:
        for train in (True, False):
            FashionMNIST(str(root), train=train, download=True)
        return True
    except Exception as e:  # network errors of any kind
        _log(f"download failed: {type(e).__name__}: {e}")
        return False
    finally:
        socket.setdefaulttimeout(old)


def prepare_fashion_mnist(root: Path, copy: bool = False, apt_timeout: float = 300.0) -> int:
    from snnlab.data.static import IDX_FILES, debian_fmnist_dir

    found = _fmnist_present(root)
    debian = debian_fmnist_dir()
    if found is None and debian.is_dir() is False:
        if _apt_install(apt_timeout):
            found = _fmnist_present(root)
    if found is None and _torchvision_download(root):
        found = _fmnist_present(root)
    if found is None:
        names = [s + ".gz" for split in ("train", "test") for s in IDX_FILES[split]]
        print("[prepare] Fashion-MNIST not found and could not be fetched.\n"
              f"  Put these 4 files (raw or .gz) into {root / 'fashion-mnist'}/ :\n    " + "\n    ".join(names) +
              f"\n  (or into {root / 'FashionMNIST' / 'raw'}/, torchvision's layout), or install the Debian "
              f"package dataset-fashion-mnist (apt-get install dataset-fashion-mnist), which puts them into "
              f"{debian}/.", file=sys.stderr)
        return 1
    from snnlab.data.errors import CorruptDatasetError
    from snnlab.data.static import load_idx_split

    try:  # read them: a truncated or foreign file must fail `make data`, not the first training
        for split in ("train", "test"):
            load_idx_split("fashion_mnist", split, root)
    except CorruptDatasetError as e:
        print(f"[prepare] Fashion-MNIST is damaged: {e}", file=sys.stderr)
        return 1
    where = found[0].parent
    if copy and where == debian:
        dest = root / "fashion-mnist"
        dest.mkdir(parents=True, exist_ok=True)
        for f in found:
            shutil.copy2(f, dest / f.name)
        _log(f"copied {len(found)} files from {debian} to {dest}")
        where = dest
    _log(f"fashion_mnist: using {where} ({', '.join(f.name for f in found)})")
    return 0


def prepare_sim_fashion_events(root: Path, n_train: int | None, n_test: int | None, seed: int = 0) -> int:
    from snnlab.data.errors import DatasetNotFoundError
    from snnlab.data.simulated import build_source, event_stats
    from snnlab.data.static import FASHION_CLASSES

    for split, n in (("train", n_train), ("test", n_test)):
        start = time.perf_counter()
        try:
            src = build_source(root, split, n=n, seed=seed, progress=True)
        except DatasetNotFoundError as e:
            print(f"[prepare] {e}\n  run `python -m snnlab.data.prepare fashion_mnist` first.", file=sys.stderr)
            return 1
        total, _ = src.counts()
        _log(f"sim_fashion_events {split}: {len(src)} samples, {int(total.sum())} events in {src.folder} "
             f"({time.perf_counter() - start:.1f} s)")
        print(event_stats(src, FASHION_CLASSES).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def _prepare_other(name: str, root: Path, download: bool) -> int:
    import snnlab.data as data

    try:
        for split in ("train", "test"):
            if name in data.STATIC:
                ds = data.build(name, split, root=root, download=download, augment="none")
            elif name in data.EVENTS:
                from snnlab.data import events

                if name == "dvs_gesture":
                    from snnlab.data.gesture import GestureSource

                    ds = GestureSource.from_root(root, split)
                elif name == "cifar10_dvs":  # the original recordings (paper configs), else tonic's .aedat4
                    from snnlab.data.cifar10_dvs import OriginalCifar10DvsSource

                    try:
                        ds = OriginalCifar10DvsSource(root, split)
                    except data.DatasetNotFoundError:
                        ds = events.tonic_cifar10_dvs(root, split, download)
                        _log(f"cifar10_dvs {split}: tonic's .aedat4 files (the paper configs read the original "
                             "figshare .aedat files: layout='original')")
                else:
                    ds = events.tonic_nmnist(root, split, download)
            else:
                _log(f"{name} needs no files")
                return 0
            _log(f"{name} {split}: {len(ds)} samples")
    except data.DatasetNotFoundError as e:
        print(f"[prepare] {e}", file=sys.stderr)
        return 1
    return 0


def check_paper(root: Path, download: bool = False) -> int:
    """Presence of every paper dataset; 0 when all are there."""
    import snnlab.data as data

    missing = []
    for name in (*data.STATIC, *data.EVENTS):
        if _prepare_other(name, root, download) != 0:
            missing.append(name)
    if missing:
        print(f"[prepare] paper datasets missing under {root}: {', '.join(missing)} (see the messages above; "
              "`python -m snnlab.data.prepare --check-paper --download` fetches them where a network is "
              "available)", file=sys.stderr)
        return 1
    _log("all paper datasets are present")
    return 0


def main(argv: list[str] | None = None) -> int:
    from snnlab import paths
    from snnlab.data import available

    ap = argparse.ArgumentParser(prog="python -m snnlab.data.prepare", description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", metavar="NAME",
                    help="datasets: " + " ".join(available()))
    ap.add_argument("--root", type=Path, default=None, help="data folder (default: snnlab.paths.data_dir())")
    ap.add_argument("--copy", action="store_true", help="copy Debian's Fashion-MNIST files into <root>")
    ap.add_argument("--apt-timeout", type=float, default=300.0)
    ap.add_argument("--n-train", type=int, default=None, help="sim_fashion_events: first N training samples")
    ap.add_argument("--n-test", type=int, default=None, help="sim_fashion_events: first N test samples")
    ap.add_argument("--seed", type=int, default=0, help="sim_fashion_events generator seed")
    ap.add_argument("--download", action="store_true", help="other datasets: allow torchvision/tonic downloads")
    ap.add_argument("--check-paper", action="store_true", help="check that every paper dataset is present")
    args = ap.parse_args(argv)
    if not args.names and not args.check_paper:
        ap.error("give at least one dataset NAME or --check-paper")
    for name in args.names:
        if name not in available():
            ap.error(f"unknown dataset {name!r}; choose from {', '.join(available())}")
    root = (args.root or paths.data_dir()).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    status = 0
    for name in args.names:
        if name == "fashion_mnist":
            status |= prepare_fashion_mnist(root, args.copy, args.apt_timeout)
        elif name == "sim_fashion_events":
            status |= prepare_sim_fashion_events(root, args.n_train, args.n_test, args.seed)
        else:
            status |= _prepare_other(name, root, args.download)
    if args.check_paper:
        status |= check_paper(root, args.download)
    return status


if __name__ == "__main__":
    sys.exit(main())
