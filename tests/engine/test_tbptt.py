"""Truncated BPTT (clif.md §5.1 (b)): k = T equals full BPTT, k = 1 equals the spatial-only gradient."""
from __future__ import annotations

import pytest
import torch

import snnlab.models as M
from snnlab import losses, tbptt
from snnlab.models.layers import neuron_layers, reset_net

T = 4


def _net(neuron, bn=True, dropout=0.0, **params):
    torch.manual_seed(0)
    if dropout:
        m = M.build("small_conv", neuron=neuron, neuron_params=params, in_channels=1, channels=(3,), hidden=6,
                    dropout=dropout, input_size=6, num_classes=3)
    else:
        m = M.build("mlp", neuron=neuron, neuron_params=params, in_features=5, hidden=(7, 6), bn=bn, num_classes=3)
    return m.double()


def _x(shape):
    g = torch.Generator().manual_seed(1)
    return (torch.randn(T, *shape, generator=g, dtype=torch.float64) * 1.5 + 0.6)


def _grads(m):
    return torch.cat([p.grad.reshape(-1) for p in m.parameters()])


def _full(m, x, y, lf):
    m.zero_grad()
    reset_net(m)
    lf(m(x), y).backward()
    return _grads(m).clone()


def _spatial_reference(m, x, y, lf):
    """Independent spatial-only gradient: one graph, every neuron state detached after each step."""
    m.zero_grad()
    reset_net(m)
    outs = []
    for t in range(x.shape[0]):
        outs.append(m(x[t:t + 1]))
        for _, n in neuron_layers(m):
            st = n.get_state()
            n.set_state({k: (v.detach() if isinstance(v, torch.Tensor) else v) for k, v in st.items()})
    lf(torch.cat(outs), y).backward()
    return _grads(m).clone()


def _windowed(m, x, y, lf, k, force=True):
    m.zero_grad()
    reset_net(m)
    tbptt.truncated_backward(m, x, y, lf, k, force_windowed=force)
    return _grads(m).clone()


NEURONS = [("lif", {"surrogate": "sigmoid"}, "tet"), ("clif", {"surrogate": "sigmoid"}, "ce"), ("ilif", {}, "tet"),
           ("klif", {}, "ce")]


@pytest.mark.parametrize("neuron,params,loss", NEURONS, ids=[f"{n}-{l}" for n, _, l in NEURONS])
def test_k_equal_T_is_full_bptt_and_k1_is_spatial_only(neuron, params, loss):
    m = _net(neuron, **params)
    x, y = _x((5, 5)), torch.tensor([0, 1, 2, 1, 0])
    lf = losses.build(loss)
    full = _full(m, x, y, lf)
    kT = _windowed(m, x, y, lf, T)
    torch.testing.assert_close(kT, full, rtol=1e-10, atol=1e-12)
    k1 = _windowed(m, x, y, lf, 1)
    ref = _spatial_reference(m, x, y, lf)
    torch.testing.assert_close(k1, ref, rtol=1e-10, atol=1e-12)
    k1_fast = _windowed(m, x, y, lf, 1, force=False)       # k = 1's one-pass path: the same gradient
    torch.testing.assert_close(k1_fast, k1, rtol=1e-10, atol=1e-12)
    # the temporal terms matter here, so the test can fail: k=1 differs from full BPTT, k=2 lies in between
    assert (k1 - full).abs().max() > 1e-4
    k2 = _windowed(m, x, y, lf, 2)
    assert (k2 - full).abs().max() > 1e-6 and (k2 - k1).abs().max() > 1e-6


def test_k_window_matches_explicit_graph_for_k2():
    """k = 2 against an independent construction: the loss of step t' back-propagated through a graph that
    starts from the detached state after step t'-2."""
    m = _net("lif", surrogate="sigmoid")
    x, y = _x((5, 5)), torch.tensor([0, 1, 2, 1, 0])
    lf = losses.build("tet")
    got = _windowed(m, x, y, lf, 2)
    # reference: per-step TET terms (the loss decomposes into per-step terms)
    m.zero_grad()
    reset_net(m)
    with torch.no_grad():
        full_out = m(x)
    total = None
    for tp in range(T):
        reset_net(m)
        if tp >= 2:
            with torch.no_grad():
                m(x[:tp - 1])                      # state after step tp-2, no graph
        o = m(x[max(0, tp - 1):tp + 1])[-1]
        out = full_out.clone()
        out[tp] = o                                # only step tp carries a graph
        term = lf(out, y)
        term.backward()
    torch.testing.assert_close(got, _grads(m), rtol=1e-9, atol=1e-11)


def test_batchnorm_and_dropout_exact_and_running_stats_updated_once():
    m = _net("lif", dropout=0.4, surrogate="sigmoid")
    x = _x((4, 1, 6, 6))
    y = torch.tensor([0, 1, 2, 0])
    lf = losses.build("tet")
    torch.manual_seed(5)
    full = _full(m, x, y, lf)
    stats_full = [b.clone() for b in m.buffers()]
    m2 = _net("lif", dropout=0.4, surrogate="sigmoid")
    torch.manual_seed(5)
    kT = _windowed(m2, x, y, lf, T)
    torch.testing.assert_close(kT, full, rtol=1e-10, atol=1e-12)
    for a, b in zip(stats_full, m2.buffers()):          # running stats: same as one full forward
        torch.testing.assert_close(a, b)
    # k = 1: the one-pass path and the windowed path give the same gradients, running stats and dropout masks
    got = []
    for force in (True, False):
        m3 = _net("lif", dropout=0.4, surrogate="sigmoid")
        torch.manual_seed(5)
        g = _windowed(m3, x, y, lf, 1, force=force)
        got.append((g, [b.clone() for b in m3.buffers()]))
    torch.testing.assert_close(got[0][0], got[1][0], rtol=1e-10, atol=1e-12)
    for a, b in zip(got[0][1], got[1][1]):
        torch.testing.assert_close(a, b)


def test_k_at_least_T_routes_to_plain_bptt_and_errors():
    m = _net("lif", surrogate="sigmoid")
    x, y = _x((5, 5)), torch.tensor([0, 1, 2, 1, 0])
    lf = losses.build("tet")
    torch.testing.assert_close(_windowed(m, x, y, lf, 10, force=False), _full(m, x, y, lf))
    with pytest.raises(ValueError, match="positive int"):
        tbptt.truncated_backward(m, x, y, lf, 0)
    folded = M.build("mlp", neuron="lif", in_features=5, hidden=(4,), bn_mode="folded").double()
    with pytest.raises(ValueError, match="per_step"):
        tbptt.truncated_backward(folded, x, y, lf, 2)
