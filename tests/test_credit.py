"""Temporal credit inside a network (snnlab.credit) against the exact recursion and truncated BPTT."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from snnlab import analysis, credit, losses, neurons, tbptt
from snnlab.models import TimeFold, reset_net

NEURONS = ("lif", "plif", "glif", "klif", "clif", "ilif")


class Net(nn.Module):
    def __init__(self, neuron="lif", n_in=6, hidden=16, classes=3, T=5, **params):
        super().__init__()
        if neuron == "glif":
            params.setdefault("T", T)
        self.fc1 = TimeFold(nn.Linear(n_in, hidden))
        self.sn1 = neurons.build(neuron, **params)
        self.fc2 = TimeFold(nn.Linear(hidden, hidden))
        self.sn2 = neurons.build(neuron, **params)
        self.out = TimeFold(nn.Linear(hidden, classes))

    def forward(self, x):
        return self.out(self.sn2(self.fc2(self.sn1(self.fc1(x)))))


def _data(T=5, B=8, n_in=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    return 1.5 * torch.randn(T, B, n_in, generator=g), torch.randint(0, 3, (B,), generator=g)


def test_one_layer_split_equals_the_exact_recursion():
    """One LIF layer read by a linear layer: full = δH and spatial = P = δS_ext·g of clif.md §2.4."""
    torch.manual_seed(0)
    x, y = _data()
    fc, sn, out = TimeFold(nn.Linear(6, 10)), neurons.build("lif", tau=2.0), TimeFold(nn.Linear(10, 3))
    model = nn.Sequential(fc, sn, out)
    loss_fn = losses.build("tet", lam=0.0)
    split = credit.gradient_split(model, x, y, loss_fn)["1"]
    # the recursion needs H, S and the gradient on the spikes from the readout
    X = fc(x).detach()
    S, rec = sn(X, record=True)
    sn.reset()
    leaf = S.detach().requires_grad_(True)
    (dS_ext,) = torch.autograd.grad(loss_fn(out(leaf), y), leaf)
    adj = analysis.adjoint_recursion(rec["H"], S, dS_ext, neuron="lif", tau=2.0, v_threshold=1.0,
                                     surrogate="rectangle", width=1.0)
    torch.testing.assert_close(split["full"], adj["dH"], rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(split["spatial"], adj["P"], rtol=1e-5, atol=1e-7)
    assert split["spatial"].abs().sum() > 0 and (split["full"] - split["spatial"]).abs().sum() > 0


@pytest.mark.parametrize("neuron", NEURONS)
def test_spatial_part_is_what_k1_truncation_keeps(neuron):
    """The first layer's weight gradient of truncated BPTT with k = 1 is Σ_t spatial[t]ᵀ·x[t]; of full BPTT,
    Σ_t full[t]ᵀ·x[t]."""
    torch.manual_seed(1)
    x, y = _data(seed=1)
    model = Net(neuron)
    loss_fn = losses.build("tet", lam=0.0)
    split = credit.gradient_split(model, x, y, loss_fn)["sn1"]
    for k, part in ((1, "spatial"), (x.shape[0], "full")):
        model.zero_grad()
        reset_net(model)
        tbptt.truncated_backward(model, x, y, loss_fn, k, force_windowed=True)
        expected = torch.einsum("tbh,tbi->hi", split[part], x)
        torch.testing.assert_close(model.fc1.module.weight.grad, expected, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("neuron", NEURONS)
def test_last_step_loss_has_spatial_credit_at_the_last_step_only(neuron):
    torch.manual_seed(2)
    x, y = _data(T=6, seed=2)
    model = Net(neuron, T=6)
    shares = credit.temporal_shares(model, x, y, losses.build("ce_last"), per_step=True)
    split = credit.gradient_split(model, x, y, losses.build("ce_last"))
    for name, d in split.items():
        assert torch.count_nonzero(d["spatial"][:-1]) == 0
        per_step = shares["per_step"][name]
        assert all(v == 1.0 for v in per_step[:-1] if v == v)  # steps before the last: all temporal (or no gradient)
    for key in ("sn1", "sn2", "network"):
        assert 0.0 <= shares[key] <= 1.0


def test_share_grows_with_the_time_constant():
    """A leakier LIF (τ = 1.1, λ = 1/11) passes less gradient through time than τ = 8 from the same weights."""
    x, y = _data(T=8, B=32, seed=3)
    got = {}
    for tau in (1.1, 8.0):
        torch.manual_seed(3)
        got[tau] = credit.temporal_shares(Net("lif", T=8, tau=tau), x, y, losses.build("tet", lam=0.0))["network"]
    assert got[1.1] < got[8.0]


def test_frozen_weights_and_errors():
    torch.manual_seed(4)
    x, y = _data(seed=4)
    model = Net("lif")
    for p in model.parameters():
        p.requires_grad_(False)
    shares = credit.temporal_shares(model, x, y, losses.build("tet", lam=0.0))
    assert 0.0 < shares["network"] < 1.0
    with pytest.raises(ValueError, match="no neuron layers"):
        credit.gradient_split(nn.Sequential(TimeFold(nn.Linear(6, 3))), x, y, losses.build("ce"))
    with pytest.raises(ValueError, match=r"x must be \[T, B, ...\]"):
        credit.gradient_split(model, torch.zeros(3), y, losses.build("ce"))
