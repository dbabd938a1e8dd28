"""The fused neuron kernels as PyTorch custom operators (``torch.library``), so that ``torch.compile`` can trace a
network through them: each op has a fake (meta) implementation that gives the shapes of its outputs without
running it, and the forward ops carry their autograd formula (``register_autograd``), whose backward is itself a
custom op. Dynamo sees one opaque node per neuron layer and per direction: no graph break, no fallback.

Ops (namespace ``snnlab``; ``torch.ops.snnlab.<name>``), one forward and one backward per family and backend:

==============================  =================================================================================
``cpu_lif`` / ``cpu_lif_backward``     LIF, PLIF, KLIF (C, ``csrc/lif.h``); ``cpu_lif_code_backward``: the coded
                                      path (``cpu.uses_code_path``, 1 byte saved per element-step)
``cpu_clif``, ``cpu_ilif``, ``cpu_glif`` (+ ``_backward``)  the other families in C
``triton_lif``, ``triton_clif``, ``triton_ilif``, ``triton_glif`` (+ ``_backward``)  the Triton kernels (CUDA, or
                                      CPU tensors under ``TRITON_INTERPRET=1``)
==============================  =================================================================================

Arguments: ``x [T, N]`` (contiguous), the initial states ``[N]`` or None, a PLIF τ / KLIF k as a 0-dim tensor
or None (read inside the op at run time, so they never become Python numbers in a compiled graph), the neuron's
settings as one list of floats ``cfg`` (``cpu.CFG_FIELDS``: graph constants), and ``record``: when true the
forward also returns the states of every step in one ``[R, T, N]`` tensor (see ``cpu.lif_forward`` and
friends; an empty tensor otherwise). Unused optional outputs are empty tensors (a custom op cannot return None).

Autograd: the forward saves what its backward kernel reads (C: x and the initial states, or the uint8 code;
Triton: the float32 state rows its forward wrote) and the backward op returns the gradients of every tensor
input that needs one. Double backward (``create_graph=True``): the fused backward is not itself differentiated;
instead, when the backward runs with grad mode on (eagerly, under ``create_graph=True``), the gradients are
recomputed through the reference loop (``snnlab.neurons``' step functions) from the saved inputs under autograd,
so that they carry their own graph; the coded LIF path (which keeps no x) recomputes its backward recursion in
torch from the code instead, exact because the rectangle surrogate has a zero derivative almost everywhere.
Under torch.compile the backward is traced with grad mode off and always runs the fused backward op.

The record outputs are not differentiable (``Neuron.forward`` takes the fused record path only when no gradient
is needed, and the reference loop otherwise).

Requires ``torch.library.custom_op`` (torch >= 2.4).
"""
# (no ``from __future__ import annotations``: torch 2.4's custom_op reads the annotations as types)
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor

from snnlab.kernels import cpu

__all__ = ["cpu_lif", "cpu_clif", "cpu_ilif", "cpu_glif", "triton_lif", "triton_clif", "triton_ilif", "triton_glif",
           "HAVE_CUSTOM_OPS"]

HAVE_CUSTOM_OPS = all(hasattr(torch.library, n) for n in ("custom_op", "register_fake", "register_autograd"))
if not HAVE_CUSTOM_OPS:  # pragma: no cover - torch < 2.4
    raise ImportError(f"snnlab.kernels.ops needs torch.library.custom_op (torch >= 2.4); this is torch "
                      f"{torch.__version__}")



def _define(name: str, impl, device_types=None):
    """The custom op ``name`` running ``impl`` (its schema comes from ``impl``'s annotations)."""
    op = torch.library.custom_op(name, impl, mutates_args=(), device_types=device_types)
    op._snnlab_impl = impl
    return op


_is_compiling = getattr(torch.compiler, "is_compiling", None) or torch._dynamo.is_compiling


def _traced(args) -> bool:
    """Whether a call is being traced rather than run: torch.compile's dynamo says so (``is_compiling``), and
    AOTAutograd's tracing of the backward passes fake or functional tensors (tensor subclasses). torch 2.11 does
    not report ``is_compiling`` there: the first compiled step on a GPU launched a Triton kernel on FakeTensors
    ("Cannot access data pointer of Tensor"), so the tensors' types are checked too."""
    if _is_compiling():
        return True
    return any(isinstance(a, Tensor) and type(a) not in _PLAIN for a in args)


_PLAIN = (Tensor, torch.nn.Parameter)


def _run(op, *args):
    """Call ``op``: through the dispatcher while torch.compile traces (dynamo or AOTAutograd: the op is a node of
    the graph), directly otherwise (eagerly, the dispatcher's Python layers cost tens of microseconds a call)."""
    if _traced(args):
        return op(*args)
    return op._snnlab_impl(*args)


