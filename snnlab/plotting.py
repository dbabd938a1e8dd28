"""One figure style for every notebook (seaborn), and small plotting helpers a reviewer accepts.

* ``NEURON_COLORS`` is the only source of neuron colours (``neuron_color(name)``; ``relu`` and ``ann`` are the
  same grey), so a neuron has one colour in every figure.
* ``interval_points(ax, data)``: one point per neuron (or any label) with its 95 % interval, optionally the
  individual seeds beside it; ``interval_bars(ax, data)``: bars that start at zero with the interval on top (for
  quantities whose zero means something: effects, firing rates, energy). No bar starts at 78 %.
* ``integer_epochs(ax)``: integer ticks on an epoch axis.
* ``heatmap(ax, values, ...)``: annotated heatmap whose cell text switches between dark and light for contrast;
  ``shared_limits(*arrays)`` gives one colour scale for every heatmap of a figure (pass it as ``vmin``/``vmax``).

``data`` for the interval helpers maps a label to either an object with ``mean``, ``ci_low``, ``ci_high`` (a
``snnlab.stats.Effect``), a ``(mean, low, high)`` triple, or the raw per-seed values (a sequence of numbers, whose
mean gets its Student-t 95 % interval, the one ``snnlab.stats`` uses; plotting sits below ``stats`` in the
layers, so it computes it with scipy itself).
"""
from __future__ import annotations

import math
import os
from typing import Mapping, Optional, Sequence

__all__ = ["use_style", "figure", "PALETTE", "NEURON_COLORS", "neuron_color", "interval_points", "interval_bars",
           "integer_epochs", "heatmap", "shared_limits"]

NEURON_COLORS = {
    "lif": "#4C72B0", "plif": "#55A868", "glif": "#8172B3", "klif": "#CCB974",
    "clif": "#C44E52", "ilif": "#DD8452", "relu": "#7f7f7f", "ann": "#7f7f7f",
}
PALETTE = list(NEURON_COLORS.values())


def use_style() -> None:
    """Headless backend, seaborn 'whitegrid' style with the snnlab palette."""
    import matplotlib

    if not os.environ.get("DISPLAY") and matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import seaborn as sns

    sns.set_theme(context="notebook", style="whitegrid", palette=PALETTE, font_scale=0.9)
    matplotlib.rcParams.update({"figure.dpi": 100, "savefig.dpi": 150, "axes.titlesize": "medium",
                                "pdf.fonttype": 42})


def figure(nrows: int = 1, ncols: int = 1, width: float = 6.0, height: float = 3.5, **kw):
    """``plt.subplots`` with the snnlab style applied; returns ``(fig, axes)``."""
    import matplotlib.pyplot as plt

    use_style()
    return plt.subplots(nrows, ncols, figsize=(width, height), constrained_layout=True, **kw)


def neuron_color(name: str) -> str:
    """The colour of a neuron (``lif plif glif klif clif ilif relu``/``ann``), the same in every figure."""
    key = str(name).lower()
    if key not in NEURON_COLORS:
        raise KeyError(f"no colour for neuron {name!r}; NEURON_COLORS has {sorted(NEURON_COLORS)}")
    return NEURON_COLORS[key]


def _interval(value) -> "tuple[float, float, float, list]":
    """(mean, low, high, raw values) from an Effect-like object, a (mean, low, high) triple or raw values."""
    if all(hasattr(value, k) for k in ("mean", "ci_low", "ci_high")):
        return float(value.mean), float(value.ci_low), float(value.ci_high), []
    vals = [float(v) for v in value]
    if isinstance(value, tuple) and len(vals) == 3:
        m, lo, hi = vals
        if not lo <= m <= hi:
            raise ValueError(f"a (mean, low, high) triple needs low <= mean <= high, got {value!r}; pass per-seed "
                             "values as a list")
        return m, lo, hi, []
    if len(vals) < 2:
        raise ValueError("one value has no interval; pass at least 2 seeds (a verdict needs 5)")
    import numpy as np
    from scipy import stats as st

    a = np.asarray(vals)
    m = float(a.mean())
    half = float(st.t.ppf(0.975, len(a) - 1) * a.std(ddof=1) / np.sqrt(len(a)))  # as snnlab.stats.paired_effect
    return m, m - half, m + half, vals


def _color(label, colors: Optional[Mapping]) -> str:
    if colors is not None and label in colors:
        return colors[label]
    key = str(label).lower()
    return NEURON_COLORS.get(key, "#333333")


