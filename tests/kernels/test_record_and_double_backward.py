"""``record=True`` on the fused path (the forward kernels write the states) and double backward through the
custom ops' autograd (create_graph=True recomputes through the reference loop)."""
from __future__ import annotations

import itertools

import pytest
import torch

from snnlab import neurons
from snnlab.neurons.base import Neuron

KINDS = ("lif", "plif", "klif", "clif", "ilif", "glif")
EXACT = ("lif", "plif", "klif", "glif")  # forwards bit-identical to the reference (CLIF, ILIF: own σ, ≤ 2.5 ulp)
OPTIONS = [dict(surrogate="rectangle"), dict(surrogate="sigmoid", reset="hard", v_reset=-0.2, decay_input=True),
           dict(surrogate="atan", width=2.0, detach_reset=True)]


def _pair(kind, options, dtype):
    opts = dict(options)
    if kind == "glif":
        opts = dict(T=7, channels=3, surrogate=opts.get("surrogate", "sigmoid"),
                    detach_reset=opts.get("detach_reset", False))
    elif kind == "klif":
        opts.update(k_init=1.3, scale_reset=bool(opts.get("decay_input")))
    elif kind == "ilif":
        opts.update(kappa_i=0.3, kappa_m=0.9)
    torch.manual_seed(1)
    fast = neurons.build(kind, backend="cpu", **opts).to(dtype)
    ref = neurons.build(kind, backend="reference", **opts).to(dtype)
    ref.load_state_dict(fast.state_dict())
    if kind == "glif":  # spread the per-channel parameters
        with torch.no_grad():
            for (_, p), (_, q) in zip(fast.named_parameters(), ref.named_parameters()):
                p.copy_(torch.empty_like(p).uniform_(-1.5, 1.5))
                q.copy_(p)
    return fast, ref


def _input(kind, dtype, T=7):
    g = torch.Generator().manual_seed(7)
    return torch.randn(T, 2, 3, 5, generator=g, dtype=dtype) * 0.9 + 0.6


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kind,options", list(itertools.product(KINDS, OPTIONS)),
                         ids=[f"{k}-{o['surrogate']}" for k, o in itertools.product(KINDS, OPTIONS)])
def test_fused_record_equals_reference_states(kind, options, dtype, monkeypatch):
    fast, ref = _pair(kind, options, dtype)
    x = _input(kind, dtype)
    with torch.no_grad():
        s_ref, rec_ref = ref(x[:3], record=True)
        s2_ref, rec2_ref = ref(x[3:], record=True)  # continued from the carried state
        # the fused path must not fall back to the reference loop
        monkeypatch.setattr(Neuron, "run_reference", lambda *a, **k: pytest.fail("reference loop ran"))
        s, rec = fast(x[:3], record=True)
        s2, rec2 = fast(x[3:], record=True)
    assert sorted(rec) == sorted(rec_ref) == sorted(fast.record_keys)
    assert torch.equal(torch.cat([s, s2]), torch.cat([s_ref, s2_ref]))
    for key in rec:
        a, b = torch.cat([rec[key], rec2[key]]), torch.cat([rec_ref[key], rec2_ref[key]])
        assert a.shape == x.shape and a.dtype == dtype
        if kind in EXACT:
            assert torch.equal(a, b), key
        else:
            tol = 1e-5 if dtype == torch.float32 else 1e-12
            torch.testing.assert_close(a, b, rtol=tol, atol=tol)
    # the records are the kernel's own states: the last V is the carried state, and spikes equal record=False's
    torch.testing.assert_close(rec2["V"][-1], fast.get_state()["V"], rtol=0, atol=0)
    fast.reset()
    assert torch.equal(fast(x[:3]), s)


