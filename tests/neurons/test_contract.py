"""The module contract shared by every neuron (docs/contracts.md): build by name, shapes, record keys, state
across calls (forward and backward), batch-shape errors, get/set_state, public attributes, bad input."""
import copy
import pickle

import pytest
import torch

from snnlab import surrogate as sg
from snnlab.neurons import NEURON_NAMES, build

AVAILABLE = list(NEURON_NAMES)
OWN_STATES = {"lif": (), "plif": (), "klif": ("F",), "clif": ("M",), "ilif": ("A", "M"), "glif": ()}


def _make(name, **kw):
    if name == "glif":
        kw.setdefault("T", 12)
    return build(name, **kw).double()


def _x(T=6, shape=(3, 4), seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(T, *shape, generator=g, dtype=torch.float64) * 0.8 + 0.8


@pytest.mark.parametrize("name", AVAILABLE)
def test_shapes_record_and_public_attributes(name):
    n = _make(name)
    assert n.kind == name
    x = _x(shape=(2, 3, 5))
    s = n(x)
    assert s.shape == x.shape and s.dtype == x.dtype
    assert set(torch.unique(s).tolist()) <= {0.0, 1.0}
    n.reset()
    s2, states = n(x, record=True)
    torch.testing.assert_close(s, s2)
    assert set(states) == {"H", "V", *OWN_STATES[name]}
    for v in states.values():
        assert v.shape == x.shape
    for attr in ("tau", "v_threshold", "v_reset", "decay_input", "detach_reset", "surrogate", "backend"):
        assert hasattr(n, attr), attr
    assert isinstance(n.surrogate, sg.Surrogate)
    assert n.backend == "auto"
    assert name in type(n).__name__.lower() or name == "glif"
    repr(n)


@pytest.mark.parametrize("backend", ["reference", "auto"])  # "auto" also crosses reference and fast-path calls
@pytest.mark.parametrize("name", AVAILABLE)
def test_single_steps_equal_one_multistep_call_forward_and_backward(name, backend):
    x = _x(T=6, shape=(4,), seed=1)
    w = torch.randn(6, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    n1 = _make(name, surrogate="sigmoid", backend="reference")
    xa = x.clone().requires_grad_(True)
    sa, reca = n1(xa, record=True)
    (sa * w).sum().backward()

    n2 = _make(name, surrogate="sigmoid", backend=backend)
    n2.load_state_dict(n1.state_dict())
    xb = x.clone().requires_grad_(True)
    outs = []
    for t in range(6):  # alternate record=True/False calls: both paths must carry the same state
        outs.append(n2(xb[t:t + 1], record=True)[0] if t % 2 == 0 else n2(xb[t:t + 1]))
    sb = torch.cat(outs)
    torch.testing.assert_close(sa, sb)
    (sb * w).sum().backward()
    torch.testing.assert_close(xa.grad, xb.grad, rtol=1e-12, atol=1e-12)
    for (pa_name, pa), (pb_name, pb) in zip(n1.named_parameters(), n2.named_parameters()):
        torch.testing.assert_close(pa.grad, pb.grad, rtol=1e-12, atol=1e-12, msg=pa_name)


@pytest.mark.parametrize("name", AVAILABLE)
def test_reset_and_get_set_state(name):
    n = _make(name)
    assert n.get_state() is None
    x = _x(T=4, shape=(3,))
    n(x)
    st = n.get_state()
    assert isinstance(st, dict) and set(st) >= {"V"}
    # continuing differs from restarting (the state is really carried) ...
    cont = n(x, record=True)[1]["V"]
    n.reset()
    assert n.get_state() is None
    fresh = n(x, record=True)[1]["V"]
    assert not torch.allclose(cont, fresh)
    # ... and set_state restarts from a recorded state
    n.set_state({k: (v.detach() if isinstance(v, torch.Tensor) else v) for k, v in st.items()})
    again = n(x, record=True)[1]["V"]
    torch.testing.assert_close(again, cont)
    with pytest.raises(ValueError, match="unknown keys"):
        n.set_state({"nope": torch.zeros(3)})


@pytest.mark.parametrize("name", AVAILABLE)
def test_other_batch_shape_without_reset_raises(name):
    n = _make(name)
    n(_x(T=2, shape=(3, 4)))
    with pytest.raises(ValueError, match="reset"):
        n(_x(T=2, shape=(5, 4)))
    n.reset()
    assert n(_x(T=2, shape=(5, 4))).shape == (2, 5, 4)


@pytest.mark.parametrize("name", AVAILABLE)
def test_bad_inputs_raise(name):
    n = _make(name)
    with pytest.raises(ValueError, match=r"time axis.*\[T, B"):
        n(torch.ones(5, dtype=torch.float64))
    with pytest.raises(TypeError, match="floating"):
        n(torch.ones(3, 2, dtype=torch.int64))
    with pytest.raises(TypeError, match="Tensor"):
        n([[1.0]])


@pytest.mark.parametrize("name", AVAILABLE)
@pytest.mark.parametrize("tau", [1.0, 0.5, -2.0])
def test_tau_not_above_one_raises(name, tau):
    kw = {"T": 4} if name == "glif" else {}  # GLIF: tau is the time constant of its decay factor 1 - 1/tau
    with pytest.raises(ValueError, match=r"tau.*> 1"):
        build(name, tau=tau, **kw)


@pytest.mark.parametrize("name", AVAILABLE)
def test_surrogate_by_name_object_and_errors(name):
    kw = {"T": 4} if name == "glif" else {}
    n = build(name, surrogate="atan", width=0.5, **kw)
    assert n.surrogate == sg.build("atan", 0.5)
    obj = sg.build("triangle", 2.0)
    assert build(name, surrogate=obj, **kw).surrogate is obj
    assert build(name, surrogate=obj.config(), **kw).surrogate == obj
    with pytest.raises(ValueError, match="width"):
        build(name, surrogate="rectangle", width=-1.0, **kw)
    with pytest.raises(ValueError, match="conflicts"):
        build(name, surrogate=obj, width=0.3, **kw)
    with pytest.raises(ValueError, match="rectangle, triangle, sigmoid, atan"):
        build(name, surrogate="erf", **kw)
    with pytest.raises(ValueError, match="backend"):
        build(name, backend="cuda", **kw)


def test_unknown_neuron_name_raises_listing_names():
    with pytest.raises(ValueError, match="lif, plif, glif, klif, clif, ilif"):
        build("alif")


@pytest.mark.parametrize("name", AVAILABLE)
def test_module_is_deepcopyable_and_picklable(name):
    n = _make(name)
    n(_x(T=2, shape=(2,)).requires_grad_(True))  # carried state now has a graph
    m = copy.deepcopy(n)  # works: the copy carries the state detached
    p = pickle.loads(pickle.dumps(n))
    x = _x(T=3, shape=(2,), seed=5)
    ref = n(x, record=True)[1]["V"]
    torch.testing.assert_close(m(x, record=True)[1]["V"], ref)
    torch.testing.assert_close(p(x, record=True)[1]["V"], ref)


@pytest.mark.parametrize("name", AVAILABLE)
def test_bad_parameters_raise_naming_them(name):
    kw = {"T": 4} if name == "glif" else {}
    with pytest.raises(ValueError, match="v_threshold"):
        build(name, v_threshold=-1.0, **kw)
    with pytest.raises((TypeError, ValueError), match="detach_reset"):
        build(name, detach_reset="yes", **kw)
    if name != "glif":
        with pytest.raises(ValueError, match="reset must be 'soft'"):
            build(name, reset="zero")
        with pytest.raises(ValueError, match="conflicts with reset='soft'"):
            build(name, reset="soft", v_reset=0.0)
        assert build(name, reset="hard").v_reset == 0.0
        assert build(name, v_reset=0.25).v_reset == 0.25  # a v_reset alone means a hard reset (SpikingJelly)


def test_fast_path_hook_is_called_and_can_take_over(monkeypatch):
    import snnlab.kernels as K

    calls = []

    def fake_dispatch(neuron, x, state, record=False):
        calls.append((neuron.kind, tuple(x.shape), dict(state)))
        out = torch.full_like(x, 7.0), {"V": torch.full_like(x[0], 3.0)}
        return (*out, {"H": torch.full_like(x, 5.0), "V": torch.full_like(x, 4.0)}) if record else out

    monkeypatch.setattr(K, "dispatch", fake_dispatch)
    n = build("lif")
    x = torch.zeros(2, 3)
    assert torch.equal(n(x), torch.full_like(x, 7.0))
    assert calls == [("lif", (2, 3), {"V": None})]
    assert torch.equal(n.get_state()["V"], torch.full((3,), 3.0))
    # the state dict from get_state() is passed on the next call
    n(x)
    assert torch.equal(calls[-1][2]["V"], torch.full((3,), 3.0))
    # record=True when a gradient is needed, and backend="reference", never call the hook
    n.reset()
    n(x.requires_grad_(), record=True)
    build("lif", backend="reference")(x)
    assert len(calls) == 2
    # record=True without gradients takes the records from the hook
    with torch.no_grad():
        s, rec = n(x, record=True)
    assert len(calls) == 3 and torch.equal(rec["H"], torch.full_like(x, 5.0)) and torch.equal(s, torch.full_like(x, 7.0))
