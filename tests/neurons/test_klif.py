"""KLIF (klif.md §1.2–1.6): the four forward traces and SpikingJelly's scaled-reset check, the effective
surrogate k·g(kH − V_th), the gradient reaching k, backward against autograd of a re-implementation."""
import pytest
import torch

from snnlab.neurons.klif import KLIF, klif_multistep, klif_step
from snnlab.surrogate import build as build_surrogate

X = [1.0, 0.6, 1.8, -0.4, 1.2]


def _run(n, x):
    with torch.no_grad():
        n.k.fill_(1.5)
    s, st = n(torch.tensor(x, dtype=torch.float64).view(-1, 1), record=True)
    return s.flatten().tolist(), {k: v.flatten() for k, v in st.items()}


# klif.md §1.2 worked trace (values printed to 4 decimals, so compared to 5e-5)
TRACES = {
    ("hard", False): ([.5, .675, .9, -.2, .6], [.75, 1.0125, 1.35, 0, .9], [0, 1, 1, 0, 0], [.75, 0, 0, 0, .9]),
    ("soft", False): ([.5, .675, .9063, -.0203, .6], [.75, 1.0125, 1.3594, 0, .9], [0, 1, 1, 0, 0],
                      [.75, .0125, .3594, 0, .9]),
    ("hard", True): ([.5, .55, 1.175, -.2, .6], [.75, .825, 1.7625, 0, .9], [0, 0, 1, 0, 0], [.5, .55, 0, 0, .6]),
    ("soft", True): ([.5, .55, 1.175, .0542, .6271], [.75, .825, 1.7625, .0813, .9406], [0, 0, 1, 0, 0],
                     [.5, .55, .5083, .0542, .6271]),
}


@pytest.mark.parametrize("reset,scale_reset", list(TRACES))
def test_spec_forward_traces(reset, scale_reset):
    n = KLIF(tau=2.0, decay_input=True, reset=reset, scale_reset=scale_reset).double()
    s, st = _run(n, X)
    H, F, S, V = TRACES[(reset, scale_reset)]
    assert s == S
    for key, ref in (("H", H), ("F", F), ("V", V)):
        torch.testing.assert_close(st[key], torch.tensor(ref, dtype=torch.float64), rtol=0, atol=5e-5)


def test_spec_trace_exact_entries_to_1e_12():
    # the hard/scale_reset=False row is exact in decimal: check it tightly
    n = KLIF().double()
    s, st = _run(n, X)
    torch.testing.assert_close(st["V"], torch.tensor([.75, 0, 0, 0, .9], dtype=torch.float64), rtol=0, atol=1e-12)
    torch.testing.assert_close(st["F"], torch.tensor([.75, 1.0125, 1.35, 0, .9], dtype=torch.float64),
                               rtol=0, atol=1e-12)


def test_spikingjelly_scaled_reset_check():
    # klif.md §1.2: k = 2, V_th = 1, decay_input=False, scale_reset=True; F = [0.5, 1.5]
    soft = KLIF(k_init=2.0, decay_input=False, scale_reset=True, reset="soft").double()
    _, st = soft(torch.tensor([[0.25, 0.75]], dtype=torch.float64), record=True)  # H = X from V = 0
    torch.testing.assert_close(st["F"][0], torch.tensor([0.5, 1.5], dtype=torch.float64))
    torch.testing.assert_close(st["V"][0], torch.tensor([0.25, 0.25], dtype=torch.float64))
    hard = KLIF(k_init=2.0, decay_input=False, scale_reset=True, reset="hard", v_reset=0.1).double()
    # V[0] = V_reset = 0.1 and H = V - (V - Vr)/tau + X = 0.1 + X
    _, st = hard(torch.tensor([[0.15, 0.65]], dtype=torch.float64), record=True)
    torch.testing.assert_close(st["F"][0], torch.tensor([0.5, 1.5], dtype=torch.float64))
    torch.testing.assert_close(st["V"][0], torch.tensor([0.25, 0.1], dtype=torch.float64))


def test_defaults_follow_spikingjelly_klifnode():
    n = KLIF()
    assert (n.tau, n.v_threshold, n.v_reset, n.decay_input, n.scale_reset, n.detach_reset) == \
        (2.0, 1.0, 0.0, True, False, False)
    assert n.surrogate.name == "sigmoid" and n.surrogate.alpha == pytest.approx(4.0)
    assert isinstance(n.k, torch.nn.Parameter) and n.k.ndim == 0 and n.k.item() == 1.0
    with pytest.raises(ValueError, match="k_init"):
        KLIF(k_init=0.0)


