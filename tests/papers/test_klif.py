"""snnlab.papers.klif: the KLIF notebooks' families and plans, the surrogate identities (K1, K2) against the spec's
closed forms and worked trace, the study's claims (K3-K6) from runs with known numbers, and the figures."""
from __future__ import annotations

import json
import math
import shlex

import numpy as np
import pytest

from snnlab import cli, stats
from snnlab.config import parse_assignments
from snnlab.experiments import names, run_dir_for
from snnlab.papers import benchmark, common, klif


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


# ------------------------------------------------------------------------------------------------ closed forms
def test_sigmoid_closed_forms_match_the_spec_table():
    closed = klif.closed_form_table(ks=(0.5, 1.0, 1.5, 2.0, 4.0), surrogates=("sigmoid",))
    both, dev = klif.spec_table_check(closed)
    assert both.k.tolist() == [0.5, 1.0, 1.5, 2.0, 4.0] and dev <= 5e-5 + 1e-12   # the spec prints 4 decimals
    row = closed[closed.k == 2.0].iloc[0]
    assert row.theta_eff == 0.5 and row.peak == 2.0 and row.fwhm == pytest.approx(0.4407, abs=5e-5)
    assert row.area == pytest.approx(_sigmoid(4.0)) and row.h0 == pytest.approx(2 * 4 * _sigmoid(-4) * _sigmoid(4))


def test_atan_closed_forms_against_a_direct_numerical_evaluation():
    alpha, k, vth = 2.0, 1.5, 1.0
    c = klif.closed_forms("atan", k, alpha, vth)
    h = np.linspace(1e-9, 2000.0, 4_000_001)
    g = k * (alpha / 2) / (1 + (math.pi / 2 * alpha * (k * h - vth)) ** 2)   # k·g'_α(kH − V_th), SpikingJelly ATan
    i = int(np.argmax(g))
    above = h[g >= g[i] / 2]
    tail = 2 / (math.pi ** 2 * alpha * k * h[-1])                            # the mass beyond the grid
    assert h[i] == pytest.approx(c["theta_eff"], abs=1e-3) and g[i] == pytest.approx(c["peak"], rel=1e-6)
    assert above[-1] - above[0] == pytest.approx(c["fwhm"], abs=2e-3)
    assert np.trapezoid(g, h) + tail == pytest.approx(c["area"], abs=1e-5) and g[0] == pytest.approx(c["h0"], rel=1e-6)
    with pytest.raises(ValueError, match="k"):
        klif.closed_forms("sigmoid", 0.0)


# ------------------------------------------------------------------------------------------------ K1, K2
@pytest.fixture(scope="module")
def study01():
    return klif.surrogate_study(ks=(0.5, 2.0), grid_step=2e-4)


def test_surrogate_study_measures_the_closed_forms_and_the_relu_cut(study01):
    t = study01.table
    assert len(t) == 4 and study01.max_error < 1e-3
    assert t.identity_dev.max() < 1e-12                       # KLIF(k) = LIF(V_th/k, αk) on H > 0
    assert t.max_grad_below_0.max() == 0.0                    # the ReLU: no gradient for H ≤ 0
    sig = t[(t.surrogate == "sigmoid") & (t.k == 2.0)].iloc[0]
    assert sig.theta_fwd == pytest.approx(0.5, abs=2e-4) and sig.peak == pytest.approx(2.0, abs=1e-6)
    # LIF keeps σ(−α(V_th − H)) of gradient mass on [−1, 0] (the grid's range below 0): σ(−4) − σ(−8)
    assert study01.lif_mass_below_0["sigmoid"] == pytest.approx(_sigmoid(-4) - _sigmoid(-8), abs=1e-5)
    with pytest.raises(ValueError, match="contain 0"):
        klif.surrogate_study(h_min=0.1)


