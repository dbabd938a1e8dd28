"""snnlab.stats on constructed cases: known effects are found, noise is inconclusive at the nominal rate, the
detectable effect matches a power simulation, pairing is by seed, and fewer than 5 seeds are refused."""
import json
import math

import numpy as np
import pytest
from scipy import stats as st

from snnlab import stats


def _effect(mean, lo, hi, n=5):
    se = (hi - lo) / 2 / st.t.ppf(0.975, n - 1)
    return stats.Effect(mean=mean, ci_low=lo, ci_high=hi, n=n, sd=se * math.sqrt(n), se=se, df=n - 1)


# --------------------------------------------------------------------------------------------- effects
def test_paired_interval_matches_scipy_ttest_rel():
    rng = np.random.default_rng(1)
    a, b = rng.normal(2, 1, 7), rng.normal(1, 1, 7)
    e = stats.paired_effect(a, b)
    ci = st.ttest_rel(a, b).confidence_interval(0.95)
    assert e.n == 7 and e.paired
    assert e.mean == pytest.approx(np.mean(a - b), abs=1e-12)
    assert (e.ci_low, e.ci_high) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert e.sd == pytest.approx(np.std(a - b, ddof=1))
    pts = stats.paired_effect(a / 100, b / 100, scale=100)  # fractions in, percentage points out
    assert (pts.mean, pts.ci_low, pts.ci_high) == pytest.approx((e.mean, e.ci_low, e.ci_high), abs=1e-12)


def test_unpaired_interval_matches_scipy_welch():
    rng = np.random.default_rng(2)
    a, b = rng.normal(2, 1, 6), rng.normal(1, 3, 9)
    e = stats.unpaired_effect(a, b)
    ci = st.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    assert not e.paired and (e.n_a, e.n_b, e.n) == (6, 9, 6)
    assert (e.ci_low, e.ci_high) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_pairing_is_by_seed_not_by_order():
    a = {10: 0.90, 11: 0.80, 12: 0.85, 13: 0.70, 14: 0.95}
    b = {14: 0.94, 12: 0.84, 10: 0.89, 13: 0.69, 11: 0.79}  # same seeds, another order
    e = stats.paired_effect(a, b)
    assert e.seeds == (10, 11, 12, 13, 14)
    np.testing.assert_allclose(e.differences, 0.01, atol=1e-12)
    assert e.sd == pytest.approx(0.0, abs=1e-12)


def test_paired_design_sees_what_unpaired_cannot():
    # a seed effect shared by both neurons (initialisation, data order) dwarfs the 0.5-point difference
    rng = np.random.default_rng(3)
    seed_effect = rng.normal(0, 3.0, 8)
    a = {s: 85 + seed_effect[s] + 0.5 + rng.normal(0, 0.1) for s in range(8)}
    b = {s: 85 + seed_effect[s] + rng.normal(0, 0.1) for s in range(8)}
    paired = stats.decide(stats.paired_effect(a, b), "greater")
    unpaired = stats.decide(stats.unpaired_effect(a, b), "greater")
    assert paired.verdict == "supported"
    assert unpaired.verdict == "inconclusive"
    assert unpaired.effect.half_width > 10 * paired.effect.half_width


def test_unpaired_seeds_are_refused_by_a_paired_comparison():
    with pytest.raises(ValueError, match=r"seeds only in a: \[4\], only in b: \[5\]"):
        stats.paired_effect({0: 1, 1: 2, 2: 3, 3: 4, 4: 5}, {0: 1, 1: 2, 2: 3, 3: 4, 5: 5})
    with pytest.raises(ValueError, match="one value per seed"):
        stats.paired_effect([1, 2, 3, 4, 5], [1, 2, 3, 4])
    with pytest.raises(TypeError, match="both"):
        stats.paired_effect({0: 1.0}, [1.0])
    with pytest.raises(ValueError, match="non-finite"):
        stats.paired_effect([1, 2, float("nan"), 4, 5], [1, 2, 3, 4, 5])