@pytest.mark.parametrize("k", [0.5, 1.0, 1.5, 2.0, 4.0])
def test_effective_surrogate_seen_from_h(k):
    # klif.md §1.5: dS/dH = k g(kH - V_th) for H > 0 and 0 for H <= 0; peak at V_th/k, height alpha k / 4
    n = KLIF(k_init=k, decay_input=False).double()  # one step from V = 0: H = X
    h = torch.linspace(-1, 4, 501, dtype=torch.float64).view(1, -1).requires_grad_(True)
    n(h).sum().backward()
    surr = build_surrogate("sigmoid", 1.0)
    hv = h.detach()
    ref = torch.where(hv > 0, k * surr.derivative(k * hv - 1.0), torch.zeros_like(hv))
    torch.testing.assert_close(h.grad, ref, rtol=1e-12, atol=1e-14)
    i = int(h.grad.argmax())
    assert hv.flatten()[i].item() == pytest.approx(1.0 / k, abs=0.01)
    assert h.grad.max().item() == pytest.approx(4 * k / 4, rel=1e-3)


def test_gradient_reaches_k_single_step():
    # dS/dk = g(kH - V_th) H for kH > 0
    n = KLIF(k_init=1.3, decay_input=False).double()
    h = torch.tensor([[-0.5, 0.4, 0.8, 1.6]], dtype=torch.float64)
    n(h).sum().backward()
    surr = build_surrogate("sigmoid", 1.0)
    hv = h.flatten()
    k = n.k.item()  # float32 init of 1.3
    ref = (torch.where(hv > 0, surr.derivative(k * hv - 1.0) * hv, torch.zeros_like(hv))).sum()
    assert n.k.grad.item() == pytest.approx(ref.item(), rel=1e-12)


def reimplementation(x, k, tau, v_th, v_reset, decay_input, scale_reset, detach_reset, surr):
    v = torch.full_like(x[0], 0.0 if v_reset is None else v_reset)
    vr = 0.0 if v_reset is None else v_reset
    out = []
    for t in range(x.shape[0]):
        h = v + (x[t] - (v - vr)) / tau if decay_input else v - (v - vr) / tau + x[t]
        f = torch.clamp(k * h, min=0) * (k * h > 0)  # relu written differently (gradient 0 at 0 as torch.relu)
        s = surr.spike(f - v_th)
        sr = s.detach() if detach_reset else s
        base = f / k if scale_reset else f
        if v_reset is None:
            v = base - (v_th / k if scale_reset else v_th) * sr
        else:
            v = base * (1 - sr) + v_reset * sr
        out.append(s)
    return torch.stack(out)


@pytest.mark.parametrize("v_reset", [0.0, None, -0.3])
@pytest.mark.parametrize("scale_reset", [False, True])
@pytest.mark.parametrize("decay_input,detach_reset", [(True, False), (False, True)])
def test_backward_equals_autograd_of_reimplementation(v_reset, scale_reset, decay_input, detach_reset):
    torch.manual_seed(0)
    x = (torch.randn(8, 6, dtype=torch.float64) * 1.2 + 1.0).requires_grad_(True)
    w = torch.randn(8, 6, dtype=torch.float64)
    reset = "soft" if v_reset is None else "hard"
    n = KLIF(k_init=1.4, scale_reset=scale_reset, reset=reset, v_reset=v_reset, decay_input=decay_input,
             detach_reset=detach_reset, surrogate="atan").double()
    (n(x) * w).sum().backward()
    x2 = x.detach().clone().requires_grad_(True)
    k2 = n.k.detach().clone().requires_grad_(True)  # float32 init of 1.4, cast to float64
    s2 = reimplementation(x2, k2, 2.0, 1.0, v_reset, decay_input, scale_reset, detach_reset,
                          build_surrogate("atan", 1.0))
    (s2 * w).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(n.k.grad, k2.grad, rtol=1e-10, atol=1e-12)
    assert n.k.grad.abs().item() > 0


def test_k_one_nonnegative_input_equals_lif():
    # klif.md §1.6: with k = 1 and H >= 0 throughout, KLIF is LIF
    from snnlab.neurons.lif import LIF

    torch.manual_seed(1)
    x = torch.rand(7, 5, dtype=torch.float64) * 2
    a = KLIF().double()(x, record=True)[1]["V"]
    b = LIF(decay_input=True, reset="hard", v_reset=0.0, surrogate="sigmoid")(x, record=True)[1]["V"]
    torch.testing.assert_close(a, b)


def test_multistep_function():
    x = torch.randn(4, 3, dtype=torch.float64)
    k = torch.tensor(1.0, dtype=torch.float64)
    p = dict(k=k, tau=2.0, v_threshold=1.0, v_reset=0.0, decay_input=True, detach_reset=False, scale_reset=False,
             surrogate=build_surrogate("sigmoid", 1.0))
    s, state, rec = klif_multistep(x, None, record=True, **p)
    s2, rec2 = KLIF().double()(x, record=True)
    torch.testing.assert_close(s, s2)
    torch.testing.assert_close(rec["F"], rec2["F"])
    _, st, ex = klif_step(x[0], {}, **p)
    torch.testing.assert_close(ex["H"], 0.5 * x[0])
