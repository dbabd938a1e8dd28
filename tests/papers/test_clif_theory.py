"""snnlab.papers.clif.theory: settings, plans, the C1 identity, the network and one-layer gradient splits, single
neurons, the energy and table analyses and the claim rows, with real numbers."""
from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from snnlab import energy, paper_data, stats
from snnlab.experiments import get
from snnlab.papers import benchmark as B
from snnlab.papers import common as C
from snnlab.papers.clif import theory as th


# ------------------------------------------------------------------------------------------------ settings, plans
def test_settings_per_profile_and_overrides():
    assert th.settings("quick")["net_T"] == (2, 6, 16)
    assert th.settings("paper-dryrun") == th.SETTINGS["smoke"]
    cfg = th.settings("smoke", net_T=[3, 5], n_neurons=None)
    assert cfg["net_T"] == (3, 5) and cfg["n_neurons"] == th.SETTINGS["smoke"]["n_neurons"]
    assert len(th.settings("smoke")["seeds"]) >= stats.MIN_SEEDS
    with pytest.raises(ValueError, match="unknown keys"):
        th.settings("smoke", n_neuron=3)
    with pytest.raises(ValueError, match="profile"):
        th.settings("fast")


def test_plans_share_the_benchmark_and_the_registry():
    q7 = th.plan("quick", "07_energy")
    assert [e.config.hash() for e in q7] == [B.config(n, s).hash() for n in ("lif", "clif", "relu") for s in B.SEEDS]
    q9 = th.plan("quick", "notebooks/clif/09_tables.ipynb")
    assert len(q9) == len(B.NEURONS) * len(B.SEEDS)
    assert {e.config.hash() for e in q7} <= {e.config.hash() for e in q9}
    assert len(th.plan("quick")) == len(q9)                       # 07's runs are 09's: listed once
    assert th.plan("quick", "01_temporal_gradients") == [] and th.plan("paper", "06_single_neurons") == []
    p7 = th.plan("paper", "07_energy")
    assert [e.config.name for e in p7] == ["clif-cifar10-resnet18-lif-T6", "clif-cifar10-resnet18-clif-T6",
                                          "clif-cifar10-resnet18-ann"]
    assert all(e.config.hash() == get(e.config.name).hash() for e in p7)
    p9 = {e.config.name for e in th.plan("paper", "09_tables")}
    assert {"clif-cifar10star-resnet18-clif-T8", "clif-tinyimagenet-vgg13-ann", "clif-dvsgesture-vgg11-clif-T20",
            "clif-dvscifar10-vgg11-lif-T10"} <= p9 and len(p9) == 23
    dry = th.plan("paper-dryrun")
    assert dry and all(e.config.profile == "paper-dryrun" for e in dry)
    assert all(e.config.hash() == C.dryrun(get(e.base)).hash() for e in dry)
    with pytest.raises(KeyError, match="02_tau_ktrunc"):
        th.plan("quick", "02_tau_ktrunc")


# ------------------------------------------------------------------------------------------------ C1
def test_c1_identity_autograd_is_zero_in_the_window_and_lambda_outside():
    df = th.c1_identity(taus=(1.1, 2.0), n=300, T=5)
    assert (df.n_in > 0).all() and (df.n_out > 0).all()
    assert (df.max_abs_in == 0).all()
    np.testing.assert_allclose(df.min_out, [1 - 1 / 1.1, 0.5], rtol=0, atol=1e-15)
    np.testing.assert_allclose(df.max_out, df.min_out, rtol=0, atol=0)
    assert (df.closed_vs_autograd == 0).all()


def test_c1_identity_row_fails_when_the_check_fails():
    df = th.c1_identity(taus=(2.0,), n=200, T=4)
    shares = _shares({0: 0.1, 1: 0.1, 2: 0.1, 3: 0.1, 4: 0.1}, {0: 0.3, 1: 0.31, 2: 0.29, 3: 0.3, 4: 0.32})
    rows = th.c1_rows(df, shares, "smoke")
    assert rows[0].verdict == "identity" and rows[0].check["max_abs_error"] == 0
    assert rows[1].verdict == "supported" and rows[1].n_seeds == 5 and rows[1].effect < 0
    bad = df.assign(max_abs_in=0.25)
    with pytest.raises(stats.IdentityCheckFailed):
        th.c1_rows(bad, shares, "smoke")


