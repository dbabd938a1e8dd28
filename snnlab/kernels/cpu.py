"""CPU fast path: the C kernels of ``csrc/``, called through ctypes by plain functions of tensors
(``lif_forward``, ``lif_backward``, ...) that the PyTorch custom operators of ``snnlab.kernels.ops`` run (the ops
carry the autograd formulas and the fake implementations torch.compile needs); ``run`` is the neuron-level entry.

One pair per neuron family: ``lif`` (LIF, PLIF, KLIF), ``clif``, ``ilif``, ``glif``. Each runs the whole
multi-step forward in one call (elements in parallel with OpenMP, T inside) and a hand-derived backward through
time (the recursions are written at the top of ``csrc/lif.h``, ``csrc/clif.h``, ``csrc/ilif.h``, ``csrc/glif.h``).
With ``record`` the forward also writes the states of every step (H, V and the neuron's own: KLIF F, CLIF M,
ILIF A and M) into one ``[R, T, N]`` output, the very values its recursion computes; records of 8 MiB or more
per state go out through non-temporal stores (``csrc/step.h``, ``put_row``: copies, the same bits), which skip
reading every destination line before overwriting it (LIF at T = 8, N = 2^20: 7.8 -> 5.6 ms).

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
need are not computed (their output pointer is NULL).
"""
from __future__ import annotations

import ctypes
import math
from typing import Optional

import torch

from snnlab import malloc
from snnlab.kernels import build

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


def _ptr(t: Optional[torch.Tensor]):
    return None if t is None else ctypes.c_void_p(t.data_ptr())


def _call(fn, *args) -> None:
    rc = fn(*args)
    if rc != 0:
        raise MemoryError("snnlab CPU kernel: could not allocate its per-thread scratch buffer")


_malloc_tuned = False


def _fn(family: str, dtype: torch.dtype, name: str):
    global _malloc_tuned
    if not _malloc_tuned:
        # first kernel call of the process: keep freed blocks for reuse (snnlab.malloc), else every call of a
        # large layer page-faults its outputs in afresh (LIF forward+backward at T = 8, N = 2^20: 45 ms instead of
        # 8-16 ms); SNNLAB_MALLOC=system leaves the allocator alone
        _malloc_tuned = True
        malloc.tune()
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
# Neuron settings as one list of floats (the custom ops' ``cfg`` argument, snnlab.kernels.ops): every op of every
# family takes the same layout, so a neuron's settings reach the kernels as graph constants under torch.compile.
CFG_FIELDS = ("tau", "vth", "vreset", "hard", "decay_input", "detach", "sg_kind", "sg_width", "sg_scale", "k",
              "scale_reset", "kappa_i", "kappa_m")
SURROGATE_NAMES = {v: k for k, v in SURROGATE_KIND.items()}


class _Surrogate:
    """The surrogate fields ``make_params`` reads, rebuilt from a cfg list."""

    def __init__(self, kind: float, width: float, scale: float):
        self.name, self.width, self.scale = SURROGATE_NAMES[int(kind)], width, scale


def neuron_cfg(neuron) -> list:
    """The ``cfg`` list (``CFG_FIELDS``) of ``neuron``: python floats only (a PLIF τ or a KLIF k is a tensor and
    travels as its own op argument; its slot here is 0). GLIF's parameters travel as coefficient tensors."""
    sg = neuron.surrogate
    common = dict(detach=float(bool(neuron.detach_reset)), sg_kind=float(SURROGATE_KIND[sg.name]),
                  sg_width=float(sg.width), sg_scale=float(getattr(sg, "scale", 1.0)))
    if neuron.kind == "glif":
        d = dict(tau=1.0, vth=0.0, vreset=0.0, hard=0.0, decay_input=0.0, **common)
    else:
        tau, vr = neuron.tau, neuron.v_reset
        d = dict(tau=0.0 if isinstance(tau, torch.Tensor) else float(tau), vth=float(neuron.v_threshold),
                 vreset=0.0 if vr is None else float(vr), hard=float(vr is not None),
                 decay_input=float(bool(neuron.decay_input)), **common)
        if neuron.kind == "klif":
            d["scale_reset"] = float(bool(neuron.scale_reset))
        if neuron.kind == "ilif":
            d.update(kappa_i=float(neuron.kappa_i), kappa_m=float(neuron.kappa_m))
    return [float(d.get(f, 0.0)) for f in CFG_FIELDS]


