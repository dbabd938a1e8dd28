"""Shared pieces of every neuron: parameter checks, the LIF charge and reset, the multi-step reference loop and
the ``Neuron`` module base class (state handling, input checks, the fast-path hook into ``snnlab.kernels``).

Notation (``shared/papers/README.md``): X input current, H pre-reset potential, S spike, V post-reset potential
(the carried state), τ time constant, λ = 1 − 1/τ, V_th threshold, V_reset hard-reset value (None = soft reset),
g the surrogate derivative, γ its width. Time is axis 0: ``x`` is ``[T, B, ...]``.
"""
from __future__ import annotations

import abc
import math
from typing import Any, Callable, Mapping, Optional

import torch
from torch import nn

from snnlab import surrogate as _surrogate

BACKENDS = ("auto", "reference", "cpu", "triton")
State = dict  # name -> Tensor | None (None = the neuron's initial value, e.g. 0 or V_reset)


# --------------------------------------------------------------------------------------------------------------
# Parameter checks (raise early, name the parameter, the valid range and the fix).
# --------------------------------------------------------------------------------------------------------------
def check_tau(tau: Any, name: str = "tau") -> float:
    """τ must be a finite float > 1 so that λ = 1 − 1/τ lies in (0, 1)."""
    try:
        value = float(tau)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a float > 1 (λ = 1 − 1/τ in (0, 1)), got {tau!r}") from None
    if not math.isfinite(value) or value <= 1.0:
        raise ValueError(
            f"{name} must be > 1 so that the decay λ = 1 − 1/{name} lies in (0, 1); got {name}={tau!r}. "
            f"The papers use {name}=2.0 (CLIF, KLIF, PLIF) or 1.1 (ILIF)."
        )
    return value


