"""CLIF paper, trained part: the runs, analyses, claims and figures of notebooks 02, 03, 04, 05 and 08.

**What the paper claims** (CLAIMS.md, clif.md §3.5/§3.7), decided here:

* C3 (02_tau_ktrunc, Fig. 2a / Table 3 / Fig. 6): truncating BPTT to ``k_trunc`` costs LIF more accuracy at
  larger τ. Effect: (accuracy with full BPTT − accuracy at the smallest k_trunc) at the largest τ minus the same at
  the smallest τ, paired by seed.
* C4 (03_accuracy_vs_T, Fig. 2b / Fig. 3b): CLIF is more accurate than LIF at every T (one row per T and a row for
  "every T": supported only when every T is, contradicted when any T is; it reports the weakest T); LIF plateaus:
  LIF gains less than CLIF from the largest step in T (difference in differences).
* C5 (04_loss_switching, Fig. 3a / Fig. 10): switching LIF → CLIF lowers the test loss at the last epoch; CLIF's
  test loss is lower after the first epoch (faster) and at the last epoch (lower).
* C6 / C7 (05_neuron_comparison, Fig. 4 / Table 1): CLIF is more accurate than each of LIF, PLIF, KLIF, GLIF (one
  row each and an "all of them" row as for C4); CLIF matches the ReLU ANN within ``ANN_MARGIN`` points.
* C11 (08_deploy_lif, Table 8): a CLIF-trained network deployed with plain LIF neurons (hard reset to
  ``DEPLOY_V_RESET``) loses less than ``DEPLOY_KEEP_MARGIN`` points; a LIF-trained one loses accuracy; the
  CLIF-trained one keeps more than the LIF-trained one (paired by seed).
* C13 (Tables 1–2): the paper's headline accuracies, ``not run`` here with the exact ``train`` command (and our
  number beside the paper's when a paper run is finished).

Every comparison is a paired effect over seeds (``snnlab.stats.paired_effect``, a seed fixes the initialisation and
the data order of every neuron) with ``snnlab.stats.decide``; baselines pass ``check_baselines`` first (quick: the
shared benchmark's floors, ``benchmark.check``). Paper-scale claims are ``not run`` rows with the command that runs
them (``python -m snnlab launch notebooks/clif/<notebook>.ipynb --profile paper``).

**Runs per profile** (data below; ``plan(profile, notebook)``):

* ``smoke``: the ``smoke`` family (tiny conv net, synthetic data, seconds), ``SMOKE`` seeds (2, so verdicts are
  ``inconclusive (n < 5)``).
* ``quick``: the shared benchmark (``snnlab.papers.benchmark``): its base cells (every neuron and the ANN), ``steps``
  (T), ``truncation`` (τ × k_trunc) and ``switch`` slices with its 5 paired seeds; identical cells are the same runs
  (same hash) as in every other notebook of every paper.
* ``paper``: the registry's named paper configs (``PAPER_FAMILIES``; ``python -m snnlab configs 'clif-*'``).
* ``paper-dryrun``: the cells ``DRYRUN_CELLS`` of the paper families (every code path of these notebooks: the 5-layer
  net with truncation, ResNet-18 with every neuron kind used, the switch, the ANN), cut by ``common.dryrun``.

Layer: papers (imports experiments, stats, the training engine's ``evaluate``; never ``snnlab.notebook``).
"""
from __future__ import annotations

import json
from types import MappingProxyType
from typing import Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence

from snnlab import paper_data
from snnlab import stats as S
from snnlab.config import RunConfig
from snnlab.experiments import Run, run_dir_for
from snnlab.experiments.families import cell_of
from snnlab.papers import benchmark as B
from snnlab.papers import common as C
from snnlab.papers.common import PlanEntry

__all__ = [
    "PAPER", "NOTEBOOKS", "COMPARED", "SMOKE", "QUICK_DATASETS", "PAPER_FAMILIES", "PAPER_SWITCH_EPOCHS",
    "DRYRUN_CELLS", "DEPLOY_V_RESETS", "DEPLOY_V_RESET", "DEPLOY_KEEP_MARGIN", "ANN_MARGIN", "PAPER_FLOORS",
    "C13_TARGETS", "CLAIMS", "plan", "collect", "load", "curves", "check_baselines", "truncation_grid", "deploy",
    "claims_c3", "claims_c4", "claims_c5", "claims_c6_c7", "claims_c11", "claims_c13", "paper_scale", "claims",
    "deploy_v_resets", "ann_activity", "headline",
    "claims_table", "Figure", "fig_truncation", "fig_paper_table3", "fig_accuracy_vs_T", "fig_loss_curves",
    "fig_neurons", "fig_deploy", "describe",
]

PAPER = "clif"
#: the notebooks of this module (file stems)
NOTEBOOKS = ("02_tau_ktrunc", "03_accuracy_vs_T", "04_loss_switching", "05_neuron_comparison", "08_deploy_lif")
#: Fig. 4's neurons (the ReLU ANN is compared separately, C7)
COMPARED = ("lif", "plif", "klif", "glif", "clif")
ANN = "relu"

# ------------------------------------------------------------------------------------------------------- data
#: smoke: the tiny `smoke` family, two seeds (an interval, never a verdict)
SMOKE = MappingProxyType(dict(family="smoke", seeds=(0, 1), taus=(1.5, 2.0), k_truncs=(1, None), T=(2, 4),
                              epochs=2, switch_epoch=1))
#: quick: the benchmark datasets these notebooks read (the benchmark's `simevents` variant can be added here)
QUICK_DATASETS = ("fmnist",)
#: paper: the registry's families per notebook (clif.md §3.5/§3.7)
PAPER_FAMILIES = MappingProxyType({
    "02_tau_ktrunc": ("clif-fig2a-snn5", "clif-table3a-resnet18", "clif-table3b-vgg11-gesture"),
    "03_accuracy_vs_T": ("clif-fig2b-snn5", "clif-fig3b-resnet18"),
    "04_loss_switching": ("clif-cifar10-resnet18-T6",),
    "05_neuron_comparison": ("clif-cifar10-resnet18-T8", "clif-cifar100-resnet18-T6"),
    "08_deploy_lif": ("clif-cifar10-resnet18-T6", "clif-cifar100-resnet18-T6"),
})
#: Fig. 3a's switch epochs (the paper does not give them, clif.md §5 item 10: our choice, registered)
PAPER_SWITCH_EPOCHS = (50, 100, 150)
#: paper-dryrun: the cells run through the paper code paths (dry-run cells shared across notebooks by hash)
DRYRUN_CELLS = MappingProxyType({
    "02_tau_ktrunc": {"clif-fig2a-snn5": C.grid(tau=(1.1, 2.0), k_trunc=(1, None))},
    "03_accuracy_vs_T": {"clif-fig2b-snn5": C.grid(neuron=("lif", "clif"), T=(2,), seed=(2022, 2023))},
    "04_loss_switching": {"clif-cifar10-resnet18-T6": [{"neuron": "lif"}, {"neuron": "clif"},
                                                       {"neuron": "lif", "switch_epoch": PAPER_SWITCH_EPOCHS[0]}]},
    "05_neuron_comparison": {"clif-cifar10-resnet18-T6": C.grid(neuron=("lif", "clif", "relu"))},
    "08_deploy_lif": {"clif-cifar10-resnet18-T6": C.grid(neuron=("clif", "lif"))},
})
#: Table 8: hard-reset values at deployment per profile (soft reset is always evaluated too)
DEPLOY_V_RESETS = MappingProxyType({"smoke": (0.0, -0.06), "quick": (0.0, -0.06, -0.1),
                                    "paper": (0.0, -0.02, -0.04, -0.06, -0.08, -0.1)})
#: C11 is decided at this hard-reset value, fixed beforehand: the paper's best on CIFAR-10 (Table 8)
DEPLOY_V_RESET = -0.06
#: C11: "keeps nearly all its accuracy" = loses less than this many points (Table 8 loses 0.33 on CIFAR-10, 1.36 on
#: CIFAR-100 at their best reset)
DEPLOY_KEEP_MARGIN = 2.0
#: C7: "matches or slightly exceeds the ANN" = CLIF − ANN > −ANN_MARGIN points
ANN_MARGIN = 0.5
#: paper-scale sanity floors (best test accuracy, fraction) of the LIF and ANN baselines on ResNet-18
PAPER_FLOORS = MappingProxyType({"cifar10": 0.90, "cifar100": 0.65})
#: C13: the registered config of each headline number and the paper's value (clif.md §3.5, paper_data)
C13_TARGETS = (
    ("clif-cifar10star-resnet18-clif-T8", "CIFAR-10, ResNet-18, T = 8, with augmentation", "clif_table1",
     dict(dataset="CIFAR-10", method="Ours*", T=8)),
    ("clif-cifar100star-resnet18-clif-T8", "CIFAR-100, ResNet-18, T = 8, with augmentation", "clif_table1",
     dict(dataset="CIFAR-100", method="Ours*", T=8)),
    ("clif-tinyimagenet-vgg13-clif-T6", "Tiny-ImageNet, VGG-13, T = 6", "clif_table1",
     dict(dataset="Tiny-ImageNet", method="Ours", T=6)),
    ("clif-dvsgesture-vgg11-clif-T20", "DVS-Gesture, Spiking-VGG11, T = 20", "clif_table2",
     dict(dataset="DVS-Gesture", network="Spiking-VGG11", neuron="CLIF")),
    ("clif-dvscifar10-vgg11-clif-T10", "DVS-CIFAR10, Spiking-VGG11, T = 10", "clif_table2",
     dict(dataset="DVS-CIFAR10", network="Spiking-VGG11", neuron="CLIF")),
)

