"""Monitors: firing rates, surrogate-window occupancy and gradient norms against direct computations."""
from __future__ import annotations

import pytest
import torch

import snnlab.models as M
from snnlab.monitors import FiringRateMonitor, GradientMonitor, SurrogateWindowMonitor, param_grad_norms


def _net():
    torch.manual_seed(0)
    m = M.build("mlp", neuron="lif", neuron_params={"surrogate": "rectangle", "width": 1.0}, in_features=6,
                   hidden=(8, 5), num_classes=3, bn=False).double()
    with torch.no_grad():
        for p in m.parameters():
            p.mul_(3.0)
    return m


def _x(T=4, B=3):
    g = torch.Generator().manual_seed(2)
    return torch.randn(T, B, 6, generator=g, dtype=torch.float64) * 2 + 0.5


def test_firing_rates_equal_mean_spikes_and_hooks_removed():
    m = _net()
    layers = M.neuron_layers(m)
    outs = {}
    handles = [n.register_forward_hook(lambda mod, i, o, name=name: outs.setdefault(name, []).append(o))
               for name, n in layers]
    x1, x2 = _x(), _x(B=5)
    with FiringRateMonitor(m) as mon:
        for x in (x1, x2):
            M.reset_net(m)
            m(x)
    for h in handles:
        h.remove()
    rates, per_step = mon.rates(), mon.rates_per_step()
    for name, _ in layers:
        s = torch.cat([o.reshape(4, -1) for o in outs[name]], dim=1)   # [T, all samples x neurons]
        assert abs(rates[name] - float(s.detach().mean())) < 1e-12
        assert per_step[name] == s.detach().mean(1).tolist()
        assert 0 < rates[name] < 1
    assert all(len(n._forward_hooks) == 0 for _, n in layers)          # nothing left attached


def test_surrogate_window_occupancy_matches_recorded_potentials():
    m = _net()
    x = _x()
    with SurrogateWindowMonitor(m) as mon:
        M.reset_net(m)
        out = m(x)
    occ, occ_t = mon.occupancy(), mon.occupancy_per_step()
    # recompute by hand with record=True
    M.reset_net(m)
    h = x.flatten(2)
    for mod in m.net:
        if M.is_neuron(mod):
            s, st = mod(h, record=True)
            name = [n for n, l in M.neuron_layers(m) if l is mod][0]
            inside = ((st["H"] - 1.0).abs() <= 0.5).double()
            assert abs(occ[name] - float(inside.mean())) < 1e-12
            assert occ_t[name] == inside.reshape(4, -1).mean(1).tolist()
            h = s
        else:
            h = mod(h)
    torch.testing.assert_close(h, out)                                # the wrapped forward returned spikes
    assert all("forward" not in mod.__dict__ for _, mod in M.neuron_layers(m))


def test_gradient_monitor_per_step_norm_of_spike_gradient():
    m = _net()
    x = _x()
    with GradientMonitor(m) as mon:
        M.reset_net(m)
        m(x).pow(2).sum().backward()
    steps = mon.step_grad_norms()
    # reference: retain the spike outputs and read their gradients
    m.zero_grad()
    kept = {}

    def keep(name):
        def hook(mod, i, o):
            o.retain_grad()
            kept[name] = o
        return hook

    hs = [n.register_forward_hook(keep(name)) for name, n in M.neuron_layers(m)]
    M.reset_net(m)
    m(x).pow(2).sum().backward()
    for h in hs:
        h.remove()
    for name, s in kept.items():
        ref = s.grad.reshape(4, -1).norm(dim=1)
        torch.testing.assert_close(torch.tensor(steps[name], dtype=torch.float64), ref)
    norms = param_grad_norms(m)
    torch.testing.assert_close(torch.tensor(norms["net.0.module"]),
                               torch.cat([m.net[0].module.weight.grad.reshape(-1),
                                          m.net[0].module.bias.grad.reshape(-1)]).norm().float(), rtol=1e-6, atol=0)


# ------------------------------------------------------------------ input capture, parameter logs
def test_input_capture_gives_each_neuron_layer_its_input_current():
    from snnlab import neurons
    from snnlab.models import neuron_layers
    from snnlab.monitors import InputCapture, capture_inputs

    m, x = _net(), _x()
    outputs = {}
    hooks = [mod.register_forward_hook(lambda mod, a, out, name=name: outputs.__setitem__(name, out.detach()))
             for name, mod in neuron_layers(m)]
    inputs = capture_inputs(m, x)
    for h in hooks:
        h.remove()
    assert list(inputs) == [n for n, _ in neuron_layers(m)] and all(v.shape[0] == x.shape[0] for v in inputs.values())
    for name, mod in neuron_layers(m):                 # re-running the layer's neuron on X gives its spikes
        fresh = neurons.build("lif", surrogate="rectangle", width=1.0).double()
        assert torch.equal(fresh(inputs[name]), outputs[name])
    first = neuron_layers(m)[0][0]
    with InputCapture(m, layers=[first]) as cap:
        m(x)
    assert list(cap.inputs) == [first]
    assert not any(mod._forward_pre_hooks for _, mod in neuron_layers(m))   # detached after the block
    with pytest.raises(ValueError, match="not neuron layers"):
        InputCapture(m, layers=["nope"])


def test_neuron_param_log_records_klif_k_and_plif_tau_every_step(tmp_path):
    from snnlab.experiments import get, run
    from snnlab.models import neuron_layers
    from snnlab.monitors import NeuronParamLog, read_param_log

    for neuron, key in (("klif", "k"), ("plif", "tau")):
        cfg = get(f"smoke-{neuron}").replace(epochs=2)
        r = run(cfg, out=tmp_path, callbacks=[NeuronParamLog()])
        log = read_param_log(r)
        layers = neuron_layers(r.load_model())
        steps = cfg.epochs * cfg.max_steps_per_epoch
        assert len(log) == steps * len(layers) and sorted(log.global_step.unique()) == list(range(1, steps + 1))
        assert list(log.columns[:5]) == ["epoch", "step", "global_step", "layer", "name"] and key in log
        last = log[log.global_step == steps].sort_values("layer")[key].tolist()
        final = [float(getattr(mod, key).detach().mean()) for _, mod in layers]
        assert last == pytest.approx(final, rel=1e-6)            # the log's last step is the trained model
        assert log.groupby("layer")[key].nunique().min() > 1      # it changes while training
        assert log.progress.max() == pytest.approx(2.0)
    assert read_param_log(tmp_path / "nothing").empty


def test_neuron_parameters_reads_klif_k_and_plif_tau():
    from snnlab.monitors import neuron_parameters

    klif = M.build("mlp", neuron="klif", neuron_params={"k_init": 1.5}, in_features=6, hidden=(8, 5),
                   num_classes=3, bn=False)
    layers = [n for n, _ in M.neuron_layers(klif)]
    with torch.no_grad():
        M.neuron_layers(klif)[1][1].k.fill_(0.75)
    got = neuron_parameters(klif)
    assert list(got) == layers and got[layers[0]] == {"k": 1.5} and got[layers[1]] == {"k": 0.75}
    plif = M.build("mlp", neuron="plif", neuron_params={"tau": 3.0}, in_features=6, hidden=(8,), num_classes=3,
                   bn=False)
    (name, layer), = M.neuron_layers(plif)
    vals = neuron_parameters(plif)[name]
    assert list(vals) == ["tau"] and abs(vals["tau"] - 3.0) < 1e-6
    assert neuron_parameters(_net()) == {}                      # LIF has no learnable scalar