def test_record_with_gradients_runs_the_reference_loop():
    """When a gradient is needed the records must be differentiable: the reference loop provides them."""
    n = neurons.build("clif", backend="cpu")
    x = (torch.randn(4, 3) + 0.8).requires_grad_()
    s, rec = n(x, record=True)
    assert rec["M"].requires_grad and rec["H"].grad_fn is not None
    (g,) = torch.autograd.grad(rec["V"].sum(), x)
    assert float(g.abs().sum()) > 0
    with torch.no_grad():
        n.reset()
        s2, rec2 = n(x, record=True)
    assert not rec2["M"].requires_grad
    torch.testing.assert_close(rec2["V"], rec["V"].detach(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind,options", list(itertools.product(KINDS, OPTIONS[:2])),
                         ids=[f"{k}-{o['surrogate']}" for k, o in itertools.product(KINDS, OPTIONS[:2])])
def test_double_backward_through_the_ops_equals_the_reference(kind, options):
    """A gradient penalty: d/d(x, θ) of Σ w·(dL/dx) with create_graph=True, fused (custom op autograd) vs the
    reference loop, float64. LIF with the rectangle surrogate runs the coded path (its backward recursion
    recomputed in torch from the 1-byte code)."""
    dtype = torch.float64
    fast, ref = _pair(kind, options, dtype)
    x0 = _input(kind, dtype, T=5)
    w = torch.linspace(-1, 1, x0[0].numel(), dtype=dtype).view(x0[0].shape)

    def penalty(mod):
        x = x0.clone().requires_grad_()
        a = torch.tensor(1.5, dtype=dtype, requires_grad=True)  # a later layer's weight: dL/dS depends on it
        mod.reset()
        s = mod(x)
        loss = (s * w * a).sum() + (mod.get_state()["V"] * w[0]).sum()
        (gx,) = torch.autograd.grad(loss, x, create_graph=True)
        pen = (gx * gx * torch.arange(1, x.shape[0] + 1, dtype=dtype).view(-1, 1, 1, 1)).sum()
        params = list(mod.parameters())
        return pen, torch.autograd.grad(pen, [a, x] + params, allow_unused=True)

    pen_f, g_f = penalty(fast)
    pen_r, g_r = penalty(ref)
    torch.testing.assert_close(pen_f, pen_r, rtol=1e-10, atol=1e-12)
    for a, b in zip(g_f, g_r):
        if b is None:
            assert a is None or float(a.abs().max()) == 0.0
            continue
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("kind", ["klif", "plif", "glif"])
def test_double_backward_across_chunks_counts_shared_parameters_once(kind):
    """The second chunk's initial state depends on the same k / τ / GLIF weights as its own step: the
    recomputation must not follow that path twice."""
    dtype = torch.float64
    fast, ref = _pair(kind, OPTIONS[1], dtype)
    x0 = _input(kind, dtype, T=6)

    def penalty(mod):
        x = x0.clone().requires_grad_()
        mod.reset()
        s = torch.cat([mod(x[:2]), mod(x[2:])])
        params = list(mod.parameters())
        first = torch.autograd.grad((s * x0.cos()).sum(), [x] + params, create_graph=True)
        pen = sum((g * g).sum() for g in first)
        return first + torch.autograd.grad(pen, params, allow_unused=True)

    for a, b in zip(penalty(fast), penalty(ref)):
        if b is None:
            continue
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-11)


def _stream_min_bytes() -> int:
    """SNN_STREAM_MIN_BYTES of csrc/step.h: records of at least this many bytes per state are written with
    non-temporal stores."""
    import re
    from pathlib import Path

    import snnlab.kernels as K

    text = (Path(K.__file__).parent / "csrc" / "step.h").read_text()
    m = re.search(r"#define SNN_STREAM_MIN_BYTES \(\(int64_t\)(\d+) << (\d+)\)", text)
    assert m, "SNN_STREAM_MIN_BYTES not found in csrc/step.h"
    return int(m.group(1)) << int(m.group(2))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kind", KINDS)
def test_streamed_records_equal_the_reference(kind, dtype):
    """Records large enough to be written with non-temporal stores (csrc/step.h, FN(put_row)), with an odd
    number of elements so that most rows start off a 16-byte boundary (plain stores at both ends, streamed in
    between): the same states as the reference loop, and below the threshold the same as plain stores."""
    T, C = 7, 3
    size = torch.finfo(dtype).bits // 8
    L = _stream_min_bytes() // (T * C * size) + 1
    L += 1 - L % 2  # odd: rows t·N start unaligned for odd t
    assert T * C * L * size >= _stream_min_bytes()
    fast, ref = _pair(kind, OPTIONS[0], dtype)
    g = torch.Generator().manual_seed(3)
    x = torch.randn(T, 1, C, L, generator=g, dtype=dtype) * 0.9 + 0.6
    with torch.no_grad():
        s, rec = fast(x, record=True)
        s_ref, rec_ref = ref(x, record=True)
    assert torch.equal(s, s_ref)
    for key in rec_ref:
        if kind in EXACT:
            assert torch.equal(rec[key], rec_ref[key]), key
        else:
            tol = 1e-5 if dtype == torch.float32 else 1e-12
            torch.testing.assert_close(rec[key], rec_ref[key], rtol=tol, atol=tol)
    # a slice below the threshold takes plain stores: the same values element for element
    fast.reset()
    with torch.no_grad():
        s_small, rec_small = fast(x[..., :1001].contiguous(), record=True)
    for key in rec_ref:
        assert torch.equal(rec_small[key], rec[key][..., :1001]), key
