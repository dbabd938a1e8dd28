"""GLIF: gated LIF (Yao et al., NeurIPS 2022), as specified in clif.md §1.6 from SpikingJelly ``GatedLIFNode``.

The CLIF paper compares against GLIF (Fig. 4) but its authors' version was not released; this follows
SpikingJelly's ``GatedLIFNode`` / ``gated_lif_step``. Every learnable quantity passes through a sigmoid. Per step
t (with H[0] = 0, S[0] = 0; the gates α_G, β_G, γ_G are unrelated to snnlab's α and γ)::

    I[t]  = X[t]·(1 − β_G·(1 − G_c[t]))                               (G_c[t]: conductance of step t)
    D     = 1 − α_G·(1 − τ_G)                                          (exponential decay, gated)
    H[t]  = D·H[t−1] − (1 − α_G)·ℓ + I[t]                              (ℓ: linear decay, gated)
            − γ_G·D·H[t−1]·S[t−1] − (1 − γ_G)·V_sub·S[t−1]            (reset of step t−1: hard/soft mix)
    S[t]  = Θ(H[t] − V_th)                                             (surrogate g(H − V_th) in backward)

The potential compared with the threshold is H; the reset caused by S[t] is applied inside the charge of
step t+1 [inferred, clif.md §1.6]. So the carried state is ``{"V": H[t], "S": S[t], "t": step index}`` and, for
GLIF, the recorded ``V`` equals ``H`` (there is no separate post-reset potential).

Parameters, all learnable (raw logits ``w_*``; the properties return the sigmoid values), one scalar per layer,
or one per channel (axis 1 of each step's ``[B, C, ...]``) with ``channels=C`` (SpikingJelly ``inplane``):

* gates α_G, β_G, γ_G: init σ(U(−0.1, 0.1)) (drawn from torch's RNG);
* τ_G: a decay *factor* (GLIF's τ), which is snnlab's λ, so ``tau`` here is the time constant with
  ``τ_G = 1 − 1/tau``; default ``tau = 4/3`` gives the GLIF/SpikingJelly init τ_G = 0.25. The ``tau`` attribute is
  the tensor ``1/(1 − τ_G)``;
* ``v_threshold``: init 0.5 (must lie in (0, 1)); the attribute is the tensor σ(w_threshold);
* ℓ: init ``V_th/(2T)``; V_sub: init V_th (``linear_decay``, ``v_subreset`` override; both in (0, 1));
* G_c[t]: one per time step, init 0.5, so GLIF needs the number of steps ``T`` and runs at most T steps
  between resets.

Surrogate: SpikingJelly's default ``Sigmoid(alpha=4)`` (``surrogate="sigmoid"``, γ = 1); the CLIF authors' choice
is not known. ``detach_reset=True`` detaches S[t−1] in the reset terms (SpikingJelly does not). ``v_reset`` is
None (GLIF's reset is a learned mix of hard and soft), ``decay_input`` is False.
"""
from __future__ import annotations

import math
from typing import Mapping, Optional

import torch
from torch import nn

from snnlab.neurons.base import Neuron, check_tau
from snnlab.surrogate import Surrogate

__all__ = ["GLIF", "glif_step", "glif_multistep"]


def glif_step(x_t: torch.Tensor, state: Mapping, *, alpha, beta, gamma, decay, linear_decay, v_subreset,
              v_threshold, conduct, detach_reset: bool, surrogate: Surrogate):
    """One GLIF step (module docstring) with sigmoid-transformed, broadcastable parameters (``decay`` = τ_G,
    ``conduct`` = G_c[t] of this step). ``state = {"V": H[t−1], "S": S[t−1]}`` (None = 0).

    Returns ``(S[t], {"V": H[t], "S": S[t]}, {"H": H[t]})``.
    """
    v = state.get("V")
    s_prev = state.get("S")
    i_t = x_t * (1.0 - beta * (1.0 - conduct))
    d = 1.0 - alpha * (1.0 - decay)
    if v is None:
        h = i_t - (1.0 - alpha) * linear_decay
    else:
        h = (d * v - (1.0 - alpha) * linear_decay) + i_t
        if s_prev is not None:
            sp = s_prev.detach() if detach_reset else s_prev
            h = h - d * v * gamma * sp - (1.0 - gamma) * v_subreset * sp
    s = surrogate.spike(h - v_threshold)
    return s, {"V": h, "S": s}, {"H": h}


