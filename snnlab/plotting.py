"""One figure style for every notebook (seaborn), and small plotting helpers."""
from __future__ import annotations

import os

__all__ = ["use_style", "figure", "PALETTE", "NEURON_COLORS"]

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
