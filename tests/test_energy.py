"""Energy: SOP convention checked by hand on a 2-layer network, and CLIF Table 7 reproduced to the printed digits."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from snnlab import energy, paper_data


class Fold(nn.Module):
    """Run a stateless layer on the merged [T*B, ...] view, as the snnlab models do."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        T, B = x.shape[:2]
        y = self.layer(x.flatten(0, 1))
        return y.reshape(T, B, *y.shape[1:])


class Threshold(nn.Module):
    """A memoryless 'neuron': S = 1{x >= 1}."""

    def __init__(self):
        super().__init__()
        self.resets = 0

    def reset(self):
        self.resets += 1

    def forward(self, x):
        return (x >= 1.0).to(x.dtype)


def two_layer_net():
    conv = nn.Conv2d(1, 2, 3, padding=1, bias=False)
    fc = nn.Linear(32, 3, bias=False)
    with torch.no_grad():
        conv.weight.zero_()
        conv.weight[0, 0, 1, 1] = 1.0        # channel 0 copies the input, channel 1 is silent
        fc.weight.fill_(0.1)
    return nn.Sequential(Fold(conv), Threshold(), nn.Flatten(2), Fold(fc))


def two_layer_input():
    # T = 2, B = 2, one 4x4 channel. Sample 0: step 0 all ones (16 spikes), step 1 four ones (4 spikes);
    # sample 1: all 0.5 (no spikes).
    x = torch.full((2, 2, 1, 4, 4), 0.5)
    x[0, 0] = 1.0
    x[1, 0, 0, 0, :] = 1.0
    return x


def test_sop_counts_of_a_two_layer_network_by_hand():
    net, x = two_layer_net(), two_layer_input()
    rep = energy.measure_sops(net, x)
    assert rep.T == 2 and rep.batch_size == 2
    conv, fc = rep.table.iloc[0], rep.table.iloc[1]
    # conv: real-valued input -> MACs. Per step and sample: 2 channels x 4x4 outputs x (1 x 3x3) = 288.
    assert conv.macs_per_step == 288 and not conv.input_binary
    assert conv.macs == 2 * 288 and conv.sops == 0
    # fc: spikes in. Per step and sample: 32 x 3 = 96 dense MACs. Spikes: 16 + 4 in sample 0, none in sample 1,
    # out of T*B*32 = 128 inputs -> rate 20/128. SOP per sample = rate*T*96 = 30 = (20 spikes x fan-out 3) / B.
    assert fc.macs_per_step == 96 and fc.input_binary
    assert fc.input_rate == pytest.approx(20 / 128)
    assert fc.sops == pytest.approx(30.0) and fc.macs == 0
    assert rep.totals["sops"] == pytest.approx(30.0) and rep.totals["macs"] == 576
    assert rep.totals["energy_pJ"] == pytest.approx(0.9 * 30 + 4.6 * 576)
    assert rep.energy_uJ == pytest.approx((0.9 * 30 + 4.6 * 576) * 1e-6)
    assert rep.totals["mean_input_rate"] == pytest.approx(20 / 128)   # over the spike-input layers only
    assert net[1].resets == 1            # reset() of stateful submodules is called before the forward
    # another preset changes only the prices
    rep8 = energy.measure_sops(net, x, preset="45nm-int8")
    assert rep8.totals["energy_pJ"] == pytest.approx(0.03 * 30 + 0.23 * 576)


class PerStep(nn.Module):
    """Same network, but the layers are called once per time step on [B, ...] (a single-step model)."""

    def __init__(self, net):
        super().__init__()
        self.conv, self.fc = net[0].layer, net[3].layer

    def forward(self, x):
        out = []
        for t in range(x.shape[0]):
            s = (self.conv(x[t]) >= 1.0).float()
            out.append(self.fc(s.flatten(1)))
        return torch.stack(out)


def test_per_step_calls_and_merged_calls_count_the_same():
    net, x = two_layer_net(), two_layer_input()
    a = energy.measure_sops(net, x).table
    b = energy.measure_sops(PerStep(net), x).table
    assert list(b["calls"]) == [2, 2]
    for col in ("macs_per_step", "input_rate", "sops", "macs", "energy_pJ"):
        assert list(a[col]) == pytest.approx(list(b[col]), nan_ok=True)


