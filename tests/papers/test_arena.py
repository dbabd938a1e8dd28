"""snnlab.papers.arena: the temporal-credit protocol as data, its runs on tiny configs, analyses and figures."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from snnlab import stats
from snnlab.papers import arena as A

TINY_RECALL = {"profile": "smoke", "data_opts.n_train": 64, "data_opts.n_test": 32, "epochs": 1,
               "model_params.hidden": (8, 8), "batch_size": 32}
TINY_SEQ = {"profile": "smoke", "train_subset": 32, "test_subset": 16, "epochs": 1, "model_params.hidden": (8, 8),
            "batch_size": 16}


def tiny(**kw) -> A.Protocol:
    base = dict(profile="smoke", delays=(1, 2), seeds=(0, 1), recall=TINY_RECALL, seq=TINY_SEQ,
                variant_keys=("lif@2",), arena_neurons=("lif",), control_delays=(1,), control_neurons=("lif",),
                seq_control_neurons=("lif",), claim_delay=2, share_delays=(1,), share_samples=16, bench="smoke")
    base.update(kw)
    return A.Protocol(**base)


# ------------------------------------------------------------------------------------------------- protocol
def test_variants_cover_paper_and_common_tau_and_the_lif_sweep():
    vs = A.variants()
    keys = [v.key for v in vs]
    assert keys == ["lif@1.1", "lif@2", "lif@8", "plif@2", "glif@4/3", "glif@2", "klif@2", "clif@2", "ilif@1.1",
                    "ilif@2"]
    by = {v.key: v for v in vs}
    assert by["lif@2"].roles == ("paper τ", "common τ", "LIF τ")
    assert by["ilif@1.1"].roles == ("paper τ",) and by["ilif@2"].roles == ("common τ",)
    assert by["glif@4/3"].label == "GLIF τ=4/3"
    for n in A.NEURONS:  # every neuron at its paper's τ and at the common τ
        assert any(v.neuron == n and v.tau == A.PAPER_TAU[n] for v in vs)
        assert any(v.neuron == n and v.tau == A.COMMON_TAU for v in vs)
    assert [v.key for v in A.variants(["clif@2", "lif@8"])] == ["lif@8", "clif@2"]
    with pytest.raises(ValueError, match="unknown variants"):
        A.variants(["lif@3"])


def test_quick_and_paper_protocols_are_data():
    q = A.protocol("quick")
    assert q.delays == (1, 2, 4, 8, 16, 32) and len(q.seeds) >= 5 and q.staircase
    assert len(q.variants) == 10 and q.control_delays and set(q.control_neurons) == set(A.NEURONS)
    p = A.protocol("paper")
    assert max(p.delays) > max(q.delays) and len(p.seeds) > len(q.seeds) and not p.staircase
    cfg = A.recall_config(A.variants(["lif@2"])[0], 64, 0, p)
    assert cfg.model_params["hidden"] == (256, 256) and cfg.profile == "paper" and cfg.T == 2 + 64 + 1
    d = A.protocol("paper-dryrun")
    assert d.seeds == p.seeds[:2] and d.delays == (1, 128)
    dc = A.recall_config(A.variants(["lif@2"])[0], 128, 0, d)
    assert dc.profile == "paper-dryrun" and dc.max_steps_per_epoch == 2
    with pytest.raises(ValueError, match="no arena protocol"):
        A.protocol("huge")


@pytest.mark.parametrize("kw,match", [
    (dict(delays=(1, 3)), "powers of two"),
    (dict(delays=(2, 1)), "powers of two"),
    (dict(seeds=(0,)), "at least 2 seeds"),
    (dict(control_delays=(4,)), "control_delays"),
    (dict(claim_delay=8), "claim_delay"),
    (dict(stop_below=1.5), "stop_below"),
    (dict(variant_keys=("lif@5",)), "unknown variants"),
])
def test_protocol_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        tiny(**kw)


def test_configs_of_a_cell():
    p = A.protocol("quick")
    v = A.variants(["ilif@1.1"])[0]
    cfg = A.recall_config(v, 8, 3, p)
    assert cfg.neuron == "ilif" and cfg.neuron_params["tau"] == 1.1 and cfg.T == 11 and cfg.seed == 3
    assert cfg.data_opts["delay"] == 8 and cfg.loss == "ce_last" and cfg.k_trunc is None
    assert A.recall_config(v, 8, 3, p, k_trunc=1).k_trunc == 1
    # the same cell twice is the same run (hash); the neuron settings are the shared benchmark's (CLIF code's)
    assert cfg.hash() == A.recall_config(v, 8, 3, p).hash()
    assert cfg.neuron_params["surrogate"] == "rectangle"
    s = A.seq_config(A.common_variant("clif"), 1, p)
    assert s.dataset == "seq_fashion_mnist" and s.T == 28 and s.neuron_params["tau"] == 2.0
    assert len(A.plan(p, "recall")) == 10 * 6 * 5
    assert len(A.plan(p, "control")) == 6 * 1 * 5 * 2
    assert len(A.plan(p, "seq")) == 6 * 5 + 5


# ------------------------------------------------------------------------------------------------- runs
def test_recall_runs_staircase_skips_after_a_failure_and_reuses_runs():
    p = tiny(stop_below=0.99)  # nothing reaches 99 % of the way to 1 in one tiny epoch: stop after d = 1
    df = A.recall_runs(p)
    assert list(df["status"]) == ["run", "run", "skipped", "skipped"]
    assert (df[df["status"] == "run"]["delay"] == 1).all()
    assert df.loc[2, "reason"].startswith("mean accuracy")
    run = df[df["status"] == "run"].iloc[0]
    assert 0 <= run["acc"] <= 1 and run["rate"] > 0 and run["energy_uJ"] > 0 and run["sec_per_epoch"] > 0
    again = A.recall_runs(p, train=False)  # finished runs are reused, nothing is missing
    assert list(again["status"]) == list(df["status"])
    full = A.recall_runs(tiny(staircase=False), train=False)  # d = 2 was never trained
    assert list(full["status"]) == ["run", "run", "not run", "not run"]
    assert full.loc[2, "command"].startswith("python -m snnlab train temporal-recall-lif --set")


def test_control_seq_shares_and_claims_on_tiny_runs():
    p = tiny(staircase=False)
    rec = A.recall_runs(p)
    ctrl = A.control_runs(p)
    assert sorted(ctrl["k_trunc"].unique()) == ["1", "full"]
    # the control's full-BPTT runs are the grid's runs (same config, same folder)
    assert set(ctrl[ctrl["k_trunc"] == "full"]["run"]) <= set(rec["run"])
    seq = A.seq_runs(p)
    assert len(seq) == 4 and (seq["task"] == "seq_fmnist").all()
    sh = A.temporal_shares(rec, p)
    assert len(sh) == 2 and ((sh["share"] >= 0) & (sh["share"] <= 1)).all()
    assert {"share_net.1", "share_net.3"} <= set(sh.columns)
    fx = A.control_effects(ctrl, seq)
    assert list(fx["task"]) == ["recall", "seq_fmnist"] and (fx["verdict"] == "inconclusive").all()
    assert all("n < 5" in t for t in fx["text"])


def test_bench_runs_read_the_shared_benchmark(tmp_path, monkeypatch):
    from snnlab.papers import benchmark

    monkeypatch.setenv("SNNLAB_RUNS", str(tmp_path / "runs"))
    df = A.bench_runs(tiny(bench="benchmark", seeds=(0, 1)), train=False)
    assert set(df["task"]) == {"static", "events"} and set(df["neuron"]) == {"lif", "relu"}
    assert (df["status"] == "not run").all() and len(df) == 8
    static = A.static_config("lif", 1, "static", tiny(bench="benchmark"))
    assert static.dataset == benchmark.config("lif", 1, "fmnist").dataset == "fashion_mnist"
    assert static.seed == 1 and static.T == benchmark.config("lif", 1, "fmnist").T
    assert A.static_config("relu", 0, "events", tiny(bench="benchmark")).dataset == \
        benchmark.config("relu", 0, "simevents").dataset


# ------------------------------------------------------------------------------------------------- analyses
def _recall_frame(accs: dict, delays=(1, 2, 4), seeds=range(5), skipped=()):
    """A delayed-recall table: accs[(variant_key, delay)] = per-seed accuracies."""
    rows = []
    for (key, d), vals in accs.items():
        v = A.variants([key])[0]
        for s, a in zip(seeds, vals):
            st = "skipped" if (key, d) in skipped else "run"
            rows.append({"task": "recall", "variant": key, "label": v.label, "neuron": v.neuron, "tau": v.tau,
                         "roles": ", ".join(v.roles), "delay": d, "seed": s, "k_trunc": "full", "status": st,
                         "acc": float("nan") if st == "skipped" else a})
    return pd.DataFrame(rows)


QUICK5 = A.Protocol(profile="quick", delays=(1, 2, 4), seeds=(0, 1, 2, 3, 4), control_delays=(1,), claim_delay=4,
                    share_delays=(1,))


def test_accuracy_vs_delay_and_largest_solved():
    accs = {("lif@2", 1): [0.95, 0.97, 0.99, 0.93, 0.96], ("lif@2", 2): [0.92, 0.50, 0.95, 0.91, 0.94],
            ("lif@2", 4): [0.3] * 5, ("clif@2", 1): [0.99] * 5, ("clif@2", 2): [0.3] * 5, ("clif@2", 4): [0] * 5}
    df = _recall_frame(accs, skipped={("clif@2", 4)})
    acc = A.accuracy_vs_delay(df, QUICK5)
    row = acc[(acc["variant"] == "lif@2") & (acc["delay"] == 2)].iloc[0]
    e = stats.paired_effect([0.92, 0.50, 0.95, 0.91, 0.94])
    assert row["acc"] == pytest.approx(e.mean) and row["ci_low"] == pytest.approx(e.ci_low)
    assert row["n"] == 5 and not row["solved"] and row["chance"] == 0.25
    sk = acc[(acc["variant"] == "clif@2") & (acc["delay"] == 4)].iloc[0]
    assert sk["skipped"] and sk["n"] == 0 and math.isnan(sk["acc"])
    ls = A.largest_solved(df, QUICK5).set_index("variant")
    assert ls.loc["lif@2", "per_seed"] == {0: 2, 1: 1, 2: 2, 3: 2, 4: 2}
    assert ls.loc["clif@2", "per_seed"] == {s: 1 for s in range(5)}
    # levels log2(d) + 1: lif 2,1,2,2,2 -> mean 1.8 -> d = 2^0.8
    assert ls.loc["lif@2", "level"] == pytest.approx(1.8) and ls.loc["lif@2", "d_mean"] == pytest.approx(2 ** 0.8)
    assert ls.loc["clif@2", "d_mean"] == 1.0 and ls.loc["clif@2", "d_low"] == 1.0


def test_control_effect_supported_and_neuron_claim_rows(tmp_path):
    seeds = range(5)
    rows = []
    for s in seeds:
        for k, a in (("full", 0.95 + 0.01 * s), ("1", 0.45 + 0.02 * s)):
            rows.append({"task": "recall", "variant": "lif@2", "label": "LIF τ=2", "neuron": "lif", "delay": 1,
                         "seed": s, "k_trunc": k, "status": "run", "acc": a})  # QUICK5's control delay
    fx = A.control_effects(pd.DataFrame(rows))
    r = fx.iloc[0]
    assert r["verdict"] == "supported" and r["effect"] == pytest.approx(100 * (0.5 - 0.01 * 2))
    assert r["ci_low"] > 0
    # CLIF better than LIF at the claim delay; ILIF skipped there (scores chance); KLIF equal
    accs = {("lif@2", 4): [0.30, 0.28, 0.27, 0.31, 0.29], ("clif@2", 4): [0.60, 0.62, 0.58, 0.65, 0.61],
            ("klif@2", 4): [0.30, 0.28, 0.27, 0.31, 0.29], ("ilif@2", 4): [0] * 5}
    nf = A.neuron_effects(_recall_frame(accs, delays=(4,), skipped={("ilif@2", 4)}), QUICK5)
    by = nf.set_index("neuron")
    assert by.loc["clif", "verdict"] == "supported"
    assert by.loc["ilif", "effect"] == pytest.approx(100 * (0.25 - np.mean([0.30, 0.28, 0.27, 0.31, 0.29])))
    assert by.loc["klif", "effect"] == 0.0 and by.loc["klif", "verdict"] == "inconclusive"
    claims = A.claim_rows(fx, nf, QUICK5)
    assert [c.claim.split(":")[0] for c in claims] == ["A1", "A2", "A3", "A4"]
    assert all(c.paper == "snnlab" and "own claim" in c.claim for c in claims)
    assert claims[0].verdict == "supported" and claims[2].verdict == "supported"  # A1 control, A3 CLIF
    assert "at d = 1, full BPTT" in claims[0].measure and "at d = 4, CLIF − LIF" in claims[2].measure
    assert "KLIF keeps temporal gradients that LIF loses" in claims[1].claim
    stats.write_claims(claims, tmp_path)  # valid rows for the claims table
    assert len(stats.read_claims(tmp_path / "claims.json")) == 4


def test_rank_table_ranks_with_bootstrap_intervals():
    rows = []
    for s in range(5):
        for n, a in (("lif", 0.80), ("clif", 0.90), ("ilif", 0.70), ("relu", 0.85)):
            rows.append({"task": "static", "neuron": n, "seed": s, "status": "run", "acc": a + 0.001 * s})
    df = pd.concat([pd.DataFrame(rows), _recall_frame({("lif@2", 1): [0.95] * 5, ("lif@2", 2): [0.3] * 5,
                                                       ("clif@2", 1): [0.95] * 5, ("clif@2", 2): [0.95] * 5},
                                                      delays=(1, 2))])
    rk = A.rank_table(df, QUICK5).set_index(["task", "neuron"])
    assert rk.loc[("static", "clif"), "rank"] == 1 and rk.loc[("static", "ilif"), "rank"] == 4
    assert rk.loc[("static", "clif"), "rank_low"] == 1 and rk.loc[("static", "clif"), "rank_high"] == 1
    assert rk.loc[("static", "relu"), "score"] == pytest.approx(85.2)
    assert rk.loc[("recall", "clif"), "rank"] == 1 and rk.loc[("recall", "clif"), "score"] == 2.0  # d = 2: level 2
    assert rk.loc[("recall", "lif"), "score"] == 1.0


def test_figures_build():
    import matplotlib

    matplotlib.use("Agg")
    accs = {("lif@2", 1): [0.95, 0.97, 0.99, 0.93, 0.96], ("lif@2", 2): [0.3] * 5, ("lif@8", 1): [0.99] * 5,
            ("lif@8", 2): [0.97] * 5, ("clif@2", 1): [0.9] * 5, ("clif@2", 2): [0] * 5}
    df = _recall_frame(accs, delays=(1, 2), skipped={("clif@2", 2)})
    fig = A.plot_accuracy_vs_delay(A.accuracy_vs_delay(df, QUICK5), QUICK5)
    assert len(fig.axes) == 3 and fig.axes[0].get_legend() is not None
    ctrl = pd.concat([df[df["delay"] == 1], df[df["delay"] == 1].assign(k_trunc="1", acc=0.4)])
    fig2 = A.plot_control(ctrl, A.control_effects(ctrl))
    assert len(fig2.axes) == 2
    shares = df[df["status"] == "run"].assign(share=lambda d: 0.5 + 0.01 * d["seed"])
    assert A.plot_shares(shares, 1) is not None
    rk = A.rank_table(df, QUICK5)
    assert A.plot_ranks(rk) is not None
    matplotlib.pyplot.close("all")


def test_bench_tasks_outside_bench_train_are_read_not_trained():
    df = A.bench_runs(tiny(bench_train=("static",)))
    ev = df[df["task"] == "events"]
    assert (ev["status"] == "not run").all() and ev["command"].str.startswith("python -m snnlab train smoke-").all()
    assert (df[df["task"] == "static"]["status"] == "run").all()
    assert len(A.missing_runs(df)) == len(ev)
    rk = A.rank_table(df, tiny())
    assert set(rk["task"]) == {"static"}  # a task without runs is left out of the ranks


def test_baseline_gate_stops_on_a_weak_benchmark_run_but_not_in_the_dry_run():
    import pandas as pd

    from snnlab.papers import benchmark
    from snnlab.stats import BaselineError

    def runs(acc):
        return pd.DataFrame([{"task": task, "status": "run", "neuron": n, "seed": s, "best_acc": acc}
                             for task in ("static", "events") for n in ("lif", "relu") for s in (0, 1)])

    good = max(benchmark.floor(n, ds) for n in ("lif", "relu") for ds in ("fmnist", "simevents")) + 0.01
    assert A.baseline_gate(runs(good), A.protocol("quick")) == "gated: 8 shared-benchmark runs at or above their floors"
    with pytest.raises(BaselineError, match=r"bench-fmnist-lif .*fell below its floor"):
        A.baseline_gate(runs(0.0), A.protocol("quick"))
    assert A.baseline_gate(runs(0.0), A.protocol("paper-dryrun")).startswith("not gated: dry run")
    assert A.baseline_gate(runs(0.0), A.protocol("smoke")).startswith("not gated: smoke")
