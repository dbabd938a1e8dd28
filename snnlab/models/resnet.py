"""Pre-activation spiking ResNet-18 of the CLIF and ILIF code (``models/spiking_resnet.py``, from SLTT).

Layer by layer (clif.md §3.3, ilif.md §3.3):

* stem: ``conv3×3(c_in → 64, stride 1, pad 1, bias=False)``; **no BN or neuron after the stem** (the first
  spiking layer is block 1's ``BN1 → neuron1``, so with direct encoding the first conv sees real values);
* 4 stages of 2 ``PreActBlock`` each: 64 (stride 1), 128 (2), 256 (2), 512 (2);
* ``PreActBlock``: ``s = neuron1(BN1(x))``; ``out = conv1(s)`` (3×3, stride, bias=True);
  ``out = conv2(dropout(neuron2(BN2(out))))`` (3×3, bias=True); ``out += shortcut(s)``.
  The shortcut is a 1×1 stride-s conv with bias when the shape changes, else the identity, and it takes the
  **spikes** ``s = neuron1(BN1(x))``, not the block input ``x`` (unlike the standard PreAct ResNet);
* head: ``BN(512) → neuron → AvgPool2d(4) → Flatten → dropout → Linear(512, classes)``;
* 17 spiking layers (16 in blocks + 1 in the head);
* init: conv Kaiming normal (fan_out, relu), BN weight 1 / bias 0, Linear bias 0 (default weight init).

Dropout is time-shared (SpikingJelly ``layer.Dropout``), p = 0 for CIFAR. ≈ 11.2 M parameters on CIFAR-10.
"""
from __future__ import annotations

from typing import Mapping, Optional

import torch
from torch import nn

from snnlab.models.base import SpikingNet
from snnlab.models.layers import SeqBatchNorm, SeqDropout, TimeFold

__all__ = ["PreActBlock", "SpikingResNet", "spiking_resnet18"]


class PreActBlock(nn.Module):
    expansion = 1

    def __init__(self, net: SpikingNet, c_in: int, c_out: int, stride: int, dropout: float, bn_mode: str):
        super().__init__()
        self.bn1 = SeqBatchNorm(c_in, bn_mode)
        self.neuron1 = net.neuron()
        self.conv1 = TimeFold(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=True))
        self.bn2 = SeqBatchNorm(c_out, bn_mode)
        self.neuron2 = net.neuron()
        self.dropout = SeqDropout(dropout)
        self.conv2 = TimeFold(nn.Conv2d(c_out, c_out, 3, 1, 1, bias=True))
        if stride != 1 or c_in != c_out:
            self.shortcut = TimeFold(nn.Conv2d(c_in, c_out, 1, stride, 0, bias=True))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.neuron1(self.bn1(x))
        out = self.conv1(s)
        out = self.conv2(self.dropout(self.neuron2(self.bn2(out))))
        return out + self.shortcut(s)  # the spike tensor s, not x, on the shortcut ([CODE])


class SpikingResNet(SpikingNet):
    def __init__(self, num_blocks=(2, 2, 2, 2), *, neuron: str = "lif", neuron_params: Optional[Mapping] = None,
                 num_classes: int = 10, in_channels: int = 3, dropout: float = 0.0, bn_mode: str = "per_step",
                 pool: int = 4):
        super().__init__(neuron, neuron_params, num_classes, in_channels)
        self.conv1 = TimeFold(nn.Conv2d(in_channels, 64, 3, 1, 1, bias=False))
        c = 64
        stages = []
        for width, n, stride in zip((64, 128, 256, 512), num_blocks, (1, 2, 2, 2)):
            blocks = []
            for i in range(n):
                blocks.append(PreActBlock(self, c, width, stride if i == 0 else 1, dropout, bn_mode))
                c = width
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.bn = SeqBatchNorm(512, bn_mode)
        self.neuron_out = self.neuron()
        self.pool = TimeFold(nn.AvgPool2d(pool))
        self.dropout = SeqDropout(dropout)
        self.fc = TimeFold(nn.Linear(512, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
                nn.init.constant_(m.weight, 1.0)
                nn.init.constant_(m.bias, 0.0)
            elif isinstance(m, nn.Linear):
                nn.init.constant_(m.bias, 0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        out = self.conv1(x)
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = self.pool(self.neuron_out(self.bn(out)))
        out = out.flatten(2)
        return self.fc(self.dropout(out))


def spiking_resnet18(**kwargs) -> SpikingResNet:
    return SpikingResNet((2, 2, 2, 2), **kwargs)
