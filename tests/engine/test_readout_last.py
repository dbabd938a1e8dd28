"""The last-step readout (loss ``ce_last``) and the spiking MLP of the temporal tasks."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import snnlab.data as data
from snnlab import losses, models, tbptt
from snnlab.config import RunConfig
from snnlab.data.encoding import to_time_major
from snnlab.experiments import run
from snnlab.monitors import FiringRateMonitor
from snnlab.train import evaluate

NEURONS = ("lif", "plif", "glif", "klif", "clif", "ilif")


def test_ce_last_is_the_last_steps_cross_entropy_and_ignores_the_others():
    g = torch.Generator().manual_seed(0)
    out = torch.randn(5, 4, 3, dtype=torch.float64, generator=g, requires_grad=True)
    y = torch.tensor([0, 2, 1, 1])
    loss = losses.build("ce_last")(out, y)
    torch.testing.assert_close(loss, F.cross_entropy(out[-1], y), rtol=1e-12, atol=1e-12)
    loss.backward()
    assert torch.count_nonzero(out.grad[:-1]) == 0 and torch.count_nonzero(out.grad[-1]) > 0
    smooth = losses.build("ce_last", label_smoothing=0.1)(out, y)
    torch.testing.assert_close(smooth, F.cross_entropy(out[-1], y, label_smoothing=0.1))


def test_readout_last_predicts_from_the_last_step():
    out = torch.tensor([[[5.0, 0.0]], [[5.0, 0.0]], [[0.0, 1.0]]])  # the sum says class 0, the last step class 1
    assert losses.predict(out).tolist() == [0]
    assert losses.predict(out, "last").tolist() == [1]
    assert losses.readout("ce_last") == "last" and losses.readout("tet") == "sum"
    with pytest.raises(ValueError, match="readout must be one of"):
        losses.predict(out, "mean")
    with pytest.raises(ValueError, match="unknown loss"):
        losses.readout("nll")
    assert RunConfig(loss="ce_last").loss == "ce_last"


class _Fixed(nn.Module):
    """Outputs class 0 strongly at every step but the last, where it outputs class 1 (the label)."""

    def forward(self, x):
        T, B = x.shape[0], x.shape[1]
        out = torch.zeros(T, B, 2)
        out[:-1, :, 0] = 5.0
        out[-1, :, 1] = 1.0
        return out


def test_evaluate_uses_the_readout():
    xs = torch.zeros(6, 3, 1, 1, 2)
    loader = [(xs, torch.ones(6, dtype=torch.long))]
    ce = losses.build("ce_last")
    assert evaluate(_Fixed(), loader, 3, ce, "cpu", readout="last")["test_acc"] == 1.0
    assert evaluate(_Fixed(), loader, 3, ce, "cpu")["test_acc"] == 0.0  # the sum over steps is wrong here


def _mlp(neuron, T, in_features, input_power, init="spiking", num_classes=4):
    params = {"T": T} if neuron == "glif" else {}
    return models.build("mlp", neuron=neuron, neuron_params=params, num_classes=num_classes, in_features=in_features,
                        hidden=(128, 128), bn=False, init=init, input_power=input_power)


@pytest.mark.parametrize("neuron", NEURONS)
def test_mlp_spiking_init_every_layer_spikes_on_delayed_recall(neuron):
    ds = data.build("delayed_recall", "train", n=128, delay=8)
    x = to_time_major(torch.stack([ds[i][0] for i in range(128)]), ds.T)
    torch.manual_seed(0)
    m = _mlp(neuron, ds.T, ds.features, 0.1)
    with FiringRateMonitor(m) as mon, torch.no_grad():
        m(x)
    rates = mon.rates()
    assert len(rates) == 2
    assert all(r > 0.01 for r in rates.values()), rates


def test_mlp_spiking_init_spikes_on_sequential_images():
    from snnlab.data.temporal import SequentialImages

    g = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (64, 28, 28), generator=g, dtype=torch.uint8).numpy()
    ds = SequentialImages(images, [0] * 64, tuple("0123456789"), "seq_fashion_mnist", "train")
    x = to_time_major(torch.stack([ds[i][0] for i in range(64)]), 28)
    for neuron in NEURONS:
        torch.manual_seed(0)
        m = _mlp(neuron, 28, 28, 1.0, num_classes=10)
        with FiringRateMonitor(m) as mon, torch.no_grad():
            m(x)
        assert all(r > 0.01 for r in mon.rates().values()), (neuron, mon.rates())


def test_mlp_default_init_leaves_the_second_layer_silent():
    """Why the spiking init exists: PyTorch's Linear init gives currents far below V_th after sparse spikes."""
    ds = data.build("delayed_recall", "train", n=128, delay=4)
    x = to_time_major(torch.stack([ds[i][0] for i in range(128)]), ds.T)
    torch.manual_seed(0)
    m = _mlp("lif", ds.T, ds.features, 0.1, init="default")
    with FiringRateMonitor(m) as mon, torch.no_grad():
        m(x)
    assert list(mon.rates().values())[1] == 0.0