_SOURCE = {"C3": "Fig. 2a, Table 3, Fig. 6 (clif.md §3.5)", "C4": "Fig. 2b, Fig. 3b (clif.md §3.7)",
           "C5": "Fig. 3a, Fig. 10 (clif.md §3.7)", "C6": "Fig. 4, Tables 1-2 (clif.md §3.7)",
           "C7": "abstract, Fig. 4, Table 1 (clif.md §3.5)", "C11": "Table 8 (clif.md §3.5)",
           "C13": "Tables 1-2 (clif.md §3.5)"}
#: the claims of this module (CLAIMS.md), in the claims table's wording
CLAIMS = MappingProxyType({
    "C3": "truncating BPTT (k_trunc) costs LIF more accuracy at larger τ: temporal gradients matter",
    "C4": "CLIF is more accurate than LIF at every T; LIF's accuracy stops improving at large T",
    "C5": "switching a LIF network to CLIF during training lowers its loss; CLIF's test loss converges faster and "
          "lower",
    "C6": "CLIF is the most accurate of LIF, PLIF, KLIF, GLIF and CLIF under identical training",
    "C7": "CLIF matches or slightly exceeds the ReLU ANN of identical structure and training",
    "C11": "a CLIF-trained network deployed with plain LIF neurons (hard reset slightly below 0) keeps nearly all "
           "its accuracy; a LIF-trained one loses it under hard reset",
    "C13": "accuracy: CIFAR-10 96.69 % and CIFAR-100 80.89 % at T = 8 with augmentation, Tiny-ImageNet 64.13 % at "
           "T = 6, the DVS results of Table 2",
})
_NOTEBOOK_OF = {"C3": "02_tau_ktrunc", "C4": "03_accuracy_vs_T", "C5": "04_loss_switching",
                "C6": "05_neuron_comparison", "C7": "05_neuron_comparison", "C11": "08_deploy_lif"}


def _claim(cid: str, text: str, measure: str, direction: Optional[str] = "greater", margin: float = 0.0,
           units: str = "points") -> S.Claim:
    return S.Claim(PAPER, cid, text, _SOURCE[cid], measure, direction, margin, units)


# ======================================================================================================= plans
def _check(profile: str, notebook: Optional[str]) -> None:
    C.by_profile(profile, smoke=0)  # validates the profile
    if notebook is not None and notebook not in NOTEBOOKS:
        raise ValueError(f"{notebook!r} is not one of the trained CLIF notebooks {NOTEBOOKS}")


def _smoke_cells(notebook: str) -> List[dict]:
    s = SMOKE
    if notebook == "02_tau_ktrunc":
        return C.grid(tau=s["taus"], k_trunc=s["k_truncs"], seed=s["seeds"])
    if notebook == "03_accuracy_vs_T":
        return C.grid(neuron=("lif", "clif"), T=s["T"], seed=s["seeds"])
    if notebook == "04_loss_switching":
        cells = C.grid(neuron=("lif", "clif"), seed=s["seeds"], epochs=(s["epochs"],))
        return cells + C.grid(neuron=("lif",), switch_epoch=(s["switch_epoch"],), seed=s["seeds"],
                              epochs=(s["epochs"],))
    if notebook == "05_neuron_comparison":
        return C.grid(neuron=COMPARED + (ANN,), seed=s["seeds"])
    return C.grid(neuron=("clif", "lif"), seed=s["seeds"])


def _bench_entry(labels: dict, config: RunConfig, neuron: str, dataset: str) -> PlanEntry:
    return PlanEntry({"family": f"bench-{dataset}", **labels}, config, B.name(neuron, dataset))


def _quick_entries(notebook: str, dataset: str) -> List[PlanEntry]:
    out = []
    if notebook == "02_tau_ktrunc":
        for tau in B.TAUS:
            for k in B.K_TRUNCS:
                for s in B.SEEDS:
                    out.append(_bench_entry(dict(neuron="lif", tau=tau, k_trunc=k, seed=s),
                                            B.truncation(tau, k, s, dataset=dataset), "lif", dataset))
    elif notebook == "03_accuracy_vs_T":
        for n in ("lif", "clif"):
            for T in B.TS:
                for s in B.SEEDS:
                    out.append(_bench_entry(dict(neuron=n, T=T, seed=s), B.steps(n, T, s, dataset), n, dataset))
    elif notebook == "04_loss_switching":
        for s in B.SEEDS:
            out.append(_bench_entry(dict(neuron="lif", seed=s), B.config("lif", s, dataset), "lif", dataset))
            out.append(_bench_entry(dict(neuron="clif", seed=s), B.config("clif", s, dataset), "clif", dataset))
            out.append(_bench_entry(dict(neuron="lif", switch_epoch=B.SWITCH_EPOCH, seed=s),
                                    B.switch(s, dataset=dataset), "lif", dataset))
    else:
        neurons = COMPARED + (ANN,) if notebook == "05_neuron_comparison" else ("clif", "lif")
        for n in neurons:
            for s in B.SEEDS:
                out.append(_bench_entry(dict(neuron=n, seed=s), B.config(n, s, dataset), n, dataset))
    return out


def _paper_entries(notebook: str, profile: str) -> List[PlanEntry]:
    if C.is_dryrun(profile):
        return [e for fam, cells in DRYRUN_CELLS[notebook].items() for e in C.plan(fam, cells, profile=profile)]
    out = []
    for fam in PAPER_FAMILIES[notebook]:
        if notebook == "04_loss_switching":
            cells = [{"neuron": "lif"}, {"neuron": "clif"}] + [{"neuron": "lif", "switch_epoch": e}
                                                               for e in PAPER_SWITCH_EPOCHS]
        elif notebook == "05_neuron_comparison":
            cells = C.grid(neuron=COMPARED + (ANN,))
        elif notebook == "08_deploy_lif":
            cells = C.grid(neuron=("clif", "lif"))
        else:
            cells = None  # the family's registered grid (τ × k_trunc; neuron × T × seed)
        out += C.plan(fam, cells, profile=profile)
    return out


def plan(profile: str, notebook: Optional[str] = None) -> List[PlanEntry]:
    """The runs of the trained CLIF notebooks in ``profile`` (``notebook``: one of ``NOTEBOOKS``), each config once."""
    _check(profile, notebook)
    entries = []
    for nb in (NOTEBOOKS if notebook is None else (notebook,)):
        if profile == "smoke":
            entries += C.plan(SMOKE["family"], _smoke_cells(nb), profile=profile)
        elif profile == "quick":
            entries += [e for d in QUICK_DATASETS for e in _quick_entries(nb, d)]
        else:
            entries += _paper_entries(nb, profile)
    return C.unique(entries)


# ======================================================================================================= results
def describe(config: RunConfig) -> str:
    """``small_conv on fashion_mnist (train subset 20000, full test set), 2 epoch(s), T = 4``."""
    sub = f"train subset {config.train_subset}" if config.train_subset else "full training set"
    test = f"test subset {config.test_subset}" if config.test_subset else "full test set"
    return f"{config.model} on {config.dataset} ({sub}, {test}), {config.epochs} epoch(s), T = {config.steps}"


def _arm(config: RunConfig) -> str:
    sw = config.switch_neuron
    return f"{config.neuron}->{sw['neuron']}@{sw['epoch']}" if sw else config.neuron


def _finished(entry: PlanEntry) -> Optional[Run]:
    r = Run(run_dir_for(entry.config), entry.config)
    return r if r.finished and r.summary.get("config_hash") == entry.config.hash() else None


def _bench_dataset(config: RunConfig) -> Optional[str]:
    for key, recipe in B.RECIPES.items():
        if recipe["dataset"] == config.dataset:
            return key
    return None


def _is_bench_base(config: RunConfig) -> bool:
    ds = _bench_dataset(config)
    if ds is None or not config.name.startswith("bench-"):
        return False
    try:
        return B.config(config.neuron, config.seed, ds).hash() == config.hash()
    except ValueError:
        return False


