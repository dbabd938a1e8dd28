"""ILIF (ilif.md §1.3–1.6): the reference traces of §1.6 to 1e-6, the one-step Jacobians of §1.5 against
autograd, backward equal to autograd of a straightforward re-implementation, kappa parameters, clamp semantics
(derivative 1 from A = 0 on, §1.5 corrected)."""
import math

import pytest
import torch

from snnlab.neurons.ilif import ILIF, ilif_multistep, ilif_step
from snnlab.surrogate import build as build_surrogate

X_SPEC = [1.2, 1.2, 1.2, 1.2, 0.3, 2.5]


def _run(n, x):
    s, st = n(torch.tensor(x, dtype=torch.float64).view(-1, 1), record=True)
    return s.flatten(), {k: v.flatten() for k, v in st.items()}


def _close(a, b):
    torch.testing.assert_close(a, torch.tensor(b, dtype=torch.float64), rtol=0, atol=1e-6)


def test_spec_trace_tau2():
    # ilif.md §1.6, tau = 2: columns A / H / S / M / V
    s, st = _run(ILIF(tau=2.0), X_SPEC)
    _close(st["A"], [0, 0.036, 0.00108, 0.036032, 0.037081, 0.001112])
    _close(st["H"], [1.2, 0.989083, 1.693462, 1.155896, -0.029459, 2.484158])
    assert s.tolist() == [1, 0, 1, 1, 0, 1]
    _close(st["M"], [0.2, 0.2, 0.893462, 1.049358, 1.049358, 2.533516])
    _close(st["V"], [-0.349834, 0.989083, -0.016142, -0.584755, -0.029459, 0.5577])


def test_spec_trace_tau_1_1_repo_default():
    s, st = _run(ILIF(), X_SPEC)  # tau = 1.1 is the default
    assert s.tolist() == [1, 1, 1, 1, 0, 1]
    _close(st["M"], [0.2, 0.332197, 0.454199, 0.572574, 0.572574, 2.091054])
    _close(st["V"], [-0.349834, -0.450097, -0.489635, -0.520982, 0.215525, 0.628449])


def test_defaults():
    n = ILIF()
    assert (n.tau, n.v_threshold, n.kappa_i, n.kappa_m, n.v_reset, n.decay_input, n.detach_reset) == \
        (1.1, 1.0, 0.03, 1.0, None, False, False)
    assert n.surrogate.config() == {"name": "rectangle", "width": 1.0, "scale": 1.0}
    assert list(n.parameters()) == []  # no learnable parameters


def reimplementation(x, tau, v_th, kappa_i, kappa_m, surr, detach_reset=False):
    """Straightforward transcription of ilif.md §1.3 (one tensor op per line), used for autograd."""
    lam = 1.0 - 1.0 / tau
    zeros = torch.zeros_like(x[0])
    v, m, a, x_prev, s_prev = zeros, zeros, zeros, zeros, zeros
    out = []
    for t in range(x.shape[0]):
        a = kappa_i * (a + x_prev * s_prev)
        h = lam * v + x[t] - torch.where(a >= 0, a, torch.zeros_like(a))  # max(A, 0), gradient 1{A >= 0}
        x_prev = x[t]
        s = surr.spike(h - v_th)
        s_prev = s
        sr = s.detach() if detach_reset else s
        r = h - v_th * sr
        m = kappa_m * (m + s * r)
        v = r - sr * torch.sigmoid(m)
        out.append(s)
    return torch.stack(out)


@pytest.mark.parametrize("surrogate,width", [("rectangle", 1.0), ("sigmoid", 1.0), ("atan", 0.5),
                                             ("triangle", 2.0)])
@pytest.mark.parametrize("tau,kappa_i,kappa_m", [(1.1, 0.03, 1.0), (2.0, 0.3, 0.8)])
def test_backward_equals_autograd_of_reimplementation(surrogate, width, tau, kappa_i, kappa_m):
    torch.manual_seed(0)
    x = (torch.randn(9, 7, dtype=torch.float64) + 1.0).requires_grad_(True)
    w = torch.randn(9, 7, dtype=torch.float64)
    n = ILIF(tau=tau, kappa_i=kappa_i, kappa_m=kappa_m, surrogate=surrogate, width=width)
    (n(x) * w).sum().backward()
    x2 = x.detach().clone().requires_grad_(True)
    s2 = reimplementation(x2, tau, 1.0, kappa_i, kappa_m, build_surrogate(surrogate, width))
    (s2 * w).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-12, atol=1e-12)
    assert x.grad.abs().sum() > 0


