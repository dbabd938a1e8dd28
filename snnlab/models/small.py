"""A small convolutional SNN for MNIST / Fashion-MNIST (our design, for the CPU ``quick`` profile).

The papers' MNIST-scale nets (PLIF's 2×128-channel conv net with a 2048-unit FC, klif.md §3.2) are too slow for
many runs on a 2-core CPU, so the quick profile uses this narrower net with the same structure of the CLIF/ILIF
code's blocks (``conv → BN → neuron``, direct encoding: the first conv sees the real-valued image):

``[Conv3×3(c_in → c1, pad 1) → BN → neuron → MaxPool2] → [Conv3×3(c1 → c2, pad 1) → BN → neuron → MaxPool2]
→ Flatten → Dropout → (Linear(c2·(s/4)², hidden) → BN1d → neuron → Dropout →) Linear(·, classes)``

Defaults ``channels=(32, 64)``, ``hidden=0`` (no hidden layer), MaxPool (keeps spikes binary, as PLIF's nets),
conv bias False (BN follows). ``pool="avg"`` switches to average pooling. Spatial size ``s`` = ``input_size``
(28). Dropout is time-shared; default 0.
"""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

import torch
from torch import nn

from snnlab.models.base import SpikingNet
from snnlab.models.layers import SeqBatchNorm, SeqDropout, TimeFold

__all__ = ["SmallConvNet", "small_conv"]


class SmallConvNet(SpikingNet):
    def __init__(self, *, neuron: str = "lif", neuron_params: Optional[Mapping] = None, num_classes: int = 10,
                 in_channels: int = 1, channels: Sequence[int] = (32, 64), hidden: int = 0, dropout: float = 0.0,
                 pool: str = "max", bn_mode: str = "per_step", input_size: int = 28):
        super().__init__(neuron, neuron_params, num_classes, in_channels)
        channels = tuple(int(c) for c in channels)
        if len(channels) < 1 or any(c < 1 for c in channels):
            raise ValueError(f"channels must be a non-empty sequence of positive ints, got {channels!r}")
        if pool not in ("max", "avg"):
            raise ValueError(f"pool must be 'max' or 'avg', got {pool!r}")
        size = input_size
        layers = []
        c = in_channels
        for c_out in channels:
            if size < 2:
                raise ValueError(f"input_size={input_size} too small for {len(channels)} pooling stages")
            layers += [TimeFold(nn.Conv2d(c, c_out, 3, 1, 1, bias=False)), SeqBatchNorm(c_out, bn_mode),
                       self.neuron(), TimeFold(nn.MaxPool2d(2) if pool == "max" else nn.AvgPool2d(2))]
            c, size = c_out, size // 2
        self.features = nn.Sequential(*layers)
        head = [SeqDropout(dropout)]
        n = c * size * size
        if hidden:
            head += [TimeFold(nn.Linear(n, hidden, bias=False)), SeqBatchNorm(hidden, bn_mode, dims=1),
                     self.neuron(), SeqDropout(dropout)]
            n = hidden
        head.append(TimeFold(nn.Linear(n, num_classes)))
        self.classifier = nn.Sequential(*head)
        self.init_conv_weights()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.classifier(self.features(x).flatten(2))


def small_conv(**kwargs) -> SmallConvNet:
    return SmallConvNet(**kwargs)


class SpikingMLP(SpikingNet):
    """A tiny fully connected SNN (tests, smoke runs): ``Flatten → [Linear → BN1d → neuron] × len(hidden) →
    Linear(classes)``; ``bn=False`` drops the BN layers. Accepts ``[T, B, ...]`` of any trailing shape."""

    input_ndim = None

    def __init__(self, *, neuron: str = "lif", neuron_params: Optional[Mapping] = None, num_classes: int = 10,
                 in_channels: int = 1, input_size: int = 28, hidden: Sequence[int] = (64,), bn: bool = True,
                 bn_mode: str = "per_step", in_features: Optional[int] = None):
        super().__init__(neuron, neuron_params, num_classes, in_channels)
        n = int(in_features) if in_features else in_channels * input_size * input_size
        self.in_features = n
        layers = []
        for h in hidden:
            layers.append(TimeFold(nn.Linear(n, int(h), bias=not bn)))
            if bn:
                layers.append(SeqBatchNorm(int(h), bn_mode, dims=1))
            layers.append(self.neuron())
            n = int(h)
        layers.append(TimeFold(nn.Linear(n, num_classes)))
        self.net = nn.Sequential(*layers)

    def check_input(self, x: torch.Tensor) -> None:
        if not isinstance(x, torch.Tensor) or x.ndim < 3:
            raise ValueError(f"SpikingMLP expects x of shape [T, B, ...], got "
                             f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}")
        if x[0, 0].numel() != self.in_features:
            raise ValueError(f"SpikingMLP was built for {self.in_features} input features per sample, got "
                             f"{x[0, 0].numel()} (shape {tuple(x.shape)})")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.net(x.flatten(2))


def mlp(**kwargs) -> SpikingMLP:
    return SpikingMLP(**kwargs)
