"""The C 2x2 max pooling (snnlab.kernels.pool) against torch's max_pool2d: values, which element gets each window's
gradient, non-finite inputs, odd sizes, float64, double backward, torch.compile, and the fallbacks."""
import pytest
import torch
import torch.nn.functional as F

from snnlab.kernels import pool

pytestmark = pytest.mark.skipif(not pool.available(), reason="no C compiler: the pooling kernel cannot be built")


def _inputs(kind: str, shape, dtype=torch.float32, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    if kind == "spikes":      # 0/1: ties in almost every window (all-zero windows route to their first element)
        return (torch.rand(shape, generator=g) < 0.2).to(dtype)
    if kind == "randn":
        return torch.randn(shape, generator=g, dtype=dtype)
    if kind == "ties":        # few distinct values
        return torch.randint(-2, 3, shape, generator=g).to(dtype)
    if kind == "nonfinite":   # NaN, +Inf, -Inf and -0.0 / +0.0 mixed with numbers, several NaNs per window
        x = torch.randn(shape, generator=g, dtype=dtype)
        r = torch.rand(shape, generator=g)
        x[r < 0.15] = float("nan")
        x[(r >= 0.15) & (r < 0.25)] = float("inf")
        x[(r >= 0.25) & (r < 0.4)] = float("-inf")
        x[(r >= 0.4) & (r < 0.45)] = -0.0
        x[(r >= 0.45) & (r < 0.5)] = 0.0
        return x
    raise ValueError(kind)


SHAPES = [(2, 3, 28, 28), (4, 5, 14, 14), (3, 2, 7, 9), (1, 1, 2, 2), (2, 2, 6, 5), (2, 3, 4, 16), (3, 5, 5)]


def _check(x):
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    ya, yb = pool.max_pool2x2(xa), F.max_pool2d(xb, 2)
    assert ya.shape == yb.shape and ya.dtype == yb.dtype
    # bit for bit, NaN in the same places (and -0.0 vs +0.0 kept: compared as bits)
    assert torch.equal(ya.isnan(), yb.isnan())
    fin = ~ya.isnan()
    assert torch.equal(ya[fin].view(-1).view(torch.int32 if x.dtype == torch.float32 else torch.int64),
                       yb[fin].view(-1).view(torch.int32 if x.dtype == torch.float32 else torch.int64))
    g = torch.randn_like(ya)
    ya.backward(g)
    yb.backward(g)
    assert torch.equal(xa.grad, xb.grad)          # each window's gradient on the same element, zeros elsewhere


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", ["spikes", "randn", "ties", "nonfinite"])
def test_matches_torch_forward_and_backward(kind, shape):
    _check(_inputs(kind, shape))


@pytest.mark.parametrize("kind", ["spikes", "randn", "nonfinite"])
def test_float64_matches_torch(kind):
    _check(_inputs(kind, (2, 3, 10, 11), torch.float64, seed=3))


def test_windows_scanned_row_major_with_nan_winning():
    # one window per case: values (a, b / c, d); torch's position of the maximum is the reference
    cases = [(0, 0, 0, 0), (1, 1, 0, 0), (0, 1, 1, 1), (0, 0, 0, 1), (float("nan"), 5, 1, 2),
             (1, float("nan"), float("nan"), 2), (float("-inf"),) * 4, (-0.0, 0.0, 0.0, -0.0), (2, float("inf"), 3, 1)]
    x = torch.tensor([[[[a, b], [c, d]]] for a, b, c, d in cases], dtype=torch.float32)
    _check(x)
    _, idx = F.max_pool2d(x, 2, return_indices=True)
    y, pos = pool._forward_impl(x)
    assert pos.view(-1).tolist() == idx.view(-1).tolist() == [0, 0, 1, 3, 0, 2, 0, 0, 1]


def test_strided_input_and_time_folded_batch():
    x = _inputs("spikes", (4, 6, 8, 20, 20)).transpose(0, 1)    # not contiguous
    y = pool.max_pool2x2(x.reshape(24, 8, 20, 20))
    assert torch.equal(y, F.max_pool2d(x.reshape(24, 8, 20, 20), 2))


def test_double_backward_matches_torch():
    x = _inputs("ties", (2, 3, 6, 7), torch.float64)
    grads = []
    g0, w = torch.randn(2, 3, 3, 3, dtype=torch.float64), torch.randn(2, 3, 6, 7, dtype=torch.float64)
    for f in (pool.max_pool2x2, lambda t: F.max_pool2d(t, 2)):
        xi = x.clone().requires_grad_()
        y = f(xi)
        g = g0.clone().requires_grad_()
        (gx,) = torch.autograd.grad(y, xi, g, create_graph=True)
        (gg,) = torch.autograd.grad((gx * w).sum(), g)
        grads.append((gx.detach(), gg))
    assert torch.equal(grads[0][0], grads[1][0]) and torch.equal(grads[0][1], grads[1][1])
    xi = _inputs("randn", (2, 3, 6, 7), torch.float64).requires_grad_()   # distinct values: finite differences
    assert torch.autograd.gradcheck(lambda t: pool.max_pool2x2(t), (xi,))
    g = torch.randn(2, 3, 3, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradgradcheck(lambda t: pool.max_pool2x2(t), (xi,), (g,))


def test_compiles_without_graph_break_and_matches_eager():
    x = _inputs("randn", (2, 3, 8, 8)).requires_grad_()

    def f(t):
        return pool.max_pool2x2(t * 2.0).sum(dim=1)

    explain = torch._dynamo.explain(f)(x)
    assert explain.graph_break_count == 0, explain.break_reasons
    torch._dynamo.reset()
    cf = torch.compile(f, backend="aot_eager")
    y = cf(x)
    (g,) = torch.autograd.grad(y.sum(), x)
    xe = x.detach().clone().requires_grad_()
    ye = f(xe)
    (ge,) = torch.autograd.grad(ye.sum(), xe)
    assert torch.equal(y, ye) and torch.equal(g, ge)


def test_fallbacks_and_bad_shapes():
    x = _inputs("randn", (2, 3, 8, 8), torch.float16)
    assert torch.equal(pool.max_pool2x2(x), F.max_pool2d(x, 2))           # half: torch's own
    with pytest.raises(ValueError, match=r"max_pool2x2 takes \[N, C, H, W\] or \[C, H, W\], got shape \(8, 8\)"):
        pool.max_pool2x2(torch.zeros(8, 8))
    assert pool.available(torch.float64) and not pool.available(torch.int64)