def glif_multistep(x: torch.Tensor, state: Optional[Mapping] = None, *, conduct: torch.Tensor, t0: int = 0,
                   record: bool = False, **params):
    """Reference multi-step GLIF loop; ``conduct`` is the ``[T_total, ...]`` sigmoid conductance table, the steps
    use rows ``t0, t0 + 1, ...``. Returns ``(spikes, final state, records {"H", "V"} if record)``."""
    state = dict(state) if state is not None else {}
    spikes, hs = [], []
    for i in range(x.shape[0]):
        s, state, extras = glif_step(x[i], state, conduct=conduct[t0 + i], **params)
        spikes.append(s)
        if record:
            hs.append(extras["H"])
    recs = {}
    if record:
        h = torch.stack(hs)
        recs = {"H": h, "V": h}
    return torch.stack(spikes), state, recs


def _logit(p: float, name: str) -> float:
    if not (0.0 < p < 1.0):
        raise ValueError(f"{name} must lie in (0, 1) (GLIF stores it through a sigmoid), got {p!r}")
    return -math.log(1.0 / p - 1.0)


class GLIF(Neuron):
    """Gated LIF neuron (equations, parameters and choices in the module docstring).

    Parameters: ``T`` (required: number of time steps), ``tau`` (> 1; init τ_G = 1 − 1/tau, default 4/3),
    ``v_threshold`` (init, in (0, 1), default 0.5), ``channels`` (None = one value per layer), ``linear_decay``
    (init ℓ, default V_th/(2T)), ``v_subreset`` (init V_sub, default V_th), ``conduct`` (init G_c, default 0.5),
    ``detach_reset``, ``surrogate`` ("sigmoid"), ``width`` (γ; None = 1.0), ``backend``.
    """

    kind = "glif"
    state_keys = ("V", "S", "t")
    record_keys = ("H", "V")
    step_fn = staticmethod(glif_step)  # run by glif_multistep, which also feeds the per-step conductance

    def __init__(self, T: Optional[int] = None, tau: float = 4.0 / 3.0, v_threshold: float = 0.5,
                 channels: Optional[int] = None, linear_decay: Optional[float] = None,
                 v_subreset: Optional[float] = None, conduct: float = 0.5, detach_reset: bool = False,
                 surrogate="sigmoid", width: Optional[float] = None, backend: str = "auto"):
        super().__init__(tau=tau, v_threshold=v_threshold, surrogate=surrogate, width=width,
                         detach_reset=detach_reset, backend=backend, default_width=1.0, plain_params=False)
        if T is None or isinstance(T, bool) or not isinstance(T, int) or T < 1:
            raise ValueError(f"T must be a positive int: GLIF has one conductance G_c[t] per time step and "
                             f"initialises its linear decay to V_th/(2T); got T={T!r}. Pass T=<number of steps>.")
        if channels is not None and (isinstance(channels, bool) or not isinstance(channels, int) or channels < 1):
            raise ValueError(f"channels must be None (one value per layer) or a positive int, got {channels!r}")
        self.T = T
        self.channels = channels
        init_tau = check_tau(tau)
        shape = () if channels is None else (channels,)
        vth = float(v_threshold)
        self.w_alpha = nn.Parameter(torch.empty(shape).uniform_(-0.1, 0.1))
        self.w_beta = nn.Parameter(torch.empty(shape).uniform_(-0.1, 0.1))
        self.w_gamma = nn.Parameter(torch.empty(shape).uniform_(-0.1, 0.1))
        self.w_tau = nn.Parameter(torch.full(shape, _logit(1.0 - 1.0 / init_tau, "1 − 1/tau")))
        self.w_threshold = nn.Parameter(torch.full(shape, _logit(vth, "v_threshold")))
        ld = vth / (2 * T) if linear_decay is None else float(linear_decay)
        self.w_leak = nn.Parameter(torch.full(shape, _logit(ld, "linear_decay")))
        vs = vth if v_subreset is None else float(v_subreset)
        self.w_subreset = nn.Parameter(torch.full(shape, _logit(vs, "v_subreset")))
        self.w_conduct = nn.Parameter(torch.full((T, *shape), _logit(float(conduct), "conduct")))
        self.init_tau = init_tau
        self.v_reset = None
        self.decay_input = False

    # --- learnable quantities as tensors -------------------------------------------------------------------
    @property
    def tau(self) -> torch.Tensor:
        """snnlab time constant ``1/(1 − τ_G)`` (τ_G = σ(w_tau) is GLIF's decay factor)."""
        return 1.0 / (1.0 - torch.sigmoid(self.w_tau))

    @property
    def v_threshold(self) -> torch.Tensor:
        return torch.sigmoid(self.w_threshold)

    def _shaped(self, w: torch.Tensor, ndim: int) -> torch.Tensor:
        """σ(w), with a channel axis placed to broadcast over a step of ``ndim`` dims ``[B, C, ...]``."""
        p = torch.sigmoid(w)
        if self.channels is None:
            return p
        return p.reshape(p.shape[:-1] + (self.channels,) + (1,) * (ndim - 2))

    def step_params(self, ndim: int = 2) -> dict:
        return dict(alpha=self._shaped(self.w_alpha, ndim), beta=self._shaped(self.w_beta, ndim),
                    gamma=self._shaped(self.w_gamma, ndim), decay=self._shaped(self.w_tau, ndim),
                    linear_decay=self._shaped(self.w_leak, ndim), v_subreset=self._shaped(self.w_subreset, ndim),
                    v_threshold=self._shaped(self.w_threshold, ndim), detach_reset=self.detach_reset,
                    surrogate=self.surrogate)

    def check_call(self, x: torch.Tensor, t0: int) -> None:
        """Raise ValueError when ``x`` [T, B, ...] cannot run from step ``t0`` (channel axis, steps left); shared
        by the reference loop and the fused kernel (``snnlab.kernels.cpu``)."""
        if self.channels is not None and (x.ndim < 3 or x.shape[2] != self.channels):
            raise ValueError(f"glif: channels={self.channels} expects x of shape [T, B, {self.channels}, ...], "
                             f"got {tuple(x.shape)}")
        if t0 + x.shape[0] > self.T:
            raise ValueError(f"glif: built for T={self.T} time steps (one conductance per step) but this call "
                             f"would run steps {t0}..{t0 + x.shape[0] - 1}; call reset() between sequences")

    def run_reference(self, x: torch.Tensor, state: Optional[Mapping], record_keys=()):
        state = dict(state or {})
        t = state.pop("t", None)
        t0 = 0 if t is None else int(t)
        self.check_call(x, t0)
        conduct = self._shaped(self.w_conduct, x.ndim - 1)  # [T, (C, 1, ...)]
        spikes, new_state, recs = glif_multistep(x, state, conduct=conduct, t0=t0,
                                                 record=bool(record_keys), **self.step_params(x.ndim - 1))
        new_state["t"] = t0 + x.shape[0]
        return spikes, new_state, recs

    # The step counter "t" is kept as a Python int inside the module (a tensor would have to be read back with
    # int() at every call, which torch.compile cannot trace); get_state / set_state exchange it as a 0-dim tensor
    # (the state contract: tensors or None).
    def get_state(self):
        state = super().get_state()
        if state is not None and state.get("t") is not None and not isinstance(state["t"], torch.Tensor):
            state["t"] = torch.tensor(state["t"])
        return state

    def set_state(self, state) -> None:
        super().set_state(state)
        if self._state is not None and isinstance(self._state.get("t"), torch.Tensor):
            self._state["t"] = int(self._state["t"])

    def describe(self) -> dict:
        return {"T": self.T, "channels": self.channels, "init_tau": self.init_tau,
                "detach_reset": self.detach_reset, "surrogate": self.surrogate.config(), "backend": self.backend}
