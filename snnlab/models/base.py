"""Common base of the papers' networks: input checks, reset, and the record of how a model was built."""
from __future__ import annotations

from typing import Mapping, Optional

import torch
from torch import nn

from snnlab.models.layers import make_neuron, neuron_layers, reset_net

__all__ = ["SpikingNet"]


class SpikingNet(nn.Module):
    """Base class: ``forward(x [T, B, C, H, W]) -> [T, B, num_classes]`` (one output per step).

    ``neuron`` is a neuron name (``lif plif glif klif clif ilif`` or ``relu`` for the ANN baseline) and
    ``neuron_params`` its keyword arguments; every spiking layer of the network gets its own instance.
    """

    input_ndim = 5  # [T, B, C, H, W]

    def __init__(self, neuron: str, neuron_params: Optional[Mapping], num_classes: int, in_channels: int):
        super().__init__()
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(f"num_classes must be a positive int, got {num_classes!r}")
        if not isinstance(in_channels, int) or in_channels < 1:
            raise ValueError(f"in_channels must be a positive int, got {in_channels!r}")
        self.neuron_name = neuron
        self.neuron_params = dict(neuron_params or {})
        self.num_classes = num_classes
        self.in_channels = in_channels
        make_neuron(neuron, self.neuron_params)  # validate early, before any layer is built

    def init_conv_weights(self) -> None:
        """Kaiming-normal (fan_out, ReLU gain) for every Conv2d, as in the papers' code; call at the end of
        ``__init__`` (modules are visited in registration order, so the RNG draws are reproducible)."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def neuron(self) -> nn.Module:
        """A fresh neuron layer of this network's kind."""
        return make_neuron(self.neuron_name, self.neuron_params)

    def check_input(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor) or x.ndim != self.input_ndim:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"{type(self).__name__} expects x of shape [T, B, C, H, W] (time first), got {shape}; "
                             "turn a batch [B, C, H, W] into [T, B, C, H, W] with "
                             "snnlab.data.encoding.to_time_major(x, T)")
        if x.shape[2] != self.in_channels:
            raise ValueError(f"{type(self).__name__} was built with in_channels={self.in_channels} but x has "
                             f"{x.shape[2]} channels (shape {tuple(x.shape)}); pass in_channels={x.shape[2]}")

    def reset(self) -> None:
        """Reset neuron states and redraw dropout masks (call before every new batch)."""
        reset_net(self)

    def spiking_layers(self):
        return neuron_layers(self)
