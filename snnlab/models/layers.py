"""Building blocks shared by the papers' networks: time folding, per-step BatchNorm, time-shared dropout, the
neuron factory (including the ReLU "neuron" of the ANN baseline) and network-wide reset.

Shapes: every module here takes and returns multi-step tensors ``[T, B, ...]`` (time first). Stateless layers
(conv, linear, pooling, flatten) run once on the merged ``[T*B, ...]`` view (``TimeFold``); neurons loop over T.

BatchNorm (``SeqBatchNorm``) has two modes:

* ``"per_step"`` (default, [CODE] CLIF/ILIF repositories): a plain ``BatchNorm`` applied separately at every
  time step, exactly what the papers' single-step code does (one network call per step): batch statistics of step
  t normalise step t, and the running statistics are updated T times per iteration, in step order. Because step t
  only sees its own statistics, re-simulating a window of steps (truncated BPTT by recomputation,
  ``snnlab.tbptt``) reproduces the full pass exactly.
* ``"folded"``: one ``BatchNorm`` over the merged ``[T*B]`` batch (tdBN-like, faster, statistics shared over
  time). Not exact under windowed recomputation, so ``snnlab.tbptt`` refuses it.

In eval mode both modes use the running statistics and differ only by how those were accumulated.
"""
from __future__ import annotations

from typing import Mapping, Optional

import torch
from torch import nn

from snnlab.kernels.pool import max_pool2x2

__all__ = ["TimeFold", "SeqBatchNorm", "MaxPool2x2", "SeqDropout", "ReLUNeuron", "make_neuron", "neuron_layers", "is_neuron",
           "reset_net", "reset_neurons", "BN_MODES", "conv_bn"]

BN_MODES = ("per_step", "folded")


