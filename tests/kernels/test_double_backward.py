"""Double backward (create_graph=True) through the fused kernels equals the reference loop's.

A gradient penalty on a small net ``u ⊙ input -> neuron (two chunks, the second continuing the first's state)
-> spikes·W + states``: P = Σ (∂L/∂x)² + Σ (∂L/∂θ)² for the neuron's own parameters θ, then ∂P/∂(u, W, θ, input).
The C kernels' Functions rerun the reference loop under autograd when a graph is being built
(snnlab/kernels/ops.py, the neurons' own step functions), so these second-order gradients must equal the reference module's for every neuron
and surrogate (today's main: LIF sigmoid off by O(1)). torch.autograd.gradgradcheck checks one-step cases against
finite differences in float64.
"""
from __future__ import annotations

import pytest
import torch

from snnlab import neurons

KINDS = ("lif", "plif", "klif", "clif", "ilif", "glif")
SURROGATES = (("rectangle", 1.0), ("triangle", 0.7), ("sigmoid", 1.0), ("atan", 2.0))
OPTIONS = (dict(), dict(reset="hard", v_reset=-0.2, decay_input=True), dict(detach_reset=True))
SHAPE = (2, 5)


def _build(kind, sg, width, options, backend, dtype=torch.float64):
    params = dict(surrogate=sg, width=width, backend=backend, **options)
    if kind == "glif":
        params = {k: v for k, v in params.items() if k not in ("reset", "v_reset", "decay_input")}
        params.update(T=7, channels=None)
    if kind == "klif":
        params["k_init"] = 1.3
    if kind == "ilif":
        params.update(kappa_i=0.3, kappa_m=0.9)
    return neurons.build(kind, **params).to(dtype)


def _penalty_grads(mod, seed, dtype=torch.float64, device="cpu"):
    g = torch.Generator().manual_seed(seed)
    inp = (torch.randn(7, *SHAPE, generator=g, dtype=dtype) * 1.2 + 0.7).to(device).requires_grad_()
    u = (1.0 + 0.3 * torch.randn(SHAPE[-1], generator=g, dtype=dtype)).to(device).requires_grad_()
    w = torch.randn(4, *SHAPE, generator=g, dtype=dtype).to(device).requires_grad_()
    x = inp * u
    mod.reset()
    s1 = mod(x[:3])
    s2 = mod(x[3:])
    st = {k: v for k, v in mod.get_state().items() if k not in ("X_prev", "S_prev", "t", "S")}
    loss = (s2 * w).sum() + (s1 * w[:3]).sum() * 0.5 + sum((v * (0.3 + i)).sum() for i, (_, v) in
                                                           enumerate(sorted(st.items())))
    theta = list(mod.parameters())
    first = torch.autograd.grad(loss, [x] + theta, create_graph=True)
    penalty = sum((f ** 2).sum() for f in first) + (first[0] * inp).sum()
    leaves = [inp, u, w] + theta
    second = torch.autograd.grad(penalty, leaves, allow_unused=True)
    return [f.detach() for f in first], [None if s is None else s.detach() for s in second]


def _ran_kernel(mod, x):
    mod.reset()
    out = mod(x)
    node = out.grad_fn
    while node is not None and not ("Function" in type(node).__name__ or type(node).__name__.startswith("snnlab_")):
        node = node.next_functions[0][0] if node.next_functions else None
    return node is not None