def cfg_dict(cfg) -> dict:
    return dict(zip(CFG_FIELDS, cfg))


def params_from_cfg(cfg, T: int, N: int, tau_t: Optional[torch.Tensor] = None,
                    k_t: Optional[torch.Tensor] = None) -> Params:
    """The C parameter block for a ``[T, N]`` call; a PLIF τ / KLIF k tensor overrides its cfg slot (read here,
    at run time: inside a custom op, so that torch.compile never turns it into a Python number)."""
    c = cfg_dict(cfg)
    tau = float(tau_t.detach()) if tau_t is not None else c["tau"]
    klif = k_t is not None
    k = float(k_t.detach()) if klif else 1.0
    vth_k = float(c["vth"] / k_t.detach()) if klif else 0.0  # V_th / k as the reference rounds it (k's dtype)
    return make_params(T=T, N=N, tau=tau, v_threshold=c["vth"], v_reset=c["vreset"] if c["hard"] else None,
                       decay_input=bool(c["decay_input"]), detach_reset=bool(c["detach"]),
                       surrogate=_Surrogate(c["sg_kind"], c["sg_width"], c["sg_scale"]), k=k,
                       scale_reset=bool(c["scale_reset"]) and klif, kappa_i=c["kappa_i"], kappa_m=c["kappa_m"],
                       vth_k=vth_k)


def _or_empty(t: Optional[torch.Tensor], like: torch.Tensor) -> torch.Tensor:
    """``t``, or a fresh empty tensor in its place (a custom op returns no None, and no output twice)."""
    return like.new_empty(0) if t is None else t


def _rows(rec: Optional[torch.Tensor], n: int):
    """Pointers to the first ``n`` [T, N] rows of a record buffer [R, T, N] (NULL when not recording)."""
    return [None] * n if rec is None else [_ptr(rec[i]) for i in range(n)]


# ----------------------------------------------------------------------------------------------------------------
# The kernels as plain functions of tensors (the custom ops of snnlab.kernels.ops call them; autograd lives there).
def lif_forward(x, v0, tau_t, k_t, cfg, record: bool, code: bool):
    """LIF / PLIF / KLIF forward. x [T, N], v0 [N] | None, tau_t / k_t 0-dim | None (PLIF τ, KLIF k).

    Returns ``(s [T, N], vT [N], code [T, N] uint8 | [0], rec [R, T, N] | [0])``: ``code`` for the coded backward
    (``code`` and not ``record``: LIF, rectangle, soft reset, float τ; see ``uses_code_path``); ``rec`` holds
    H, V (and F for KLIF) of every step when ``record``."""
    T, N = x.shape
    p = params_from_cfg(cfg, T, N, tau_t, k_t)
    klif = int(k_t is not None)
    s = torch.empty_like(x)
    vT = torch.empty(N, dtype=x.dtype)
    if code and not record:
        codes = torch.empty((T, N), dtype=torch.uint8)
        _call(_fn("lif", x.dtype, "forward_code"), ctypes.byref(p), _ptr(x), _ptr(v0), _ptr(s), _ptr(codes),
              _ptr(vT))
        return s, vT, codes, x.new_empty(0)
    rec = torch.empty((2 + klif, T, N), dtype=x.dtype) if record else None
    rh, rv, rf = _rows(rec, 2 + klif) + [None] * (1 - klif)
    _call(_fn("lif", x.dtype, "forward"), ctypes.byref(p), ctypes.c_int(klif), _ptr(x), _ptr(v0), _ptr(s),
          _ptr(vT), rh, rv, rf)
    return s, vT, x.new_empty(0, dtype=torch.uint8), (rec if record else x.new_empty(0))


