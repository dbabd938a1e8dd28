"""Models from a run configuration: ``build_model(config, ...)``, the neuron keyword arguments of a run and the
in-place neuron switch of CLIF Fig. 3a.

``config`` is anything with the ``RunConfig`` fields these read (``model``, ``model_params``, ``neuron``,
``neuron_params``, ``steps``); the models layer does not depend on the experiment machinery.
"""
from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Mapping, Optional

import torch
from torch import nn

from snnlab.models.clif5 import SNN5NoAP
from snnlab.models.layers import make_neuron, neuron_layers
from snnlab.models.small import SmallConvNet, SpikingMLP
from snnlab.models.vgg import VGGSNN

if TYPE_CHECKING:  # pragma: no cover
    from snnlab.config import RunConfig

__all__ = ["build_model", "neuron_params_for", "switch_neurons"]

#: models whose layer sizes depend on the input size (given from the dataset unless model_params sets it)
_SIZED_MODELS = {"small_conv": SmallConvNet, "snn5_noap": SNN5NoAP, "mlp": SpikingMLP, "vggsnn": VGGSNN}


def build_model(config: "RunConfig", num_classes: int, in_channels: int, input_size: Optional[int] = None) -> nn.Module:
    """The config's model (``snnlab.models.build``). ``input_size`` is passed to models that take it unless
    ``model_params`` sets it."""
    from snnlab import models

    params = dict(config.model_params)
    cls = _SIZED_MODELS.get(config.model.lower())
    if cls is not None and input_size is not None and "input_size" not in params \
            and "input_size" in inspect.signature(cls.__init__).parameters:
        params["input_size"] = input_size
    return models.build(config.model, neuron=config.neuron, neuron_params=neuron_params_for(config),
                        num_classes=num_classes, in_channels=in_channels, **params)


def neuron_params_for(config: "RunConfig", neuron: Optional[str] = None, params: Optional[Mapping] = None) -> dict:
    """The neuron keyword arguments of a run: ``params`` (default ``config.neuron_params``) plus ``T`` for GLIF
    (one conductance per step) unless given."""
    neuron = neuron or config.neuron
    out = dict(config.neuron_params if params is None else params)
    if neuron == "glif":
        out.setdefault("T", config.steps)
    return out


def switch_neurons(model: nn.Module, neuron: str, neuron_params: Optional[dict] = None) -> None:
    """Replace every neuron layer of ``model`` in place by a fresh ``neuron`` (both must be parameter-free)."""
    for name, old in neuron_layers(model):
        new = make_neuron(neuron, neuron_params)
        if any(True for _ in old.parameters()) or any(True for _ in new.parameters()):
            raise ValueError(f"switch_neuron: layer {name!r} ({getattr(old, 'kind', type(old).__name__)} -> {neuron}) "
                             "has learnable neuron parameters; only parameter-free neurons (lif, clif, ilif, ...) "
                             "can be switched with the optimiser state kept exact")
        new.to(next((p.device for p in model.parameters()), torch.device("cpu")))
        parent = model.get_submodule(name.rsplit(".", 1)[0]) if "." in name else model
        setattr(parent, name.rsplit(".", 1)[-1], new)
    if hasattr(model, "neuron_name"):
        model.neuron_name = neuron
        model.neuron_params = dict(neuron_params or {})
