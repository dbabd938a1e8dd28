"""Truncated BPTT with window k (CLIF Fig. 2a, 5, 6 and Table 3; clif.md §5.1), implemented exactly.

**What is kept.** Full BPTT back-propagates the loss of output step t' through every earlier step t ≤ t'. With
window k only the terms of lag ``t' − t ≤ k − 1`` are kept (the paper: "detach all gradients from k+1 to T"): the
gradient of the loss at step t' reaches the parameters through steps ``t'−k+1 … t'`` only. ``k = 1`` keeps the
spatial (same-step) path only, as in SLTT / e-prop; ``k ≥ T`` is full BPTT. This is **not** "detach the state
every k steps" (blockwise truncation), which keeps lag 0 … (t mod k) and so a different set of terms.

**How (clif.md §5.1 method (b), recomputation).**

1. Run the network once without a graph, one step at a time, and record every neuron's state after each step,
   detached (``get_state`` / ``set_state`` of the neuron contract). This also gives the outputs O[0 … T−1].
2. Evaluate the loss on the recorded outputs (a leaf tensor) and back-propagate it to the outputs only:
   ``G[t'] = ∂L/∂O[t']``. Any loss works (per-step TET or CE of the mean): L depends on the parameters only
   through O, so the truncated gradient is ``Σ_t' G[t'] · (∂O[t']/∂θ)_window``.
3. For each t', restart every neuron from the detached state recorded after step ``t'−k`` (the initial state if
   ``t'−k < 0``), re-simulate steps ``t'−k+1 … t'`` with a graph, and back-propagate ``G[t']`` from ``O[t']``.
   Parameter gradients accumulate over t'.

Cost: ``Σ_t' min(k, t'+1)`` ≤ T·k step evaluations with a graph (k = 1 costs one full pass; k = T about T/2
passes), memory of one window. ``k ≥ T`` is routed to plain BPTT (identical by definition) unless
``force_windowed=True`` (the tests use it to check that the windowed path with k = T equals full BPTT).

**BatchNorm.** Exactness needs every re-simulated step to see the same normalisation as in the single full pass.
With ``SeqBatchNorm(mode="per_step")`` (the papers' code) step t is normalised by the batch statistics of step t
alone, which the window reproduces; the gradient through those statistics is also the same as in full BPTT
(they couple samples within a step, never steps). The running statistics are updated once per step by pass 1,
in step order as in full BPTT, and restored after the windows so that recomputation does not update them again.
``mode="folded"`` (statistics over T·B) couples all steps and cannot be truncated exactly: it is refused.
BN in eval mode (running statistics) is exact in both modes.

**Dropout** masks (``SeqDropout``) are drawn once per batch in pass 1 and reused by every window.
**AMP**: pass ``autocast`` (a context-manager factory) and ``scale`` (e.g. ``scaler.scale``); G is then the
gradient of the scaled loss.
"""
from __future__ import annotations

import contextlib
from typing import Callable, Optional

import torch
from torch import nn

from snnlab.models.layers import SeqBatchNorm, neuron_layers, reset_neurons

__all__ = ["truncated_backward", "check_truncatable"]


def check_truncatable(model: nn.Module) -> None:
    """Raise when the model holds a layer that makes windowed recomputation inexact."""
    for name, m in model.named_modules():
        if isinstance(m, SeqBatchNorm) and m.mode == "folded" and m.training:
            raise ValueError(
                f"truncated BPTT: layer {name!r} is SeqBatchNorm(mode='folded'), whose batch statistics span all T "
                "steps, so re-simulating a window cannot reproduce them; build the model with bn_mode='per_step' "
                "(the papers' code) or put BN in eval mode")
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)) and m.training and not _inside_seqbn(model, m):
            raise ValueError(f"truncated BPTT: plain BatchNorm {name!r} outside SeqBatchNorm is not supported")


def _inside_seqbn(model: nn.Module, bn: nn.Module) -> bool:
    return any(isinstance(m, SeqBatchNorm) and m.bn is bn for m in model.modules())


def _bn_buffers(model: nn.Module):
    return [(m, {k: v.clone() for k, v in m.named_buffers(recurse=False)}) for m in model.modules()
            if isinstance(m, nn.modules.batchnorm._BatchNorm)]


