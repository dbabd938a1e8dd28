"""CPU fast path: the C kernels of ``csrc/`` wrapped in ``torch.autograd.Function``s.

One function per neuron family: ``lif`` (LIF, PLIF, KLIF), ``clif``, ``ilif``, ``glif``. Each runs the whole
multi-step forward in one call (elements in parallel with OpenMP, T inside) and a hand-derived backward through
time (the recursions are written at the top of ``csrc/lif.h``, ``csrc/clif.h``, ``csrc/ilif.h``, ``csrc/glif.h``).

Saved for backward: only the input ``x`` (kept by reference, no copy when it is already contiguous) and the
initial state; the backward recomputes H (and M, A, σ terms) block by block in cache before running the
recursion backwards. So a layer keeps one ``[T, ...]`` tensor (its input) for backward, whatever the neuron.
Exception, ``uses_code_path``: LIF (not PLIF/KLIF) with a rectangle surrogate, soft reset and a float τ keeps
one uint8 per element and step instead (bit 0 = S[t], bit 1 = [|H[t] − V_th| ≤ γ/2]): for soft reset
dV/dH = 1 − V_th·g needs no H, and the rectangle g is (scale/γ)·[in window]. 1 B/element-step instead of x's 4
(float32) or 8 (float64); the gradients are bit-identical to the general kernel's.

Exactness (see tests/kernels): LIF, PLIF, KLIF and GLIF forwards are bit-identical to the reference loop (same
operation order, no contraction into FMA; the divisions by τ are replaced by a multiplication by 1/τ when τ is a
power of two, else by the FMA-corrected product, both equal to the IEEE quotient); CLIF and ILIF use their own
vectorised exp in σ, within 2.5 ulp of the true sigmoid. Gradients agree with autograd through the reference
to rounding (≈1e-6 relative in float32, 1e-12 in float64). Gradients of initial states that autograd does not
need are not computed (their output pointer is NULL). NaN/Inf give what the reference loop gives, and under
``create_graph=True`` each backward differentiates the reference loop recomputed from the saved inputs
(``reference.py``; the coded LIF path runs its recursion in torch ops instead): see ``snnlab/kernels/__init__.py``.
"""
from __future__ import annotations

import ctypes
import math
from typing import Optional

import torch

from snnlab.kernels import build, reference

SURROGATE_KIND = {"rectangle": 0, "triangle": 1, "sigmoid": 2, "atan": 3}
DTYPES = {torch.float32: "f32", torch.float64: "f64"}


class Params(ctypes.Structure):
    """Mirror of ``params_t`` in ``csrc/common.h`` (keep in sync)."""

    _fields_ = [
        ("tau", ctypes.c_double), ("vth", ctypes.c_double), ("vreset", ctypes.c_double), ("k", ctypes.c_double),
        ("kappa_i", ctypes.c_double), ("kappa_m", ctypes.c_double), ("sg_width", ctypes.c_double),
        ("sg_scale", ctypes.c_double), ("vth_k", ctypes.c_double), ("T", ctypes.c_int64), ("N", ctypes.c_int64), ("hard", ctypes.c_int32),
        ("vr_zero", ctypes.c_int32), ("decay_input", ctypes.c_int32), ("detach", ctypes.c_int32),
        ("sg_kind", ctypes.c_int32), ("scale_reset", ctypes.c_int32), ("nthreads", ctypes.c_int32),
    ]


PARALLEL_MIN_ELEMENTS = 1 << 16


def threads_for(elements: int) -> int:
    """OpenMP threads for a call over ``elements`` (T·N): ``torch.get_num_threads()``, but 1 below 2^16 elements
    (twice torch's own grain size for elementwise ops), where a parallel region costs about what it saves. On
    this 2-core VM, 2 threads took LIF fwd+bwd at T=8, N=65536 from 1.06 to 0.63 ms, and were no slower at
    T=4, N=4096. Like every torch op, a parallel call can stall when another process takes the sibling
    thread's core (seen once as a 100 ms call in benchmarks/neurons.py on a loaded machine)."""
    return 1 if elements < PARALLEL_MIN_ELEMENTS else max(1, torch.get_num_threads())