def test_identity_rows_carry_their_checks_and_a_wrong_derivation_fails(study01):
    rows = klif.identity_claims("smoke", study01)
    assert [r.claim[:2] for r in rows] == ["K1", "K1", "K2", "K2"]
    assert {r.verdict for r in rows} == {"identity"} and all(r.check["max_abs_error"] <= r.check["tol"] for r in rows)
    broken = klif.SurrogateStudy(**{**study01.__dict__, "table": study01.table.assign(max_grad_below_0=0.05)})
    with pytest.raises(stats.IdentityCheckFailed, match="K2"):
        klif.identity_claims("smoke", broken)


def test_worked_trace_and_subthreshold_dynamics():
    ours, spec, dev = klif.worked_trace()
    assert dev <= 5e-5 + 1e-9 and len(ours) == 20
    hard = ours[ours.variant == "hard, scale_reset=False"]
    assert hard.S.tolist() == [0, 1, 1, 0, 0] and (ours.F >= 0).all() and hard.F.iloc[3] == 0.0
    traces, summary = klif.subthreshold_dynamics(ks=(1.0, 1.5, 2.5), tau=2.0, x=0.2, T=120)
    assert summary.holds.all() and summary.behaviour.tolist() == ["converges", "converges", "does not decay"]
    assert summary.V_T.iloc[0] == pytest.approx(0.2, abs=1e-12)             # (kX/τ)/(1 − kλ) = 0.1/0.5
    assert summary.V_T.iloc[1] == pytest.approx(0.6, abs=1e-9)


# ------------------------------------------------------------------------------------------------ plans
def _rebuild(command):
    argv = shlex.split(command)
    args = cli._parser().parse_args(argv[3:])
    cfg = cli._load_config(args.config)
    return cfg.replace(**parse_assignments(args.sets)) if args.sets else cfg


def test_quick_plan_is_the_shared_benchmark():
    p = klif.plan("quick", "02_k_training")
    assert len(p) == 4 * len(benchmark.SEEDS) and {e.labels["seed"] for e in p} == set(benchmark.SEEDS)
    bench = {c.config.hash() for c in benchmark.plan(("base", "klif"))}
    assert {e.config.hash() for e in p} <= bench                          # identical cells: shared by hash
    assert {e.config.hash() for e in p if e.labels["variant"] != klif.SCALE_RESET} == {
        benchmark.config(n, s).hash() for n in klif.NEURONS for s in benchmark.SEEDS}
    assert {e.config.hash() for e in klif.plan("quick", "03_results_tables")} < {e.config.hash() for e in p}
    assert klif.plan("quick", "01_k_and_surrogate") == [] and len(klif.plan("quick")) == len(p)
    sr = [e for e in p if e.labels["variant"] == klif.SCALE_RESET][0]
    assert sr.config.neuron_params["scale_reset"] is True
    assert _rebuild(common.train_command(sr.config, sr.base)).hash() == sr.config.hash()
    with pytest.raises(ValueError, match="unknown KLIF notebook"):
        klif.plan("quick", "04_nothing")


def test_paper_and_dryrun_plans_resolve_the_registry_configs():
    ds = klif.dataset_plan("paper")
    assert len(klif.plan("paper", "03_results_tables")) == 15 + 18 - 3    # Fashion-MNIST seed 2022: the study's
    assert len(ds) == 18 and all(e.config.name == e.base and e.base in names() for e in ds)
    assert {e.config.steps for e in ds} == {8, 10, 12, 15}
    study = klif.plan("paper", "02_k_training")
    assert {e.labels["seed"] for e in study} == set(klif.STUDY_SEEDS["paper"]) and len(study) == 20
    for e in study[:4]:
        assert e.base.startswith("klif-fmnist-plifnet-") and _rebuild(common.train_command(e.config, e.base)).hash() \
            == e.config.hash()
    assert len(klif.plan("paper")) == 20 + 18 - 3                         # Fashion-MNIST seed 2022 is in both
    dry = klif.plan("paper-dryrun")
    assert dry and all(e.config.profile == "paper-dryrun" and e.config.max_steps_per_epoch <= 2 for e in dry)
    assert {e.labels["seed"] for e in dry if "variant" in e.labels} == set(klif.STUDY_SEEDS["paper-dryrun"])
    smoke = klif.plan("smoke", "02_k_training")
    assert len(smoke) == 8 and all(e.config.epochs == 2 and e.config.profile == "smoke" for e in smoke)
    for d in klif.PAPER_DATASETS:                                          # each launch pattern: exactly 3 configs
        assert names(d.family.format(neuron="*")) == sorted(d.family.format(neuron=n) for n in klif.NEURONS)


