"""CLIF (clif.md §1.3, §2.4): update order with worked values, backward equal to the exact adjoint recursion,
the negative-but-nonzero temporal factor inside the rectangle window, hard reset and detach_reset variants."""
import math

import pytest
import torch

from snnlab.neurons.clif import CLIF, clif_multistep, clif_step
from snnlab.surrogate import build as build_surrogate


def sig(z):
    return 1.0 / (1.0 + math.exp(-z))


def dsig(z):
    return sig(z) * (1.0 - sig(z))


def clif_forward_floats(x, lam, tau, v_th):
    """Independent scalar transcription of clif.md §1.3 / §2.4 forward (V[0] = M[0] = 0)."""
    H, S, M, V = [], [], [], []
    v = m = 0.0
    for xt in x:
        h = lam * v + xt
        s = 1.0 if h >= v_th else 0.0
        m = m * sig(h / tau) + s
        v = h - s * (v_th + sig(m))
        H.append(h), S.append(s), M.append(m), V.append(v)
    return H, S, M, V


def clif_adjoint(x, dS_ext, lam, tau, v_th, g):
    """clif.md §2.4, verbatim: the exact adjoint recursion; returns dL/dX for L = sum dS_ext[t] S[t]."""
    H, S, M, V = clif_forward_floats(x, lam, tau, v_th)
    T = len(x)
    dH_next = dM_next = 0.0
    dX = [0.0] * T
    for t in reversed(range(T)):
        H_next = H[t + 1] if t + 1 < T else 0.0  # multiplies dM_next = 0 at t = T
        dV = lam * dH_next
        dM = -dV * S[t] * dsig(M[t]) + dM_next * sig(H_next / tau)
        dS = dS_ext[t] - dV * (v_th + sig(M[t])) + dM
        M_prev = M[t - 1] if t > 0 else 0.0
        dH = dV + dM * M_prev * dsig(H[t] / tau) / tau + dS * g(H[t] - v_th)
        dX[t] = dH
        dH_next, dM_next = dH, dM
    return dX


def test_update_order_worked_values():
    x = torch.tensor([1.2, 1.2, 0.1, 2.0], dtype=torch.float64).view(-1, 1)
    s, st = CLIF()(x, record=True)
    # t=1: H = 1.2, S = 1, M = 0*sigma + 1 = 1, V = 1.2 - (1 + sigma(1))
    v1 = 1.2 - (1.0 + sig(1.0))
    # t=2: H = 0.5 V1 + 1.2 (< 1: no spike), M = 1 * sigma(H/2), V = H
    h2 = 0.5 * v1 + 1.2
    m2 = sig(h2 / 2.0)
    # t=3: H = 0.5 h2 + 0.1, no spike, M decays by sigma(H/2) of the pre-reset H
    h3 = 0.5 * h2 + 0.1
    m3 = m2 * sig(h3 / 2.0)
    # t=4: spike; M decays with the pre-reset H, grows by 1, then the reset uses sigma(M) after the +1
    h4 = 0.5 * h3 + 2.0
    m4 = m3 * sig(h4 / 2.0) + 1.0
    v4 = h4 - (1.0 + sig(m4))
    assert h2 < 1.0 and h3 < 1.0 and h4 >= 1.0
    exp = {"H": [1.2, h2, h3, h4], "M": [1.0, m2, m3, m4], "V": [v1, h2, h3, v4]}
    assert s.flatten().tolist() == [1.0, 0.0, 0.0, 1.0]
    for key, vals in exp.items():
        torch.testing.assert_close(st[key].flatten(), torch.tensor(vals, dtype=torch.float64), rtol=0, atol=1e-12)
    # the transcription agrees on random sequences too
    torch.manual_seed(0)
    xr = torch.rand(12, dtype=torch.float64) * 2.2 - 0.3
    s, st = CLIF(tau=1.6)(xr.view(-1, 1), record=True)
    H, S, M, V = clif_forward_floats(xr.tolist(), 1 - 1 / 1.6, 1.6, 1.0)
    torch.testing.assert_close(st["H"].flatten(), torch.tensor(H, dtype=torch.float64), rtol=0, atol=1e-12)
    torch.testing.assert_close(st["M"].flatten(), torch.tensor(M, dtype=torch.float64), rtol=0, atol=1e-12)
    torch.testing.assert_close(st["V"].flatten(), torch.tensor(V, dtype=torch.float64), rtol=0, atol=1e-12)
    assert s.flatten().tolist() == S


@pytest.mark.parametrize("surrogate,width", [("rectangle", 1.0), ("rectangle", 0.6), ("sigmoid", 1.0),
                                             ("triangle", 2.0), ("atan", 1.0)])
@pytest.mark.parametrize("tau", [2.0, 1.3])
def test_backward_equals_exact_adjoint_recursion(surrogate, width, tau):
    torch.manual_seed(1)
    T, N = 10, 8
    x = (torch.randn(T, N, dtype=torch.float64) * 0.9 + 1.0).requires_grad_(True)
    w = torch.randn(T, N, dtype=torch.float64)
    (CLIF(tau=tau, surrogate=surrogate, width=width)(x) * w).sum().backward()
    surr = build_surrogate(surrogate, width)

    def g(z):
        return float(surr.derivative(torch.tensor(z, dtype=torch.float64)))

    for j in range(N):
        ref = clif_adjoint(x[:, j].tolist(), w[:, j].tolist(), 1 - 1 / tau, tau, 1.0, g)
        torch.testing.assert_close(x.grad[:, j], torch.tensor(ref, dtype=torch.float64), rtol=1e-10, atol=1e-12)