def _entry(op, setup_context, backward):
    """The function the kernels' ``run`` calls for a forward op: the op itself under torch.compile; eagerly, an
    ``autograd.Function`` with the same implementation, setup and backward (no dispatcher overhead)."""

    def forward(ctx, *args):
        out = op._snnlab_impl(*args)
        setup_context(ctx, args, out)
        return out

    # named after the op, so that its autograd node reads e.g. snnlab_cpu_lifBackward
    Function = type("snnlab_" + op._name.split("::")[-1], (torch.autograd.Function,),
                    {"forward": staticmethod(forward), "backward": staticmethod(lambda ctx, *g: backward(ctx, *g))})

    def call(*args):
        if _traced(args):
            return op(*args)
        if torch.is_grad_enabled() and any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return Function.apply(*args)
        return op._snnlab_impl(*args)

    call.op = op
    return call


def _c(t: Optional[Tensor]) -> Optional[Tensor]:
    return None if t is None else t.contiguous()


def _empty(x: Tensor, dtype=None) -> Tensor:
    return x.new_empty(0, dtype=dtype)


def _grad_out(g: Optional[Tensor], shape, like: Tensor) -> Tensor:
    """The incoming gradient of an output, contiguous (zeros when autograd passes None)."""
    return like.new_zeros(shape) if g is None else g.contiguous()


def _pick(g: Tensor, needed: bool) -> Optional[Tensor]:
    return g if needed else None


def _surrogate(cfg):
    from snnlab.surrogate import Surrogate

    c = cpu.cfg_dict(cfg)
    return Surrogate(cpu.SURROGATE_NAMES[int(c["sg_kind"])], c["sg_width"], c["sg_scale"])


# ================================================================================================================
# Reference recomputation for double backward (create_graph=True): the neurons' own step functions on [T, N].
# ================================================================================================================
def _step_params(cfg, tau=None, k=None) -> dict:
    c = cpu.cfg_dict(cfg)
    p = dict(tau=c["tau"] if tau is None else tau, v_threshold=c["vth"],
             v_reset=c["vreset"] if c["hard"] else None, decay_input=bool(c["decay_input"]),
             detach_reset=bool(c["detach"]), surrogate=_surrogate(cfg))
    if k is not None:
        p.update(k=k, scale_reset=bool(c["scale_reset"]))
    return p


def _reference_lif(x, v0, tau, k, cfg):
    from snnlab.neurons.base import run_steps
    from snnlab.neurons.klif import klif_step
    from snnlab.neurons.lif import lif_step

    s, st, _ = run_steps(klif_step if k is not None else lif_step, x, {"V": v0}, (), **_step_params(cfg, tau, k))
    return s, st["V"]


def _reference_clif(x, v0, m0, cfg):
    from snnlab.neurons.base import run_steps
    from snnlab.neurons.clif import clif_step

    s, st, _ = run_steps(clif_step, x, {"V": v0, "M": m0}, (), **_step_params(cfg))
    return s, st["V"], st["M"]


def _reference_ilif(x, v0, m0, a0, xp0, sp0, cfg):
    from snnlab.neurons.base import run_steps
    from snnlab.neurons.ilif import ilif_step

    c = cpu.cfg_dict(cfg)
    state = {"V": v0, "M": m0, "A": a0, "X_prev": xp0, "S_prev": sp0}
    s, st, _ = run_steps(ilif_step, x, state, (), kappa_i=c["kappa_i"], kappa_m=c["kappa_m"], **_step_params(cfg))
    return s, st["V"], st["M"], st["A"]