# ------------------------------------------------------------------------------------------------ study claims
ACC = {"lif": [0.870, 0.872, 0.868, 0.871, 0.869], "plif": [0.871, 0.870, 0.873, 0.872, 0.870],
       "klif": [0.880, 0.879, 0.883, 0.881, 0.882]}
K_FINAL = {"features.2": 1.10, "features.6": 0.95, "classifier.3": 1.0}


def _fake_run(entry, acc, epochs=2, rate=0.1, seconds=100.0, sops=1e5, params=1000):
    """A finished run folder for ``entry`` with known numbers (what the trainer writes, reduced)."""
    cfg = entry.config
    d = run_dir_for(cfg)
    d.mkdir(parents=True)
    s = entry.labels["seed"]
    rows = []
    for e in range(epochs):
        row = {"epoch": e, "train_loss": 1.0 - 0.1 * e, "train_acc": 0.8, "test_loss": 0.5, "test_acc": acc - 0.01 *
               (epochs - 1 - e), "firing_rate_mean": rate, "train_samples": 640, "seconds": seconds / epochs}
        if cfg.neuron == "klif":   # k moves linearly from 1 to K_FINAL (+ a seed-dependent wiggle)
            row["neuron_parameters"] = [{"layer": n, "k": 1.0 + (k - 1.0 + 0.002 * s) * (e + 1) / epochs}
                                        for n, k in K_FINAL.items()]
        if cfg.neuron == "plif":
            row["neuron_parameters"] = [{"layer": n, "w": 0.0, "tau": 2.0 - 0.01 * (e + 1)} for n in K_FINAL]
        rows.append(row)
    (d / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    n_klif = len(K_FINAL) if cfg.neuron == "klif" else 0
    (d / "summary.json").write_text(json.dumps({
        "config_hash": cfg.hash(), "best_test_acc": acc, "final_test_acc": acc, "firing_rate_mean": rate,
        "train_seconds": seconds, "num_params": params + n_klif + (len(K_FINAL) if cfg.neuron == "plif" else 0),
        "energy": {"sops": sops}}))


def _fake_study(profile="quick", variants=klif.NEURONS, lif_acc=None):
    entries = klif.study_plan(profile, variants=variants)
    seeds = klif.study_seeds(profile)
    for e in entries:
        n, i = e.labels["neuron"], seeds.index(e.labels["seed"])
        acc = (lif_acc or ACC["lif"])[i] if n == "lif" else ACC[n][i]
        _fake_run(e, acc, rate={"lif": 0.10, "plif": 0.10, "klif": 0.10 + 0.001 * i}[n],
                  seconds=100.0 + (1.0 if n == "klif" else 0.0) + 0.5 * i * (n == "klif"))
    return entries


def test_study_tables_and_claims_from_known_runs():
    entries = _fake_study()
    study = klif.load_study("quick", entries)
    assert study.seeds == list(benchmark.SEEDS) and study.variants == list(klif.NEURONS)
    acc = klif.accuracy_summary(study).set_index("variant")
    assert acc.loc["klif", "best_mean"] == pytest.approx(100 * np.mean(ACC["klif"]))
    t = study.trajectories
    k = t[(t.variant == "klif") & (t.param == "k")]
    assert k.layer_name.drop_duplicates().tolist() == list(K_FINAL)       # network order, not sorted
    assert sorted(k.epoch.unique()) == [0, 1, 2] and (k[k.epoch == 0].value == 1.0).all()
    table, k_rows = klif.k_change(study)
    assert table.delta_mean.tolist() == pytest.approx([0.1 + 0.004, -0.05 + 0.004, 0.004])
    assert [r.verdict for r in k_rows] == ["supported", "supported", "supported"]   # the wiggle has SD 0.003
    rows = klif.study_claims(study)
    k4 = [r for r in rows if r.claim.startswith("K4")][0]
    want = 100 * (np.array(ACC["klif"]) - np.array(ACC["lif"]))
    assert k4.effect == pytest.approx(want.mean()) and k4.n_seeds == 5 and k4.verdict == "supported"
    assert k4.ci_low == pytest.approx(stats.paired_effect(list(want)).ci_low)
    k5 = {r.measure.split(",")[0]: r for r in rows if r.claim.startswith("K5")}
    assert k5["time per training step"].effect == pytest.approx(np.mean([100 * (0.5 * i + 1) / 100 for i in
                                                                         range(5)]))
    assert k5["time per training step"].verdict == "supported"              # ≈ +2 % < +10 %
    assert k5["mean test firing rate"].effect == pytest.approx(2.0)         # +0.002 / 0.1
    assert k5["SOPs per test sample"].effect == 0.0 and k5["SOPs per test sample"].verdict == "supported"
    assert k5["parameters"].verdict == "identity" and k5["parameters"].check["value"] == [3] * 5
    k6 = [r for r in rows if r.claim.startswith("K6")][0]
    assert k6.fidelity == "stand-in" and k6.verdict == "supported"
    eff = klif.effects_table(study)
    assert eff.claim.tolist() == ["K4", "K5", "K5", "K5", "K6"]


def test_claims_quick_checks_the_floors_and_lists_paper_rows():
    missing = klif.claims("quick")                    # nothing trained: study rows are not run, with the command
    nr = [r for r in missing if r.verdict == "not run"]
    assert {r.claim[:2] for r in nr} == {"K3", "K4", "K5", "K6"}
    assert all(r.command.startswith("python -m snnlab launch ") for r in nr)
    assert "python -m snnlab launch klif/02_k_training --profile quick" in {r.command for r in nr}
    assert sum(r.claim.startswith("K6") and "'klif-" in r.command for r in nr) == 6
    _fake_study()
    rows = klif.claims("quick")
    assert [r.verdict for r in rows if r.claim.startswith("K4")] == ["supported", "not run"]
    stats.write_claims(rows, common.dryrun_data_dir().parent / "claims-test")   # unique (claim, measure) keys
    assert {r.profile for r in rows if r.verdict != "not run"} == {"quick"}


def test_a_baseline_under_its_floor_stops_the_claims():
    _fake_study(lif_acc=[0.60] * 5)
    with pytest.raises(stats.BaselineError, match="bench-fmnist-lif"):
        klif.claims("quick")


def test_missing_runs_raise_with_commands():
    with pytest.raises(klif.MissingRuns, match="python -m snnlab train bench-fmnist-lif"):
        klif.load_study("quick")


def test_figures_build_from_a_study(study01):
    import matplotlib.pyplot as plt

    entries = _fake_study(variants=klif.VARIANTS)
    study = klif.load_study("quick", entries)
    figs = [klif.figure_k_trajectories(study), klif.figure_training_curves(study), klif.figure_accuracy(study),
            klif.figure_effects(klif.study_claims(study), study), klif.figure_surrogate_curves(study01, "smoke"),
            klif.figure_measured_vs_closed(study01, "smoke"), klif.figure_relu_cut(study01, "smoke")]
    assert [f["name"] for f in figs] == ["k_trajectories", "training_curves", "accuracy", "effects",
                                         "surrogate_vs_k", "measured_vs_closed", "relu_cut"]
    assert all(len(f["data"]) and f["caption"] for f in figs)
    ax = figs[0]["fig"].axes[0]
    assert all(float(t).is_integer() for t in ax.get_xticks())            # integer epoch ticks
    for f in figs:
        plt.close(f["fig"])
