"""LIF and PLIF: spec traces (ilif.md §1.6), hard reset / decay_input variants, backward against the exact
adjoint recursion of clif.md §2.4 (LIF = CLIF with every M term dropped), PLIF's gradient reaching tau."""
import math

import pytest
import torch

from snnlab.neurons import build
from snnlab.neurons.lif import LIF, PLIF, lif_multistep, lif_step
from snnlab.surrogate import build as build_surrogate

X_SPEC = [1.2, 1.2, 1.2, 1.2, 0.3, 2.5]


def _run(neuron, x):
    x = torch.tensor(x, dtype=torch.float64).view(-1, 1)
    s, st = neuron(x, record=True)
    return s.flatten(), st["H"].flatten(), st["V"].flatten()


def test_spec_trace_tau2():
    # ilif.md §1.6, LIF column, tau = 2
    s, h, v = _run(LIF(tau=2.0), X_SPEC)
    torch.testing.assert_close(h, torch.tensor([1.2, 1.3, 1.35, 1.375, 0.4875, 2.74375], dtype=torch.float64),
                               rtol=0, atol=1e-6)
    assert s.tolist() == [1, 1, 1, 1, 0, 1]
    torch.testing.assert_close(v, torch.tensor([0.2, 0.3, 0.35, 0.375, 0.4875, 1.74375], dtype=torch.float64),
                               rtol=0, atol=1e-6)


def test_spec_trace_tau_1_1():
    # ilif.md §1.6: tau = 1.1, spikes at t = 1, 2, 3, 4, 6
    s, h, v = _run(LIF(tau=1.1), X_SPEC)
    assert s.tolist() == [1, 1, 1, 1, 0, 1]
    torch.testing.assert_close(
        v, torch.tensor([0.2, 0.218182, 0.219835, 0.219985, 0.319999, 1.529091], dtype=torch.float64),
        rtol=0, atol=1e-6)


def test_hard_reset_and_decay_input_worked_values():
    # decay_input=True, hard reset to V_reset = -0.1, tau = 2 (SpikingJelly ecosystem form), by hand:
    # V0 = -0.1; H1 = V0 + (X1 - (V0 - Vr))/2 = -0.1 + 1.2/2 = 0.5 -> no spike, V1 = 0.5
    # H2 = 0.5 + (2.0 - 0.6)/2 = 1.2 -> spike, V2 = -0.1
    # H3 = -0.1 + (0.4 - 0)/2 = 0.1 -> V3 = 0.1
    n = LIF(tau=2.0, reset="hard", v_reset=-0.1, decay_input=True)
    s, h, v = _run(n, [1.2, 2.0, 0.4])
    torch.testing.assert_close(h, torch.tensor([0.5, 1.2, 0.1], dtype=torch.float64), rtol=0, atol=1e-12)
    assert s.tolist() == [0, 1, 0]
    torch.testing.assert_close(v, torch.tensor([0.5, -0.1, 0.1], dtype=torch.float64), rtol=0, atol=1e-12)
    # decay_input=False, hard reset: H = V - (V - Vr)/tau + X
    n = LIF(tau=4.0, reset="hard", v_reset=0.2, decay_input=False)
    s, h, v = _run(n, [0.5, 0.6])
    # V0 = 0.2: H1 = 0.2 - 0 + 0.5 = 0.7 ; H2 = 0.7 - 0.5/4 + 0.6 = 1.175 -> spike, V2 = 0.2
    torch.testing.assert_close(h, torch.tensor([0.7, 1.175], dtype=torch.float64), rtol=0, atol=1e-12)
    torch.testing.assert_close(v, torch.tensor([0.7, 0.2], dtype=torch.float64), rtol=0, atol=1e-12)


def lif_adjoint(x, dS_ext, lam, v_th, surr):
    """Exact adjoint recursion of clif.md §2.4 with every M term dropped (sigma(M) = 0): soft reset, detach False.

    Forward H[t] = lam V[t-1] + X[t]; S = Theta(H - V_th); V = H - S V_th. Returns dL/dX for L = sum dS_ext * S.
    Implemented on plain Python floats per neuron, independently of the module.
    """
    T = len(x)
    H, S = [], []
    v = 0.0
    for t in range(T):
        h = lam * v + x[t]
        s = 1.0 if h >= v_th else 0.0
        v = h - s * v_th
        H.append(h)
        S.append(s)
    dH_next = 0.0
    dX = [0.0] * T
    for t in reversed(range(T)):
        dV = lam * dH_next
        dS = dS_ext[t] - dV * v_th
        g = float(surr.derivative(torch.tensor(H[t] - v_th, dtype=torch.float64)))
        dH = dV + dS * g
        dX[t] = dH
        dH_next = dH
    return dX


@pytest.mark.parametrize("surrogate,width", [("rectangle", 1.0), ("rectangle", 0.7), ("sigmoid", 1.0),
                                             ("triangle", 1.5), ("atan", 0.5)])