def collect(entries: Sequence[PlanEntry], runs: Optional[Sequence[Optional[Run]]] = None):
    """One row per plan entry: ``setting`` (the family), ``neuron``, ``arm`` (neuron, or ``lif->clif@e`` for a
    switch run), ``T``, ``tau``, ``k_trunc`` (the window; full BPTT is ``T``), ``full_bptt``, ``switch_epoch``,
    ``seed``, ``epochs``, ``base`` (a shared benchmark base cell), ``acc`` (best test accuracy, %), ``final_acc``,
    ``final_test_loss``, ``firing_rate``, ``seconds``, ``status`` (finished / not run), ``run``, ``command`` (for a
    missing run), ``description`` (``describe(config)``). ``runs`` default: the finished runs on disk (nothing is trained)."""
    import pandas as pd

    runs = [_finished(e) for e in entries] if runs is None else list(runs)
    if len(runs) != len(entries):
        raise ValueError(f"collect(): {len(entries)} plan entries but {len(runs)} runs")
    rows = []
    for e, r in zip(entries, runs):
        cfg = e.config
        cell = cell_of(cfg)
        T = cfg.steps
        k = cfg.k_trunc if cfg.k_trunc is not None and cfg.k_trunc < T else T
        s = r.summary if r is not None and r.finished else None
        nan = float("nan")
        rows.append(dict(
            setting=str(e.labels.get("family", cfg.name)), neuron=cfg.neuron, arm=_arm(cfg), T=T,
            tau=nan if cell["tau"] is None else float(cell["tau"]), k_trunc=int(k), full_bptt=k >= T,
            switch_epoch=nan if cell["switch_epoch"] is None else int(cell["switch_epoch"]), seed=cfg.seed,
            epochs=cfg.epochs, base=_is_bench_base(cfg),
            acc=nan if s is None else 100.0 * float(s["best_test_acc"]),
            final_acc=nan if s is None or s.get("final_test_acc") is None else 100.0 * float(s["final_test_acc"]),
            final_test_loss=nan if s is None or s.get("final_test_loss") is None else float(s["final_test_loss"]),
            firing_rate=nan if s is None or s.get("firing_rate_mean") is None else float(s["firing_rate_mean"]),
            seconds=nan if s is None else float(s.get("total_seconds") or nan),
            status="finished" if s is not None else "not run", run=r.dir.name if s is not None else "",
            command="" if s is not None else C.train_command(cfg, e.base), description=describe(cfg)))
    return pd.DataFrame(rows)


def load(profile: str, notebook: str):
    """``collect(plan(profile, notebook))`` from the finished runs on disk (trains nothing)."""
    return collect(plan(profile, notebook))