def check_positive(value: Any, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a positive finite number, got {value!r}") from None
    if not math.isfinite(out) or out <= 0:
        raise ValueError(f"{name} must be a positive finite number (> 0), got {value!r}")
    return out


def check_finite(value: Any, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a finite number, got {value!r}") from None
    if not math.isfinite(out):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return out


def check_reset(reset: Optional[str], v_reset: Optional[float], default: str = "soft") -> Optional[float]:
    """Resolve the reset mode to the stored ``v_reset`` (None = soft reset).

    ``reset`` is "soft" (``V = H − V_th·S``), "hard" (``V = H·(1 − S) + V_reset·S``, V_reset default 0.0) or None:
    "hard" when ``v_reset`` is given (SpikingJelly's convention), else the neuron's paper default ``default``.
    """
    if reset is None:
        reset = "hard" if v_reset is not None else default
    if reset == "soft":
        if v_reset is not None:
            raise ValueError(f"v_reset={v_reset!r} conflicts with reset='soft' (a soft reset subtracts V_th and has "
                             "no reset value); pass reset='hard' to use v_reset, or v_reset=None")
        return None
    if reset == "hard":
        return 0.0 if v_reset is None else check_finite(v_reset, "v_reset")
    raise ValueError(f"reset must be 'soft' (V = H − V_th·S) or 'hard' (V = H·(1 − S) + V_reset·S), got {reset!r}")


def check_backend(backend: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}")
    return backend


def resolve_surrogate(surrogate: Any, width: Optional[float], default_width: float) -> _surrogate.Surrogate:
    """``surrogate`` is a name, a ``Surrogate`` or a ``config()`` dict; ``width`` (γ) applies to a name."""
    if isinstance(surrogate, _surrogate.Surrogate):
        if width is not None and float(width) != surrogate.width:
            raise ValueError(
                f"width={width!r} conflicts with the surrogate object {surrogate!r}; pass either a surrogate "
                "name with width=..., or a Surrogate object with width=None"
            )
        return surrogate
    if isinstance(surrogate, Mapping):
        if width is not None:
            raise ValueError("width must be None when surrogate is a config dict (the dict holds the width)")
        return _surrogate.build(surrogate)
    if isinstance(surrogate, str):
        return _surrogate.build(surrogate, default_width if width is None else width)
    raise TypeError(
        f"surrogate must be a name ({', '.join(_surrogate.SURROGATE_NAMES)}), a snnlab.surrogate.Surrogate or "
        f"its config dict; got {type(surrogate).__name__}"
    )


def check_input(x: Any, kind: str) -> None:
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{kind}: input x must be a torch.Tensor of shape [T, B, ...], got {type(x).__name__}")
    if x.ndim < 2:
        raise ValueError(
            f"{kind}: input x must have a time axis first, shape [T, B, ...] (ndim >= 2); got shape "
            f"{tuple(x.shape)}. For one step use x.unsqueeze(0)."
        )
    if not x.is_floating_point():
        raise TypeError(f"{kind}: input x must be a floating tensor (e.g. float32), got dtype {x.dtype}; "
                        "convert with x.float()")
    if x.shape[0] == 0:
        raise ValueError(f"{kind}: input x has T = 0 time steps (shape {tuple(x.shape)}); a neuron runs at least "
                         "one step: pass x of shape [T, B, ...] with T >= 1")


# --------------------------------------------------------------------------------------------------------------
# LIF building blocks shared by LIF, PLIF, KLIF, CLIF and ILIF.
# --------------------------------------------------------------------------------------------------------------
def initial(v: Optional[torch.Tensor], like: torch.Tensor, value: float = 0.0) -> torch.Tensor:
    """The carried state, or its initial value (a tensor filled with ``value``) when it is None."""
    if v is None:
        return torch.full_like(like, value)
    return v


def charge(v: torch.Tensor, x: torch.Tensor, tau, decay_input: bool, v_reset: Optional[float]) -> torch.Tensor:
    """LIF charge (SpikingJelly ``LIFNode``; CLIF Eq. 1 for decay_input=False and soft reset).

    decay_input=False: ``H = V − (V − V_reset)/τ + X`` = ``λ·V + X`` for soft reset (V_reset taken as 0).
    decay_input=True:  ``H = V + (X − (V − V_reset))/τ``.
    ``tau`` is a float or a tensor (PLIF).
    """
    vr = 0.0 if v_reset is None else v_reset
    if decay_input:
        if vr == 0.0:
            return v + (x - v) / tau
        return v + (x - (v - vr)) / tau
    if vr == 0.0:
        return v - v / tau + x
    return v - (v - vr) / tau + x


def fire(h: torch.Tensor, v_threshold, surrogate: _surrogate.Surrogate) -> torch.Tensor:
    """``S = Θ(H − V_th)`` forward, ``g(H − V_th)`` backward."""
    return surrogate.spike(h - v_threshold)


def reset_potential(h: torch.Tensor, s: torch.Tensor, v_threshold, v_reset: Optional[float],
                    detach_reset: bool) -> torch.Tensor:
    """Soft ``V = H − V_th·S`` or hard ``V = H·(1 − S) + V_reset·S``; the spike is detached inside the reset
    only when ``detach_reset`` (the firing path keeps its surrogate gradient)."""
    if detach_reset:
        s = s.detach()
    if v_reset is None:
        return h - v_threshold * s
    return h * (1.0 - s) + v_reset * s


# --------------------------------------------------------------------------------------------------------------
# Multi-step reference loop.
# --------------------------------------------------------------------------------------------------------------
StepFn = Callable[..., "tuple[torch.Tensor, State, dict]"]


def run_steps(step: StepFn, x: torch.Tensor, state: Optional[Mapping], record_keys=(),
              **params) -> "tuple[torch.Tensor, State, dict]":
    """Loop ``step`` over axis 0 of ``x``: returns ``(spikes [T, ...], final state, records)``.

    ``records`` maps each name in ``record_keys`` to a ``[T, ...]`` stack of that variable, looked up first in the
    step's ``extras`` and then in its new state.
    """
    state = dict(state) if state is not None else {}
    spikes = []
    recs: dict = {k: [] for k in record_keys}
    for i in range(x.shape[0]):
        s, state, extras = step(x[i], state, **params)
        spikes.append(s)
        for k in record_keys:
            recs[k].append(extras[k] if k in extras else state[k])
    out = torch.stack(spikes)
    return out, state, {k: torch.stack(v) for k, v in recs.items()}


# --------------------------------------------------------------------------------------------------------------
# A carried state whose graph a backward has already freed: say "reset()" instead of PyTorch's retain_graph advice.
# --------------------------------------------------------------------------------------------------------------
_FREED = "backward through the graph a second time"


def _graph_freed(nodes, limit: int = 64) -> bool:
    """True when one of the first ``limit`` nodes behind ``nodes`` (breadth first) had its saved tensors freed by
    a backward (PyTorch raises on access then). Every step's spike (``_SurrogateSpike``) and every kernel call is a
    custom Function node with saved tensors on each backward path, so a freed earlier forward shows within a few
    nodes; builtin nodes are probed through their common saved inputs too."""
    seen, queue = set(), list(nodes)
    while queue and len(seen) < limit:
        nd = queue.pop(0)
        if nd is None or id(nd) in seen:
            continue
        seen.add(id(nd))
        for name in ("saved_tensors", "_saved_self", "_saved_other", "_saved_result"):
            try:
                getattr(nd, name, None)
            except RuntimeError as exc:
                if _FREED in str(exc):
                    return True
        queue.extend(nxt for nxt, _ in getattr(nd, "next_functions", ()))
    return False


def _compiling() -> bool:
    fn = getattr(getattr(torch, "compiler", None), "is_compiling", None)
    return bool(fn()) if fn is not None else False


def _guard_carried_state(kind: str, state: dict) -> dict:
    """The carried state, each tensor with a graph passed through an alias whose gradient hook checks, when a
    backward reaches it (before it goes on into the earlier forward), that the graph it continues still exists.
    A state kept from a batch whose backward has already run (no ``reset()`` in between) otherwise ends in
    PyTorch's "Trying to backward through the graph a second time ... retain_graph=True" advice, which is the
    wrong fix here. One check per forward call (the first hook that fires walks from every carried tensor)."""
    if not torch.is_grad_enabled() or _compiling():
        return state
    graphs = {k: v for k, v in state.items() if isinstance(v, torch.Tensor) and v.grad_fn is not None}
    if not graphs:
        return state
    producers = [v.grad_fn for v in graphs.values()]
    checked = []

    def check(grad):
        if not checked:
            checked.append(True)
            if _graph_freed(producers):
                raise RuntimeError(
                    f"{kind}: this backward continues through the neuron's carried state ({', '.join(graphs)}) "
                    "from an earlier forward whose graph a backward has already freed: the neuron was not reset "
                    "between batches. Call neuron.reset() (or snnlab.models.reset_net(model)) before each new "
                    "batch; to continue a sequence without backpropagating into the previous chunk, pass the "
                    "state on detached: neuron.set_state({k: v.detach() for k, v in neuron.get_state().items()}).")
        return grad

    out = dict(state)
    for key, v in graphs.items():
        alias = v.view_as(v)
        alias.register_hook(check)
        out[key] = alias
    return out


# --------------------------------------------------------------------------------------------------------------
# Module base class.
# --------------------------------------------------------------------------------------------------------------
class Neuron(nn.Module, metaclass=abc.ABCMeta):
    """Base of every snnlab neuron module.

    Subclasses set ``kind``, ``state_keys`` (carried state), ``record_keys`` (what ``record=True`` returns),
    ``step_fn`` (the pure step function) and implement ``step_params()`` (the keyword arguments of ``step_fn``).

    ``forward(x, record=False)``: ``x`` is ``[T, B, ...]`` floating; returns spikes ``[T, B, ...]`` or, with
    ``record=True``, ``(spikes, states)`` with ``states[name]`` ``[T, B, ...]`` for every name in ``record_keys``.
    The state after the call is kept, with its autograd graph, so a second call continues the same sequence
    (T = 1 calls one after another equal one multi-step call, forward and backward); ``reset()`` drops it.
    When ``backend != "reference"`` the fused kernels are tried first (``snnlab.kernels.dispatch``); they return
    None when no fast path applies and the reference loop runs. With ``record=True`` the fused kernels write the
    states too, but only when no gradient is needed (grad mode off, or nothing requires grad): the recorded states
    of the reference loop are differentiable, the kernels' are not.

    Misuse gives clear errors: ``x`` with T = 0 steps is a ValueError; a backward that reaches a state carried
    over from a batch whose backward already ran (no ``reset()`` between batches) raises a RuntimeError saying to
    call ``reset()`` / ``snnlab.models.reset_net(model)``; ``torch.jit.script`` refuses with a TypeError (the
    forward is Python: state dicts, surrogate objects, ctypes/Triton kernels), so run neurons eagerly or under
    ``torch.compile``.
    """

    kind: str = ""
    state_keys: tuple = ("V",)
    record_keys: tuple = ("H", "V")

    def __init__(self, *, tau: float, v_threshold: float, surrogate, width: Optional[float], detach_reset: bool,
                 backend: str, default_width: float = 1.0, plain_params: bool = True):
        super().__init__()
        if plain_params:  # subclasses with learnable tau / v_threshold (PLIF, GLIF) set their own
            self.tau = check_tau(tau)
            self.v_threshold = check_positive(v_threshold, "v_threshold")
        self.surrogate = resolve_surrogate(surrogate, width, default_width)
        if not isinstance(detach_reset, bool):
            raise TypeError(f"detach_reset must be a bool, got {detach_reset!r}")
        self.detach_reset = detach_reset
        self.backend = check_backend(backend)
        self._state: Optional[State] = None

    # --- to be provided by subclasses (abstract: a subclass without them cannot be instantiated) -----------
    @staticmethod
    @abc.abstractmethod
    def step_fn(x_t, state, **params):
        """The pure step ``(S[t], new_state, extras)``; subclasses assign ``staticmethod(<name>_step)``."""

    @abc.abstractmethod
    def step_params(self) -> dict:
        """The keyword arguments of ``step_fn`` for this module's parameters."""

    # --- state -------------------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the carried state (the next forward starts from the initial state)."""
        self._state = None

    def get_state(self) -> Optional[State]:
        """The carried state as ``{name: Tensor}`` (with its graph), or None after ``reset()``."""
        return None if self._state is None else dict(self._state)

    def set_state(self, state: Optional[Mapping]) -> None:
        """Restart from ``state`` (e.g. a recorded, detached state for truncated BPTT); None = ``reset()``."""
        if state is None:
            self._state = None
            return
        if not isinstance(state, Mapping):
            raise TypeError(f"{self.kind}: set_state expects a dict {{name: Tensor | None}}, got {type(state).__name__}")
        unknown = set(state) - set(self.state_keys)
        if unknown:
            raise ValueError(f"{self.kind}: set_state got unknown keys {sorted(unknown)}; "
                             f"expected a subset of {list(self.state_keys)}")
        for k, v in state.items():
            if v is not None and not isinstance(v, torch.Tensor):
                raise TypeError(f"{self.kind}: state[{k!r}] must be a Tensor or None, got {type(v).__name__}")
        self._state = {k: state.get(k) for k in self.state_keys}

    def _current_state(self, x: torch.Tensor) -> State:
        if self._state is None:
            return {k: None for k in self.state_keys}
        shape = tuple(x.shape[1:])
        for k, v in self._state.items():
            if isinstance(v, torch.Tensor) and v.ndim > 0 and tuple(v.shape) != shape:
                raise ValueError(
                    f"{self.kind}: input x has per-step shape {shape} but the neuron carries state {k!r} of shape "
                    f"{tuple(v.shape)} from a previous call; call reset() before feeding a new batch shape"
                )
        return dict(self._state)

    # --- forward -----------------------------------------------------------------------------------------------
    def forward(self, x: torch.Tensor, record: bool = False):
        check_input(x, self.kind)
        state = _guard_carried_state(self.kind, self._current_state(x))
        if self.backend != "reference" and (not record or not self._needs_grad(x, state)):
            from snnlab import kernels

            out = kernels.dispatch(self, x, state, record)
            if out is not None:
                self._state = {k: out[1].get(k) for k in self.state_keys}
                return (out[0], out[2]) if record else out[0]
        spikes, new_state, recs = self.run_reference(x, state, self.record_keys if record else ())
        self._state = {k: new_state.get(k) for k in self.state_keys}
        return (spikes, recs) if record else spikes

    def _needs_grad(self, x: torch.Tensor, state: State) -> bool:
        """True when autograd would record this call (grad mode on and x, a state or a parameter requires grad):
        then ``record=True`` runs the reference loop, whose recorded states are differentiable; otherwise the
        fused kernels write the records (not differentiable, and nothing needs them to be)."""
        if not torch.is_grad_enabled():
            return False
        return (x.requires_grad or any(isinstance(v, torch.Tensor) and v.requires_grad for v in state.values())
                or any(p.requires_grad for p in self.parameters(recurse=False)))

    def run_reference(self, x: torch.Tensor, state: Optional[Mapping], record_keys=()):
        """The multi-step reference loop on ``x`` from ``state`` (does not touch the stored state)."""
        return run_steps(self.step_fn, x, state, record_keys, **self.step_params())

    def __prepare_scriptable__(self):
        # torch.jit.script calls this on every module it compiles: refuse with the reason instead of a TorchScript
        # error deep in the step function
        raise TypeError(
            f"{self.kind}: snnlab neurons cannot be compiled with torch.jit.script (the forward is Python: a state "
            "dict, surrogate objects, and ctypes/Triton kernels that TorchScript cannot call). Run the module "
            "eagerly, or use torch.compile.")

    def __getstate__(self):
        # pickle / deepcopy: keep the carried state but without its autograd graph (non-leaf tensors cannot be
        # deep-copied)
        d = self.__dict__.copy()
        if d.get("_state") is not None:
            d["_state"] = {k: (v.detach() if isinstance(v, torch.Tensor) else v) for k, v in d["_state"].items()}
        return d

    def extra_repr(self) -> str:
        parts = []
        for key, value in self.describe().items():
            if key == "surrogate":
                value = self.surrogate
            parts.append(f"{key}={value!r}" if not isinstance(value, float) else f"{key}={value:g}")
        return ", ".join(parts)

    def describe(self) -> dict:
        """The neuron's settings as a plain dict (for ``extra_repr`` and run records)."""
        tau = self.tau
        if isinstance(tau, torch.Tensor):
            tau = float(tau.detach())
        return {"tau": tau, "v_threshold": self.v_threshold, "v_reset": getattr(self, "v_reset", None),
                "decay_input": getattr(self, "decay_input", False), "detach_reset": self.detach_reset,
                "surrogate": self.surrogate.config(), "backend": self.backend}