def interval_points(ax, data: Mapping, *, order: Optional[Sequence] = None, colors: Optional[Mapping] = None,
                    show_seeds: bool = True, horizontal: bool = False, ylabel: str = "", reference=None,
                    reference_label: str = ""):
    """One point per label with its 95 % interval (error bar), in ``order`` (default: the mapping's order);
    per-seed values (when given raw) are drawn as small dots beside the point. ``reference``: a horizontal
    (vertical when ``horizontal``) line, e.g. 0 for effects. Returns ``ax``."""
    labels = list(order) if order is not None else list(data)
    for i, label in enumerate(labels):
        m, lo, hi, raw = _interval(data[label])
        c = _color(label, colors)
        err = [[m - lo], [hi - m]]
        if horizontal:
            ax.errorbar([m], [i], xerr=err, fmt="o", color=c, capsize=4, lw=1.6, ms=6, zorder=3)
        else:
            ax.errorbar([i], [m], yerr=err, fmt="o", color=c, capsize=4, lw=1.6, ms=6, zorder=3)
        if show_seeds and raw:
            pos = [i + 0.18] * len(raw)
            xs, ys = (raw, pos) if horizontal else (pos, raw)
            ax.scatter(xs, ys, s=10, color=c, alpha=0.45, linewidths=0, zorder=2)
    ticks = range(len(labels))
    names = [str(x) for x in labels]
    if horizontal:
        ax.set_yticks(list(ticks), names)
        ax.set_ylim(-0.6, len(labels) - 0.4)
        if ylabel:
            ax.set_xlabel(ylabel)
    else:
        ax.set_xticks(list(ticks), names)
        ax.set_xlim(-0.6, len(labels) - 0.4)
        if ylabel:
            ax.set_ylabel(ylabel)
    if reference is not None:
        line = ax.axvline if horizontal else ax.axhline
        line(reference, color="0.3", lw=0.9, ls="--", zorder=1, label=reference_label or None)
    return ax


def interval_bars(ax, data: Mapping, *, order: Optional[Sequence] = None, colors: Optional[Mapping] = None,
                  ylabel: str = "", show_seeds: bool = True, log: bool = False):
    """Bars from zero (the axis always includes 0) with the 95 % interval on top; per-seed values as dots. On a
    log axis (``log=True``) the values must be positive and the bars start at the axis' lower edge, so use it
    only for single quantities, never for stacked parts. Returns ``ax``."""
    labels = list(order) if order is not None else list(data)
    means = []
    for i, label in enumerate(labels):
        m, lo, hi, raw = _interval(data[label])
        if log and lo <= 0:
            raise ValueError(f"{label!r}: a log axis needs positive values, the interval reaches {lo:g}")
        c = _color(label, colors)
        ax.bar([i], [m], color=c, alpha=0.85, width=0.7, zorder=2)
        ax.errorbar([i], [m], yerr=[[m - lo], [hi - m]], fmt="none", ecolor="0.15", capsize=4, lw=1.3, zorder=3)
        if show_seeds and raw:
            ax.scatter([i + 0.2] * len(raw), raw, s=10, color="0.15", alpha=0.5, linewidths=0, zorder=4)
        means.append(m)
    ax.set_xticks(list(range(len(labels))), [str(x) for x in labels])
    if log:
        ax.set_yscale("log")
    else:
        lo, hi = ax.get_ylim()
        ax.set_ylim(min(lo, 0.0), max(hi, 0.0))
        ax.axhline(0.0, color="0.3", lw=0.8, zorder=1)
    if ylabel:
        ax.set_ylabel(ylabel)
    return ax


def integer_epochs(ax, axis: str = "x", label: Optional[str] = "epoch"):
    """Integer ticks on the epoch axis (``axis`` "x" or "y"); sets the label unless ``label`` is None."""
    from matplotlib.ticker import MaxNLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(MaxNLocator(integer=True))
    if label is not None:
        (ax.set_xlabel if axis == "x" else ax.set_ylabel)(label)
    return ax


def shared_limits(*arrays) -> "tuple[float, float]":
    """``(vmin, vmax)`` over every finite value of ``arrays``: one colour scale for all heatmaps of a figure."""
    import numpy as np

    vals = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays]) if arrays else np.array([])
    vals = vals[np.isfinite(vals)]
    if vals.size == 0:
        raise ValueError("shared_limits: no finite values")
    lo, hi = float(vals.min()), float(vals.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def heatmap(ax, values, row_labels: Sequence, col_labels: Sequence, *, vmin: Optional[float] = None,
            vmax: Optional[float] = None, cmap: str = "viridis", fmt: str = "{:.1f}", colorbar=True,
            colorbar_label: str = "", xlabel: str = "", ylabel: str = "", fontsize: Optional[float] = None):
    """Annotated heatmap of a 2-D array (rows × columns); NaN cells stay blank. Cell text is black on light and
    white on dark cells (by the colour's luminance), sized to fit. Give every heatmap of a figure the same
    ``vmin``/``vmax`` (``shared_limits``) and draw one colour bar for all of them: ``colorbar`` may be the list
    of the figure's axes, and the bar then spans them. Returns the image."""
    import numpy as np

    a = np.asarray(values, dtype=float)
    if a.ndim != 2 or a.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"heatmap: values of shape {a.shape} do not match {len(row_labels)} row labels × "
                         f"{len(col_labels)} column labels")
    if vmin is None or vmax is None:
        lo, hi = shared_limits(a)
        vmin = lo if vmin is None else vmin
        vmax = hi if vmax is None else vmax
    im = ax.imshow(np.ma.masked_invalid(a), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    ax.set_xticks(range(a.shape[1]), [str(c) for c in col_labels])
    ax.set_yticks(range(a.shape[0]), [str(r) for r in row_labels])
    ax.grid(False)
    if fontsize is None:
        fontsize = max(6.0, min(10.0, 40.0 / max(a.shape)))
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            v = a[i, j]
            if not math.isfinite(v):
                continue
            r, g, b, _ = im.cmap(im.norm(v))
            luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=fontsize,
                    color="black" if luminance > 0.5 else "white")
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if colorbar is not False and colorbar is not None:
        cb = ax.figure.colorbar(im, ax=ax if colorbar is True else colorbar)
        if colorbar_label:
            cb.set_label(colorbar_label)
    return im