def curves(entries: Sequence[PlanEntry], runs: Optional[Sequence[Optional[Run]]] = None):
    """Per-epoch metrics of every finished run: ``setting, arm, seed, epoch`` (1-based), ``neuron`` (the neuron of
    that epoch), ``train_loss, test_loss, test_acc`` (%), ``lr``."""
    import pandas as pd

    runs = [_finished(e) for e in entries] if runs is None else list(runs)
    parts = []
    for e, r in zip(entries, runs):
        if r is None or not r.finished:
            continue
        m = r.metrics
        if m.empty:
            continue
        parts.append(pd.DataFrame(dict(
            setting=str(e.labels.get("family", e.config.name)), arm=_arm(e.config), seed=e.config.seed,
            epoch=m["epoch"].astype(int) + 1, neuron=m.get("neuron", e.config.neuron), train_loss=m["train_loss"],
            test_loss=m["test_loss"], test_acc=100.0 * m["test_acc"], lr=m.get("lr"))))
    cols = ["setting", "arm", "seed", "epoch", "neuron", "train_loss", "test_loss", "test_acc", "lr"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


# ======================================================================================================= baselines
def check_baselines(df, profile: str) -> Dict[str, float]:
    """Stop (``snnlab.stats.BaselineError``) before any comparison when a baseline is under its floor.

    quick: every shared-benchmark base run in ``df`` against ``benchmark.FLOORS`` (ANN and LIF ≥ 85 % on the full
    Fashion-MNIST test set); paper: the ResNet-18 LIF and ANN runs against ``PAPER_FLOORS``; smoke and the dry run
    have no floor. Returns the smallest checked accuracy per baseline (fraction)."""
    checked: Dict[str, float] = {}
    done = df[df.status == "finished"] if len(df) else df
    if profile == "quick":
        for (setting, neuron), d in done[done.base].groupby(["setting", "neuron"], sort=False):
            dataset = setting.removeprefix("bench-")
            B.check({neuron: {int(s): a / 100.0 for s, a in zip(d.seed, d.acc)}}, dataset)
            checked[B.name(neuron, dataset)] = float(d.acc.min()) / 100.0
    elif profile == "paper":
        for setting, d in done.groupby("setting", sort=False):
            ds = next((k for k in PAPER_FLOORS if setting.startswith(f"clif-{k}-resnet18")), None)
            if ds is None:
                continue
            for neuron in ("lif", ANN):
                dd = d[(d.arm == neuron)]
                if len(dd):
                    S.check_baseline(f"{setting} {neuron} (best test accuracy)",
                                     {int(s): a / 100.0 for s, a in zip(dd.seed, dd.acc)}, PAPER_FLOORS[ds],
                                     "the paper recipe (clif.md §3.4), the data pipeline and the neuron settings")
                    checked[f"{setting}-{neuron}"] = float(dd.acc.min()) / 100.0
    return checked


# ======================================================================================================= claim helpers
def _fidelity(profile: str) -> str:
    return "stand-in" if C.is_dryrun(profile) else "re-measured at this scale"


def _by_seed(d, value: str = "acc") -> Dict[int, float]:
    d = d[d[value].notna()] if len(d) else d
    return {int(s): float(v) for s, v in zip(d.seed, d[value])}


def _common(a: Mapping, b: Mapping):
    keys = sorted(set(a) & set(b))
    return {k: a[k] for k in keys}, {k: b[k] for k in keys}


def _fmt(x: float, d: int = 2) -> str:
    return f"{x:+.{d}f}"


def _rerun_command(profile: str, notebook: str) -> str:
    return f"python -m snnlab launch notebooks/clif/{notebook}.ipynb --profile {profile}"


def _row(claim: S.Claim, diffs: Mapping[int, float], profile: str, measure: str) -> Optional[S.ClaimRow]:
    """The row of a paired comparison given its per-seed differences: a verdict from ≥ 5 seeds, ``inconclusive
    (n < 5)`` from 2-4, a one-seed ``inconclusive`` row (the effect without an interval) from 1, None from none."""
    n = len(diffs)
    if n == 0:
        return None
    fid = _fidelity(profile)
    if n == 1:
        (seed, d), = diffs.items()
        return S.ClaimRow(paper=PAPER, claim=claim.claim, source=claim.source, measure=measure, profile=profile,
                          n_seeds=1, effect=float(d), ci_low=None, ci_high=None, verdict="inconclusive", fidelity=fid,
                          detail=f"inconclusive: {_fmt(d)}{' ' + claim.units if claim.units else ''}, n=1 seed "
                                 f"({seed}); a verdict needs "
                                 f"≥ {S.MIN_SEEDS} paired seeds")
    return claim.evaluate(S.paired_effect(dict(diffs)), profile, fid, on_few="inconclusive", measure=measure)


def _missing(claim: S.Claim, profile: str, notebook: str, measure: str) -> S.ClaimRow:
    """A ``not run`` row for a measured claim whose runs are not finished in ``profile``."""
    row = claim.not_run(_rerun_command(profile, notebook), profile=profile,
                        reason=f"the {profile} runs of notebook {notebook} are not finished")
    return S.ClaimRow(**{**row.to_dict(), "measure": measure})


def _all_of(claim: S.Claim, parts: Mapping[str, Optional[S.ClaimRow]], profile: str, measure: str,
            what: str) -> S.ClaimRow:
    """An "every one of them" row from component rows ``{label: row}`` (intersection-union: supported only when
    every component is, contradicted when any is, else inconclusive); it reports the component that decides it (a
    contradicted one, else the one with the lowest interval bound)."""
    parts = {k: p for k, p in parts.items() if p is not None}
    rows = list(parts.values())
    verdicts = [p.verdict for p in rows]
    if "contradicted" in verdicts:
        verdict = "contradicted"
        key = min((p for p in rows if p.verdict == "contradicted"), key=lambda p: p.ci_high)
    else:
        verdict = "supported" if verdicts and all(v == "supported" for v in verdicts) else "inconclusive"
        key = min(rows, key=lambda p: (p.ci_low if p.ci_low is not None else p.effect))
    label = next(k for k, p in parts.items() if p is key)
    summary = ", ".join(f"{k}: {p.verdict}" for k, p in parts.items())
    return S.ClaimRow(paper=PAPER, claim=claim.claim, source=claim.source, measure=measure, profile=profile,
                      n_seeds=key.n_seeds, effect=key.effect, ci_low=key.ci_low, ci_high=key.ci_high, verdict=verdict,
                      fidelity=key.fidelity, detail=f"{verdict} for {what} ({summary}); deciding comparison "
                                                    f"({label}): {key.detail}",
                      mde=key.mde if verdict == "inconclusive" else None,
                      n_needed=key.n_needed if verdict == "inconclusive" else None)


def _settings(df) -> List[str]:
    return list(dict.fromkeys(df.setting)) if len(df) else []


# ======================================================================================================= C3
def truncation_grid(df):
    """Mean best test accuracy (%) over seeds per ``setting``: ``{setting: DataFrame (rows k_trunc, columns τ)}``."""
    out = {}
    done = df[df.status == "finished"]
    for setting, d in done.groupby("setting", sort=False):
        out[setting] = d.pivot_table(index="k_trunc", columns="tau", values="acc", aggfunc="mean").sort_index()
    return out


def _penalty(d) -> Dict[float, Dict[int, float]]:
    """{τ: {seed: acc(full BPTT) − acc(smallest k_trunc)}}."""
    kmin = int(d.k_trunc.min())
    out = {}
    for tau, dt in d.groupby("tau"):
        full, trunc = _common(_by_seed(dt[dt.full_bptt]), _by_seed(dt[dt.k_trunc == kmin]))
        out[float(tau)] = {s: full[s] - trunc[s] for s in full}
    return out


def claims_c3(df, profile: str) -> List[S.ClaimRow]:
    """C3 per setting: the truncation penalty (full BPTT − smallest k_trunc) at the largest τ minus at the smallest τ,
    paired by seed (direction greater)."""
    check_baselines(df, profile)
    rows = []
    done = df[df.status == "finished"]
    for setting in _settings(df):
        d = done[done.setting == setting]
        base = _claim("C3", CLAIMS["C3"], "")
        if d.empty or d.tau.nunique() < 2 or d.full_bptt.all() or not d.full_bptt.any():
            rows.append(_missing(base, profile, "02_tau_ktrunc", f"{setting}: truncation penalty (not run)"))
            continue
        pen = _penalty(d)
        lo, hi = min(pen), max(pen)
        a, b = _common(pen[hi], pen[lo])
        kmin = int(d.k_trunc.min())
        measure = (f"{setting}: LIF accuracy lost by truncating BPTT to k_trunc = {kmin} (vs full, T = {int(d['T'].max())})"
                   f" at τ = {hi:g} minus at τ = {lo:g} (points)")
        row = _row(_claim("C3", CLAIMS["C3"], measure), {s: a[s] - b[s] for s in a}, profile, measure)
        rows.append(row if row is not None else _missing(base, profile, "02_tau_ktrunc", measure))
    return rows + _paper_rows(("C3",), profile)


# ======================================================================================================= C4
def claims_c4(df, profile: str) -> List[S.ClaimRow]:
    """C4 per setting: CLIF − LIF at each T (one row each), "at every T" (intersection-union), and the plateau:
    (CLIF − LIF) gain from the second-largest to the largest T (difference in differences)."""
    check_baselines(df, profile)
    rows = []
    done = df[df.status == "finished"]
    for setting in _settings(df):
        d = done[done.setting == setting]
        Ts = sorted(set(d[d.neuron == "lif"]["T"]) & set(d[d.neuron == "clif"]["T"]))
        if not Ts:
            rows.append(_missing(_claim("C4", CLAIMS["C4"], ""), profile, "03_accuracy_vs_T",
                                 f"{setting}: CLIF − LIF (not run)"))
            continue
        acc = {(n, T): _by_seed(d[(d.neuron == n) & (d["T"] == T)]) for n in ("lif", "clif") for T in Ts}
        per_T = {}
        for T in Ts:
            a, b = _common(acc[("clif", T)], acc[("lif", T)])
            measure = f"{setting}: best test accuracy, CLIF − LIF (points) at T = {T}"
            per_T[f"T = {T}"] = _row(_claim("C4", f"CLIF is more accurate than LIF at T = {T}", measure),
                                     {s: a[s] - b[s] for s in a}, profile, measure)
        per_T = {k: r for k, r in per_T.items() if r is not None}
        if per_T:
            rows.append(_all_of(_claim("C4", "CLIF is more accurate than LIF at every T", ""), per_T, profile,
                                f"{setting}: best test accuracy, CLIF − LIF (points), the weakest of T ∈ {Ts}",
                                f"every T ∈ {Ts}"))
            rows += list(per_T.values())
        if len(Ts) >= 2:
            t0, t1 = Ts[-2], Ts[-1]
            seeds = set.intersection(*(set(acc[(n, T)]) for n in ("lif", "clif") for T in (t0, t1)))
            did = {s: (acc[("clif", t1)][s] - acc[("clif", t0)][s]) - (acc[("lif", t1)][s] - acc[("lif", t0)][s])
                   for s in sorted(seeds)}
            measure = (f"{setting}: accuracy gain from T = {t0} to T = {t1}, CLIF's minus LIF's (points; LIF's own "
                       f"gain: {_mean_gain(acc, 'lif', t0, t1)})")
            row = _row(_claim("C4", f"LIF's accuracy stops improving at large T: it gains less than CLIF from "
                                    f"T = {t0} to T = {t1}", measure), did, profile, measure)
            if row is not None:
                rows.append(row)
    return rows + _paper_rows(("C4",), profile)


def _mean_gain(acc, neuron: str, t0: int, t1: int) -> str:
    a, b = _common(acc[(neuron, t1)], acc[(neuron, t0)])
    if not a:
        return "n/a"
    return _fmt(sum(a[s] - b[s] for s in a) / len(a)) + " mean"


# ======================================================================================================= C5
def _loss_at(curves_df, arm: str, epoch: int) -> Dict[int, float]:
    """{seed: test loss} of ``arm`` at ``epoch`` (1-based)."""
    d = curves_df[(curves_df.arm == arm) & (curves_df.epoch == epoch)]
    return {int(s): float(v) for s, v in zip(d.seed, d.test_loss)}


def claims_c5(curves_df, profile: str, df=None) -> List[S.ClaimRow]:
    """C5 per setting from the per-epoch test loss: LIF→CLIF@e − LIF at the last epoch (one row per switch epoch),
    CLIF − LIF after the first epoch ("faster") and at the last epoch ("lower"); all direction less."""
    if df is not None:
        check_baselines(df, profile)
    rows = []
    if curves_df is None or curves_df.empty:
        return [_missing(_claim("C5", CLAIMS["C5"], "", "less", units=""), profile, "04_loss_switching",
                         "test loss (not run)")] + _paper_rows(("C5",), profile)
    for setting, d in curves_df.groupby("setting", sort=False):
        last = int(d.epoch.max())
        first = int(d.epoch.min())

        for arm in sorted(a for a in d.arm.unique() if "->" in a):
            a, b = _common(_loss_at(d, arm, last), _loss_at(d, "lif", last))
            measure = f"{setting}: test loss at epoch {last}, {_arm_label(arm)} − LIF (lower is better)"
            row = _row(_claim("C5", f"switching a LIF network to CLIF (at epoch {arm.split('@')[-1]}) lowers its "
                                    "test loss", measure, "less", units=""),
                       {s: a[s] - b[s] for s in a}, profile, measure)
            if row is not None:
                rows.append(row)
        for epoch, word in ((first, "faster"), (last, "lower")):
            if word == "lower" and epoch == first:
                continue
            a, b = _common(_loss_at(d, "clif", epoch), _loss_at(d, "lif", epoch))
            measure = f"{setting}: test loss at epoch {epoch}, CLIF − LIF (lower is better)"
            row = _row(_claim("C5", f"CLIF's test loss converges {word} than LIF's (lower at epoch {epoch})", measure,
                              "less", units=""), {s: a[s] - b[s] for s in a}, profile, measure)
            if row is not None:
                rows.append(row)
    return rows + _paper_rows(("C5",), profile)


# ======================================================================================================= C6, C7
def claims_c6_c7(df, profile: str) -> List[S.ClaimRow]:
    """C6 per setting: CLIF − X for X in LIF, PLIF, KLIF, GLIF (one row each) and "all of them"
    (intersection-union); C7: CLIF − ANN > −ANN_MARGIN points."""
    check_baselines(df, profile)
    rows = []
    done = df[(df.status == "finished") & (df.arm == df.neuron)]
    for setting in _settings(df):
        d = done[done.setting == setting]
        clif = _by_seed(d[d.neuron == "clif"])
        if not clif:
            rows.append(_missing(_claim("C6", CLAIMS["C6"], ""), profile, "05_neuron_comparison",
                                 f"{setting}: CLIF − other neurons (not run)"))
            rows.append(_missing(_claim("C7", CLAIMS["C7"], "", margin=-ANN_MARGIN), profile, "05_neuron_comparison",
                                 f"{setting}: CLIF − ANN (not run)"))
            continue
        parts = {}
        for other in (n for n in COMPARED if n != "clif"):
            a, b = _common(clif, _by_seed(d[d.neuron == other]))
            measure = f"{setting}: best test accuracy, CLIF − {other.upper()} (points)"
            parts[f"CLIF − {other.upper()}"] = _row(_claim("C6", f"CLIF is more accurate than {other.upper()}",
                                                           measure), {s: a[s] - b[s] for s in a}, profile, measure)
        parts = {k: r for k, r in parts.items() if r is not None}
        if parts:
            names = [k.split(" − ")[-1] for k in parts]
            rows.append(_all_of(_claim("C6", CLAIMS["C6"], ""), parts, profile,
                                f"{setting}: best test accuracy, CLIF − each of {', '.join(names)} (points; the "
                                "weakest)", f"each of {', '.join(names)}"))
            rows += list(parts.values())
        a, b = _common(clif, _by_seed(d[d.neuron == ANN]))
        measure = f"{setting}: best test accuracy, CLIF − ReLU ANN (points; claimed > −{ANN_MARGIN:g})"
        row = _row(_claim("C7", CLAIMS["C7"], measure, margin=-ANN_MARGIN), {s: a[s] - b[s] for s in a}, profile,
                   measure)
        if row is not None:
            rows.append(row)
    return rows + _paper_rows(("C6", "C7"), profile)


# ======================================================================================================= C11
def _deploy_cache_key(which: str, reset: str, v_reset: Optional[float]) -> str:
    return f"{which}|{reset}|{'none' if v_reset is None else repr(float(v_reset))}"


def _evaluate_as_lif(run: Run, reset: str, v_reset: Optional[float], which: str, device: str, test_set) -> dict:
    import torch

    from snnlab import losses
    from snnlab.models import switch_neurons
    from snnlab.train import evaluate

    cfg = run.config
    model = run.load_model(which, device=device)
    kw = {k: v for k, v in cfg.neuron_params.items() if k in ("tau", "v_threshold", "surrogate", "width")}
    switch_neurons(model, "lif", dict(kw, reset=reset, **({} if v_reset is None else {"v_reset": v_reset})))
    loader = torch.utils.data.DataLoader(test_set, batch_size=cfg.eval_batch_size or 256, shuffle=False)
    res = evaluate(model, loader, cfg.steps, losses.ce_mean_loss, torch.device(device))
    return {"acc": 100.0 * float(res["test_acc"]), "firing_rate": res.get("firing_rate_mean"),
            "test_samples": int(res["test_samples"])}


def deploy(entries: Sequence[PlanEntry], runs: Optional[Sequence[Optional[Run]]] = None,
           v_resets: Sequence[float] = DEPLOY_V_RESETS["quick"], which: str = "best", device: Optional[str] = None):
    """Table 8: every finished CLIF- and LIF-trained run evaluated as trained and with every neuron replaced by
    snnlab's ``LIF`` (τ, V_th and the surrogate of the trained neuron): soft reset, and hard reset to each of
    ``v_resets`` (the leak relaxes towards V_reset, V[0] = V_reset: SpikingJelly semantics, clif.md §5 item 11).

    "trained" is the run's own best (``which="best"``) or final test accuracy. Each evaluation is cached in the
    run folder (``deploy_lif.json``), so a second call reads it. Returns a tidy DataFrame: ``setting, trained_with,
    seed, deployed, reset, v_reset, acc`` (%), ``firing_rate``, ``run``."""
    import pandas as pd

    from snnlab.fileio import atomic_write_text, file_lock

    if which not in ("best", "final"):
        raise ValueError(f"which must be 'best' or 'final', got {which!r}")
    if any(v > 0 for v in v_resets):
        raise ValueError(f"v_resets={list(v_resets)!r}: Table 8 deploys with hard-reset values ≤ 0")
    if device is None:
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    runs = [_finished(e) for e in entries] if runs is None else list(runs)
    settings = [("soft", "soft", None)] + [(f"hard {v:g}", "hard", float(v)) for v in v_resets]
    test_sets: dict = {}
    rows = []
    for e, r in zip(entries, runs):
        cfg = e.config
        if r is None or not r.finished or cfg.neuron not in ("clif", "lif") or cfg.switch_neuron:
            continue
        s = r.summary
        base = dict(setting=str(e.labels.get("family", cfg.name)), trained_with=cfg.neuron.upper(), seed=cfg.seed,
                    run=r.dir.name)
        trained = s["best_test_acc"] if which == "best" else s["final_test_acc"]
        rows.append(dict(base, deployed="trained", reset="trained", v_reset=float("nan"), acc=100.0 * float(trained),
                         firing_rate=s.get("firing_rate_mean")))
        cache_path = r.dir / "deploy_lif.json"
        with file_lock(r.dir.with_name(f".{r.dir.name}.deploy.lock")):
            cache = json.loads(cache_path.read_text()) if cache_path.is_file() else {}
            changed = False
            for label, reset, v in settings:
                key = _deploy_cache_key(which, reset, v)
                if key not in cache:
                    data_key = json.dumps({k: v2 for k, v2 in cfg.to_dict(hashed_only=True).items()
                                           if k in ("dataset", "data_opts", "test_subset", "seed", "in_channels")},
                                          sort_keys=True, default=str)
                    if data_key not in test_sets:
                        from snnlab.train import build_datasets

                        test_sets[data_key] = build_datasets(cfg)[1]
                    cache[key] = _evaluate_as_lif(r, reset, v, which, device, test_sets[data_key])
                    changed = True
                rows.append(dict(base, deployed=label, reset=reset, v_reset=float("nan") if v is None else v,
                                 acc=cache[key]["acc"], firing_rate=cache[key]["firing_rate"]))
            if changed:
                atomic_write_text(cache_path, json.dumps(cache, indent=1, sort_keys=True))
    cols = ["setting", "trained_with", "seed", "deployed", "reset", "v_reset", "acc", "firing_rate", "run"]
    return pd.DataFrame(rows, columns=cols)


def claims_c11(dep, profile: str, df=None, v_reset: float = DEPLOY_V_RESET) -> List[S.ClaimRow]:
    """C11 per setting at the hard reset ``v_reset``: CLIF-trained deployed − trained > −DEPLOY_KEEP_MARGIN (keeps
    nearly all); LIF-trained deployed − trained < 0 (loses); CLIF's change minus LIF's > 0 (paired by seed)."""
    if df is not None:
        check_baselines(df, profile)
    rows = []
    label = f"hard {v_reset:g}"
    if dep is None or dep.empty or not (dep.deployed == label).any():
        return [_missing(_claim("C11", CLAIMS["C11"], ""), profile, "08_deploy_lif",
                         f"deployed with LIF, hard reset {v_reset:g} (not run)")] + _paper_rows(("C11",), profile)
    for setting, d in dep.groupby("setting", sort=False):
        change = {}
        for t in ("CLIF", "LIF"):
            dt = d[d.trained_with == t]
            a, b = _common(_by_seed(dt[dt.deployed == label]), _by_seed(dt[dt.deployed == "trained"]))
            change[t] = {s: a[s] - b[s] for s in a}
        m_clif = (f"{setting}: CLIF-trained accuracy deployed with LIF (hard reset {v_reset:g}) − as trained (points; "
                  f"claimed > −{DEPLOY_KEEP_MARGIN:g})")
        m_lif = f"{setting}: LIF-trained accuracy deployed with LIF hard reset {v_reset:g} − as trained (points)"
        a, b = _common(change["CLIF"], change["LIF"])
        m_both = (f"{setting}: accuracy change at deployment (LIF, hard reset {v_reset:g}), CLIF-trained − "
                  "LIF-trained (points)")
        for row in (
                _row(_claim("C11", f"a CLIF-trained network deployed with LIF neurons (hard reset {v_reset:g}) keeps "
                                   f"nearly all its accuracy (loses < {DEPLOY_KEEP_MARGIN:g} points)", m_clif,
                            margin=-DEPLOY_KEEP_MARGIN), change["CLIF"], profile, m_clif),
                _row(_claim("C11", f"a LIF-trained network loses accuracy under hard reset ({v_reset:g})", m_lif,
                            "less"), change["LIF"], profile, m_lif),
                _row(_claim("C11", CLAIMS["C11"], m_both), {s: a[s] - b[s] for s in a}, profile, m_both)):
            if row is not None:
                rows.append(row)
    return rows + _paper_rows(("C11",), profile)


# ======================================================================================================= C13, paper scale
def _paper_value(table: str, match: Mapping) -> float:
    rows = [r for r in getattr(paper_data, table.upper()) if all(r.get(k) == v for k, v in match.items())]
    if len(rows) != 1:
        raise LookupError(f"paper_data.{table.upper()}: {dict(match)} matches {len(rows)} rows, expected 1")
    return float(rows[0]["acc"])


def claims_c13(profile: str) -> List[S.ClaimRow]:
    """C13: one row per headline accuracy: ``not run`` with its ``python -m snnlab train NAME`` command and the
    paper's number, or (paper profile, finished run) our single-seed number beside the paper's."""
    from snnlab.experiments import get

    rows = []
    for name, what, table, match in C13_TARGETS:
        paper = _paper_value(table, match)
        claim = _claim("C13", f"accuracy {what}: {paper:.2f} % (paper)", f"{what}: best test accuracy (%)")
        cfg = get(name)
        r = Run(run_dir_for(cfg), cfg) if profile == "paper" else None
        if r is not None and r.finished and r.summary.get("config_hash") == cfg.hash():
            ours = 100.0 * float(r.summary["best_test_acc"])
            rows.append(S.ClaimRow(
                paper=PAPER, claim=claim.claim, source=claim.source, measure=f"{what}: ours − paper (points)",
                profile=profile, n_seeds=1, effect=ours - paper, ci_low=None, ci_high=None, verdict="inconclusive",
                fidelity="re-measured at this scale",
                detail=f"inconclusive: ours {ours:.2f} % vs the paper's {paper:.2f} % ({_fmt(ours - paper)} points), "
                       f"one seed; a verdict needs ≥ {S.MIN_SEEDS} seeds"))
        else:
            rows.append(claim.not_run(f"python -m snnlab train {name}", profile="paper",
                                      reason=f"needs {what.split(',')[0]} and a GPU; the paper reports {paper:.2f} %"))
    return rows


def _paper_reasons() -> Dict[str, str]:
    t3 = paper_data.CLIF_TABLE3["CIFAR-10"]
    pen = {tau: t3[6][tau] - t3[1][tau] for tau in (1.1, 2.0)}
    t1 = {(r["dataset"], r["method"], r["T"]): r["acc"] for r in paper_data.CLIF_TABLE1}
    fig3 = {(r["neuron"], r["T"]): r["acc"] for r in paper_data.CLIF_FIG3_KNOWN}
    t8 = {(r["dataset"], r["trained_with"]): r for r in paper_data.CLIF_TABLE8}
    c10c, c10l = t8[("CIFAR-10", "CLIF")], t8[("CIFAR-10", "LIF")]
    lif = paper_data.CLIF_LIF_BASELINES
    return {
        "C3": (f"the paper's Table 3a (ResNet-18, CIFAR-10, T = 6, one seed): truncating to k_trunc = 1 costs "
               f"{pen[1.1]:.2f} points at τ = 1.1 and {pen[2.0]:.2f} at τ = 2.0"),
        "C4": (f"the paper's Fig. 3b (ResNet-18, CIFAR-10, one seed): CLIF {fig3[('CLIF', 4)]:.2f} / "
               f"{fig3[('CLIF', 6)]:.2f} / {fig3[('CLIF', 8)]:.2f} % at T = 4 / 6 / 8, LIF {fig3[('LIF', 6)]:.2f} % at "
               "T = 6; Fig. 2b (4 seeds): LIF peaks at T = 32"),
        "C5": "the values of Fig. 3a and Fig. 10 are not published (clif.md §3.7)",
        "C6": (f"the paper's Fig. 4 bars for PLIF/KLIF/GLIF are not published; CIFAR-100, T = 6: CLIF "
               f"{t1[('CIFAR-100', 'Ours', 6)]:.2f} % vs LIF {lif['CIFAR-100']:.2f} %"),
        "C7": (f"the paper's Table 1: CLIF {t1[('CIFAR-10', 'Ours', 8)]:.2f} % (T = 8) vs ANN "
               f"{t1[('CIFAR-10', 'ANN', 1)]:.2f} % on CIFAR-10; CLIF {t1[('CIFAR-100', 'Ours', 6)]:.2f} % (T = 6) vs "
               f"ANN {t1[('CIFAR-100', 'ANN', 1)]:.2f} % on CIFAR-100"),
        "C11": (f"the paper's Table 8 (CIFAR-10): CLIF-trained {c10c['trained_acc']:.2f} → {c10c['hard_m0_06']:.2f} % "
                f"at V_reset = −0.06; LIF-trained {c10l['trained_acc']:.2f} → {c10l['hard_m0_06']:.2f} %"),
    }


def paper_scale(ids: Sequence[str] = ("C3", "C4", "C5", "C6", "C7", "C11")) -> List[S.ClaimRow]:
    """The paper-scale part of C3-C7 and C11: ``not run`` rows with the command that trains the paper runs of the
    notebook (``python -m snnlab launch notebooks/clif/<nb>.ipynb --profile paper``) and the paper's numbers."""
    reasons = _paper_reasons()
    rows = []
    for cid in ids:
        nb = _notebook_of(cid)
        fams = ", ".join(PAPER_FAMILIES[nb])
        claim = _claim(cid, CLAIMS[cid], f"paper scale ({fams})")
        rows.append(claim.not_run(_rerun_command("paper", nb), profile="paper",
                                  reason=f"needs the paper's datasets and a GPU; {reasons[cid]}"))
    return rows


def _paper_rows(ids: Sequence[str], profile: str) -> List[S.ClaimRow]:
    """The paper-scale ``not run`` rows of ``ids``, appended to a measured claim's rows in every profile but
    ``paper`` (where the measured rows are the paper-scale ones)."""
    return [] if profile == "paper" else paper_scale(ids)


def _notebook_of(cid: str) -> str:
    return _NOTEBOOK_OF[cid]


# ======================================================================================================= claims
def claims(profile: str) -> List[S.ClaimRow]:
    """Every trained CLIF claim in ``profile`` from the finished runs on disk (trains nothing; the Table 8
    deployment evaluations are computed once and cached in the run folders): per claim the measured rows of the
    profile, then its paper-scale row (``not run`` unless the profile is ``paper``); then C13."""
    C.by_profile(profile, smoke=0)
    rows: List[S.ClaimRow] = []
    rows += claims_c3(load(profile, "02_tau_ktrunc"), profile)
    rows += claims_c4(load(profile, "03_accuracy_vs_T"), profile)
    e4 = plan(profile, "04_loss_switching")
    rows += claims_c5(curves(e4), profile, collect(e4))
    rows += claims_c6_c7(load(profile, "05_neuron_comparison"), profile)
    e8 = plan(profile, "08_deploy_lif")
    rows += claims_c11(deploy(e8, v_resets=deploy_v_resets(profile)), profile, collect(e8))
    rows += claims_c13(profile)
    return rows


def deploy_v_resets(profile: str) -> tuple:
    """The hard-reset values Table 8 is evaluated at in ``profile`` (``DEPLOY_V_RESETS``; the dry run: paper's)."""
    return C.by_profile(profile, **dict(DEPLOY_V_RESETS))


def claims_table(rows: Iterable[S.ClaimRow]):
    """The rows as a DataFrame for display: claim, measure, n_seeds, effect, ci_low, ci_high, verdict, detail."""
    df = S.claims_frame(list(rows))
    return df[["claim", "measure", "n_seeds", "effect", "ci_low", "ci_high", "verdict", "detail"]]


# ======================================================================================================= display
def ann_activity(entries: Sequence[PlanEntry], runs: Optional[Sequence[Optional[Run]]] = None):
    """Per ReLU ANN run and layer, the fraction of positive ReLU outputs on the test set (the last epoch's
    ``firing_rates``): a dead layer shows as ≈ 0 (the old quick ANN's failure, benchmark docstring)."""
    import pandas as pd

    runs = [_finished(e) for e in entries] if runs is None else list(runs)
    rows = [dict(setting=str(e.labels.get("family", e.config.name)), seed=e.config.seed, layer=layer,
                 active_fraction=float(v))
            for e, r in zip(entries, runs) if r is not None and r.finished and e.config.neuron == ANN
            for layer, v in (r.summary.get("firing_rates") or {}).items()]
    return pd.DataFrame(rows, columns=["setting", "seed", "layer", "active_fraction"])


_HEADLINE = {"02_tau_ktrunc": ("tau_k_grid", ["setting", "tau", "k_trunc"], "claims_c3"),
             "03_accuracy_vs_T": ("accuracy_vs_T", ["setting", "neuron", "T"], "claims_c4"),
             "04_loss_switching": ("loss_curves", ["setting", "arm", "epoch"], "claims_c5"),
             "05_neuron_comparison": ("neuron_comparison", ["setting", "neuron"], "claims_c6_c7"),
             "08_deploy_lif": ("table8_ours", ["setting", "trained_with", "deployed"], "claims_c11")}


def headline(notebook: str, data, rows: Sequence[S.ClaimRow]) -> dict:
    """The numbers a notebook keeps in ``results.json`` (``nb.results(**headline(...))``): its main table as records
    (mean and per-seed values of accuracy, or of the test loss for 04) and its claims rows."""
    key, by, claims_key = _HEADLINE[notebook]
    value = "test_loss" if notebook == "04_loss_switching" else "acc"
    d = data[data[value].notna()] if len(data) else data
    table = []
    for k, g in d.groupby(by, sort=False):
        cell = dict(zip(by, k if isinstance(k, tuple) else (k,)))
        table.append({**cell, "mean": round(float(g[value].mean()), 4), "n": int(len(g)),
                      "per_seed": {str(int(s)): round(float(v), 4) for s, v in zip(g.seed, g[value])}})
    return {key: table, claims_key: [r.to_dict() for r in rows]}


# ======================================================================================================= figures
def _arm_label(arm: str) -> str:
    """``lif->clif@1`` -> ``LIF→CLIF @ epoch 1``; ``clif`` -> ``CLIF``."""
    if "->" in arm:
        a, rest = arm.split("->")
        b, e = rest.split("@")
        return f"{a.upper()}→{b.upper()} @ epoch {e}"
    return arm.upper()


def _clip_accuracy(ax) -> None:
    """Keep an accuracy axis inside [0, 100] % (intervals of few seeds can reach beyond)."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(max(lo, 0.0), min(hi, 100.0))


class Figure(NamedTuple):
    """A figure with the data it plots and its caption (``nb.save_figure(f.fig, name, data=f.data,
    caption=f.caption)``)."""

    fig: object
    data: object
    caption: str


def _mean_ci(values: Sequence[float]):
    vals = [float(v) for v in values if v == v]
    if not vals:
        return float("nan"), float("nan"), float("nan")
    if len(vals) == 1:
        return vals[0], vals[0], vals[0]
    e = S.paired_effect(vals)
    return e.mean, e.ci_low, e.ci_high


def _effect_points(diffs: Mapping[str, Mapping[int, float]]):
    """{label: (mean, low, high)} of per-seed differences (a single seed: the point without an interval)."""
    out = {}
    for label, d in diffs.items():
        if d:
            out[label] = _mean_ci(list(d.values()))
    return out


def _descr(df, setting: str) -> str:
    d = df[df.setting == setting]
    return str(d["description"].iloc[0]) if len(d) else setting


def fig_truncation(df, profile: str) -> Figure:
    """Fig. 2a / Fig. 6 at this scale: per setting, LIF's mean best test accuracy over τ × k_trunc (one colour scale
    for every heatmap) and the truncation penalty per τ (full − smallest k_trunc) with its 95 % interval."""
    import pandas as pd

    from snnlab import plotting as P

    grids = truncation_grid(df)
    if not grids:
        raise ValueError("fig_truncation: no finished runs to plot")
    vmin, vmax = P.shared_limits(*[g.values for g in grids.values()])
    n = len(grids)
    fig, axes = P.figure(1, n + 1, width=4.6 * n + 4.8, height=3.8, squeeze=False)
    axes = axes.ravel()
    for ax, (setting, g) in zip(axes, grids.items()):
        T = int(df[df.setting == setting]["T"].max())
        P.heatmap(ax, g.values, [("full" if k == T else str(k)) for k in g.index], [f"{t:g}" for t in g.columns],
                  vmin=vmin, vmax=vmax, fmt="{:.1f}", colorbar=False, xlabel="τ", ylabel="k_trunc (full = T)")
        ax.set_title(f"{setting}\nmean of {df[df.setting == setting].seed.nunique()} seed(s)", fontsize=8)
    im = axes[0].images[0]
    fig.colorbar(im, ax=list(axes[:n]), label="LIF accuracy (%)", pad=0.02)
    points, data = {}, []
    done = df[df.status == "finished"]
    for setting in grids:
        d = done[done.setting == setting]
        pen = _penalty(d)
        for tau, by_seed in pen.items():
            label = f"τ={tau:g}" if n == 1 else f"{setting}\nτ={tau:g}"
            if by_seed:
                points[label] = _mean_ci(list(by_seed.values()))
            data += [dict(setting=setting, tau=tau, seed=s, penalty=v) for s, v in by_seed.items()]
    if points:
        P.interval_points(axes[-1], points, colors={k: P.neuron_color("lif") for k in points}, reference=0.0,
                          ylabel=f"accuracy lost by k_trunc = {int(done.k_trunc.min())} (points)")
    axes[-1].set_title("truncation penalty (full − truncated)\nmean and 95 % interval over seeds", fontsize=8)
    caption = (f"Our measurement ({profile} profile): best test accuracy of LIF trained with exact truncated BPTT "
               f"(window k_trunc; full = T) over τ, mean over seeds; right: accuracy lost by truncating to the smallest "
               f"k_trunc, per τ, with 95 % t intervals over paired seeds. Settings: "
               + "; ".join(f"{s}: {_descr(df, s)}" for s in grids) + ".")
    table = pd.concat([g.stack().rename("acc_mean").reset_index().assign(setting=s) for s, g in grids.items()],
                      ignore_index=True)
    return Figure(fig, table.merge(pd.DataFrame(data), how="outer", on=["setting", "tau"]) if data else table,
                  caption)


def fig_paper_table3() -> Figure:
    """The paper's Table 3 (Fig. 6) as two heatmaps on one colour scale (the authors' numbers)."""
    from snnlab import plotting as P

    tables = {key: paper_data.table(f"clif_table3_{key}") for key in ("cifar10", "gesture")}
    vmin, vmax = P.shared_limits(*[t.values for t in tables.values()])
    fig, axes = P.figure(1, 2, width=10, height=3.8)
    titles = {"cifar10": "(a) CIFAR-10, ResNet-18, T = 6", "gesture": "(b) DVS-Gesture, VGG-11, T = 20"}
    for ax, (key, t) in zip(axes, tables.items()):
        P.heatmap(ax, t.values, [str(k) for k in t.index], [f"{c:g}" for c in t.columns], vmin=vmin, vmax=vmax,
                  fmt="{:.1f}", colorbar=False, xlabel="τ", ylabel="k_trunc")
        ax.set_title(f"paper Table 3 {titles[key]}", fontsize=8)
    fig.colorbar(axes[0].images[0], ax=list(axes), label="LIF accuracy (%)")
    data = [dict(table=key, k_trunc=int(k), tau=float(c), acc=float(t.loc[k, c]))
            for key, t in tables.items() for k in t.index for c in t.columns]
    return Figure(fig, data, "The paper's Table 3 / Fig. 6 (clif.md §3.5; the authors' numbers, one seed): LIF accuracy "
                             "against τ and the truncation window k_trunc (k_trunc = T is full BPTT).")


def fig_accuracy_vs_T(df, profile: str) -> Figure:
    """Fig. 2b / 3b at this scale: per setting, LIF and CLIF best test accuracy against T (mean and 95 % interval
    over seeds, seeds as dots) and the paired effect CLIF − LIF per T."""
    from snnlab import plotting as P

    done = df[df.status == "finished"]
    settings = _settings(done)
    if not settings:
        raise ValueError("fig_accuracy_vs_T: no finished runs to plot")
    fig, axes = P.figure(len(settings), 2, width=10, height=3.6 * len(settings), squeeze=False)
    for (ax, ax2), setting in zip(axes, settings):
        d = done[done.setting == setting]
        Ts = sorted(d["T"].unique())
        for i, n in enumerate(("lif", "clif")):
            m = [_mean_ci(d[(d.neuron == n) & (d["T"] == T)].acc) for T in Ts]
            xs = [x + (i - 0.5) * 0.08 * x for x in Ts]
            ax.errorbar(xs, [v[0] for v in m], yerr=[[v[0] - v[1] for v in m], [v[2] - v[0] for v in m]], marker="o",
                        capsize=3, color=P.neuron_color(n), label=n.upper())
            dd = d[d.neuron == n]
            ax.scatter([x * (1 + (i - 0.5) * 0.08) for x in dd["T"]], dd.acc, s=8, color=P.neuron_color(n), alpha=0.4)
        ax.set_xscale("log", base=2)
        ax.set_xticks(Ts, [str(t) for t in Ts])
        _clip_accuracy(ax)
        ax.set_xlabel("time steps T")
        ax.set_ylabel("best test accuracy (%)")
        ax.legend(fontsize=8)
        ax.set_title(f"{setting}: {_descr(d, setting)}\nmean and 95 % interval over {d.seed.nunique()} seed(s)",
                     fontsize=8)
        diffs = {}
        for T in Ts:
            a, b = _common(_by_seed(d[(d.neuron == "clif") & (d["T"] == T)]),
                           _by_seed(d[(d.neuron == "lif") & (d["T"] == T)]))
            diffs[f"T={T}"] = {s: a[s] - b[s] for s in a}
        pts = _effect_points(diffs)
        if pts:
            P.interval_points(ax2, pts, colors={k: P.neuron_color("clif") for k in pts}, reference=0.0,
                              ylabel="CLIF − LIF (points), paired by seed")
        ax2.set_title("paired effect CLIF − LIF per T (95 % interval)", fontsize=8)
    caption = (f"Our measurement ({profile} profile; the paper's Fig. 2b/3b images are not available): best test accuracy "
               "of LIF and CLIF against T, mean with 95 % t interval over seeds (dots: single runs), and the paired "
               "difference CLIF − LIF per T. Settings: " + "; ".join(f"{s}: {_descr(done, s)}" for s in settings) + ".")
    return Figure(fig, done[["setting", "neuron", "T", "seed", "acc", "firing_rate", "run"]], caption)


def fig_loss_curves(curves_df, profile: str, df=None) -> Figure:
    """Fig. 3a / Fig. 10 at this scale: train and test loss per epoch (mean and 95 % band over seeds) of LIF,
    CLIF and LIF switched to CLIF, and the paired effects on the last epoch's test loss."""
    from snnlab import plotting as P

    if curves_df is None or curves_df.empty:
        raise ValueError("fig_loss_curves: no finished runs to plot")
    settings = list(dict.fromkeys(curves_df.setting))
    fig, axes = P.figure(len(settings), 3, width=13, height=3.6 * len(settings), squeeze=False)
    styles = {"lif": ("-", P.neuron_color("lif")), "clif": ("-", P.neuron_color("clif"))}
    for row_axes, setting in zip(axes, settings):
        d = curves_df[curves_df.setting == setting]
        arms = [a for a in ("lif", "clif") if a in set(d.arm)] + sorted(a for a in set(d.arm) if "->" in a)
        for j, arm in enumerate(arms):
            ls, color = styles.get(arm, ("--", "#937860" if j % 2 else "#DA8BC3"))
            da = d[d.arm == arm]
            for ax, col in zip(row_axes[:2], ("train_loss", "test_loss")):
                for _, ds in da.groupby("seed"):
                    ax.plot(ds.epoch, ds[col], ls=ls, color=color, alpha=0.25, lw=0.8)
                mean = da.groupby("epoch")[col].mean()
                ax.plot(mean.index, mean.values, ls=ls, marker="o", ms=3, color=color, label=_arm_label(arm))
        for arm in arms:
            if "@" in arm:
                for ax in row_axes[:2]:
                    ax.axvline(int(arm.split("@")[-1]) + 0.5, color="0.6", lw=0.8, ls=":")
        for ax, title in zip(row_axes[:2], ("train loss (TET)", "test loss (Fig. 10)")):
            P.integer_epochs(ax)
            ax.set_ylabel("loss")
            ax.set_title(f"{setting}: {title}\nmean over {d.seed.nunique()} seed(s) (thin: single seeds)", fontsize=8)
            ax.legend(fontsize=7)
        last = int(d.epoch.max())
        diffs = {}
        for arm in arms[1:]:
            a, b = _common(_loss_at(d, arm, last), _loss_at(d, "lif", last))
            diffs[f"{_arm_label(arm)} − LIF"] = {s: a[s] - b[s] for s in a}
        pts = _effect_points(diffs)
        if pts:
            P.interval_points(row_axes[2], pts, colors={k: P.neuron_color("clif") for k in pts}, reference=0.0,
                              ylabel=f"test loss difference at epoch {last}")
        row_axes[2].set_title("paired effects (95 % interval; < 0: lower loss than LIF)", fontsize=8)
    descr = "; ".join(f"{s}: {_descr(df, s)}" for s in settings) if df is not None else ", ".join(settings)
    caption = (f"Our measurement ({profile} profile): train and test loss per epoch of LIF, CLIF and LIF switched to "
               "CLIF (same weights, optimiser state and LR schedule after the switch; dotted line), mean over seeds (thin "
               "lines: single seeds), and the paired differences of the last epoch's test loss with 95 % t intervals. "
               f"Settings: {descr}.")
    return Figure(fig, curves_df, caption)


