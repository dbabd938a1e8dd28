"""Data-parallel training through ``torchrun`` (DDP): process-group setup, model wrapping and small collectives.

``python -m snnlab train CONFIG`` becomes data-parallel when started as
``torchrun --nproc_per_node N -m snnlab train CONFIG``: torchrun sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``
and the rendezvous variables; ``info()`` then initialises the default process group (NCCL on CUDA, gloo on the
CPU) once. Each rank takes every N-th sample of each global batch (``RunConfig.batch_size`` is the global
batch), gradients are averaged by DDP, so one step equals a one-process step on the whole global batch when the
loss is a per-sample mean and the model has no cross-sample coupling (BatchNorm statistics are per rank, as
in any plain DDP run; ``sync_bn=True`` in ``wrap_ddp`` converts to ``SyncBatchNorm`` on CUDA). Rank 0
evaluates, logs and writes checkpoints; the others wait at a barrier.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, List, Sequence

import torch
import torch.distributed as dist
from torch import nn

__all__ = ["DistInfo", "info", "wrap_ddp", "all_reduce_sum", "gather_objects", "barrier", "shutdown"]


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def info(backend: str | None = None) -> DistInfo:
    """The DDP layout from torchrun's environment (initialising the process group on first call)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return DistInfo()
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if not dist.is_initialized():
        if backend is None:
            backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(local)
        dist.init_process_group(backend=backend, rank=rank, world_size=world)
    return DistInfo(rank, world, local)


def wrap_ddp(model: nn.Module, device: torch.device, sync_bn: bool = False) -> nn.Module:
    if sync_bn and device.type == "cuda":
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    if device.type == "cuda":
        return nn.parallel.DistributedDataParallel(model, device_ids=[device.index], output_device=device.index)
    return nn.parallel.DistributedDataParallel(model)


def all_reduce_sum(values: Sequence[float], d: DistInfo, device: torch.device | None = None) -> List[float]:
    if not d.enabled:
        return [float(v) for v in values]
    dev = device if device is not None and device.type == "cuda" else torch.device("cpu")
    t = torch.tensor([float(v) for v in values], dtype=torch.float64, device=dev)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t.tolist()


def gather_objects(obj: Any, d: DistInfo) -> list:
    """``[obj of rank 0, obj of rank 1, ...]`` on every rank (``[obj]`` without DDP)."""
    if not d.enabled:
        return [obj]
    out: list = [None] * d.world_size
    dist.all_gather_object(out, obj)
    return out


def barrier(d: DistInfo) -> None:
    if d.enabled:
        dist.barrier()


def shutdown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
