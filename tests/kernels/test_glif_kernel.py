"""The GLIF C kernel (csrc/glif.h, backend="cpu") against GLIF's reference loop (snnlab.neurons.glif).

Forward: spikes and the carried H bit-identical (the kernel multiplies by the very coefficients glif_step computes,
in its operation order, without FMA). Backward: dL/dx of a continued chunk and of the chunk before it (through the
initial state V, S), and dL/dw of every parameter (through the sigmoids and the conductance rows t0..t0+T−1), to
2e-5 relative in float32 and 1e-10 in float64; an independent finite-difference check where the loss is smooth.
"""
from __future__ import annotations

import itertools

import pytest
import torch

from snnlab import kernels, neurons
from snnlab.kernels import cpu
from .saved import saved_storages

SURROGATES = [("rectangle", 1.0), ("triangle", 0.7), ("sigmoid", 1.0), ("atan", 2.0)]
TS = (1, 2, 7)
T_FIRST = 3  # steps of the first chunk: the chunk under test starts at t0 = 3 (conductance rows 3..)
T_MAX = T_FIRST + max(TS)


def _cases():
    """Every surrogate x detach_reset x per-layer/per-channel, with T, layout and the first chunk's backend
    cycling (so each value of each appears with several of the others)."""
    cases = []
    cyc = itertools.cycle(itertools.product(TS, (False, True), ("reference", "cpu")))
    for (sg, width), detach, channels in itertools.product(SURROGATES, (False, True), (None, 5)):
        T, noncontig, first = next(cyc)
        params = dict(surrogate=sg, width=width, detach_reset=detach, channels=channels)
        cases.append(pytest.param(params, T, noncontig, first,
                                  id=f"{sg}-d{int(detach)}-c{channels or 0}-T{T}-nc{int(noncontig)}-first_{first}"))
    return cases