def make_params(*, T: int, N: int, tau: float, v_threshold: float, v_reset: Optional[float], decay_input: bool,
                detach_reset: bool, surrogate, k: float = 1.0, scale_reset: bool = False, kappa_i: float = 0.0,
                kappa_m: float = 0.0, vth_k: float = 0.0) -> Params:
    return Params(
        tau=float(tau), vth=float(v_threshold), vreset=0.0 if v_reset is None else float(v_reset), k=float(k),
        kappa_i=float(kappa_i), kappa_m=float(kappa_m), sg_width=float(surrogate.width),
        sg_scale=float(getattr(surrogate, "scale", 1.0)), vth_k=float(vth_k), T=T, N=N, hard=int(v_reset is not None),
        vr_zero=int(v_reset is None or float(v_reset) == 0.0), decay_input=int(bool(decay_input)),
        detach=int(bool(detach_reset)), sg_kind=SURROGATE_KIND[surrogate.name], scale_reset=int(bool(scale_reset)),
        nthreads=threads_for(T * N))


def spec_from_params(p: Params, **extra) -> dict:
    """The neuron settings of parameter block ``p`` as the plain values of ``reference``'s forwards (the double
    backward recomputes the reference loop from them)."""
    from snnlab.surrogate import Surrogate

    name = next(n for n, k in SURROGATE_KIND.items() if k == p.sg_kind)
    return dict(tau=p.tau, v_threshold=p.vth, v_reset=p.vreset if p.hard else None,
                decay_input=bool(p.decay_input), detach_reset=bool(p.detach), scale_reset=bool(p.scale_reset),
                kappa_i=p.kappa_i, kappa_m=p.kappa_m, surrogate=Surrogate(name, p.sg_width, p.sg_scale), **extra)


def _ptr(t: Optional[torch.Tensor]):
    return None if t is None else ctypes.c_void_p(t.data_ptr())


def _call(fn, *args) -> None:
    rc = fn(*args)
    if rc != 0:
        raise MemoryError("snnlab CPU kernel: could not allocate its per-thread scratch buffer")


def _fn(family: str, dtype: torch.dtype, name: str):
    lib = build.load(family, DTYPES[dtype])
    f = getattr(lib, f"snn_{family}_{name}_{DTYPES[dtype]}")
    f.restype = ctypes.c_int
    return f


def _grad_buffer(ctx, index: int, like: torch.Tensor) -> Optional[torch.Tensor]:
    """An output buffer for the gradient of forward input ``index`` (an initial state), or None when autograd
    does not need it (the state was None, or does not require grad): the kernel then skips writing it."""
    return torch.empty_like(like) if ctx.needs_input_grad[index] else None


def _zeros_if_none(g, like):
    return torch.zeros_like(like) if g is None else g.contiguous()


def _flat_state(v: Optional[torch.Tensor], shape, dtype) -> Optional[torch.Tensor]:
    """A state tensor broadcast to ``shape`` and flattened (the expand keeps the autograd link)."""
    if v is None:
        return None
    return v.to(dtype).expand(shape).contiguous().view(-1)


# ----------------------------------------------------------------------------------------------------------------
class _LIFFunction(torch.autograd.Function):
    """LIF / PLIF / KLIF. Inputs: x [T, N], v0 [N] | None, tau (0-dim tensor | None), k (0-dim tensor | None)."""

    @staticmethod
    def forward(ctx, x, v0, tau_t, k_t, p: Params, klif: int):
        T, N = x.shape
        s = torch.empty_like(x)
        vT = torch.empty(N, dtype=x.dtype)
        _call(_fn("lif", x.dtype, "forward"), ctypes.byref(p), ctypes.c_int(klif), _ptr(x), _ptr(v0), _ptr(s),
              _ptr(vT))
        ctx.save_for_backward(x, v0, tau_t, k_t)
        ctx.p, ctx.klif = p, klif
        ctx.tau_meta = None if tau_t is None else (tau_t.shape, tau_t.dtype)
        ctx.k_meta = None if k_t is None else (k_t.shape, k_t.dtype)
        return s, vT

    @staticmethod
    def backward(ctx, gs, gvT):
        x, v0, tau_t, k_t = ctx.saved_tensors
        p = ctx.p
        if torch.is_grad_enabled():  # create_graph=True: differentiate the reference loop (exact double backward)
            spec = spec_from_params(p, klif=bool(ctx.klif))
            return (*reference.grads(lambda *a: reference.lif_forward(*a, spec=spec), (x, v0, tau_t, k_t),
                                     ctx.needs_input_grad, (gs, gvT)), None, None)
        gs = _zeros_if_none(gs, x)
        gvT = _zeros_if_none(gvT, x[0])
        gx = torch.empty_like(x)
        gv0 = _grad_buffer(ctx, 1, x[0])
        acc = (ctypes.c_double * 2)(0.0, 0.0)
        _call(_fn("lif", x.dtype, "backward"), ctypes.byref(p), ctypes.c_int(ctx.klif), _ptr(x), _ptr(v0),
              _ptr(gs), _ptr(gvT), _ptr(gx), _ptr(gv0), acc)
        g_tau = g_k = None
        if ctx.tau_meta is not None and ctx.needs_input_grad[2]:
            g_tau = torch.full(ctx.tau_meta[0], acc[0] / (p.tau * p.tau), dtype=ctx.tau_meta[1])
        if ctx.k_meta is not None and ctx.needs_input_grad[3]:
            g_k = torch.full(ctx.k_meta[0], acc[1], dtype=ctx.k_meta[1])
        return gx, gv0, g_tau, g_k, None, None


