"""2×2 max pooling with stride 2 on the CPU in C (``csrc/pool.c``), as a PyTorch custom operator.

Why: torch's CPU ``max_pool2d`` on contiguous NCHW float tensors costs 2-4 ns per input element here (26 ms for a
``[1000, 8, 28, 28]`` batch on this 2-core VM; 19 % of a quick-benchmark training run, half of its evaluation).
The C kernel does the same in one pass, four windows at a time (2.1 ms for that batch), and keeps the window
position of each maximum in one byte per output element for the backward.

Same numbers as ``torch.nn.functional.max_pool2d(x, 2)``, forward and backward, bit for bit: the same maximum,
and the gradient goes to the same element of each window (row-major scan; a larger value or a NaN replaces the
maximum, so NaN wins and ties keep the first; see ``csrc/pool.c``). tests/kernels/test_pool.py checks it against
torch on spikes, random values, ties, NaN, ±Inf, odd sizes, float64, double backward and ``torch.compile``.

``max_pool2x2(x)`` takes ``[N, C, H, W]`` or ``[C, H, W]`` and uses the C op when ``x`` is a float32/float64 CPU
tensor and the library builds here; anything else (CUDA, half precision, no C compiler) goes to ``F.max_pool2d``,
which gives the same result. Under ``torch.compile`` the op is one opaque graph node (fake implementation and
autograd registered, like the neuron ops of ``snnlab.kernels.ops``). Double backward (``create_graph=True``)
runs the backward as ``F.max_unpool2d`` with torch's int64 indices rebuilt from the window positions, which
autograd differentiates (the gradient does not depend on ``x`` other than through the positions, so that is the
whole second derivative).
"""
# (no ``from __future__ import annotations``: torch 2.4's custom_op reads the annotations as types)
import ctypes
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from snnlab.kernels import build
from snnlab.kernels.cpu import DTYPES, threads_for
from snnlab.kernels.ops import _define, _entry, _run

__all__ = ["max_pool2x2", "available"]


def _fn(dtype: torch.dtype, name: str):
    f = getattr(build.load("pool", DTYPES[dtype]), f"snn_maxpool2_{name}_{DTYPES[dtype]}")
    f.restype = ctypes.c_int
    return f


def available(dtype: torch.dtype = torch.float32) -> bool:
    """Whether the C pooling kernel of ``dtype`` can be used here (built on first use; a failed build is
    remembered by ``build.load``, so this costs no repeated compiler runs)."""
    if dtype not in DTYPES:
        return False
    try:
        build.load("pool", DTYPES[dtype])
    except build.BuildError:
        return False
    return True


def _call(name: str, dtype, tensors, planes: int, H: int, W: int, nthreads: int) -> None:
    args = [ctypes.c_void_p(t.data_ptr()) for t in tensors]
    _fn(dtype, name)(*args, ctypes.c_int64(planes), ctypes.c_int64(H), ctypes.c_int64(W), ctypes.c_int(nthreads))


def _out_shape(shape, H: int, W: int):
    return (*shape[:-2], H // 2, W // 2)


# ---- ops ---------------------------------------------------------------------------------------------------------
def _forward_impl(x: Tensor) -> Tuple[Tensor, Tensor]:
    """``(y [..., H/2, W/2], idx uint8 [..., H/2, W/2])`` of ``x [..., H, W]``."""
    x = x.contiguous()
    H, W = x.shape[-2], x.shape[-1]
    shape = _out_shape(x.shape, H, W)
    y = x.new_empty(shape)
    idx = x.new_empty(shape, dtype=torch.uint8)
    if y.numel():
        _call("forward", x.dtype, (x, y, idx), x.numel() // (H * W), H, W, threads_for(x.numel()))
    return y, idx


maxpool2x2_op = _define("snnlab::cpu_maxpool2x2", _forward_impl, device_types="cpu")


@maxpool2x2_op.register_fake
def _(x):
    shape = _out_shape(x.shape, x.shape[-2], x.shape[-1])
    return x.new_empty(shape), x.new_empty(shape, dtype=torch.uint8)


def _backward_impl(gy: Tensor, idx: Tensor, H: int, W: int) -> Tensor:
    """The input gradient ``[..., H, W]`` of the output gradient ``gy [..., H/2, W/2]``."""
    gy = gy.contiguous()
    gx = gy.new_empty((*gy.shape[:-2], H, W))
    if gy.numel():
        _call("backward", gy.dtype, (gy, idx, gx), gx.numel() // (H * W), H, W, threads_for(gx.numel()))
    else:
        gx.zero_()
    return gx


maxpool2x2_backward_op = _define("snnlab::cpu_maxpool2x2_backward", _backward_impl, device_types="cpu")


@maxpool2x2_backward_op.register_fake
def _(gy, idx, H, W):
    return gy.new_empty((*gy.shape[:-2], H, W))


def torch_indices(idx: Tensor, W: int) -> Tensor:
    """torch's max_pool2d indices (flat position in the H×W plane, int64) from the window positions ``idx``."""
    Ho, Wo = idx.shape[-2], idx.shape[-1]
    k = idx.long()
    rows = (2 * torch.arange(Ho, device=idx.device)).view(Ho, 1) + (k >> 1)
    cols = (2 * torch.arange(Wo, device=idx.device)).view(1, Wo) + (k & 1)
    return rows * W + cols


def _setup(ctx, inputs, output):
    x, = inputs
    ctx.save_for_backward(output[1])
    ctx.hw = (x.shape[-2], x.shape[-1])
    ctx.mark_non_differentiable(output[1])


def _backward(ctx, gy, _gidx):
    idx, = ctx.saved_tensors
    H, W = ctx.hw
    if gy is None:
        return None
    if torch.is_grad_enabled() and gy.requires_grad:  # create_graph=True: a formula autograd can differentiate
        lead, (Ho, Wo) = gy.shape[:-2], gy.shape[-2:]
        ind = torch_indices(idx, W).reshape(1, -1, Ho, Wo)
        g = F.max_unpool2d(gy.reshape(1, -1, Ho, Wo), ind, 2, 2, output_size=(H, W))
        return g.reshape(*lead, H, W)
    return _run(maxpool2x2_backward_op, gy, idx, H, W)


maxpool2x2_op.register_autograd(_backward, setup_context=_setup)
_maxpool2x2 = _entry(maxpool2x2_op, _setup, _backward)


# whether the library builds: probed once per process and a constant to torch.compile (as snnlab.kernels' probes),
# so that dynamo does not trace the file-system work of the first build
_constant = getattr(getattr(torch, "compiler", None), "assume_constant_result", lambda fn: fn)


@_constant
def _ready_f32() -> bool:
    return available(torch.float32)


@_constant
def _ready_f64() -> bool:
    return available(torch.float64)


def max_pool2x2(x: Tensor) -> Tensor:
    """``F.max_pool2d(x, 2)`` (kernel 2, stride 2, no padding, floor mode) for ``x [N, C, H, W]`` or ``[C, H, W]``:
    the C kernel on float32/float64 CPU tensors (see the module docstring), ``F.max_pool2d`` otherwise."""
    if x.ndim not in (3, 4):
        raise ValueError(f"max_pool2x2 takes [N, C, H, W] or [C, H, W], got shape {tuple(x.shape)}")
    ready = x.device.type == "cpu" and x.shape[-2] >= 2 and x.shape[-1] >= 2 and (
        _ready_f32() if x.dtype == torch.float32 else _ready_f64() if x.dtype == torch.float64 else False)
    if not ready:
        return F.max_pool2d(x, 2)
    return _maxpool2x2(x)[0]
