"""Clear errors for the usual mistakes (issue #16 item 8): an input with T = 0 steps, a second batch's backward
through a state that was not reset, torch.jit.script."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from snnlab.neurons import NEURON_NAMES, build

BACKENDS = ("reference", "cpu")


def _neuron(kind, backend):
    return build(kind, backend=backend, **({"T": 8} if kind == "glif" else {}))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", NEURON_NAMES)
def test_zero_time_steps_is_a_clear_value_error(kind, backend):
    with pytest.raises(ValueError, match=r"T = 0 time steps \(shape \(0, 3, 2\)\).*T >= 1"):
        _neuron(kind, backend)(torch.randn(0, 3, 2))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", NEURON_NAMES)
def test_second_batch_without_reset_names_reset(kind, backend):
    n = _neuron(kind, backend)
    x1 = torch.randn(3, 2, 4, requires_grad=True)
    n(x1).sum().backward()
    x2 = torch.randn(3, 2, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"call neuron.reset\(\) \(or snnlab.models.reset_net\(model\)\)"
                                           r"|Call neuron.reset\(\) \(or snnlab.models.reset_net\(model\)\)"):
        n(x2).sum().backward()
    # with the reset in between it works, and equals a fresh neuron
    n.reset()
    x2.grad = None
    s = n(x2)
    s.sum().backward()
    assert x2.grad is not None


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", ["lif", "clif", "ilif"])
def test_continued_sequences_are_not_flagged(kind, backend):
    """Chunks of one sequence with one backward at the end, and a backward with retain_graph=True followed by a
    second one through the same graph, are legitimate: no error."""
    n = _neuron(kind, backend)
    x = torch.randn(6, 2, 4, requires_grad=True)
    s = torch.cat([n(x[:2]), n(x[2:4]), n(x[4:])])
    s.sum().backward()
    n.reset()
    s1 = n(x[:3])
    s1.sum().backward(retain_graph=True)
    n(x[3:]).sum().backward()


def test_torch_jit_script_refuses_with_a_reason():
    with pytest.raises(TypeError, match="cannot be compiled with torch.jit.script"):
        torch.jit.script(build("lif"))
    with pytest.raises(TypeError, match="clif: snnlab neurons cannot be compiled with torch.jit.script"):
        torch.jit.script(nn.Sequential(nn.Linear(3, 3), build("clif")))
