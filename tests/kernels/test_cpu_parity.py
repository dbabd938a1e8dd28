"""The C kernels (backend="cpu") against each neuron's reference loop: outputs and gradients.

Forward: spikes bit-identical for every neuron; carried states bit-identical for LIF/PLIF/KLIF (same operation
order, no FMA) and within a few ulps for CLIF/ILIF (own exp in σ). Backward: dL/dx, dL/d(initial state) through a
second chunk that continues from a first one (so gradients reach the earlier chunk), dL/dw (PLIF τ = 1/σ(w)) and
dL/dk (KLIF), to ~1e-6 relative in float32 and 1e-12 in float64.
"""
from __future__ import annotations

import itertools

import pytest
import torch

from snnlab import kernels, neurons
from snnlab.kernels import build
from .saved import saved_storages

SURROGATES = [("rectangle", 1.0), ("triangle", 0.7), ("sigmoid", 1.0), ("atan", 2.0), ("sigmoid", 0.5)]
RESETS = [dict(reset="soft"), dict(reset="hard", v_reset=0.0), dict(reset="hard", v_reset=-0.3)]
TS = (1, 2, 7)


def _cases():
    """A covering grid per neuron: every surrogate x reset mode, with detach/decay_input/T/layout cycling."""
    cases = []
    flags = itertools.cycle(itertools.product((False, True), (False, True), TS, (False, True)))
    # τ: the default (2 for LIF/KLIF/CLIF, a power of two: the kernels multiply by 1/τ), and others that are not
    # (divided) or are (4, 8); PLIF's τ is learned (1/σ(w)).
    taus = itertools.cycle((None, 3.0, None, 1.1, 4.0, 8.0, None, 1.7))
    for kind in ("lif", "plif", "klif", "clif", "ilif"):
        for (sg, width), reset in itertools.product(SURROGATES, RESETS):
            detach, decay, T, noncontig = next(flags)
            tau = next(taus)
            extra = {} if tau is None or kind == "plif" else dict(tau=tau)
            if kind == "klif":
                extra.update(scale_reset=detach ^ decay, k_init=1.3 if decay else 0.8)
            if kind == "ilif":
                extra.update(kappa_i=0.3, kappa_m=0.9)
            params = dict(surrogate=sg, width=width, detach_reset=detach, decay_input=decay, **reset, **extra)
            cases.append(pytest.param(kind, params, T, noncontig,
                                      id=f"{kind}-{sg}{width}-{reset.get('v_reset', 'soft')}-tau{extra.get('tau', 'def')}-d{int(detach)}"
                                         f"-di{int(decay)}-T{T}-nc{int(noncontig)}"))
    return cases


def _pair(kind, params, dtype):
    ref = neurons.build(kind, backend="reference", **params).to(dtype)
    fast = neurons.build(kind, backend="cpu", **params).to(dtype)
    fast.load_state_dict(ref.state_dict())
    return ref, fast


def _input(T, dtype, noncontig, seed):
    g = torch.Generator().manual_seed(seed)
    if noncontig:  # [T, B, C] sliced from a wider tensor and transposed: not contiguous
        base = torch.randn(T, 5, 2, 3, generator=g, dtype=dtype) * 1.2 + 0.7
        x = base[:, :, :, 1].transpose(1, 2)
        assert not x.is_contiguous()
    else:
        x = torch.randn(T, 2, 5, generator=g, dtype=dtype) * 1.2 + 0.7
    return x.clone().requires_grad_() if not noncontig else x.detach().requires_grad_()


def _loss(spikes, state, weights):
    total = (spikes * weights[0]).sum()
    for i, key in enumerate(sorted(state)):
        total = total + (state[key] * weights[1 + i]).sum()
    return total