class _LIFCodeFunction(torch.autograd.Function):
    """LIF, rectangle surrogate, soft reset, float τ (``uses_code_path``). Inputs: x [T, N], v0 [N] | None.

    Saves only the uint8 code [T, N] (bit 0 = S[t], bit 1 = |H[t] − V_th| ≤ γ/2) written by the forward; the
    backward ``csrc/lif.h`` (coded path) reads it: g = (scale/γ)·bit1, gH = gS·g + cV·(1 − V_th·g) (g dropped
    in the reset term when detach_reset), gX = gH (decay_input: gH/τ), cV ← gH − gH/τ.
    """

    @staticmethod
    def forward(ctx, x, v0, p: Params):
        T, N = x.shape
        s = torch.empty_like(x)
        vT = torch.empty(N, dtype=x.dtype)
        code = torch.empty((T, N), dtype=torch.uint8)
        _call(_fn("lif", x.dtype, "forward_code"), ctypes.byref(p), _ptr(x), _ptr(v0), _ptr(s), _ptr(code),
              _ptr(vT))
        ctx.save_for_backward(code)
        ctx.p = p
        return s, vT

    @staticmethod
    def backward(ctx, gs, gvT):
        (code,) = ctx.saved_tensors
        p = ctx.p
        dtype = gs.dtype if gs is not None else gvT.dtype
        T, N = code.shape
        gs = torch.zeros((T, N), dtype=dtype) if gs is None else gs.contiguous()
        gvT = torch.zeros(N, dtype=dtype) if gvT is None else gvT.contiguous()
        if torch.is_grad_enabled():  # create_graph=True: the same recursion in torch ops (see lif_code_backward)
            gx, gv0 = reference.lif_code_backward(code, gs, gvT, spec=spec_from_params(p))
            return gx, (gv0 if ctx.needs_input_grad[1] else None), None
        gx = torch.empty((T, N), dtype=dtype)
        gv0 = torch.empty(N, dtype=dtype) if ctx.needs_input_grad[1] else None
        _call(_fn("lif", dtype, "backward_code"), ctypes.byref(p), _ptr(code), _ptr(gs), _ptr(gvT), _ptr(gx),
              _ptr(gv0))
        return gx, gv0, None


def uses_code_path(neuron) -> bool:
    """True when ``run`` keeps the 1-byte code instead of x for ``neuron``'s backward: kind "lif" (PLIF's τ is a
    tensor, KLIF's U = ReLU(kH) needs H), rectangle surrogate, soft reset (``v_reset is None``), τ a plain
    number. decay_input and detach_reset may be anything."""
    return (neuron.kind == "lif" and neuron.surrogate.name == "rectangle" and neuron.v_reset is None
            and not isinstance(neuron.tau, torch.Tensor))