def fig_neurons(df, profile: str) -> Figure:
    """Fig. 4 at this scale: best test accuracy per neuron and of the ReLU ANN (points with 95 % intervals, seeds as
    dots) and the paired effects CLIF − X."""
    from snnlab import plotting as P

    done = df[(df.status == "finished") & (df.arm == df.neuron)]
    settings = _settings(done)
    if not settings:
        raise ValueError("fig_neurons: no finished runs to plot")
    fig, axes = P.figure(len(settings), 2, width=11, height=3.6 * len(settings), squeeze=False)
    for (ax, ax2), setting in zip(axes, settings):
        d = done[done.setting == setting]
        order = [n for n in COMPARED + (ANN,) if n in set(d.neuron)]
        data = {n: list(d[d.neuron == n].acc) for n in order}
        pts = {("ANN" if n == ANN else n.upper()): (v if len(v) > 1 else (v[0], v[0], v[0])) for n, v in data.items()}
        P.interval_points(ax, pts, colors={("ANN" if n == ANN else n.upper()): P.neuron_color(n) for n in order},
                          ylabel="best test accuracy (%)")
        _clip_accuracy(ax)
        ax.set_title(f"{setting}: {_descr(d, setting)}\nmean and 95 % interval over {d.seed.nunique()} seed(s)",
                     fontsize=8)
        clif = _by_seed(d[d.neuron == "clif"])
        diffs = {}
        for n in order:
            if n == "clif":
                continue
            a, b = _common(clif, _by_seed(d[d.neuron == n]))
            diffs[f"CLIF − {'ANN' if n == ANN else n.upper()}"] = {s: a[s] - b[s] for s in a}
        eff = _effect_points(diffs)
        if eff:
            P.interval_points(ax2, eff, colors={k: P.neuron_color("clif") for k in eff}, horizontal=True,
                              reference=0.0, ylabel="paired difference (points)")
        ax2.set_title("paired effects (95 % interval)", fontsize=8)
    caption = (f"Our measurement ({profile} profile; the paper's Fig. 4 bars for PLIF/KLIF/GLIF are not published): "
               "best test accuracy of the same network with each neuron and of the ReLU ANN of identical structure "
               "(T = 1), identical data, seeds and schedule, mean with 95 % t interval (dots: seeds); right: paired "
               "differences CLIF − X. Settings: " + "; ".join(f"{s}: {_descr(done, s)}" for s in settings) + ".")
    return Figure(fig, done[["setting", "neuron", "seed", "acc", "firing_rate", "run"]], caption)