def _close(a, b, dtype, what):
    rtol = 2e-5 if dtype == torch.float32 else 1e-10
    scale = max(float(a.abs().max()), float(b.abs().max()), 1e-3)
    err = float((a - b).abs().max())
    assert err <= rtol * scale, f"{what}: max |diff| {err:.3g} > {rtol:g} x {scale:.3g}"


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kind, params, T, noncontig", _cases())
def test_cpu_matches_reference(kind, params, T, noncontig, dtype):
    ref, fast = _pair(kind, params, dtype)
    x1 = _input(3, dtype, False, 1)  # first chunk (reference), then the chunk under test continues from it
    x2 = _input(T, dtype, noncontig, 2)
    g = torch.Generator().manual_seed(3)
    weights = [torch.randn(x2.shape, generator=g, dtype=dtype)] + [
        torch.randn(x2.shape[1:], generator=g, dtype=dtype) for _ in range(5)]

    outs = {}
    for name, mod in (("ref", ref), ("fast", fast)):
        mod.reset()
        mod.backend = "reference"
        s1 = mod(x1)
        mod.backend = "reference" if name == "ref" else "cpu"
        s2 = mod(x2)
        state = {k: v for k, v in mod.get_state().items() if k not in ("X_prev", "S_prev")}
        loss = _loss(s2, state, weights) + (s1 * 0.5).sum()
        params_ = list(mod.parameters())
        grads = torch.autograd.grad(loss, [x1, x2] + params_, allow_unused=True)
        outs[name] = (s2.detach(), {k: v.detach() for k, v in mod.get_state().items()}, grads)

    (s_ref, st_ref, g_ref), (s_fast, st_fast, g_fast) = outs["ref"], outs["fast"]
    assert torch.equal(s_ref, s_fast), "spikes differ"
    exact = kind in ("lif", "plif", "klif")
    for k in st_ref:
        if exact:
            assert torch.equal(st_ref[k], st_fast[k]), f"state {k} not bit-identical"
        else:
            _close(st_ref[k], st_fast[k], dtype, f"state {k}")
    names = ["dL/dx (first chunk, through the initial state)", "dL/dx"] + [n for n, _ in ref.named_parameters()]
    for name, a, b in zip(names, g_ref, g_fast):
        assert (a is None) == (b is None), name
        if a is not None:
            # parameters (w, k) are float32 whatever the input dtype: compare at float32 precision
            _close(a, b, a.dtype if a.dim() else torch.float32, name)
    assert any(float(gr.abs().max()) > 0 for gr in g_ref[:2]), "degenerate case: no gradient at all"


_ISA_CASES = _cases()[::5]


@pytest.mark.parametrize("isa", ["avx2", "baseline"])
@pytest.mark.parametrize("kind, params, T, noncontig", _ISA_CASES)
def test_other_instruction_sets_match_reference(kind, params, T, noncontig, isa, monkeypatch):
    """The same C sources built for a narrower ISA than this CPU's widest (auto picks AVX-512 where there is
    one): another vector width and no FMA in exp (baseline), so another compiled program, same checks."""
    if not build._ISA_NEEDS[isa] <= build.cpu_features():
        pytest.skip(f"this CPU lacks {sorted(build._ISA_NEEDS[isa] - build.cpu_features())}")
    monkeypatch.setenv("SNNLAB_CPU_ISA", isa)
    assert build.isa() == isa
    for dtype in (torch.float32, torch.float64):
        test_cpu_matches_reference(kind, params, T, noncontig, dtype)
    assert any(key[2] == isa for key in build._libs), "the narrower library was not the one loaded"


def test_isa_choice_errors(monkeypatch):
    monkeypatch.setenv("SNNLAB_CPU_ISA", "sse9")
    with pytest.raises(build.BuildError, match="not one of auto, avx512, avx2, baseline"):
        build.isa()
    monkeypatch.setattr(build, "cpu_features", lambda: frozenset({"sse2"}))
    monkeypatch.setenv("SNNLAB_CPU_ISA", "avx512")
    with pytest.raises(build.BuildError, match="lacks"):
        build.isa()
    monkeypatch.setenv("SNNLAB_CPU_ISA", "auto")
    assert build.isa() == "baseline"


def test_default_neurons_use_the_fast_path_and_agree():
    """backend='auto' on CPU float32 runs the C kernel (its state has no reference graph) and equals reference."""
    x = (torch.randn(4, 3, 8) + 0.8).requires_grad_()
    for kind in ("lif", "plif", "klif", "clif", "ilif"):
        auto = neurons.build(kind)
        ref = neurons.build(kind, backend="reference")
        ref.load_state_dict(auto.state_dict())
        s_auto, s_ref = auto(x), ref(x)
        assert torch.equal(s_auto, s_ref)
        assert "Function" in type(s_auto.grad_fn).__name__ or "Backward" in type(s_auto.grad_fn).__name__
        assert "Stack" not in type(s_auto.grad_fn).__name__, f"{kind}: auto ran the reference loop"