def _restore_bn(saved) -> None:
    with torch.no_grad():
        for m, bufs in saved:
            for k, v in bufs.items():
                getattr(m, k).copy_(v)


def _detached(state):
    if state is None:
        return None
    return {k: (v.detach().clone() if isinstance(v, torch.Tensor) else v) for k, v in state.items()}


def _spatial_backward(model, x, y, loss_fn, layers, autocast, scale):
    """k = 1: every output's gradient stays within its own step, so one pass with the neuron states detached
    between steps builds exactly the T one-step windows of the general path (the same graphs, BN batches and running
    statistics updates, the dropout masks drawn once), without its separate pass without a graph: about 25 % less
    work. ``force_windowed=True`` takes the general path (tests compare the two)."""
    reset_neurons(model)
    outs = []
    with autocast():
        for t in range(x.shape[0]):
            if t:
                for _, m in layers:
                    m.set_state(_detached(m.get_state()))
            outs.append(model(x[t:t + 1]))
    out = torch.cat(outs)
    leaf = out.detach()
    leaf = (leaf if leaf.dtype in (torch.float32, torch.float64) else leaf.float()).requires_grad_(True)
    loss = loss_fn(leaf, y)
    (g,) = torch.autograd.grad(scale(loss), leaf)
    try:
        out.backward(g.to(out.dtype))
    finally:
        reset_neurons(model)
    return loss.detach(), out.detach()


def truncated_backward(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                       loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], k: int, *,
                       autocast: Optional[Callable[[], contextlib.AbstractContextManager]] = None,
                       scale: Optional[Callable[[torch.Tensor], torch.Tensor]] = None,
                       force_windowed: bool = False) -> "tuple[torch.Tensor, torch.Tensor]":
    """Accumulate the window-``k`` truncated gradient of ``loss_fn(model(x), y)`` into ``.grad``.

    ``x`` is ``[T, B, ...]``; the caller resets the network (``reset_net``) before, as for a normal step, and calls
    ``optimizer.step()`` after. Returns ``(loss, outputs)``, both detached (``outputs`` is ``[T, B, C]``).
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"truncated BPTT window k must be a positive int (1 = spatial only, T = full BPTT), got {k!r}")
    if not isinstance(x, torch.Tensor) or x.ndim < 2:
        raise ValueError("truncated BPTT: x must be [T, B, ...]")
    autocast = autocast or contextlib.nullcontext
    scale = scale or (lambda t: t)
    T = x.shape[0]
    if k >= T and not force_windowed:
        with autocast():
            out = model(x)
            loss = loss_fn(out, y)
        scale(loss).backward()
        return loss.detach(), out.detach()

    check_truncatable(model)
    layers = neuron_layers(model)
    if k == 1 and not force_windowed:
        return _spatial_backward(model, x, y, loss_fn, layers, autocast, scale)
    # 1. one pass without a graph, step by step, recording the detached state of every neuron after each step
    reset_neurons(model)
    states = []  # states[t] = {layer name: state after step t}
    outs = []
    with torch.no_grad(), autocast():
        for t in range(T):
            outs.append(model(x[t:t + 1]))
            states.append({name: _detached(m.get_state()) for name, m in layers})
    out = torch.cat(outs)
    saved_bn = _bn_buffers(model)
    # 2. gradient of the loss with respect to the outputs
    leaf = out.detach()
    leaf = (leaf if leaf.dtype in (torch.float32, torch.float64) else leaf.float()).requires_grad_(True)
    loss = loss_fn(leaf, y)
    (g,) = torch.autograd.grad(scale(loss), leaf)
    # 3. windows
    try:
        for tp in range(T):
            if not torch.any(g[tp] != 0):
                continue
            start = max(0, tp - k + 1)
            for name, m in layers:
                m.set_state(states[start - 1][name] if start > 0 else None)
            with autocast():
                o = model(x[start:tp + 1])
            o[-1].backward(g[tp].to(o.dtype))
    finally:
        _restore_bn(saved_bn)
        reset_neurons(model)
    return loss.detach(), out.detach()