def _reference_glif(x, v0, s0, a, d, l, gam, q, vth, cfg, C, inner):
    """``glif_step`` written on the coefficients of ``cpu.glif_coefficients`` (``csrc/glif.h``'s recursion)."""
    T, N = x.shape
    ch = (torch.arange(N, device=x.device) // inner) % C
    de, le, ge, qe, te = (c[ch] for c in (d, l, gam, q, vth))
    sg = _surrogate(cfg)
    detach = bool(cpu.cfg_dict(cfg)["detach"])
    v, sp, spikes = v0, s0, []
    for t in range(T):
        i = x[t] * a[t][ch]
        if v is None:
            h = i - le
        else:
            dv = de * v
            h = (dv - le) + i
            if sp is not None:
                spd = sp.detach() if detach else sp
                h = (h - (dv * ge) * spd) - qe * spd
        s = sg.spike(h - te)
        spikes.append(s)
        v, sp = h, s
    return torch.stack(spikes), v


def _reference_grads(fn, inputs, needs, grads):
    """dL/d(inputs) of ``fn(*inputs)`` (a tuple of outputs) for the outputs' gradients ``grads``, through the
    reference loop with ``create_graph=True`` (double backward). ``inputs``: the saved forward inputs (tensors
    or None, with their autograd history); ``needs``: which of them need a gradient."""
    with torch.enable_grad():
        # differentiate with respect to aliases (views) of the inputs: with respect to the inputs themselves,
        # autograd.grad would also follow paths through another input's history (an initial state computed from
        # the same KLIF k by the previous chunk) and that path would then be counted twice
        inputs = [t.view_as(t) if isinstance(t, Tensor) and t.requires_grad else t for t in inputs]
        outs = fn(*inputs)
        idx = [i for i, (t, n) in enumerate(zip(inputs, needs)) if n and isinstance(t, Tensor) and t.requires_grad]
        pairs = [(o, g) for o, g in zip(outs, grads) if g is not None and o.requires_grad]
        got = torch.autograd.grad([o for o, _ in pairs], [inputs[i] for i in idx], [g for _, g in pairs],
                                  create_graph=True, allow_unused=True) if idx and pairs else []
    out = [None] * len(inputs)
    for i, g in zip(idx, got):
        out[i] = torch.zeros_like(inputs[i]) if g is None else g
    return out


def _lif_code_backward_torch(code, gs, gvT, cfg):
    """The coded LIF backward recursion (``cpu.lif_backward_code``) in torch ops, differentiable in gs and gvT."""
    c = cpu.cfg_dict(cfg)
    g_all = ((code >> 1) & 1).to(gs.dtype) * (c["sg_scale"] / c["sg_width"])
    cv, gx = gvT, []
    for t in range(code.shape[0] - 1, -1, -1):
        g = g_all[t]
        gh = gs[t] * g + cv * (1.0 - c["vth"] * (0.0 if c["detach"] else g))
        ght = gh / c["tau"]
        gx.append(ght if c["decay_input"] else gh)
        cv = gh - ght
    return torch.stack(gx[::-1]), cv


# ================================================================================================================
# C kernels (CPU)
# ================================================================================================================
# ---- LIF / PLIF / KLIF -----------------------------------------------------------------------------------------
def _cpu_lif_impl(x: Tensor, v0: Optional[Tensor], tau: Optional[Tensor], k: Optional[Tensor], cfg: Sequence[float],
            record: bool, code: bool) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """LIF/PLIF/KLIF forward: ``(s [T, N], vT [N], code [T, N] uint8 | [0], rec [R, T, N] | [0])``."""
    return cpu.lif_forward(x.contiguous(), _c(v0), tau, k, cfg, record, code)


cpu_lif_op = _define("snnlab::cpu_lif", _cpu_lif_impl, device_types="cpu")


@cpu_lif_op.register_fake
def _(x, v0, tau, k, cfg, record, code):
    T, N = x.shape
    codes = x.new_empty((T, N), dtype=torch.uint8) if code and not record else _empty(x, torch.uint8)
    rec = x.new_empty((3 if k is not None else 2, T, N)) if record else _empty(x)
    return x.new_empty((T, N)), x.new_empty(N), codes, rec


def _cpu_lif_backward_impl(x: Tensor, v0: Optional[Tensor], tau: Optional[Tensor], k: Optional[Tensor], gs: Tensor,
                     gvT: Tensor, cfg: Sequence[float], need_v0: bool, need_tau: bool,
                     need_k: bool) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    return cpu.lif_backward(x.contiguous(), _c(v0), tau, k, gs.contiguous(), gvT.contiguous(), cfg, need_v0,
                            need_tau, need_k)


cpu_lif_backward_op = _define("snnlab::cpu_lif_backward", _cpu_lif_backward_impl, device_types="cpu")


@cpu_lif_backward_op.register_fake
def _(x, v0, tau, k, gs, gvT, cfg, need_v0, need_tau, need_k):
    T, N = x.shape
    g_tau = tau.new_empty(tau.shape) if tau is not None and need_tau else _empty(x)
    g_k = k.new_empty(k.shape) if k is not None and need_k else _empty(x)
    return x.new_empty((T, N)), (x.new_empty(N) if need_v0 else _empty(x)), g_tau, g_k


def _cpu_lif_code_backward_impl(code: Tensor, gs: Tensor, gvT: Tensor, cfg: Sequence[float],
                          need_v0: bool) -> Tuple[Tensor, Tensor]:
    return cpu.lif_backward_code(code, gs.contiguous(), gvT.contiguous(), cfg, need_v0)


cpu_lif_code_backward_op = _define("snnlab::cpu_lif_code_backward", _cpu_lif_code_backward_impl, device_types="cpu")


@cpu_lif_code_backward_op.register_fake
def _(code, gs, gvT, cfg, need_v0):
    T, N = code.shape
    return gs.new_empty((T, N)), (gs.new_empty(N) if need_v0 else _empty(gs))


def _cpu_lif_setup(ctx, inputs, output):
    x, v0, tau, k, cfg, record, code = inputs
    ctx.mark_non_differentiable(output[2], output[3])
    ctx.cfg = list(cfg)
    ctx.code = bool(code and not record)
    ctx.shape = tuple(x.shape)
    if ctx.code:
        ctx.save_for_backward(output[2])  # the uint8 code only
    else:
        ctx.save_for_backward(x, v0, tau, k)


def _cpu_lif_backward(ctx, gs, gvT, _gcode, _grec):
    need = ctx.needs_input_grad
    T, N = ctx.shape
    if ctx.code:
        (code,) = ctx.saved_tensors
        like = gs if gs is not None else gvT
        gs, gvT = _grad_out(gs, (T, N), like), _grad_out(gvT, (N,), like)
        if torch.is_grad_enabled():  # create_graph=True
            gx, gv0 = _lif_code_backward_torch(code, gs, gvT, ctx.cfg)
        else:
            gx, gv0 = _run(cpu_lif_code_backward_op, code, gs, gvT, ctx.cfg, need[1])
        return gx, _pick(gv0, need[1]), None, None, None, None, None
    x, v0, tau, k = ctx.saved_tensors
    gs, gvT = _grad_out(gs, (T, N), x), _grad_out(gvT, (N,), x)
    if torch.is_grad_enabled():
        g = _reference_grads(lambda *a: _reference_lif(*a, ctx.cfg), (x, v0, tau, k), need[:4], (gs, gvT))
        return (*g, None, None, None)
    gx, gv0, g_tau, g_k = _run(cpu_lif_backward_op, x, v0, tau, k, gs, gvT, ctx.cfg, need[1], need[2], need[3])
    return gx, _pick(gv0, need[1]), _pick(g_tau, need[2]), _pick(g_k, need[3]), None, None, None


cpu_lif_op.register_autograd(_cpu_lif_backward, setup_context=_cpu_lif_setup)
cpu_lif = _entry(cpu_lif_op, _cpu_lif_setup, _cpu_lif_backward)


# ---- CLIF ------------------------------------------------------------------------------------------------------
def _cpu_clif_impl(x: Tensor, v0: Optional[Tensor], m0: Optional[Tensor], cfg: Sequence[float],
             record: bool) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """CLIF forward: ``(s, vT, mT, rec [3, T, N] (H, V, M) | [0])``."""
    return cpu.clif_forward(x.contiguous(), _c(v0), _c(m0), cfg, record)


cpu_clif_op = _define("snnlab::cpu_clif", _cpu_clif_impl, device_types="cpu")


@cpu_clif_op.register_fake
def _(x, v0, m0, cfg, record):
    T, N = x.shape
    return x.new_empty((T, N)), x.new_empty(N), x.new_empty(N), (x.new_empty((3, T, N)) if record else _empty(x))


def _cpu_clif_backward_impl(x: Tensor, v0: Optional[Tensor], m0: Optional[Tensor], gs: Tensor, gvT: Tensor, gmT: Tensor,
                      cfg: Sequence[float], need_v0: bool, need_m0: bool) -> Tuple[Tensor, Tensor, Tensor]:
    return cpu.clif_backward(x.contiguous(), _c(v0), _c(m0), gs.contiguous(), gvT.contiguous(), gmT.contiguous(),
                             cfg, need_v0, need_m0)


cpu_clif_backward_op = _define("snnlab::cpu_clif_backward", _cpu_clif_backward_impl, device_types="cpu")


@cpu_clif_backward_op.register_fake
def _(x, v0, m0, gs, gvT, gmT, cfg, need_v0, need_m0):
    T, N = x.shape
    return x.new_empty((T, N)), (x.new_empty(N) if need_v0 else _empty(x)), (x.new_empty(N) if need_m0 else _empty(x))


def _cpu_clif_setup(ctx, inputs, output):
    x, v0, m0, cfg, record = inputs
    ctx.mark_non_differentiable(output[3])
    ctx.cfg = list(cfg)
    ctx.save_for_backward(x, v0, m0)


def _cpu_clif_backward(ctx, gs, gvT, gmT, _grec):
    need = ctx.needs_input_grad
    x, v0, m0 = ctx.saved_tensors
    T, N = x.shape
    gs, gvT, gmT = _grad_out(gs, (T, N), x), _grad_out(gvT, (N,), x), _grad_out(gmT, (N,), x)
    if torch.is_grad_enabled():
        g = _reference_grads(lambda *a: _reference_clif(*a, ctx.cfg), (x, v0, m0), need[:3], (gs, gvT, gmT))
        return (*g, None, None)
    gx, gv0, gm0 = _run(cpu_clif_backward_op, x, v0, m0, gs, gvT, gmT, ctx.cfg, need[1], need[2])
    return gx, _pick(gv0, need[1]), _pick(gm0, need[2]), None, None


cpu_clif_op.register_autograd(_cpu_clif_backward, setup_context=_cpu_clif_setup)
cpu_clif = _entry(cpu_clif_op, _cpu_clif_setup, _cpu_clif_backward)


# ---- ILIF ------------------------------------------------------------------------------------------------------
def _cpu_ilif_impl(x: Tensor, v0: Optional[Tensor], m0: Optional[Tensor], a0: Optional[Tensor], xp0: Optional[Tensor],
             sp0: Optional[Tensor], cfg: Sequence[float],
             record: bool) -> Tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """ILIF forward: ``(s, vT, mT, aT, rec [4, T, N] (H, V, A, M) | [0])``."""
    return cpu.ilif_forward(x.contiguous(), _c(v0), _c(m0), _c(a0), _c(xp0), _c(sp0), cfg, record)


cpu_ilif_op = _define("snnlab::cpu_ilif", _cpu_ilif_impl, device_types="cpu")


@cpu_ilif_op.register_fake
def _(x, v0, m0, a0, xp0, sp0, cfg, record):
    T, N = x.shape
    return (x.new_empty((T, N)), x.new_empty(N), x.new_empty(N), x.new_empty(N),
            x.new_empty((4, T, N)) if record else _empty(x))


def _cpu_ilif_backward_impl(x: Tensor, v0: Optional[Tensor], m0: Optional[Tensor], a0: Optional[Tensor],
                      xp0: Optional[Tensor], sp0: Optional[Tensor], gs: Tensor, gvT: Tensor, gmT: Tensor, gaT: Tensor,
                      cfg: Sequence[float],
                      need: Sequence[bool]) -> Tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    return cpu.ilif_backward(x.contiguous(), _c(v0), _c(m0), _c(a0), _c(xp0), _c(sp0), gs.contiguous(),
                             gvT.contiguous(), gmT.contiguous(), gaT.contiguous(), cfg, list(need))


cpu_ilif_backward_op = _define("snnlab::cpu_ilif_backward", _cpu_ilif_backward_impl, device_types="cpu")


@cpu_ilif_backward_op.register_fake
def _(x, v0, m0, a0, xp0, sp0, gs, gvT, gmT, gaT, cfg, need):
    T, N = x.shape
    return (x.new_empty((T, N)), *(x.new_empty(N) if n else _empty(x) for n in need))


def _cpu_ilif_setup(ctx, inputs, output):
    x, v0, m0, a0, xp0, sp0, cfg, record = inputs
    ctx.mark_non_differentiable(output[4])
    ctx.cfg = list(cfg)
    ctx.save_for_backward(x, v0, m0, a0, xp0, sp0)


def _cpu_ilif_backward(ctx, gs, gvT, gmT, gaT, _grec):
    need = ctx.needs_input_grad
    saved = ctx.saved_tensors
    x = saved[0]
    T, N = x.shape
    gs = _grad_out(gs, (T, N), x)
    gvT, gmT, gaT = (_grad_out(g, (N,), x) for g in (gvT, gmT, gaT))
    if torch.is_grad_enabled():
        g = _reference_grads(lambda *a: _reference_ilif(*a, ctx.cfg), saved, need[:6], (gs, gvT, gmT, gaT))
        return (*g, None, None)
    grads = _run(cpu_ilif_backward_op, *saved, gs, gvT, gmT, gaT, ctx.cfg, list(need[1:6]))
    return (grads[0], *(_pick(g, need[i + 1]) for i, g in enumerate(grads[1:])), None, None)


cpu_ilif_op.register_autograd(_cpu_ilif_backward, setup_context=_cpu_ilif_setup)
cpu_ilif = _entry(cpu_ilif_op, _cpu_ilif_setup, _cpu_ilif_backward)


# ---- GLIF ------------------------------------------------------------------------------------------------------
def _cpu_glif_impl(x: Tensor, v0: Optional[Tensor], s0: Optional[Tensor], a: Tensor, d: Tensor, l: Tensor, gam: Tensor,
             q: Tensor, vth: Tensor, cfg: Sequence[float], C: int, inner: int,
             record: bool) -> Tuple[Tensor, Tensor, Tensor]:
    """GLIF forward: ``(s, vT, rec [1, T, N] (H) | [0])``; coefficients of ``cpu.glif_coefficients``."""
    return cpu.glif_forward(x.contiguous(), _c(v0), _c(s0), *(c.contiguous() for c in (a, d, l, gam, q, vth)), cfg,
                            C, inner, record)


cpu_glif_op = _define("snnlab::cpu_glif", _cpu_glif_impl, device_types="cpu")


@cpu_glif_op.register_fake
def _(x, v0, s0, a, d, l, gam, q, vth, cfg, C, inner, record):
    T, N = x.shape
    return x.new_empty((T, N)), x.new_empty(N), (x.new_empty((1, T, N)) if record else _empty(x))


def _cpu_glif_backward_impl(x: Tensor, v0: Optional[Tensor], s0: Optional[Tensor], a: Tensor, d: Tensor, l: Tensor,
                      gam: Tensor, q: Tensor, vth: Tensor, gs: Tensor, gvT: Tensor, cfg: Sequence[float], C: int,
                      inner: int, need_v0: bool, need_s0: bool) -> Tuple[Tensor, Tensor, Tensor, Tensor, Tensor,
                                                                          Tensor, Tensor, Tensor, Tensor]:
    return cpu.glif_backward(x.contiguous(), _c(v0), _c(s0), *(c.contiguous() for c in (a, d, l, gam, q, vth)),
                             gs.contiguous(), gvT.contiguous(), cfg, C, inner, need_v0, need_s0)


cpu_glif_backward_op = _define("snnlab::cpu_glif_backward", _cpu_glif_backward_impl, device_types="cpu")


@cpu_glif_backward_op.register_fake
def _(x, v0, s0, a, d, l, gam, q, vth, gs, gvT, cfg, C, inner, need_v0, need_s0):
    T, N = x.shape
    return (x.new_empty((T, N)), x.new_empty(N) if need_v0 else _empty(x), x.new_empty(N) if need_s0 else _empty(x),
            a.new_empty((T, C)), *(a.new_empty(C) for _ in range(5)))


def _glif_setup(ctx, inputs, output):
    x, v0, s0, a, d, l, gam, q, vth, cfg, C, inner, record = inputs
    ctx.mark_non_differentiable(output[2])
    ctx.cfg, ctx.C, ctx.inner = list(cfg), C, inner
    ctx.save_for_backward(x, v0, s0, a, d, l, gam, q, vth)


def _glif_reference_grads(ctx, saved, need, gs, gvT):
    return _reference_grads(lambda *a: _reference_glif(*a, ctx.cfg, ctx.C, ctx.inner), saved, need[:9], (gs, gvT))


def _cpu_glif_backward(ctx, gs, gvT, _grec):
    need = ctx.needs_input_grad
    saved = ctx.saved_tensors
    x = saved[0]
    T, N = x.shape
    gs, gvT = _grad_out(gs, (T, N), x), _grad_out(gvT, (N,), x)
    if torch.is_grad_enabled():
        return (*_glif_reference_grads(ctx, saved, need, gs, gvT), None, None, None, None)
    grads = _run(cpu_glif_backward_op, *saved, gs, gvT, ctx.cfg, ctx.C, ctx.inner, need[1], need[2])
    return (*(_pick(g, need[i]) for i, g in enumerate(grads)), None, None, None, None)


cpu_glif_op.register_autograd(_cpu_glif_backward, setup_context=_glif_setup)
cpu_glif = _entry(cpu_glif_op, _glif_setup, _cpu_glif_backward)


# ================================================================================================================
# Triton kernels (CUDA tensors, or CPU tensors under TRITON_INTERPRET=1). The forward ops also return the float32
# state rows the backward kernels read (H; CLIF M; ILIF M, A), saved for backward.
# ================================================================================================================
def _tk():
    from snnlab.kernels import triton as tk

    return tk


def _no_double_backward(ctx, name):
    """create_graph=True through a Triton kernel: refused (the Triton path does not keep x, which the reference
    recomputation needs)."""
    raise RuntimeError(f"snnlab: double backward (create_graph=True) through the Triton {name} kernel is not "
                       "supported (it keeps no input x to recompute from); build the neuron with "
                       "backend='reference' (or run it on CPU tensors) for second-order gradients")


def _f32(x, shape):
    return x.new_empty(shape, dtype=torch.float32)


# ---- LIF / PLIF / KLIF -----------------------------------------------------------------------------------------
def _triton_lif_impl(x: Tensor, v0: Optional[Tensor], tau: Optional[Tensor], k: Optional[Tensor], cfg: Sequence[float],
               record: bool) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """``(s, vT, h [T, N] float32, rec [1|2, T, N] float32 (V, KLIF's F) | [0])``"""
    return _tk().lif_forward(x.contiguous(), _c(v0), tau, k, cfg, record)


triton_lif_op = _define("snnlab::triton_lif", _triton_lif_impl)


@triton_lif_op.register_fake
def _(x, v0, tau, k, cfg, record):
    T, N = x.shape
    rec = _f32(x, (2 if k is not None else 1, T, N)) if record else _empty(x)
    return x.new_empty((T, N)), x.new_empty(N), _f32(x, (T, N)), rec


def _triton_lif_backward_impl(x: Optional[Tensor], v0: Optional[Tensor], h: Tensor, tau: Optional[Tensor],
                        k: Optional[Tensor], gs: Tensor, gvT: Tensor, cfg: Sequence[float], need_v0: bool,
                        need_tau: bool, need_k: bool) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    return _tk().lif_backward(_c(x), _c(v0), h, tau, k, gs.contiguous(), gvT.contiguous(), cfg, need_v0, need_tau,
                              need_k)


triton_lif_backward_op = _define("snnlab::triton_lif_backward", _triton_lif_backward_impl)


@triton_lif_backward_op.register_fake
def _(x, v0, h, tau, k, gs, gvT, cfg, need_v0, need_tau, need_k):
    T, N = h.shape
    g_tau = tau.new_empty(tau.shape) if tau is not None and need_tau else _empty(h)
    g_k = k.new_empty(k.shape) if k is not None and need_k else _empty(h)
    return gs.new_empty((T, N)), (gs.new_empty(N) if need_v0 else _empty(h)), g_tau, g_k


def _triton_lif_setup(ctx, inputs, output):
    x, v0, tau, k, cfg, record = inputs
    ctx.mark_non_differentiable(output[2], output[3])
    ctx.cfg = list(cfg)
    need_x = bool(cpu.cfg_dict(cfg)["decay_input"]) and tau is not None and ctx.needs_input_grad[2]
    ctx.save_for_backward(x if need_x else None, v0, output[2], tau, k)


def _triton_lif_backward(ctx, gs, gvT, _gh, _grec):
    if torch.is_grad_enabled():
        _no_double_backward(ctx, "LIF")
    need = ctx.needs_input_grad
    x, v0, h, tau, k = ctx.saved_tensors
    T, N = h.shape
    like = gs if gs is not None else gvT
    gs, gvT = _grad_out(gs, (T, N), like), _grad_out(gvT, (N,), like)
    gx, gv0, g_tau, g_k = _run(triton_lif_backward_op, x, v0, h, tau, k, gs, gvT, ctx.cfg, need[1], need[2], need[3])
    return gx, _pick(gv0, need[1]), _pick(g_tau, need[2]), _pick(g_k, need[3]), None, None


triton_lif_op.register_autograd(_triton_lif_backward, setup_context=_triton_lif_setup)
triton_lif = _entry(triton_lif_op, _triton_lif_setup, _triton_lif_backward)


# ---- CLIF ------------------------------------------------------------------------------------------------------
def _triton_clif_impl(x: Tensor, v0: Optional[Tensor], m0: Optional[Tensor], cfg: Sequence[float],
                record: bool) -> Tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(s, vT, mT, h, m [T, N] float32, rec [1, T, N] float32 (V) | [0])``"""
    return _tk().clif_forward(x.contiguous(), _c(v0), _c(m0), cfg, record)


triton_clif_op = _define("snnlab::triton_clif", _triton_clif_impl)


@triton_clif_op.register_fake
def _(x, v0, m0, cfg, record):
    T, N = x.shape
    return (x.new_empty((T, N)), x.new_empty(N), x.new_empty(N), _f32(x, (T, N)), _f32(x, (T, N)),
            _f32(x, (1, T, N)) if record else _empty(x))


def _triton_clif_backward_impl(m0: Optional[Tensor], h: Tensor, m: Tensor, gs: Tensor, gvT: Tensor, gmT: Tensor,
                         cfg: Sequence[float], need_v0: bool, need_m0: bool) -> Tuple[Tensor, Tensor, Tensor]:
    return _tk().clif_backward(_c(m0), h, m, gs.contiguous(), gvT.contiguous(), gmT.contiguous(), cfg, need_v0,
                               need_m0)


triton_clif_backward_op = _define("snnlab::triton_clif_backward", _triton_clif_backward_impl)


@triton_clif_backward_op.register_fake
def _(m0, h, m, gs, gvT, gmT, cfg, need_v0, need_m0):
    T, N = h.shape
    return (gs.new_empty((T, N)), gs.new_empty(N) if need_v0 else _empty(h), gs.new_empty(N) if need_m0 else _empty(h))


def _triton_clif_setup(ctx, inputs, output):
    x, v0, m0, cfg, record = inputs
    ctx.mark_non_differentiable(output[3], output[4], output[5])
    ctx.cfg = list(cfg)
    ctx.save_for_backward(m0, output[3], output[4])


def _triton_clif_backward(ctx, gs, gvT, gmT, _gh, _gm, _grec):
    if torch.is_grad_enabled():
        _no_double_backward(ctx, "CLIF")
    need = ctx.needs_input_grad
    m0, h, m = ctx.saved_tensors
    T, N = h.shape
    like = next(g for g in (gs, gvT, gmT, h) if g is not None)
    gs, gvT, gmT = _grad_out(gs, (T, N), like), _grad_out(gvT, (N,), like), _grad_out(gmT, (N,), like)
    gx, gv0, gm0 = _run(triton_clif_backward_op, m0, h, m, gs, gvT, gmT, ctx.cfg, need[1], need[2])
    return gx, _pick(gv0, need[1]), _pick(gm0, need[2]), None, None


triton_clif_op.register_autograd(_triton_clif_backward, setup_context=_triton_clif_setup)
triton_clif = _entry(triton_clif_op, _triton_clif_setup, _triton_clif_backward)


# ---- ILIF ------------------------------------------------------------------------------------------------------
def _triton_ilif_impl(x: Tensor, v0: Optional[Tensor], m0: Optional[Tensor], a0: Optional[Tensor],
                      xp0: Optional[Tensor],
                sp0: Optional[Tensor], cfg: Sequence[float],
                record: bool) -> Tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """``(s, vT, mT, aT, h, m, a [T, N] float32, rec [1, T, N] float32 (V) | [0])``"""
    return _tk().ilif_forward(x.contiguous(), _c(v0), _c(m0), _c(a0), _c(xp0), _c(sp0), cfg, record)


triton_ilif_op = _define("snnlab::triton_ilif", _triton_ilif_impl)


@triton_ilif_op.register_fake
def _(x, v0, m0, a0, xp0, sp0, cfg, record):
    T, N = x.shape
    return (x.new_empty((T, N)), x.new_empty(N), x.new_empty(N), x.new_empty(N), _f32(x, (T, N)), _f32(x, (T, N)),
            _f32(x, (T, N)), _f32(x, (1, T, N)) if record else _empty(x))


def _triton_ilif_backward_impl(x: Tensor, xp0: Optional[Tensor], sp0: Optional[Tensor], h: Tensor, m: Tensor, a: Tensor,
                         gs: Tensor, gvT: Tensor, gmT: Tensor, gaT: Tensor, cfg: Sequence[float],
                         need: Sequence[bool]) -> Tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    return _tk().ilif_backward(x.contiguous(), _c(xp0), _c(sp0), h, m, a, gs.contiguous(), gvT.contiguous(),
                               gmT.contiguous(), gaT.contiguous(), cfg, list(need))


triton_ilif_backward_op = _define("snnlab::triton_ilif_backward", _triton_ilif_backward_impl)


@triton_ilif_backward_op.register_fake
def _(x, xp0, sp0, h, m, a, gs, gvT, gmT, gaT, cfg, need):
    T, N = h.shape
    has_p = xp0 is not None
    return (gs.new_empty((T, N)), *(gs.new_empty(N) if n and (i < 3 or has_p) else _empty(h)
                                    for i, n in enumerate(need)))


def _triton_ilif_setup(ctx, inputs, output):
    x, v0, m0, a0, xp0, sp0, cfg, record = inputs
    ctx.mark_non_differentiable(*output[4:])
    ctx.cfg = list(cfg)
    ctx.save_for_backward(x, xp0, sp0, output[4], output[5], output[6])


def _triton_ilif_backward(ctx, gs, gvT, gmT, gaT, _gh, _gm, _ga, _grec):
    if torch.is_grad_enabled():
        _no_double_backward(ctx, "ILIF")
    need = ctx.needs_input_grad
    x, xp0, sp0, h, m, a = ctx.saved_tensors
    T, N = h.shape
    like = next(g for g in (gs, gvT, gmT, gaT, x) if g is not None)
    gs = _grad_out(gs, (T, N), like)
    gvT, gmT, gaT = (_grad_out(g, (N,), like) for g in (gvT, gmT, gaT))
    grads = _run(triton_ilif_backward_op, x, xp0, sp0, h, m, a, gs, gvT, gmT, gaT, ctx.cfg, list(need[1:6]))
    return (grads[0], *(_pick(g, need[i + 1]) if g.numel() else None for i, g in enumerate(grads[1:])), None, None)


triton_ilif_op.register_autograd(_triton_ilif_backward, setup_context=_triton_ilif_setup)
triton_ilif = _entry(triton_ilif_op, _triton_ilif_setup, _triton_ilif_backward)


# ---- GLIF ------------------------------------------------------------------------------------------------------
def _triton_glif_impl(x: Tensor, v0: Optional[Tensor], s0: Optional[Tensor], a: Tensor, d: Tensor, l: Tensor,
                      gam: Tensor,
                q: Tensor, vth: Tensor, cfg: Sequence[float], C: int, inner: int) -> Tuple[Tensor, Tensor, Tensor]:
    """``(s, vT, h [T, N] float32)``: H is saved for backward and is GLIF's record (V = H)."""
    return _tk().glif_forward(x.contiguous(), _c(v0), _c(s0), *(c.contiguous() for c in (a, d, l, gam, q, vth)),
                              cfg, C, inner)


triton_glif_op = _define("snnlab::triton_glif", _triton_glif_impl)


@triton_glif_op.register_fake
def _(x, v0, s0, a, d, l, gam, q, vth, cfg, C, inner):
    T, N = x.shape
    return x.new_empty((T, N)), x.new_empty(N), _f32(x, (T, N))


def _triton_glif_backward_impl(x: Optional[Tensor], v0: Optional[Tensor], s0: Optional[Tensor], h: Tensor, a: Tensor,
                         d: Tensor, gam: Tensor, q: Tensor, vth: Tensor, gs: Tensor, gvT: Tensor, cfg: Sequence[float],
                         C: int, inner: int) -> Tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor,
                                                      Tensor, Tensor]:
    return _tk().glif_backward(_c(x), _c(v0), _c(s0), h, *(c.contiguous() for c in (a, d, gam, q, vth)),
                               gs.contiguous(), gvT.contiguous(), cfg, C, inner)