# ------------------------------------------------------------------------------------------------ network
def test_network_weights_are_shared_across_neurons_and_the_reset_detach_keeps_the_forward():
    a = th._network("lif", 3, th.NEURON)
    b = th._network("clif", 3, th.NEURON)
    for (na, pa), (nb_, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb_ and torch.equal(pa, pb)
    with pytest.raises(ValueError, match="at least 2"):
        th.network_records("lif", 0, 2, 1)
    lif = th.network_records("lif", 1, 3, 2)
    det = th.network_records("lif", 1, 3, 2, detach_reset=True)
    for r, d in zip(lif, det):
        assert torch.equal(r["S"], d["S"]) and torch.equal(r["H"], d["H"])


@pytest.mark.parametrize("detach", [False, True])
def test_network_gradient_split_follows_the_lif_recursion(detach):
    """In every layer, δH[t] − P[t] = ε[t]·δH[t+1] with LIF's ε = λ(1 − V_th·g) (reset in the graph) or ε = λ
    (reset detached): the network's autograd gradients obey the one-step factor of clif.md §2.2."""
    lam, vth = 0.5, 1.0
    for r in th.network_records("lif", 2, 4, 2, detach_reset=detach):
        g = ((r["H"] - vth).abs() <= 0.5).double()
        P = r["dS"] * g
        eps = lam * torch.ones_like(g) if detach else lam * (1 - vth * g)
        nxt = torch.cat([r["dX"][1:], torch.zeros_like(r["dX"][:1])])
        torch.testing.assert_close(r["dX"] - P, eps * nxt, rtol=0, atol=1e-14)


def test_network_shares_check_the_recursion_and_the_window_zeros():
    df = th.network_shares(seeds=(0, 1), T_values=(3,), batch=2)
    assert set(df.variant) == {"lif", "clif", "lif_part1"} and len(df) == 3 * 2 * 5
    assert df.share.between(0, 1).all()
    checked = df[(df.seed == 0) & (df.variant != "lif_part1")]
    assert (checked.recursion_err < 1e-12).all()
    assert df[df.seed == 1].recursion_err.isna().all()
    assert (df[df.variant == "lif"].eps_zero_in_window.dropna() == 1.0).all()
    assert (df[df.variant == "clif"].mpath > 0).any() and (df[df.variant != "clif"].mpath == 0).all()
    s = th.share_summary(df)
    assert len(s) == 6
    lif = df[(df.variant == "lif") & (df.seed == 0)]
    assert math.isclose(float(s[(s.variant == "lif") & (s.seed == 0)].share.iloc[0]), float(lif.share.mean()))


def test_memo_keeps_a_simulation_per_settings_and_code(tmp_path, monkeypatch):
    import snnlab.paths

    monkeypatch.setattr(snnlab.paths, "cache_dir", lambda: tmp_path / "cache")
    a = th.single_neuron_seeds(seeds=(0, 1), T_long=50, n_trials=3, max_lag=3, memo=True)
    assert len(list((tmp_path / "cache" / "clif-theory").glob("single_neuron_seeds-*.pkl"))) == 1

    def boom(**kw):
        raise AssertionError("recomputed")

    monkeypatch.setattr(th, "_single_neuron_seeds", boom)
    pd.testing.assert_frame_equal(th.single_neuron_seeds(seeds=(0, 1), T_long=50, n_trials=3, max_lag=3, memo=True), a)
    with pytest.raises(AssertionError, match="recomputed"):   # other settings: computed again
        th.single_neuron_seeds(seeds=(0, 1), T_long=51, n_trials=3, max_lag=3, memo=True)


def _shares(lif: dict, other: dict, T: int = 6, variant: str = "lif_part1", layers: int = 2):
    rows = []
    for v, d in (("lif", lif), (variant, other)):
        for s, x in d.items():
            for li in range(1, layers + 1):
                rows.append(dict(variant=v, seed=s, T=T, layer=li, name=f"l{li}", firing_rate=0.2, window=0.3,
                                 spatial=1.0, temporal=1.0, mpath=0.0, share=x, eps_zero_in_window=1.0,
                                 recursion_err=float("nan")))
    return pd.DataFrame(rows)


def test_c2_rows_decide_the_paired_difference_and_its_growth():
    seeds = range(5)
    base = {s: 0.10 + 0.01 * s for s in seeds}
    df = pd.concat([_shares(base, {s: base[s] + 0.05 + 0.001 * s for s in seeds}, T=2, variant="clif"),
                    _shares(base, {s: base[s] + 0.12 + 0.002 * s for s in seeds}, T=8, variant="clif")])
    rows = th.c2_rows(df, "quick")
    assert [r.verdict for r in rows] == ["supported"] * 3
    np.testing.assert_allclose([r.effect for r in rows], [5.2, 12.4, 7.2], atol=1e-9)
    noisy = pd.concat([_shares(base, {s: base[s] + (0.03 if s % 2 else -0.03) for s in seeds}, T=2, variant="clif")])
    (row,) = th.c2_rows(noisy, "quick")
    assert row.verdict == "inconclusive" and row.mde is not None


# ------------------------------------------------------------------------------------------------ one layer
def test_layer_gradients_match_autograd_and_split_by_lag():
    steps, lags, checks = th.layer_gradients((2, 5), n_neurons=200)
    assert (checks.max_abs_err < 1e-12).all()
    tot = lags.groupby(["T", "neuron"]).share.sum()
    np.testing.assert_allclose(tot.to_numpy(), 1.0, atol=1e-12)
    assert (lags[lags.neuron == "lif"].mpath_share == 0).all()
    assert (lags[(lags.neuron == "clif") & (lags.lag > 0)].mpath_share > 0).any()
    assert steps[(steps["T"] == 5) & (steps.t == 5)].temporal_share.eq(0).all()   # nothing after the last step


# ------------------------------------------------------------------------------------------------ single neurons
def test_poisson_drive_and_single_neurons():
    x = th.poisson_drive(4000, 50, n_inputs=10, rate=0.2, weight=0.3, seed=1)
    assert x.shape == (4000, 50) and abs(float(x.mean()) - 0.6) < 0.01
    torch.testing.assert_close(x, th.poisson_drive(4000, 50, 10, 0.2, 0.3, seed=1))
    runs = th.single_neurons(x[:500])
    M, S, H = runs["clif"]["M"], runs["clif"]["S"], runs["clif"]["H"]
    prev = torch.cat([torch.zeros_like(M[:1]), M[:-1]])
    torch.testing.assert_close(M, prev * torch.sigmoid(H / 2.0) + S)     # clif.md §1.3 steps 3-4
    ac = th.autocorrelations(runs, 5)
    assert list(ac.columns) == ["lag", "H (LIF)", "H (CLIF)", "M (CLIF)"] and (ac.iloc[0, 1:] == 1).all()
    with pytest.raises(ValueError, match="probability"):
        th.poisson_drive(10, 2, rate=1.5)


def test_tau_int_and_isi():
    assert th.tau_int([1.0, 0.5, 0.25]) == 2.5
    S = torch.tensor([[1.0], [1.0], [0.0], [1.0]])
    out = th.isi_stats({"lif": {"S": S}})
    assert out["lif"] == {"mean_isi": 1.5, "frac_isi_1": 0.5}


def test_single_neuron_rows_are_paired_over_seeds():
    per_seed = th.single_neuron_seeds(seeds=range(5), T_long=400, n_trials=20, max_lag=5)
    assert (per_seed.rate_clif < per_seed.rate_lif).all()
    rows = th.c8_single_rows(per_seed, "smoke") + th.c10_rows(per_seed, "smoke")
    assert [r.n_seeds for r in rows] == [5, 5, 5]
    np.testing.assert_allclose(rows[0].effect, 100 * (per_seed.rate_clif - per_seed.rate_lif).mean(), atol=1e-12)
    np.testing.assert_allclose(rows[1].effect, (per_seed["tau_int M (CLIF)"] - per_seed["tau_int H (CLIF)"]).mean())
    assert all(r.verdict in ("supported", "contradicted", "inconclusive") for r in rows)


# ------------------------------------------------------------------------------------------------ energy, authors
def test_authors_energy_and_rows():
    ours, paper, match = th.table7()
    assert bool(match.values.all()) and (ours.round(4).values == paper.values).all()
    ae = th.authors_energy().set_index(["task", "model"])
    assert math.isclose(ae.loc[("CIFAR-10", "CLIF"), "table7_total_mJ_vs_LIF"], 64.8293 / 34.5304, rel_tol=1e-5)
    assert math.isclose(ae.loc[("CIFAR-10", "CLIF"), "table6_sop_uJ_vs_LIF"], 85.346 / 89.668, rel_tol=1e-12)
    assert not ae.loc[("DVS-Gesture", "ANN"), "table7_printed"]
    rows = th.authors_rows()
    c8 = [r for r in rows if r.claim.startswith("C8")]
    assert len(c8) == 5 and all(r.fidelity == "authors' numbers" for r in rows)
    d = paper_data.CLIF_FIRING_RATES["CIFAR-10"]
    assert math.isclose(c8[0].effect, float(np.mean(np.subtract(d["CLIF"], d["LIF"]))), abs_tol=1e-12)
    assert c8[0].verdict == "supported" and c8[0].n_seeds == 17
    verdicts = [r.verdict for r in rows if r.claim.startswith("C9")]
    assert verdicts == ["identity", "identity", "contradicted", "supported", "inconclusive"]


def _fake_run(tmp_path, cfg, rates, acc, sop, layer_rates=None):
    d = tmp_path / cfg.run_name
    d.mkdir(parents=True)
    (d / "data_info.json").write_text(json.dumps({"num_classes": 10, "in_channels": 1, "input_size": 28}))
    summary = {"best_test_acc": acc, "firing_rates": rates, "firing_rate_mean": float(np.mean(list(rates.values())))
               if rates else None, "energy": {"energy_uJ": sop, "sops": 1.0, "macs": 2.0,
                                              "layers": [{"input_rate": r} for r in (layer_rates or [])]}}
    return SimpleNamespace(config=cfg, dir=d, summary=summary)


def test_energy_frames_use_the_model_geometry_and_the_measured_rates(tmp_path):
    entries = th.energy_plan("quick")[:1] + th.energy_plan("quick")[10:11]     # LIF seed 0, ANN seed 0
    lif_cfg, ann_cfg = entries[0].config, entries[1].config
    layer_rates = [float("nan"), 0.3, 0.25, 0.2]
    runs = [_fake_run(tmp_path, lif_cfg, {"a": 0.2, "b": 0.15, "c": 0.1}, 0.86, 0.5, layer_rates),
            _fake_run(tmp_path, ann_cfg, {}, 0.87, 1.5)]
    df, layers = th.energy_frames(entries, runs)
    from snnlab.models import build_model

    geo = energy.layer_geometry(build_model(lif_cfg, 10, 1, 28), (1, 28, 28), T=4)
    want = energy.lemaire_energy(geo, "lif", 4, [0.3, 0.25, 0.2])
    assert len(geo) == 4 and math.isclose(df.total_mJ.iloc[0], want["total_mJ"], rel_tol=1e-12)
    ann = energy.lemaire_energy(energy.layer_geometry(build_model(ann_cfg, 10, 1, 28), (1, 28, 28)), None, 1)
    assert math.isclose(df.total_mJ.iloc[1], ann["total_mJ"], rel_tol=1e-12)
    assert layers.rate_percent.tolist() == pytest.approx([20.0, 15.0, 10.0])
    # the neuron layers' rates when the engine measured other layers (the CLIF code's convention)
    runs[0].summary["energy"]["layers"] = []
    df2, _ = th.energy_frames(entries[:1], runs[:1])
    assert math.isclose(df2.total_mJ.iloc[0], energy.lemaire_energy(geo, "lif", 4, [0.2, 0.15, 0.1])["total_mJ"])


def test_trained_rows_verdicts_baselines_and_not_run(tmp_path):
    rows = []
    for s in range(5):
        for n, fr, acc, sop in (("lif", 0.20 + 0.01 * s, 0.866, 0.50), ("clif", 0.17 + 0.01 * s, 0.865, 0.48)):
            rows.append(dict(neuron=n, seed=s, best_test_acc=acc, firing_rate=fr, sop_energy_uJ=sop + 0.001 * s,
                             total_mJ=(2.0 if n == "clif" else 1.0) + 0.01 * s))
    df = pd.DataFrame(rows)
    out = th.trained_rows(df, pd.DataFrame(), "quick")
    assert [r.verdict for r in out] == ["supported", "supported", "contradicted"]
    np.testing.assert_allclose([out[0].effect, out[1].effect], [-3.0, -0.02], atol=1e-9)
    assert "not meaningful at toy scale" in out[2].measure
    nr = th.trained_rows(df[df.neuron == "lif"], pd.DataFrame(), "paper", missing=3, planned=3)
    assert {r.verdict for r in nr} == {"not run"}
    assert nr[0].command == "python -m snnlab launch notebooks/clif/07_energy.ipynb --profile paper"
    bad = df.assign(best_test_acc=np.where(df.neuron == "lif", 0.70, 0.87))
    with pytest.raises(stats.BaselineError, match="bench-fmnist-lif"):
        th.check_baselines(bad, "quick")
    th.check_baselines(bad, "smoke")                                          # no floor in smoke


# ------------------------------------------------------------------------------------------------ tables, C12
def test_paper_tables_resolve_to_registry_configs():
    t1, t2 = th.paper_tables("quick")
    row = t1[(t1.dataset == "CIFAR-10") & (t1.method == "Ours") & (t1["T"] == 6)].iloc[0]
    assert row.config == "clif-cifar10-resnet18-clif-T6" and row.ours == "not run"
    assert row.command == "python -m snnlab train clif-cifar10-resnet18-clif-T6"
    ann = t1[(t1.dataset == "CIFAR-100") & (t1.method == "ANN*")].iloc[0]
    assert ann.config == "clif-cifar100star-resnet18-ann"
    assert (t1[t1.method.str.startswith("Dspike")].ours == "(cited)").all()
    assert set(t2[t2.network.isin(["Spike-Driven-Transformer", "VGGSNN"]) & (t2.method == "Ours")].ours) == {"external"}
    a = th.authors_runs(t1, t2)
    assert a.config.is_unique and len(a) == 23 and all(get(c) for c in a.config)


def test_counterparts_summary(tmp_path):
    entries = th.tables_plan("quick")
    runs = [_fake_run(tmp_path, e.config, {"a": 0.2}, 0.80 + 0.01 * e.config.seed, 0.1)
            if e.config.neuron in ("lif", "relu") else None for e in entries]
    per_seed, summary = th.counterparts(entries, runs, "quick")
    s = summary.set_index("neuron")
    assert s.loc["lif", "seeds"] == 5 and math.isclose(s.loc["lif", "acc"], 82.0)
    e = stats.paired_effect([80.0, 81.0, 82.0, 83.0, 84.0])
    assert math.isclose(s.loc["relu", "ci_low"], e.ci_low) and s.loc["clif", "seeds"] == 0
    _, paper = th.counterparts(entries, runs, "paper")
    assert len(paper) == 0


def test_c12_identities():
    counts = th.parameter_counts((("snn5_noap", {}),))
    assert counts.difference.tolist() == [0, 0] and counts.lif.iloc[0] > 1_000_000
    table, extra = th.hyperparameters()
    assert extra == [] and {"tau", "v_threshold", "surrogate", "width"} <= set(table.argument)
    rows = th.c12_rows()
    assert [r.verdict for r in rows] == ["identity", "identity"]


def test_claims_rows_without_runs_are_not_run_with_the_command():
    rows = th.claims("smoke", ids=["C9", "C12"])
    ids = {r.claim.split(":")[0] for r in rows}
    assert ids == {"C9", "C12"}
    nr = [r for r in rows if r.verdict == "not run"]
    assert nr and all("launch notebooks/clif/07_energy.ipynb --profile smoke" in r.command for r in nr)
    assert all(r.paper == "clif" and r.claim.startswith(("C9: ", "C12: ")) for r in rows)
    with pytest.raises(ValueError, match="C3"):
        th.claims("smoke", ids=["C3"])


def test_figures_render(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    shares = th.network_shares(seeds=(0, 1), T_values=(2, 3), batch=2)
    f = th.fig_network_share(shares, "smoke", {"batch": 1})
    assert f["name"] == "fig1_network_temporal_share" and len(f["data"])
    per_seed = th.single_neuron_seeds(seeds=(0, 1), T_long=100, n_trials=5, max_lag=4)
    runs = th.single_neurons(th.poisson_drive(100, 5))
    f = th.fig_autocorrelation(th.autocorrelations(runs, 4), per_seed, "smoke", {})
    assert f["name"] == "fig8_autocorrelation"
    f = th.fig_table7(th.authors_energy(), "smoke")
    assert f["name"] == "table7_totals"
    t1, t2 = th.paper_tables("smoke")
    f = th.fig_tables(t1, t2, pd.DataFrame(columns=["neuron", "seeds", "acc", "ci_low", "ci_high"]), "paper", "x")
    assert f["name"] == "tables1_2"
