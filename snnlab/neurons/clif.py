"""CLIF: Complementary LIF (Huang et al., ICML 2024, arXiv 2402.04663; clif.md §1.3).

Per step t, in this order (paper Eq. 15–19 / Algorithm 1 and the official ``ComplementaryLIFNeuron``), with
V[0] = M[0] = 0 and λ = 1 − 1/τ::

    H[t] = λ·V[t−1] + X[t]                           (LIF charge; decay_input / hard reset as in LIF)
    S[t] = Θ(H[t] − V_th)                            (surrogate g(H − V_th) in backward)
    M[t] = M[t−1]·σ(H[t]/τ) + S[t]                   (decay with the *pre-reset* H and τ itself, then +spike)
    V[t] = H[t] − S[t]·(V_th + σ(M[t]))             (soft reset plus the extra σ(M[t]), M after the +S)

Hard reset (code path, not used in the paper): ``V[t] = H[t]·(1 − S[t]) + V_reset·S[t] − S[t]·σ(M[t])``.
Nothing is detached (clif.md §1.5): gradients flow through the spike in the reset, through σ(M), the forming
factor σ(H/τ) and M[t−1]. Defaults: τ = 2, V_th = 1, soft reset, decay_input=False, Rectangle γ = V_th = 1.

``detach_reset`` (default False) is an snnlab option the official code ignores: when True the spike is detached
in both reset terms (``V_th·S`` and ``S·σ(M)``); ``M`` still receives ``+S`` with its surrogate gradient.
⚠ The CLIF paper writes γ for the decay (our λ) and α for the rectangle width (our γ).
"""
from __future__ import annotations

from typing import Mapping, Optional

import torch

from snnlab.neurons.base import Neuron, charge, check_reset, fire, initial, reset_potential, run_steps
from snnlab.surrogate import Surrogate

__all__ = ["CLIF", "clif_step", "clif_multistep"]


def clif_step(x_t: torch.Tensor, state: Mapping, *, tau, v_threshold: float, v_reset: Optional[float],
              decay_input: bool, detach_reset: bool, surrogate: Surrogate):
    """One CLIF step (module docstring). ``state = {"V", "M"}`` (None = 0 / V_reset).

    Returns ``(S[t], {"V": V[t], "M": M[t]}, {"H": H[t]})``.
    """
    v = initial(state.get("V"), x_t, 0.0 if v_reset is None else v_reset)
    h = charge(v, x_t, tau, decay_input, v_reset)
    s = fire(h, v_threshold, surrogate)
    m_prev = state.get("M")
    m = s if m_prev is None else m_prev * torch.sigmoid(h / tau) + s
    s_r = s.detach() if detach_reset else s
    v = reset_potential(h, s_r, v_threshold, v_reset, False) - s_r * torch.sigmoid(m)
    return s, {"V": v, "M": m}, {"H": h}


def clif_multistep(x: torch.Tensor, state: Optional[Mapping] = None, *, record: bool = False, **params):
    """Reference multi-step CLIF loop: ``(spikes, final state, records {"H", "V", "M"} if record)``."""
    return run_steps(clif_step, x, state, ("H", "V", "M") if record else (), **params)


class CLIF(Neuron):
    """Complementary LIF neuron (equations and defaults in the module docstring).

    Parameters: ``tau`` (> 1), ``v_threshold``, ``reset`` ("soft" default | "hard"), ``v_reset``,
    ``decay_input``, ``detach_reset``, ``surrogate``, ``width`` (γ; None = 1.0), ``backend``.
    ``record=True`` returns "H", "V" and "M".
    """

    kind = "clif"
    state_keys = ("V", "M")
    record_keys = ("H", "V", "M")
    step_fn = staticmethod(clif_step)

    def __init__(self, tau: float = 2.0, v_threshold: float = 1.0, reset: Optional[str] = None,
                 v_reset: Optional[float] = None, decay_input: bool = False, detach_reset: bool = False,
                 surrogate="rectangle", width: Optional[float] = None, backend: str = "auto"):
        super().__init__(tau=tau, v_threshold=v_threshold, surrogate=surrogate, width=width,
                         detach_reset=detach_reset, backend=backend, default_width=1.0)
        self.v_reset = check_reset(reset, v_reset, default="soft")
        self.decay_input = bool(decay_input)

    def step_params(self) -> dict:
        return dict(tau=self.tau, v_threshold=self.v_threshold, v_reset=self.v_reset,
                    decay_input=self.decay_input, detach_reset=self.detach_reset, surrogate=self.surrogate)
