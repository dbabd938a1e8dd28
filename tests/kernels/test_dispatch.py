"""backend="auto" says which path ran when it cannot use the fused kernel (one RuntimeWarning per neuron kind and
reason, naming the neuron, the reason and the path), and stays quiet when the kernel runs."""
from __future__ import annotations

import warnings

import pytest
import torch

from snnlab import kernels, neurons


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(kernels, "_warned", set())


def _fallback_warnings(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)
                 and "snnlab.kernels" in str(w.message)]


def test_unsupported_dtype_warns_once_with_neuron_reason_and_path():
    x = torch.randn(3, 2, 4).to(torch.bfloat16)
    lif = neurons.build("lif")
    out, msgs = _fallback_warnings(lambda: lif(x))
    assert len(msgs) == 1, msgs
    assert msgs[0].startswith("snnlab.kernels: lif (backend='auto') runs the reference loop")
    assert "input dtype torch.bfloat16 is not supported" in msgs[0] and "fused C kernel" in msgs[0]
    assert torch.equal(out, neurons.build("lif", backend="reference")(x))
    lif.reset()
    _, again = _fallback_warnings(lambda: lif(x))
    assert again == []  # once per kind and reason
    _, other_kind = _fallback_warnings(lambda: neurons.build("clif")(x))
    assert len(other_kind) == 1 and other_kind[0].startswith("snnlab.kernels: clif")


def test_glif_parameter_dtype_fallback_is_named():
    glif = neurons.build("glif", T=3, channels=4).double()  # float64 per-channel parameters, float32 input
    x = torch.randn(3, 2, 4)
    _, msgs = _fallback_warnings(lambda: glif(x))
    assert len(msgs) == 1 and "glif" in msgs[0] and "GLIF parameter" in msgs[0]


def test_fast_path_and_explicit_reference_are_quiet():
    x = torch.randn(3, 2, 4)
    for kind in ("lif", "plif", "klif", "clif", "ilif"):
        _, msgs = _fallback_warnings(lambda: neurons.build(kind)(x))
        assert msgs == [], (kind, msgs)
        _, msgs = _fallback_warnings(lambda: neurons.build(kind, backend="reference")(x.half()))
        assert msgs == [], (kind, msgs)
    _, msgs = _fallback_warnings(lambda: neurons.build("lif")(torch.randn(3, 0, 4)))  # nothing to run
    assert msgs == []
