"""Fused multi-step neuron kernels: C on CPU (``cpu.py`` + ``csrc/``), Triton on GPU (``triton.py``).

``dispatch(neuron, x, state, record=False)`` is called by ``snnlab.neurons.base.Neuron.forward`` when
``neuron.backend != "reference"`` (and, with ``record=True``, when no gradient is needed); it returns
``(spikes, new_state)`` (plus the recorded states with ``record``) from a fused kernel, or None so that the
reference loop runs. The kernels are PyTorch custom operators (``ops.py``: fake implementations, autograd
formulas), so ``torch.compile`` traces a network through them without graph breaks. Backends:

* ``"auto"``: the fastest correct path: the C kernels for CPU tensors (float32/float64), Triton for CUDA tensors
  (float32/float16/bfloat16 inputs, float32 state). Anything else (other dtypes, per-channel GLIF parameters
  wider than x, no compiler or a kernel library that cannot be built or loaded, no Triton) runs the reference
  loop, and says so once per neuron kind and reason with a ``RuntimeWarning`` naming the neuron, the reason and
  the path taken.
* ``"cpu"``: the C kernels; raises ``KernelUnavailable`` (a ``RuntimeError``) saying what is missing.
* ``"triton"``: the Triton kernels; CUDA tensors, or CPU tensors under ``TRITON_INTERPRET=1`` (tests).

Both backends cover every kind, GLIF included (C: ``csrc/glif.h``; Triton: ``triton.py``, the same recursions
with float32 coefficients and state).

Contract of every fast path (docs/contracts.md; tests/kernels):

* it equals the reference loop: outputs and gradients (input, initial state, τ for PLIF, k for KLIF, every GLIF
  parameter) over a grid of options;
* **NaN/Inf**: for non-finite inputs, states or incoming gradients it gives exactly what the reference loop gives
  (the same spikes; NaN, +Inf, −Inf at the same places in states and gradients): relu/clamp keep NaN, relu's
  backward selects, detached terms are left out rather than multiplied by 0 (test_nonfinite.py);
* **double backward**: under ``create_graph=True`` each Function's backward recomputes the forward with the
  reference loop from its saved inputs and differentiates that (``reference.py``), so second-order gradients
  are the reference loop's; a plain backward runs the fast C/Triton recursion (test_double_backward.py).
"""
from __future__ import annotations

import os
import warnings

import torch

__all__ = ["dispatch", "available_backends", "KernelUnavailable", "SUPPORTED_KINDS"]

SUPPORTED_KINDS = ("lif", "plif", "klif", "clif", "ilif", "glif")
_warned: set = set()


class KernelUnavailable(RuntimeError):
    """A fused backend was requested explicitly but cannot run this neuron/input here."""


def _warn_once(key: str, message: str, stacklevel: int = 3) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, RuntimeWarning, stacklevel=stacklevel)


# The environment probes below run once per process and are constants to torch.compile: dynamo calls them at
# trace time instead of tracing their file-system and import work (which would break the graph).
_constant = getattr(getattr(torch, "compiler", None), "assume_constant_result", lambda fn: fn)


@_constant
def _cpu_ready() -> "str | None":
    """None when the C kernels can be built here, else the reason."""
    from snnlab.kernels import build

    if build.find_compiler() is None:
        return "no C compiler found (tried $CC, gcc, cc); install gcc"
    return None


@_constant
def _triton_import_error() -> "str | None":
    try:
        import triton  # noqa: F401
    except Exception as exc:  # ImportError or a broken install
        return f"triton is not importable ({exc}); pip install triton"
    return None


@_constant
def _triton_interpreting() -> bool:
    return os.environ.get("TRITON_INTERPRET") == "1"


def _triton_ready(x: torch.Tensor) -> "str | None":
    why = _triton_import_error()
    if why is not None:
        return why
    if x.is_cuda or _triton_interpreting():
        return None
    return "backend='triton' needs CUDA tensors (or TRITON_INTERPRET=1 for the interpreter on CPU)"


def available_backends() -> list:
    """The backends that can run here: always "reference", "cpu" with a C compiler, "triton" with CUDA."""
    out = ["reference"]
    if _cpu_ready() is None:
        out.append("cpu")
    if torch.cuda.is_available() and _triton_ready(torch.empty(0, device="cuda")) is None:
        out.append("triton")
    return out


