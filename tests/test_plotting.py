"""snnlab.plotting helpers build the figures a reviewer accepts: intervals per neuron in the neurons' own colours,
bars from zero, integer epoch ticks, heatmaps with one colour scale and readable cell text."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from snnlab import plotting, stats  # noqa: E402


def test_every_neuron_has_one_colour():
    for n in ("lif", "plif", "glif", "klif", "clif", "ilif", "relu"):
        assert plotting.neuron_color(n) == plotting.NEURON_COLORS[n]
    assert plotting.neuron_color("ANN") == plotting.neuron_color("relu")
    assert len({plotting.NEURON_COLORS[n] for n in ("lif", "plif", "glif", "klif", "clif", "ilif", "relu")}) == 7
    with pytest.raises(KeyError, match="no colour"):
        plotting.neuron_color("hh")


def test_interval_points_draw_the_t_interval_in_neuron_colours():
    seeds = {"lif": [88.1, 88.9, 87.5, 88.4, 88.0], "clif": [88.6, 89.2, 88.1, 88.8, 88.7]}
    eff = stats.paired_effect(seeds["clif"], seeds["lif"])
    fig, (ax, ax2) = plotting.figure(1, 2)
    plotting.interval_points(ax, seeds, ylabel="test accuracy (%)")
    plotting.interval_points(ax2, {"clif": eff, "relu": (0.1, -0.2, 0.4)}, reference=0.0, horizontal=True)
    # one error bar per label, with the interval's ends
    (line_lif, caps, (bars,)) = ax.containers[0].lines
    seg = bars.get_segments()[0]
    ref = stats.paired_effect(seeds["lif"])
    assert seg[0][1] == pytest.approx(ref.ci_low) and seg[1][1] == pytest.approx(ref.ci_high)
    assert to_hex(line_lif.get_color()) == plotting.NEURON_COLORS["lif"].lower()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["lif", "clif"]
    assert len(ax.collections) >= 2 + 2  # bars + seed dots
    seg2 = ax2.containers[0].lines[2][0].get_segments()[0]
    assert (seg2[0][0], seg2[1][0]) == pytest.approx((eff.ci_low, eff.ci_high))
    fig.canvas.draw()
    with pytest.raises(ValueError, match="one value"):
        plotting.interval_points(ax, {"lif": [88.0]})
    with pytest.raises(ValueError, match="low <= mean <= high"):
        plotting.interval_points(ax, {"lif": (1.0, 2.0, 3.0)})
    matplotlib.pyplot.close(fig)


def test_bars_start_at_zero():
    fig, ax = plotting.figure()
    plotting.interval_bars(ax, {"lif": [0.21, 0.22, 0.2, 0.23, 0.21], "clif": [0.18, 0.19, 0.2, 0.18, 0.17]},
                           ylabel="firing rate")
    fig.canvas.draw()
    assert ax.get_ylim()[0] <= 0.0
    assert [p.get_y() for p in ax.patches] == [0.0, 0.0]
    assert to_hex(ax.patches[1].get_facecolor()) == plotting.NEURON_COLORS["clif"].lower()
    with pytest.raises(ValueError, match="log axis"):
        plotting.interval_bars(ax, {"lif": (0.1, -0.1, 0.3)}, log=True)
    matplotlib.pyplot.close(fig)


def test_integer_epoch_ticks():
    fig, ax = plotting.figure()
    ax.plot([0, 1, 2], [0.5, 0.7, 0.8])
    plotting.integer_epochs(ax)
    fig.canvas.draw()
    ticks = [t for t in ax.get_xticks() if 0 <= t <= 2]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert ax.get_xlabel() == "epoch"
    matplotlib.pyplot.close(fig)


def test_heatmaps_share_one_scale_and_keep_text_readable():
    a = np.array([[0.1, 0.5], [0.9, np.nan]])
    b = np.array([[0.0, 2.0], [1.0, 1.5]])
    vmin, vmax = plotting.shared_limits(a, b)
    assert (vmin, vmax) == (0.0, 2.0)
    fig, axes = plotting.figure(1, 2)
    im1 = plotting.heatmap(axes[0], a, ["τ=1.1", "τ=2"], ["k=1", "k=2"], vmin=vmin, vmax=vmax, colorbar=False)
    im2 = plotting.heatmap(axes[1], b, ["τ=1.1", "τ=2"], ["k=1", "k=2"], vmin=vmin, vmax=vmax,
                           colorbar=list(axes), colorbar_label="accuracy drop (points)")
    fig.canvas.draw()
    assert im1.norm.vmin == im2.norm.vmin == 0.0 and im1.norm.vmax == im2.norm.vmax == 2.0
    texts = {t.get_text(): t.get_color() for t in axes[1].texts}
    assert texts["0.0"] == "white" and texts["2.0"] == "black"  # viridis: dark at the bottom, light at the top
    assert len(axes[0].texts) == 3  # the NaN cell stays blank
    assert len(fig.axes) == 3  # one colour bar for both
    with pytest.raises(ValueError, match="row labels"):
        plotting.heatmap(axes[0], a, ["one"], ["k=1", "k=2"])
    matplotlib.pyplot.close(fig)
