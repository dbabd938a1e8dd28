"""torch.compile through the fused kernels (their custom ops, snnlab.kernels.ops): no graph break, and the same
outputs and gradients as eager mode.

One small network holds all six neurons (each behind a Linear and a per-step BatchNorm, as in the papers' nets),
so that one compilation covers every custom op (compiling takes tens of seconds on a 2-core CPU). float64, so
that the compiled graph's reordered arithmetic (BatchNorm) cannot flip a spike at the threshold.
"""
from __future__ import annotations

import pytest
import torch
from torch import nn

from snnlab import neurons
from snnlab.models.layers import SeqBatchNorm, TimeFold, reset_net

KINDS = ("lif", "plif", "glif", "klif", "clif", "ilif")
T, B, F = 3, 4, 6

# compiling takes 20 s to minutes here (dynamo tracing, then inductor's C++ builds)
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning")]


def _net(kinds=KINDS, backend="auto", bn=True, dtype=torch.float64):
    torch.manual_seed(0)
    layers = []
    for kind in kinds:
        params = dict(T=T) if kind == "glif" else {}
        if kind in ("lif", "clif"):  # a smooth surrogate on some, so that every backward path is exercised
            params["surrogate"] = "sigmoid"
        layers += [TimeFold(nn.Linear(F, F))] + ([SeqBatchNorm(F, dims=1)] if bn else []) \
            + [neurons.build(kind, backend=backend, **params)]
    return nn.Sequential(*layers, TimeFold(nn.Linear(F, 2))).to(dtype)


def _step(net, x):
    reset_net(net)
    out = net(x)
    return out, (out * torch.linspace(-1, 1, 2, dtype=out.dtype, device=out.device)).sum()


def _grads(net, x, fn):
    net.zero_grad(set_to_none=True)
    xg = x.clone().requires_grad_()
    out, loss = fn(net, xg)
    loss.backward()
    return out.detach(), [xg.grad] + [p.grad for p in net.parameters()]


def _assert_one_graph_with_kernels(net, x, prefix):
    """``_step`` traces to one graph without a break, holding the fused kernels (a custom op per neuron,
    ``snnlab.<prefix>_<neuron>``), not the reference loop."""
    explanation = torch._dynamo.explain(_step)(net, x)
    assert explanation.graph_break_count == 0, [str(b.reason)[:300] for b in explanation.break_reasons]
    assert explanation.graph_count == 1
    ops = [str(n.target) for g in explanation.graphs for n in g.graph.nodes if n.op == "call_function"]
    for name in ("lif", "clif", "ilif", "glif"):
        assert any(f"snnlab.{prefix}_{name}" in o for o in ops), (name, ops)


def _assert_compiled_matches_eager(net, x, out_tol, grad_tol):
    """The compiled ``_step`` (default settings: inductor) gives eager mode's spikes, outputs and gradients, on
    the first call and on the cached graph's; ``*_tol`` = (rtol, atol)."""
    torch._dynamo.reset()
    out_e, grads_e = _grads(net, x, _step)
    compiled = torch.compile(_step)
    for _ in range(2):  # the second call runs the cached graph
        out_c, grads_c = _grads(net, x, compiled)
        assert torch.equal(out_c != 0, out_e != 0)
        torch.testing.assert_close(out_c, out_e, rtol=out_tol[0], atol=out_tol[1])
        for ge, gc in zip(grads_e, grads_c):
            torch.testing.assert_close(gc, ge, rtol=grad_tol[0], atol=grad_tol[1])
    assert any(float(g.abs().sum()) > 0 for g in grads_e[1:])


def test_no_graph_break_with_any_neuron():
    _assert_one_graph_with_kernels(_net(), torch.randn(T, B, F, dtype=torch.float64) + 0.5, "cpu")


def test_compiled_training_step_matches_eager():
    _assert_compiled_matches_eager(_net(), torch.randn(T, B, F, dtype=torch.float64) + 0.5, (1e-10, 1e-12),
                                   (1e-9, 1e-11))


def test_compiled_state_continues_across_calls():
    """Two chunks without a reset in between (truncated sequences): the carried states are graph inputs, GLIF's
    step counter a Python int."""
    torch._dynamo.reset()
    net = _net()
    x = torch.randn(T, B, F, dtype=torch.float64) + 0.5

    def two_chunks(net, x):
        reset_net(net)
        return torch.cat([net(x[:1]), net(x[1:])]), None

    explanation = torch._dynamo.explain(two_chunks)(net, x)
    assert explanation.graph_break_count == 0, [str(b.reason)[:300] for b in explanation.break_reasons]
    eager = two_chunks(net, x)[0]
    torch.testing.assert_close(torch.compile(two_chunks, backend="aot_eager")(net, x)[0], eager)
    torch.testing.assert_close(_step(net, x)[0], eager)  # = one call over all T steps


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (benchmarks/gpu_check.sh runs it)")
def test_cuda_compile_has_no_graph_break_and_matches_eager():
    """On a GPU: the Triton custom ops compile with the network (zero graph breaks, one graph, the kernels in it)
    and the compiled step gives eager mode's outputs and gradients. float32 (the Triton kernels' state type); no
    BatchNorm between the neurons, so that the compiled graph's reordered arithmetic has nothing to reorder in
    front of a threshold."""
    torch._dynamo.reset()
    net = _net(bn=False, dtype=torch.float32).cuda()
    x = torch.randn(T, B, F, device="cuda") + 0.5
    _assert_one_graph_with_kernels(net, x, "triton")
    _assert_compiled_matches_eager(net, x, (1e-5, 1e-6), (1e-4, 1e-6))


def test_cpu_ops_return_no_views():
    """Every C op output (forward and backward of all six neurons, PLIF's τ and KLIF's k learned) is a tensor of
    its own, as a custom op must return (op_views.py); the Triton ops are checked in the parity worker."""
    from . import op_views

    found, restore = op_views.watch()
    try:
        net = _net(backend="cpu")  # (every parameter requires grad: PLIF's τ and KLIF's k are learned)
        x = (torch.randn(T, B, F, dtype=torch.float64) + 0.5).requires_grad_()
        with torch.no_grad():
            _step(net, x)  # forward-only ops too
        _grads(net, x, _step)
    finally:
        restore()
    assert not found, found
