"""Input encodings: how a batch from a DataLoader becomes the time-major ``[T, B, ...]`` tensor a model sees.

* **Direct encoding** (static images, CLIF §3.1, ILIF §3.2, KLIF §3.3): the same normalised image is the
  input current at every step, ``X[t] = x`` for ``t = 0..T-1``; the first conv therefore sees real values.
* **Event frames** already carry time: a batch ``[B, T, 2, H, W]`` is transposed to ``[T, B, 2, H, W]``
  (CLIF code ``frame.transpose(0, 1)``).
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["to_time_major", "DirectEncoder"]

_KINDS = ("auto", "static", "events")


def to_time_major(x: torch.Tensor, T: int | None = None, kind: str = "auto") -> torch.Tensor:
    """Return ``x`` as a time-major tensor ``[T, B, ...]``.

    Parameters
    ----------
    x: a static batch ``[B, C, H, W]`` (or ``[B, F]``) or an event batch ``[B, T, C, H, W]``.
    T: number of steps. Required for static input (the image is repeated T times, a broadcast view, no
       copy); for events it is optional and, when given, must equal ``x.shape[1]``.
    kind: ``"static"``, ``"events"`` or ``"auto"`` (5-D = events, otherwise static).
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}")
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
    if kind == "auto":
        kind = "events" if x.dim() == 5 else "static"
    if kind == "events":
        if x.dim() < 3:
            raise ValueError(f"an event batch must be [B, T, ...] with at least 3 dims, got shape {tuple(x.shape)}")
        if T is not None and x.shape[1] != T:
            raise ValueError(f"T={T} does not match the event batch's time axis x.shape[1]={x.shape[1]} "
                             f"(shape {tuple(x.shape)}); build the dataset with the same T")
        return x.transpose(0, 1)
    if T is None or isinstance(T, bool) or not isinstance(T, int) or T < 1:
        raise ValueError(f"T must be a positive int for direct encoding of a static batch, got {T!r}")
    if x.dim() < 2:
        raise ValueError(f"a static batch must be [B, ...] with at least 2 dims, got shape {tuple(x.shape)}")
    return x.unsqueeze(0).expand(T, *x.shape)


class DirectEncoder(nn.Module):
    """``nn.Module`` form of :func:`to_time_major`: static ``[B, ...]`` -> ``[T, B, ...]`` (repeat),
    events ``[B, T, ...]`` -> ``[T, B, ...]`` (transpose)."""

    def __init__(self, T: int, kind: str = "auto"):
        super().__init__()
        if isinstance(T, bool) or not isinstance(T, int) or T < 1:
            raise ValueError(f"T must be a positive int, got {T!r}")
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, got {kind!r}")
        self.T = T
        self.kind = kind

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return to_time_major(x, self.T, self.kind)

    def extra_repr(self) -> str:
        return f"T={self.T}, kind={self.kind!r}"
