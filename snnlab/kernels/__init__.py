"""Fused multi-step neuron kernels (CPU C kernels, Triton on GPU). See docs/contracts.md."""
from __future__ import annotations


def dispatch(neuron, x, state):
    """Return ``(spikes, new_state)`` from a fused kernel, or ``None`` when no fast path applies."""
    return None