def _unsupported(neuron, x: torch.Tensor, state: dict, backend: str) -> "str | None":
    """Why this neuron/input has no fused path (None when it has one)."""
    kind = getattr(neuron, "kind", None)
    if kind not in SUPPORTED_KINDS:
        return f"no fused kernel for neuron kind {kind!r} (kernels exist for {', '.join(SUPPORTED_KINDS)})"
    sg = neuron.surrogate
    if getattr(sg, "name", None) not in ("rectangle", "triangle", "sigmoid", "atan"):
        return f"surrogate {sg!r} has no kernel implementation"
    if kind == "glif":
        why = _glif_unsupported(neuron, x)
        if why is not None:
            return why
    else:
        tau = neuron.tau
        if isinstance(tau, torch.Tensor) and (tau.numel() != 1):
            return "tau must be a scalar for the fused kernels"
        if kind != "plif" and isinstance(tau, torch.Tensor) and tau.requires_grad:
            return f"a learnable tau is only supported for plif (kind {kind!r})"
        if kind == "klif" and neuron.k.numel() != 1:
            return "KLIF k must be a scalar for the fused kernels"
    # C kernels: float32/float64; Triton: float32/float16/bfloat16 inputs with a float32 state (Triton passes
    # Python float scalars as float32, so a float64 path would round τ, V_th: not offered)
    allowed = (torch.float32, torch.float64) if backend == "cpu" else (torch.float32, torch.float16, torch.bfloat16)
    if x.dtype not in allowed:
        return f"input dtype {x.dtype} is not supported by backend {backend!r} (supported: {allowed})"
    if x.numel() == 0:
        return "empty input"
    for k, v in state.items():
        if v is None or (kind == "glif" and k == "t"):  # GLIF's step counter is an integer tensor
            continue
        if v.device != x.device:
            return f"state {k!r} is on {v.device} but x is on {x.device}"
        if backend == "cpu" and v.dtype != x.dtype:
            return f"state {k!r} has dtype {v.dtype} but x has {x.dtype}"
    return None


def _glif_unsupported(neuron, x: torch.Tensor) -> "str | None":
    """GLIF: its parameters must not promote x to another dtype (the reference would then return that dtype).
    Per-layer (0-dim) parameters never promote; per-channel ones do when they are wider than x."""
    for name, w in neuron.named_parameters(recurse=False):
        if w.device != x.device:
            return f"GLIF parameter {name} is on {w.device} but x is on {x.device}"
        if w.dim() > (1 if name == "w_conduct" else 0) and torch.promote_types(w.dtype, x.dtype) != x.dtype:
            return (f"GLIF parameter {name} is {w.dtype} but x is {x.dtype} (the reference would compute in "
                    f"{torch.promote_types(w.dtype, x.dtype)}); convert the module with .to({x.dtype})")
    return None


def dispatch(neuron, x: torch.Tensor, state: dict, record: bool = False):
    """Return ``(spikes, new_state)`` from a fused kernel, or ``None`` when no fast path applies. With ``record``
    ``(spikes, new_state, records)``: the neuron's ``record=True`` states written by the forward kernel (not
    differentiable; ``Neuron.forward`` asks for them only when no gradient is needed)."""
    backend = getattr(neuron, "backend", "auto")
    if backend == "reference":
        return None
    if backend == "auto":
        target = "triton" if x.is_cuda else "cpu"
    elif backend in ("cpu", "triton"):
        target = backend
    else:
        raise ValueError(f"backend must be 'auto', 'reference', 'cpu' or 'triton', got {backend!r}")
    explicit = backend != "auto"

    if target == "cpu":
        why = "backend='cpu' needs CPU tensors; use backend='triton' or 'auto' on CUDA" if x.is_cuda else None
        why = why or _cpu_ready()
    else:
        why = _triton_ready(x)
    why = why or _unsupported(neuron, x, state, target)
    if why is not None:
        if explicit:
            raise KernelUnavailable(f"{neuron.kind}: backend={backend!r} cannot run: {why}")
        if x.numel() > 0:  # (an empty input has nothing to run: no warning)
            _fallback(neuron, target, why)
        return None

    if target == "cpu":
        from snnlab.kernels import build, cpu

        try:
            return cpu.run(neuron, x, state, record)
        except build.BuildError as exc:
            if explicit:
                raise KernelUnavailable(f"{neuron.kind}: backend='cpu' cannot run: {exc}") from exc
            _fallback(neuron, target, f"the C kernels cannot be built or loaded here: {exc}", key="cpu-build")
            return None
    from snnlab.kernels import triton as triton_kernels

    return triton_kernels.run(neuron, x, state, record)


def _fallback(neuron, target: str, why: str, key: "str | None" = None) -> None:
    """backend="auto" could not use the fused kernel: warn once per neuron kind and reason (or once per ``key``:
    a build failure is said once for every neuron) which path runs."""
    kind = getattr(neuron, "kind", type(neuron).__name__)
    fast = "C kernel" if target == "cpu" else "Triton kernel"
    _warn_once(key or f"{kind}:{target}:{why}",
               f"snnlab.kernels: {kind} (backend='auto') runs the reference loop (plain torch, slower), not the "
               f"fused {fast}: {why}. Set backend='reference' to choose that path explicitly and silence this "
               f"warning.", stacklevel=7)  # the module's caller (past forward, _call_impl, _wrapped_call_impl)
