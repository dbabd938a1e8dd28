"""Temporal credit inside a trained network: how much of the gradient reaching each neuron layer flows through time.

CLIF notebook 01 splits the gradient of one layer, ``δH[t] = P[t] + temporal[t]``, into the **spatial** part P (the
loss gradient of the same step t, passed through the surrogate) and the **temporal** part (everything that comes
from later steps through the neuron's state), and reports the temporal share ``‖δH − P‖ / ‖δH‖``
(:func:`snnlab.analysis.temporal_share`). Here the same split is measured on a whole trained network, for any
neuron, with autograd:

* ``full[l][t]`` = ``∂L/∂X_l[t]``, the gradient of the loss with respect to the input current of neuron layer l
  at step t, by full BPTT;
* ``spatial[l][t]`` = the part of it carried by paths that stay inside step t: every neuron restarted at step t
  from its recorded, detached state, the network run for that one step and the loss gradient of its output at
  step t (``∂L/∂O[t]``) back-propagated through it. This is exactly the gradient that truncated BPTT with window
  k = 1 keeps (``snnlab.tbptt``), so ``full − spatial`` is what the ``k_trunc = 1`` control discards.

For a single LIF layer, ``spatial`` is the ``P[t] = δS_ext[t]·g[t]`` of ``analysis.adjoint_recursion`` (checked in
the tests). Under the last-step loss (``ce_last``) ``spatial`` is zero at every step but the last, so the temporal
share says how much of a layer's gradient reaches it through time from the answer step.

``gradient_split(model, x, y, loss_fn)`` returns both per layer; ``temporal_shares(...)`` reduces them to the
share per layer (norms over steps, batch and neurons) plus ``"network"`` (all layers together), and optionally per
step. The model is used as is (call ``model.eval()`` first for a trained network); its neuron states are reset
afterwards.
"""
from __future__ import annotations

from typing import Callable, Dict

import torch
from torch import nn

from snnlab import analysis
from snnlab.models.layers import neuron_layers, reset_neurons

__all__ = ["gradient_split", "temporal_shares"]


def _capture(layers, store: list):
    """Forward pre-hooks that keep each neuron layer's input current (as a graph tensor) in ``store``."""
    handles = []
    for i, (_, m) in enumerate(layers):
        def hook(module, args, i=i):
            x = args[0]
            if not x.requires_grad:  # frozen weights below: make the input a leaf that takes a gradient
                x = x.detach().requires_grad_(True)
                store[i] = x
                return (x, *args[1:])
            store[i] = x
            return None
        handles.append(m.register_forward_pre_hook(hook))
    return handles


def _detached(state):
    if state is None:
        return None
    return {k: (v.detach().clone() if isinstance(v, torch.Tensor) else v) for k, v in state.items()}


def gradient_split(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                   loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> Dict[str, dict]:
    """``{layer name: {"full": ∂L/∂X [T, B, ...], "spatial": same-step part [T, B, ...]}}`` for every neuron
    layer of ``model`` on the batch ``x [T, B, ...]`` (see the module docstring). Parameters get no gradient."""
    if not isinstance(x, torch.Tensor) or x.ndim < 2:
        raise ValueError(f"gradient_split: x must be [T, B, ...], got {getattr(x, 'shape', type(x).__name__)}")
    layers = neuron_layers(model)
    if not layers:
        raise ValueError("gradient_split: the model has no neuron layers (the ReLU ANN has no temporal credit)")
    T = x.shape[0]
    store: list = [None] * len(layers)
    handles = _capture(layers, store)
    try:
        # full BPTT
        reset_neurons(model)
        with torch.enable_grad():
            out = model(x)
            inputs = list(store)
            if any(t is None for t in inputs):
                raise RuntimeError("gradient_split: a neuron layer was not called by the forward pass")
            leaf = out.detach().float().requires_grad_(True)
            loss = loss_fn(leaf, y)
            (g_out,) = torch.autograd.grad(loss, leaf)
            full = torch.autograd.grad(out, inputs, grad_outputs=g_out.to(out.dtype), allow_unused=True)
        full = [torch.zeros_like(i) if f is None else f.detach() for f, i in zip(full, inputs)]
        # states after every step, without a graph
        reset_neurons(model)
        states = []
        with torch.no_grad():
            for t in range(T):
                model(x[t:t + 1])
                states.append({name: _detached(m.get_state()) for name, m in layers})
        # the same-step part: one step from the recorded state, back-propagating ∂L/∂O[t] of that step only
        spatial = [torch.zeros_like(f) for f in full]
        for t in range(T):
            if not torch.any(g_out[t] != 0):
                continue
            for name, m in layers:
                m.set_state(states[t - 1][name] if t > 0 else None)
            with torch.enable_grad():
                o = model(x[t:t + 1])
                step_inputs = list(store)
                grads = torch.autograd.grad(o, step_inputs, grad_outputs=g_out[t:t + 1].to(o.dtype),
                                            allow_unused=True)
            for i, gr in enumerate(grads):
                if gr is not None:
                    spatial[i][t] = gr.detach()[0]
    finally:
        for h in handles:
            h.remove()
        reset_neurons(model)
    return {name: {"full": f, "spatial": s} for (name, _), f, s in zip(layers, full, spatial)}


def temporal_shares(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                    per_step: bool = False) -> dict:
    """Temporal share ``‖full − spatial‖ / ‖full‖`` (``analysis.temporal_share``) of every neuron layer and of the
    whole network (``"network"``: all layers' gradients together). ``per_step=True`` adds ``"per_step"``:
    ``{layer: [share at step t]}`` (NaN where a step gets no gradient). A share of 0 means every gradient comes
    from the same step; 1, that all of it arrives through time."""
    split = gradient_split(model, x, y, loss_fn)
    out: dict = {}
    num = den = 0.0
    for name, d in split.items():
        res = {"dH": d["full"], "temporal": d["full"] - d["spatial"]}
        share = analysis.temporal_share(res, dim=tuple(range(d["full"].dim())))
        out[name] = float(share)
        num += float(torch.linalg.vector_norm(res["temporal"])) ** 2
        den += float(torch.linalg.vector_norm(res["dH"])) ** 2
    out["network"] = (num / den) ** 0.5 if den > 0 else float("nan")
    if per_step:
        out["per_step"] = {name: [float(v) for v in analysis.temporal_share(
            {"dH": d["full"], "temporal": d["full"] - d["spatial"]})] for name, d in split.items()}
    return out
