"""Monitors: firing rates, surrogate-window occupancy and gradient norms, as hooks attached only inside a
``with`` block (nothing is registered, so nothing costs anything, when a monitor is off).

* ``FiringRateMonitor(model)``: mean spike output of every neuron layer, overall and per time step,
  accumulated over all batches seen inside the block: ``rate_l = Σ S / (#neurons · T · #samples)``.
* ``SurrogateWindowMonitor(model)``: fraction of pre-reset potentials inside the surrogate's support,
  ``|H − V_th| ≤ γ/2`` (γ = the neuron's surrogate width; for smooth surrogates the equivalent width), per layer and
  per step. It runs the neurons with ``record=True`` while active (the reference loop when a gradient is needed,
  as in training; the fused kernels' records otherwise, e.g. under ``torch.no_grad()``).
* ``GradientMonitor(model)``: after ``backward``, ``param_grad_norms()`` gives the L2 norm of the gradient of each
  module's parameters, and ``step_grad_norms()`` the L2 norm of ∂L/∂S[t] (the gradient reaching each neuron
  layer's spike output) per layer and per time step.
* ``InputCapture(model)``: the input current X ``[T, B, ...]`` that reaches each neuron layer (detached), for
  re-running a layer's neuron on it (temporal factors, recorded states); ``capture_inputs(model, x)`` does one
  forward pass and returns them.
* ``NeuronParamLog()``: a training callback (``snnlab.experiments.run(config, callbacks=[NeuronParamLog()])``) that
  logs the learnable neuron parameters (KLIF's k, PLIF's τ, GLIF's raw w_* parameters; per layer) after every
  optimiser step into ``<run>/neuron_params.jsonl``; ``read_param_log(run_dir)`` reads it back.
* ``neuron_parameters(model)``: ``neuron_param_values`` of every neuron layer (KLIF's ``k``, PLIF's ``tau``); the
  trainer records them in every epoch's metrics row (``neuron_parameters``: one ``{"layer": name, ...}`` record per
  layer, in network order), so a parameter's trajectory over epochs is read from any run, with or without the
  callback.

Layer names are the modules' qualified names (``layer1.0.neuron1``); ``snnlab.models.neuron_layers`` orders them.
"""
from __future__ import annotations

import abc
from collections import OrderedDict
from typing import Dict, List

import torch
from torch import nn

from snnlab.models.layers import neuron_layers

__all__ = ["FiringRateMonitor", "SurrogateWindowMonitor", "GradientMonitor", "param_grad_norms", "InputCapture",
           "capture_inputs", "NeuronParamLog", "neuron_param_values", "read_param_log", "neuron_parameters"]


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


class InputCapture(_Monitor):
    """The input X ``[T, B, ...]`` of every neuron layer (or of ``layers``, a list of names) seen inside the
    ``with`` block: ``inputs`` maps layer name -> the last input (detached; on the CPU with ``cpu=True``)."""

    def __init__(self, model: nn.Module, layers=None, cpu: bool = False):
        super().__init__(model)
        known = [n for n, _ in self.layers]
        if layers is not None:
            unknown = sorted(set(layers) - set(known))
            if unknown:
                raise ValueError(f"InputCapture: {unknown} are not neuron layers of the model; its layers: {known}")
            self.layers = [(n, m) for n, m in self.layers if n in set(layers)]
        self.cpu = cpu
        self.inputs: "OrderedDict[str, torch.Tensor]" = OrderedDict()

    def attach(self):
        for name, m in self.layers:
            self._handles.append(m.register_forward_pre_hook(self._hook(name)))
        return self

    def _hook(self, name: str):
        def fn(module, args):
            x = args[0].detach()
            self.inputs[name] = x.cpu() if self.cpu else x
        return fn


def capture_inputs(model: nn.Module, x: torch.Tensor, layers=None) -> "OrderedDict[str, torch.Tensor]":
    """One forward pass of ``x`` (``[T, B, ...]``, no gradients, neuron states reset before and after) and the
    input current of every neuron layer, in forward order."""
    from snnlab.models.layers import reset_net

    with InputCapture(model, layers) as cap, torch.no_grad():
        reset_net(model)
        model(x)
    reset_net(model)
    return OrderedDict((n, cap.inputs[n]) for n, _ in cap.layers if n in cap.inputs)


def neuron_param_values(module: nn.Module) -> Dict[str, float]:
    """The learnable parameters of one neuron layer as numbers (a per-channel parameter by its mean): KLIF ``k``,
    PLIF ``tau`` (from its parameter), and every other ``nn.Parameter`` the neuron owns by its name."""
    out: Dict[str, float] = {}
    kind = getattr(module, "kind", "")
    if kind == "plif":
        out["tau"] = float(torch.as_tensor(module.tau).detach().float().mean())
    for name, p in module.named_parameters(recurse=False):
        if kind == "plif" and name == "w":
            continue
        out[name] = float(p.detach().float().mean())
    return out


class NeuronParamLog:
    """Training callback: the learnable parameters of every neuron layer after each optimiser step, appended to
    ``<run>/neuron_params.jsonl`` at the end of every epoch (rows: epoch, step, global_step, layer, name, then one
    key per parameter, e.g. ``k`` for KLIF, ``tau`` for PLIF). Layers without learnable parameters are skipped.
    Resuming a run appends; ``read_param_log`` keeps the last row of each (global_step, layer)."""

    FILE = "neuron_params.jsonl"

    def __init__(self):
        self.rows: list = []

    def __call__(self, event: str, trainer) -> None:
        if event == "step_end":
            for i, (name, m) in enumerate(neuron_layers(trainer.model)):
                values = neuron_param_values(m)
                if values:
                    self.rows.append(dict(epoch=trainer.epoch, step=trainer.step, global_step=trainer.global_step,
                                          layer=i, name=name, **values))
        elif event == "epoch_end" and getattr(trainer, "is_main", True) and self.rows:
            import json

            with open(trainer.run_dir / self.FILE, "a") as fh:
                fh.writelines(json.dumps(r) + "\n" for r in self.rows)
            self.rows = []


def read_param_log(run_dir):
    """``<run_dir>/neuron_params.jsonl`` as a DataFrame sorted by (global_step, layer), one row per step and layer
    (the last one written), with ``progress`` = epoch + step / steps in that epoch; empty if there is no log.
    ``run_dir`` may be a ``Run``."""
    import pandas as pd
    from pathlib import Path

    path = Path(getattr(run_dir, "dir", run_dir)) / NeuronParamLog.FILE
    if not path.is_file():
        return pd.DataFrame()
    df = pd.read_json(path, lines=True).drop_duplicates(["global_step", "layer"], keep="last")
    steps = df.groupby("epoch").step.transform("max")
    return df.assign(progress=df.epoch + df.step / steps).sort_values(["global_step", "layer"]).reset_index(drop=True)


def neuron_parameters(model: nn.Module) -> "OrderedDict[str, Dict[str, float]]":
    """The learnable parameters of every neuron layer as numbers, ``{layer name: neuron_param_values(layer)}`` in
    network order (``neuron_layers``), layers without one left out: what the trainer records at the end of every
    epoch (metrics ``neuron_parameters``), so that a parameter's trajectory over epochs is read from any run."""
    out: "OrderedDict[str, Dict[str, float]]" = OrderedDict()
    for name, m in neuron_layers(model):
        values = neuron_param_values(m)
        if values:
            out[name] = values
    return out