def lif_backward(x, v0, tau_t, k_t, gs, gvT, cfg, need_v0: bool, need_tau: bool, need_k: bool):
    """Backward of ``lif_forward`` (general path: recomputes H from x). Returns ``(gx, gv0 | [0], g_tau | [0],
    g_k | [0])``; g_tau / g_k are 0-dim in τ's / k's dtype."""
    T, N = x.shape
    p = params_from_cfg(cfg, T, N, tau_t, k_t)
    gx = torch.empty_like(x)
    gv0 = torch.empty(N, dtype=x.dtype) if need_v0 else None
    acc = (ctypes.c_double * 2)(0.0, 0.0)
    _call(_fn("lif", x.dtype, "backward"), ctypes.byref(p), ctypes.c_int(int(k_t is not None)), _ptr(x), _ptr(v0),
          _ptr(gs), _ptr(gvT), _ptr(gx), _ptr(gv0), acc)
    g_tau = g_k = None
    if tau_t is not None and need_tau:
        g_tau = torch.full(tau_t.shape, acc[0] / (p.tau * p.tau), dtype=tau_t.dtype)
    if k_t is not None and need_k:
        g_k = torch.full(k_t.shape, acc[1], dtype=k_t.dtype)
    return gx, _or_empty(gv0, x), _or_empty(g_tau, x), _or_empty(g_k, x)


def lif_backward_code(code, gs, gvT, cfg, need_v0: bool):
    """Backward of the coded LIF path (``uses_code_path``) from the uint8 code [T, N] alone: ``(gx, gv0 | [0])``.

    ``csrc/lif.h`` (coded path): g = (scale/γ)·bit1, gH = gS·g + cV·(1 − V_th·g) (g dropped in the reset term
    when detach_reset), gX = gH (decay_input: gH/τ), cV ← gH − gH/τ."""
    T, N = code.shape
    dtype = gs.dtype
    p = params_from_cfg(cfg, T, N)
    gx = torch.empty((T, N), dtype=dtype)
    gv0 = torch.empty(N, dtype=dtype) if need_v0 else None
    _call(_fn("lif", dtype, "backward_code"), ctypes.byref(p), _ptr(code), _ptr(gs), _ptr(gvT), _ptr(gx), _ptr(gv0))
    return gx, _or_empty(gv0, gs)


def uses_code_path(neuron) -> bool:
    """True when ``run`` keeps the 1-byte code instead of x for ``neuron``'s backward: kind "lif" (PLIF's τ is a
    tensor, KLIF's U = ReLU(kH) needs H), rectangle surrogate, soft reset (``v_reset is None``), τ a plain
    number. decay_input and detach_reset may be anything."""
    return (neuron.kind == "lif" and neuron.surrogate.name == "rectangle" and neuron.v_reset is None
            and not isinstance(neuron.tau, torch.Tensor))


def clif_forward(x, v0, m0, cfg, record: bool):
    """CLIF forward: ``(s, vT, mT, rec [3, T, N] (H, V, M) | [0])``."""
    T, N = x.shape
    p = params_from_cfg(cfg, T, N)
    s = torch.empty_like(x)
    vT = torch.empty(N, dtype=x.dtype)
    mT = torch.empty(N, dtype=x.dtype)
    rec = torch.empty((3, T, N), dtype=x.dtype) if record else None
    _call(_fn("clif", x.dtype, "forward"), ctypes.byref(p), _ptr(x), _ptr(v0), _ptr(m0), _ptr(s), _ptr(vT),
          _ptr(mT), *_rows(rec, 3))
    return s, vT, mT, (rec if record else x.new_empty(0))


def clif_backward(x, v0, m0, gs, gvT, gmT, cfg, need_v0: bool, need_m0: bool):
    """``(gx, gv0 | [0], gm0 | [0])``"""
    T, N = x.shape
    p = params_from_cfg(cfg, T, N)
    gx = torch.empty_like(x)
    gv0 = torch.empty(N, dtype=x.dtype) if need_v0 else None
    gm0 = torch.empty(N, dtype=x.dtype) if need_m0 else None
    _call(_fn("clif", x.dtype, "backward"), ctypes.byref(p), _ptr(x), _ptr(v0), _ptr(m0), _ptr(gs),
          _ptr(gvT), _ptr(gmT), _ptr(gx), _ptr(gv0), _ptr(gm0))
    return gx, _or_empty(gv0, x), _or_empty(gm0, x)


def ilif_forward(x, v0, m0, a0, xp0, sp0, cfg, record: bool):
    """ILIF forward: ``(s, vT, mT, aT, rec [4, T, N] (H, V, A, M) | [0])``."""
    T, N = x.shape
    p = params_from_cfg(cfg, T, N)
    s = torch.empty_like(x)
    vT, mT, aT = (torch.empty(N, dtype=x.dtype) for _ in range(3))
    rec = torch.empty((4, T, N), dtype=x.dtype) if record else None
    _call(_fn("ilif", x.dtype, "forward"), ctypes.byref(p), _ptr(x), _ptr(v0), _ptr(m0), _ptr(a0), _ptr(xp0),
          _ptr(sp0), _ptr(s), _ptr(vT), _ptr(mT), _ptr(aT), *_rows(rec, 4))
    return s, vT, mT, aT, (rec if record else x.new_empty(0))


