"""snnlab.papers.clif (trained part): plans per profile, sharing with the benchmark by hash, the claim computations on
constructed results, the deployment analysis on real smoke runs, and the figure functions."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from snnlab import stats as S
from snnlab.experiments import get, names
from snnlab.papers import benchmark as B
from snnlab.papers import clif
from snnlab.papers import common as C
from snnlab.papers.clif import trained as T

PROFILES = ("smoke", "quick", "paper", "paper-dryrun")


# ------------------------------------------------------------------------------------------------------- plans
def test_quick_plan_is_the_benchmark_slices_shared_by_hash():
    bench = {c.config.hash() for c in B.plan(("base", "clif"))}
    sizes = {nb: len(T.plan("quick", nb)) for nb in T.NOTEBOOKS}
    # 02: τ (2) × k_trunc (2) × 5 seeds; 03: LIF, CLIF × T (3) × 5; 04: LIF, CLIF, switch × 5; 05: 5 neurons + ANN × 5
    assert sizes == {"02_tau_ktrunc": 20, "03_accuracy_vs_T": 30, "04_loss_switching": 15,
                     "05_neuron_comparison": 30, "08_deploy_lif": 10}
    union = T.plan("quick")
    assert len(union) == 70 and len({e.config.hash() for e in union}) == 70
    assert {e.config.hash() for e in union} <= bench  # every quick run is a benchmark run
    assert {e.config.seed for e in union} == set(B.SEEDS)
    # the τ = 2, full-BPTT cells and the T = 4 cells are the base LIF / CLIF runs of every other notebook
    base = {(n, s): B.config(n, s).hash() for n in ("lif", "clif") for s in B.SEEDS}
    t02 = {(e.config.neuron_params["tau"], e.config.k_trunc, e.config.seed): e.config.hash()
           for e in T.plan("quick", "02_tau_ktrunc")}
    assert all(t02[(2.0, None, s)] == base[("lif", s)] for s in B.SEEDS)
    t03 = {(e.config.neuron, e.config.T, e.config.seed): e.config.hash() for e in T.plan("quick", "03_accuracy_vs_T")}
    assert all(t03[(n, 4, s)] == base[(n, s)] for n in ("lif", "clif") for s in B.SEEDS)
    assert {e.config.hash() for e in T.plan("quick", "08_deploy_lif")} == set(base.values())


def test_quick_commands_rebuild_the_runs():
    for e in T.plan("quick"):
        cmd = C.train_command(e.config, e.base)  # raises when the command does not rebuild the hash
        assert cmd.startswith(f"python -m snnlab train bench-fmnist-{e.config.neuron if e.config.neuron != 'relu' else 'ann'}")


def test_paper_plan_is_the_registered_configs():
    registered = set(names("clif-*"))
    p = T.plan("paper")
    assert all(e.config.name in registered and e.config.profile == "paper" for e in p)
    got = {e.config.name for e in T.plan("paper", "02_tau_ktrunc")}
    assert got == set(names("clif-fig2a-snn5-*")) | set(names("clif-table3a-resnet18-*")) | set(
        names("clif-table3b-vgg11-gesture-*"))
    assert len(got) == 90
    assert {e.config.name for e in T.plan("paper", "04_loss_switching")} == {
        "clif-cifar10-resnet18-lif-T6", "clif-cifar10-resnet18-clif-T6", "clif-fig3a-resnet18-lif2clif-e50",
        "clif-fig3a-resnet18-lif2clif-e100", "clif-fig3a-resnet18-lif2clif-e150"}
    p05 = T.plan("paper", "05_neuron_comparison")
    assert {e.config.name for e in p05} == {f"clif-cifar10-resnet18-{n}-T8" for n in T.COMPARED} | {
        f"clif-cifar100-resnet18-{n}-T6" for n in T.COMPARED} | {"clif-cifar10-resnet18-ann", "clif-cifar100-resnet18-ann"}
    fig2b = [e for e in T.plan("paper", "03_accuracy_vs_T") if e.labels["family"] == "clif-fig2b-snn5"]
    assert len(fig2b) == 48 and {e.config.seed for e in fig2b} == {2022, 2023, 2024, 2025}
    for e in p[:: max(1, len(p) // 12)]:
        assert C.train_command(e.config, e.base) == f"python -m snnlab train {e.config.name}"


def test_dryrun_plan_cuts_paper_configs():
    p = T.plan("paper-dryrun")
    assert 0 < len(p) <= 12
    for e in p:
        assert e.config.profile == "paper-dryrun" and e.config.epochs <= 2 and e.config.batch_size == 2
        assert e.base in names("clif-*")
        assert C.dryrun(get(e.base)).hash() == e.config.hash()
    kinds = {(e.config.model, e.config.neuron, bool(e.config.k_trunc), bool(e.config.switch_neuron)) for e in p}
    assert ("snn5_noap", "lif", True, False) in kinds and ("spiking_resnet18", "lif", False, True) in kinds
    assert ("spiking_resnet18", "relu", False, False) in kinds


def test_smoke_plan_and_sharing():
    p = T.plan("smoke")
    assert all(e.config.profile == "smoke" for e in p)
    t02 = {(e.labels["tau"], e.labels["k_trunc"], e.labels["seed"]): e.config for e in T.plan("smoke", "02_tau_ktrunc")}
    assert t02[(2.0, None, 1)].hash() == get("smoke-lif").replace(seed=1).hash()
    sw = [e.config for e in T.plan("smoke", "04_loss_switching") if e.config.switch_neuron]
    assert len(sw) == 2 and all(c.switch_neuron["neuron"] == "clif" and c.epochs == 2 for c in sw)


@pytest.mark.parametrize("profile", PROFILES)
def test_package_plan_is_the_union_without_duplicates(profile):
    full = clif.plan(profile)
    hashes = [e.config.hash() for e in full]
    assert len(hashes) == len(set(hashes))
    per_nb = {e.config.hash() for nb in T.NOTEBOOKS for e in clif.plan(profile, nb)}
    assert per_nb <= set(hashes)
    assert {e.config.hash() for e in clif.plan(profile, "notebooks/clif/05_neuron_comparison.ipynb")} == {
        e.config.hash() for e in T.plan(profile, "05_neuron_comparison")}


def test_plan_rejects_unknown_notebook_and_profile():
    with pytest.raises(ValueError, match="not a CLIF notebook"):
        clif.plan("quick", "10_nothing")
    with pytest.raises(ValueError, match="profile"):
        T.plan("fast")


# ------------------------------------------------------------------------------------------------------- constructed results
def _measured(rows, profile="quick"):
    """The rows measured in ``profile`` (each claim function appends its paper-scale ``not run`` rows)."""
    paper = [r for r in rows if r.profile == "paper" and r.verdict == "not run"]
    assert profile == "paper" or paper, "every measured claim carries its paper-scale row"
    return [r for r in rows if r.profile == profile]


def _df(rows):
    """A collect()-shaped table from (setting, neuron, T, tau, k_trunc, seed, acc) tuples (k_trunc None = full)."""
    out = []
    for setting, neuron, Tn, tau, k, seed, acc in rows:
        out.append(dict(setting=setting, neuron=neuron, arm=neuron, T=Tn, tau=tau, k_trunc=Tn if k is None else k,
                        full_bptt=k is None, switch_epoch=np.nan, seed=seed, epochs=2, base=False, acc=acc,
                        final_acc=acc, final_test_loss=np.nan, firing_rate=np.nan, seconds=1.0, status="finished",
                        run=f"r{seed}", command="", description=f"{setting} net"))
    return pd.DataFrame(out)


SEEDS = (0, 1, 2, 3, 4)
NOISE = (0.10, -0.20, 0.05, 0.15, -0.10)


def _c3(penalty_small, penalty_large, noise=NOISE):
    rows = []
    for s, eps in zip(SEEDS, noise):
        full = 88.0 + s * 0.3
        rows += [("bench-fmnist", "lif", 4, 1.1, None, s, full), ("bench-fmnist", "lif", 4, 1.1, 1, s, full - penalty_small),
                 ("bench-fmnist", "lif", 4, 2.0, None, s, full + 0.2),
                 ("bench-fmnist", "lif", 4, 2.0, 1, s, full + 0.2 - penalty_large - eps)]
    return _df(rows)


def test_c3_effect_and_verdicts():
    (row,) = _measured(T.claims_c3(_c3(0.5, 3.0), "quick"))
    assert row.claim.startswith("C3: ") and row.verdict == "supported" and row.n_seeds == 5
    assert row.effect == pytest.approx(2.5 + np.mean(NOISE))
    e = S.paired_effect([2.5 + x for x in NOISE])
    assert (row.ci_low, row.ci_high) == (pytest.approx(e.ci_low), pytest.approx(e.ci_high))
    assert "τ = 2 minus at τ = 1.1" in row.measure
    assert _measured(T.claims_c3(_c3(3.0, 0.5), "quick"))[0].verdict == "contradicted"
    (noisy,) = _measured(T.claims_c3(_c3(1.0, 1.0, noise=(2.0, -2.5, 1.5, -1.0, 0.2)), "quick"))
    assert noisy.verdict == "inconclusive" and noisy.mde > 0
    # fewer than 5 seeds: an explicit inconclusive with its reason
    (few,) = _measured(T.claims_c3(_c3(0.5, 3.0)[lambda d: d.seed < 2], "smoke"), "smoke")
    assert few.verdict == "inconclusive" and "n < 5" in few.detail and few.n_seeds == 2


def test_c3_one_seed_and_missing_runs():
    (one,) = _measured(T.claims_c3(_c3(0.5, 3.0)[lambda d: d.seed == 0], "paper"), "paper")
    assert one.verdict == "inconclusive" and one.n_seeds == 1 and one.ci_low is None
    assert one.effect == pytest.approx(2.5 + NOISE[0])
    missing = _c3(0.5, 3.0).assign(status="not run", acc=np.nan)
    (row,) = _measured(T.claims_c3(missing, "quick"))
    assert row.verdict == "not run" and row.command == \
        "python -m snnlab launch notebooks/clif/02_tau_ktrunc.ipynb --profile quick"


def _c4(gap, lif_gain_last=0.0, clif_gain_last=1.0):
    rows = []
    for s, eps in zip(SEEDS, NOISE):
        lif = {2: 85.0, 4: 87.0, 8: 87.0 + lif_gain_last}
        clif_ = {2: 85.0 + gap[0], 4: 87.0 + gap[1], 8: 87.0 + gap[1] + clif_gain_last}
        for Tn in (2, 4, 8):
            rows += [("bench-fmnist", "lif", Tn, 2.0, None, s, lif[Tn] + s),
                     ("bench-fmnist", "clif", Tn, 2.0, None, s, clif_[Tn] + s + eps)]
    return _df(rows)


def test_c4_every_T_and_plateau():
    rows = _measured(T.claims_c4(_c4((1.0, 2.0)), "quick"))
    every, t2, t4, t8, plateau = rows
    assert every.claim == "C4: CLIF is more accurate than LIF at every T" and every.verdict == "supported"
    assert [r.verdict for r in (t2, t4, t8)] == ["supported"] * 3
    assert every.effect == pytest.approx(t2.effect) and every.ci_low == pytest.approx(t2.ci_low)  # the weakest T
    assert t2.effect == pytest.approx(1.0 + np.mean(NOISE))
    assert plateau.claim.startswith("C4: LIF's accuracy stops improving") and plateau.verdict == "supported"
    assert plateau.effect == pytest.approx(1.0)  # CLIF gains 1 point from T = 4 to 8, LIF 0 (noise cancels)
    # CLIF worse at T = 2: "every T" is contradicted even though T = 4 and 8 support it
    rows = _measured(T.claims_c4(_c4((-1.0, 2.0)), "quick"))
    assert rows[0].verdict == "contradicted" and rows[1].verdict == "contradicted"
    assert "T = 2: contradicted" in rows[0].detail


def _curves(switch_delta, clif_first, clif_last, noise=NOISE):
    rows = []
    for s, eps in zip(SEEDS, noise):
        for arm, first, last in (("lif", 1.0, 0.8), ("clif", 1.0 + clif_first, 0.8 + clif_last),
                                 ("lif->clif@1", 1.0, 0.8 + switch_delta)):
            for ep, v in ((1, first), (2, last)):
                rows.append(dict(setting="bench-fmnist", arm=arm, seed=s, epoch=ep, neuron=arm[-4:].strip(">"),
                                 train_loss=v + 0.1, test_loss=v + (eps * 0.01 if arm != "lif" else 0.0), test_acc=80.0,
                                 lr=0.001))
    return pd.DataFrame(rows)


def test_c5_switch_faster_lower():
    switch, faster, lower = _measured(T.claims_c5(_curves(-0.05, -0.03, -0.04), "quick"))
    assert switch.claim == "C5: switching a LIF network to CLIF (at epoch 1) lowers its test loss"
    assert switch.verdict == "supported" and switch.effect == pytest.approx(-0.05 + 0.01 * np.mean(NOISE))
    assert "epoch 1" in faster.claim and faster.verdict == "supported"
    assert "epoch 2" in lower.claim and lower.verdict == "supported"
    switch, faster, lower = _measured(T.claims_c5(_curves(+0.05, -0.03, +0.04), "quick"))
    assert (switch.verdict, faster.verdict, lower.verdict) == ("contradicted", "supported", "contradicted")
    (missing,) = _measured(T.claims_c5(pd.DataFrame(), "quick"))
    assert missing.verdict == "not run"


def _c6(gaps, ann_gap):
    rows = []
    for s, eps in zip(SEEDS, NOISE):
        rows.append(("bench-fmnist", "clif", 4, 2.0, None, s, 88.0 + s))
        for n, g in gaps.items():
            rows.append(("bench-fmnist", n, 4, 2.0, None, s, 88.0 + s - g - eps))
        rows.append(("bench-fmnist", "relu", 1, np.nan, None, s, 88.0 + s - ann_gap + eps))
    return _df(rows)


def test_c6_c7():
    rows = _measured(T.claims_c6_c7(_c6({"lif": 1.0, "plif": 0.8, "klif": 3.0, "glif": 1.5}, ann_gap=-1.0), "quick"))
    allof, *each, c7 = rows
    assert allof.claim.startswith("C6: CLIF is the most accurate") and allof.verdict == "supported"
    assert [r.claim.rsplit(" ", 1)[-1] for r in each] == ["LIF", "PLIF", "KLIF", "GLIF"]
    assert allof.effect == pytest.approx(each[1].effect)  # PLIF is the closest competitor
    assert c7.claim.startswith("C7: ") and c7.verdict == "contradicted"  # the ANN is 1 point ahead (> 0.5 margin)
    assert c7.effect == pytest.approx(-1.0 - np.mean(NOISE))
    rows = _measured(T.claims_c6_c7(_c6({"lif": 1.0, "plif": -2.0, "klif": 3.0, "glif": 1.5}, ann_gap=0.2), "quick"))
    assert rows[0].verdict == "contradicted" and "CLIF − PLIF" in rows[0].detail
    assert rows[-1].verdict == "supported"  # CLIF 0.2 above the ANN: matches within the margin


def test_baselines_gate_quick_but_not_smoke():
    df = _c6({"lif": 1.0, "plif": 0.8, "klif": 3.0, "glif": 1.5}, ann_gap=-1.0)
    low = df.assign(setting="bench-fmnist", base=True, acc=np.where(df.neuron == "lif", 80.0, df.acc))
    with pytest.raises(S.BaselineError, match="bench-fmnist-lif"):
        T.claims_c6_c7(low, "quick")
    assert T.check_baselines(low, "smoke") == {}
    assert len(_measured(T.claims_c6_c7(low, "smoke"), "smoke")) == 6
    ok = df.assign(base=True)
    checked = T.check_baselines(ok, "quick")
    assert checked["bench-fmnist-lif"] == pytest.approx(0.869)  # the lowest seed: 88 + 0 − 1 − 0.10 (seed 0)
    assert checked["bench-fmnist-ann"] == pytest.approx(0.891)


def _deploy(clif_change, lif_change, noise=NOISE):
    rows = []
    for s, eps in zip(SEEDS, noise):
        for t, ch in (("CLIF", clif_change), ("LIF", lif_change)):
            rows += [dict(setting="bench-fmnist", trained_with=t, seed=s, deployed="trained", reset="trained",
                          v_reset=np.nan, acc=88.0 + s, firing_rate=0.1, run="r"),
                     dict(setting="bench-fmnist", trained_with=t, seed=s, deployed="hard -0.06", reset="hard",
                          v_reset=-0.06, acc=88.0 + s + ch + eps, firing_rate=0.1, run="r")]
    return pd.DataFrame(rows)


def test_c11():
    keeps, loses, contrast = _measured(T.claims_c11(_deploy(-0.5, -10.0), "quick"))
    assert keeps.verdict == "supported" and keeps.effect == pytest.approx(-0.5 + np.mean(NOISE))
    assert "claimed > −2" in keeps.measure
    assert loses.verdict == "supported" and contrast.verdict == "supported"
    assert contrast.effect == pytest.approx(9.5)
    assert contrast.claim == f"C11: {T.CLAIMS['C11']}"
    keeps, loses, contrast = _measured(T.claims_c11(_deploy(-5.0, 0.3), "quick"))
    assert (keeps.verdict, loses.verdict, contrast.verdict) == ("contradicted", "contradicted", "contradicted")
    (missing,) = _measured(T.claims_c11(pd.DataFrame(), "quick"))
    assert missing.verdict == "not run" and "08_deploy_lif" in missing.command


def test_paper_scale_and_c13_rows():
    rows = T.paper_scale()
    assert [r.claim.split(":")[0] for r in rows] == ["C3", "C4", "C5", "C6", "C7", "C11"]
    assert all(r.verdict == "not run" and r.profile == "paper" and r.fidelity == "not run" for r in rows)
    assert rows[0].command == "python -m snnlab launch notebooks/clif/02_tau_ktrunc.ipynb --profile paper"
    assert "1.91 points at τ = 1.1 and 13.02 at τ = 2.0" in rows[0].detail  # 94.80 − 92.89, 93.73 − 80.71
    c13 = T.claims_c13("quick")
    assert len(c13) == 5 and all(r.verdict == "not run" for r in c13)
    assert c13[0].command == "python -m snnlab train clif-cifar10star-resnet18-clif-T8" and "96.69" in c13[0].claim
    assert {r.command.rsplit(" ", 1)[-1] for r in c13} <= set(names("clif-*"))
    assert "64.13" in c13[2].claim and "97.92" in c13[3].claim and "79.00" in c13[4].claim


def test_claims_on_an_empty_run_store_cover_every_claim():
    rows = clif.claims("quick")
    ids = {r.claim.split(":")[0] for r in rows}
    assert {"C3", "C4", "C5", "C6", "C7", "C11", "C13"} <= ids
    measured = [r for r in rows if r.profile == "quick"]
    assert measured and all(r.verdict == "not run" and "--profile quick" in r.command for r in measured)
    csv_path, _ = S.write_claims(rows, Path(os.environ["SNNLAB_FIGURES"]))  # valid, unique rows
    assert len(pd.read_csv(csv_path)) == len(rows)


# ------------------------------------------------------------------------------------------------------- real smoke runs
@pytest.fixture(scope="module")
def smoke_runs(tmp_path_factory):
    import torch

    runs = tmp_path_factory.mktemp("clif-smoke-runs")
    old = os.environ.get("SNNLAB_RUNS")
    os.environ["SNNLAB_RUNS"] = str(runs)
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    plans = {nb: T.plan("smoke", nb) for nb in ("03_accuracy_vs_T", "04_loss_switching", "08_deploy_lif")}
    out = {nb: (p, C.train_or_reuse(p, progress=False)) for nb, p in plans.items()}
    torch.set_num_threads(n)
    yield runs, out
    if old is None:
        os.environ.pop("SNNLAB_RUNS", None)
    else:
        os.environ["SNNLAB_RUNS"] = old


def test_deploy_on_smoke_runs(smoke_runs, monkeypatch):
    runs_dir, out = smoke_runs
    monkeypatch.setenv("SNNLAB_RUNS", str(runs_dir))
    plan, runs = out["08_deploy_lif"]
    dep = T.deploy(plan, runs, v_resets=(0.0, -0.06), device="cpu")
    assert set(dep.deployed) == {"trained", "soft", "hard 0", "hard -0.06"} and len(dep) == 4 * 4
    lif = dep[dep.trained_with == "LIF"].set_index(["seed", "deployed"]).acc
    for s in (0, 1):  # a LIF-trained network deployed with the same soft-reset LIF is the same network
        assert lif[(s, "soft")] == pytest.approx(lif[(s, "trained")])
    cache = json.loads((runs[0].dir / "deploy_lif.json").read_text())
    assert set(cache) == {"best|soft|none", "best|hard|0.0", "best|hard|-0.06"}
    cache["best|hard|-0.06"]["acc"] = 12.5  # the second call reads the cache instead of evaluating again
    (runs[0].dir / "deploy_lif.json").write_text(json.dumps(cache))
    again = T.deploy(plan, runs, v_resets=(0.0, -0.06), device="cpu")
    assert (again[(again.run == runs[0].dir.name) & (again.deployed == "hard -0.06")].acc == 12.5).all()
    rows = _measured(T.claims_c11(dep, "smoke", T.collect(plan, runs)), "smoke")
    assert len(rows) == 3 and all(r.verdict == "inconclusive" and "n < 5" in r.detail for r in rows)
    f = T.fig_deploy(dep, "smoke", T.collect(plan, runs))
    assert len(f.fig.axes) == 2 and "Table 8" in f.fig.axes[1].get_title()
    with pytest.raises(ValueError, match="≤ 0"):
        T.deploy(plan, runs, v_resets=(0.1,))


def test_collect_curves_and_figures_on_smoke_runs(smoke_runs, monkeypatch):
    import matplotlib.pyplot as plt

    runs_dir, out = smoke_runs
    monkeypatch.setenv("SNNLAB_RUNS", str(runs_dir))
    plan, runs = out["03_accuracy_vs_T"]
    df = T.collect(plan, runs)
    assert (df.status == "finished").all() and df.acc.between(0, 100).all()
    assert list(df.columns[:4]) == ["setting", "neuron", "arm", "T"]
    assert T.collect(plan).acc.tolist() == df.acc.tolist()  # read back from disk
    f = T.fig_accuracy_vs_T(df, "smoke")
    assert len(f.fig.axes) == 2 and set(f.data.neuron) == {"lif", "clif"}
    lo, hi = f.fig.axes[0].get_ylim()
    assert 0 <= lo < hi <= 100
    p4, r4 = out["04_loss_switching"]
    cv = T.curves(p4, r4)
    assert set(cv.arm) == {"lif", "clif", "lif->clif@1"} and set(cv.epoch) == {1, 2}
    assert (cv[cv.arm == "lif->clif@1"].sort_values("epoch").neuron.tolist()[-1]) == "clif"
    f = T.fig_loss_curves(cv, "smoke", T.collect(p4, r4))
    assert len(f.fig.axes) == 3 and f.fig.axes[0].xaxis.get_major_locator()._integer
    assert any("LIF→CLIF @ epoch 1" in t.get_text() for t in f.fig.axes[0].get_legend().get_texts())
    rows = _measured(T.claims_c5(cv, "smoke", T.collect(p4, r4)), "smoke")
    assert len(rows) == 3 and all(r.n_seeds == 2 for r in rows)
    plt.close("all")


def test_truncation_and_neuron_figures_on_constructed_results():
    import matplotlib.pyplot as plt

    df = _c3(0.5, 3.0)
    grid = T.truncation_grid(df)["bench-fmnist"]
    assert list(grid.index) == [1, 4] and list(grid.columns) == [1.1, 2.0]
    assert grid.loc[1, 2.0] == pytest.approx(np.mean([88.2 + 0.3 * s - 3.0 - e for s, e in zip(SEEDS, NOISE)]))
    f = T.fig_truncation(df, "quick")
    heat, pen, _cbar = f.fig.axes
    assert heat.get_yticklabels()[-1].get_text() == "full"
    assert pen.get_xticklabels()[1].get_text() == "τ=2"
    f = T.fig_paper_table3()
    ims = [ax.images[0] for ax in f.fig.axes if ax.images]
    assert len(ims) == 2 and ims[0].get_clim() == ims[1].get_clim()  # one colour scale
    f = T.fig_neurons(_c6({"lif": 1.0, "plif": 0.8, "klif": 3.0, "glif": 1.5}, ann_gap=-1.0), "quick")
    assert [t.get_text() for t in f.fig.axes[0].get_xticklabels()] == ["LIF", "PLIF", "KLIF", "GLIF", "CLIF", "ANN"]
    plt.close("all")


def test_headline_and_paper_profile_rows():
    df = _c3(0.5, 3.0)
    rows = T.claims_c3(df, "quick")
    h = T.headline("02_tau_ktrunc", df, rows)
    assert set(h) == {"tau_k_grid", "claims_c3"} and len(h["claims_c3"]) == 2  # measured + paper scale
    cell = next(c for c in h["tau_k_grid"] if c["tau"] == 2.0 and c["k_trunc"] == 1)
    assert cell["n"] == 5 and cell["per_seed"]["0"] == pytest.approx(88.2 - 3.0 - 0.10)
    json.dumps(h)  # results.json material
    assert [r.profile for r in T.claims_c3(df, "paper")] == ["paper"]  # no "not run" duplicate in the paper profile
