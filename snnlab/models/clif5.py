"""The 5-layer network of CLIF Fig. 2, ``snn5_noAP`` (CLIF code ``models/vgg_model.py:44-71``; clif.md §3.3).

Each layer is ``Conv2d(bias=True) → BN → neuron``; no pooling:

=====  ==============  ======  ======  ===  ========================
layer  conv (in → out)  kernel  stride  pad  output on a 32×32 input
=====  ==============  ======  ======  ===  ========================
1      c_in → 16       3       1       1    32×32
2      16 → 64         5       2       1    15×15
3      64 → 128        5       2       1    7×7
4      128 → 256       5       4       1    2×2
5      256 → 256       3       2       1    1×1
=====  ==============  ======  ======  ===  ========================

Then ``Flatten → Dropout → Linear(256, classes)``. The repository hard-codes 3 input channels; here
``in_channels`` is a parameter (default 3). The head dropout is time-shared like every dropout of the CLIF code
[inferred], default p = 0. Initialisation as in the CLIF code's ``SNN5_noAP``: every conv weight Kaiming-normal
(``mode="fan_out"``, ReLU gain, so std = sqrt(2 / (c_out·k·k))); conv biases, BN (weight 1, bias 0) and the
linear head keep PyTorch's defaults.
The flattened size depends on the input size (256 for 32×32); ``input_size`` sets it (default 32).
"""
from __future__ import annotations

from typing import Mapping, Optional

import torch
from torch import nn

from snnlab.models.base import SpikingNet
from snnlab.models.layers import SeqBatchNorm, SeqDropout, TimeFold

__all__ = ["SNN5NoAP", "snn5_noap", "SNN5_LAYERS"]

SNN5_LAYERS = ((16, 3, 1, 1), (64, 5, 2, 1), (128, 5, 2, 1), (256, 5, 4, 1), (256, 3, 2, 1))


def _out(size: int, k: int, s: int, p: int) -> int:
    return (size + 2 * p - k) // s + 1


class SNN5NoAP(SpikingNet):
    def __init__(self, *, neuron: str = "lif", neuron_params: Optional[Mapping] = None, num_classes: int = 10,
                 in_channels: int = 3, dropout: float = 0.0, bn_mode: str = "per_step", input_size: int = 32):
        super().__init__(neuron, neuron_params, num_classes, in_channels)
        layers = []
        c, size = in_channels, input_size
        for c_out, k, s, p in SNN5_LAYERS:
            layers += [TimeFold(nn.Conv2d(c, c_out, k, s, p, bias=True)), SeqBatchNorm(c_out, bn_mode),
                       self.neuron()]
            c, size = c_out, _out(size, k, s, p)
        if size < 1:
            raise ValueError(f"snn5_noAP: input_size={input_size} is too small for its 5 strided convs")
        self.features = nn.Sequential(*layers)
        self.dropout = SeqDropout(dropout)
        self.fc = TimeFold(nn.Linear(c * size * size, num_classes))
        self.init_conv_weights()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.fc(self.dropout(self.features(x).flatten(2)))


def snn5_noap(**kwargs) -> SNN5NoAP:
    return SNN5NoAP(**kwargs)
