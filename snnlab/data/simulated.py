"""Simulated event-camera Fashion-MNIST (``sim_fashion_events``): no download needed.

Each 28×28 Fashion-MNIST image is placed on a 34×34 sensor (N-MNIST's sensor size, tonic ``(34, 34, 2)``)
and moved along a saccade path of three straight moves, like the N-MNIST recordings (Orchard et al. 2015:
a triangle, each move ≈100 ms). Our path is N-MNIST's triangle scaled to stay on the sensor:
top-left offset ``(0,0) -> (3,6) -> (6,0) -> (0,0)`` px (x, y), ``saccade_ms`` per move, rendered with
bilinear sub-pixel shifts at ``steps_per_saccade`` instants per move.

Pixel model (an ideal DVS with per-pixel threshold mismatch), for pixel q and step k:

    L_k(q)   = log(I_k(q) + eps)                      I_k = rendered intensity in [0, 1]
    C_on(q)  = C·(1 + σ·n_on(q)),  C_off(q) = C·(1 + σ·n_off(q)),   n ~ N(0, 1) per pixel and sample,
               clipped below at 0.2·C
    D        = L_k(q) − L_ref(q)
    ON  events: n = floor(D / C_on)    if D > 0;   L_ref += n·C_on
    OFF events: n = floor(−D / C_off)  if D < 0;   L_ref −= n·C_off

``L_ref`` starts at ``L_0`` (the sensor has adapted to the still image). The j-th crossing within a step is
time-stamped where the linearly interpolated ``L`` reaches the level ``L_ref ± j·C`` (µs, integer). Events
are tonic structured arrays (fields x, y, t, p; ``tonic.io.events_struct``), sorted by time.

Everything is computed in float64, so that a threshold crossing does not flip between machines whose
SIMD ``log`` differ in the last bit (float32 made that likely over millions of comparisons).

Determinism: sample i of a split uses ``numpy.random.default_rng([seed, split_code, i])``, so a subset of
size n is exactly the first n samples of the full set, whatever chunking is used. The generated events are
stored once under ``<root>/sim_fashion_events/v<VERSION>-<key>/<split>/`` (key = hash of every generator
parameter) as column arrays (x, y uint8; t uint32; p uint8; offsets int64; labels uint8) read memory-mapped.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from snnlab.data.errors import CorruptDatasetError

__all__ = ["SimParams", "simulate_events", "generate_split", "SimEventSource", "build_source", "event_stats",
           "GENERATOR_VERSION", "SENSOR_SIZE"]

GENERATOR_VERSION = 2
SENSOR_SIZE = (34, 34, 2)  # tonic (W, H, P)
_SPLIT_CODE = {"train": 0, "test": 1}
_COLUMNS = ("x", "y", "t", "p")


@dataclass(frozen=True)
class SimParams:
    """Generator parameters (all enter the cache key). The defaults give ≈2.6k events per sample on average
    (N-MNIST: ≈4k) and an ON fraction ≈0.52. σ = 3 % is a typical DVS threshold mismatch [INFERENCE]."""

    seed: int = 0
    threshold: float = 0.5           # C, log-intensity contrast threshold
    threshold_sigma: float = 0.03    # σ, relative per-pixel threshold mismatch
    eps: float = 0.2                 # log offset: L = log(I + eps)
    path: tuple = ((0.0, 0.0), (3.0, 6.0), (6.0, 0.0), (0.0, 0.0))  # image top-left offsets (x, y), px
    saccade_ms: float = 100.0
    steps_per_saccade: int = 20

    def __post_init__(self):
        if self.threshold <= 0:
            raise ValueError(f"threshold must be > 0, got {self.threshold}")
        if not 0 <= self.threshold_sigma < 1:
            raise ValueError(f"threshold_sigma must be in [0, 1), got {self.threshold_sigma}")
        if self.eps <= 0:
            raise ValueError(f"eps must be > 0, got {self.eps}")
        if self.steps_per_saccade < 1:
            raise ValueError(f"steps_per_saccade must be >= 1, got {self.steps_per_saccade}")
        pts = np.asarray(self.path, dtype=float)
        if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 2:
            raise ValueError(f"path must be a list of (x, y) offsets with >= 2 points, got {self.path}")
        if pts.min() < 0 or pts.max() > SENSOR_SIZE[0] - 28:
            raise ValueError(f"path offsets must stay in [0, {SENSOR_SIZE[0] - 28}] px so the image stays on the "
                             f"34x34 sensor, got {self.path}")
        object.__setattr__(self, "path", tuple(tuple(float(v) for v in p) for p in self.path))

    def key(self) -> str:
        blob = json.dumps({"version": GENERATOR_VERSION, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


def _positions(params: SimParams) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (x, y) at every step and the step times in µs (step 0 = start of the first move)."""
    pts = np.asarray(params.path, dtype=np.float64)
    n = params.steps_per_saccade
    segs = [pts[i] + (pts[i + 1] - pts[i]) * (np.arange(1, n + 1)[:, None] / n) for i in range(len(pts) - 1)]
    pos = np.concatenate([pts[:1], *segs])
    times = np.arange(len(pos)) * (params.saccade_ms * 1000.0 / n)
    return pos, times