def fig_deploy(dep, profile: str, df=None) -> Figure:
    """Table 8 at this scale: accuracy of the CLIF- and LIF-trained networks as trained and deployed with LIF
    neurons (soft reset, hard reset to each V_reset), mean and 95 % interval over seeds; right: the paper's Table 8."""
    import pandas as pd

    from snnlab import plotting as P

    if dep is None or dep.empty:
        raise ValueError("fig_deploy: no deployment results to plot")
    settings = list(dict.fromkeys(dep.setting))
    fig, axes = P.figure(1, len(settings) + 1, width=5.2 * (len(settings) + 1), height=3.8, squeeze=False)
    axes = axes.ravel()
    for ax, setting in zip(axes, settings):
        d = dep[dep.setting == setting]
        order = list(dict.fromkeys(d.deployed))
        for i, t in enumerate(("CLIF", "LIF")):
            dt = d[d.trained_with == t]
            m = [_mean_ci(dt[dt.deployed == s].acc) for s in order]
            xs = [j + (i - 0.5) * 0.12 for j in range(len(order))]
            ax.errorbar(xs, [v[0] for v in m], yerr=[[v[0] - v[1] for v in m], [v[2] - v[0] for v in m]], marker="o",
                        capsize=3, color=P.neuron_color(t.lower()), label=f"{t}-trained")
        ax.set_xticks(range(len(order)), order, rotation=30)
        ax.set_ylabel("test accuracy (%)")
        _clip_accuracy(ax)
        ax.set_xlabel("neuron at deployment: LIF reset")
        ax.legend(fontsize=7)
        title = _descr(df, setting) if df is not None else setting
        ax.set_title(f"ours: {setting}\n{title}\nmean and 95 % interval over {d.seed.nunique()} seed(s)", fontsize=7)
    ax = axes[-1]
    p8 = pd.DataFrame(paper_data.CLIF_TABLE8)
    cols = list(paper_data.CLIF_TABLE8_RESETS)
    labels = ["trained"] + [("soft" if v is None else f"hard {v:g}") for v in paper_data.CLIF_TABLE8_RESETS.values()]
    for _, r in p8.iterrows():
        ax.plot(range(len(labels)), [r["trained_acc"]] + [r[c] for c in cols], marker="x",
                ls="-" if r["dataset"] == "CIFAR-10" else ":", color=P.neuron_color(r["trained_with"].lower()),
                label=f"{r['trained_with']}-trained, {r['dataset']}")
    ax.set_xticks(range(len(labels)), labels, rotation=30)
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("paper Table 8 (ResNet-18, T = 6; the authors' numbers)", fontsize=8)
    ax.legend(fontsize=6)
    caption = (f"Our measurement ({profile} profile, left): CLIF- and LIF-trained networks evaluated as trained and with "
               "every neuron replaced by LIF with soft reset or hard reset to V_reset (the leak relaxes towards V_reset, "
               "V[0] = V_reset), mean with 95 % t interval over seeds; right: the paper's Table 8 (clif.md §3.5).")
    return Figure(fig, dep, caption)