@pytest.mark.parametrize("tau", [2.0, 1.1])
def test_backward_equals_adjoint_recursion(surrogate, width, tau):
    torch.manual_seed(0)
    T, N = 8, 6
    x = (torch.randn(T, N, dtype=torch.float64) * 0.8 + 0.9).requires_grad_(True)
    w = torch.randn(T, N, dtype=torch.float64)
    n = LIF(tau=tau, surrogate=surrogate, width=width)
    (n(x) * w).sum().backward()
    surr = build_surrogate(surrogate, width)
    for j in range(N):
        ref = lif_adjoint(x[:, j].tolist(), w[:, j].tolist(), 1 - 1 / tau, 1.0, surr)
        torch.testing.assert_close(x.grad[:, j], torch.tensor(ref, dtype=torch.float64), rtol=1e-10, atol=1e-12)


def test_rectangle_gamma_equal_vth_zeroes_temporal_factor():
    # clif.md §2.2: with gamma = V_th = 1 the one-step factor lam (1 - V_th g) is exactly 0 in the window,
    # so a loss on S[2] gives no gradient to X[1] when H[1] lies in (0.5, 1.5).
    x = torch.tensor([[0.8], [0.9]], dtype=torch.float64, requires_grad=True)
    s = LIF()(x)
    s[1].sum().backward()
    assert x.grad[0].item() == 0.0
    assert x.grad[1].item() == 1.0


def test_detach_reset_changes_only_the_reset_path():
    torch.manual_seed(1)
    x = (torch.randn(6, 5, dtype=torch.float64) + 1).requires_grad_(True)
    n = LIF(detach_reset=True, surrogate="sigmoid")
    n(x).sum().backward()
    # straightforward re-implementation with the reset spike detached
    surr = build_surrogate("sigmoid", 1.0)
    x2 = x.detach().clone().requires_grad_(True)
    v = torch.zeros(5, dtype=torch.float64)
    out = []
    for t in range(6):
        h = 0.5 * v + x2[t]
        s = surr.spike(h - 1.0)
        v = h - s.detach()
        out.append(s)
    torch.stack(out).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-12, atol=1e-12)


def test_pure_step_and_multistep_agree_with_module():
    torch.manual_seed(2)
    x = torch.randn(5, 3, 2, dtype=torch.float64) + 0.8
    params = dict(tau=2.0, v_threshold=1.0, v_reset=None, decay_input=False, detach_reset=False,
                  surrogate=build_surrogate("rectangle", 1.0))
    s_ref, state, rec = lif_multistep(x, None, record=True, **params)
    s_mod, rec_mod = LIF()(x, record=True)
    torch.testing.assert_close(s_ref, s_mod)
    torch.testing.assert_close(rec["V"], rec_mod["V"])
    s1, st1, ex1 = lif_step(x[0], {"V": None}, **params)
    torch.testing.assert_close(ex1["H"], x[0])
    torch.testing.assert_close(st1["V"], rec["V"][0])


# ---------------------------------------------------------------- PLIF
def test_plif_init_and_tau_property():
    p = PLIF(tau=2.0)
    assert p.w.item() == pytest.approx(0.0)
    assert float(p.tau.detach()) == pytest.approx(2.0)
    p = build("plif", tau=1.1)
    assert p.w.item() == pytest.approx(-math.log(0.1))
    assert float(p.tau.detach()) == pytest.approx(1.1)
    assert isinstance(p.w, torch.nn.Parameter) and p.w.ndim == 0
    assert [n for n, _ in p.named_parameters()] == ["w"]


def test_plif_equals_lif_at_init_forward_and_input_grad():
    torch.manual_seed(3)
    x = (torch.randn(7, 4, dtype=torch.float64) + 0.7).requires_grad_(True)
    x2 = x.detach().clone().requires_grad_(True)
    p = PLIF(tau=2.0).double()
    l = LIF(tau=2.0)
    w = torch.randn(7, 4, dtype=torch.float64)
    sp, sl = p(x), l(x2)
    torch.testing.assert_close(sp, sl)
    (sp * w).sum().backward()
    (sl * w).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("decay_input", [False, True])
def test_plif_gradient_reaches_w_and_matches_reimplementation(decay_input):
    torch.manual_seed(4)
    x = torch.randn(6, 5, dtype=torch.float64) + 0.9
    p = PLIF(tau=1.7, decay_input=decay_input, surrogate="sigmoid").double()
    wts = torch.randn(6, 5, dtype=torch.float64)
    (p(x) * wts).sum().backward()
    assert p.w.grad is not None and p.w.grad.abs().item() > 0
    # straightforward re-implementation: 1/tau = sigmoid(w)
    w = p.w.detach().clone().requires_grad_(True)  # float32 init of -ln(0.7), cast to float64
    surr = build_surrogate("sigmoid", 1.0)
    v = torch.zeros(5, dtype=torch.float64)
    out = []
    for t in range(6):
        k = torch.sigmoid(w)
        h = v + (x[t] - v) * k if decay_input else v * (1 - k) + x[t]
        s = surr.spike(h - 1.0)
        v = h - s
        out.append(s)
    (torch.stack(out) * wts).sum().backward()
    torch.testing.assert_close(p.w.grad, w.grad, rtol=1e-10, atol=1e-12)
    # and the analytic tau property follows w
    with torch.no_grad():
        p.w.fill_(0.3)
    assert float(p.tau.detach()) == pytest.approx(1 + math.exp(-0.3))