def test_temporal_factor_negative_not_zero_inside_window():
    # clif.md §2.3: with gamma = V_th = 1 the CLIF factor inside the window is -lam sigma(M) (LIF: exactly 0).
    # X[1] = 1.2 spikes with H in the window; the loss sits on S[2] only; so dL/dX[1] comes through the
    # temporal path (eps and the M path), and it is non-zero and negative.
    x = torch.tensor([[1.2], [1.1]], dtype=torch.float64, requires_grad=True)
    s = CLIF()(x)
    s[1].sum().backward()
    H, S, M, V = clif_forward_floats([1.2, 1.1], 0.5, 2.0, 1.0)
    assert abs(H[0] - 1.0) <= 0.5 and abs(H[1] - 1.0) <= 0.5  # both in the window: g = 1
    # eps[1] = lam (1 - (V_th + sigma(M1)) g1) - lam S1 sigma'(M1) psi1, psi1 = M0 ... + g1 = 1 (M0 = 0)
    eps = 0.5 * (1 - (1 + sig(M[0]))) - 0.5 * dsig(M[0]) * 1.0
    assert x.grad[0].item() == pytest.approx(eps, abs=1e-12)
    assert x.grad[0].item() < 0


def test_order_variants_would_fail():
    # the test above would catch a wrong order: decaying M with the post-reset V, or using sigma(M) before +S
    x = [1.2, 0.9, 1.4]
    H, S, M, V = clif_forward_floats(x, 0.5, 2.0, 1.0)
    s, st = CLIF()(torch.tensor(x, dtype=torch.float64).view(-1, 1), record=True)
    v_wrong = H[0] - S[0] * (1.0 + sig(0.0))  # sigma(M) before the +S
    assert abs(st["V"][0].item() - v_wrong) > 0.2
    torch.testing.assert_close(st["V"].flatten(), torch.tensor(V, dtype=torch.float64), rtol=0, atol=1e-12)


def test_hard_reset_and_decay_input_variants_match_reimplementation():
    torch.manual_seed(2)
    x = (torch.randn(7, 5, dtype=torch.float64) + 1.0).requires_grad_(True)
    w = torch.randn(7, 5, dtype=torch.float64)
    n = CLIF(tau=2.5, reset="hard", v_reset=-0.2, decay_input=True, surrogate="sigmoid")
    (n(x) * w).sum().backward()
    surr = build_surrogate("sigmoid", 1.0)
    x2 = x.detach().clone().requires_grad_(True)
    v = torch.full((5,), -0.2, dtype=torch.float64)
    m = torch.zeros(5, dtype=torch.float64)
    out = []
    for t in range(7):
        h = v + (x2[t] - (v + 0.2)) / 2.5
        s = surr.spike(h - 1.0)
        m = m * torch.sigmoid(h / 2.5) + s
        v = (1 - s) * h + s * (-0.2) - s * torch.sigmoid(m)
        out.append(s)
    (torch.stack(out) * w).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-12, atol=1e-12)


def test_detach_reset_detaches_only_reset_terms():
    torch.manual_seed(3)
    x = (torch.randn(6, 4, dtype=torch.float64) + 1.0).requires_grad_(True)
    CLIF(detach_reset=True, surrogate="sigmoid")(x).sum().backward()
    surr = build_surrogate("sigmoid", 1.0)
    x2 = x.detach().clone().requires_grad_(True)
    v = torch.zeros(4, dtype=torch.float64)
    m = torch.zeros(4, dtype=torch.float64)
    out = []
    for t in range(6):
        h = 0.5 * v + x2[t]
        s = surr.spike(h - 1.0)
        m = m * torch.sigmoid(h / 2.0) + s
        v = h - s.detach() * (1.0 + torch.sigmoid(m))
        out.append(s)
    torch.stack(out).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-12, atol=1e-12)
    # and it differs from the default (nothing detached)
    x3 = x.detach().clone().requires_grad_(True)
    CLIF(surrogate="sigmoid")(x3).sum().backward()
    assert not torch.allclose(x3.grad, x.grad)


def test_pure_functions_agree_with_module():
    torch.manual_seed(4)
    x = torch.randn(5, 3, dtype=torch.float64) + 1
    p = dict(tau=2.0, v_threshold=1.0, v_reset=None, decay_input=False, detach_reset=False,
             surrogate=build_surrogate("rectangle", 1.0))
    s, state, rec = clif_multistep(x, None, record=True, **p)
    s2, rec2 = CLIF()(x, record=True)
    torch.testing.assert_close(s, s2)
    torch.testing.assert_close(rec["M"], rec2["M"])
    _, st1, _ = clif_step(x[0], {}, **p)
    torch.testing.assert_close(st1["M"], rec["M"][0])
