"""ILIF: temporal Inhibitory LIF (Sun et al., IJCAI 2025, arXiv 2505.10371; ilif.md §1.3).

Not SpikingJelly's integer ``ILIFNode``. Equations from the official ``InhibitoryLIFNeuron`` (the paper body is
not known). Per step t, in this order, with every state zero at the start of a sample and λ = 1 − 1/τ::

    A[t] = κ_I·(A[t−1] + X[t−1]·S[t−1])              (current inhibitory unit; raw previous input)
    H[t] = λ·V[t−1] + X[t] − max(A[t], 0)             (LIF charge of the inhibited input)
    S[t] = Θ(H[t] − V_th)                             (surrogate g(H − V_th) in backward)
    R[t] = H[t] − V_th·S[t]                           (ordinary soft reset)
    M[t] = κ_M·(M[t−1] + S[t]·R[t])                   (membrane inhibitory unit)
    V[t] = R[t] − S[t]·σ(M[t])                        (extra inhibitory reset)

Defaults (ILIF code): τ = 1.1 (λ = 1/11), V_th = 1, κ_I = 0.03, κ_M = 1, soft reset, decay_input=False,
nothing detached, surrogate Rectangle γ = 1 (the class default). ⚠ The README training commands pass no
``-surrogate`` and so train with SpikingJelly ``Sigmoid(alpha=4)``: use ``surrogate="sigmoid", width=1.0`` to
reproduce those runs. κ_I and κ_M are literals in the code; here they are parameters ``kappa_i``, ``kappa_m``.

Choices where the spec is silent or the code differs:

* The clamp ``max(A, 0)`` (``A.clamp(min=0)`` in the code) is :func:`inhibition_clamp`: the value of torch's
  ``clamp(min=0)`` (NaN stays NaN) and the derivative **1 for A ≥ 0**, 0 for A < 0 (ilif.md §1.3 "Detach", §1.5).
  That is the gradient the authors' torch gave at the boundary A = 0, which is hit at every step before a
  neuron's first spike (A is exactly 0 there). torch's own ``clamp`` changed its boundary gradient between
  versions (2.11: 1, 2.14: 0), so it is not used: this one rule holds on every torch version, and the C and
  Triton kernels implement the same rule (``csrc/ilif.h``, ``kernels/triton.py``).
* Hard reset (``reset="hard"``) replaces R by ``H·(1 − S) + V_reset·S`` (the code's ``_reset`` supports it; not used
  in any experiment); decay_input follows the LIF charge.
* ``detach_reset`` is ignored by the official code (its ``neuronal_reset`` calls ``_reset`` directly); here, when
  True, the spike is detached in both reset subtractions (in R and in ``S·σ(M)``), while ``A``, ``M`` and the
  output keep it. Default False = the code.
"""
from __future__ import annotations

from typing import Mapping, Optional

import torch

from snnlab.neurons.base import (Neuron, charge, check_finite, check_reset, fire, initial, reset_potential,
                                 run_steps)
from snnlab.surrogate import Surrogate

__all__ = ["ILIF", "ilif_step", "ilif_multistep", "inhibition_clamp"]


def inhibition_clamp(a: torch.Tensor) -> torch.Tensor:
    """``max(A, 0)`` of ILIF's current inhibition with the one rule snnlab uses everywhere (module docstring):
    value ``A`` where ``A ≥ 0`` or A is NaN, else 0; derivative 1 where ``A ≥ 0`` (the boundary A = 0 included)
    or NaN, 0 where ``A < 0``. Written as ``where(A < 0, 0, A)``, so autograd (and double backward) follow it on
    every torch version."""
    return torch.where(a < 0, torch.zeros_like(a), a)


def ilif_step(x_t: torch.Tensor, state: Mapping, *, tau, v_threshold: float, v_reset: Optional[float],
              decay_input: bool, detach_reset: bool, surrogate: Surrogate, kappa_i: float, kappa_m: float):
    """One ILIF step (module docstring). ``state = {"V", "M", "A", "X_prev", "S_prev"}`` (None = zero).

    Returns ``(S[t], new_state, {"H": H[t]})``; ``new_state["A"]`` is A[t] (before the clamp).
    """
    v = initial(state.get("V"), x_t, 0.0 if v_reset is None else v_reset)
    a_prev, x_prev, s_prev = state.get("A"), state.get("X_prev"), state.get("S_prev")
    if x_prev is None or s_prev is None:
        a = torch.zeros_like(x_t) if a_prev is None else kappa_i * a_prev
    else:
        a = kappa_i * ((0.0 if a_prev is None else a_prev) + x_prev * s_prev)
    h = charge(v, x_t - inhibition_clamp(a), tau, decay_input, v_reset)
    s = fire(h, v_threshold, surrogate)
    s_r = s.detach() if detach_reset else s
    r = reset_potential(h, s_r, v_threshold, v_reset, False)
    m_prev = state.get("M")
    m = kappa_m * (s * r if m_prev is None else m_prev + s * r)
    v = r - s_r * torch.sigmoid(m)
    return s, {"V": v, "M": m, "A": a, "X_prev": x_t, "S_prev": s}, {"H": h}


def ilif_multistep(x: torch.Tensor, state: Optional[Mapping] = None, *, record: bool = False, **params):
    """Reference multi-step ILIF loop: ``(spikes, final state, records {"H", "V", "A", "M"} if record)``."""
    return run_steps(ilif_step, x, state, ("H", "V", "A", "M") if record else (), **params)


class ILIF(Neuron):
    """Temporal inhibitory LIF neuron (equations, defaults and choices in the module docstring).

    Parameters: ``tau`` (> 1, default 1.1), ``v_threshold``, ``kappa_i`` (0.03), ``kappa_m`` (1.0), ``reset``
    ("soft" default | "hard"), ``v_reset``, ``decay_input``, ``detach_reset``, ``surrogate``, ``width`` (γ;
    None = 1.0), ``backend``. ``record=True`` returns "H", "V", "A" and "M".
    """

    kind = "ilif"
    state_keys = ("V", "M", "A", "X_prev", "S_prev")
    record_keys = ("H", "V", "A", "M")
    step_fn = staticmethod(ilif_step)

    def __init__(self, tau: float = 1.1, v_threshold: float = 1.0, kappa_i: float = 0.03, kappa_m: float = 1.0,
                 reset: Optional[str] = None, v_reset: Optional[float] = None, decay_input: bool = False,
                 detach_reset: bool = False, surrogate="rectangle", width: Optional[float] = None,
                 backend: str = "auto"):
        super().__init__(tau=tau, v_threshold=v_threshold, surrogate=surrogate, width=width,
                         detach_reset=detach_reset, backend=backend, default_width=1.0)
        self.kappa_i = check_finite(kappa_i, "kappa_i")
        self.kappa_m = check_finite(kappa_m, "kappa_m")
        self.v_reset = check_reset(reset, v_reset, default="soft")
        self.decay_input = bool(decay_input)

    def step_params(self) -> dict:
        return dict(tau=self.tau, v_threshold=self.v_threshold, v_reset=self.v_reset,
                    decay_input=self.decay_input, detach_reset=self.detach_reset, surrogate=self.surrogate,
                    kappa_i=self.kappa_i, kappa_m=self.kappa_m)

    def describe(self) -> dict:
        d = super().describe()
        d.update(kappa_i=self.kappa_i, kappa_m=self.kappa_m)
        return d