def test_bootstrap_interval_is_reported_beside_the_t_interval():
    rng = np.random.default_rng(4)
    d = rng.normal(1.0, 1.0, 30)
    e1 = stats.paired_effect(d, bootstrap=2000, random_state=0)
    e2 = stats.paired_effect(d, bootstrap=2000, random_state=0)
    assert (e1.boot_low, e1.boot_high) == (e2.boot_low, e2.boot_high)
    assert e1.boot_low < e1.mean < e1.boot_high
    # for normal data the two intervals agree to within a fraction of their width
    assert abs(e1.boot_low - e1.ci_low) < 0.25 * e1.half_width
    assert abs(e1.boot_high - e1.ci_high) < 0.25 * e1.half_width


# --------------------------------------------------------------------------------------------- verdicts
def test_known_effect_is_supported_and_its_reverse_contradicted():
    rng = np.random.default_rng(5)
    base = rng.normal(88, 2, 6)
    a = dict(enumerate(base + 1.0 + rng.normal(0, 0.2, 6)))
    b = dict(enumerate(base))
    assert stats.decide(stats.paired_effect(a, b), "greater").verdict == "supported"
    assert stats.decide(stats.paired_effect(b, a), "greater").verdict == "contradicted"
    assert stats.decide(stats.paired_effect(a, b), "less").verdict == "contradicted"
    assert stats.decide(stats.paired_effect(b, a), "less").verdict == "supported"


def test_margin_is_a_signed_threshold():
    e = _effect(-0.2, -0.4, 0.0, n=6)
    # non-inferiority: "within 0.5 points of the ANN" = effect > -0.5
    assert stats.decide(e, "greater", margin=-0.5).verdict == "supported"
    assert stats.decide(e, "greater", margin=0.1).verdict == "contradicted"
    assert stats.decide(e, "greater", margin=-0.1).verdict == "inconclusive"
    assert stats.decide(e, "less", margin=0.1).verdict == "supported"


def test_noise_is_inconclusive_at_the_nominal_rate():
    # 2000 null designs of 5 paired seeds: each one-sided false call should happen 2.5 % of the time
    rng = np.random.default_rng(6)
    verdicts = [stats.decide(stats.paired_effect(rng.normal(0, 1.3, 5)), "greater").verdict for _ in range(2000)]
    rate_sup = verdicts.count("supported") / 2000
    rate_con = verdicts.count("contradicted") / 2000
    se = math.sqrt(0.025 * 0.975 / 2000)  # 0.0035
    assert abs(rate_sup - 0.025) < 3.5 * se, rate_sup
    assert abs(rate_con - 0.025) < 3.5 * se, rate_con
    assert verdicts.count("inconclusive") / 2000 > 0.93


@pytest.mark.parametrize("n,sd", [(5, 1.0), (8, 2.5)])
def test_minimum_detectable_effect_matches_a_power_simulation(n, sd):
    mde = stats.minimum_detectable_effect(sd, n)
    # normal-theory lower bound, t makes it larger
    assert mde > (st.norm.ppf(0.975) + st.norm.ppf(0.8)) * sd / math.sqrt(n)
    rng = np.random.default_rng(7 + n)
    sims = 4000
    hits = sum(stats.decide(stats.paired_effect(rng.normal(mde, sd, n)), "greater").verdict == "supported"
               for _ in range(sims))
    assert abs(hits / sims - 0.80) < 3.5 * math.sqrt(0.8 * 0.2 / sims), hits / sims


def test_mde_approaches_the_normal_formula_for_many_seeds():
    z = st.norm.ppf(0.975) + st.norm.ppf(0.8)
    assert stats.minimum_detectable_effect(1.0, 5000) == pytest.approx(z / math.sqrt(5000), rel=2e-3)