def test_surrogate_derivative_in_c_equals_python():
    """T=1 LIF from rest: dΣS/dX = g(X − V_th) exactly the snnlab.surrogate derivative (boundaries included)."""
    z = torch.linspace(-1.5, 1.5, 601, dtype=torch.float64)
    z = torch.cat([z, torch.tensor([-0.5, 0.5, -0.35, 0.35, 0.25, -0.25], dtype=torch.float64)])
    for name, width in [("rectangle", 1.0), ("rectangle", 0.7), ("triangle", 0.7), ("sigmoid", 0.5),
                        ("atan", 1.0)]:
        lif = neurons.build("lif", surrogate=name, width=width, backend="cpu").double()
        x = (z + 1.0).view(1, 1, -1).clone().requires_grad_()
        lif(x).sum().backward()
        expected = lif.surrogate.derivative(x.detach().view(-1) - 1.0)
        torch.testing.assert_close(x.grad.view(-1), expected, rtol=1e-13, atol=1e-15)


def test_explicit_cpu_backend_raises_where_it_cannot_run(monkeypatch):
    x = torch.randn(2, 3)
    with pytest.raises(kernels.KernelUnavailable, match="dtype"):
        neurons.build("lif", backend="cpu")(x.half())
    # GLIF's Triton kernel needs CUDA tensors (or the interpreter); its C kernel runs here
    monkeypatch.delenv("TRITON_INTERPRET", raising=False)
    with pytest.raises(kernels.KernelUnavailable, match="glif: backend='triton' cannot run"):
        neurons.build("glif", backend="triton", T=2)(x)
    glif = neurons.build("glif", backend="cpu", T=2)
    assert torch.equal(glif(x), glif.run_reference(x, None)[0])
    # auto falls back to the reference loop for the same inputs
    out = neurons.build("lif")(x.to(torch.bfloat16))
    assert out.dtype == torch.bfloat16


def test_missing_compiler(monkeypatch):
    monkeypatch.setattr(build, "find_compiler", lambda: None)
    monkeypatch.setattr(kernels, "_warned", set())
    x = torch.randn(3, 4) + 1.0
    with pytest.raises(kernels.KernelUnavailable, match="no C compiler"):
        neurons.build("lif", backend="cpu")(x)
    with pytest.warns(RuntimeWarning, match="no C compiler"):
        out = neurons.build("lif")(x)
    assert torch.equal(out, neurons.build("lif", backend="reference")(x))


@pytest.mark.parametrize("kind", ["lif", "plif", "klif", "clif", "ilif"])
def test_many_blocks_and_threads(kind, monkeypatch):
    """N spanning several BLOCK-element (128) blocks per thread (and a ragged last block), 2 OpenMP threads."""
    from snnlab.kernels import cpu

    monkeypatch.setattr(cpu, "PARALLEL_MIN_ELEMENTS", 0)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    torch.manual_seed(5)
    x = (torch.randn(5, 3, 700) + 0.8).requires_grad_()
    w = torch.randn(5, 3, 700)
    ref, fast = _pair(kind, dict(surrogate="sigmoid"), torch.float32)
    grads = []
    for mod in (ref, fast):
        s = mod(x)
        (g,) = torch.autograd.grad((s * w).sum() + mod.get_state()["V"].sum(), x)
        grads.append((s, g))
    assert torch.equal(grads[0][0], grads[1][0])
    _close(grads[0][1], grads[1][1], torch.float32, "dL/dx")


# ---- LIF coded path (rectangle surrogate, soft reset, float τ): 1 byte/element-step saved instead of x --------
def _code_cases():
    cases = []
    decays = itertools.cycle((False, True, True, False))
    for T, detach, noncontig in itertools.product(TS, (False, True), (False, True)):
        decay = next(decays)
        width = 1.0 if noncontig else 0.7
        tau = 2.0 if detach else 1.7  # a power of two (multiplied by 1/τ) and not (divided)
        params = dict(surrogate="rectangle", width=width, reset="soft", detach_reset=detach, decay_input=decay,
                      tau=tau)
        cases.append(pytest.param("lif", params, T, noncontig,
                                  id=f"w{width}-tau{tau}-d{int(detach)}-di{int(decay)}-T{T}-nc{int(noncontig)}"))
    return cases


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("kind, params, T, noncontig", _code_cases())
def test_lif_code_path_matches_reference(kind, params, T, noncontig, dtype):
    """The coded path against the reference loop (same checks as the grid above, initial state from a first
    chunk), and bit-identical to the general kernel (which recomputes H from the saved x)."""
    from snnlab.kernels import cpu

    assert cpu.uses_code_path(neurons.build(kind, backend="cpu", **params))
    test_cpu_matches_reference(kind, params, T, noncontig, dtype)