class TimeFold(nn.Module):
    """Run a stateless ``module`` on ``[T*B, ...]``: ``[T, B, ...] -> [T, B, ...']``."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T, B = x.shape[0], x.shape[1]
        if is_static(x):
            # every step holds the same tensor (direct encoding): compute once, broadcast (identical values)
            y = self.module(x[0])
            return y.unsqueeze(0).expand(T, *y.shape)
        y = self.module(x.reshape(T * B, *x.shape[2:]))
        return y.reshape(T, B, *y.shape[1:])

    def extra_repr(self) -> str:
        return "[T*B] fold"


def is_static(x: torch.Tensor) -> bool:
    """True for a ``[T, B, ...]`` view whose T steps share storage (``expand`` of one step, stride 0 on time):
    what ``to_time_major`` makes from a static image batch. Layers then compute one step and broadcast it."""
    return x.ndim >= 2 and x.shape[0] > 1 and x.stride(0) == 0


class SeqBatchNorm(nn.Module):
    """BatchNorm over ``[T, B, C, ...]`` (1d on ``[T, B, C]``, 2d on ``[T, B, C, H, W]``); see the module docstring
    for ``mode`` ("per_step" = the papers' code, "folded" = statistics over ``T*B``)."""

    def __init__(self, num_features: int, mode: str = "per_step", dims: int = 2, eps: float = 1e-5,
                 momentum: float = 0.1):
        super().__init__()
        if mode not in BN_MODES:
            raise ValueError(f"bn mode must be one of {BN_MODES}, got {mode!r}: 'per_step' normalises each time step "
                             "with its own batch statistics (the papers' code), 'folded' uses one statistic over T*B")
        if dims not in (1, 2):
            raise ValueError(f"SeqBatchNorm dims must be 1 (features) or 2 (images), got {dims!r}")
        self.mode = mode
        self.bn = (nn.BatchNorm2d if dims == 2 else nn.BatchNorm1d)(num_features, eps=eps, momentum=momentum)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        T, B = x.shape[0], x.shape[1]
        if is_static(x):
            return self._static(x)
        if self.mode == "folded" or not self.training:
            # eval mode uses the running statistics: per-step and folded application are identical.
            return self.bn(x.reshape(T * B, *x.shape[2:])).reshape(x.shape)
        # unbind (not x[t]): its backward stacks the step gradients instead of zero-filling T full tensors
        return torch.stack([self.bn(xt) for xt in x.unbind(0)])

    def _static(self, x: torch.Tensor) -> torch.Tensor:
        """All T steps are the same tensor: normalise it once and broadcast. In training mode both modes see the
        same batch statistics at every step (per_step) or over all steps (folded: identical, as the steps are
        equal), and the running statistics receive the T updates per-step BN would make (folded: one)."""
        T = x.shape[0]
        bn = self.bn
        updates = T if self.mode == "per_step" else 1
        if self.training and bn.track_running_stats:
            x0 = x[0]
            n0 = x0.numel() // x0.shape[1]  # samples per channel in one step
            if x0.dtype == bn.running_mean.dtype:
                # one pass: batch_norm with momentum 1 leaves the batch mean and the unbiased variance (over n0) in
                # the scratch buffers (x0.var over [B, H, W] alone cost 3x the whole normalisation)
                mean, var = torch.zeros_like(bn.running_mean), torch.ones_like(bn.running_var)
                y = torch.nn.functional.batch_norm(x0, mean, var, bn.weight, bn.bias, True, 1.0, bn.eps)
                var_biased = None if n0 > 1 else torch.zeros_like(var)
            else:  # mixed precision: the statistics in the input's dtype, cast below
                with torch.no_grad():
                    dims = [0] + list(range(2, x.ndim - 1))
                    mean = x0.mean(dim=dims)
                    var_biased = x0.var(dim=dims, unbiased=False)
                y = torch.nn.functional.batch_norm(x0, None, None, bn.weight, bn.bias, True, 0.0, bn.eps)
            with torch.no_grad():
                n = n0 * (1 if self.mode == "per_step" else T)  # samples per statistic
                if var_biased is None and n != n0:  # folded: the unbiased variance over the T*n0 samples
                    var = var * ((n0 - 1) / n0) * (n / (n - 1))
                elif var_biased is not None:
                    var = var_biased * (n / max(n - 1, 1))
                m = bn.momentum
                for _ in range(updates):
                    bn.running_mean.mul_(1 - m).add_(mean.to(bn.running_mean.dtype), alpha=m)
                    bn.running_var.mul_(1 - m).add_(var.to(bn.running_var.dtype), alpha=m)
                bn.num_batches_tracked.add_(updates)
        else:
            y = bn(x[0])
        return y.unsqueeze(0).expand(T, *y.shape)

    def extra_repr(self) -> str:
        return f"mode={self.mode}"


class MaxPool2x2(nn.MaxPool2d):
    """``nn.MaxPool2d(2)`` (kernel 2, stride 2) through ``snnlab.kernels.pool.max_pool2x2``: the C kernel on CPU
    float tensors (same values and gradients as torch's, bit for bit; about 10x faster on this CPU), torch's own
    elsewhere. A subclass, so that checkpoints, ``repr`` and ``isinstance`` checks see a MaxPool2d."""

    def __init__(self):
        super().__init__(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return max_pool2x2(x)


class SeqDropout(nn.Module):
    """Dropout whose mask is drawn once per sample and shared by all T steps (SpikingJelly ``layer.Dropout``, used
    by the CLIF/ILIF code): ``y[t] = x[t] ⊙ mask / (1 − p)``. The mask is kept until ``reset()`` (called by
    ``reset_net`` before each batch), so re-running a window of steps (truncated BPTT) reuses it."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        p = float(p)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout p must be in [0, 1), got {p!r}")
        self.p = p
        self.mask: Optional[torch.Tensor] = None

    def reset(self) -> None:
        self.mask = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        shape = tuple(x.shape[1:])
        if self.mask is None or tuple(self.mask.shape) != shape or self.mask.device != x.device:
            keep = torch.empty(shape, device=x.device, dtype=x.dtype).bernoulli_(1.0 - self.p)
            self.mask = keep / (1.0 - self.p)
        return x * self.mask.to(x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p}, mask shared over T"


class ReLUNeuron(nn.Module):
    """The "neuron" of the ReLU ANN baseline (CLIF/ILIF code ``-neuron_model relu``): ``y = max(x, 0)``. The ANN
    runs with T = 1 (the training loop forces it), so the network is the identical structure without time."""

    kind = "relu"

    def forward(self, x: torch.Tensor, record: bool = False):
        y = torch.relu(x)
        return (y, {"H": x, "V": x}) if record else y

    def reset(self) -> None:  # stateless
        pass

    def get_state(self):
        return None

    def set_state(self, state) -> None:
        pass


def is_neuron(module: nn.Module) -> bool:
    """True for a spiking neuron module of ``snnlab.neurons`` or the ANN's ``ReLUNeuron``."""
    if isinstance(module, ReLUNeuron):
        return True
    try:
        from snnlab.neurons.base import Neuron
    except ImportError:  # pragma: no cover - neurons package missing
        return False
    return isinstance(module, Neuron)


def neuron_layers(model: nn.Module) -> "list[tuple[str, nn.Module]]":
    """``(name, module)`` of every neuron layer, in registration order (= forward order for our models)."""
    return [(name, m) for name, m in model.named_modules() if is_neuron(m)]


def make_neuron(name: str, params: Optional[Mapping] = None) -> nn.Module:
    """A neuron module by name: ``"relu"`` for the ANN baseline, else ``snnlab.neurons.build(name, **params)``."""
    params = dict(params or {})
    if name == "relu":
        if params:
            raise ValueError(f"neuron 'relu' (ANN baseline) takes no neuron_params, got {sorted(params)}")
        return ReLUNeuron()
    from snnlab import neurons

    return neurons.build(name, **params)


def reset_neurons(model: nn.Module) -> None:
    """Reset the state of every neuron (not the dropout masks)."""
    for _, m in neuron_layers(model):
        m.reset()


def reset_net(model: nn.Module) -> None:
    """Before a new batch: reset every neuron state and redraw the time-shared dropout masks."""
    for m in model.modules():
        if is_neuron(m) or isinstance(m, SeqDropout):
            m.reset()


def conv_bn(c_in: int, c_out: int, kernel: int, stride: int, padding: int, bias: bool, bn_mode: str) -> "list[nn.Module]":
    """``Conv2d → BN`` as two multi-step modules."""
    return [TimeFold(nn.Conv2d(c_in, c_out, kernel, stride, padding, bias=bias)), SeqBatchNorm(c_out, bn_mode)]
