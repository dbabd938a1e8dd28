"""LIF and PLIF neurons.

**LIF** (CLIF paper Eq. 1–3; SpikingJelly ``LIFNode``), per step t with V[0] = 0 (V_reset for a hard reset)::

    decay_input=False:  H[t] = V[t−1] − (V[t−1] − V_reset)/τ + X[t]    (= λ·V[t−1] + X[t] for soft reset)
    decay_input=True:   H[t] = V[t−1] + (X[t] − (V[t−1] − V_reset))/τ
    S[t] = Θ(H[t] − V_th)                       (surrogate g(H − V_th) in backward)
    soft reset:         V[t] = H[t] − V_th·S[t]
    hard reset:         V[t] = H[t]·(1 − S[t]) + V_reset·S[t]

λ = 1 − 1/τ. In the soft case the charge uses V_reset = 0. With ``detach_reset`` the spike inside the reset is
detached (the firing path keeps its surrogate gradient). Defaults are the CLIF repository's (``BPTTNeuron``):
τ = 2, V_th = 1, soft reset, decay_input=False, detach_reset=False, Rectangle surrogate with γ = 1. (The ILIF
repository uses the same LIF with τ = 1.1 and Sigmoid α = 4, i.e. ``surrogate="sigmoid", width=1.0``; the
SpikingJelly/PLIF ecosystem uses decay_input=True and a hard reset to 0.)

**PLIF** (Fang et al., ICCV 2021; SpikingJelly ``ParametricLIFNode``, used as a baseline by the CLIF and ILIF
repositories): LIF with one learnable scalar ``w`` per layer and ``1/τ = σ(w)``, so λ = 1 − σ(w); ``w`` is
initialised to ``−ln(τ0 − 1)`` (τ0 = ``tau`` argument, default 2 as in the CLIF repo, so w = 0 and 1/τ = 0.5).
Defaults: decay_input=False, soft reset, Rectangle γ = 1 (CLIF repo). The PLIF paper's own recipe is τ0 = 2,
hard reset to 0, detach_reset=True, ATan α = 2 (``surrogate="atan", width=1.0``).
"""
from __future__ import annotations

import math
from typing import Mapping, Optional

import torch
from torch import nn

from snnlab.neurons.base import (Neuron, charge, check_positive, check_reset, check_tau, fire, initial,
                                 reset_potential, run_steps)
from snnlab.surrogate import Surrogate

__all__ = ["LIF", "PLIF", "lif_step", "lif_multistep"]


def lif_step(x_t: torch.Tensor, state: Mapping, *, tau, v_threshold: float, v_reset: Optional[float],
             decay_input: bool, detach_reset: bool, surrogate: Surrogate):
    """One LIF step (module docstring). ``state = {"V": Tensor | None}``; ``tau`` is a float or a tensor (PLIF).

    Returns ``(S[t], {"V": V[t]}, {"H": H[t]})``.
    """
    v = initial(state.get("V"), x_t, 0.0 if v_reset is None else v_reset)
    h = charge(v, x_t, tau, decay_input, v_reset)
    s = fire(h, v_threshold, surrogate)
    v = reset_potential(h, s, v_threshold, v_reset, detach_reset)
    return s, {"V": v}, {"H": h}


def lif_multistep(x: torch.Tensor, state: Optional[Mapping] = None, *, record: bool = False, **params):
    """Reference multi-step LIF loop over axis 0: ``(spikes, final state, records {"H", "V"} if record)``."""
    return run_steps(lif_step, x, state, ("H", "V") if record else (), **params)


class LIF(Neuron):
    """Leaky integrate-and-fire neuron (equations and defaults in the module docstring).

    Parameters: ``tau`` (> 1), ``v_threshold``, ``reset`` ("soft" | "hard" | None: hard if ``v_reset`` is given,
    else soft), ``v_reset`` (hard-reset value, default 0.0), ``decay_input``, ``detach_reset``, ``surrogate``
    (name, ``Surrogate`` or config dict), ``width`` (γ, used with a name; None = 1.0), ``backend``.
    """

    kind = "lif"
    state_keys = ("V",)
    record_keys = ("H", "V")
    step_fn = staticmethod(lif_step)

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


class PLIF(Neuron):
    """Parametric LIF: LIF with a learnable per-layer ``w``, ``1/τ = σ(w)``, init ``w = −ln(tau − 1)``.

    ``tau`` is the initial time constant τ0 (> 1). The attribute ``tau`` is a tensor ``1/σ(w)`` (differentiable).
    Other parameters as ``LIF``; defaults: τ0 = 2, soft reset, decay_input=False, Rectangle γ = 1.
    """

    kind = "plif"
    state_keys = ("V",)
    record_keys = ("H", "V")
    step_fn = staticmethod(lif_step)

    def __init__(self, tau: float = 2.0, v_threshold: float = 1.0, reset: Optional[str] = None,
                 v_reset: Optional[float] = None, decay_input: bool = False, detach_reset: bool = False,
                 surrogate="rectangle", width: Optional[float] = None, backend: str = "auto"):
        super().__init__(tau=tau, v_threshold=v_threshold, surrogate=surrogate, width=width,
                         detach_reset=detach_reset, backend=backend, default_width=1.0,
                         plain_params=False)
        self.init_tau = check_tau(tau)
        self.v_threshold = check_positive(v_threshold, "v_threshold")
        self.w = nn.Parameter(torch.tensor(-math.log(self.init_tau - 1.0)))
        self.v_reset = check_reset(reset, v_reset, default="soft")
        self.decay_input = bool(decay_input)

    @property
    def tau(self) -> torch.Tensor:
        """τ = 1/σ(w) as a 0-dim tensor with its graph to ``w``."""
        return 1.0 / torch.sigmoid(self.w)

    def step_params(self) -> dict:
        return dict(tau=self.tau, v_threshold=self.v_threshold, v_reset=self.v_reset,
                    decay_input=self.decay_input, detach_reset=self.detach_reset, surrogate=self.surrogate)

    def describe(self) -> dict:
        d = super().describe()
        d["init_tau"] = self.init_tau
        return d