def test_sops_from_rates_matches_measurement_and_validates():
    out = energy.sops_from_rates([288, 96], [None, 20 / 128], T=2)
    assert out["sops"] == pytest.approx(30.0) and out["macs"] == 576
    with pytest.raises(ValueError, match="input_rates"):
        energy.sops_from_rates([1, 2], [None], T=2)
    with pytest.raises(ValueError, match="fraction"):
        energy.sops_from_rates([1], [15.0], T=2)


def test_ann_counts_every_layer_as_mac_and_T_is_checked():
    net, x = two_layer_net(), two_layer_input()
    ann = energy.measure_ann(net, x[:1])
    assert ann.T == 1 and ann.totals["sops"] == 0
    assert ann.totals["macs"] == 288 + 96
    assert ann.totals["energy_pJ"] == pytest.approx(4.6 * (288 + 96))
    with pytest.raises(ValueError, match=r"\[1, B"):
        energy.measure_ann(net, x)
    with pytest.raises(ValueError, match="disagrees"):
        energy.measure_sops(net, x, T=3)
    with pytest.raises(ValueError, match="preset"):
        energy.measure_sops(net, x, preset="7nm")


def test_time_major_false_takes_T_from_the_argument():
    conv = nn.Conv2d(1, 1, 3, padding=1, bias=False)

    class Repeat(nn.Module):       # direct encoding inside the model: [B, ...] -> T steps
        def __init__(self):
            super().__init__()
            self.conv = conv

        def forward(self, x):
            return torch.stack([self.conv(x) for _ in range(3)])

    rep = energy.measure_sops(Repeat(), torch.randn(2, 1, 4, 4), T=3, time_major=False)
    assert rep.table.iloc[0].macs_per_step == 16 * 9 and rep.table.iloc[0].macs == 3 * 16 * 9


def test_sram_access_energy_piecewise_as_in_the_clif_code():
    E = energy.sram_access_energy
    assert E(0) == 0 and E(8192) == pytest.approx(10.0) and E(4096) == pytest.approx(5.0)
    # the code's segments restart from 0 (not continuous): just above 8 kB the cost is tiny
    assert E(8192 + 24576) == pytest.approx(10.0)
    assert E(8193) == pytest.approx(10 / 24576)
    assert E(32768 + 1015808) == pytest.approx(80.0) and E(2e6) == 100.0
    assert E(8193, continuous=True) == pytest.approx(10 + 10 / 24576)


def test_lemaire_counts_of_one_conv_layer_by_hand():
    # (2,4,4) -> (3,4,4), 3x3, stride 1, T = 2, fr_in = 0.5, fr_out = 0.25 (as the second layer of a net)
    layers = [energy.LayerGeometry((1, 4, 4), (2, 4, 4), (3, 3), 1),
              energy.LayerGeometry((2, 4, 4), (3, 4, 4), (3, 3), 1),
              energy.LayerGeometry(48, 5)]
    _, per = energy.lemaire_counts(layers, "lif", T=2, rates=[0.5, 0.25])
    c = per[1]
    # N_in = 32, N_out = 48, spikes in 16, spikes out 12
    assert c["mac_op"] == 2 * 48
    assert c["acc_op"] == 16 * 3 * 3 * 3 + 2 * 48 + 12
    assert c["read_in"] == 16 and c["write_out"] == 12
    assert c["read_params"] == c["read_pot"] == c["write_pot"] == 16 * 3 * 9 + 48
    assert c["mac_addr"] == 32 and c["acc_addr"] == 16 * 3 * 9
    # the classifier: fr_out = 0, and the code's (in*fr_in)*in*out synaptic ACC
    fc = per[2]
    assert fc["acc_op"] == (48 * 0.25) * 48 * 5 and fc["write_out"] == 0
    _, per_c = energy.lemaire_counts(layers, "clif", T=2, rates=[0.5, 0.25])
    assert per_c[1]["read_pot"] == 4 * c["read_pot"] and per_c[1]["write_pot"] == 2 * c["write_pot"]
    assert per_c[1]["mac_op"] == 3 * c["mac_op"] and per_c[1]["acc_addr"] == 2 * c["acc_addr"]
    with pytest.raises(ValueError, match="fractions"):
        energy.lemaire_counts(layers, "lif", T=2, rates=[50.0, 25.0])
    with pytest.raises(ValueError, match="neuron"):
        energy.lemaire_counts(layers, "plif", T=2, rates=[0.5, 0.25])