def _chunked_grads(params, dtype, monkeypatch=None):
    mod = neurons.build("lif", backend="cpu", **params).to(dtype)
    x1, x2 = _input(3, dtype, False, 11), _input(7, dtype, True, 12)
    w = torch.randn(x2.shape, generator=torch.Generator().manual_seed(13), dtype=dtype)
    s1 = mod(x1)
    s2 = mod(x2)
    loss = (s2 * w).sum() + (mod.get_state()["V"] * 0.3).sum() + (s1 * 0.5).sum()
    return (s1.detach(), s2.detach(), mod.get_state()["V"].detach(), *torch.autograd.grad(loss, [x1, x2]))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("detach, decay", [(False, False), (True, True), (False, True)])
def test_lif_code_path_bit_identical_to_general_kernel(detach, decay, dtype, monkeypatch):
    from snnlab.kernels import cpu

    params = dict(surrogate="rectangle", width=0.8, reset="soft", detach_reset=detach, decay_input=decay)
    coded = _chunked_grads(params, dtype)
    monkeypatch.setattr(cpu, "uses_code_path", lambda neuron: False)
    general = _chunked_grads(params, dtype)
    assert float(coded[3].abs().max()) > 0 and float(coded[4].abs().max()) > 0
    for a, b in zip(coded, general):
        assert torch.equal(a, b)


def _saved_bytes_per_element_step(mod, x):
    """Bytes of the distinct tensors autograd saves during mod(x), over T·N."""
    s, seen = saved_storages(mod, x)
    return s, sum(seen.values()) / x.numel()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
def test_lif_code_path_saves_one_byte_per_element_step(dtype):
    x = (torch.randn(6, 4, 50, dtype=dtype) + 0.8).requires_grad_()
    rect = neurons.build("lif", backend="cpu", surrogate="rectangle", reset="soft").to(dtype)
    s, per = _saved_bytes_per_element_step(rect, x)
    assert per == 1.0
    # the autograd node itself keeps exactly one uint8 [T, N] tensor
    node = s.grad_fn
    while node is not None and "snnlab_cpu_lif" not in type(node).__name__:  # the custom op's autograd node
        node = node.next_functions[0][0]
    assert node is not None, "the rectangle soft-reset LIF did not run the coded path"
    (code,) = node.saved_tensors
    assert code.dtype == torch.uint8 and code.numel() == x.numel()
    assert torch.equal((code & 1).to(dtype).view(x.shape), s.detach())  # bit 0: the spikes
    # bit 1: the rectangle window |H - V_th| <= γ/2, boundaries included; T=1 from rest, decay_input=False: H = X
    z = torch.tensor([-0.5, -0.35, -0.3499, 0.0, 0.3, 0.35, 0.3501, 0.5], dtype=dtype)
    one = neurons.build("lif", backend="cpu", surrogate="rectangle", width=0.7, reset="soft").to(dtype)
    xs = (z + 1.0).view(1, 1, -1).requires_grad_()
    node = one(xs).grad_fn.next_functions[0][0]
    (c1,) = node.saved_tensors
    h = xs.detach().view(-1)
    assert torch.equal(c1.view(-1) >> 1, ((h - 1.0).abs() <= 0.35).to(torch.uint8))
    assert torch.equal(c1.view(-1) & 1, (h - 1.0 >= 0).to(torch.uint8))
    # with the initial state given, the same 1 B/element-step (v0 is not kept)
    s2, per2 = _saved_bytes_per_element_step(rect, x)
    assert per2 == 1.0
    sig = neurons.build("lif", backend="cpu", surrogate="sigmoid", reset="soft").to(dtype)
    _, per_sig = _saved_bytes_per_element_step(sig, x)
    assert per_sig == x.element_size()