def test_detach_reset_option():
    torch.manual_seed(1)
    x = (torch.randn(6, 5, dtype=torch.float64) + 1.0).requires_grad_(True)
    ILIF(detach_reset=True, surrogate="sigmoid")(x).sum().backward()
    x2 = x.detach().clone().requires_grad_(True)
    reimplementation(x2, 1.1, 1.0, 0.03, 1.0, build_surrogate("sigmoid", 1.0), detach_reset=True).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-12, atol=1e-12)


def test_one_step_jacobians_of_spec_section_1_5():
    # ilif.md §1.5 with sigmoid surrogate so that every term is non-trivial.
    surr = build_surrogate("sigmoid", 1.0)
    tau, lam, kI, kM = 2.0, 0.5, 0.03, 1.0
    p = dict(tau=tau, v_threshold=1.0, v_reset=None, decay_input=False, detach_reset=False, surrogate=surr,
             kappa_i=kI, kappa_m=kM)
    for h_val, m_prev_val in [(1.3, 0.4), (0.7, 0.9), (1.05, 0.0)]:
        # choose state with A = 0 so that H = lam V + X, and V_prev = 0 so that H = X
        H = torch.tensor(h_val, dtype=torch.float64, requires_grad=True)
        Mp = torch.tensor(m_prev_val, dtype=torch.float64, requires_grad=True)
        s, st, ex = ilif_step(H, {"V": torch.tensor(0.0, dtype=torch.float64), "M": Mp}, **p)
        g = float(surr.derivative(torch.tensor(h_val - 1.0, dtype=torch.float64)))
        S = float(s.detach())
        R = h_val - S
        M = kM * (m_prev_val + S * R)
        sg, dsg = 1 / (1 + math.exp(-M)), 0.0
        dsg = sg * (1 - sg)
        dM_dH = g * R + S * (1 - g)
        dV_dH = (1 - g) - g * sg - S * dsg * dM_dH
        gH, gM = torch.autograd.grad(st["V"], (H, Mp), retain_graph=True)
        assert gH.item() == pytest.approx(dV_dH, abs=1e-12)
        assert gM.item() == pytest.approx(-S * dsg, abs=1e-12)
        (mH,) = torch.autograd.grad(st["M"], H, retain_graph=True)
        assert mH.item() == pytest.approx(dM_dH, abs=1e-12)
        # the next step's A: dA'/dH = kI X g, dA'/dX = kI S (with A_prev = 0)
        s2, st2, _ = ilif_step(torch.tensor(0.0, dtype=torch.float64), st, **p)
        gA_H, = torch.autograd.grad(st2["A"], H)
        # H = X here (V_prev = 0), so dA'/dX = kI S + kI X g through both X_prev and S_prev
        assert gA_H.item() == pytest.approx(kI * S + kI * h_val * g, abs=1e-12)