def _render(images: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """Bilinear sub-pixel placement of ``images [B, 28, 28]`` (float, [0, 1]) at offset (dx, dy)."""
    b, h, w = images.shape
    H, W = SENSOR_SIZE[1], SENSOR_SIZE[0]
    out = np.zeros((b, H, W), dtype=np.float64)
    ix, iy = int(np.floor(dx)), int(np.floor(dy))
    fx, fy = dx - ix, dy - iy
    for ox, oy, wt in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        if wt <= 1e-12:
            continue
        x0, y0 = ix + ox, iy + oy
        xs, ys = max(0, x0), max(0, y0)
        xe, ye = min(W, x0 + w), min(H, y0 + h)
        if xe > xs and ye > ys:
            out[:, ys:ye, xs:xe] += wt * images[:, ys - y0:ye - y0, xs - x0:xe - x0]
    return out


def _thresholds(params: SimParams, split: str, indices: np.ndarray) -> np.ndarray:
    """Per-sample, per-pixel thresholds ``[B, 2, H, W]`` (OFF, ON) from each sample's own RNG."""
    H, W = SENSOR_SIZE[1], SENSOR_SIZE[0]
    out = np.empty((len(indices), 2, H, W), dtype=np.float64)
    code = _SPLIT_CODE[split]
    for k, i in enumerate(indices):
        rng = np.random.default_rng([params.seed, code, int(i)])
        out[k] = rng.standard_normal((2, H, W))
    c = params.threshold * (1.0 + params.threshold_sigma * out)
    return np.maximum(c, 0.2 * params.threshold)


def simulate_events(images: np.ndarray, indices: np.ndarray, split: str, params: SimParams
                    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Simulate a batch. Returns per-sample event counts ``[B]`` and the concatenated, per-sample
    time-sorted columns ``x, y, t, p`` (sample-major order)."""
    imgs = np.asarray(images, dtype=np.float64) / 255.0
    B = len(imgs)
    H, W = SENSOR_SIZE[1], SENSOR_SIZE[0]
    pos, times = _positions(params)
    C = _thresholds(params, split, np.asarray(indices))
    c_off, c_on = C[:, 0].ravel(), C[:, 1].ravel()
    eps = params.eps
    L_prev = np.log(_render(imgs, *pos[0]) + eps).ravel()
    L_ref = L_prev.copy()
    cols: dict[str, list[np.ndarray]] = {"i": [], "t": [], "p": []}
    dt = times[1] - times[0]
    for k in range(1, len(pos)):
        L = np.log(_render(imgs, *pos[k]) + eps).ravel()
        D = L - L_ref
        for polarity in (1, 0):
            c = c_on if polarity else c_off
            q = (D if polarity else -D) / c
            idx = np.flatnonzero(q >= 1.0)
            if len(idx) == 0:
                continue
            cnt = np.floor(q[idx]).astype(np.int64)
            cc, lr, lp, lk = c[idx], L_ref[idx], L_prev[idx], L[idx]
            rep = np.repeat(np.arange(len(idx)), cnt)
            j = np.arange(len(rep)) - np.repeat(np.cumsum(cnt) - cnt, cnt) + 1
            if polarity:
                s = (lr[rep] + j * cc[rep] - lp[rep]) / (lk - lp)[rep]
                L_ref[idx] = lr + cnt * cc
            else:
                s = (lp[rep] - lr[rep] + j * cc[rep]) / (lp - lk)[rep]
                L_ref[idx] = lr - cnt * cc
            cols["i"].append(idx[rep])
            cols["t"].append(np.floor(times[k - 1] + np.clip(s, 0.0, 1.0) * dt).astype(np.int64))
            cols["p"].append(np.full(len(rep), polarity, dtype=np.uint8))
        L_prev = L
    if not cols["i"]:
        return np.zeros(B, dtype=np.int64), {k: np.zeros(0, dtype=np.int64) for k in _COLUMNS}
    flat = np.concatenate(cols["i"])
    t = np.concatenate(cols["t"])
    p = np.concatenate(cols["p"])
    b, rem = np.divmod(flat, H * W)
    order = np.argsort((b << 32) | t, kind="stable")  # by sample, then time (t < 2**32 µs)
    b, rem, t, p = b[order], rem[order], t[order], p[order]
    y, x = np.divmod(rem, W)
    counts = np.bincount(b, minlength=B)
    return counts, {"x": x, "y": y, "t": t, "p": p}


def generate_split(images: np.ndarray, labels: np.ndarray, split: str, params: SimParams, folder: Path,
                   chunk: int = 1000, progress: bool = False, complete: bool = False) -> dict:
    """Simulate every image given into ``folder`` (column .npy files + meta.json, written last);
    ``complete`` records that these are all the images of the split."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    tmp = folder.with_name(folder.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    n = len(images)
    start = time.perf_counter()
    parts, counts = [], []
    it = range(0, n, chunk)
    if progress:
        from tqdm.auto import tqdm

        it = tqdm(it, desc=f"simulating {split}", leave=False)
    for c, lo in enumerate(it):
        hi = min(n, lo + chunk)
        cnt, ev = simulate_events(images[lo:hi], np.arange(lo, hi), split, params)
        part = {"x": ev["x"].astype(np.uint8), "y": ev["y"].astype(np.uint8),
                "t": ev["t"].astype(np.uint32), "p": ev["p"].astype(np.uint8)}
        path = tmp / f"part{c:05d}.npz"
        np.savez(path, **part)
        parts.append(path)
        counts.append(cnt)
    counts = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    total = int(offsets[-1])
    dtypes = {"x": np.uint8, "y": np.uint8, "t": np.uint32, "p": np.uint8}
    outs = {k: np.lib.format.open_memmap(tmp / f"{k}.npy", mode="w+", dtype=dtypes[k], shape=(total,))
            for k in _COLUMNS}
    pos = 0
    for path in parts:
        with np.load(path) as z:
            m = len(z["x"])
            for k in _COLUMNS:
                outs[k][pos:pos + m] = z[k]
        pos += m
        path.unlink()
    for k in _COLUMNS:
        outs[k].flush()
    del outs
    np.save(tmp / "offsets.npy", offsets)
    np.save(tmp / "labels.npy", np.asarray(labels, dtype=np.uint8))
    meta = {"params": asdict(params), "version": GENERATOR_VERSION, "split": split, "n": n, "complete": complete,
            "events": total, "seconds": round(time.perf_counter() - start, 2)}
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
    tmp.rename(folder)
    return meta


class SimEventSource:
    """Memory-mapped simulated events of one split (the first ``n`` samples)."""

    def __init__(self, folder: Path, n: int | None = None):
        self.folder = Path(folder)
        try:
            self.meta = json.loads((self.folder / "meta.json").read_text())
            self._cols = {k: np.load(self.folder / f"{k}.npy", mmap_mode="r") for k in _COLUMNS}
            self.offsets = np.load(self.folder / "offsets.npy")
            labels = np.load(self.folder / "labels.npy")
        except (OSError, ValueError, json.JSONDecodeError) as e:
            raise CorruptDatasetError(f"{self.folder}: simulated event files are unreadable ({e}); delete the "
                                      "folder and they will be generated again") from e
        total = self.meta["n"]
        if len(self.offsets) != total + 1 or len(labels) != total or \
                any(len(c) != self.offsets[-1] for c in self._cols.values()):
            raise CorruptDatasetError(f"{self.folder}: column lengths disagree with meta.json (truncated?); "
                                      "delete the folder and they will be generated again")
        n = total if n is None else n
        if n > total:
            raise ValueError(f"{self.folder} holds {total} samples, {n} requested")
        self.n = n
        self.targets = labels[:n].astype(np.int64)
        self.fingerprint = {"generator": self.folder.parent.name, "split": self.meta["split"], "n": n}

    def __len__(self) -> int:
        return self.n

    def events(self, index: int) -> np.ndarray:
        from tonic.io import events_struct

        if not 0 <= index < self.n:
            raise IndexError(f"index {index} out of range for {self.n} samples")
        lo, hi = int(self.offsets[index]), int(self.offsets[index + 1])
        ev = np.empty(hi - lo, dtype=events_struct)
        for k in _COLUMNS:
            ev[k] = self._cols[k][lo:hi]
        return ev

    def subset(self, n: int) -> "SimEventSource":
        return SimEventSource(self.folder, min(n, self.n))

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Events per sample and ON events per sample (vectorised)."""
        off = self.offsets[: self.n + 1]
        total = np.diff(off)
        csum = np.concatenate([[0], np.cumsum(np.asarray(self._cols["p"][: off[-1]], dtype=np.int64))])
        on = csum[off[1:]] - csum[off[:-1]]
        return total, on


def build_source(root: Path, split: str, n: int | None = None, download: bool = False, progress: bool | None = None,
                 chunk: int = 1000, **params) -> SimEventSource:
    """The simulated events of ``split`` (first ``n`` samples; all when None or larger than the split),
    generated on first use from the Fashion-MNIST files (see :mod:`snnlab.data.static` for where they are
    looked for); a stored prefix at least ``n`` long, or the complete split, is reused."""
    from snnlab.data.static import load_idx_split

    if split not in _SPLIT_CODE:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    from snnlab.fileio import file_lock

    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"n must be a positive int or None, got {n!r}")
    p = SimParams(**params)
    folder = Path(root) / "sim_fashion_events" / f"v{GENERATOR_VERSION}-{p.key()}" / split

    def existing():
        if (folder / "meta.json").is_file():
            src = SimEventSource(folder)
            if src.meta.get("complete"):  # the whole split was simulated: serve any prefix of it
                return src if n is None else src.subset(min(n, src.meta["n"]))
            if n is not None and src.meta["n"] >= n:
                return src.subset(n)
        return None

    src = existing()
    if src is not None:
        return src
    with file_lock(folder.with_name(f".{split}.lock")):
        src = existing()  # generated by another process while we waited?
        if src is not None:
            return src
        images, labels = load_idx_split("fashion_mnist", split, Path(root), download)
        complete = n is None or n >= len(images)
        if not complete:
            images, labels = images[:n], labels[:n]
        if progress is None:
            progress = len(images) > 5000
        generate_split(images, labels, split, p, folder, chunk=chunk, progress=progress, complete=complete)
    return SimEventSource(folder)


def event_stats(source, classes=None):
    """Per-class event statistics as a pandas DataFrame: samples, mean/std/min/max events per sample and the
    ON fraction (ON events / all events, pooled over the class)."""
    import pandas as pd

    if hasattr(source, "source"):  # an EventFrameDataset
        classes = classes or getattr(source, "classes", None)
        source = source.source
    if hasattr(source, "counts"):
        total, on = source.counts()
    else:
        total, on = [], []
        for i in range(len(source)):
            ev = source.events(i)
            total.append(len(ev))
            on.append(int(np.count_nonzero(ev["p"])))
        total, on = np.asarray(total), np.asarray(on)
    targets = np.asarray(source.targets)
    rows = []
    for c in np.unique(targets):
        m = targets == c
        t = total[m]
        rows.append({"class": int(c), "name": classes[c] if classes is not None else str(c), "samples": int(m.sum()),
                     "events_mean": float(t.mean()), "events_std": float(t.std()), "events_min": int(t.min()),
                     "events_max": int(t.max()), "on_fraction": float(on[m].sum() / max(1, t.sum()))})
    return pd.DataFrame(rows)