# ---- the arithmetic helpers of csrc/step.h and common.h, through their exported test hooks ---------------------
@pytest.mark.parametrize("isa", ["auto", "baseline"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
def test_division_by_tau_is_the_ieee_quotient(dtype, isa, monkeypatch):
    """FN(divt) replaces a / τ by a multiplication (τ a power of two) or a multiplication with one FMA correction
    (otherwise, where the ISA has FMA): the quotient must be torch's a / τ bit for bit, for values spread over
    many binades, both signs, zeros and exact multiples, and for hard τ (significand all ones, just above 1)."""
    import ctypes

    from snnlab.kernels import cpu

    monkeypatch.setenv("SNNLAB_CPU_ISA", isa)
    g = torch.Generator().manual_seed(7)
    n = 400_000
    mant = torch.rand(n, generator=g, dtype=torch.float64) + 1.0
    expo = torch.randint(-60, 60, (n,), generator=g).to(torch.float64)
    sign = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0).to(torch.float64)
    a = (sign * mant * torch.exp2(expo)).to(dtype)
    a[:8] = torch.tensor([0.0, 1.0, -1.0, 2.2, 3.3, 1e-3, -7.0, 1.5], dtype=dtype)
    lib = build.load("lif", cpu.DTYPES[dtype])
    div = getattr(lib, f"snn_div_tau_{cpu.DTYPES[dtype]}")
    div.restype = ctypes.c_int
    near_one = float(torch.nextafter(torch.tensor(1.0, dtype=dtype), torch.tensor(2.0, dtype=dtype)))
    below_two = float(torch.nextafter(torch.tensor(2.0, dtype=dtype), torch.tensor(1.0, dtype=dtype)))
    for tau in (2.0, 4.0, 1.1, 1.7, 3.0, 4.0 / 3.0, near_one, below_two, 1.2345678):
        out = torch.empty_like(a)
        pow2 = div(ctypes.c_void_p(a.data_ptr()), ctypes.c_void_p(out.data_ptr()), ctypes.c_int64(n),
                   ctypes.c_double(tau))
        assert bool(pow2) == (tau in (2.0, 4.0))
        expected = a / torch.tensor(tau, dtype=dtype)
        assert torch.equal(out, expected), f"tau={tau}: {int((out != expected).sum())} quotients differ"


@pytest.mark.parametrize("isa", ["auto", "baseline"])
def test_sigmoid_within_an_ulp_or_two(isa, monkeypatch):
    """FN(sigmoid_n) (AVX-512 intrinsics under auto on this CPU, plain C under baseline) against float64 torch:
    relative error of σ at most 2.5 float32 ulps over [-30, 30], exactly 0/1 limits far out, NaN propagated."""
    import ctypes

    from snnlab.kernels import build

    monkeypatch.setenv("SNNLAB_CPU_ISA", isa)
    lib = build.load("lif", "f32")
    sig = lib.snn_sigmoid_f32
    a = torch.cat([torch.linspace(-30, 30, 200_001), torch.tensor([-200.0, 200.0, -88.5, 90.0, 0.0, -0.0,
                                                                    float("nan")])])
    y = torch.empty_like(a)
    sig(ctypes.c_void_p(a.data_ptr()), ctypes.c_void_p(y.data_ptr()), ctypes.c_int64(a.numel()))
    ref = torch.sigmoid(a.double())
    inside = a.abs() <= 30
    rel = ((y.double() - ref).abs() / ref)[inside]
    assert float(rel.max()) <= 2.5 * 2.0 ** -24, float(rel.max())
    assert float(y[-7]) < 1e-37 and float(y[-6]) == 1.0 and float(y[-3]) == 0.5 and torch.isnan(y[-1])


def test_avx512_sigmoid_equals_the_scalar_fma_code(monkeypatch):
    """The AVX-512 intrinsics of sigmoid16_f32 are the scalar exp_f32 path's operations (common.h): built for
    avx512 and for avx2 (scalar code, FMA in exp), both give the same bits for every input."""
    import ctypes

    need = build._ISA_NEEDS["avx512"]
    if not need <= build.cpu_features():
        pytest.skip(f"this CPU lacks {sorted(need - build.cpu_features())}")
    a = torch.cat([torch.linspace(-100, 100, 400_001), torch.randn(100_000) * 3,
                   torch.tensor([0.0, -0.0, 87.0, -88.0, 87.5, float("inf"), float("-inf")])])
    outs = {}
    for isa in ("avx512", "avx2"):
        monkeypatch.setenv("SNNLAB_CPU_ISA", isa)
        y = torch.empty_like(a)
        build.load("lif", "f32").snn_sigmoid_f32(ctypes.c_void_p(a.data_ptr()), ctypes.c_void_p(y.data_ptr()),
                                                 ctypes.c_int64(a.numel()))
        outs[isa] = y
    assert torch.equal(outs["avx512"], outs["avx2"]), int((outs["avx512"] != outs["avx2"]).sum())