def test_paper_layer_lists_have_one_rate_per_spiking_layer():
    for task, layers in energy.CLIF_ENERGY_NETWORKS.items():
        for neuron, rates in paper_data.CLIF_FIRING_RATES[task].items():
            assert len(rates) == len(layers) - 1, (task, neuron)
            assert sum(rates) / len(rates) == pytest.approx(paper_data.CLIF_FIRING_RATE_MEANS[task][neuron],
                                                            abs=0.006)


def test_table7_reproduced_to_the_printed_digits():
    df = energy.table7()
    assert len(df) == len(paper_data.CLIF_TABLE7) == 13
    for row in paper_data.CLIF_TABLE7:
        for col in paper_data.CLIF_TABLE7_COLUMNS:
            ours = df.loc[(row["task"], row["model"]), (col, "ours")]
            assert round(ours, 4) == row[col], (row["task"], row["model"], col, ours, row[col])
            assert df.loc[(row["task"], row["model"]), (col, "match")]
    # the verified row order makes CLIF's total higher than LIF's on every task
    res = energy.table7_results()
    for task, d in res.items():
        assert d["CLIF"]["total_mJ"] > d["LIF"]["total_mJ"]
    # the code's always-true branch would multiply the ANN rows by T: the paper's numbers do not include it
    bug = energy.table7_results(ann_times_T=True)
    assert bug["CIFAR-10"]["ANN"]["total_mJ"] == pytest.approx(6 * res["CIFAR-10"]["ANN"]["total_mJ"])


def test_table6_energy_column_is_0_9_acs_plus_4_6_macs():
    df = energy.table6_check()
    assert (df["diff_uJ"].abs() < 1e-6).all()
    rc = energy.table6_recount()
    row = rc[(rc.task == "CIFAR-10") & (rc.neuron == "LIF")].iloc[0]
    assert row.ACs_step_M == pytest.approx(82.80, abs=0.01)
    assert math.isclose(row.ACs_T_M, 6 * row.ACs_step_M)


def test_measure_on_an_snnlab_model_with_real_neurons():
    from snnlab import models

    torch.manual_seed(0)
    net = models.build("small_conv", neuron="lif", in_channels=1, channels=(4, 8), input_size=8).eval()
    img = 3.0 * torch.rand(2, 1, 8, 8)
    reps = {T: energy.measure_sops(net, img.expand(T, *img.shape).contiguous()) for T in (1, 3)}
    for T, rep in reps.items():
        tab = rep.table
        # by hand: conv1 4·8·8 outputs × 1·3·3; conv2 8·4·4 × 4·3·3; fc (8·2·2 = 32) × 10
        assert list(tab["macs_per_step"]) == [4 * 64 * 9, 8 * 16 * 36, 32 * 10]
        assert list(tab["input_binary"]) == [False, True, True]     # direct encoding: the first layer is real
        assert tab["macs"].iloc[0] == T * 4 * 64 * 9
        assert math.isnan(tab["input_rate"].iloc[0])
        assert ((tab["input_rate"][1:] >= 0) & (tab["input_rate"][1:] <= 1)).all()
        assert 0 < tab["input_rate"].iloc[1] < 1
        assert rep.totals["energy_pJ"] == pytest.approx(float(tab["energy_pJ"].sum()))
    ann = models.build("small_conv", neuron="relu", in_channels=1, channels=(4, 8), input_size=8).eval()
    r = energy.measure_ann(ann, img.unsqueeze(0))
    assert r.totals["macs"] == 4 * 64 * 9 + 8 * 16 * 36 + 32 * 10


def test_paper_data_tables_load_as_dataframes():
    t6 = paper_data.table("clif_table6")
    assert len(t6) == 13 and list(t6.neuron[:3]) == ["ReLU", "CLIF", "LIF"]     # Table 6 prints CLIF before LIF
    t3 = paper_data.table("clif_table3_gesture")
    assert t3.shape == (6, 5) and t3.loc[16, 1.5] == 97.92
    assert len(paper_data.table("clif_firing_rates")) == 2 * (17 + 17 + 10 + 8 + 8)
    with pytest.raises(KeyError, match="clif_table7"):
        paper_data.table("table7")


