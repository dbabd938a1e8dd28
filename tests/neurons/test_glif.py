"""GLIF (clif.md §1.6, SpikingJelly GatedLIFNode equations): initial values, worked forward values, backward and
parameter gradients against autograd of a straightforward re-implementation, per-channel mode, T limit."""
import math

import pytest
import torch

from snnlab.neurons import build
from snnlab.neurons.glif import GLIF, glif_multistep
from snnlab.surrogate import build as build_surrogate


def sig(z):
    return 1 / (1 + math.exp(-z))


@torch.no_grad()
def test_initial_values():
    torch.manual_seed(0)
    n = GLIF(T=4)
    assert float(torch.sigmoid(n.w_tau)) == pytest.approx(0.25)  # tau = 4/3 -> tau_G = 1 - 1/tau = 0.25
    assert float(n.tau.detach()) == pytest.approx(4 / 3)
    assert float(n.v_threshold.detach()) == pytest.approx(0.5)
    assert float(torch.sigmoid(n.w_leak)) == pytest.approx(0.5 / 8)  # V_th / (2T)
    assert float(torch.sigmoid(n.w_subreset)) == pytest.approx(0.5)  # V_sub = V_th
    assert torch.sigmoid(n.w_conduct).tolist() == pytest.approx([0.5] * 4)
    for w in (n.w_alpha, n.w_beta, n.w_gamma):
        assert w.shape == () and -0.1 <= w.item() <= 0.1
    assert n.surrogate.name == "sigmoid" and n.surrogate.width == 1.0
    assert n.v_reset is None and n.decay_input is False
    c = GLIF(T=3, channels=5, tau=2.0, v_threshold=0.6)
    assert c.w_alpha.shape == (5,) and c.w_conduct.shape == (3, 5)
    assert float(torch.sigmoid(c.w_tau[0])) == pytest.approx(0.5)


def test_worked_two_steps():
    n = GLIF(T=3).double()
    with torch.no_grad():
        for w in (n.w_alpha, n.w_beta, n.w_gamma):
            w.zero_()  # gates = 0.5
    a = b = g = 0.5
    # defaults 0.25, 0.5, 0.5/6, 0.5, 0.5 (checked in test_initial_values) as stored in float32
    tg, vth, ld, vs, gc = (torch.sigmoid(w.detach())[..., 0].item() if w.ndim else torch.sigmoid(w.detach()).item()
                           for w in (n.w_tau, n.w_threshold, n.w_leak, n.w_subreset, n.w_conduct))
    x = [1.0, 0.3, 0.2]
    D = 1 - a * (1 - tg)
    h1 = x[0] * (1 - b * (1 - gc)) - (1 - a) * ld
    s1 = 1.0 if h1 >= vth else 0.0
    h2 = D * h1 - (1 - a) * ld + x[1] * (1 - b * (1 - gc)) - D * h1 * g * s1 - (1 - g) * vs * s1
    s2 = 1.0 if h2 >= vth else 0.0
    h3 = D * h2 - (1 - a) * ld + x[2] * (1 - b * (1 - gc)) - D * h2 * g * s2 - (1 - g) * vs * s2
    s, st = n(torch.tensor(x, dtype=torch.float64).view(-1, 1), record=True)
    assert (s1, s2) == (1.0, 0.0)
    torch.testing.assert_close(st["H"].flatten(), torch.tensor([h1, h2, h3], dtype=torch.float64), rtol=0,
                               atol=1e-12)
    torch.testing.assert_close(st["V"], st["H"])


def reimplementation(x, p, surr, detach_reset=False):
    """GatedLIF transcription (clif.md §1.6) with raw logits p, one line per equation."""
    a, b, g = torch.sigmoid(p["w_alpha"]), torch.sigmoid(p["w_beta"]), torch.sigmoid(p["w_gamma"])
    tg, vth = torch.sigmoid(p["w_tau"]), torch.sigmoid(p["w_threshold"])
    ld, vs = torch.sigmoid(p["w_leak"]), torch.sigmoid(p["w_subreset"])
    v = torch.zeros_like(x[0])
    s = torch.zeros_like(x[0])
    out = []
    for t in range(x.shape[0]):
        gc = torch.sigmoid(p["w_conduct"][t])
        sp = s.detach() if detach_reset else s
        i = x[t] * (1 - b * (1 - gc))
        v = (1 - a * (1 - tg)) * v - (1 - a) * ld + i - (1 - a * (1 - tg)) * v * g * sp - (1 - g) * vs * sp
        s = surr.spike(v - vth)
        out.append(s)
    return torch.stack(out)


@pytest.mark.parametrize("detach_reset", [False, True])
@pytest.mark.parametrize("surrogate", ["sigmoid", "rectangle"])
def test_backward_and_parameter_grads_equal_reimplementation(detach_reset, surrogate):
    torch.manual_seed(1)
    T = 7
    n = GLIF(T=T, detach_reset=detach_reset, surrogate=surrogate).double()
    with torch.no_grad():
        n.w_conduct.copy_(torch.randn(T, dtype=torch.float64))
    x = (torch.randn(T, 9, dtype=torch.float64) + 0.6).requires_grad_(True)
    w = torch.randn(T, 9, dtype=torch.float64)
    (n(x) * w).sum().backward()
    p = {k: v.detach().clone().requires_grad_(True) for k, v in n.named_parameters()}
    x2 = x.detach().clone().requires_grad_(True)
    (reimplementation(x2, p, build_surrogate(surrogate, 1.0), detach_reset) * w).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-12, atol=1e-12)
    for k, v in n.named_parameters():
        torch.testing.assert_close(v.grad, p[k].grad, rtol=1e-10, atol=1e-12, msg=k)
        if k != "w_conduct":
            assert v.grad.abs().sum() > 0, k


def test_channel_wise_parameters_broadcast_over_axis_1():
    torch.manual_seed(2)
    T, C = 4, 3
    n = GLIF(T=T, channels=C).double()
    x = torch.randn(T, 2, C, 5, dtype=torch.float64) + 0.5
    s, st = n(x, record=True)
    # channel c equals a layer-wise GLIF with channel c's parameters
    for c in range(C):
        m = GLIF(T=T).double()
        with torch.no_grad():
            for name, prm in m.named_parameters():
                prm.copy_(getattr(n, name)[..., c])
        torch.testing.assert_close(m(x[:, :, c]), s[:, :, c])
    with pytest.raises(ValueError, match="channels"):
        n.reset()
        n(torch.randn(T, 2, C + 1, dtype=torch.float64))


def test_t_limit_and_missing_t():
    n = GLIF(T=3)
    n(torch.randn(2, 4))
    n(torch.randn(1, 4))
    with pytest.raises(ValueError, match="T=3"):
        n(torch.randn(1, 4))
    n.reset()
    assert n(torch.randn(3, 4)).shape == (3, 4)
    with pytest.raises(ValueError, match="T must be a positive int"):
        build("glif")
    with pytest.raises(ValueError, match=r"v_threshold must lie in \(0, 1\)"):
        GLIF(T=2, v_threshold=1.0)


def test_multistep_function_rows_follow_t0():
    torch.manual_seed(3)
    n = GLIF(T=4).double()
    x = torch.randn(4, 3, dtype=torch.float64)
    full = n(x)
    n.reset()
    n(x[:2])
    state = n.get_state()
    assert int(state["t"]) == 2
    p = n.step_params(2)
    s, _, _ = glif_multistep(x[2:], {"V": state["V"], "S": state["S"]}, conduct=torch.sigmoid(n.w_conduct), t0=2,
                             **p)
    torch.testing.assert_close(s, full[2:])
