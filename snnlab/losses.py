"""Losses of the papers' training code and the prediction rule.

All losses take the network output ``out`` of shape ``[T, B, C]`` (one logit vector per step) and targets ``y``
either as class indices ``[B]`` (long) or as soft labels ``[B, C]`` (probabilities, e.g. after Mixup/CutMix).

* ``tet`` (CLIF/ILIF ``train.py:462-477``, TET of Deng et al. 2021 with the SLTT implementation)::

      L = (1 − λ_loss) · (1/T) Σ_t CE(O[t], y) + λ_loss · MSE(O, φ)

  with λ_loss = 0.05 (``-loss_lambda``). φ is a constant ``means`` = 1.0 (``-loss_means``, TET's regulariser
  towards V_th) for ``mse_target="const"``, or the one-hot label (``-mse_n_reg``, the CLIF README's DVS-CIFAR10
  command) for ``mse_target="onehot"``. The code computes CE on ``[T·B, C]`` against labels repeated T times,
  which equals the mean over steps of the per-step CE. MSE is the mean over all T·B·C entries.
* ``ce``: ``CE(mean_t O[t], y)``, cross-entropy of the mean output.
* ``mse_rate``: ``MSE(mean_t O[t], onehot(y))`` (PLIF recipe; KLIF's presumed fallback, klif.md §3.3).

* ``ce_last``: ``CE(O[T−1], y)``, the output of the **last step only** (snnlab's temporal tasks,
  :mod:`snnlab.data.temporal`): a loss or a prediction on the mean over steps would let the cue's own spikes
  answer a delayed-recall task without any memory. Its prediction is ``argmax_c O[T−1, :, c]``.

``label_smoothing`` applies to every CE term. Prediction (both repositories): ``argmax_c Σ_t O[t, :, c]``;
``readout(loss)`` says which one a loss uses (``"sum"`` or ``"last"``) and ``predict(out, readout)`` applies it.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from snnlab.config import LOSS_NAMES  # defined once, beside RunConfig's validation

__all__ = ["tet_loss", "ce_mean_loss", "mse_rate_loss", "ce_last_loss", "build", "predict", "readout", "READOUTS",
           "LOSS_NAMES"]

READOUTS = ("sum", "last")



def _check(out: torch.Tensor, y: torch.Tensor) -> None:
    if not isinstance(out, torch.Tensor) or out.ndim != 3:
        raise ValueError(f"loss: outputs must have shape [T, B, C], got "
                         f"{tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}")
    if y.ndim == 1:
        if y.shape[0] != out.shape[1]:
            raise ValueError(f"loss: {y.shape[0]} labels for a batch of {out.shape[1]} outputs")
    elif y.ndim == 2:
        if tuple(y.shape) != tuple(out.shape[1:]):
            raise ValueError(f"loss: soft labels must have shape [B, C] = {tuple(out.shape[1:])}, got {tuple(y.shape)}")
    else:
        raise ValueError(f"loss: y must be class indices [B] or soft labels [B, C], got shape {tuple(y.shape)}")


def _f(out: torch.Tensor) -> torch.Tensor:
    """Half-precision outputs (AMP) are promoted to float32; float32/float64 are kept."""
    return out if out.dtype in (torch.float32, torch.float64) else out.float()


def _as_probs(y: torch.Tensor, num_classes: int, dtype) -> torch.Tensor:
    if y.ndim == 2:
        return y.to(dtype)
    return F.one_hot(y.long(), num_classes).to(dtype)


def tet_loss(out: torch.Tensor, y: torch.Tensor, lam: float = 0.05, means: float = 1.0, mse_target: str = "const",
             label_smoothing: float = 0.0) -> torch.Tensor:
    """``(1 − lam)·mean_t CE(O[t], y) + lam·MSE(O, φ)``; see the module docstring."""
    _check(out, y)
    T, B, C = out.shape
    flat = _f(out.reshape(T * B, C))
    y_rep = y.repeat(T) if y.ndim == 1 else y.to(flat.dtype).repeat(T, 1)
    ce = F.cross_entropy(flat, y_rep, label_smoothing=label_smoothing)
    if lam == 0.0:
        return ce
    if mse_target == "const":
        target = torch.full_like(flat, float(means))
    elif mse_target == "onehot":
        target = _as_probs(y, C, flat.dtype).repeat(T, 1)
    else:
        raise ValueError(f"tet_loss mse_target must be 'const' (MSE to `means`) or 'onehot', got {mse_target!r}")
    return (1.0 - lam) * ce + lam * F.mse_loss(flat, target)


def ce_mean_loss(out: torch.Tensor, y: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    _check(out, y)
    mean = _f(out).mean(0)
    return F.cross_entropy(mean, y if y.ndim == 1 else y.to(mean.dtype), label_smoothing=label_smoothing)


def mse_rate_loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    _check(out, y)
    mean = _f(out).mean(0)
    return F.mse_loss(mean, _as_probs(y, out.shape[2], mean.dtype))


def ce_last_loss(out: torch.Tensor, y: torch.Tensor, label_smoothing: float = 0.0) -> torch.Tensor:
    """``CE(O[T−1], y)``: the output of the last step only (the other steps get no direct gradient)."""
    _check(out, y)
    last = _f(out[-1])
    return F.cross_entropy(last, y if y.ndim == 1 else y.to(last.dtype), label_smoothing=label_smoothing)


def build(name: str = "tet", lam: float = 0.05, means: float = 1.0, mse_target: str = "const",
          label_smoothing: float = 0.0) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """A loss ``fn(out [T, B, C], y) -> scalar`` by name (``LOSS_NAMES``)."""
    if name == "tet":
        if mse_target not in ("const", "onehot"):
            raise ValueError(f"mse_target must be 'const' or 'onehot', got {mse_target!r}")
        return lambda out, y: tet_loss(out, y, lam, means, mse_target, label_smoothing)
    if name == "ce":
        return lambda out, y: ce_mean_loss(out, y, label_smoothing)
    if name == "mse_rate":
        return mse_rate_loss
    if name == "ce_last":
        return lambda out, y: ce_last_loss(out, y, label_smoothing)
    raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSS_NAMES)}")


def readout(loss: str) -> str:
    """How the class is read from the outputs under loss ``loss``: ``"last"`` (``ce_last``: the last step) or
    ``"sum"`` (every other loss: the sum over steps)."""
    if loss not in LOSS_NAMES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(LOSS_NAMES)}")
    return "last" if loss == "ce_last" else "sum"


def predict(out: torch.Tensor, readout: str = "sum") -> torch.Tensor:
    """Class prediction for ``out`` of shape ``[T, B, C]``: ``argmax_c Σ_t O[t, :, c]`` (``readout="sum"``) or
    ``argmax_c O[T−1, :, c]`` (``"last"``)."""
    if readout == "sum":
        return out.sum(0).argmax(-1)
    if readout == "last":
        return out[-1].argmax(-1)
    raise ValueError(f"readout must be one of {READOUTS} (sum over steps, or the last step), got {readout!r}")
