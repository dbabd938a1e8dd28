"""The papers' networks, built by name with the neuron as a constructor argument.

``build(name, neuron="lif", neuron_params={...}, num_classes=10, in_channels=3, **options)``; every model maps
``[T, B, C, H, W] -> [T, B, num_classes]``. Names (``MODEL_NAMES``):

================  ===================================================  ==================================
name              network                                              source
================  ===================================================  ==================================
spiking_resnet18  pre-activation spiking ResNet-18 (spike shortcut)    CLIF/ILIF code, clif.md §3.3
spiking_vgg11_bn  spiking VGG-11 with BN, adaptive 7×7 head            CLIF/ILIF code, clif.md §3.3
spiking_vgg13_bn  spiking VGG-13 with BN, adaptive 7×7 head            CLIF code (Tiny-ImageNet)
vggsnn            VGGSNN (PSN/TEBN CIFAR10-DVS net)                    clif.md §3.3
snn5_noap         the 5-layer net of CLIF Fig. 2                       CLIF code ``snn5_noAP``
small_conv        small conv net for MNIST / Fashion-MNIST             snnlab (quick profile)
mlp               tiny fully connected SNN                             snnlab (tests, smoke)
================  ===================================================  ==================================

``build_model(config, num_classes, in_channels, input_size)`` builds a run configuration's model (``RunConfig``
fields ``model``, ``model_params``, ``neuron``, ``neuron_params``); ``neuron_params_for(config)`` and
``switch_neurons(model, neuron, params)`` (CLIF Fig. 3a) go with it (``snnlab.models.factory``).

``neuron="relu"`` gives the ANN baseline of identical structure (the training loop forces T = 1). Options
common to all: ``bn_mode`` ("per_step" = the papers' code, "folded"), ``dropout``.
"""
from __future__ import annotations

from typing import Mapping, Optional

from torch import nn

from snnlab.models.base import SpikingNet
from snnlab.models.clif5 import SNN5NoAP, snn5_noap
from snnlab.models.factory import build_model, neuron_params_for, switch_neurons
from snnlab.models.layers import (ReLUNeuron, SeqBatchNorm, SeqDropout, TimeFold, is_neuron, neuron_layers,
                                  reset_net, reset_neurons)
from snnlab.models.resnet import SpikingResNet, spiking_resnet18
from snnlab.models.small import SmallConvNet, SpikingMLP, mlp, small_conv
from snnlab.models.vgg import SpikingVGG, VGGSNN, spiking_vgg11_bn, spiking_vgg13_bn, vggsnn

__all__ = ["build", "MODEL_NAMES", "SpikingNet", "SpikingResNet", "SpikingVGG", "VGGSNN", "SNN5NoAP",
           "SmallConvNet", "SpikingMLP", "ReLUNeuron", "SeqBatchNorm", "SeqDropout", "TimeFold", "is_neuron",
           "neuron_layers", "reset_net", "reset_neurons", "count_parameters", "build_model", "neuron_params_for",
           "switch_neurons"]

_BUILDERS = {
    "spiking_resnet18": spiking_resnet18,
    "spiking_vgg11_bn": spiking_vgg11_bn,
    "spiking_vgg13_bn": spiking_vgg13_bn,
    "vggsnn": vggsnn,
    "snn5_noap": snn5_noap,
    "small_conv": small_conv,
    "mlp": mlp,
}
MODEL_NAMES = tuple(_BUILDERS)


def build(name: str, neuron: str = "lif", neuron_params: Optional[Mapping] = None, num_classes: int = 10,
          in_channels: Optional[int] = None, **options) -> SpikingNet:
    """Build model ``name`` with ``neuron`` layers (see the module docstring for names and options)."""
    key = name.lower()
    if key not in _BUILDERS:
        raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODEL_NAMES)}")
    kwargs = dict(options)
    if in_channels is not None:
        kwargs["in_channels"] = in_channels
    try:
        return _BUILDERS[key](neuron=neuron, neuron_params=neuron_params, num_classes=num_classes, **kwargs)
    except TypeError as exc:
        raise TypeError(f"model {name!r}: {exc} (check the model options / model_params)") from None


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