class _CLIFFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, v0, m0, p: Params):
        T, N = x.shape
        s = torch.empty_like(x)
        vT = torch.empty(N, dtype=x.dtype)
        mT = torch.empty(N, dtype=x.dtype)
        _call(_fn("clif", x.dtype, "forward"), ctypes.byref(p), _ptr(x), _ptr(v0), _ptr(m0), _ptr(s), _ptr(vT),
              _ptr(mT))
        ctx.save_for_backward(x, v0, m0)
        ctx.p = p
        return s, vT, mT

    @staticmethod
    def backward(ctx, gs, gvT, gmT):
        x, v0, m0 = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph=True: differentiate the reference loop (exact double backward)
            spec = spec_from_params(ctx.p)
            return (*reference.grads(lambda *a: reference.clif_forward(*a, spec=spec), (x, v0, m0),
                                     ctx.needs_input_grad, (gs, gvT, gmT)), None)
        gs = _zeros_if_none(gs, x)
        gvT = _zeros_if_none(gvT, x[0])
        gmT = _zeros_if_none(gmT, x[0])
        gx = torch.empty_like(x)
        gv0, gm0 = _grad_buffer(ctx, 1, x[0]), _grad_buffer(ctx, 2, x[0])
        _call(_fn("clif", x.dtype, "backward"), ctypes.byref(ctx.p), _ptr(x), _ptr(v0), _ptr(m0), _ptr(gs),
              _ptr(gvT), _ptr(gmT), _ptr(gx), _ptr(gv0), _ptr(gm0))
        return gx, gv0, gm0, None


class _ILIFFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, v0, m0, a0, xp0, sp0, p: Params):
        T, N = x.shape
        s = torch.empty_like(x)
        vT, mT, aT = (torch.empty(N, dtype=x.dtype) for _ in range(3))
        _call(_fn("ilif", x.dtype, "forward"), ctypes.byref(p), _ptr(x), _ptr(v0), _ptr(m0), _ptr(a0), _ptr(xp0),
              _ptr(sp0), _ptr(s), _ptr(vT), _ptr(mT), _ptr(aT))
        ctx.save_for_backward(x, v0, m0, a0, xp0, sp0)
        ctx.p = p
        return s, vT, mT, aT

    @staticmethod
    def backward(ctx, gs, gvT, gmT, gaT):
        x, v0, m0, a0, xp0, sp0 = ctx.saved_tensors
        if torch.is_grad_enabled():  # create_graph=True: differentiate the reference loop (exact double backward)
            spec = spec_from_params(ctx.p)
            return (*reference.grads(lambda *a: reference.ilif_forward(*a, spec=spec), (x, v0, m0, a0, xp0, sp0),
                                     ctx.needs_input_grad, (gs, gvT, gmT, gaT)), None)
        gs = _zeros_if_none(gs, x)
        gvT, gmT, gaT = (_zeros_if_none(g, x[0]) for g in (gvT, gmT, gaT))
        gx = torch.empty_like(x)
        gv0, gm0, ga0, gxp0, gsp0 = (_grad_buffer(ctx, i, x[0]) for i in range(1, 6))
        _call(_fn("ilif", x.dtype, "backward"), ctypes.byref(ctx.p), _ptr(x), _ptr(v0), _ptr(m0), _ptr(a0),
              _ptr(xp0), _ptr(sp0), _ptr(gs), _ptr(gvT), _ptr(gmT), _ptr(gaT), _ptr(gx), _ptr(gv0), _ptr(gm0),
              _ptr(ga0), _ptr(gxp0), _ptr(gsp0))
        return gx, gv0, gm0, ga0, gxp0, gsp0, None