def _randomize(mod, seed):
    """Spread every parameter (gates, τ_G, V_th, ℓ, V_sub, per-step conductances) so that channels and steps
    differ and every term of the update matters."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in mod.parameters():
            p.copy_(torch.rand(p.shape, generator=g, dtype=p.dtype) * 3.0 - 1.5)


def _pair(params, dtype, seed=0):
    ref = neurons.build("glif", T=T_MAX, backend="reference", **params).to(dtype)
    _randomize(ref, seed)
    fast = neurons.build("glif", T=T_MAX, backend="cpu", **params).to(dtype)
    fast.load_state_dict(ref.state_dict())
    return ref, fast


def _input(T, dtype, noncontig, seed, channels=5):
    """[T, B=2, C=5, 3] (channel axis 2, as GLIF's channels expect), mean 0.5."""
    g = torch.Generator().manual_seed(seed)
    if noncontig:  # sliced from a wider tensor and transposed: not contiguous
        base = torch.randn(T, 2, 3, channels, 2, generator=g, dtype=dtype) * 0.8 + 0.5
        x = base[..., 1].transpose(2, 3)
        assert not x.is_contiguous()
        return x.detach().requires_grad_()
    return (torch.randn(T, 2, channels, 3, generator=g, dtype=dtype) * 0.8 + 0.5).requires_grad_()


def _close(a, b, dtype, what):
    rtol = 2e-5 if dtype == torch.float32 else 1e-10
    scale = max(float(a.abs().max()), float(b.abs().max()), 1e-3)
    err = float((a - b).abs().max())
    assert err <= rtol * scale, f"{what}: max |diff| {err:.3g} > {rtol:g} x {scale:.3g}"


def _ran_kernel(t):
    """True when the autograd graph of ``t`` starts (behind views) at the GLIF kernel's node."""
    node = t.grad_fn
    while node is not None and type(node).__name__ in ("ViewBackward0", "SelectBackward0"):
        node = node.next_functions[0][0]
    return node is not None and "snnlab_cpu_glif" in type(node).__name__  # the custom op's autograd node


def _run_chunks(mod, x1, x2, weights, first_backend, second_backend):
    mod.reset()
    mod.backend = first_backend
    s1 = mod(x1)
    mod.backend = second_backend
    s2 = mod(x2)
    st = mod.get_state()
    loss = (s2 * weights[0]).sum() + (st["V"] * weights[1]).sum() + (st["S"] * weights[2]).sum() + (s1 * 0.5).sum()
    grads = torch.autograd.grad(loss, [x1, x2] + list(mod.parameters()), allow_unused=True)
    return s1.detach(), s2.detach(), {k: v.detach() for k, v in st.items()}, grads


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("params, T, noncontig, first", _cases())
def test_glif_cpu_matches_reference(params, T, noncontig, first, dtype):
    ref, fast = _pair(params, dtype)
    x1 = _input(T_FIRST, dtype, False, 1)
    x2 = _input(T, dtype, noncontig, 2)
    g = torch.Generator().manual_seed(3)
    weights = [torch.randn(x2.shape, generator=g, dtype=dtype)] + [
        torch.randn(x2.shape[1:], generator=g, dtype=dtype) for _ in range(2)]
    r = _run_chunks(ref, x1, x2, weights, "reference", "reference")
    f = _run_chunks(fast, x1, x2, weights, first, "cpu")
    assert _ran_kernel(fast.get_state()["V"]), "the kernel did not run"
    assert torch.equal(r[0], f[0]) and torch.equal(r[1], f[1]), "spikes differ"
    assert 0 < float(r[1].mean()) < 1, "degenerate case: no spikes or only spikes"
    for k in ("V", "S"):
        assert torch.equal(r[2][k], f[2][k]), f"state {k} not bit-identical"
    assert int(r[2]["t"]) == int(f[2]["t"]) == T_FIRST + T
    names = ["dL/dx (first chunk, through the initial V and S)", "dL/dx"] + [n for n, _ in ref.named_parameters()]
    for name, a, b in zip(names, r[3], f[3]):
        assert a is not None and b is not None, name
        _close(a, b, dtype, name)
    # every parameter gets a gradient (the conductance rows outside the chunks stay exactly 0 in both)
    for name, a in zip(names[2:], r[3][2:]):
        assert float(a.abs().max()) > 0, f"degenerate case: no gradient for {name}"
    gc_ref, gc_fast = r[3][-1], f[3][-1]
    assert names[-1] == "w_conduct"
    used = T_FIRST + T
    assert torch.equal(gc_fast[used:], torch.zeros_like(gc_fast[used:]))
    assert all(float(row.abs().max()) > 0 for row in gc_fast[:used]), "a conductance row got no gradient"


@pytest.mark.parametrize("isa", ["avx2", "baseline"])
@pytest.mark.parametrize("params, T, noncontig, first", _cases()[::5])
def test_other_instruction_sets_match_reference(params, T, noncontig, first, isa, monkeypatch):
    """The same source built for a narrower ISA than auto's (another vector width, no FMA in exp)."""
    from snnlab.kernels import build

    if not build._ISA_NEEDS[isa] <= build.cpu_features():
        pytest.skip(f"this CPU lacks {sorted(build._ISA_NEEDS[isa] - build.cpu_features())}")
    monkeypatch.setenv("SNNLAB_CPU_ISA", isa)
    for dtype in (torch.float32, torch.float64):
        test_glif_cpu_matches_reference(params, T, noncontig, first, dtype)
    assert any(key[0] == "glif" and key[2] == isa for key in build._libs), "the narrower library was not loaded"


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("which", ["none", "V", "S", "VS"])
def test_initial_state_variants(which, dtype):
    """glif_step's None semantics: no V skips D·V and the reset terms, V without S skips the reset terms only.
    The kernel starts from each combination set with set_state; gradients w.r.t. the given initial tensors."""
    params = dict(surrogate="sigmoid", channels=5, detach_reset=False)
    ref, fast = _pair(params, dtype, seed=4)
    x = _input(4, dtype, False, 5)
    g = torch.Generator().manual_seed(6)
    v0 = (torch.randn(x.shape[1:], generator=g, dtype=dtype) * 0.5 + 0.3).requires_grad_()
    s0 = (torch.rand(x.shape[1:], generator=g, dtype=dtype) < 0.5).to(dtype).requires_grad_()
    w = torch.randn(x.shape, generator=g, dtype=dtype)
    outs = []
    for mod in (ref, fast):
        state = {"V": v0 if "V" in which else None, "S": s0 if "S" in which else None,
                 "t": torch.tensor(2)}
        mod.set_state(state)
        s = mod(x)
        loss = (s * w).sum() + mod.get_state()["V"].sum()
        inputs = [x, v0, s0] + list(mod.parameters())
        outs.append((s.detach(), mod.get_state()["V"].detach(),
                     torch.autograd.grad(loss, inputs, allow_unused=True)))
    (s_r, v_r, g_r), (s_f, v_f, g_f) = outs
    assert torch.equal(s_r, s_f) and torch.equal(v_r, v_f)
    for i, (a, b) in enumerate(zip(g_r, g_f)):
        if a is None:  # the reference never used this initial tensor: the kernel's gradient must be 0 or None
            assert b is None or float(b.abs().max()) == 0, i
        else:
            _close(a, b if b is not None else torch.zeros_like(a), dtype, f"gradient {i}")
    if which == "VS":  # the reset terms carried a gradient to S[t-1]
        assert float(g_f[2].abs().max()) > 0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
def test_zero_initial_state_equals_none(dtype):
    """glif_step skips D·V and the reset terms when V is None; with V = S = 0 those terms are exactly 0
    ((D·0 − L) + I = I − L in IEEE arithmetic), so the kernel gives bit-identical spikes and H either way."""
    _, fast = _pair(dict(surrogate="atan", channels=5), dtype, seed=13)
    x = _input(5, dtype, False, 14)
    out = []
    for state in (None, {"V": torch.zeros(x.shape[1:], dtype=dtype), "S": torch.zeros(x.shape[1:], dtype=dtype)}):
        fast.set_state(state)
        s = fast(x)
        out.append((s, fast.get_state()["V"]))
    assert torch.equal(out[0][0], out[1][0]) and torch.equal(out[0][1], out[1][1])
    assert 0 < float(out[0][0].detach().mean()) < 1


def test_gradients_equal_finite_differences():
    """Independent of the reference: with detach_reset and a loss on the final H only, the loss is piecewise
    linear in x and smooth in every parameter while no spike flips, so central differences (float64) equal the
    kernel's gradient (x, and each w_* in a random direction)."""
    dtype = torch.float64
    mod = neurons.build("glif", T=6, channels=5, detach_reset=True, backend="cpu").to(dtype)
    _randomize(mod, 7)
    x = _input(6, dtype, False, 8)
    w = torch.randn(x.shape[1:], generator=torch.Generator().manual_seed(9), dtype=dtype)

    def loss_and_spikes():
        mod.reset()
        s = mod(x)
        return (mod.get_state()["V"] * w).sum(), s.detach()

    loss, s = loss_and_spikes()
    params = list(mod.parameters())
    grads = torch.autograd.grad(loss, [x] + params)
    assert 0 < float(s.mean()) < 1
    g = torch.Generator().manual_seed(10)
    eps = 1e-6
    for i, t in enumerate([x] + params):
        direction = torch.randn(t.shape, generator=g, dtype=dtype)
        with torch.no_grad():
            t.add_(eps * direction)
            lp, sp = loss_and_spikes()
            t.sub_(2 * eps * direction)
            lm, sm = loss_and_spikes()
            t.add_(eps * direction)
        assert torch.equal(sp, s) and torch.equal(sm, s), "a spike flipped: choose another seed"
        fd = float(lp - lm) / (2 * eps)
        an = float((grads[i] * direction).sum())
        assert abs(fd - an) <= 1e-7 * max(1.0, abs(an)), f"tensor {i}: finite differences {fd} vs kernel {an}"
        if i > 0 and t is not mod.w_threshold:
            assert abs(an) > 1e-3, f"tensor {i}: degenerate direction"


@pytest.mark.parametrize("channels, tail", [(None, (700,)), (3, (7, 7))])
def test_many_blocks_and_threads(channels, tail, monkeypatch):
    """N spanning many BLOCK-element (128) blocks (a ragged last block; with channels, channel runs of 49 elements that
    straddle block boundaries), 2 OpenMP threads; the parameter sums are deterministic (a second run is
    bit-identical)."""
    monkeypatch.setattr(cpu, "PARALLEL_MIN_ELEMENTS", 0)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    ref, fast = _pair(dict(surrogate="sigmoid", channels=channels), torch.float32, seed=11)
    g = torch.Generator().manual_seed(12)
    x = (torch.randn(5, 4, *((channels,) if channels else ()), *tail, generator=g) * 0.8 + 0.5).requires_grad_()
    w = torch.randn(x.shape, generator=g)
    res = []
    for mod in (ref, fast, fast):
        mod.reset()
        s = mod(x)
        res.append((s.detach(), torch.autograd.grad((s * w).sum() + mod.get_state()["V"].sum(),
                                                    [x] + list(mod.parameters()))))
    assert torch.equal(res[0][0], res[1][0])
    for a, b in zip(res[0][1], res[1][1]):
        _close(a, b, torch.float32, "gradient")
    for a, b in zip(res[1][1], res[2][1]):
        assert torch.equal(a, b), "the kernel's gradients are not deterministic"


def test_auto_uses_the_kernel_on_cpu():
    x = (torch.randn(4, 3, 8) + 0.5).requires_grad_()
    auto = neurons.build("glif", T=4)
    ref = neurons.build("glif", T=4, backend="reference")
    ref.load_state_dict(auto.state_dict())
    s_auto, s_ref = auto(x), ref(x)
    assert torch.equal(s_auto, s_ref)
    assert _ran_kernel(s_auto), f"auto ran the reference loop ({type(s_auto.grad_fn).__name__})"
    assert not _ran_kernel(s_ref)


def _saved_storages(mod, x):
    """{storage pointer: bytes} of the tensors autograd saves during mod(x) from a fresh state."""
    mod.reset()
    seen = saved_storages(mod, x)[1]
    mod.reset()
    return seen


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
def test_saves_only_the_input_for_backward(dtype):
    """The kernel keeps x (by reference) and recomputes H; everything else saved is per channel ([C] or [T, C],
    the coefficients and their sigmoids), not per element. The reference keeps several [B, C, ...] per step."""
    x = (torch.randn(6, 4, 5, 40, dtype=dtype) + 0.5).requires_grad_()
    fast = neurons.build("glif", T=6, channels=5, backend="cpu").to(dtype)
    seen = _saved_storages(fast, x)
    big = {p: n for p, n in seen.items() if n > 6 * 5 * 8}
    assert big == {x.untyped_storage().data_ptr(): x.numel() * x.element_size()}
    assert sum(seen.values()) - x.numel() * x.element_size() < 2000
    ref = neurons.build("glif", T=6, channels=5, backend="reference").to(dtype)
    per_ref = sum(_saved_storages(ref, x).values()) / x.numel()
    assert per_ref > 2 * x.element_size()


def test_triton_backend_takes_glif(monkeypatch):
    """backend="triton" sends GLIF to the Triton kernels (their numbers are checked under the interpreter by
    test_triton_parity.py; the interpreter cannot be switched on inside this process, so the kernel call is
    replaced by a spy here). The dtype rules: float32, float16, bfloat16 inputs (float32 coefficients inside);
    per-channel parameters wider than x are refused as for the C kernel (the reference would promote x)."""
    pytest.importorskip("triton")
    from snnlab.kernels import triton as triton_kernels

    monkeypatch.setenv("TRITON_INTERPRET", "1")  # so that CPU tensors pass the device check
    calls = []

    def spy(neuron, x, state, record=False):
        calls.append((neuron.kind, x.dtype, dict(state)))
        return torch.zeros_like(x), {}

    monkeypatch.setattr(triton_kernels, "run", spy)
    x = torch.randn(2, 3, 4)
    mod = neurons.build("glif", T=2, backend="triton")
    s, _ = kernels.dispatch(mod, x, {})
    assert calls and calls[0][0] == "glif" and s.shape == x.shape
    layer = neurons.build("glif", T=2, channels=4)
    assert kernels._unsupported(layer, torch.randn(2, 3, 4), {}, "triton") is None
    for dtype in (torch.float16, torch.bfloat16):
        assert kernels._unsupported(mod, x.to(dtype), {}, "triton") is None  # per-layer float32: no promotion
        assert kernels._unsupported(layer.to(dtype), x.to(dtype), {}, "triton") is None
        assert "convert the module" in kernels._unsupported(layer.float(), x.to(dtype), {}, "triton")
    assert "not supported by backend 'triton'" in kernels._unsupported(mod.double(), x.double(), {}, "triton")


def test_errors_and_fallbacks():
    """The kernel path raises the reference's ValueErrors (steps beyond T, wrong channel axis); per-channel
    float64 parameters with a float32 input (the reference would compute in float64) are refused by "cpu" and
    run by the reference loop under "auto"."""
    mod = neurons.build("glif", T=3, backend="cpu")
    mod(torch.randn(2, 2, 4))
    with pytest.raises(ValueError, match="built for T=3"):
        mod(torch.randn(2, 2, 4))
    with pytest.raises(ValueError, match="channels=5"):
        neurons.build("glif", T=3, channels=5, backend="cpu")(torch.randn(2, 2, 4))
    x = torch.randn(2, 2, 5) + 0.5
    wide = neurons.build("glif", T=2, channels=5, backend="cpu").double()
    with pytest.raises(kernels.KernelUnavailable, match="float64 but x is torch.float32"):
        wide(x)
    wide.backend = "auto"
    assert wide(x).dtype == torch.float64
    # per-layer float64 parameters do not promote a float32 input: the kernel runs and equals the reference
    layer = neurons.build("glif", T=2, backend="cpu").double()
    ref = neurons.build("glif", T=2, backend="reference").double()
    ref.load_state_dict(layer.state_dict())
    assert torch.equal(layer(x), ref(x))
    assert torch.equal(layer.get_state()["V"], ref.get_state()["V"])
