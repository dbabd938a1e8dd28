"""Beyond the papers: snnlab's temporal-credit benchmark and the six-neuron arena (notebooks/overview/02, 03).

CLIF's and ILIF's central arguments are about temporal gradients (LIF's vanish; the new neurons keep a path open),
but every trained comparison of the papers, and of this project's shared benchmark, uses tasks a nearly
memoryless neuron solves. This module runs the neurons on tasks that need memory (``snnlab.data.temporal``) and
compares all six neurons, and the ReLU ANN where it applies, under one protocol.

**Protocol** (``Protocol``, one per profile in ``PROTOCOLS``: data, not code). Delayed recall with delays
``delays`` and sequential Fashion-MNIST, on the registered ``temporal-recall-<neuron>`` /
``temporal-seqfmnist-<neuron>`` recipes (``snnlab.experiments.registry``: a 2×128 spiking MLP without BN,
initialised so that every layer spikes, read at the last step only, ``ce_last``), each cell trained with every seed
of ``seeds`` (a seed fixes initialisation and data order for every neuron: runs with the same seed are pairs).
Neuron settings are the shared benchmark's (the CLIF code's for every neuron: V_th = 1, Rectangle surrogate of
width 1; KLIF and GLIF keep their own dynamics) and only τ varies (``variants``):

* every neuron at its **paper's τ** (``PAPER_TAU``: 2 for LIF, PLIF (init), KLIF, CLIF; 4/3 for GLIF (its init
  τ_G = 0.25); 1.1 for ILIF) and at the **common τ** (``COMMON_TAU`` = 2), so that a neuron's mechanism is
  compared apart from its time constant;
* LIF at ``LIF_TAUS`` = 1.1, 2 and 8 (the time constant alone).

**Measures per run** (``run_row``): final test accuracy (the last epoch, not the best: no selection on the test
set), per-layer and mean firing rate, SOP energy per sample (``snnlab.energy``, one test batch), wall time per
training epoch; and, at ``share_delays``, the temporal share of the gradient inside the trained network
(``snnlab.credit``: the share of ∂L/∂X that arrives through time, i.e. what truncation to k = 1 discards).

**The control** (``control_runs``): truncated BPTT with k = 1 (``RunConfig.k_trunc``, ``snnlab.tbptt``) beside
full BPTT, paired by seed, at ``control_delays`` for the neurons at the common τ (and on sequential
Fashion-MNIST for ``seq_control_neurons``). Under the last-step loss, k = 1 leaves the go step's own path only: the
cue gets no credit (tests/engine/test_readout_last.py), so a task that needs memory must show a clear loss.

**Staircase** (``Protocol.staircase``, quick profile): the delays of a variant are run in increasing order and a
variant stops after the first delay whose mean accuracy over seeds is below ``stop_below`` of the way from chance
to 1 (a longer delay is assumed no easier); the delays it skips are listed as ``skipped`` rows, never imputed
into an interval. The paper profile runs the full grid.

**Analyses** (tidy DataFrames): ``accuracy_vs_delay`` (mean and 95 % t interval per variant and delay),
``largest_solved`` (per seed, the largest delay with accuracy >= ``solved``; its mean on the log2 scale with a
95 % interval), ``control_effects`` (full − k = 1, paired, with a verdict), ``share_effects`` and
``neuron_effects`` (each new neuron − LIF at the common τ, paired), ``claim_rows`` (rows of the claims table,
marked as snnlab's own claims), ``rank_table`` (the arena: per task, each neuron's score with its interval and its
rank with a bootstrap interval over seeds). Figures: ``plot_accuracy_vs_delay``, ``plot_control``,
``plot_shares``, ``plot_ranks`` (the summary figure).

**The arena** (``arena_runs``): the six neurons at the common τ and the ANN on static Fashion-MNIST and the
simulated event data (the shared benchmark, ``snnlab.papers.benchmark``; stand-ins on
synthetic data in the smoke profile), sequential Fashion-MNIST and delayed recall (score: the largest delay
solved). The ReLU ANN has no state (it runs with T = 1), so it has no entry on the two temporal tasks.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from snnlab import stats
from snnlab.config import RunConfig
from snnlab.experiments import get, names
from snnlab.papers import benchmark
from snnlab.papers import common as C

__all__ = ["NEURONS", "NEW_NEURONS", "PAPER_TAU", "COMMON_TAU", "LIF_TAUS", "TASKS", "Variant", "variants",
           "Protocol", "PROTOCOLS", "protocol", "recall_config", "seq_config", "static_config", "plan",
           "run_row", "recall_runs", "control_runs", "seq_runs", "bench_runs", "arena_runs", "temporal_shares",
           "accuracy_vs_delay", "largest_solved", "control_effects", "share_effects", "neuron_effects",
           "claim_defs", "claim_rows", "claims", "rank_table", "summary_numbers", "measures", "missing_runs",
           "protocol_table", "baseline_gate",
           "plot_accuracy_vs_delay", "plot_control", "plot_shares", "plot_ranks", "plot_scores", "CLAIM_SOURCE"]

NEURONS = ("lif", "plif", "glif", "klif", "clif", "ilif")
#: the three papers' neurons: one claims row each ("keeps temporal gradients that LIF loses")
NEW_NEURONS = ("klif", "clif", "ilif")
#: τ of each neuron in its paper (PLIF, GLIF: the init of the learned value; GLIF's τ_G = 1 − 1/τ = 0.25)
PAPER_TAU = {"lif": 2.0, "plif": 2.0, "glif": 4.0 / 3.0, "klif": 2.0, "clif": 2.0, "ilif": 1.1}
COMMON_TAU = 2.0
LIF_TAUS = (1.1, 2.0, 8.0)
#: the arena's tasks, in display order
TASKS = ("static", "events", "seq_fmnist", "recall")
TASK_TITLES = {"static": "Fashion-MNIST (static)", "events": "simulated events", "seq_fmnist": "sequential F-MNIST",
               "recall": "delayed recall"}
PAPER_OF = {"klif": "KLIF", "clif": "CLIF", "ilif": "ILIF"}
CLAIM_SOURCE = "snnlab issue 15 (own claim, not the papers'); notebooks/overview/02_temporal_credit.ipynb"


# ============================================================================================== variants
@dataclass(frozen=True)
class Variant:
    """A neuron at one τ; ``roles`` says why it is in the grid ("paper τ", "common τ", "LIF τ")."""

    neuron: str
    tau: float
    roles: Tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.neuron}@{_fmt_tau(self.tau)}"

    @property
    def label(self) -> str:
        return f"{self.neuron.upper()} τ={_fmt_tau(self.tau)}"


def _fmt_tau(tau: float) -> str:
    return "4/3" if abs(tau - 4.0 / 3.0) < 1e-9 else f"{tau:g}"


def variants(keys: Optional[Sequence[str]] = None) -> List[Variant]:
    """Every neuron at its paper's τ and at the common τ, plus LIF at ``LIF_TAUS``, deduplicated (a neuron whose
    paper τ is the common one appears once with both roles), in neuron order then τ. ``keys`` keeps a subset
    (``"lif@2"``, ``"glif@4/3"``, ...) in the canonical order."""
    roles: Dict[Tuple[str, float], List[str]] = {}
    for n in NEURONS:
        roles.setdefault((n, PAPER_TAU[n]), []).append("paper τ")
        roles.setdefault((n, COMMON_TAU), []).append("common τ")
    for tau in LIF_TAUS:
        roles.setdefault(("lif", tau), []).append("LIF τ")
    out = [Variant(n, t, tuple(r)) for (n, t), r in sorted(roles.items(), key=lambda kv: (NEURONS.index(kv[0][0]),
                                                                                         kv[0][1]))]
    if keys is None:
        return out
    known = {v.key: v for v in out}
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValueError(f"unknown variants {unknown}; known: {sorted(known)}")
    return [v for v in out if v.key in set(keys)]


def common_variant(neuron: str) -> Variant:
    return next(v for v in variants() if v.neuron == neuron and v.tau == COMMON_TAU)


# ============================================================================================== protocols
@dataclass(frozen=True)
class Protocol:
    """Everything a profile runs (see the module docstring). ``recall`` / ``seq`` are ``RunConfig.replace``
    changes applied to the registered recipes (dotted keys allowed); ``variant_keys`` None = every variant."""

    profile: str
    delays: Tuple[int, ...]
    seeds: Tuple[int, ...]
    recall: Mapping = field(default_factory=dict)
    seq: Mapping = field(default_factory=dict)
    variant_keys: Optional[Tuple[str, ...]] = None
    arena_neurons: Tuple[str, ...] = NEURONS
    cue_steps: int = 2
    staircase: bool = True
    stop_below: float = 0.5          # stop when the mean accuracy is under this fraction of the way chance -> 1
    solved: float = 0.9              # a delay is solved by a run whose final accuracy reaches this
    control_delays: Tuple[int, ...] = (4,)
    control_neurons: Tuple[str, ...] = NEURONS
    seq_control_neurons: Tuple[str, ...] = ("lif",)
    claim_delay: int = 8
    share_delays: Tuple[int, ...] = (4, 8)
    share_samples: int = 256
    bench: str = "benchmark"         # "benchmark" (snnlab.papers.benchmark) | "smoke" (synthetic stand-ins)
    #: static / event tasks the arena trains when missing; the others are read from the run store if there
    bench_train: Tuple[str, ...] = ("static", "events")

    def __post_init__(self):
        if not self.delays or any(d < 1 or d & (d - 1) for d in self.delays) or list(self.delays) != sorted(
                set(self.delays)):
            raise ValueError(f"delays must be increasing powers of two (the log2 summary needs them), got "
                             f"{self.delays}")
        if len(self.seeds) < 2:
            raise ValueError(f"a protocol needs at least 2 seeds for an interval (5 for a verdict), got {self.seeds}")
        for name in ("control_delays", "share_delays"):
            bad = [d for d in getattr(self, name) if d not in self.delays]
            if bad:
                raise ValueError(f"{name} {bad} are not in delays {self.delays}")
        if self.claim_delay not in self.delays:
            raise ValueError(f"claim_delay {self.claim_delay} is not in delays {self.delays}")
        if not 0 < self.stop_below < 1 or not 0 < self.solved <= 1:
            raise ValueError("stop_below must be in (0, 1) and solved in (0, 1]")
        if self.bench not in ("benchmark", "smoke"):
            raise ValueError(f"bench must be 'benchmark' or 'smoke', got {self.bench!r}")
        if set(self.bench_train) - {"static", "events"}:
            raise ValueError(f"bench_train holds 'static' and/or 'events', got {self.bench_train}")
        variants(self.variant_keys)  # validates the keys

    @property
    def variants(self) -> List[Variant]:
        return variants(self.variant_keys)


_SMOKE_VARIANTS = ("lif@2", "clif@2", "lif@8", "ilif@1.1")
PROTOCOLS: Dict[str, Protocol] = {
    # CI-sized: a few variants, 2 delays, 2 seeds, tiny runs (verdicts are explicit "inconclusive (n < 5)")
    "smoke": Protocol(
        profile="smoke", delays=(1, 2), seeds=(0, 1),
        recall={"profile": "smoke", "data_opts.n_train": 256, "data_opts.n_test": 128, "epochs": 2,
                "model_params.hidden": (32, 32)},
        seq={"profile": "smoke", "train_subset": 128, "test_subset": 64, "epochs": 1, "model_params.hidden": (32, 32)},
        variant_keys=_SMOKE_VARIANTS, arena_neurons=("lif", "clif", "ilif"), staircase=True, control_delays=(1,),
        control_neurons=("lif",), seq_control_neurons=("lif",), claim_delay=2, share_delays=(1,), share_samples=64,
        bench="smoke"),
    # a 2-core CPU: the registered recipes (2,048 samples, 8 epochs), 6 delays, 5 seeds, staircase; the arena trains
    # the static benchmark runs (the papers' notebooks share them) and reads the event ones when they exist
    "quick": Protocol(profile="quick", delays=(1, 2, 4, 8, 16, 32), seeds=(0, 1, 2, 3, 4), bench_train=("static",)),
    # a GPU: 4x the data, 3x the epochs, 256-unit layers, delays up to 128, 10 seeds, the full grid and every control
    "paper": Protocol(
        profile="paper", delays=(1, 2, 4, 8, 16, 32, 64, 128), seeds=tuple(range(10)),
        recall={"profile": "paper", "data_opts.n_train": 8192, "data_opts.n_test": 2048, "epochs": 24,
                "model_params.hidden": (256, 256), "lr": 5e-3, "num_threads": None},
        seq={"profile": "paper", "train_subset": None, "test_subset": None, "epochs": 20,
             "model_params.hidden": (256, 256), "lr": 2e-3, "num_threads": None},
        staircase=False, control_delays=(4, 16, 64), seq_control_neurons=NEURONS, claim_delay=16,
        share_delays=(4, 16, 64), share_samples=512),
}


def protocol(profile: str) -> Protocol:
    """The protocol of ``profile``; ``paper-dryrun`` is the paper protocol (networks, data sizes, delays up to the
    longest) cut to 2 seeds, its first and last delay and three variants, LIF controls, three arena neurons (its
    configs are cut further by ``common.dryrun``: every code path, ~40 runs of two optimiser steps)."""
    if profile == C.DRYRUN_PROFILE:
        p = PROTOCOLS["paper"]
        return replace(p, profile=profile, seeds=p.seeds[:2], delays=(p.delays[0], p.delays[-1]),
                       variant_keys=("lif@2", "glif@4/3", "ilif@1.1"), arena_neurons=("lif", "glif", "ilif"),
                       control_neurons=("lif",), seq_control_neurons=("lif",), control_delays=(p.delays[0],),
                       share_delays=(p.delays[-1],), claim_delay=p.delays[-1])
    if profile not in PROTOCOLS:
        raise ValueError(f"no arena protocol for profile {profile!r}; profiles: {sorted(PROTOCOLS)} and "
                         f"{C.DRYRUN_PROFILE}")
    return PROTOCOLS[profile]


# ============================================================================================== configs
def _finish(cfg: RunConfig, prot: Protocol) -> RunConfig:
    return C.for_profile(cfg, prot.profile)


def recall_config(variant: Variant, delay: int, seed: int, prot: Protocol, k_trunc: Optional[int] = None
                  ) -> RunConfig:
    """Delayed recall at ``delay`` for ``variant`` and ``seed`` (``k_trunc`` 1 = the control)."""
    base = get(f"temporal-recall-{variant.neuron}")
    ch = {**dict(prot.recall), "neuron_params.tau": float(variant.tau), "data_opts.delay": int(delay),
          "data_opts.cue_steps": prot.cue_steps, "T": prot.cue_steps + int(delay) + 1, "seed": int(seed),
          "k_trunc": k_trunc}
    return _finish(base.replace(**ch), prot)


def seq_config(variant: Variant, seed: int, prot: Protocol, k_trunc: Optional[int] = None) -> RunConfig:
    """Sequential Fashion-MNIST for ``variant`` and ``seed``."""
    base = get(f"temporal-seqfmnist-{variant.neuron}")
    ch = {**dict(prot.seq), "neuron_params.tau": float(variant.tau), "seed": int(seed), "k_trunc": k_trunc}
    return _finish(base.replace(**ch), prot)


def static_config(neuron: str, seed: int, task: str, prot: Protocol) -> RunConfig:
    """The arena's static / event cell: the shared benchmark's (``snnlab.papers.benchmark``), or in the smoke
    profile a stand-in on synthetic data (``smoke-<neuron>``, ``smoke-events``)."""
    if task not in ("static", "events"):
        raise ValueError(f"task must be 'static' or 'events', got {task!r}")
    if prot.bench == "smoke":
        tag = "ann" if neuron == "relu" else neuron
        if task == "static":
            cfg = get(f"smoke-{tag}")
        else:
            cfg = get("smoke-events").replace(neuron=neuron, T=1 if neuron == "relu" else 2)
        return _finish(cfg.replace(seed=int(seed)), prot)
    return _finish(benchmark.config(neuron, int(seed), "fmnist" if task == "static" else "simevents"), prot)


def _entry(labels: Mapping, cfg: RunConfig, base: Optional[str]) -> C.PlanEntry:
    return C.PlanEntry(dict(labels), cfg, base)


def plan(prot: Protocol, what: str = "recall") -> List[C.PlanEntry]:
    """Every run of one part of the protocol as a plan (``common.plan_table`` / ``show_status`` take it):
    ``recall`` (the full grid, before any staircase stop), ``control``, ``seq``."""
    out = []
    if what == "recall":
        for v in prot.variants:
            for d in prot.delays:
                for s in prot.seeds:
                    out.append(_entry({"task": "recall", "variant": v.key, "delay": d, "seed": s},
                                      recall_config(v, d, s, prot), f"temporal-recall-{v.neuron}"))
    elif what == "control":
        for n in prot.control_neurons:
            v = common_variant(n)
            for d in prot.control_delays:
                for s in prot.seeds:
                    for k in (None, 1):
                        out.append(_entry({"task": "recall", "variant": v.key, "delay": d, "seed": s,
                                           "k_trunc": "full" if k is None else k},
                                          recall_config(v, d, s, prot, k), f"temporal-recall-{n}"))
    elif what == "seq":
        for n in prot.arena_neurons:
            v = common_variant(n)
            for s in prot.seeds:
                for k in ((None, 1) if n in prot.seq_control_neurons else (None,)):
                    out.append(_entry({"task": "seq_fmnist", "variant": v.key, "seed": s,
                                       "k_trunc": "full" if k is None else k},
                                      seq_config(v, s, prot, k), f"temporal-seqfmnist-{n}"))
    else:
        raise ValueError(f"what must be 'recall', 'control' or 'seq', got {what!r}")
    return out


# ============================================================================================== running
def run_row(r, labels: Mapping) -> dict:
    """The measures of one finished run (``snnlab.experiments.Run``) beside its ``labels``."""
    s = r.summary
    m = r.metrics
    energy = s.get("energy") or {}
    rates = s.get("firing_rates") or {}
    return {**dict(labels), "status": "run", "acc": float(s["final_test_acc"]), "best_acc": float(s["best_test_acc"]),
            "rate": float(s["firing_rate_mean"]) if s.get("firing_rate_mean") is not None else float("nan"),
            "rates": dict(rates), "energy_uJ": float(energy.get("energy_uJ", float("nan"))),
            "sops": float(energy.get("sops", float("nan"))),
            "sec_per_epoch": float(m["seconds"].mean()) if len(m) and "seconds" in m else float("nan"),
            "epochs": int(s["epochs"]), "run": r.dir.name, "run_dir": str(r.dir)}


def _train(entries: Sequence[C.PlanEntry], train: bool) -> List[dict]:
    runs = C.train_or_reuse(entries, train_missing=train, progress=False)
    rows = []
    for e, r in zip(entries, runs):
        if r is None:
            rows.append({**dict(e.labels), "status": "not run", "command": C.train_command(e.config, e.base)})
        else:
            rows.append(run_row(r, e.labels))
    return rows


def _variant_labels(v: Variant) -> dict:
    return {"variant": v.key, "label": v.label, "neuron": v.neuron, "tau": v.tau, "roles": ", ".join(v.roles)}


def _chance(prot: Protocol) -> float:
    n_cues = int(get("temporal-recall-lif").replace(**dict(prot.recall)).data_opts.get("n_cues", 4))
    return 1.0 / n_cues


def recall_runs(prot: Protocol, train: bool = True, reverse: bool = False, keys: Optional[Sequence[str]] = None):
    """Delayed recall for every variant and delay (full BPTT), trained or reused, as a tidy DataFrame (one row per
    variant, delay and seed; ``status`` "run", "not run" (``train=False``) or "skipped" (staircase)).
    ``reverse`` walks the variants in reverse order (two notebooks asking for the same runs at once then train
    different ones first and reuse each other's). ``keys`` names the variants (default: the protocol's)."""
    import pandas as pd

    chance = _chance(prot)
    stop = chance + prot.stop_below * (1.0 - chance)
    rows = []
    chosen = prot.variants if keys is None else variants(keys)
    order = chosen[::-1] if reverse else chosen
    for v in order:
        stopped = None
        for d in prot.delays:
            labels = [{"task": "recall", **_variant_labels(v), "delay": d, "seed": s, "k_trunc": "full"}
                      for s in prot.seeds]
            if stopped is not None:
                rows += [{**lab, "status": "skipped", "reason": f"mean accuracy {stopped[1]:.2f} < {stop:.2f} at "
                                                               f"d = {stopped[0]}"} for lab in labels]
                continue
            entries = [_entry(lab, recall_config(v, d, lab["seed"], prot), f"temporal-recall-{v.neuron}")
                       for lab in labels]
            got = _train(entries, train)
            rows += got
            accs = [g["acc"] for g in got if g["status"] == "run"]
            if prot.staircase and len(accs) == len(got) and float(np.mean(accs)) < stop:
                stopped = (d, float(np.mean(accs)))
    df = pd.DataFrame(rows)
    return _sort(df, prot)


def _sort(df, prot: Protocol):
    keys = [v.key for v in variants()]
    df = df.assign(_v=df["variant"].map(keys.index))
    cols = ["_v"] + [c for c in ("delay", "seed", "k_trunc") if c in df]
    if "k_trunc" in df:
        df = df.assign(k_trunc=df["k_trunc"].astype(str))
    return df.sort_values(cols, kind="stable").drop(columns="_v").reset_index(drop=True)


def _common_tau_runs(prot: Protocol, what: str, train: bool):
    """The runs of ``plan(prot, what)`` (neurons at the common τ), trained or reused, tidy."""
    import pandas as pd

    rows = []
    for e in plan(prot, what):
        v = common_variant(e.config.neuron)
        lab = {**dict(e.labels), **_variant_labels(v), "k_trunc": str(e.labels["k_trunc"])}
        rows += _train([_entry(lab, e.config, e.base)], train)
    return _sort(pd.DataFrame(rows), prot)


def control_runs(prot: Protocol, train: bool = True):
    """The k = 1 control beside full BPTT (delayed recall at ``control_delays``, neurons at the common τ), tidy."""
    return _common_tau_runs(prot, "control", train)


def seq_runs(prot: Protocol, train: bool = True):
    """Sequential Fashion-MNIST: the arena's neurons at the common τ (and the k = 1 control for
    ``seq_control_neurons``), tidy."""
    return _common_tau_runs(prot, "seq", train)


def bench_runs(prot: Protocol, train: bool = True):
    """Static Fashion-MNIST and the simulated event data for the arena's neurons and the ANN (the shared
    benchmark, or smoke stand-ins), tidy. A task outside ``bench_train`` is only read from the run store (its
    missing runs are "not run" rows with the command that trains them)."""
    import pandas as pd

    rows = []
    for task in ("static", "events"):
        for n in tuple(prot.arena_neurons) + ("relu",):
            for s in prot.seeds:
                lab = {"task": task, "variant": "ann" if n == "relu" else common_variant(n).key,
                       "label": "ANN" if n == "relu" else n.upper(), "neuron": n, "seed": s, "k_trunc": "full"}
                cfg = static_config(n, s, task, prot)
                rows += _train([_entry(lab, cfg, cfg.name if cfg.name in names() else None)],
                               train and task in prot.bench_train)
    return pd.DataFrame(rows)


def arena_runs(prot: Protocol, train: bool = True, reverse: bool = True, train_bench: bool = True):
    """Every task of the arena in one tidy DataFrame: static and event data (``bench_runs``; ``train_bench=False``
    only reads the shared benchmark's runs), sequential Fashion-MNIST (full BPTT, ``seq_runs``) and delayed recall
    (the arena neurons at the common τ, ``recall_runs``)."""
    import pandas as pd

    keep = [common_variant(n).key for n in prot.arena_neurons]
    rec = recall_runs(prot, train, reverse=reverse, keys=keep)
    seq = seq_runs(prot, train)
    seq = seq[seq["k_trunc"] == "full"]
    return pd.concat([bench_runs(prot, train and train_bench), seq, rec], ignore_index=True)


# ============================================================================================== credit
def temporal_shares(df, prot: Protocol, delays: Optional[Sequence[int]] = None):
    """The temporal share of the gradient inside each trained network (``snnlab.credit.temporal_shares`` on the
    first ``share_samples`` test samples, the final model, the run's loss) for the finished delayed-recall runs at
    ``delays`` (default ``share_delays``): one row per run with ``share`` (network) and ``share_<layer>``."""
    import pandas as pd
    import torch

    from snnlab import credit, losses
    from snnlab.data.encoding import to_time_major
    from snnlab.experiments import load_run
    from snnlab.train import build_datasets

    delays = prot.share_delays if delays is None else tuple(delays)
    sel = df[(df["status"] == "run") & df["delay"].isin(delays) & (df["k_trunc"].astype(str) == "full")]
    rows = []
    cache: dict = {}
    for _, row in sel.iterrows():
        r = load_run(row["run_dir"])
        cfg = r.config
        key = (cfg.dataset, tuple(sorted(cfg.data_opts.items())), cfg.test_subset, cfg.seed)
        if key not in cache:
            _, test = build_datasets(cfg)
            n = min(prot.share_samples, len(test))
            xs, ys = zip(*(test[i] for i in range(n)))
            cache[key] = (to_time_major(torch.stack(xs), cfg.steps), torch.as_tensor(ys))
        x, y = cache[key]
        model = r.load_model("final")
        loss_fn = losses.build(cfg.loss, lam=cfg.loss_lambda, means=cfg.loss_means, mse_target=cfg.mse_target,
                               label_smoothing=cfg.label_smoothing)
        sh = credit.temporal_shares(model, x, y, loss_fn)
        rows.append({k: row[k] for k in ("variant", "label", "neuron", "tau", "roles", "delay", "seed", "acc")}
                    | {"share": sh["network"]} | {f"share_{k}": v for k, v in sh.items() if k != "network"})
    return pd.DataFrame(rows)


# ============================================================================================== analyses
def protocol_table(prot: Protocol):
    """The protocol in one table: what is run, per part (for the notebooks' first display)."""
    import pandas as pd

    recall = get("temporal-recall-lif").replace(**dict(prot.recall))
    seq = get("temporal-seqfmnist-lif").replace(**dict(prot.seq))
    rows = [
        ("variants (neuron @ τ)", ", ".join(v.label for v in prot.variants)),
        ("delays d", ", ".join(map(str, prot.delays)) + (" (staircase: stop after the first delay under "
                                                         f"{prot.stop_below:g} of the way from chance to 1)"
                                                         if prot.staircase else " (full grid)")),
        ("seeds (paired)", ", ".join(map(str, prot.seeds))),
        ("network", f"spiking MLP {tuple(recall.model_params['hidden'])}, no BN, spiking init, last-step readout "
                    f"({recall.loss})"),
        ("delayed recall", f"{recall.data_opts['n_train']} train / {recall.data_opts['n_test']} test samples, "
                           f"{recall.data_opts.get('n_cues', 4)} cues, {recall.epochs} epochs, {recall.optimizer} "
                           f"lr {recall.lr:g}, batch {recall.batch_size}"),
        ("sequential Fashion-MNIST", f"{seq.train_subset or 60000} train / {seq.test_subset or 10000} test images, "
                                     f"T = {seq.T}, {seq.epochs} epochs, lr {seq.lr:g}"),
        ("solved", f"final test accuracy >= {prot.solved:g}"),
        ("k_trunc = 1 control", f"d = {', '.join(map(str, prot.control_delays))}: "
                                f"{', '.join(n.upper() for n in prot.control_neurons)} at τ = {COMMON_TAU:g}; "
                                f"sequential F-MNIST: {', '.join(n.upper() for n in prot.seq_control_neurons)}"),
        ("claims", f"new neuron − LIF at τ = {COMMON_TAU:g}, accuracy at d = {prot.claim_delay}; temporal share at "
                   f"d = {', '.join(map(str, prot.share_delays))}"),
        ("static / event tasks", ("the shared benchmark (snnlab.papers.benchmark); trained here when missing: "
                                  + (", ".join(prot.bench_train) or "none") + "; the others read from the run store")
         if prot.bench == "benchmark" else "stand-ins on synthetic data (smoke)"),
    ]
    return pd.DataFrame(rows, columns=["part", prot.profile])


def missing_runs(df):
    """The runs a table lists as not run, with the command that trains each."""
    cols = [c for c in ("task", "label", "neuron", "delay", "seed", "k_trunc", "command") if c in df]
    return df[df["status"] == "not run"][cols].reset_index(drop=True)


def measures(df):
    """Per variant (and task): mean firing rate, SOP energy per sample and wall time per training epoch over the
    finished runs, with the number of runs."""
    ok = df[df["status"] == "run"]
    keys = [k for k in ("task", "variant", "label") if k in ok]
    out = ok.groupby(keys, sort=False).agg(runs=("acc", "size"), rate=("rate", "mean"),
                                            energy_uJ=("energy_uJ", "mean"), sec_per_epoch=("sec_per_epoch", "mean"))
    return out.reset_index()


def baseline_gate(runs, prot: Protocol) -> str:
    """Stop (``stats.BaselineError``) when a static / event base run of the shared benchmark is under its floor
    (``snnlab.papers.benchmark.check``, best test accuracy per seed). Smoke stand-ins and missing benchmark runs
    are not gated, nor are the dry run's runs of one or two optimiser steps; returns what was checked."""
    if C.is_dryrun(prot.profile):
        return "not gated: dry run (one or two optimiser steps per run; its accuracies mean nothing)"
    if prot.bench != "benchmark":
        return "not gated: smoke stand-ins on synthetic data"
    ok = runs[runs["task"].isin(("static", "events")) & (runs["status"] == "run")]
    if not len(ok):
        return "not gated: no shared-benchmark runs"
    from snnlab.papers import benchmark

    for task, ds in (("static", "fmnist"), ("events", "simevents")):
        g = ok[ok["task"] == task]
        benchmark.check({n: {int(s): float(a) for s, a in zip(gg["seed"], gg["best_acc"])}
                         for n, gg in g.groupby("neuron")}, ds)
    return f"gated: {len(ok)} shared-benchmark runs at or above their floors"


def _interval(values: Sequence[float]) -> Tuple[float, float, float]:
    vals = [float(v) for v in values]
    if len(vals) < 2:
        m = vals[0] if vals else float("nan")
        return m, float("nan"), float("nan")
    e = stats.paired_effect(vals)
    return e.mean, e.ci_low, e.ci_high


def accuracy_vs_delay(df, prot: Protocol):
    """Per variant and delay: ``n`` finished seeds, mean final accuracy with its 95 % t interval, ``skipped``
    (staircase) and the chance level."""
    import pandas as pd

    chance = _chance(prot)
    rows = []
    for (vkey, d), g in df.groupby(["variant", "delay"], sort=False):
        ok = g[g["status"] == "run"]
        m, lo, hi = _interval(ok["acc"]) if len(ok) else (float("nan"),) * 3
        first = g.iloc[0]
        rows.append({"variant": vkey, "label": first["label"], "neuron": first["neuron"], "tau": first["tau"],
                     "roles": first["roles"], "delay": int(d), "n": len(ok), "acc": m, "ci_low": lo, "ci_high": hi,
                     "skipped": bool((g["status"] == "skipped").all()), "chance": chance,
                     "solved": bool(len(ok) and m >= prot.solved)})
    return _sort(pd.DataFrame(rows), prot)


def largest_solved(df, prot: Protocol):
    """Per variant: the largest delay each seed solves (final accuracy >= ``solved``; 0 = none; delays skipped by
    the staircase count as not solved), and over seeds the mean of ``log2(d) + 1`` (0 = none) with its 95 %
    interval, given back on the delay scale (``d_mean``, ``d_low``, ``d_high``; < 1 means "not even d = 1")."""
    import pandas as pd

    rows = []
    for vkey, g in df.groupby("variant", sort=False):
        per_seed = {}
        for s, gs in g.groupby("seed"):
            ok = gs[(gs["status"] == "run") & (gs["acc"] >= prot.solved)]
            per_seed[int(s)] = int(ok["delay"].max()) if len(ok) else 0
        levels = [0.0 if d == 0 else math.log2(d) + 1 for d in per_seed.values()]
        m, lo, hi = _interval(levels)
        first = g.iloc[0]
        to_d = lambda lv: 2.0 ** (lv - 1) if math.isfinite(lv) else float("nan")  # noqa: E731
        rows.append({"variant": vkey, "label": first["label"], "neuron": first["neuron"], "tau": first["tau"],
                     "roles": first["roles"], "per_seed": per_seed, "median": float(np.median(list(per_seed.values()))),
                     "level": m, "level_low": lo, "level_high": hi, "d_mean": to_d(m), "d_low": to_d(lo),
                     "d_high": to_d(hi), "n": len(per_seed)})
    return _sort(pd.DataFrame(rows), prot)


def _paired(a: Mapping[int, float], b: Mapping[int, float], scale: float = 1.0):
    common = sorted(set(a) & set(b))
    return stats.paired_effect({s: scale * a[s] for s in common}, {s: scale * b[s] for s in common})


def _by_seed(df, **where) -> Dict[int, float]:
    sel = df[df["status"] == "run"]
    for k, v in where.items():
        sel = sel[sel[k].astype(str) == str(v)] if k == "k_trunc" else sel[sel[k] == v]
    return {int(s): float(a) for s, a in zip(sel["seed"], sel["acc"])}


def _decision_row(effect, direction: str, units: str, **labels) -> dict:
    dec = stats.decide(effect, direction, on_few="inconclusive", units=units)
    return {**labels, "effect": effect.mean, "ci_low": effect.ci_low, "ci_high": effect.ci_high, "n": effect.n,
            "verdict": dec.verdict, "text": stats.describe(dec), "_effect": effect}


def _frame(rows: List[dict]):
    """A tidy DataFrame of effect rows; the ``stats.Effect`` of row i is kept in ``df.attrs["effects"][i]``."""
    import pandas as pd

    df = pd.DataFrame([{k: v for k, v in r.items() if k != "_effect"} for r in rows])
    df.attrs["effects"] = {i: r["_effect"] for i, r in enumerate(rows)}
    return df


def control_effects(ctrl, seq=None):
    """Full BPTT − k = 1 (accuracy points), paired by seed, per task, neuron and delay, with a verdict on "full
    BPTT wins" (``direction="greater"``)."""
    rows = []
    parts = [("recall", ctrl)] + ([("seq_fmnist", seq)] if seq is not None else [])
    for task, df in parts:
        keys = ["variant", "delay"] if task == "recall" else ["variant"]
        for key, g in df.groupby(keys, sort=False):
            full, k1 = _by_seed(g, k_trunc="full"), _by_seed(g, k_trunc="1")
            if len(set(full) & set(k1)) < 2:
                continue
            first = g.iloc[0]
            rows.append(_decision_row(_paired(full, k1, 100.0), "greater", "points", task=task,
                                      variant=first["variant"], label=first["label"], neuron=first["neuron"],
                                      delay=int(first["delay"]) if task == "recall" else None,
                                      full=float(np.mean(list(full.values()))), k1=float(np.mean(list(k1.values())))))
    return _frame(rows)


def neuron_effects(df, prot: Protocol, delay: Optional[int] = None, neurons: Sequence[str] = NEW_NEURONS):
    """Each neuron − LIF at the common τ: final accuracy at ``delay`` (default ``claim_delay``) in points, paired
    by seed, with a verdict on "better than LIF". A neuron skipped there by the staircase scores chance."""
    delay = prot.claim_delay if delay is None else delay
    chance = _chance(prot)

    def accs(neuron):
        g = df[(df["variant"] == common_variant(neuron).key) & (df["delay"] == delay)]
        return {int(r.seed): (float(r.acc) if r.status == "run" else chance) for r in g.itertuples()
                if r.status in ("run", "skipped")}

    lif = accs("lif")
    rows = []
    for n in neurons:
        a = accs(n)
        if len(set(a) & set(lif)) < 2:
            continue
        rows.append(_decision_row(_paired(a, lif, 100.0), "greater", "points", neuron=n, delay=delay,
                                  measure=f"final accuracy at d = {delay}, {n.upper()} − LIF (τ = {COMMON_TAU:g})"))
    return _frame(rows)


def share_effects(shares, delay: int, neurons: Sequence[str] = NEW_NEURONS):
    """Each neuron − LIF at the common τ: temporal share of the gradient in the trained network at ``delay``,
    paired by seed."""
    def by_seed(neuron):
        g = shares[(shares["variant"] == common_variant(neuron).key) & (shares["delay"] == delay)]
        return {int(s): float(v) for s, v in zip(g["seed"], g["share"])}

    lif = by_seed("lif")
    rows = []
    for n in neurons:
        a = by_seed(n)
        if len(set(a) & set(lif)) < 2:
            continue
        rows.append(_decision_row(_paired(a, lif), "greater", "", neuron=n, delay=delay,
                                  measure=f"temporal share of ∂L/∂X at d = {delay}, {n.upper()} − LIF "
                                          f"(τ = {COMMON_TAU:g})"))
    return _frame(rows)


def claim_defs(prot: Protocol) -> Dict[str, stats.Claim]:
    """snnlab's own claims (``paper="snnlab"``, no paper made them) by ID: "A1" the task needs temporal credit (full
    BPTT beats k = 1 at the first control delay, LIF at the common τ), and per new neuron (A2, A3, ...) "keeps
    temporal gradients that LIF loses" (accuracy at ``claim_delay``, neuron − LIF, common τ)."""
    out = {"A1": stats.Claim("snnlab", "A1", "delayed recall needs temporal credit: truncated BPTT (k = 1) loses to "
                             "full BPTT (snnlab's own claim)", CLAIM_SOURCE,
                             f"final accuracy at d = {prot.control_delays[0]}, full BPTT − k_trunc 1, LIF τ = "
                             f"{COMMON_TAU:g} (points)", "greater", units="points")}
    for i, n in enumerate(NEW_NEURONS):
        out[f"A{2 + i}"] = stats.Claim(
            "snnlab", f"A{2 + i}", f"{n.upper()} keeps temporal gradients that LIF loses (snnlab's own claim on its "
            f"temporal tasks, not the {PAPER_OF[n]} paper's)", CLAIM_SOURCE,
            f"final accuracy at d = {prot.claim_delay}, {n.upper()} − LIF (τ = {COMMON_TAU:g}) (points)", "greater",
            units="points")
    return out


def claim_rows(ctrl_effects, n_effects, prot: Protocol, share_fx=None) -> List[stats.ClaimRow]:
    """The rows of :func:`claim_defs` decided from the effects (``control_effects``, ``neuron_effects`` and, in
    the sentence, ``share_effects``); a claim without an effect (too few paired seeds) has no row."""
    defs = claim_defs(prot)
    rows = []
    on_few = "inconclusive"
    lif_ctrl = ctrl_effects[(ctrl_effects["task"] == "recall") & (ctrl_effects["neuron"] == "lif")
                            & (ctrl_effects["delay"] == prot.control_delays[0])] if len(ctrl_effects) else ctrl_effects
    if len(lif_ctrl):
        rows.append(defs["A1"].evaluate(ctrl_effects.attrs["effects"][lif_ctrl.index[0]], prot.profile, on_few=on_few))
    for i, n in enumerate(NEW_NEURONS):
        sel = n_effects[n_effects["neuron"] == n] if len(n_effects) else n_effects
        if not len(sel):
            continue
        row = defs[f"A{2 + i}"].evaluate(n_effects.attrs["effects"][sel.index[0]], prot.profile, on_few=on_few)
        if share_fx is not None and len(share_fx) and (share_fx["neuron"] == n).any():
            s = share_fx[share_fx["neuron"] == n].iloc[0]
            row = replace(row, detail=f"{row.detail}; temporal share of the gradient, {n.upper()} − LIF: {s['text']}")
        rows.append(row)
    return rows


def claims(profile: str, train: bool = False) -> List[stats.ClaimRow]:
    """snnlab's own rows of the claims table (``snnlab.papers.claims.collect``): the same computation as
    ``notebooks/overview/02_temporal_credit`` on the runs in the run store (``train=True`` trains the missing
    ones first). While any run of the protocol is missing, every claim is a ``not run`` row with the command that
    trains them; a claim whose effect has too few paired seeds gets a ``not run`` row saying so."""
    prot = protocol(profile)
    recall = recall_runs(prot, train)
    ctrl, seq = control_runs(prot, train), seq_runs(prot, train)
    missing = sum(int((df["status"] == "not run").sum()) for df in (recall, ctrl, seq))
    cmd = f"python -m snnlab.nbrun notebooks/overview/02_temporal_credit.ipynb --profile {profile}"
    defs = claim_defs(prot)
    if missing:
        reason = f"{missing} runs of the temporal-credit protocol ({profile}) are not finished"
        return [c.not_run(cmd, profile=profile, reason=reason) for c in defs.values()]
    shares = temporal_shares(recall, prot)
    rows = claim_rows(control_effects(ctrl, seq), neuron_effects(recall, prot), prot,
                      share_effects(shares, prot.share_delays[-1]))
    got = {r.claim.split(":")[0] for r in rows}
    return rows + [c.not_run(cmd, profile=profile, reason="fewer than 2 paired seeds for this comparison")
                   for cid, c in defs.items() if cid not in got]


# ============================================================================================== arena
def _task_scores(df, prot: Protocol) -> Dict[str, Dict[str, Dict[int, float]]]:
    """{task: {neuron: {seed: score}}}: accuracy for static/events/seq (points), the largest delay solved
    (log2 level, 0 = none) for delayed recall."""
    out: Dict[str, Dict[str, Dict[int, float]]] = {}
    for task in TASKS:
        g = df[(df["task"] == task)]
        if not len(g):
            continue
        if task == "recall":
            ls = largest_solved(g, prot)
            out[task] = {r.neuron: {s: (0.0 if d == 0 else math.log2(d) + 1) for s, d in r.per_seed.items()}
                         for r in ls.itertuples()}
        else:
            ok = g[g["status"] == "run"]
            if not len(ok):
                continue
            out[task] = {n: {int(s): 100.0 * float(a) for s, a in zip(gg["seed"], gg["acc"])}
                         for n, gg in ok.groupby("neuron", sort=False)}
    return out


def rank_table(df, prot: Protocol, n_boot: int = 2000, seed: int = 0):
    """The arena's rank table: per task and neuron the score (accuracy in points; delayed recall: the largest delay
    solved) with its 95 % t interval, the rank (1 = best, by mean) and a 95 % bootstrap interval of the rank
    (seeds resampled jointly for every neuron of the task, ``n_boot`` times)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    rows = []
    for task, by_neuron in _task_scores(df, prot).items():
        names = [n for n in (*NEURONS, "relu") if n in by_neuron]
        seeds = sorted(set.intersection(*(set(by_neuron[n]) for n in names)))
        if len(seeds) < 2:
            continue  # no interval without two seeds shared by every neuron
        mat = np.array([[by_neuron[n][s] for s in seeds] for n in names])  # neurons × seeds
        means = mat.mean(1)
        ranks = _ranks(means)
        boot = np.empty((n_boot, len(names)))
        for b in range(n_boot):
            idx = rng.integers(0, len(seeds), len(seeds))
            boot[b] = _ranks(mat[:, idx].mean(1))
        for i, n in enumerate(names):
            m, lo, hi = _interval(mat[i])
            score_unit = "log2(d)+1" if task == "recall" else "points"
            rows.append({"task": task, "neuron": n, "n": len(seeds), "score": m, "ci_low": lo, "ci_high": hi,
                         "unit": score_unit, "rank": float(ranks[i]), "rank_low": float(np.percentile(boot[:, i], 2.5)),
                         "rank_high": float(np.percentile(boot[:, i], 97.5))})
    return pd.DataFrame(rows)


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks, 1 = largest; ties share the mean rank."""
    from scipy.stats import rankdata

    return rankdata(-np.asarray(values, dtype=float), method="average")


def summary_numbers(acc, solved, ctrl_fx, n_fx) -> dict:
    """The headline numbers of the temporal notebook as plain values (for ``nb.results``)."""
    out = {"largest_delay_solved": {r.variant: {"per_seed": r.per_seed, "d_mean": _r(r.d_mean), "d_low": _r(r.d_low),
                                                "d_high": _r(r.d_high)} for r in solved.itertuples()},
           "control": [{k: (_r(v) if isinstance(v, float) else v) for k, v in r.items()} for r in
                       ctrl_fx.to_dict("records")],
           "neuron_vs_lif": [{k: (_r(v) if isinstance(v, float) else v) for k, v in r.items()} for r in
                             n_fx.to_dict("records")]}
    acc_map: dict = {}
    for r in acc.itertuples():
        acc_map.setdefault(r.variant, {})[int(r.delay)] = None if not math.isfinite(r.acc) else round(r.acc, 4)
    out["accuracy_vs_delay"] = acc_map
    return out


def _r(v, nd: int = 4):
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else round(float(v), nd)


# ============================================================================================== figures
def plot_accuracy_vs_delay(acc, prot: Protocol):
    """Accuracy vs delay, points with 95 % intervals, one colour per neuron (``NEURON_COLORS``): (a) every neuron at
    the common τ, (b) at its paper's τ, (c) LIF at τ = 1.1, 2, 8. Chance and the "solved" level dashed; delays
    skipped by the staircase are marked ×  at chance."""
    from snnlab import plotting

    fig, axes = plotting.figure(1, 3, width=13.5, height=3.8, sharey=True)
    panels = (("common τ", f"every neuron at the common τ = {COMMON_TAU:g}"), ("paper τ", "every neuron at its "
              "paper's τ"), ("LIF τ", "LIF: the time constant alone"))
    markers = {1.1: "v", 2.0: "o", 8.0: "s", 4.0 / 3.0: "D"}
    chance = float(acc["chance"].iloc[0]) if len(acc) else 0.25
    for ax, (role, title) in zip(axes, panels):
        sel = acc[acc["roles"].str.contains(role, regex=False)]
        n_var = max(1, sel["variant"].nunique())
        for j, (vkey, g) in enumerate(sel.groupby("variant", sort=False)):
            first = g.iloc[0]
            c = plotting.neuron_color(first["neuron"])
            off = (j - (n_var - 1) / 2) * 0.035  # small horizontal offset so intervals do not hide each other
            run = g[~g["skipped"] & (g["n"] > 0)]
            xr = np.log2(run["delay"].to_numpy(float)) + off
            ax.errorbar(xr, run["acc"], yerr=[run["acc"] - run["ci_low"], run["ci_high"] - run["acc"]],
                        fmt=markers.get(first["tau"], "o") + "-", color=c, ms=5, capsize=3, lw=1.3,
                        label=first["label"])
            sk = g[g["skipped"]]
            if len(sk):
                ax.scatter(np.log2(sk["delay"].to_numpy(float)) + off, [chance] * len(sk), marker="x", color=c,
                           s=22, zorder=3)
        ax.axhline(chance, color="0.4", lw=0.9, ls="--")
        ax.axhline(prot.solved, color="0.4", lw=0.9, ls=":")
        ax.set_xticks(np.log2(prot.delays), [str(d) for d in prot.delays])
        ax.set_xlabel("delay d (steps)")
        ax.set_title(title)
        ax.set_ylim(0.0, 1.03)
        ax.legend(fontsize=7, loc="lower left")
    axes[0].set_ylabel("final test accuracy (95 % interval)")
    fig.suptitle(f"Delayed recall: accuracy vs delay, {len(prot.seeds)} seeds ({prot.profile}); dashed: chance, "
                 f"dotted: solved ({prot.solved:g}); ×: not run (failed at a shorter delay)", fontsize=9)
    return fig


def plot_control(ctrl, ctrl_fx):
    """Full BPTT vs the k = 1 control: per neuron, both accuracies with 95 % intervals (left) and the paired
    effect full − k = 1 in points with its interval (right)."""
    from snnlab import plotting

    fig, (ax1, ax2) = plotting.figure(1, 2, width=11, height=3.6)
    rec = ctrl[ctrl["status"] == "run"]
    labels = []
    for i, (vkey, g) in enumerate(rec.groupby("variant", sort=False)):
        n = g.iloc[0]["neuron"]
        labels.append(g.iloc[0]["label"])
        for k, dx, mk in (("full", -0.12, "o"), ("1", 0.12, "s")):
            a = g[g["k_trunc"] == k]["acc"]
            if len(a) < 2:
                continue
            m, lo, hi = _interval(a)
            ax1.errorbar([i + dx], [m], yerr=[[m - lo], [hi - m]], fmt=mk, color=plotting.neuron_color(n),
                         mfc="white" if k == "1" else None, capsize=3, ms=6)
    ax1.set_xticks(range(len(labels)), labels, rotation=20, fontsize=8)
    ax1.set_ylabel("final test accuracy")
    ax1.set_ylim(0, 1.03)
    d = sorted(rec["delay"].unique())
    ax1.set_title(f"delayed recall d = {', '.join(str(int(x)) for x in d)}: ● full BPTT, □ k_trunc = 1")
    fx = ctrl_fx[ctrl_fx["task"] == "recall"]
    data = {r.label: (r.effect, r.ci_low, r.ci_high) for r in fx.itertuples() if math.isfinite(r.ci_low)}
    colors = {r.label: plotting.neuron_color(r.neuron) for r in fx.itertuples()}
    if data:
        plotting.interval_points(ax2, data, colors=colors, ylabel="full − k=1 (points, 95 % interval)", reference=0.0)
        ax2.tick_params(axis="x", labelrotation=20, labelsize=8)
    ax2.set_title("paired effect of truncation")
    return fig


def plot_shares(shares, delay: int):
    """Temporal share of the gradient inside the trained networks at ``delay`` per variant (points with 95 %
    intervals, seeds as dots)."""
    from snnlab import plotting

    fig, ax = plotting.figure(1, 1, width=8, height=3.4)
    g = shares[shares["delay"] == delay]
    data = {r: list(gg["share"]) for r, gg in g.groupby("label", sort=False) if len(gg) >= 2}
    colors = {r: plotting.neuron_color(gg.iloc[0]["neuron"]) for r, gg in g.groupby("label", sort=False)}
    if data:
        plotting.interval_points(ax, data, colors=colors, ylabel="temporal share of ∂L/∂X")
    ax.tick_params(axis="x", labelrotation=25, labelsize=8)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Share of the gradient that arrives through time, trained networks, delayed recall d = {delay}")
    return fig


def plot_ranks(ranks):
    """The arena's summary figure: one row per task, one column per neuron, cells coloured by rank (1 = best, one
    colour scale) with the score and its 95 % interval and the rank's bootstrap interval in the cell."""
    from snnlab import plotting

    tasks = [t for t in TASKS if t in set(ranks["task"])]
    names = [n for n in (*NEURONS, "relu") if n in set(ranks["neuron"])]
    R = np.full((len(tasks), len(names)), np.nan)
    text = {}
    for r in ranks.itertuples():
        i, j = tasks.index(r.task), names.index(r.neuron)
        R[i, j] = r.rank
        if r.task == "recall":
            sc = f"max d {_d_text(r.score)}\n[{_d_text(r.ci_low)}, {_d_text(r.ci_high)}]"
        else:
            sc = f"{r.score:.1f}\n[{r.ci_low:.1f}, {r.ci_high:.1f}]"
        text[(i, j)] = f"#{r.rank:g} ({r.rank_low:g}–{r.rank_high:g})\n{sc}"
    fig, ax = plotting.figure(1, 1, width=1.6 * len(names) + 2.5, height=1.1 * len(tasks) + 1.4)
    im = plotting.heatmap(ax, R, [TASK_TITLES[t] for t in tasks],
                          ["ANN" if n == "relu" else n.upper() for n in names], vmin=1, vmax=max(len(names), 2),
                          cmap="viridis_r", fmt="", colorbar_label="rank (1 = best)")
    for (i, j), s in text.items():
        rgba = im.cmap(im.norm(R[i, j]))
        lum = 0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2]
        ax.text(j, i, s, ha="center", va="center", fontsize=7.5, color="black" if lum > 0.5 else "white")
    ax.set_title("The arena: rank per task (bootstrap 95 % range) and score [95 % interval]; accuracy in %, "
                 "delayed recall: largest delay solved", fontsize=9)
    return fig


def plot_scores(ranks):
    """Every task's score per neuron as points with 95 % intervals (one panel per task, one colour per neuron)."""
    from snnlab import plotting

    tasks = [t for t in TASKS if t in set(ranks["task"])]
    fig, axes = plotting.figure(1, len(tasks), width=3.4 * len(tasks), height=3.2, squeeze=False)
    for ax, t in zip(axes[0], tasks):
        g = ranks[ranks["task"] == t]
        data = {("ANN" if r.neuron == "relu" else r.neuron.upper()): (r.score, r.ci_low, r.ci_high)
                for r in g.itertuples() if math.isfinite(r.ci_low)}
        colors = {("ANN" if r.neuron == "relu" else r.neuron.upper()): plotting.neuron_color(r.neuron)
                  for r in g.itertuples()}
        if data:
            plotting.interval_points(ax, data, colors=colors, show_seeds=False,
                                     ylabel="largest delay solved (log2 d + 1)" if t == "recall" else "test accuracy (%)")
        ax.set_title(TASK_TITLES[t])
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    return fig


def _d_text(level: float) -> str:
    if not math.isfinite(level):
        return "?"
    d = 2.0 ** (level - 1)
    return "none" if d < 0.75 else (f"{d:.0f}" if d >= 10 else f"{d:.1f}".rstrip("0").rstrip("."))