class _GLIFFunction(torch.autograd.Function):
    """GLIF (``csrc/glif.h``). Inputs: x [T, N], v0 [N] | None (H[t−1]), s0 [N] | None (S[t−1]), the per-channel
    coefficients a [T, C] (input gain of each step), d, l, gam, q, vth [C] (all x's dtype, contiguous), then
    the parameter block, C and inner (channel of element i = (i // inner) % C).

    Returns dL/d of every tensor input: the parameter sums come from the kernel's per-thread double accumulators
    (summed in thread order), cast to the coefficients' dtype."""

    @staticmethod
    def forward(ctx, x, v0, s0, a, d, l, gam, q, vth, p: Params, C: int, inner: int):
        T, N = x.shape
        s = torch.empty_like(x)
        vT = torch.empty(N, dtype=x.dtype)
        coef = (ctypes.c_int64(C), ctypes.c_int64(inner), *(_ptr(c) for c in (a, d, l, gam, q, vth)))
        _call(_fn("glif", x.dtype, "forward"), ctypes.byref(p), *coef, _ptr(x), _ptr(v0), _ptr(s0), _ptr(s),
              _ptr(vT))
        ctx.save_for_backward(x, v0, s0, a, d, l, gam, q, vth)
        ctx.p, ctx.C, ctx.inner = p, C, inner
        return s, vT

    @staticmethod
    def backward(ctx, gs, gvT):
        x, v0, s0, a, d, l, gam, q, vth = ctx.saved_tensors
        p, C = ctx.p, ctx.C
        if torch.is_grad_enabled():  # create_graph=True: differentiate the reference loop (exact double backward)
            spec, inner = spec_from_params(p), ctx.inner
            return (*reference.grads(lambda *a: reference.glif_forward(*a, C=C, inner=inner, spec=spec),
                                     (x, v0, s0, a, d, l, gam, q, vth), ctx.needs_input_grad, (gs, gvT)),
                    None, None, None)
        T = x.shape[0]
        gs = _zeros_if_none(gs, x)
        gvT = _zeros_if_none(gvT, x[0])
        gx = torch.empty_like(x)
        gv0, gs0 = _grad_buffer(ctx, 1, x[0]), _grad_buffer(ctx, 2, x[0])  # None: the kernel skips them
        acc = (ctypes.c_double * (T * C + 5 * C))()
        coef = (ctypes.c_int64(C), ctypes.c_int64(ctx.inner), *(_ptr(c) for c in (a, d, l, gam, q, vth)))
        _call(_fn("glif", x.dtype, "backward"), ctypes.byref(p), *coef, _ptr(x), _ptr(v0), _ptr(s0), _ptr(gs),
              _ptr(gvT), _ptr(gx), _ptr(gv0), _ptr(gs0), acc)
        sums = torch.frombuffer(acc, dtype=torch.float64).to(a.dtype)  # a copy (a different dtype or .clone())
        sums = sums.clone() if sums.dtype == torch.float64 else sums
        g_a = sums[:T * C].view(T, C)
        g_d, g_l, g_gam, g_q, g_vth = sums[T * C:].view(5, C).unbind(0)
        need = ctx.needs_input_grad
        grads = (gx, gv0, gs0, g_a, g_d, g_l, g_gam, g_q, g_vth)
        return (*(g if need[i] else None for i, g in enumerate(grads)), None, None, None)


def glif_coefficients(neuron, x: torch.Tensor, state: dict, dtype: torch.dtype):
    """The per-channel coefficients of ``csrc/glif.h`` for GLIF ``neuron`` on ``x`` [T, B, ...] from ``state``,
    computed from the sigmoid values with glif_step's own torch expressions (so they are bit-identical to the
    numbers the reference loop uses, and autograd carries their gradients back to every ``w_*`` parameter), then
    cast to ``dtype``; rows t0..t0+T−1 of the conductance table. Shared by the C and the Triton paths.

    Returns ``(t0, C, inner, (a [T, C], d, l, gam, q, vth [C]))``, all contiguous; element i of a step belongs
    to channel ``(i // inner) % C``. Raises the reference's ValueErrors (``neuron.check_call``)."""
    T = x.shape[0]
    shape = tuple(x.shape[1:])
    N = math.prod(shape)
    t = state.get("t")
    t0 = 0 if t is None else int(t)
    neuron.check_call(x, t0)
    C = 1 if neuron.channels is None else int(neuron.channels)
    inner = N if neuron.channels is None else math.prod(shape[2:])
    prm = neuron.step_params(2)  # sigmoid values, shape () or (C,)
    conduct = torch.sigmoid(neuron.w_conduct)[t0:t0 + T]  # (T,) or (T, C), as the reference's rows
    alpha, beta, gamma = prm["alpha"], prm["beta"], prm["gamma"]
    gain = 1.0 - beta * (1.0 - conduct)
    d = 1.0 - alpha * (1.0 - prm["decay"])
    lin = (1.0 - alpha) * prm["linear_decay"]
    q = (1.0 - gamma) * prm["v_subreset"]

    def flat(c, rows=None):
        c = c.to(dtype)
        return (c.expand(rows, C) if rows else c.expand(C)).contiguous()

    coefs = (flat(gain.reshape(T, -1), T), flat(d), flat(lin), flat(gamma), flat(q), flat(prm["v_threshold"]))
    return t0, C, inner, coefs