@pytest.mark.parametrize("options", OPTIONS, ids=["default", "hard-decay", "detach"])
@pytest.mark.parametrize("sg, width", SURROGATES, ids=[s for s, _ in SURROGATES])
@pytest.mark.parametrize("kind", KINDS)
def test_gradient_penalty_equals_reference(kind, sg, width, options):
    ref = _build(kind, sg, width, options, "reference")
    fast = _build(kind, sg, width, options, "cpu")
    with torch.no_grad():
        for p in ref.parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=torch.Generator().manual_seed(1), dtype=p.dtype))
    fast.load_state_dict(ref.state_dict())
    assert _ran_kernel(fast, torch.randn(2, *SHAPE, dtype=torch.float64, requires_grad=True))
    f_ref, s_ref = _penalty_grads(ref, seed=5)
    f_fast, s_fast = _penalty_grads(fast, seed=5)
    for a, b in zip(f_ref, f_fast):
        torch.testing.assert_close(b, a, rtol=1e-9, atol=1e-12)
    names = ["input", "u", "W"] + [n for n, _ in ref.named_parameters()]
    for name, a, b in zip(names, s_ref, s_fast):
        assert (a is None) == (b is None), name
        if a is not None:
            torch.testing.assert_close(b, a, rtol=1e-9, atol=1e-12, msg=lambda m: f"d penalty/d {name}: {m}")
    # the second-order terms are not all trivially zero (the penalty reaches W through ∂L/∂x)
    assert float(s_ref[2].abs().max()) > 0


@pytest.mark.parametrize("backend", ["cpu", "reference"])
@pytest.mark.parametrize("sg, width", [("sigmoid", 1.0), ("atan", 2.0), ("triangle", 3.0)],
                         ids=["sigmoid", "atan", "triangle"])
@pytest.mark.parametrize("kind", ["lif", "plif", "klif", "glif"])
def test_gradgradcheck(kind, sg, width, backend):
    """Finite differences of the first-order backward against the double backward (float64, inputs away from the
    threshold). Only where that comparison means something: one step from rest with a soft reset, where the
    first-order backward does not contain the spike S itself. Elsewhere it does (a hard reset's (1 − S), the next
    step's charge through V), and autograd differentiates S with its surrogate while finite differences see a
    step function, so gradgradcheck fails for the reference loop just as well; the test above compares with the
    reference loop instead."""
    mod = _build(kind, sg, width, dict(reset="soft") if kind == "klif" else {}, backend)  # (KLIF: hard by default)
    g = torch.Generator().manual_seed(3)
    x = (torch.rand(1, 2, 4, generator=g, dtype=torch.float64) * 0.5 + 0.3).requires_grad_()  # below V_th
    if kind == "glif":
        x = (x.detach() * 0.5).requires_grad_()

    def fn(x):
        mod.reset()
        s = mod(x)
        return s, mod.get_state()["V"]

    assert torch.autograd.gradgradcheck(fn, (x,), eps=1e-6, atol=1e-7, rtol=1e-5)


def test_code_path_double_backward():
    """The coded LIF (rectangle, soft reset: only a uint8 code kept, no x) builds its backward from the code in
    torch ops under create_graph: equal to the reference, and no gradient through x (rectangle, Heaviside)."""
    from snnlab.kernels import cpu

    mod = _build("lif", "rectangle", 0.8, {}, "cpu")
    assert cpu.uses_code_path(mod)
    ref = _build("lif", "rectangle", 0.8, {}, "reference")
    (fr, sr), (ff, sf) = _penalty_grads(ref, 9), _penalty_grads(mod, 9)
    for a, b in zip(fr + sr, ff + sf):
        if a is not None:
            torch.testing.assert_close(b, a, rtol=1e-9, atol=1e-12)
    assert float(sr[2].abs().max()) > 0


def test_first_order_backward_stays_fast():
    """Without create_graph the C backward runs (the reference loop is not recomputed)."""
    from snnlab.kernels import ops

    calls = []
    orig = ops._reference_grads
    ops._reference_grads = lambda *a, **k: calls.append(1) or orig(*a, **k)
    try:
        mod = _build("clif", "sigmoid", 1.0, {}, "cpu")
        x = torch.randn(4, *SHAPE, dtype=torch.float64, requires_grad=True)
        mod(x).sum().backward()
        assert calls == [] and x.grad is not None
        mod.reset()
        (gx,) = torch.autograd.grad(mod(x).sum(), x, create_graph=True)
        assert calls == [1] and gx.requires_grad
    finally:
        ops._reference_grads = orig