def test_seeds_needed_is_the_smallest_sufficient_design():
    e = stats.paired_effect([0.3, 1.2, -0.5, 0.9, -0.2])
    m = stats.seeds_needed(0.4, e)
    sd = e.sd
    assert stats.power(0.4, sd / math.sqrt(m), m - 1) >= 0.8 > stats.power(0.4, sd / math.sqrt(m - 1), m - 2)
    assert stats.seeds_needed(1e-9, e) is None  # beyond MAX_SEEDS_SEARCHED
    d = stats.decide(e, "greater")
    assert d.verdict == "inconclusive" and d.n_needed == stats.seeds_needed(e.mean, e)
    assert d.mde == pytest.approx(stats.minimum_detectable_effect(e.sd, 5))


def test_fewer_than_five_seeds_are_refused():
    e = stats.paired_effect([1.0, 1.1, 0.9, 1.2])
    with pytest.raises(stats.InsufficientSeeds, match="at least 5"):
        stats.decide(e, "greater")
    d = stats.decide(e, "greater", on_few="inconclusive")
    assert d.verdict == "inconclusive" and d.reason == "n < 5" and d.n_needed is None
    assert "n < 5" in d.text()
    with pytest.raises(ValueError, match="at least 5"):
        stats.decide(e, "greater", min_n=3)
    with pytest.raises(stats.InsufficientSeeds):
        stats.paired_effect([1.0])
    with pytest.raises(ValueError, match="direction"):
        stats.decide(stats.paired_effect([1, 2, 3, 4, 5.0]), "up")


# --------------------------------------------------------------------------------------------- text
def test_sentences_never_print_a_bare_boolean():
    e = _effect(1.2, 0.4, 2.0)
    d = stats.decide(e, "greater", units="points")
    assert d.text() == "supported: +1.2 points [0.4, 2.0], n=5 paired seeds (claimed effect > 0)"
    e = _effect(0.3, -0.5, 1.1)
    d = stats.decide(e, "greater")
    text = d.text()
    assert text.startswith("inconclusive: +0.3 [-0.5, 1.1], n=5 paired seeds")
    assert f"n≈{d.n_needed} paired seeds" in text
    assert f"an effect ≥ +{d.mde:.1f} to decide" in text
    d = stats.decide(_effect(-1.0, -1.5, -0.5), "greater")
    assert d.text().startswith("contradicted: -1.0 [-1.5, -0.5]")
    for dec in (d, stats.decide(e, "less")):
        assert "True" not in dec.text() and "False" not in dec.text()
    with pytest.raises(TypeError, match="three states"):
        bool(d)


def test_decimals_follow_the_interval_width():
    assert stats.format_effect(_effect(0.0123, 0.0023, 0.0223)) == "+0.012 [0.002, 0.022], n=5 paired seeds"
    assert stats.format_effect(_effect(12.3, 8.1, 16.5)).startswith("+12 [8, 16]")
    assert stats.format_effect(_effect(-0.001, -0.5, 0.5), decimals=2).startswith("+0.00 [-0.50, 0.50]")


# --------------------------------------------------------------------------------------------- claims table
CLAIM = stats.Claim("clif", "C4", "CLIF is more accurate than LIF at every T", "Fig. 2b", "best test accuracy, "
                    "CLIF − LIF (points)", "greater", units="points")


def test_claim_rows_carry_the_verdict_and_validate():
    e = stats.paired_effect({s: 1.0 + 0.1 * s for s in range(5)}, {s: 0.0 for s in range(5)})
    row = CLAIM.evaluate(e, profile="quick")
    assert row.claim.startswith("C4: ") and row.verdict == "supported" and row.n_seeds == 5
    assert row.fidelity == "re-measured at this scale" and row.detail.startswith("supported: +1.20 points [1.00, 1.40]")
    with pytest.raises(stats.InsufficientSeeds):
        CLAIM.evaluate(stats.paired_effect([1.0, 1.1, 1.2]), profile="quick")
    few = CLAIM.from_numbers(stats.paired_effect([1.0, 1.1, 1.2]))
    assert few.verdict == "inconclusive" and few.fidelity == "authors' numbers" and "n < 5" in few.detail
    with pytest.raises(ValueError, match="verdict"):
        stats.ClaimRow(**{**row.to_dict(), "verdict": "holds"})
    with pytest.raises(ValueError, match="fidelity"):
        stats.ClaimRow(**{**row.to_dict(), "fidelity": "ours"})
    with pytest.raises(ValueError, match="start with its ID"):
        stats.ClaimRow(**{**row.to_dict(), "claim": "CLIF beats LIF"})
    with pytest.raises(stats.InsufficientSeeds):
        stats.ClaimRow(**{**row.to_dict(), "n_seeds": 3})
    with pytest.raises(ValueError, match="finite ci_low"):
        stats.ClaimRow(**{**row.to_dict(), "ci_low": float("nan")})


