"""Spike functions: Heaviside forward, surrogate derivative backward.

A spike is ``S = Θ(z)`` with ``z = H − V_th`` and ``Θ(z) = 1`` for ``z ≥ 0`` (SpikingJelly's ``heaviside`` and
every paper's code use ``>=``). The backward pass replaces the Dirac derivative of Θ by a surrogate ``g(z)``.
Every shape here is parameterised by one **width γ** (snnlab notation, see ``shared/papers/README.md``) and has
**unit area** (times an optional ``scale``):

==============  ==========================================================  ===============================
name            g(z) (scale = 1)                                            primitive P(z), P' = g
==============  ==========================================================  ===============================
``rectangle``   ``(1/γ)·1{|z| ≤ γ/2}``  (support γ, height 1/γ)             ``clamp(z/γ + 1/2, 0, 1)``
``triangle``    ``(2/γ)·max(0, 1 − 2|z|/γ)``  (support γ, height 2/γ)       piecewise quadratic, 0 → 1
``sigmoid``     ``α·σ(αz)·(1 − σ(αz))`` with ``α = 4/γ``                    ``σ(αz)``
``atan``        ``(α/2) / (1 + (π/2·α·z)²)`` with ``α = 2/γ``               ``atan(π/2·α·z)/π + 1/2``
==============  ==========================================================  ===============================

For the smooth shapes γ is the *equivalent width* ``γ = 1/g(0)`` (a rectangle with the same peak and area).
The primitive's derivative equals g everywhere except exactly on the kinks of the piecewise shapes (the rectangle's
edges ``|z| = γ/2``, where g uses ``≤`` and autograd of ``clamp`` gives 0).

Conversion to the ``alpha`` of the papers' code (``from_alpha(name, alpha)``):

* ``Rectangle(alpha=a)`` of the CLIF/ILIF repositories (``modules/surrogate.py``): ``a`` **is** the width,
  ``γ = a``; the code's window uses ``≤`` and so does this module (the CLIF paper's Eq. 8 writes ``<``; the two
  differ only exactly on the boundary). CLIF and the ILIF neuron class default to ``Rectangle(alpha=1)``: γ = 1.
* SpikingJelly ``Sigmoid(alpha=a)``: ``γ = 4/a``. The ILIF README training commands (``-surrogate sigmoid``,
  the default) use ``Sigmoid(alpha=4)``, i.e. ``build("sigmoid", width=1.0)``; KLIF's SpikingJelly default is
  the same.
* SpikingJelly ``ATan(alpha=a)``: ``γ = 2/a``. The PLIF paper's ``ATan(alpha=2)`` is ``build("atan", 1.0)``.
* SpikingJelly ``PiecewiseQuadratic(alpha=a)`` (the repos' ``-surrogate triangle``): support ``2/a``, height
  ``a``, so ``γ = 2/a``: ``PiecewiseQuadratic(alpha=1)`` is ``build("triangle", width=2.0)``.

Surrogate objects are small, picklable value objects (``config()`` gives a dict that ``build(**config)``
turns back into an equal object), so run configurations can record them.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import torch

__all__ = ["Surrogate", "build", "from_alpha", "to_alpha", "SURROGATE_NAMES", "heaviside"]

SURROGATE_NAMES = ("rectangle", "triangle", "sigmoid", "atan")


# --------------------------------------------------------------------------------------------------------------
# Pure functions of (z, width, scale): g and its primitive, one pair per shape.
# --------------------------------------------------------------------------------------------------------------
def _rectangle_g(z: torch.Tensor, width: float, scale: float) -> torch.Tensor:
    return (z.abs() <= 0.5 * width).to(z.dtype) * (scale / width)


def _rectangle_p(z: torch.Tensor, width: float, scale: float) -> torch.Tensor:
    return scale * torch.clamp(z / width + 0.5, 0.0, 1.0)


def _triangle_g(z: torch.Tensor, width: float, scale: float) -> torch.Tensor:
    return (scale * 2.0 / width) * torch.clamp(1.0 - z.abs() * (2.0 / width), min=0.0)


def _triangle_p(z: torch.Tensor, width: float, scale: float) -> torch.Tensor:
    u = torch.clamp(z * (2.0 / width), -1.0, 1.0)
    low = 0.5 * (1.0 + u) ** 2  # u <= 0
    high = 1.0 - 0.5 * (1.0 - u) ** 2  # u >= 0
    return scale * torch.where(u <= 0, low, high)


def _sigmoid_g(z: torch.Tensor, width: float, scale: float) -> torch.Tensor:
    alpha = 4.0 / width
    s = torch.sigmoid(alpha * z)
    return (scale * alpha) * s * (1.0 - s)


def _sigmoid_p(z: torch.Tensor, width: float, scale: float) -> torch.Tensor:
    return scale * torch.sigmoid((4.0 / width) * z)


def _atan_g(z: torch.Tensor, width: float, scale: float) -> torch.Tensor:
    alpha = 2.0 / width
    return (scale * alpha / 2.0) / (1.0 + (0.5 * math.pi * alpha * z) ** 2)


def _atan_p(z: torch.Tensor, width: float, scale: float) -> torch.Tensor:
    alpha = 2.0 / width
    return scale * (torch.atan(0.5 * math.pi * alpha * z) / math.pi + 0.5)


_DERIVATIVES = {"rectangle": _rectangle_g, "triangle": _triangle_g, "sigmoid": _sigmoid_g, "atan": _atan_g}
_PRIMITIVES = {"rectangle": _rectangle_p, "triangle": _triangle_p, "sigmoid": _sigmoid_p, "atan": _atan_p}
# width = _ALPHA_TO_WIDTH[name] / alpha, except rectangle where width = alpha (the code's alpha is the width).
_ALPHA_NUMERATOR = {"triangle": 2.0, "sigmoid": 4.0, "atan": 2.0}


class _SurrogateSpike(torch.autograd.Function):
    """Heaviside ``z >= 0`` forward; ``grad · g(z)`` backward. Non-tensor args are plain str/float."""

    @staticmethod
    def forward(ctx, z: torch.Tensor, name: str, width: float, scale: float) -> torch.Tensor:
        ctx.save_for_backward(z)
        ctx.name, ctx.width, ctx.scale = name, width, scale
        return (z >= 0).to(z.dtype)

    @staticmethod
    def backward(ctx, grad_out: torch.Tensor):
        (z,) = ctx.saved_tensors
        grad = None
        if ctx.needs_input_grad[0]:
            grad = grad_out * _DERIVATIVES[ctx.name](z, ctx.width, ctx.scale)
        return grad, None, None, None


def heaviside(z: torch.Tensor) -> torch.Tensor:
    """Θ(z) = 1 for z ≥ 0, else 0, with no gradient (used for forward-only analysis)."""
    return (z >= 0).to(z.dtype)


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or name.lower() not in SURROGATE_NAMES:
        raise ValueError(
            f"surrogate: unknown name {name!r}; expected one of {', '.join(SURROGATE_NAMES)}"
        )
    return name.lower()


def _check_positive(value: Any, what: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a positive finite number, got {value!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a positive finite number (> 0), got {value!r}")
    return value


class Surrogate:
    """A named surrogate spike function with width ``γ`` and area ``scale`` (see the module docstring).

    ``spike(z)`` is the Heaviside forward with ``g(z)`` in backward; ``derivative(z)`` is ``g(z)``;
    ``primitive(z)`` is the smooth (or piecewise) function whose derivative is ``g``.
    """

    __slots__ = ("name", "width", "scale")

    def __init__(self, name: str, width: float = 1.0, scale: float = 1.0):
        self.name = _check_name(name)
        self.width = _check_positive(width, f"surrogate {self.name!r}: width (γ)")
        self.scale = _check_positive(scale, f"surrogate {self.name!r}: scale (area)")

    # --- the three functions ------------------------------------------------------------------------------
    def spike(self, z: torch.Tensor) -> torch.Tensor:
        """``Θ(z)`` (``z >= 0``) in forward, ``g(z)`` in backward."""
        return _SurrogateSpike.apply(z, self.name, self.width, self.scale)

    __call__ = spike

    def derivative(self, z) -> torch.Tensor:
        """The surrogate derivative ``g(z)`` as a tensor (differentiable where it is smooth)."""
        return _DERIVATIVES[self.name](torch.as_tensor(z), self.width, self.scale)

    def primitive(self, z) -> torch.Tensor:
        """The function ``P`` with ``P' = g``, ``P(−∞) = 0`` and ``P(+∞) = scale`` (for plots)."""
        return _PRIMITIVES[self.name](torch.as_tensor(z), self.width, self.scale)

    # --- description ---------------------------------------------------------------------------------------
    @property
    def alpha(self) -> float:
        """The equivalent ``alpha`` of the papers' code / SpikingJelly (see ``to_alpha``)."""
        return to_alpha(self.name, self.width)

    @property
    def peak(self) -> float:
        """``g(0)``: ``scale/γ`` for rectangle, sigmoid and atan; ``2·scale/γ`` for triangle."""
        return float(self.derivative(torch.zeros((), dtype=torch.float64)))

    def config(self) -> dict:
        """A JSON-able description; ``build(**config)`` rebuilds an equal surrogate."""
        return {"name": self.name, "width": self.width, "scale": self.scale}

    def __repr__(self) -> str:
        extra = "" if self.scale == 1.0 else f", scale={self.scale:g}"
        return f"Surrogate({self.name!r}, width={self.width:g}{extra})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Surrogate) and self.config() == other.config()

    def __hash__(self) -> int:
        return hash((self.name, self.width, self.scale))

    def __getstate__(self):
        return self.config()

    def __setstate__(self, state):
        for key, value in state.items():
            object.__setattr__(self, key, value)


