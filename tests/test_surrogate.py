"""Surrogate spike functions: forward is Heaviside (z >= 0), backward is g, g is the derivative of the primitive,
unit area, the documented widths/heights and alpha conversions, errors on bad input."""
import copy
import math
import pickle

import pytest
import torch

from snnlab import surrogate as sg

NAMES = sg.SURROGATE_NAMES


def _grid(width, n=4001, span=3.0):
    return torch.linspace(-span * width, span * width, n, dtype=torch.float64)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("width", [0.5, 1.0, 2.5])
def test_forward_is_heaviside_and_backward_is_g(name, width):
    s = sg.build(name, width=width)
    z = torch.tensor([-1.0, -1e-6, 0.0, 1e-6, 0.3, 2.0], dtype=torch.float64, requires_grad=True)
    out = s.spike(z)
    assert out.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0]  # fires at z == 0 (>=)
    w = torch.tensor([0.5, -2.0, 1.0, 3.0, 0.25, 1.5], dtype=torch.float64)
    (out * w).sum().backward()
    torch.testing.assert_close(z.grad, w * s.derivative(z.detach()), rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("width", [0.3, 1.0, 4.0])
def test_derivative_is_derivative_of_primitive(name, width):
    s = sg.build(name, width=width)
    z = _grid(width, n=1001).requires_grad_(True)
    (grad,) = torch.autograd.grad(s.primitive(z).sum(), z)
    torch.testing.assert_close(grad, s.derivative(z.detach()), rtol=1e-12, atol=1e-12)
    # and by central finite differences away from kinks (rectangle edges, triangle corners)
    zz = torch.tensor([-0.41, -0.13, 0.07, 0.29, 0.6, 1.7], dtype=torch.float64) * width
    h = 1e-6 * width
    fd = (s.primitive(zz + h) - s.primitive(zz - h)) / (2 * h)
    torch.testing.assert_close(fd, s.derivative(zz), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("width", [0.5, 1.0, 2.0])
def test_unit_area_and_primitive_limits(name, width):
    s = sg.build(name, width=width)
    span = 2000.0 if name == "atan" else 10.0  # atan has heavy tails
    z = torch.linspace(-span * width, span * width, 2_000_001, dtype=torch.float64)
    area = torch.trapezoid(s.derivative(z), z).item()
    tail = 2 / math.pi * math.atan(1 / (math.pi * span)) if name == "atan" else 0.0  # atan mass beyond span
    assert area == pytest.approx(1.0 - tail, abs=2e-4)
    assert s.primitive(torch.tensor(-1e6)).item() == pytest.approx(0.0, abs=1e-6)
    assert s.primitive(torch.tensor(1e6)).item() == pytest.approx(1.0, abs=1e-6)


def test_documented_shapes_worked_values():
    # rectangle: height 1/γ on |z| <= γ/2, boundary included (CLIF code uses <=)
    r = sg.build("rectangle", width=2.0)
    assert r.derivative(torch.tensor([-1.0, 0.0, 1.0, 1.0001])).tolist() == [0.5, 0.5, 0.5, 0.0]
    # triangle: height 2/γ at 0, zero at ±γ/2, half-height at ±γ/4
    t = sg.build("triangle", width=2.0)
    torch.testing.assert_close(t.derivative(torch.tensor([0.0, 0.5, 1.0, 1.5])), torch.tensor([1.0, 0.5, 0.0, 0.0]))
    # smooth: equivalent width γ = 1/g(0)
    for name in ("sigmoid", "atan"):
        for width in (0.5, 1.0, 3.0):
            assert sg.build(name, width=width).peak == pytest.approx(1.0 / width, rel=1e-12)
    assert r.peak == pytest.approx(0.5)
    assert t.peak == pytest.approx(1.0)
    # scale multiplies the area
    s2 = sg.build("sigmoid", width=1.0, scale=2.0)
    assert s2.peak == pytest.approx(2.0)


def test_alpha_conversions_match_spikingjelly_formulas():
    # Sigmoid(alpha=4) of the ILIF README runs == width 1; its g is alpha*sig(alpha z)(1-sig(alpha z))
    s = sg.from_alpha("sigmoid", 4.0)
    assert s.width == pytest.approx(1.0)
    z = torch.linspace(-3, 3, 61, dtype=torch.float64)
    alpha = 4.0
    torch.testing.assert_close(s.derivative(z), alpha * torch.sigmoid(alpha * z) * (1 - torch.sigmoid(alpha * z)))
    # ATan(alpha=2): g = (alpha/2) / (1 + (pi/2 alpha z)^2)
    a = sg.from_alpha("atan", 2.0)
    assert a.width == pytest.approx(1.0)
    torch.testing.assert_close(a.derivative(z), 1.0 / (1 + (math.pi / 2 * 2.0 * z) ** 2))
    # Rectangle(alpha) of the CLIF/ILIF code: alpha is the width
    assert sg.from_alpha("rectangle", 0.7).width == pytest.approx(0.7)
    # PiecewiseQuadratic(alpha=1): alpha - alpha^2 |z| on |z| <= 1/alpha
    q = sg.from_alpha("triangle", 1.0)
    assert q.width == pytest.approx(2.0)
    torch.testing.assert_close(q.derivative(z), torch.clamp(1.0 - z.abs(), min=0.0))
    for name in NAMES:
        assert sg.to_alpha(name, sg.from_alpha(name, 3.3).width) == pytest.approx(3.3)
        assert sg.build(name, 0.8).alpha == pytest.approx(sg.to_alpha(name, 0.8))


@pytest.mark.parametrize("name", NAMES)
def test_picklable_deepcopy_config_roundtrip(name):
    s = sg.build(name, width=0.75, scale=1.5)
    assert pickle.loads(pickle.dumps(s)) == s
    assert copy.deepcopy(s) == s
    cfg = s.config()
    assert cfg == {"name": name, "width": 0.75, "scale": 1.5}
    assert sg.build(cfg) == s
    assert sg.build(**cfg) == s
    assert sg.build(s) is s
    assert name in repr(s)
    assert sg.build(name, 0.75) != s


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_width_raises_naming_width(bad):
    with pytest.raises(ValueError, match="width"):
        sg.build("rectangle", width=bad)
    with pytest.raises(ValueError, match="alpha"):
        sg.from_alpha("sigmoid", bad)


def test_unknown_name_raises_listing_names():
    with pytest.raises(ValueError, match="rectangle, triangle, sigmoid, atan"):
        sg.build("gaussian")
    with pytest.raises(ValueError, match="unknown name"):
        sg.from_alpha("erf", 1.0)


def test_dtype_and_shape_preserved():
    s = sg.build("atan", 1.0)
    z = torch.randn(7, dtype=torch.float16)
    assert s.spike(z).dtype == torch.float16
    z64 = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    out = s.spike(z64)
    assert out.shape == (3, 4) and out.dtype == torch.float64
