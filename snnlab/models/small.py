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
from snnlab.models.layers import MaxPool2x2, SeqBatchNorm, SeqDropout, TimeFold

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
                       self.neuron(), TimeFold(MaxPool2x2() if pool == "max" else nn.AvgPool2d(2))]
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
    """A fully connected SNN: ``Flatten → [Linear → BN1d → neuron] × len(hidden) → Linear(classes)``; ``bn=False``
    drops the BN layers. Accepts ``[T, B, ...]`` of any trailing shape (``in_features`` per step, default
    ``in_channels·input_size²``). Tests and smoke runs use the defaults; the temporal tasks
    (:mod:`snnlab.data.temporal`) use ``hidden=(128, 128), bn=False, init="spiking"``.

    ``init``: ``"default"`` keeps PyTorch's Linear init (U(±1/√fan_in)), under which the input current of a
    layer fed by sparse spikes has a standard deviation far below V_th, so a layer without BN stays silent.
    ``"spiking"`` draws every hidden Linear from ``N(0, (init_gain / √(fan_in · p))²)`` with zero bias, where
    ``p`` is the mean square of the layer's input per feature: ``input_power`` for the first layer (1 for
    standardised inputs; the fraction of active channels for binary inputs) and ``init_rate`` (the firing rate
    assumed for a hidden layer) for the others; the input current then has a standard deviation of about
    ``init_gain·V_th`` as seen by the membrane (multiplied by τ for neurons with ``decay_input``, which charge
    with X/τ: KLIF), and every layer spikes at initialisation. The readout keeps PyTorch's init.
    """

    input_ndim = None

    def __init__(self, *, neuron: str = "lif", neuron_params: Optional[Mapping] = None, num_classes: int = 10,
                 in_channels: int = 1, input_size: int = 28, hidden: Sequence[int] = (64,), bn: bool = True,
                 bn_mode: str = "per_step", in_features: Optional[int] = None, init: str = "default",
                 init_gain: float = 1.0, input_power: float = 1.0, init_rate: float = 0.2):
        super().__init__(neuron, neuron_params, num_classes, in_channels)
        if init not in ("default", "spiking"):
            raise ValueError(f"init must be 'default' (PyTorch's Linear init) or 'spiking' (hidden layers scaled so "
                             f"that they spike), got {init!r}")
        for name, v in (("init_gain", init_gain), ("input_power", input_power), ("init_rate", init_rate)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise ValueError(f"{name} must be a positive number, got {v!r}")
        n = int(in_features) if in_features else in_channels * input_size * input_size
        self.in_features = n
        layers = []
        power = float(input_power)
        scale = _current_scale(self.neuron()) if init == "spiking" else 1.0
        for h in hidden:
            lin = nn.Linear(n, int(h), bias=not bn)
            if init == "spiking":
                with torch.no_grad():
                    lin.weight.normal_(0.0, float(init_gain) * scale / (n * power) ** 0.5)
                    if lin.bias is not None:
                        lin.bias.zero_()
            layers.append(TimeFold(lin))
            if bn:
                layers.append(SeqBatchNorm(int(h), bn_mode, dims=1))
            layers.append(self.neuron())
            n, power = int(h), float(init_rate)
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


def _current_scale(neuron: nn.Module) -> float:
    """The input current that brings a neuron from rest to its threshold in one step: ``V_th``, times τ when the
    neuron charges with ``X/τ`` (``decay_input``). 1 for the ReLU "neuron"."""
    vth = getattr(neuron, "v_threshold", 1.0)
    vth = float(vth.detach()) if isinstance(vth, torch.Tensor) else float(vth)
    if getattr(neuron, "decay_input", False):
        tau = neuron.tau
        vth *= float(tau.detach()) if isinstance(tau, torch.Tensor) else float(tau)
    return vth


def mlp(**kwargs) -> SpikingMLP:
    return SpikingMLP(**kwargs)
