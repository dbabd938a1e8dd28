"""Monitors: firing rates, surrogate-window occupancy and gradient norms, as hooks attached only inside a
``with`` block (nothing is registered, so nothing costs anything, when a monitor is off).

* ``FiringRateMonitor(model)``: mean spike output of every neuron layer, overall and per time step,
  accumulated over all batches seen inside the block: ``rate_l = Σ S / (#neurons · T · #samples)``.
* ``SurrogateWindowMonitor(model)``: fraction of pre-reset potentials inside the surrogate's support,
  ``|H − V_th| ≤ γ/2`` (γ = the neuron's surrogate width; for smooth surrogates the equivalent width), per layer and
  per step. It runs the neurons with ``record=True`` (the reference loop) while active.
* ``GradientMonitor(model)``: after ``backward``, ``param_grad_norms()`` gives the L2 norm of the gradient of each
  module's parameters, and ``step_grad_norms()`` the L2 norm of ∂L/∂S[t] (the gradient reaching each neuron
  layer's spike output) per layer and per time step.
* ``neuron_parameters(model)``: the learnable scalars of every neuron layer (KLIF's ``k``, PLIF's ``w`` and its
  τ = 1/σ(w)) as plain floats; the trainer records them in every epoch's metrics row (``neuron_parameters``: one
  ``{"layer": name, ...}`` record per layer, in network order), so
  that a parameter's trajectory over epochs is read from the run, without hooks.

Layer names are the modules' qualified names (``layer1.0.neuron1``); ``snnlab.models.neuron_layers`` orders them.
"""
from __future__ import annotations

import abc
from collections import OrderedDict
from typing import Dict, List

import torch
from torch import nn

from snnlab.models.layers import neuron_layers

__all__ = ["FiringRateMonitor", "SurrogateWindowMonitor", "GradientMonitor", "param_grad_norms", "neuron_parameters"]


class _Monitor(abc.ABC):
    def __init__(self, model: nn.Module):
        self.model = model
        self.layers = neuron_layers(model)
        if not self.layers:
            raise ValueError(f"{type(self).__name__}: the model has no neuron layers to monitor")
        self._handles: list = []

    def __enter__(self):
        self.attach()
        return self

    def __exit__(self, *exc):
        self.detach()
        return False

    @abc.abstractmethod
    def attach(self):
        """Register this monitor's hooks in ``self._handles``."""

    def detach(self):
        for h in self._handles:
            h.remove()
        self._handles = []


class FiringRateMonitor(_Monitor):
    def __init__(self, model: nn.Module):
        super().__init__(model)
        self.reset()

    def reset(self) -> None:
        self._acc: Dict[str, _Acc] = {}

    def attach(self):
        for name, m in self.layers:
            self._handles.append(m.register_forward_hook(self._hook(name)))
        return self

    def _hook(self, name: str):
        def fn(module, inputs, output):
            s = output[0] if isinstance(output, tuple) else output
            with torch.no_grad():
                per_step = s.detach().float().reshape(s.shape[0], -1)
                self._acc.setdefault(name, _Acc()).add(per_step.sum(1).double().cpu(), per_step.shape[1])
        return fn

    def rates(self) -> "OrderedDict[str, float]":
        """Mean firing rate of each layer over everything seen (spikes per neuron per step)."""
        return OrderedDict((n, self._acc[n].mean()) for n, _ in self.layers if n in self._acc)

    def rates_per_step(self) -> "OrderedDict[str, List[float]]":
        """Per-step rates (only when every call had the same T; else empty lists)."""
        return OrderedDict((n, self._acc[n].per_step()) for n, _ in self.layers if n in self._acc)

    def mean_rate(self) -> float:
        r = self.rates()
        return sum(r.values()) / len(r) if r else float("nan")


class _Acc:
    """Running sums of a per-step quantity: totals plus per-step sums while T stays the same."""

    def __init__(self):
        self.total = 0.0
        self.count = 0.0
        self.steps = None  # [T] sums, None after a T mismatch
        self.step_count = None
        self.consistent = True

    def add(self, per_step_sum: torch.Tensor, n_per_step: int) -> None:
        self.total += float(per_step_sum.sum())
        self.count += float(n_per_step * per_step_sum.shape[0])
        if not self.consistent:
            return
        if self.steps is None:
            self.steps = per_step_sum.clone()
            self.step_count = torch.full_like(per_step_sum, float(n_per_step))
        elif self.steps.shape == per_step_sum.shape:
            self.steps += per_step_sum
            self.step_count += n_per_step
        else:
            self.consistent, self.steps, self.step_count = False, None, None

    def mean(self) -> float:
        return self.total / self.count if self.count else float("nan")

    def per_step(self) -> List[float]:
        return (self.steps / self.step_count).tolist() if self.consistent and self.steps is not None else []


