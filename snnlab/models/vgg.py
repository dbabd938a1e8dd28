"""Spiking VGG-11/13 with BN (CLIF/ILIF code ``models/spiking_vgg_bn.py``) and VGGSNN (``models/vgg_model.py``).

**Spiking VGG** (clif.md §3.3, ilif.md §3.3). Stages (``M`` = ``AvgPool2d(2, 2)``):

=======  ===========  ============  ============  ============  ============
variant  stage 1      stage 2       stage 3       stage 4       stage 5
=======  ===========  ============  ============  ============  ============
VGG-11   [64, M]      [128, M]      [256, 256, M] [512, 512, M] [512, 512, M]
VGG-13   [64, 64, M]  [128, 128, M] [256, 256, M] [512, 512, M] [512, 512, M]
=======  ===========  ============  ============  ============  ============

Each conv: ``Conv3×3(pad 1, bias=True) → BN → neuron → Dropout(p)`` (time-shared mask). Head:
``AdaptiveAvgPool2d((7, 7)) → Flatten → Linear(512·49, classes)``; no hidden FC and no head dropout. The adaptive
pool *upsamples* small maps by replication (48×48 DVS input: 1×1 → 7×7; 128×128: 4×4 → 7×7). Init: conv
Kaiming normal (fan_out, relu), BN 1 / 0, Linear N(0, 0.01) with bias 0. ``in_channels`` defaults to 2 (DVS).
≈ 9.5 M parameters for VGG-11 (2 channels, 10/11 classes), ≈ 14.4 M for VGG-13 (3 channels, 200 classes).

**VGGSNN** (PSN/TEBN's CIFAR10-DVS net, clif.md §3.3): ``64, 128, P, 256, 256, P, 512, 512, P, 512, 512, P``
(3×3 conv + BN + neuron; P = AvgPool 2), then ``Linear(512·W·W, classes)`` with ``W = input_size/16`` (3 for
48×48). The repository's ``vggsnn()`` silently drops its dropout argument; here ``dropout`` (default 0, time
shared, after each neuron) is honoured and documented as a choice.
"""
from __future__ import annotations

from typing import Mapping, Optional

import torch
from torch import nn

from snnlab.models.base import SpikingNet
from snnlab.models.layers import SeqBatchNorm, SeqDropout, TimeFold

__all__ = ["SpikingVGG", "VGG_CFGS", "spiking_vgg11_bn", "spiking_vgg13_bn", "VGGSNN", "vggsnn"]

VGG_CFGS = {
    "vgg11": [[64, "M"], [128, "M"], [256, 256, "M"], [512, 512, "M"], [512, 512, "M"]],
    "vgg13": [[64, 64, "M"], [128, 128, "M"], [256, 256, "M"], [512, 512, "M"], [512, 512, "M"]],
}


class SpikingVGG(SpikingNet):
    def __init__(self, cfg: str = "vgg11", *, neuron: str = "lif", neuron_params: Optional[Mapping] = None,
                 num_classes: int = 10, in_channels: int = 2, dropout: float = 0.0, bn_mode: str = "per_step"):
        super().__init__(neuron, neuron_params, num_classes, in_channels)
        if cfg not in VGG_CFGS:
            raise ValueError(f"VGG cfg must be one of {sorted(VGG_CFGS)}, got {cfg!r}")
        layers = []
        c = in_channels
        for stage in VGG_CFGS[cfg]:
            for v in stage:
                if v == "M":
                    layers.append(TimeFold(nn.AvgPool2d(2, 2)))
                else:
                    layers += [TimeFold(nn.Conv2d(c, v, 3, 1, 1, bias=True)), SeqBatchNorm(v, bn_mode),
                               self.neuron(), SeqDropout(dropout)]
                    c = v
        self.features = nn.Sequential(*layers)
        self.avgpool = TimeFold(nn.AdaptiveAvgPool2d((7, 7)))
        self.classifier = TimeFold(nn.Linear(512 * 7 * 7, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0.0)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1.0)
                nn.init.constant_(m.bias, 0.0)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.01)
                nn.init.constant_(m.bias, 0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        out = self.avgpool(self.features(x))
        return self.classifier(out.flatten(2))


def spiking_vgg11_bn(**kwargs) -> SpikingVGG:
    return SpikingVGG("vgg11", **kwargs)


def spiking_vgg13_bn(**kwargs) -> SpikingVGG:
    return SpikingVGG("vgg13", **kwargs)


class VGGSNN(SpikingNet):
    CFG = [64, 128, "P", 256, 256, "P", 512, 512, "P", 512, 512, "P"]

    def __init__(self, *, neuron: str = "lif", neuron_params: Optional[Mapping] = None, num_classes: int = 10,
                 in_channels: int = 2, input_size: int = 48, dropout: float = 0.0, bn_mode: str = "per_step"):
        super().__init__(neuron, neuron_params, num_classes, in_channels)
        if not isinstance(input_size, int) or input_size < 16 or input_size % 16:
            raise ValueError(f"VGGSNN input_size must be a multiple of 16 (4 poolings of 2), got {input_size!r}")
        layers = []
        c = in_channels
        for v in self.CFG:
            if v == "P":
                layers.append(TimeFold(nn.AvgPool2d(2, 2)))
            else:
                layers += [TimeFold(nn.Conv2d(c, v, 3, 1, 1, bias=True)), SeqBatchNorm(v, bn_mode), self.neuron()]
                if dropout:
                    layers.append(SeqDropout(dropout))
                c = v
        self.features = nn.Sequential(*layers)
        w = input_size // 16
        self.classifier = TimeFold(nn.Linear(512 * w * w, num_classes))
        self.init_conv_weights()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        return self.classifier(self.features(x).flatten(2))


def vggsnn(**kwargs) -> VGGSNN:
    return VGGSNN(**kwargs)