triton_glif_backward_op = _define("snnlab::triton_glif_backward", _triton_glif_backward_impl)


@triton_glif_backward_op.register_fake
def _(x, v0, s0, h, a, d, gam, q, vth, gs, gvT, cfg, C, inner):
    T, N = h.shape
    return (gs.new_empty((T, N)), gs.new_empty(N) if v0 is not None else _empty(h),
            gs.new_empty(N) if s0 is not None else _empty(h), _f32(h, (T, C)), *(_f32(h, (C,)) for _ in range(5)))


def _triton_glif_setup(ctx, inputs, output):
    x, v0, s0, a, d, l, gam, q, vth, cfg, C, inner = inputs
    ctx.mark_non_differentiable(output[2])
    ctx.cfg, ctx.C, ctx.inner = list(cfg), C, inner
    ctx.save_for_backward(x if ctx.needs_input_grad[3] else None, v0, s0, output[2], a, d, gam, q, vth)


def _triton_glif_backward(ctx, gs, gvT, _gh):
    if torch.is_grad_enabled():
        _no_double_backward(ctx, "GLIF")
    need = ctx.needs_input_grad
    x, v0, s0, h, a, d, gam, q, vth = ctx.saved_tensors
    T, N = h.shape
    like = gs if gs is not None else gvT
    gs, gvT = _grad_out(gs, (T, N), like), _grad_out(gvT, (N,), like)
    grads = _run(triton_glif_backward_op, x, v0, s0, h, a, d, gam, q, vth, gs, gvT, ctx.cfg, ctx.C, ctx.inner)
    return (*(_pick(g, need[i]) for i, g in enumerate(grads)), None, None, None)


triton_glif_op.register_autograd(_triton_glif_backward, setup_context=_triton_glif_setup)
triton_glif = _entry(triton_glif_op, _triton_glif_setup, _triton_glif_backward)