class SurrogateWindowMonitor(_Monitor):
    """Fraction of H inside the surrogate support ``|H − V_th| ≤ γ/2`` per layer and step (see module doc)."""

    def __init__(self, model: nn.Module):
        super().__init__(model)
        self._acc: Dict[str, _Acc] = {}
        self._saved: list = []

    def attach(self):
        for name, m in self.layers:
            if not hasattr(m, "surrogate"):
                continue  # ReLU "neuron" has no threshold/surrogate
            original = m.forward

            def wrapped(x, record=False, _m=m, _orig=original, _name=name):
                spikes, states = _orig(x, record=True)
                self._account(_name, _m, states["H"])
                return (spikes, states) if record else spikes

            self._saved.append((m, "forward" in m.__dict__, m.__dict__.get("forward")))
            m.forward = wrapped
        return self

    def detach(self):
        for m, had, old in self._saved:
            if had:
                m.forward = old
            else:
                del m.forward
        self._saved = []
        super().detach()

    def _account(self, name, m, h):
        with torch.no_grad():
            vth = m.v_threshold
            if isinstance(vth, torch.Tensor):
                vth = vth.detach()
            half = 0.5 * float(m.surrogate.width)
            inside = ((h.detach() - vth).abs() <= half).float().reshape(h.shape[0], -1)
            self._acc.setdefault(name, _Acc()).add(inside.sum(1).double().cpu(), inside.shape[1])

    def occupancy(self) -> "OrderedDict[str, float]":
        return OrderedDict((n, self._acc[n].mean()) for n, _ in self.layers if n in self._acc)

    def occupancy_per_step(self) -> "OrderedDict[str, List[float]]":
        return OrderedDict((n, self._acc[n].per_step()) for n, _ in self.layers if n in self._acc)


def neuron_parameters(model: nn.Module) -> "OrderedDict[str, Dict[str, float]]":
    """The learnable scalar parameters of each neuron layer, ``{layer name: {parameter: value}}``, in
    ``neuron_layers`` order: every one-element ``nn.Parameter`` the neuron module owns (KLIF ``k``, PLIF ``w``)
    plus, for a learnable membrane time constant, ``tau`` (PLIF's 1/σ(w)). Layers without one are left out;
    tensors with more than one element (per-channel parameters) are not scalars and are skipped."""
    out: "OrderedDict[str, Dict[str, float]]" = OrderedDict()
    for name, m in neuron_layers(model):
        vals = {p_name: float(p.detach().reshape(())) for p_name, p in m.named_parameters(recurse=False)
                if p.numel() == 1}
        tau = getattr(m, "tau", None)  # PLIF: a tensor computed from its parameter (requires grad outside no_grad)
        if isinstance(tau, torch.Tensor) and tau.numel() == 1 and tau.requires_grad and "tau" not in vals:
            vals["tau"] = float(tau.detach().reshape(()))
        if vals:
            out[name] = vals
    return out


def param_grad_norms(model: nn.Module) -> "OrderedDict[str, float]":
    """L2 norm of the gradient of each module's own parameters (modules with at least one grad)."""
    out: "OrderedDict[str, float]" = OrderedDict()
    for name, mod in model.named_modules():
        grads = [p.grad.detach().float().reshape(-1) for p in mod.parameters(recurse=False) if p.grad is not None]
        if grads:
            out[name or "<root>"] = float(torch.cat(grads).norm())
    return out


class GradientMonitor(_Monitor):
    """Per-layer parameter gradient norms and per-step norms of ∂L/∂S[t] at each neuron layer's output."""

    def __init__(self, model: nn.Module):
        super().__init__(model)
        self._step: Dict[str, torch.Tensor] = {}

    def attach(self):
        for name, m in self.layers:
            self._handles.append(m.register_forward_hook(self._hook(name)))
        return self

    def _hook(self, name):
        def fn(module, inputs, output):
            s = output[0] if isinstance(output, tuple) else output
            if not s.requires_grad:
                return

            def grad_hook(g, _name=name):
                sq = g.detach().double().reshape(g.shape[0], -1).pow(2).sum(1).cpu()
                if _name in self._step and self._step[_name].shape == sq.shape:
                    self._step[_name] = self._step[_name] + sq
                else:
                    self._step[_name] = sq

            s.register_hook(grad_hook)
        return fn

    def step_grad_norms(self) -> "OrderedDict[str, List[float]]":
        return OrderedDict((n, self._step[n].sqrt().tolist()) for n, _ in self.layers if n in self._step)

    def param_grad_norms(self) -> "OrderedDict[str, float]":
        return param_grad_norms(self.model)

    def clear(self) -> None:
        self._step = {}