# ------------------------------------------------------------------ layer geometry derived from the model
def _snn5_by_hand(ic, size, nc):
    """The hand-written snn5_noAP geometry of the ILIF notebooks (ilif.md §3.3: (c_out, kernel, stride), pad 1)."""
    layers, c, s = [], ic, size
    for c_out, k, st in ((16, 3, 1), (64, 5, 2), (128, 5, 2), (256, 5, 4), (256, 3, 2)):
        s_out = (s + 2 - k) // st + 1
        layers.append(energy.LayerGeometry((c, s, s), (c_out, s_out, s_out), (k, k), st))
        c, s = c_out, s_out
    return layers + [energy.LayerGeometry(c * s * s, nc)]


def _small_conv_by_hand(ic, size, nc, channels, hidden=None):
    layers, c, s = [], ic, size
    for c_out in channels:
        layers.append(energy.LayerGeometry((c, s, s), (c_out, s, s), (3, 3), 1))
        c, s = c_out, s // 2
    if hidden:
        return layers + [energy.LayerGeometry(c * s * s, hidden), energy.LayerGeometry(hidden, nc)]
    return layers + [energy.LayerGeometry(c * s * s, nc)]


@pytest.mark.parametrize("case", [
    ("spiking_resnet18", {}, 10, (3, 32, 32), lambda: energy.resnet18_cifar_layers(10, 3, 32)),
    ("spiking_resnet18", {}, 100, (3, 32, 32), lambda: energy.CLIF_ENERGY_NETWORKS["CIFAR-100"]),
    ("spiking_vgg13_bn", {}, 200, (3, 64, 64), lambda: energy.CLIF_ENERGY_NETWORKS["Tiny-ImageNet"]),
    ("spiking_vgg11_bn", {}, 10, (2, 48, 48), lambda: energy.CLIF_ENERGY_NETWORKS["DVS-CIFAR10"]),
    ("spiking_vgg11_bn", {}, 11, (2, 128, 128), lambda: energy.CLIF_ENERGY_NETWORKS["DVS-Gesture"]),
    ("snn5_noap", {}, 10, (3, 32, 32), lambda: _snn5_by_hand(3, 32, 10)),
    ("small_conv", {"channels": [8, 16], "input_size": 28}, 10, (1, 28, 28),
     lambda: _small_conv_by_hand(1, 28, 10, [8, 16])),
    ("small_conv", {"channels": [16, 32], "hidden": 128, "input_size": 28}, 10, (1, 28, 28),
     lambda: _small_conv_by_hand(1, 28, 10, [16, 32], 128)),
    ("mlp", {"hidden": [400, 200], "input_size": 28}, 10, (1, 28, 28),
     lambda: [energy.LayerGeometry(784, 400), energy.LayerGeometry(400, 200), energy.LayerGeometry(200, 10)]),
], ids=lambda c: f"{c[0]}-{c[2]}-{c[3][-1]}")
def test_layer_geometry_from_the_model_equals_the_hand_written_lists(case):
    import snnlab.models as M

    name, opts, nc, shape, want = case
    model = M.build(name, neuron="clif", num_classes=nc, in_channels=shape[0], **opts)
    model.train()
    got = energy.layer_geometry(model, shape)
    assert got == want()
    assert model.training                                    # mode restored
    # the same geometry gives the same memory-aware energy
    rates = [0.1] * (len(got) - 1)
    assert energy.lemaire_energy(got, "clif", 4, rates) == energy.lemaire_energy(want(), "clif", 4, rates)


def test_layer_geometry_options_and_errors():
    import snnlab.models as M

    m = M.build("spiking_resnet18", neuron="lif", num_classes=10, in_channels=3)
    with_sc = energy.layer_geometry(m, (3, 32, 32), shortcuts=True)
    assert len(with_sc) == len(energy.resnet18_cifar_layers(10)) + 3           # the three 1×1 shortcut convs
    assert [g.kernel for g in with_sc if g.kernel == (1, 1)] == [(1, 1)] * 3
    g = M.build("snn5_noap", neuron="glif", neuron_params={"T": 3}, num_classes=10, in_channels=3)
    assert energy.layer_geometry(g, (3, 32, 32), T=3) == _snn5_by_hand(3, 32, 10)
    with pytest.raises(ValueError, match="input_shape"):
        energy.layer_geometry(m, (3, 0, 32))
    with pytest.raises(TypeError):
        energy.layer_geometry("resnet", (3, 32, 32))