def test_clamp_gradient_is_one_from_a_equal_zero():
    # ilif.md §1.3 "Detach" and §1.5 (corrected): dH[t+1]/dA[t+1] = -1{A[t+1] >= 0}, the gradient the authors'
    # torch clamp(min=0) passed at the boundary. Before any spike A = 0 exactly, so a non-spiking step t-1 still
    # reaches H[t] through S[t-1] in A: dA[t]/dX[t-1] = kI (S[t-1] + X[t-1] g[t-1]) with S[t-1] = 0.
    surr = build_surrogate("sigmoid", 1.0)
    x = torch.tensor([[0.9], [1.0]], dtype=torch.float64, requires_grad=True)
    s, st = ILIF(tau=2.0, surrogate="sigmoid")(x, record=True)
    assert s[0].item() == 0 and st["A"][1].item() == 0.0
    s[1].sum().backward()
    g0 = float(surr.derivative(torch.tensor(-0.1, dtype=torch.float64)))
    g1 = float(surr.derivative(st["H"][1].detach() - 1.0))
    dV0 = 1 - g0 - g0 * 0.5  # V0 = R0 - S0 sigma(M0): dV0/dH0 = (1 - g0) - g0 sigma(0)
    expected = g1 * (0.5 * dV0 - 0.03 * 0.9 * g0)
    assert x.grad[0].item() == pytest.approx(expected, abs=1e-12)
    assert abs(expected - g1 * 0.5 * dV0) > 1e-3  # the old 1{A > 0} rule would miss this term
    # after a spike A > 0 and the A path carries -kI (S + X g) into the next step
    x = torch.tensor([[1.2], [1.0]], dtype=torch.float64, requires_grad=True)
    s, st = ILIF(tau=2.0, surrogate="sigmoid")(x, record=True)
    assert s[0].item() == 1 and st["A"][1].item() == pytest.approx(0.036)
    s[1].sum().backward()
    g0 = float(surr.derivative(torch.tensor(0.2, dtype=torch.float64)))
    g1 = float(surr.derivative(st["H"][1].detach() - 1.0))
    R0, M0 = 0.2, 0.2
    sm, dsm = 1 / (1 + math.exp(-M0)), 0.0
    dsm = sm * (1 - sm)
    dV0 = (1 - g0) - g0 * sm - dsm * (g0 * R0 + (1 - g0))
    assert x.grad[0].item() == pytest.approx(g1 * (0.5 * dV0 - 0.03 * (1.0 + 1.2 * g0)), abs=1e-12)


def test_inhibition_clamp_rule():
    """One rule, whatever torch's own clamp does at 0: value max(A, 0) (NaN kept, as clamp), derivative 1 for
    A >= 0 and NaN, 0 for A < 0; its derivative is itself differentiable (double backward)."""
    from snnlab.neurons.ilif import inhibition_clamp

    a = torch.tensor([-2.0, -1e-300, -0.0, 0.0, 1e-300, 3.0, float("nan"), float("inf"), -float("inf")],
                     dtype=torch.float64, requires_grad=True)
    out = inhibition_clamp(a)
    expected = torch.tensor([0, 0, 0, 0, 1e-300, 3, float("nan"), float("inf"), 0], dtype=torch.float64)
    torch.testing.assert_close(out.detach(), expected, equal_nan=True, rtol=0, atol=0)
    torch.testing.assert_close(out.detach(), torch.clamp(a.detach(), min=0.0), equal_nan=True, rtol=0, atol=0)
    (g,) = torch.autograd.grad(out.sum(), a, create_graph=True)
    assert g.tolist() == [0, 0, 1, 1, 1, 1, 1, 1, 0]


def test_kappas_change_the_dynamics():
    x = torch.tensor(X_SPEC, dtype=torch.float64).view(-1, 1)
    base = ILIF(tau=2.0)(x, record=True)[1]
    no_a = ILIF(tau=2.0, kappa_i=0.0)(x, record=True)[1]
    assert torch.all(no_a["A"] == 0)
    assert not torch.allclose(base["H"], no_a["H"])
    half = ILIF(tau=2.0, kappa_m=0.5)(x, record=True)[1]
    torch.testing.assert_close(half["M"][0], 0.5 * base["M"][0])


def test_multistep_function_and_state_keys():
    torch.manual_seed(2)
    x = torch.randn(4, 3, dtype=torch.float64) + 1
    p = dict(tau=1.1, v_threshold=1.0, v_reset=None, decay_input=False, detach_reset=False,
             surrogate=build_surrogate("rectangle", 1.0), kappa_i=0.03, kappa_m=1.0)
    s, state, rec = ilif_multistep(x, None, record=True, **p)
    n = ILIF()
    s2, rec2 = n(x, record=True)
    torch.testing.assert_close(s, s2)
    assert set(n.get_state()) == {"V", "M", "A", "X_prev", "S_prev"}
    torch.testing.assert_close(state["X_prev"], x[-1])