def test_mlp_spiking_init_weight_scale_and_errors():
    torch.manual_seed(0)
    m = models.build("mlp", neuron="klif", num_classes=3, in_features=400, hidden=(2000,), bn=False, init="spiking",
                     init_gain=1.5, input_power=0.25)
    w = m.net[0].module.weight.detach()
    # KLIF charges with X/τ (τ = 2): std = gain · V_th · τ / √(fan_in · p) = 1.5 · 2 / √100
    assert abs(float(w.std()) - 0.3) < 0.003 and float(m.net[0].module.bias.detach().abs().max()) == 0.0
    with pytest.raises(ValueError, match="init must be 'default'"):
        models.build("mlp", in_features=4, init="xavier")
    with pytest.raises(ValueError, match="input_power must be a positive number"):
        models.build("mlp", in_features=4, init="spiking", input_power=0)


def test_truncated_k1_gives_the_cue_no_credit_under_the_last_step_loss():
    """With the loss on the last step only, window k = 1 keeps the go step's own (spatial) path: the first layer's
    weights from the cue channels (silent at the go step) get exactly zero gradient, full BPTT does not."""
    ds = data.build("delayed_recall", "train", n=32, delay=2, noise=0.0)
    x = to_time_major(torch.stack([ds[i][0] for i in range(32)]), ds.T)
    y = torch.as_tensor(ds.targets)
    loss_fn = losses.build("ce_last")
    grads = {}
    for k in (1, ds.T):
        torch.manual_seed(0)
        m = _mlp("lif", ds.T, ds.features, 0.1)
        models.reset_net(m)
        tbptt.truncated_backward(m, x, y, loss_fn, k, force_windowed=True)
        grads[k] = m.net[0].module.weight.grad.clone()
    cue = ds.cue_channel_slice
    assert torch.count_nonzero(grads[1][:, cue]) == 0
    assert grads[ds.T][:, cue].abs().sum() > 0
    # both see the go channels at the last step
    assert grads[1][:, ds.go_channel_slice].abs().sum() > 0


def test_training_with_ce_last_on_delayed_recall(tmp_path):
    cfg = RunConfig(name="t-dr", model="mlp", dataset="delayed_recall", T=4, neuron="lif", loss="ce_last",
                    model_params={"hidden": (32, 32), "bn": False, "init": "spiking", "in_features": 20,
                                  "input_power": 0.1},
                    data_opts={"delay": 1, "n_train": 256, "n_test": 64}, batch_size=64, epochs=2,
                    optimizer="adamw", lr=1e-2, weight_decay=0.0, progress="quiet")
    r = run(cfg, out=tmp_path)
    s = r.summary
    assert s["T"] == 4 and len(s["firing_rates"]) == 2 and all(v > 0 for v in s["firing_rates"].values())
    assert 0.0 <= s["final_test_acc"] <= 1.0 and "error" not in s["energy"]
    assert r.metrics.test_samples.iloc[-1] == 64
