"""snnlab.papers.ilif: families per profile, plans, the authors' energy counts, identities, claims and figures."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from snnlab import energy, stats
from snnlab.experiments import get, names
from snnlab.papers import benchmark as B
from snnlab.papers import common as C
from snnlab.papers import ilif


# ----------------------------------------------------------------------------------------------------- plans
def test_quick_plan_is_the_benchmark_gamma_slice_and_base_cells():
    sweep = ilif.plan("quick", "03_gamma_sweep")
    assert len(sweep) == 2 * len(B.GAMMAS) * len(B.SEEDS) == 30
    want = {B.gamma(n, g, s).hash() for n in ("lif", "ilif") for g in B.GAMMAS for s in B.SEEDS}
    assert {e.config.hash() for e in sweep} == want
    table = ilif.plan("quick", "04_results_tables")
    assert {e.config.hash() for e in table} == {B.config(n, s).hash() for n in B.NEURONS for s in B.SEEDS}
    # the γ = 1 cells are the benchmark's LIF and ILIF base cells: planned once for the paper
    assert len(ilif.plan("quick")) == 30 + 35 - 10
    assert ilif.plan("quick", "notebooks/ilif/01_dynamics.ipynb") == [] and ilif.plan("quick", "02_gamma_theory") == []
    with pytest.raises(ValueError, match="no notebook"):
        ilif.plan("quick", "05_nothing")


def test_paper_plan_resolves_to_the_registered_configs_and_the_dry_run_cuts_it():
    sweep, table = ilif.plan("paper", "03_gamma_sweep"), ilif.plan("paper", "04_results_tables")
    assert len(sweep) == 2 * 2 * len(ilif.PAPER_GAMMAS) * len(ilif.PAPER_SEEDS) == 84
    assert len(table) == len(ilif.PAPER_TABLES) * len(ilif.PAPER_NEURONS) == 24
    registered = set(names())
    for e in sweep + table:
        assert e.config.name in registered and get(e.config.name).hash() == e.config.hash(), e.config.name
    assert {e.labels["set"] for e in sweep} == {"resnet18", "snn5"}
    assert {e.config.model for e in table} == {"spiking_resnet18", "spiking_vgg11_bn"}
    dry = ilif.plan("paper-dryrun")
    assert len(dry) == 2 * 2 * 2 + 4 * 3
    assert all(e.config.profile == "paper-dryrun" and e.config.max_steps_per_epoch <= 2 for e in dry)
    # every entry's command rebuilds its config (a round trip through the CLI parser is in test_common)
    for e in (sweep[0], table[-1], dry[0], ilif.plan("smoke")[0], ilif.plan("quick")[7]):
        assert C.train_command(e.config, e.base).startswith("python -m snnlab train ")


def test_smoke_cells_share_the_benchmark_neuron_settings():
    e = {(x.labels["neuron"], x.labels["gamma"]): x.config for x in ilif.sweep_plan("smoke") if x.labels["seed"] == 0}
    assert e[("ilif", 0.5)].neuron_params == {**B.neuron_params("ilif"), "width": 0.5}
    assert e[("lif", 2.0)].neuron_params["tau"] == e[("ilif", 2.0)].neuron_params["tau"] == 2.0
    t = {x.labels["neuron"]: x.config for x in ilif.table_plan("smoke") if x.labels["seed"] == 0}
    assert t["relu"].neuron_params == {} and t["relu"].steps == 1
    assert t["lif"].hash() == e[("lif", 1.0)].hash()          # the table's LIF is the sweep's γ = 1 cell


# ----------------------------------------------------------------------------------------------------- energy
def _toy_layers():
    return [energy.LayerGeometry((2, 4, 4), (3, 2, 2), (3, 3), 2), energy.LayerGeometry(12, 6),
            energy.LayerGeometry(6, 5)]


def test_authors_sop_count_as_written_by_hand():
    T, r = 2, [0.5, 0.25]
    # layer 0: T·N_in·r_0·C_out·K² = 2·32·0.5·27; layer 1 (FC): T·12·r_1·6; the last layer is left out
    assert ilif.authors_sop(_toy_layers(), "LIF", T, r) == (2 * 32 * 0.5 * 27 + 2 * 12 * 0.25 * 6, 2 * 12 + 2 * 6)
    acs, macs = ilif.authors_sop(_toy_layers(), "ILIF", T, r)
    assert macs == 2 * 12 * 2 + 2 * 6 * 3                      # neuron MACs ×2 (conv), ×3 (FC)
    assert ilif.authors_sop(_toy_layers(), None, T, None) == (0.0, 12 * 2 * 9 + 12 * 6)  # ANN: dense, last left out


def test_usual_sop_convention_by_hand():
    T, r = 2, [0.5, 0.25]
    sops, macs = ilif.usual_sop(_toy_layers(), "LIF", T, r)
    assert macs == T * 12 * 2 * 9                               # the real-input first layer, T dense passes
    assert sops == 0.5 * T * 72 + 0.25 * T * 30                 # input rate = the previous layer's rate
    assert ilif.usual_sop(_toy_layers(), None, T, None) == (0.0, 216 + 72 + 30)


def test_ilif_memory_model_multipliers_by_hand():
    fc = energy.LayerGeometry(10, 4)
    lif, _ = energy.lemaire_counts([fc, energy.LayerGeometry(4, 2)], "lif", 2, [0.5, 0.25])
    _, per = energy.lemaire_counts([energy.LayerGeometry(8, 10), fc, energy.LayerGeometry(4, 2)], "ilif", 2,
                                   [0.5, 0.25])
    c = per[1]                                                  # FC 10 -> 4, fr_in 0.5, fr_out 0.25, T = 2
    s_in, s_out = 5.0, 1.0
    assert c["mac_op"] == 2 * 4 * 2 and c["acc_op"] == s_in * 10 * 4 + 2 * s_out * 3
    assert c["read_pot"] == (s_in + 1) * s_out * 4 and c["write_pot"] == (s_in * 4 + 4) * 2
    assert c["acc_addr"] == s_in * 4 * 3                        # FC addressing ×3 (conv ×2)
    conv = energy.LayerGeometry((2, 4, 4), (3, 4, 4), (3, 3), 1)
    _, per = energy.lemaire_counts([conv, energy.LayerGeometry(48, 2)], "ilif", 2, [0.5])
    assert per[0]["mac_addr"] == 2 * 32 * 2 and per[0]["acc_addr"] == 32 * 27 * 2
    assert energy.NEURON_COSTS["clif"].fc_addressing is None   # CLIF unchanged


def test_authors_energy_table():
    df = ilif.authors_energy().set_index(["task", "model", "convention"])
    assert set(df.index.get_level_values("convention")) == {"sop", "authors_sop", "lemaire"}
    for task in ("CIFAR-10", "CIFAR-100", "DVS-Gesture", "DVS-CIFAR10"):
        for conv in ("sop", "authors_sop", "lemaire"):
            assert df.loc[(task, "LIF", conv), "vs_LIF"] == pytest.approx(1.0)
        assert df.loc[(task, "ILIF", "lemaire"), "vs_LIF"] > 1.5   # memory ×4/×2 outweighs the fewer spikes
    # CIFAR-10, first layer of the authors' count: T·(3·32·32)·r_0·(64·3²) with their ILIF r_0 = 26.220 %
    first = 6 * 3072 * 0.26220 * 576
    acs, _ = ilif.authors_sop(energy.CLIF_ENERGY_NETWORKS["CIFAR-10"][:1] + [energy.LayerGeometry(1, 1)], "ILIF", 6,
                              [0.26220])
    assert acs == pytest.approx(first)
    # the usual convention with every rate equal to the LIF rate list reproduces LIF's row
    assert df.loc[("CIFAR-10", "ILIF", "sop"), "MACs_M"] == df.loc[("CIFAR-10", "LIF", "sop"), "MACs_M"]
    assert df.loc[("CIFAR-10", "ILIF", "sop"), "energy_uJ"] < df.loc[("CIFAR-10", "LIF", "sop"), "energy_uJ"]


def test_dense_macs_of_the_geometry_derived_from_the_benchmark_net():
    from snnlab.models import build

    small = build("small_conv", neuron="lif", num_classes=10, in_channels=1, channels=(8, 16), hidden=128)
    geo = energy.layer_geometry(small, (1, 28, 28))
    assert [energy.dense_macs(g) for g in geo] == [8 * 28 * 28 * 9, 16 * 14 * 14 * 8 * 9, 784 * 128, 128 * 10]


# ----------------------------------------------------------------------------------------------------- analyses
def test_worked_traces_match_the_spec_and_forward_rates_are_close():
    traces, check = ilif.worked_traces()
    assert (check.max_abs_error <= 5e-7).all() and len(traces) == 12
    assert traces[(traces.tau == 2.0) & (traces.t == 2)].ILIF_S.item() == 0.0   # ILIF skips LIF's spike at t = 2
    rates = ilif.forward_rate_check(n=20000)
    assert np.max(np.abs(rates[["LIF", "ILIF"]].values - rates[["spec_LIF", "spec_ILIF"]].values)) < 0.015


def test_identity_rows_pass_and_a_wrong_closed_form_fails(monkeypatch):
    rows = ilif.identity_rows(n=2000, taus=(1.1,), gammas=(0.5, 1.0, 2.0))
    assert [r.claim.split(":")[0] for r in rows] == ["I2", "I2", "I3", "I3"]
    assert {r.verdict for r in rows} == {"identity"} and all(r.check["max_abs_error"] <= r.check["tol"] for r in rows)
    real = ilif.occupancy_closed_form
    monkeypatch.setattr(ilif, "occupancy_closed_form", lambda g, mu, sigma: real(g, mu, sigma) + 0.01)
    with pytest.raises(stats.IdentityCheckFailed):
        ilif.identity_rows(n=2000, taus=(1.1,), gammas=(0.5,))


def test_theory_sweep_closed_forms_equal_autograd():
    sw = ilif.theory_sweep(gammas=(0.5, 2.0), taus=(2.0,), surrogates=("rectangle",), n=500, T=4)
    assert sw.closed_vs_autograd.max() < 1e-12 and sw.recursion_vs_autograd.max() < 1e-12
    at = sw[np.isclose(sw.gamma, 1.0)].set_index("neuron")
    assert at.loc["lif", "tf_window"] == 0.0 and at.loc["ilif", "tf_window"] > 0.1


# ----------------------------------------------------------------------------------------------------- claims
def _fake_sweep(n_seeds=5, lif_slope=0.02, seed=0):
    rng = np.random.default_rng(seed)
    rows, probes = [], []
    for s in range(n_seeds):
        for g in (0.5, 1.0, 2.0, 4.0):
            for n in ("lif", "ilif"):
                slope = lif_slope if n == "lif" else lif_slope / 4
                rows.append({"set": "quick", "neuron": n, "gamma": g, "seed": s,
                             "firing_rate": 0.1 + slope * math.log2(g) + 0.001 * rng.standard_normal(),
                             "best_test_acc": 0.85 + (0.01 if n == "ilif" else 0) + 0.002 * rng.standard_normal(),
                             "final_train_loss": 0.4 + 0.01 * rng.standard_normal()})
                probes.append({"set": "quick", "neuron": n, "gamma": g, "seed": s,
                               "occupancy": 0.2 * g ** 0.5 + 0.01 * rng.random(),
                               "tf_window": (0.0 if (n == "lif" and g == 1.0) else 0.1 + 0.01 * rng.random()),
                               "grad_first": 1.0 + 0.1 * rng.random()})
    return pd.DataFrame(rows), pd.DataFrame(probes)


def test_sweep_verdicts_on_constructed_runs():
    runs, probes = _fake_sweep()
    rows = {r.measure: r for r in ilif._sweep_rows(runs, probes, "quick", "quick")}
    by_id = {}
    for r in rows.values():
        by_id.setdefault(r.claim.split(":")[0], []).append(r)
    assert set(by_id) == {"I1", "I2", "I3", "I5"}
    slope = next(r for m, r in rows.items() if m.startswith("LIF's test firing rate: slope"))
    assert slope.verdict == "supported" and slope.n_seeds == 5 and slope.effect == pytest.approx(0.02, abs=0.003)
    occ = next(r for m, r in rows.items() if "occupancy" in m)
    assert occ.verdict == "supported"                          # narrower window, fewer potentials inside
    tf = next(r for m, r in rows.items() if "temporal factor" in m)
    assert tf.verdict == "supported" and tf.effect > 0.09
    flat, _ = _fake_sweep(lif_slope=0.0, seed=1)
    slope = next(r for r in ilif._sweep_rows(flat, probes, "quick", "quick") if "slope against" in r.measure
                 and r.measure.startswith("LIF"))
    assert slope.verdict == "inconclusive" and slope.mde is not None


def test_table_verdicts_and_few_seeds():
    t = pd.DataFrame([{"table": "fmnist", "neuron": n, "seed": s, "best_test_acc": acc + 0.001 * s,
                       "firing_rate": fr + 0.0005 * s, "energy_sop_uJ": e, "energy_lemaire_uJ": e * 2}
                      for s in range(5) for n, acc, fr, e in (("lif", 0.88, 0.12, 1.0), ("ilif", 0.86, 0.09, 0.9))])
    rows = {r.measure: r for r in ilif._table_rows(t, "quick", "fmnist")}
    assert rows["best test accuracy, ILIF − LIF (points)"].verdict == "contradicted"
    assert rows["mean test firing rate, ILIF − LIF"].verdict == "supported"
    assert rows["energy per test sample (SOP convention), ILIF ÷ LIF − 1 (%)"].effect == pytest.approx(-10.0)
    one = ilif._table_rows(t[t.seed == 0], "paper", "cifar10")      # one seed (the registry's): n < 5
    assert {r.verdict for r in one} == {"inconclusive"} and all(r.n_seeds == 1 for r in one)


def test_authors_rows_decide_i4_from_their_rates():
    rows = ilif._authors_rows()
    assert len(rows) == 4 and all(r.fidelity == "authors' numbers" and r.claim.startswith("I4:") for r in rows)
    v = {r.measure.split("(")[-1].split(",")[0]: r for r in rows}
    assert v["CIFAR-10"].verdict == "supported" and v["CIFAR-10"].n_seeds == 17
    assert "memory-aware model" in v["CIFAR-10"].detail


def test_check_baselines_stops_under_the_floor():
    t = pd.DataFrame([{"table": "fmnist", "neuron": n, "seed": s, "best_test_acc": a}
                      for s in range(5) for n, a in (("lif", 0.80), ("relu", 0.90))])
    with pytest.raises(stats.BaselineError, match="bench-fmnist-lif"):
        ilif.check_baselines(t, "quick")
    ilif.check_baselines(t, "smoke")                             # no floor in the smoke profile


def test_claims_end_to_end_on_a_small_smoke_grid(monkeypatch):
    monkeypatch.setattr(ilif, "SMOKE_GAMMAS", (0.5, 1.0))
    monkeypatch.setattr(ilif, "SMOKE_SEEDS", (0,))
    monkeypatch.setattr(ilif, "SMOKE_NEURONS", ("lif", "ilif"))
    missing = ilif.claims("smoke", ids=["I1", "I6"], identities=False)
    assert {r.verdict for r in missing} == {"not run"} and all(r.command for r in missing)
    rows = ilif.claims("smoke", train_missing=True, samples=4)
    assert {r.claim.split(":")[0] for r in rows} == set(ilif.CLAIMS)
    for r in rows:
        assert r.verdict in stats.VERDICTS
        if r.verdict in ("supported", "contradicted"):
            assert r.fidelity == "authors' numbers"             # smoke: one seed, nothing decided from runs
    paper = [r for r in rows if r.verdict == "not run"]
    assert all("--profile paper" in r.command for r in paper)
    entries = ilif.sweep_plan("smoke")
    probes, layers = ilif.probe_runs(entries, 4)
    at = probes[np.isclose(probes.gamma, 1.0)].set_index("neuron")
    assert at.loc["lif", "tf_window"] == 0.0 and at.loc["ilif", "tf_window"] > 0   # the identity, inside a network
    assert ((probes.occupancy >= 0) & (probes.occupancy <= 1)).all() and (probes.grad_first > 0).all()
    runs, epochs, not_run = ilif.collect(entries, train_missing=False)
    assert len(runs) == 4 and not len(not_run) and np.isfinite(runs.energy_lemaire_uJ).all()
    summary = ilif.sweep_summary(runs, probes)
    for f in (ilif.fig_gamma_sweep(summary, runs, "smoke", "smoke"), ilif.fig_train_loss(epochs, "smoke")):
        assert f["fig"].axes and len(f["data"]) and "smoke" in f["caption"]


def test_figures_of_the_authors_numbers():
    f = ilif.fig_authors_energy(ilif.authors_energy(), "quick")
    assert f["name"] == "04_authors_energy" and "authors' numbers" in f["caption"]
    assert f["fig"].axes[0].get_ylim()[0] == 0.0                # bars from zero
    g = ilif.fig_authors_rates("quick")
    assert len(g["fig"].axes) == 4 and len(g["data"]) == 2 * 17 + 2 * 8