def test_identity_rows_carry_the_check_and_fail_loudly():
    k1 = stats.Claim("klif", "K1", "k rescales the surrogate's slope and width", "§2.3", "g_k(x) vs k·g(kx)",
                     direction=None)
    x = np.linspace(-2, 2, 9)
    row = k1.identity(2 * np.exp(-x ** 2), 2 * np.exp(-x ** 2) + 1e-15, tol=1e-12, what="k = 2")
    assert row.verdict == "identity" and row.ci_low is None and row.check["max_abs_error"] <= 1e-12
    assert row.check["tol"] == 1e-12 and "k = 2" in row.detail
    with pytest.raises(stats.IdentityCheckFailed, match="K1"):
        k1.identity(1.0, 1.1, tol=1e-6)
    with pytest.raises(ValueError, match="identity"):
        k1.decide(stats.paired_effect([1, 2, 3, 4, 5.0]))


def test_claims_table_round_trip(tmp_path):
    e = stats.paired_effect([0.3, 1.2, -0.5, 0.9, -0.2])
    rows = [CLAIM.evaluate(e, profile="quick"),
            CLAIM.not_run("make figures PROFILE=paper", reason="needs CIFAR-10 and a GPU"),
            stats.Claim("klif", "K1", "k rescales the surrogate", "§2.3", "max error", None).identity(1.0, 1.0)]
    csv_path, json_path = stats.write_claims(rows, tmp_path / "overview")
    header = csv_path.read_text().splitlines()[0].split(",")
    assert tuple(header[:11]) == stats.COLUMNS
    assert stats.read_claims(json_path) == rows
    frame = stats.claims_frame(rows)
    assert list(frame["verdict"]) == ["inconclusive", "not run", "identity"]
    assert rows[1].command == "make figures PROFILE=paper" and "needs CIFAR-10" in rows[1].detail
    data = json.loads(json_path.read_text())
    assert data["rows"][0]["n_needed"] == rows[0].n_needed
    with pytest.raises(ValueError, match="twice"):
        stats.write_claims(rows + rows[:1], tmp_path)
    with pytest.raises(ValueError, match="command"):
        stats.ClaimRow(**{**rows[1].to_dict(), "command": ""})


# --------------------------------------------------------------------------------------------- gates
def test_baseline_gate_stops_a_broken_baseline():
    assert stats.check_baseline("ANN", {0: 0.89, 1: 0.90}, 0.85) == 0.89
    with pytest.raises(stats.BaselineError) as info:
        stats.check_baseline("ReLU ANN on Fashion-MNIST (bench-fmnist-ann)", {0: 0.169, 1: 0.88}, 0.85,
                             what="the ANN's layer activity at init and its learning rate")
    msg = str(info.value)
    assert "ReLU ANN on Fashion-MNIST" in msg and "seed 0: 0.169" in msg and "0.85" in msg
    assert "seed 1" not in msg and "layer activity" in msg
    with pytest.raises(stats.BaselineError, match="nan"):
        stats.check_baseline("LIF", float("nan"), 0.85)
    with pytest.raises(stats.BaselineError, match="no values"):
        stats.check_baseline("LIF", [], 0.85)