def build(name: "str | Surrogate | Mapping", width: float = 1.0, scale: float = 1.0) -> Surrogate:
    """Build a surrogate by name (``rectangle``, ``triangle``, ``sigmoid``, ``atan``) and width ``γ``.

    ``name`` may also be a ``Surrogate`` (returned as is) or a ``config()`` dict.
    """
    if isinstance(name, Surrogate):
        return name
    if isinstance(name, Mapping):
        return Surrogate(**dict(name))
    return Surrogate(name, width, scale)


def from_alpha(name: str, alpha: float, scale: float = 1.0) -> Surrogate:
    """Surrogate from the papers' code ``alpha``.

    rectangle: ``γ = alpha`` (CLIF/ILIF ``Rectangle(alpha)``); sigmoid: ``γ = 4/alpha``; atan: ``γ = 2/alpha``;
    triangle: ``γ = 2/alpha`` (SpikingJelly ``PiecewiseQuadratic(alpha)``).
    """
    name = _check_name(name)
    alpha = _check_positive(alpha, f"surrogate {name!r}: alpha")
    width = alpha if name == "rectangle" else _ALPHA_NUMERATOR[name] / alpha
    return Surrogate(name, width, scale)


def to_alpha(name: str, width: float) -> float:
    """Inverse of ``from_alpha``: the code ``alpha`` of a surrogate of width ``γ``."""
    name = _check_name(name)
    width = _check_positive(width, f"surrogate {name!r}: width (γ)")
    return width if name == "rectangle" else _ALPHA_NUMERATOR[name] / width