def _run_glif(neuron, x: torch.Tensor, state: dict):
    """GLIF through ``_GLIFFunction`` with the coefficients of ``glif_coefficients`` (x's dtype)."""
    T = x.shape[0]
    shape = tuple(x.shape[1:])
    N = math.prod(shape)
    dtype = x.dtype
    t0, C, inner, coefs = glif_coefficients(neuron, x, state, dtype)
    p = make_params(T=T, N=N, tau=1.0, v_threshold=0.0, v_reset=None, decay_input=False,
                    detach_reset=neuron.detach_reset, surrogate=neuron.surrogate)
    v0 = _flat_state(state.get("V"), shape, dtype)
    s0 = _flat_state(state.get("S"), shape, dtype)
    s, vT = _GLIFFunction.apply(x.contiguous().view(T, N), v0, s0, *coefs, p, C, inner)
    spikes = s.view(x.shape)
    return spikes, {"V": vT.view(shape), "S": spikes[-1], "t": torch.tensor(t0 + T)}


# ----------------------------------------------------------------------------------------------------------------
def run(neuron, x: torch.Tensor, state: dict):
    """Run ``neuron`` (kind lif, plif, klif, clif, ilif, glif) on CPU tensor ``x`` [T, B, ...] from ``state``.

    Returns ``(spikes, new_state)`` like the reference loop. The caller (``snnlab.kernels.dispatch``) has checked
    that the neuron, dtype and device are supported.
    """
    kind = neuron.kind
    if kind == "glif":
        return _run_glif(neuron, x, state)
    T = x.shape[0]
    shape = tuple(x.shape[1:])
    N = math.prod(shape)
    x2 = x.contiguous().view(T, N)
    dtype = x.dtype
    tau = neuron.tau
    tau_t = tau if isinstance(tau, torch.Tensor) else None
    common = dict(T=T, N=N, tau=float(tau.detach()) if tau_t is not None else float(tau), v_threshold=neuron.v_threshold, v_reset=neuron.v_reset,
                  decay_input=neuron.decay_input, detach_reset=neuron.detach_reset, surrogate=neuron.surrogate)
    st = {k: state.get(k) for k in neuron.state_keys}
    if kind in ("lif", "plif", "klif"):
        klif = int(kind == "klif")
        k_t = neuron.k if klif else None
        vth_k = float(neuron.v_threshold / k_t.detach()) if klif else 0.0  # same rounding as the reference
        p = make_params(**common, k=float(k_t.detach()) if klif else 1.0, vth_k=vth_k,
                        scale_reset=bool(getattr(neuron, "scale_reset", False)) if klif else False)
        v0 = _flat_state(st["V"], shape, dtype)
        if uses_code_path(neuron):
            s, vT = _LIFCodeFunction.apply(x2, v0, p)
        else:
            s, vT = _LIFFunction.apply(x2, v0, tau_t, k_t, p, klif)
        return s.view(x.shape), {"V": vT.view(shape)}
    if kind == "clif":
        p = make_params(**common)
        s, vT, mT = _CLIFFunction.apply(x2, _flat_state(st["V"], shape, dtype), _flat_state(st["M"], shape, dtype), p)
        return s.view(x.shape), {"V": vT.view(shape), "M": mT.view(shape)}
    if kind == "ilif":
        p = make_params(**common, kappa_i=neuron.kappa_i, kappa_m=neuron.kappa_m)
        xp, sp = st["X_prev"], st["S_prev"]
        if xp is None or sp is None:  # the reference ignores a half-given pair (then A = κ_I·A_prev)
            xp = sp = None
        args = [_flat_state(st[k], shape, dtype) for k in ("V", "M", "A")]
        args += [_flat_state(xp, shape, dtype), _flat_state(sp, shape, dtype)]
        s, vT, mT, aT = _ILIFFunction.apply(x2, *args, p)
        spikes = s.view(x.shape)
        return spikes, {"V": vT.view(shape), "M": mT.view(shape), "A": aT.view(shape), "X_prev": x[-1],
                        "S_prev": spikes[-1]}
    raise ValueError(f"snnlab CPU kernels: no kernel for neuron kind {kind!r}")