def ilif_backward(x, v0, m0, a0, xp0, sp0, gs, gvT, gmT, gaT, cfg, need):
    """``(gx, gv0, gm0, ga0, gxp0, gsp0)``, each initial-state gradient [0] when ``need[i]`` is false."""
    T, N = x.shape
    p = params_from_cfg(cfg, T, N)
    gx = torch.empty_like(x)
    g0 = [torch.empty(N, dtype=x.dtype) if n else None for n in need]
    _call(_fn("ilif", x.dtype, "backward"), ctypes.byref(p), _ptr(x), _ptr(v0), _ptr(m0), _ptr(a0),
          _ptr(xp0), _ptr(sp0), _ptr(gs), _ptr(gvT), _ptr(gmT), _ptr(gaT), _ptr(gx), *(_ptr(g) for g in g0))
    return (gx, *(_or_empty(g, x) for g in g0))


def glif_forward(x, v0, s0, a, d, l, gam, q, vth, cfg, C: int, inner: int, record: bool):
    """GLIF (``csrc/glif.h``). x [T, N], v0 [N] | None (H[t−1]), s0 [N] | None (S[t−1]), the per-channel
    coefficients a [T, C] (input gain of each step), d, l, gam, q, vth [C] (all x's dtype, contiguous), C and
    inner (channel of element i = (i // inner) % C). Returns ``(s, vT, rec [1, T, N] (H) | [0])``."""
    T, N = x.shape
    p = params_from_cfg(cfg, T, N)
    s = torch.empty_like(x)
    vT = torch.empty(N, dtype=x.dtype)
    rec = torch.empty((1, T, N), dtype=x.dtype) if record else None
    coef = (ctypes.c_int64(C), ctypes.c_int64(inner), *(_ptr(c) for c in (a, d, l, gam, q, vth)))
    _call(_fn("glif", x.dtype, "forward"), ctypes.byref(p), *coef, _ptr(x), _ptr(v0), _ptr(s0), _ptr(s),
          _ptr(vT), *_rows(rec, 1))
    return s, vT, (rec if record else x.new_empty(0))


def glif_backward(x, v0, s0, a, d, l, gam, q, vth, gs, gvT, cfg, C: int, inner: int, need_v0: bool,
                  need_s0: bool):
    """``(gx, gv0 | [0], gs0 | [0], g_a [T, C], g_d, g_l, g_gam, g_q, g_vth [C])``: the parameter sums come from
    the kernel's per-thread double accumulators (summed in thread order), cast to the coefficients' dtype."""
    T, N = x.shape
    p = params_from_cfg(cfg, T, N)
    gx = torch.empty_like(x)
    gv0 = torch.empty(N, dtype=x.dtype) if need_v0 else None  # None: the kernel skips them
    gs0 = torch.empty(N, dtype=x.dtype) if need_s0 else None
    acc = (ctypes.c_double * (T * C + 5 * C))()
    coef = (ctypes.c_int64(C), ctypes.c_int64(inner), *(_ptr(c) for c in (a, d, l, gam, q, vth)))
    _call(_fn("glif", x.dtype, "backward"), ctypes.byref(p), *coef, _ptr(x), _ptr(v0), _ptr(s0), _ptr(gs),
          _ptr(gvT), _ptr(gx), _ptr(gv0), _ptr(gs0), acc)
    sums = torch.frombuffer(acc, dtype=torch.float64).to(a.dtype)  # a copy (a different dtype or .clone())
    sums = sums.clone() if sums.dtype == torch.float64 else sums
    g_a = sums[:T * C].view(T, C).clone()
    g_d, g_l, g_gam, g_q, g_vth = (g.clone() for g in sums[T * C:].view(5, C).unbind(0))
    return (gx, _or_empty(gv0, x), _or_empty(gs0, x), g_a, g_d, g_l, g_gam, g_q, g_vth)


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


