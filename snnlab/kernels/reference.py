"""Double backward of the fused kernels: the neurons' reference loops, written on the fused Functions' inputs.

A fused autograd Function (``cpu.py``, ``triton.py``) computes its backward with a hand-derived C/Triton
recursion whose result carries no autograd graph. That is all a first-order backward needs. When a graph of the
backward is being built (``create_graph=True``: gradient penalties, Hessian-vector products; inside the backward
``torch.is_grad_enabled()`` is then True), the Function's backward instead calls :func:`grads`: it recomputes
the forward with the neuron's reference loop (``snnlab.neurons.*_step`` through ``run_steps``) from the saved
inputs, under autograd, and differentiates that with ``create_graph=True``. Second-order gradients are then the
reference loop's exactly (first-order ones too, to rounding), at the cost of one reference forward and backward.

The forwards here take the Functions' own tensor inputs (``x`` flattened to ``[T, N]``, the initial states
flattened to ``[N]`` or None, PLIF's τ and KLIF's k as 0-dim tensors, GLIF's per-channel coefficients) and a
``spec``: the neuron's settings as plain values, rebuilt from the C parameter block (``cpu.spec_from_params``)
or the Triton configuration (``triton.spec_from_cfg``), so that a wrapper (e.g. a ``torch.library`` custom op
around the same Functions) can call them with the same inputs.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import torch

from snnlab.neurons.base import run_steps

__all__ = ["grads", "lif_forward", "clif_forward", "ilif_forward", "glif_forward", "lif_code_backward"]


def grads(forward: Callable, inputs: Sequence[Optional[torch.Tensor]], needs_input_grad: Sequence[bool],
          grad_outputs: Sequence[Optional[torch.Tensor]]) -> list:
    """``d(Σ outputs·grad_outputs)/d input`` for each input that needs it, with ``create_graph=True``.

    ``forward(*inputs)`` returns the Function's outputs (a tuple, same order as ``grad_outputs``); ``inputs`` are
    the tensors saved by the Function's forward (the very input tensors, so the new graph hangs from the outer
    one). Returns one entry per input: a tensor, or None where no gradient is needed. An input that needs a
    gradient but is not reached gets zeros (as the fast backward would)."""
    with torch.enable_grad():
        # differentiate with respect to fresh aliases (views) of the inputs: autograd.grad with respect to the
        # inputs themselves would also follow paths through the other inputs' history (e.g. an initial state
        # computed from the same KLIF k by the previous chunk) and count those twice; the aliases are still
        # connected to the inputs, so the returned gradients are differentiable with respect to them
        inputs = [None if t is None else (t.view_as(t) if t.requires_grad else t) for t in inputs]
        outs = forward(*inputs)
        wanted = [i for i, t in enumerate(inputs)
                  if t is not None and i < len(needs_input_grad) and needs_input_grad[i] and t.requires_grad]
        pairs = [(o, g) for o, g in zip(outs, grad_outputs) if g is not None and o.requires_grad]
        result: list = [None] * len(inputs)
        if not wanted:
            return result
        if pairs:
            got = torch.autograd.grad([o for o, _ in pairs], [inputs[i] for i in wanted], [g for _, g in pairs],
                                      create_graph=True, allow_unused=True)
        else:
            got = [None] * len(wanted)
    for i, g in zip(wanted, got):
        result[i] = torch.zeros_like(inputs[i]) if g is None else g
    return result


def _work(t: Optional[torch.Tensor], dtype: Optional[torch.dtype]) -> Optional[torch.Tensor]:
    """``t`` in the working precision of the kernel that is being differentiated (None: unchanged)."""
    return t if t is None or dtype is None or t.dtype == dtype else t.to(dtype)


def lif_forward(x, v0, tau_t, k_t, *, spec: dict, work_dtype=None):
    """LIF / PLIF / KLIF: ``(S [T, N], V[T] [N])`` by ``lif_step`` / ``klif_step`` from ``x [T, N]``, ``v0 [N]``
    (None: the initial value), τ (``tau_t``, PLIF, else ``spec["tau"]``) and k (``k_t``, KLIF)."""
    from snnlab.neurons.klif import klif_step
    from snnlab.neurons.lif import lif_step

    xw = _work(x, work_dtype)
    tau = spec["tau"] if tau_t is None else tau_t
    common = dict(tau=tau, v_threshold=spec["v_threshold"], v_reset=spec["v_reset"],
                  decay_input=spec["decay_input"], detach_reset=spec["detach_reset"], surrogate=spec["surrogate"])
    if spec.get("klif"):
        s, st, _ = run_steps(klif_step, xw, {"V": _work(v0, work_dtype)}, k=k_t, scale_reset=spec["scale_reset"],
                             **common)
    else:
        s, st, _ = run_steps(lif_step, xw, {"V": _work(v0, work_dtype)}, **common)
    return s.to(x.dtype), st["V"].to(x.dtype)


def clif_forward(x, v0, m0, *, spec: dict, work_dtype=None):
    """CLIF: ``(S, V[T], M[T])`` by ``clif_step``."""
    from snnlab.neurons.clif import clif_step

    s, st, _ = run_steps(clif_step, _work(x, work_dtype), {"V": _work(v0, work_dtype), "M": _work(m0, work_dtype)},
                         tau=spec["tau"], v_threshold=spec["v_threshold"], v_reset=spec["v_reset"],
                         decay_input=spec["decay_input"], detach_reset=spec["detach_reset"],
                         surrogate=spec["surrogate"])
    return s.to(x.dtype), st["V"].to(x.dtype), st["M"].to(x.dtype)


def ilif_forward(x, v0, m0, a0, xp0, sp0, *, spec: dict, work_dtype=None):
    """ILIF: ``(S, V[T], M[T], A[T])`` by ``ilif_step`` (X_prev and S_prev both given or both None)."""
    from snnlab.neurons.ilif import ilif_step

    state = {"V": v0, "M": m0, "A": a0, "X_prev": xp0, "S_prev": sp0}
    state = {k: _work(v, work_dtype) for k, v in state.items()}
    s, st, _ = run_steps(ilif_step, _work(x, work_dtype), state, tau=spec["tau"], v_threshold=spec["v_threshold"],
                         v_reset=spec["v_reset"], decay_input=spec["decay_input"],
                         detach_reset=spec["detach_reset"], surrogate=spec["surrogate"], kappa_i=spec["kappa_i"],
                         kappa_m=spec["kappa_m"])
    return s.to(x.dtype), st["V"].to(x.dtype), st["M"].to(x.dtype), st["A"].to(x.dtype)


def glif_forward(x, v0, s0, a, d, l, gam, q, vth, *, C: int, inner: int, spec: dict, work_dtype=None):
    """GLIF on the kernels' coefficients (``cpu.glif_coefficients``: gain A[t] [T, C], D, L, γ, Q, V_th [C]), in
    ``glif_step``'s operation order: ``H = (D·H[t−1] − L) + X·A[t] − D·H[t−1]·γ·S[t−1] − Q·S[t−1]`` (the terms
    present as in glif_step when the initial H or S is None), ``S = spike(H − V_th)``. Element i of a step is in
    channel ``(i // inner) % C``. Returns ``(S [T, N], H[T−1] [N])``."""
    T, N = x.shape
    xw = _work(x, work_dtype)
    cdt = xw.dtype
    shape = (N // (C * inner), C, inner)

    def per_channel(c):
        return c.to(cdt).view(C, 1)

    dc, lc, gc, qc, tc = (per_channel(c) for c in (d, l, gam, q, vth))
    v = None if v0 is None else _work(v0, work_dtype).view(shape)
    sp = None if s0 is None else _work(s0, work_dtype).view(shape)
    sg = spec["surrogate"]
    spikes = []
    for t in range(T):
        i_t = xw[t].view(shape) * a[t].to(cdt).view(C, 1)
        if v is None:
            h = i_t - lc
        else:
            h = (dc * v - lc) + i_t
            if sp is not None:
                spd = sp.detach() if spec["detach_reset"] else sp
                h = h - dc * v * gc * spd - qc * spd
        s = sg.spike(h - tc)
        spikes.append(s)
        v, sp = h, s
    return torch.stack(spikes).reshape(T, N).to(x.dtype), v.reshape(N).to(x.dtype)


def lif_code_backward(code: torch.Tensor, gs: torch.Tensor, gvT: torch.Tensor, *, spec: dict):
    """The coded LIF backward (``cpu._LIFCodeFunction``: rectangle surrogate, soft reset, float τ) in torch ops,
    differentiable in the incoming gradients ``gs [T, N]``, ``gvT [N]``: ``(dL/dx [T, N], dL/dv0 [N])``.

    The Function keeps only the uint8 code (bit 1: |H − V_th| ≤ γ/2), not x, so it cannot rerun the reference
    loop; it does not need to: in the reference loop the first-order gradient is linear in (gs, gvT) with
    coefficients that depend on x only through the rectangle's indicator and the spikes, whose derivatives are 0
    (autograd through ``(|z| <= γ/2).to(dtype)`` and Θ). So this recursion, built under autograd, has the
    reference's second-order gradients: the ones through gs and gvT, and none through x."""
    T = code.shape[0]
    sg = spec["surrogate"]
    g = ((code >> 1) & 1).to(gs.dtype) * (sg.scale / sg.width)
    tau, vth = spec["tau"], spec["v_threshold"]
    cv = gvT
    gx = []
    for t in range(T - 1, -1, -1):
        if spec["detach_reset"]:
            gh = gs[t] * g[t] + cv
        else:
            gh = gs[t] * g[t] + cv * (1.0 - vth * g[t])
        ght = gh / tau
        gx.append(ght if spec["decay_input"] else gh)
        cv = gh - ght
    return torch.stack(gx[::-1]), cv
