"""KLIF: k-based LIF (Jiang & Zhang, arXiv 2302.09238; klif.md §1.2–1.6).

The paper body and code are not known; the equations follow SpikingJelly's ``KLIFNode`` (the de-facto reference,
klif.md §4.1). Per step t, with V[0] = V_reset (0 for a soft reset)::

    H[t] = V[t−1] + (X[t] − (V[t−1] − V_reset))/τ        (decay_input=True; False: V − (V − V_reset)/τ + X)
    F[t] = ReLU(k·H[t])                                   (k: one learnable scalar per layer, init 1.0)
    S[t] = Θ(F[t] − V_th)                                 (surrogate g(F − V_th) in backward)
    scale_reset=False:  hard V[t] = F[t]·(1 − S[t]) + V_reset·S[t];   soft V[t] = F[t] − V_th·S[t]
    scale_reset=True:   hard V[t] = (F[t]/k)·(1 − S[t]) + V_reset·S[t]; soft V[t] = F[t]/k − (V_th/k)·S[t]

Defaults ([SJ], none confirmed for the paper): τ = 2, decay_input=True, V_th = 1, hard reset to V_reset = 0,
k init 1.0 (learnable, 0-dim), Sigmoid α = 4 (``surrogate="sigmoid"``, γ = 4/α = 1), scale_reset=False,
detach_reset=False. In the soft case the charge uses V_reset = 0 (SpikingJelly after its 2023-03-26 fix).

Seen from H, for k > 0 and H > 0: ``∂S/∂H = k·g(kH − V_th)`` i.e. effective threshold V_th/k and a surrogate
narrowed by k (klif.md §1.5). ``ReLU'(0) = 0`` as in PyTorch. k is not constrained (klif.md §5.3): with k ≤ 0
the neuron fires for negative H or goes silent; a ``k_init`` ≤ 0 is rejected.
"""
from __future__ import annotations

from typing import Mapping, Optional

import torch
from torch import nn

from snnlab.neurons.base import Neuron, charge, check_positive, check_reset, fire, initial, reset_potential, \
    run_steps
from snnlab.surrogate import Surrogate

__all__ = ["KLIF", "klif_step", "klif_multistep"]


def klif_step(x_t: torch.Tensor, state: Mapping, *, k: torch.Tensor, tau, v_threshold: float,
              v_reset: Optional[float], decay_input: bool, detach_reset: bool, scale_reset: bool,
              surrogate: Surrogate):
    """One KLIF step (module docstring). ``state = {"V"}``. Returns ``(S, {"V": V}, {"H": H, "F": F})``."""
    v = initial(state.get("V"), x_t, 0.0 if v_reset is None else v_reset)
    h = charge(v, x_t, tau, decay_input, v_reset)
    f = torch.relu(k * h)
    s = fire(f, v_threshold, surrogate)
    if scale_reset:
        v = reset_potential(f / k, s, v_threshold / k, v_reset, detach_reset)
    else:
        v = reset_potential(f, s, v_threshold, v_reset, detach_reset)
    return s, {"V": v}, {"H": h, "F": f}


def klif_multistep(x: torch.Tensor, state: Optional[Mapping] = None, *, record: bool = False, **params):
    """Reference multi-step KLIF loop: ``(spikes, final state, records {"H", "F", "V"} if record)``."""
    return run_steps(klif_step, x, state, ("H", "F", "V") if record else (), **params)


class KLIF(Neuron):
    """KLIF neuron (equations and defaults in the module docstring).

    Parameters: ``tau`` (> 1, default 2), ``v_threshold``, ``k_init`` (> 0, default 1.0), ``scale_reset``,
    ``reset`` ("hard" default | "soft"), ``v_reset`` (0.0), ``decay_input`` (True), ``detach_reset``,
    ``surrogate`` ("sigmoid"), ``width`` (γ; None = 1.0, i.e. α = 4), ``backend``. ``k`` is an
    ``nn.Parameter`` scalar. ``record=True`` returns "H", "F" and "V".
    """

    kind = "klif"
    state_keys = ("V",)
    record_keys = ("H", "F", "V")
    step_fn = staticmethod(klif_step)

    def __init__(self, tau: float = 2.0, v_threshold: float = 1.0, k_init: float = 1.0, scale_reset: bool = False,
                 reset: Optional[str] = None, v_reset: Optional[float] = None, decay_input: bool = True,
                 detach_reset: bool = False, surrogate="sigmoid", width: Optional[float] = None,
                 backend: str = "auto"):
        super().__init__(tau=tau, v_threshold=v_threshold, surrogate=surrogate, width=width,
                         detach_reset=detach_reset, backend=backend, default_width=1.0)
        self.k = nn.Parameter(torch.tensor(check_positive(k_init, "k_init")))
        self.scale_reset = bool(scale_reset)
        self.v_reset = check_reset(reset, v_reset, default="hard")
        self.decay_input = bool(decay_input)

    def step_params(self) -> dict:
        return dict(k=self.k, tau=self.tau, v_threshold=self.v_threshold, v_reset=self.v_reset,
                    decay_input=self.decay_input, detach_reset=self.detach_reset, scale_reset=self.scale_reset,
                    surrogate=self.surrogate)

    def describe(self) -> dict:
        d = super().describe()
        d.update(k=float(self.k.detach()), scale_reset=self.scale_reset)
        return d