def _records(kind: str, rec: torch.Tensor, shape) -> dict:
    """The ``record=True`` states from a record buffer [R, T, N], keyed as the reference loop keys them."""
    names = {"lif": ("H", "V"), "plif": ("H", "V"), "klif": ("H", "V", "F"), "clif": ("H", "V", "M"),
             "ilif": ("H", "V", "A", "M"), "glif": ("H",)}[kind]
    out = {k: rec[i].view(shape) for i, k in enumerate(names)}
    if kind == "glif":
        out["V"] = out["H"]  # GLIF's carried V is H
    return out


def _run_glif(neuron, x: torch.Tensor, state: dict, record: bool):
    """GLIF through ``ops.cpu_glif`` with the coefficients of ``glif_coefficients`` (x's dtype)."""
    from snnlab.kernels import ops

    T = x.shape[0]
    shape = tuple(x.shape[1:])
    N = math.prod(shape)
    dtype = x.dtype
    t0, C, inner, coefs = glif_coefficients(neuron, x, state, dtype)
    v0 = _flat_state(state.get("V"), shape, dtype)
    s0 = _flat_state(state.get("S"), shape, dtype)
    s, vT, rec = ops.cpu_glif(x.contiguous().view(T, N), v0, s0, *coefs, neuron_cfg(neuron), C, inner, record)
    spikes = s.view(x.shape)
    new_state = {"V": vT.view(shape), "S": spikes[-1], "t": t0 + T}  # an int (GLIF.get_state makes it a tensor)
    return (spikes, new_state, _records("glif", rec, x.shape)) if record else (spikes, new_state)


# ----------------------------------------------------------------------------------------------------------------
def run(neuron, x: torch.Tensor, state: dict, record: bool = False):
    """Run ``neuron`` (kind lif, plif, klif, clif, ilif, glif) on CPU tensor ``x`` [T, B, ...] from ``state``
    through the custom ops of ``snnlab.kernels.ops``.

    Returns ``(spikes, new_state)`` like the reference loop, or with ``record`` ``(spikes, new_state, records)``
    (the reference's ``record=True`` states, ``[T, B, ...]`` each, written by the forward kernel; not
    differentiable: the caller uses this only when no gradient is needed). The caller
    (``snnlab.kernels.dispatch``) has checked that the neuron, dtype and device are supported.
    """
    from snnlab.kernels import ops

    kind = neuron.kind
    if kind == "glif":
        return _run_glif(neuron, x, state, record)
    T = x.shape[0]
    shape = tuple(x.shape[1:])
    N = math.prod(shape)
    x2 = x.contiguous().view(T, N)
    dtype = x.dtype
    tau = neuron.tau
    tau_t = tau if isinstance(tau, torch.Tensor) else None
    cfg = neuron_cfg(neuron)
    st = {k: state.get(k) for k in neuron.state_keys}
    if kind in ("lif", "plif", "klif"):
        k_t = neuron.k if kind == "klif" else None
        v0 = _flat_state(st["V"], shape, dtype)
        s, vT, _, rec = ops.cpu_lif(x2, v0, tau_t, k_t, cfg, record, uses_code_path(neuron))
        new_state = {"V": vT.view(shape)}
    elif kind == "clif":
        s, vT, mT, rec = ops.cpu_clif(x2, _flat_state(st["V"], shape, dtype), _flat_state(st["M"], shape, dtype),
                                      cfg, record)
        new_state = {"V": vT.view(shape), "M": mT.view(shape)}
    elif kind == "ilif":
        xp, sp = st["X_prev"], st["S_prev"]
        if xp is None or sp is None:  # the reference ignores a half-given pair (then A = κ_I·A_prev)
            xp = sp = None
        args = [_flat_state(st[k], shape, dtype) for k in ("V", "M", "A")]
        args += [_flat_state(xp, shape, dtype), _flat_state(sp, shape, dtype)]
        s, vT, mT, aT, rec = ops.cpu_ilif(x2, *args, cfg, record)
        new_state = {"V": vT.view(shape), "M": mT.view(shape), "A": aT.view(shape), "X_prev": x[-1],
                     "S_prev": s.view(x.shape)[-1]}
    else:
        raise ValueError(f"snnlab CPU kernels: no kernel for neuron kind {kind!r}")
    spikes = s.view(x.shape)
    return (spikes, new_state, _records(kind, rec, x.shape)) if record else (spikes, new_state)
