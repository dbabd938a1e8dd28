"""ILIF (Sun et al., IJCAI 2025, arXiv 2505.10371): the paper's experiments, claims and figures.

The paper body is not known (``../shared/papers/ilif.md`` §0): its claims are those of the abstract (CLAIMS.md, I1–I6)
and the neuron is the official code's ``InhibitoryLIFNeuron`` (ilif.md §1.3). This module holds what the four
notebooks of ``notebooks/ilif/`` run, so that they only tell the story and display:

* **Families for every profile, as data** (:func:`sweep_plan`, :func:`table_plan`, :func:`plan`):

  * smoke: the smoke net (synthetic data), LIF/ILIF × γ ∈ ``SMOKE_GAMMAS`` × ``SMOKE_SEEDS`` (γ sweep, notebook
    03); ``SMOKE_NEURONS`` × ``SMOKE_SEEDS`` (results table, notebook 04);
  * quick: the shared benchmark's slice ``benchmark.gamma(n, γ, s)``, LIF/ILIF × ``benchmark.GAMMAS`` ×
    ``benchmark.SEEDS``; its base cells ``benchmark.config(n, s)`` for every neuron × ``benchmark.SEEDS``;
  * paper: the registry's ``ilif-gamma-cifar10-<resnet18|snn5>`` sweep (ilif.md §2.3 item 4; ``PAPER_GAMMAS``,
    seeds 1234–1236) and tables ``ilif-<cifar10|cifar100>-resnet18-*``, ``ilif-<dvscifar10|dvsgesture>-vgg11-*``
    (``PAPER_NEURONS``);
  * paper-dryrun: the paper families cut to ``DRYRUN_SWEEP`` and ``DRYRUN_NEURONS``, through ``common.dryrun``.

  In the quick profile the γ = 1 cells of the sweep *are* the benchmark's LIF and ILIF base cells (same hash), and
  every run is shared by hash with the other papers' notebooks.
* **Analyses** returning tidy DataFrames: the single-neuron dynamics (:func:`worked_traces`, :func:`poisson_traces`,
  :func:`forward_rates`), the γ theory (:func:`spec_gamma_table`, :func:`theory_sweep`), the trained runs
  (:func:`collect`, :func:`probe`, :func:`probe_runs`: window occupancy, temporal factor and first-layer gradient
  inside the trained networks, through ``snnlab.monitors``), and the authors' own energy comparison
  (:func:`authors_energy`, :func:`authors_rates`; ilif.md §3.6b).
* **Claims** (:func:`claims`): one or more ``stats.ClaimRow`` per claim I1–I6: identities with their numeric checks
  (:func:`identity_rows`), verdicts from paired seeds (>= 5 in the quick profile), the authors' per-layer rates
  (fidelity "authors' numbers") and ``not run`` rows with the launch command for what needs the paper's datasets.
* **Figures** (``fig_*``): each returns ``dict(fig=, name=, data=, caption=, config=)`` for ``nb.save_figure(**f)``.

Energy conventions (ilif.md §3.6, §3.6b): (a) the SOP convention ``E = 4.6 pJ·MACs(real-input layers) + 0.9 pJ·SOPs``
(``snnlab.energy``; the engine measures it on a test batch); (b) the memory-aware model of the CLIF/ILIF scripts
(Lemaire et al. 2022) with the ILIF authors' cost multipliers (``energy.NEURON_COSTS["ilif"]``). The authors' script
also prints a third, SOP-like count that deviates from (a); :func:`authors_sop` reproduces it as written.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from snnlab import stats
from snnlab.papers import benchmark as B
from snnlab.papers import common as C

__all__ = [
    "PAPER", "NOTEBOOKS", "V_TH", "KAPPA_I", "KAPPA_M", "SMOKE_GAMMAS", "SMOKE_SEEDS", "SMOKE_NEURONS",
    "PAPER_SWEEPS", "PAPER_GAMMAS", "PAPER_SEEDS", "PAPER_TABLES", "PAPER_NEURONS", "DRYRUN_SWEEP", "DRYRUN_NEURONS",
    "CLAIMS", "sweep_grid", "table_grid", "sweep_plan", "table_plan", "plan", "collect", "check_baselines", "probe",
    "probe_runs", "worked_traces", "poisson_traces", "forward_rates", "forward_rate_check", "spec_gamma_table",
    "theory_sweep", "occupancy_closed_form", "identity_rows", "authors_sop", "usual_sop", "authors_energy",
    "authors_rates", "claims", "claims_frame", "fig_worked_trace", "fig_poisson", "fig_rate_vs_input",
    "fig_temporal_factor", "fig_window_gradient", "fig_gamma_sweep", "fig_train_loss", "fig_results",
    "fig_authors_rates", "fig_authors_energy", "sweep_summary", "table_summary",
]

PAPER = "ilif"
NOTEBOOKS = ("01_dynamics", "02_gamma_theory", "03_gamma_sweep", "04_results_tables")
#: the ILIF code's constants (ilif.md §1.3)
V_TH, KAPPA_I, KAPPA_M = 1.0, 0.03, 1.0

# ============================================================================================ families (data)
SMOKE_GAMMAS = (0.5, 1.0, 2.0)
SMOKE_SEEDS = (0, 1)
SMOKE_NEURONS = ("lif", "plif", "klif", "clif", "ilif", "relu")
#: the γ sweep of ilif.md §2.3 item 4 on CIFAR-10 (registry families)
PAPER_SWEEPS = {"resnet18": "ilif-gamma-cifar10-resnet18", "snn5": "ilif-gamma-cifar10-snn5"}
PAPER_GAMMAS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
PAPER_SEEDS = (1234, 1235, 1236)
#: the README's four recipes (ilif.md §3.1): table -> (title, registry family ``<family>-<neuron>``)
PAPER_TABLES = {
    "cifar10": ("CIFAR-10, ResNet-18, T = 6", "ilif-cifar10-resnet18"),
    "cifar100": ("CIFAR-100, ResNet-18, T = 6", "ilif-cifar100-resnet18"),
    "dvscifar10": ("CIFAR10-DVS, VGG-11, T = 10", "ilif-dvscifar10-vgg11"),
    "dvsgesture": ("DVS128 Gesture, VGG-11, T = 20", "ilif-dvsgesture-vgg11"),
}
PAPER_NEURONS = ("lif", "plif", "clif", "klif", "ilif", "relu")
#: the paper dry run's cut (paper code paths on fake data; every table, both sweep nets, two γ)
DRYRUN_SWEEP = {"sets": ("resnet18", "snn5"), "gammas": (1.0, 4.0), "seeds": (1234,)}
DRYRUN_NEURONS = ("lif", "ilif", "relu")
#: the quick and smoke tables' titles
_TITLES = {"smoke": "synthetic data, smoke net (smoke)", "fmnist": "Fashion-MNIST, shared benchmark (quick)"}
#: test samples probed in each trained network (probe()); by profile
PROBE_SAMPLES = {"smoke": 8, "quick": 64, "paper": 64, "paper-dryrun": 2}

CLAIMS: Dict[str, dict] = {
    "I1": dict(text="a wide surrogate support γ makes LIF over-fire (its firing rate grows with γ)",
               source="abstract (dilemma of γ); ilif.md §2.1, §2.3"),
    "I2": dict(text="a narrow γ makes gradients vanish and weakens temporal dependencies",
               source="abstract; ilif.md §2.1, §2.3"),
    "I3": dict(text="ILIF keeps gradient propagation where LIF's vanishes (temporal factor non-zero at γ = V_th)",
               source="abstract; ilif.md §1.5"),
    "I4": dict(text="ILIF lowers firing rates and energy compared with LIF", source="abstract; ilif.md §3.6, §3.6b"),
    "I5": dict(text="ILIF stabilises training", source="abstract"),
    "I6": dict(text="ILIF is more accurate than LIF", source="abstract"),
}


def _claim(cid: str, measure: str, direction: Optional[str] = "greater", units: str = "") -> stats.Claim:
    c = CLAIMS[cid]
    return stats.Claim(PAPER, cid, c["text"], c["source"], measure, direction=direction, units=units)


def _tag(neuron: str) -> str:
    return "ann" if neuron == "relu" else neuron


def _smoke_config(neuron: str, seed: int, gamma: float = 1.0):
    """The smoke net (registry ``smoke-<neuron>``) with the benchmark's neuron settings (``benchmark.neuron_params``:
    the CLIF code's τ = 2, V_th = 1, soft reset) and the Rectangle surrogate of width γ (spiking neurons)."""
    cell: Dict[str, Any] = {"neuron": neuron, "seed": seed}
    if neuron != "relu":
        cell["neuron_params"] = {**B.neuron_params(neuron), "surrogate": "rectangle", "width": float(gamma)}
    return C.resolve("smoke", **cell)


def sweep_grid(profile: str) -> dict:
    """The γ sweep of ``profile``: ``sets`` (``smoke``/``quick``/``resnet18``/``snn5``), ``gammas``, ``seeds``."""
    C.by_profile(profile, smoke=0)  # validates the profile
    if C.is_dryrun(profile):
        return {**DRYRUN_SWEEP, "neurons": ("lif", "ilif")}
    if C.is_paper(profile):
        return {"sets": tuple(PAPER_SWEEPS), "gammas": PAPER_GAMMAS, "seeds": PAPER_SEEDS, "neurons": ("lif", "ilif")}
    if profile == "quick":
        return {"sets": ("quick",), "gammas": tuple(B.GAMMAS), "seeds": tuple(B.SEEDS), "neurons": ("lif", "ilif")}
    return {"sets": ("smoke",), "gammas": SMOKE_GAMMAS, "seeds": SMOKE_SEEDS, "neurons": ("lif", "ilif")}


def table_grid(profile: str) -> dict:
    """The results tables of ``profile``: ``tables``, ``neurons``, ``seeds`` (None: the registry's own seed)."""
    C.by_profile(profile, smoke=0)
    if C.is_dryrun(profile):
        return {"tables": tuple(PAPER_TABLES), "neurons": DRYRUN_NEURONS, "seeds": None}
    if C.is_paper(profile):
        return {"tables": tuple(PAPER_TABLES), "neurons": PAPER_NEURONS, "seeds": None}
    if profile == "quick":
        return {"tables": ("fmnist",), "neurons": tuple(B.NEURONS), "seeds": tuple(B.SEEDS)}
    return {"tables": ("smoke",), "neurons": SMOKE_NEURONS, "seeds": SMOKE_SEEDS}


def sweep_plan(profile: str) -> List[C.PlanEntry]:
    """Every run of the γ sweep (labels ``set, neuron, gamma, seed``)."""
    g = sweep_grid(profile)
    out: List[C.PlanEntry] = []
    for s in g["sets"]:
        if s == "smoke":
            out += [C.PlanEntry({"set": s, "neuron": n, "gamma": float(gm), "seed": sd},
                                C.for_profile(_smoke_config(n, sd, gm), profile), f"smoke-{n}")
                    for n in g["neurons"] for gm in g["gammas"] for sd in g["seeds"]]
        elif s == "quick":
            out += [C.PlanEntry({"set": s, "neuron": n, "gamma": float(gm), "seed": sd}, B.gamma(n, gm, sd), B.name(n))
                    for n in g["neurons"] for gm in g["gammas"] for sd in g["seeds"]]
        else:
            for e in C.plan(PAPER_SWEEPS[s], C.grid(neuron=g["neurons"], gamma=g["gammas"], seed=g["seeds"]),
                            profile=profile):
                labels = {"set": s, "neuron": e.labels["neuron"], "gamma": float(e.labels["gamma"]),
                          "seed": e.labels["seed"]}
                out.append(C.PlanEntry(labels, e.config, e.base))
    return out


def table_plan(profile: str) -> List[C.PlanEntry]:
    """Every run of the results tables (labels ``table, neuron, seed``)."""
    g = table_grid(profile)
    out: List[C.PlanEntry] = []
    for t in g["tables"]:
        if t == "smoke":
            out += [C.PlanEntry({"table": t, "neuron": n, "seed": s}, C.for_profile(_smoke_config(n, s), profile),
                                f"smoke-{_tag(n)}") for n in g["neurons"] for s in g["seeds"]]
        elif t == "fmnist":
            out += [C.PlanEntry({"table": t, "neuron": n, "seed": s}, B.config(n, s), B.name(n))
                    for n in g["neurons"] for s in g["seeds"]]
        else:
            for e in C.plan(PAPER_TABLES[t][1], C.grid(neuron=g["neurons"]), profile=profile):
                out.append(C.PlanEntry({"table": t, "neuron": e.labels["neuron"], "seed": e.config.seed}, e.config,
                                       e.base))
    return out


def plan(profile: str, notebook: Optional[str] = None) -> List[C.PlanEntry]:
    """Every run the ILIF notebooks train in ``profile`` (``notebook``: a file stem of :data:`NOTEBOOKS` to
    restrict it; 01 and 02 train nothing). A config planned twice (the quick γ = 1 cells are the benchmark's base
    cells) is listed once."""
    if notebook is not None:
        stem = str(notebook).rsplit("/", 1)[-1].removesuffix(".ipynb")
        if stem not in NOTEBOOKS:
            raise ValueError(f"ILIF has no notebook {notebook!r}; its notebooks: {', '.join(NOTEBOOKS)}")
        entries = {"03_gamma_sweep": sweep_plan, "04_results_tables": table_plan}.get(stem, lambda p: [])(profile)
    else:
        entries = sweep_plan(profile) + table_plan(profile)
    return C.unique(entries)


# ============================================================================================ collecting runs
_GEOMETRY: Dict[tuple, list] = {}


def _geometry(run) -> list:
    """``energy.layer_geometry`` of the run's network (shortcut convs left out), cached per architecture."""
    from snnlab import energy

    cfg = run.config
    info = run._info()
    key = (cfg.model, repr(sorted(cfg.model_params.items())), info)
    if key not in _GEOMETRY:
        if info is None:
            raise ValueError(f"{run.dir}: no data_info.json; cannot size the network's input")
        _, ic, size = info
        _GEOMETRY[key] = energy.layer_geometry(run.load_model("final"), (ic, size, size))
    return _GEOMETRY[key]


def lemaire_uJ(run) -> float:
    """Energy per test sample (µJ) of a finished run under the memory-aware model (Lemaire et al. 2022) with the
    CLIF/ILIF scripts' cost multipliers (PLIF, KLIF, GLIF costed as LIF), the geometry derived from the network and
    the per-layer firing rates of its final test evaluation. NaN when the rates do not cover the layers."""
    from snnlab import energy

    s, cfg = run.summary, run.config
    layers = _geometry(run)
    if cfg.neuron == "relu":
        return 1e3 * energy.lemaire_energy(layers, None, 1)["total_mJ"]
    rates = list((s.get("firing_rates") or {}).values())
    if len(rates) < len(layers) - 1:
        return float("nan")
    cost = energy.NEURON_COSTS.get(cfg.neuron, energy.NEURON_COSTS["lif"])
    return 1e3 * energy.lemaire_energy(layers, cost, int(s["T"]), rates[: len(layers) - 1])["total_mJ"]


def collect(entries: Sequence[C.PlanEntry], train_missing: bool = True, progress: Optional[bool] = None):
    """Train (``train_missing``) or reuse every entry; returns ``(runs, epochs, missing)`` DataFrames: one row per
    finished run (labels, run, best/final test accuracy, mean firing rate, final train/test loss, SOP and Lemaire
    energy per sample in µJ, SOPs, train seconds), one row per epoch (labels, epoch from 1, train loss, test
    accuracy, firing rate) and one row per missing run (labels, command)."""
    import pandas as pd

    runs = C.train_or_reuse(entries, train_missing=train_missing, progress=progress if train_missing else False)
    rows, epochs, missing = [], [], []
    for e, r in zip(entries, runs):
        labels = dict(e.labels)
        if r is None or not r.finished:
            missing.append({**labels, "run": e.config.run_name, "command": C.train_command(e.config, e.base)})
            continue
        s = r.summary
        sop = s.get("energy") or {}
        rows.append({**labels, "run": r.dir.name, "best_test_acc": s["best_test_acc"],
                     "final_test_acc": s["final_test_acc"], "firing_rate": s.get("firing_rate_mean"),
                     "final_train_loss": s.get("final_train_loss"), "final_test_loss": s.get("final_test_loss"),
                     "energy_sop_uJ": sop.get("energy_uJ", float("nan")), "sops": sop.get("sops", float("nan")),
                     "energy_lemaire_uJ": lemaire_uJ(r), "epochs": s["epochs"], "T": s["T"],
                     "train_seconds": s["train_seconds"]})
        for m in r.metrics.to_dict("records"):
            epochs.append({**labels, "epoch": int(m["epoch"]) + 1, "train_loss": m["train_loss"],
                           "test_acc": m.get("test_acc"), "firing_rate": m.get("firing_rate_mean")})
    return pd.DataFrame(rows), pd.DataFrame(epochs), pd.DataFrame(missing)


def check_baselines(table: "Any", profile: str) -> None:
    """Stop (``stats.BaselineError``) when a base run of the quick benchmark is under its floor
    (``benchmark.FLOORS``: LIF and the ANN at least 85 % on the full Fashion-MNIST test set, the other neurons their
    own floors); the smoke and paper profiles have no floor here."""
    if profile != "quick" or table is None or not len(table):
        return
    B.check({n: dict(zip(d.seed, d.best_test_acc)) for n, d in table.groupby("neuron")})


# ============================================================================================ probes
_PROBES: Dict[tuple, dict] = {}
_TESTSETS: Dict[tuple, Any] = {}


def _test_batch(cfg, samples: int):
    import torch

    from snnlab.data.encoding import to_time_major
    from snnlab.train import build_datasets

    key = (cfg.dataset, repr(sorted(cfg.data_opts.items())), cfg.steps, cfg.test_subset, cfg.seed
           if cfg.test_subset else None, cfg.train_subset if cfg.dataset == "sim_fashion_events" else None)
    if key not in _TESTSETS:
        _TESTSETS[key] = build_datasets(cfg)[1]
    test = _TESTSETS[key]
    n = min(int(samples), len(test))
    items = [test[i] for i in range(n)]
    xs = torch.stack([torch.as_tensor(x) for x, _ in items]).float()
    ys = torch.as_tensor([int(y) for _, y in items])
    return to_time_major(xs, cfg.steps), ys


def probe(run, samples: int = 64) -> dict:
    """Inside one trained network (final weights, eval mode), on the first ``samples`` test samples:

    * ``occupancy``: the fraction of pre-reset potentials inside the surrogate window ``|H − V_th| ≤ γ/2``
      (``monitors.SurrogateWindowMonitor``), mean over spiking layers;
    * ``tf_window`` / ``tf_all``: the one-step temporal factor ``|∂H[t+1]/∂H[t]|`` measured with autograd
      (``analysis.measure_temporal_factor``) on each layer's recorded input current (``monitors.InputCapture``),
      mean over in-window neuron-steps / all neuron-steps, then over layers;
    * ``grad_first``: the L2 norm of the gradient of the first layer's weights for the loss
      ``CE(mean_t O[t], y)`` of that batch (``monitors.param_grad_norms``).

    ``layers`` holds the per-layer values. Cached per run folder, config hash and ``samples``."""
    import torch

    from snnlab import analysis, losses, monitors
    from snnlab.models.layers import neuron_layers, reset_net

    key = (str(run.dir), run.config.hash(), int(samples))
    if key in _PROBES:
        return _PROBES[key]
    x, y = _test_batch(run.config, samples)
    model = run.load_model("final")
    first = next(name for name, m in model.named_modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)))
    model.zero_grad(set_to_none=True)
    with torch.enable_grad(), monitors.InputCapture(model, cpu=True) as inp, \
            monitors.SurrogateWindowMonitor(model) as win:
        reset_net(model)
        loss = losses.ce_mean_loss(model(x), y)
        loss.backward()
    reset_net(model)
    grads = monitors.param_grad_norms(model)
    occ, X = win.occupancy(), inp.inputs
    layers = []
    for name, m in neuron_layers(model):
        if not hasattr(m, "surrogate") or name not in X:
            continue
        vth = float(m.v_threshold) if not torch.is_tensor(m.v_threshold) else float(m.v_threshold.detach())
        J, H = analysis.measure_temporal_factor(m, X[name].double())
        m.reset()
        inside = (H - vth).abs() <= 0.5 * float(m.surrogate.width)
        layers.append({"layer": name, "occupancy": float(occ.get(name, float("nan"))),
                       "tf_window": analysis.mean_abs(J, inside[:-1]), "tf_all": analysis.mean_abs(J)})
    out = {"occupancy": float(np.nanmean([r["occupancy"] for r in layers])) if layers else float("nan"),
           "tf_window": float(np.nanmean([r["tf_window"] for r in layers])) if layers else float("nan"),
           "tf_all": float(np.nanmean([r["tf_all"] for r in layers])) if layers else float("nan"),
           "grad_first": float(grads.get(first, float("nan"))), "loss": float(loss.detach()), "layers": layers,
           "samples": int(x.shape[1])}
    _PROBES[key] = out
    return out


def probe_runs(entries: Sequence[C.PlanEntry], samples: int = 64):
    """:func:`probe` of every finished run of ``entries`` (spiking neurons, T >= 2): one row per run (labels and
    ``occupancy, tf_window, tf_all, grad_first``) and one per run and layer; returns ``(runs, layers)``."""
    import pandas as pd

    from snnlab.experiments import Run, run_dir_for

    rows, per_layer = [], []
    for e in entries:
        r = Run(run_dir_for(e.config), e.config)
        if e.config.neuron == "relu" or e.config.steps < 2 or not r.finished \
                or r.summary.get("config_hash") != e.config.hash():
            continue
        p = probe(r, samples)
        rows.append({**dict(e.labels), **{k: p[k] for k in ("occupancy", "tf_window", "tf_all", "grad_first")}})
        per_layer += [{**dict(e.labels), **lay} for lay in p["layers"]]
    return pd.DataFrame(rows), pd.DataFrame(per_layer)


# ============================================================================================ 01: dynamics
def _neuron(kind: str, tau: float, v_threshold: float = V_TH, kappa_i: float = KAPPA_I, kappa_m: float = KAPPA_M,
            **kw):
    from snnlab import neurons

    params = dict(tau=tau, v_threshold=v_threshold, **kw)
    if kind == "ilif":
        params.update(kappa_i=kappa_i, kappa_m=kappa_m)
    return neurons.build(kind, **params)


def _simulate(kind: str, tau: float, x, **kw) -> Dict[str, np.ndarray]:
    import torch

    with torch.no_grad():
        s, st = _neuron(kind, tau, **kw)(x, record=True)
    out = {k: v.numpy() for k, v in st.items()}
    out["S"] = s.numpy()
    return out


def worked_traces(taus: Sequence[float] = (2.0, 1.1), **neuron_kw):
    """LIF and ILIF on the spec's worked input X = [1.2, 1.2, 1.2, 1.2, 0.3, 2.5] (ilif.md §1.6), float64, for
    each τ: one row per (τ, t) with the states ``LIF_H, LIF_S, LIF_V, ILIF_A, ILIF_H, ILIF_S, ILIF_M, ILIF_V``.
    Returns ``(traces, check)``: ``check`` has, per τ of the spec, the largest |ours − spec| over every printed
    entry (the spec prints 6 decimals)."""
    import pandas as pd
    import torch

    from snnlab.paper_data import ILIF_REFERENCE_TRACES

    x = torch.tensor(ILIF_REFERENCE_TRACES[0]["X"], dtype=torch.float64)[:, None]
    rows = []
    for tau in taus:
        tr = {k: _simulate(k, tau, x, **neuron_kw) for k in ("lif", "ilif")}
        for t in range(x.shape[0]):
            row = {"tau": tau, "t": t + 1, "X": float(x[t, 0])}
            for k in ("lif", "ilif"):
                row.update({f"{k.upper()}_{v}": float(tr[k][v][t, 0]) for v in ("A", "H", "S", "M", "V")
                            if v in tr[k]})
            rows.append(row)
    traces = pd.DataFrame(rows)
    checks = []
    for ref in ILIF_REFERENCE_TRACES:
        xr = torch.tensor(ref["X"], dtype=torch.float64)[:, None]
        worst = 0.0
        for kind in ("LIF", "ILIF"):
            ours = _simulate(kind.lower(), ref["tau"], xr, **neuron_kw)
            for key, vals in ref[kind].items():
                worst = max(worst, float(np.max(np.abs(ours[key][:, 0] - np.asarray(vals, dtype=float)))))
        checks.append({"tau": ref["tau"], "max_abs_error": worst, "tolerance": 5e-7, "matches": worst <= 5e-7})
    return traces, pd.DataFrame(checks)


def poisson_traces(T: int = 60, inputs: int = 100, rate: float = 0.25, weight: float = 0.035, tau: float = 1.1,
                   seed: int = 0, **neuron_kw):
    """Both neurons driven by the same Poisson input: ``inputs`` trains spiking with probability ``rate`` per step,
    X[t] = ``weight`` × (number of input spikes at t). One row per step (X, LIF/ILIF H, V, S, ILIF A, M)."""
    import pandas as pd
    import torch

    if not 0 < rate < 1:
        raise ValueError(f"rate={rate!r} must be a spike probability per step in (0, 1)")
    gen = torch.Generator().manual_seed(seed)
    counts = (torch.rand(T, inputs, generator=gen, dtype=torch.float64) < rate).sum(1)
    x = (weight * counts.to(torch.float64))[:, None]
    tr = {k: _simulate(k, tau, x, **neuron_kw) for k in ("lif", "ilif")}
    return pd.DataFrame({"t": np.arange(1, T + 1), "X": x[:, 0].numpy(),
                         **{f"{k.upper()}_{v}": tr[k][v][:, 0] for k in ("lif", "ilif") for v in ("H", "V", "S")},
                         "ILIF_A": tr["ilif"]["A"][:, 0], "ILIF_M": tr["ilif"]["M"][:, 0]})


def _rate(kind: str, tau: float, mu: float, mode: str, T: int, n: int, std: float, seed: int, **kw) -> float:
    import torch

    gen = torch.Generator().manual_seed(seed)
    if mode == "static":
        x = (mu + std * torch.randn(1, n, generator=gen, dtype=torch.float64)).expand(T, n)
    elif mode == "iid":
        x = mu + std * torch.randn(T, n, generator=gen, dtype=torch.float64)
    else:
        raise ValueError(f"mode={mode!r} must be 'static' or 'iid'")
    with torch.no_grad():
        return float(_neuron(kind, tau, **kw)(x).mean())


def forward_rates(taus: Sequence[float] = (1.1, 2.0), means: Sequence[float] = (0.0, 0.5, 1.0, 1.5, 2.0),
                  std: float = 1.0, T: int = 8, n: int = 20000, seed: int = 0, **neuron_kw):
    """Forward-only firing rate (no training, so γ plays no role) of LIF and ILIF for X ~ N(μ, std²) per neuron,
    ``static`` (one draw held for T steps) or ``iid`` (redrawn every step); the same draws for both neurons.
    One row per (τ, mode, μ) with ``LIF, ILIF, ILIF_minus_LIF``."""
    import pandas as pd

    rows = []
    for tau in taus:
        for mode in ("static", "iid"):
            for mu in means:
                row = {"tau": tau, "mode": mode, "mu": mu, "T": T}
                for k in ("lif", "ilif"):
                    row[k.upper()] = _rate(k, tau, mu, mode, T, n, std, seed, **neuron_kw)
                rows.append(row)
    df = pd.DataFrame(rows)
    df["ILIF_minus_LIF"] = df.ILIF - df.LIF
    return df


def forward_rate_check(T: int = 8, n: int = 20000, std: float = 1.0, seed: int = 0, **neuron_kw):
    """Our forward rates beside the spec's simulation (ilif.md §1.6, 200k neurons): one row per spec entry with
    ``LIF, spec_LIF, ILIF, spec_ILIF`` and ``noise`` (2 binomial standard errors at ``n``)."""
    import pandas as pd

    from snnlab.paper_data import ILIF_FORWARD_FIRING_RATES

    rows = []
    for ref in ILIF_FORWARD_FIRING_RATES:
        T_ref = ref["T"] if ref["T"] is not None else T
        ours = {k: _rate(k.lower(), ref["tau"], ref["mu"], ref["input"], T_ref, n, std, seed, **neuron_kw)
                for k in ("LIF", "ILIF")}
        rows.append({"tau": ref["tau"], "mu": ref["mu"], "input": ref["input"], "T": T_ref,
                     "LIF": round(ours["LIF"], 3), "spec_LIF": ref["LIF"], "ILIF": round(ours["ILIF"], 3),
                     "spec_ILIF": ref["ILIF"]})
    df = pd.DataFrame(rows)
    df["noise"] = 2 * math.sqrt(0.25 / n)
    return df


# ============================================================================================ 02: γ theory
def spec_gamma_table(n: int = 20000, T: int = 6, mu: float = 0.8, sigma: float = 0.6, seed: int = 0):
    """The spec's table (ilif.md §2.3 item 3) reproduced with ``analysis.ilif_gamma_table`` (the spec's numbers in
    the ``spec_*`` columns; its ILIF column was simulated with an earlier d max(A, 0)/dA rule)."""
    from snnlab import analysis

    return analysis.ilif_gamma_table(n=n, T=T, mu=mu, sigma=sigma, seed=seed, v_threshold=V_TH)


def _inputs(n: int, T: int, mu: float, sigma: float, seed: int):
    import torch

    gen = torch.Generator().manual_seed(seed)
    return mu + sigma * torch.randn(T, n, generator=gen, dtype=torch.float64)


def _theory_row(kind: str, surrogate: str, tau: float, gamma: float, x) -> dict:
    import torch

    from snnlab import analysis

    neuron = _neuron(kind, tau, surrogate=surrogate, width=gamma)
    J, H = analysis.measure_temporal_factor(neuron, x)
    with torch.no_grad():
        S, st = neuron(x, record=True)
    neuron.reset()
    if kind == "lif":
        closed = analysis.lif_temporal_factor(H, tau=tau, v_threshold=V_TH, surrogate=surrogate, width=gamma)
    else:
        closed = analysis.ilif_temporal_factor(H, S, st["M"], st["A"], x, tau=tau, v_threshold=V_TH,
                                               kappa_i=KAPPA_I, kappa_m=KAPPA_M, surrogate=surrogate, width=gamma)
    inside = (H - V_TH).abs() <= 0.5 * gamma
    g1 = analysis.first_step_gradient_autograd(neuron, x)
    row = {"surrogate": surrogate, "tau": tau, "gamma": gamma, "neuron": kind,
           "fraction_in_window": float(inside.double().mean()),
           "fraction_in_window_T": float(inside[-1].double().mean()),
           "tf_window": analysis.mean_abs(J, inside[:-1]), "tf_all": analysis.mean_abs(J),
           "tf_window_max": float(J[inside[:-1]].abs().max()) if bool(inside[:-1].any()) else float("nan"),
           "tf_window_min": float(J[inside[:-1]].abs().min()) if bool(inside[:-1].any()) else float("nan"),
           "closed_vs_autograd": float((J - closed[:-1]).abs().max()),
           "grad_step1": float(g1.abs().mean()), "reach_step1": float((g1.abs() > 0).double().mean()),
           "firing_rate": float(S.mean())}
    if kind == "lif":
        rec = analysis.gradient_to_first_step(H, S, None, neuron="lif", tau=tau, v_threshold=V_TH,
                                              surrogate=surrogate, width=gamma)
        row["recursion_vs_autograd"] = float((rec - g1).abs().max())
    return row


def theory_sweep(gammas: Sequence[float] = (0.25, 0.5, 1.0, 2.0, 4.0), taus: Sequence[float] = (1.1, 2.0),
                 surrogates: Sequence[str] = ("rectangle", "sigmoid"), n: int = 5000, T: int = 6, mu: float = 0.8,
                 sigma: float = 0.6, seed: int = 0):
    """Untrained LIF and ILIF on X ~ N(mu, sigma²) i.i.d. (the spec's §2.3 protocol), for every surrogate, τ and γ
    (V_th always added to the grid), the same draws for both neurons. One row per setting and neuron:
    window fraction (all steps, and at step T), mean |∂H[t+1]/∂H[t]| in the window (``tf_window``; its max and
    min) and over all neuron-steps, the largest |closed form (ilif.md §1.5) − autograd|, the mean |∂S[T]/∂X[1]|
    (``grad_step1``) and the fraction of neurons it reaches (``reach_step1``), the firing rate, and for LIF the
    exact recursion against autograd."""
    import pandas as pd

    if T < 2:
        raise ValueError(f"T={T!r}: the temporal factor needs at least 2 steps")
    grid = sorted({float(g) for g in gammas} | {V_TH})
    x = _inputs(n, T, mu, sigma, seed)
    return pd.DataFrame([_theory_row(k, sur, tau, g, x) for sur in surrogates for tau in taus for g in grid
                         for k in ("lif", "ilif")])


def occupancy_closed_form(gamma: float, mu: float, sigma: float, v_threshold: float = V_TH) -> float:
    """P(|H − V_th| ≤ γ/2) for H ~ N(mu, sigma²) (the first step's potential, H[1] = X[1]):
    ``Φ((V_th − mu + γ/2)/σ) − Φ((V_th − mu − γ/2)/σ)``; ≈ γ·φ((V_th − mu)/σ)/σ → 0 as γ → 0."""
    from scipy import stats as st

    return float(st.norm.cdf((v_threshold - mu + gamma / 2) / sigma) - st.norm.cdf((v_threshold - mu - gamma / 2)
                                                                                    / sigma))


def identity_rows(n: int = 20000, T: int = 6, mu: float = 0.8, sigma: float = 0.6, taus: Sequence[float] = (1.1, 2.0),
                  gammas: Sequence[float] = (0.25, 0.5, 1.0, 2.0, 4.0), seed: int = 0) -> List[stats.ClaimRow]:
    """The analytic parts of I2 and I3, each with its numeric check (``stats.Claim.identity``; a failed check
    raises ``stats.IdentityCheckFailed``), on untrained neurons fed X ~ N(mu, sigma²) i.i.d. (ilif.md §2.3):

    * I2 (window occupancy): the first step's potential is H[1] = X[1], so its window fraction is
      :func:`occupancy_closed_form`, which vanishes linearly as γ → 0; checked on ``n`` inputs at the normal
      quantiles (i − ½)/n, whose fraction in any interval is within 1/n of the probability;
    * I2 (gradient reach): for γ ≠ V_th, ∂S[T]/∂X[1] = g[T]·Π ε (autograd) is non-zero exactly for the neurons
      inside the window at step T (LIF's factor λ(1 − V_th·g) is never 0 then), so the gradient from step T reaches
      step 1 only through the vanishing window fraction;
    * I2/I3 (temporal factor): LIF's in-window factor is λ(1 − V_th/γ) (closed form = autograd at every γ and τ),
      exactly 0 at γ = V_th;
    * I3: ILIF's factor at γ = V_th (ilif.md §1.5 closed form, with d max(A, 0)/dA as snnlab's ILIF defines it) equals
      autograd through snnlab's ILIF and is non-zero at every in-window neuron-step."""
    import torch

    from snnlab import analysis

    rows: List[stats.ClaimRow] = []
    # I2: occupancy closed form on quantile inputs through the real LIF neuron's first step
    from scipy import stats as st

    q = torch.tensor(st.norm.ppf((np.arange(n) + 0.5) / n), dtype=torch.float64)
    xq = (mu + sigma * q)[None, :].expand(2, n).clone()
    measured, expected = [], []
    for g in gammas:
        with torch.no_grad():
            _, rec = _neuron("lif", taus[0], surrogate="rectangle", width=g)(xq, record=True)
        measured.append(float(((rec["H"][0] - V_TH).abs() <= g / 2).double().mean()))
        expected.append(occupancy_closed_form(g, mu, sigma))
    rows.append(_claim("I2", "window fraction of the first step's potential H[1] = X[1] ~ N(μ, σ²) against γ",
                       None).identity(measured, expected, tol=1.0 / n + 1e-12, what=(
                           f"P(|H − V_th| ≤ γ/2) = Φ((V_th − μ + γ/2)/σ) − Φ((V_th − μ − γ/2)/σ) for γ = "
                           f"{', '.join(f'{g:g}' for g in gammas)} (μ = {mu}, σ = {sigma}): "
                           f"{', '.join(f'{v:.4f}' for v in expected)}; → γ·φ/σ → 0 as γ → 0")))
    # I2: reach of the step-1 gradient = window fraction at T (LIF, γ ≠ V_th); LIF factor closed form
    x = _inputs(n, T, mu, sigma, seed)
    reach, occ_T, lif_err, lif_expected, lif_measured = [], [], 0.0, [], []
    for tau in taus:
        lam = 1.0 - 1.0 / tau
        for g in sorted(set(float(v) for v in gammas) | {V_TH}):
            neuron = _neuron("lif", tau, surrogate="rectangle", width=g)
            J, H = analysis.measure_temporal_factor(neuron, x)
            inside = (H - V_TH).abs() <= g / 2
            closed = torch.where(inside[:-1], torch.full_like(J, lam * (1 - V_TH / g)), torch.full_like(J, lam))
            lif_err = max(lif_err, float((J - closed).abs().max()))
            lif_measured.append(float(J[inside[:-1]].abs().max()) if bool(inside[:-1].any()) else 0.0)
            lif_expected.append(abs(lam * (1 - V_TH / g)) if bool(inside[:-1].any()) else 0.0)
            if g != V_TH:
                g1 = analysis.first_step_gradient_autograd(neuron, x)
                reach.append(float((g1 != 0).double().mean()))
                occ_T.append(float(inside[-1].double().mean()))
    rows.append(_claim("I2", "fraction of neurons whose ∂S[T]/∂X[1] ≠ 0 (LIF, autograd) against the window fraction "
                             "at step T, γ ≠ V_th", None).identity(reach, occ_T, tol=0.0, what=(
                                 f"reach = occupancy at T exactly for τ = {', '.join(map(str, taus))} and γ = "
                                 f"{', '.join(f'{g:g}' for g in gammas if g != V_TH)}; occupancy at T: "
                                 f"{', '.join(f'{v:.3f}' for v in occ_T)}")))
    rows.append(_claim("I3", "LIF's one-step temporal factor λ(1 − V_th·g) inside the rectangle window (autograd, "
                             "max |·| over in-window neuron-steps) against |λ(1 − V_th/γ)|", None).identity(
        lif_measured, lif_expected, tol=1e-12, what=(
            f"closed form = autograd to {lif_err:.1e} over every neuron-step; in the window |λ(1 − V_th/γ)| is 0 at "
            f"γ = V_th = {V_TH:g} for every τ ({', '.join(map(str, taus))})")))
    # I3: ILIF at γ = V_th: closed form = autograd, non-zero in the window
    errs, mins = [], []
    for tau in taus:
        neuron = _neuron("ilif", tau, surrogate="rectangle", width=V_TH)
        J, H = analysis.measure_temporal_factor(neuron, x)
        with torch.no_grad():
            S, st_ = neuron(x, record=True)
        neuron.reset()
        closed = analysis.ilif_temporal_factor(H, S, st_["M"], st_["A"], x, tau=tau, v_threshold=V_TH,
                                               kappa_i=KAPPA_I, kappa_m=KAPPA_M, surrogate="rectangle", width=V_TH)
        inside = (H - V_TH).abs() <= V_TH / 2
        errs.append(float((J - closed[:-1]).abs().max()))
        mins.append(float(J[inside[:-1]].abs().min()))
    if not min(mins) > 0:
        raise stats.IdentityCheckFailed(f"I3: ILIF's temporal factor is 0 at an in-window neuron-step at γ = V_th "
                                        f"(min |·| = {min(mins)!r}); the derivation or the neuron is wrong")
    rows.append(_claim("I3", "ILIF's one-step temporal factor at γ = V_th: ilif.md §1.5 closed form against autograd "
                             "through snnlab's ILIF (max |difference|)", None).identity(
        max(errs), 0.0, tol=1e-10, what=(
            f"λ·[(1 − V_th·g) − g·σ(M) − S·σ'(M)·∂M/∂H] − 1{{A ≥ 0}}·κ_I·X·g; smallest in-window |factor| "
            f"{', '.join(f'{m:.4f}' for m in mins)} for τ = {', '.join(map(str, taus))}: non-zero where LIF's is 0")))
    return rows


# ============================================================================================ authors' energy (§3.6b)
def authors_sop(layers, neuron: Optional[str], T: int, rates: Optional[Sequence[float]]) -> Tuple[float, float]:
    """The SOP-like count of the ILIF authors' ``energy_cal.py`` (ilif.md §3.6b), as written: ``(ACs, MACs)`` of
    one sample. For every layer i but the last: ``ACs += T·N_in,i·r_i·fan-out_i`` with r_i the rate listed for
    layer i (its *own output* rate), fan-out ``C_out·K²`` (conv) or ``N_out`` (FC), and ``MACs += T·N_out,i``
    (×2 for ILIF convs, ×3 for ILIF FC layers); the ANN (``neuron=None``) counts each layer's dense MACs. It
    deviates from the usual SOP convention (:func:`usual_sop`): input sizes are paired with output rates; the first
    layer's real-valued input is counted as spikes; the stride is ignored (a stride-2 conv counts 4× its synaptic
    operations); the last layer is left out; neuron-update MACs are added."""
    from snnlab import energy

    acs = macs = 0.0
    for i, lay in enumerate(layers[:-1]):
        if neuron is None:
            macs += energy.dense_macs(lay)
            continue
        if lay.is_fc:
            n_in, n_out, fan = lay.in_shape, lay.out_shape, lay.out_shape
        else:
            n_in, n_out = math.prod(lay.in_shape), math.prod(lay.out_shape)
            fan = lay.out_shape[0] * lay.kernel[0] * lay.kernel[1]
        acs += T * n_in * float(rates[i]) * fan
        mult = 1 if neuron.lower() == "lif" else (3 if lay.is_fc else 2)
        macs += T * n_out * mult
    return acs, macs


def usual_sop(layers, neuron: Optional[str], T: int, rates: Optional[Sequence[float]]) -> Tuple[float, float]:
    """The usual SOP convention (``energy.sops_from_rates``): the first layer's real-valued input costs T dense
    MACs, layer i >= 1 costs ``r_{i−1}·T·MACs_i`` synaptic operations (input rate = the previous spiking layer's
    rate), the last layer included, no neuron-update operations; the ANN counts every layer's dense MACs once.
    Returns ``(SOPs, MACs)``."""
    from snnlab import energy

    dense = [energy.dense_macs(lay) for lay in layers]
    if neuron is None:
        return 0.0, float(sum(dense))
    r = energy.sops_from_rates(dense, [None] + [float(v) for v in rates[: len(layers) - 1]], T)
    return r["sops"], r["macs"]


def authors_rates():
    """The authors' per-layer firing rates (%) of LIF and ILIF (ilif.md §3.6b), one row per task and layer."""
    import pandas as pd

    from snnlab.paper_data import ILIF_FIRING_RATES

    return pd.DataFrame([{"task": t, "layer": i + 1, "LIF": d["LIF"][i], "ILIF": d["ILIF"][i],
                          "ILIF_minus_LIF": d["ILIF"][i] - d["LIF"][i]}
                         for t, d in ILIF_FIRING_RATES.items() for i in range(len(d["LIF"]))])


def authors_energy():
    """The ILIF authors' energy comparison recomputed from their per-layer rates (ilif.md §3.6b) on the layer
    lists of their script (``energy.CLIF_ENERGY_NETWORKS``: the same), under three counts: ``sop`` (the usual SOP
    convention, :func:`usual_sop`), ``authors_sop`` (their script's count as written, :func:`authors_sop`), both
    costed ``0.9 pJ·ACs + 4.6 pJ·MACs``, and ``lemaire`` (their memory-aware model: ``energy.lemaire_energy`` with
    ``NEURON_COSTS["ilif"]``, ANN one pass). One row per task, model (ANN, LIF, ILIF) and convention with ``ACs_M``,
    ``MACs_M`` (counts, millions), ``energy_uJ`` and ``vs_LIF`` (energy ÷ LIF's)."""
    import pandas as pd

    from snnlab import energy
    from snnlab.paper_data import ILIF_FIRING_RATES, ILIF_TIMESTEPS

    rows = []
    for task, d in ILIF_FIRING_RATES.items():
        layers, T = energy.CLIF_ENERGY_NETWORKS[task], ILIF_TIMESTEPS[task]
        for model in ("ANN", "LIF", "ILIF"):
            neuron = None if model == "ANN" else model
            rates = None if neuron is None else [v / 100.0 for v in d[model]]
            for conv, fn in (("sop", usual_sop), ("authors_sop", authors_sop)):
                acs, macs = fn(layers, neuron, T, rates)
                rows.append({"task": task, "T": T, "model": model, "convention": conv, "ACs_M": acs / 1e6,
                             "MACs_M": macs / 1e6, "energy_uJ": energy.sop_energy(acs, macs) * 1e-6})
            e = energy.lemaire_energy(layers, None if neuron is None else energy.NEURON_COSTS[model.lower()], T,
                                      rates)
            rows.append({"task": task, "T": T, "model": model, "convention": "lemaire", "ACs_M": float("nan"),
                         "MACs_M": float("nan"), "energy_uJ": e["total_mJ"] * 1e3})
    df = pd.DataFrame(rows)
    lif = df[df.model == "LIF"].set_index(["task", "convention"]).energy_uJ
    df["vs_LIF"] = [r.energy_uJ / lif[(r.task, r.convention)] for r in df.itertuples()]
    return df


# ============================================================================================ claims
def _effect_n1(a: Mapping, b: Optional[Mapping], unit: str) -> stats.Effect:
    d = {k: a[k] - (b[k] if b is not None else 0.0) for k in a}
    v = float(next(iter(d.values())))
    return stats.Effect(mean=v, ci_low=float("nan"), ci_high=float("nan"), n=len(d), sd=float("nan"),
                        se=float("nan"), df=0.0, seeds=tuple(d), unit=unit)


def _measured(claim: stats.Claim, a: Mapping, b: Optional[Mapping], profile: str,
              fidelity: str = "re-measured at this scale", unit: str = "paired seeds") -> stats.ClaimRow:
    """The row of a paired comparison ``a − b`` (``{seed: value}``; ``b=None``: ``a`` holds the differences);
    fewer than 5 pairs give ``inconclusive (n < 5)``."""
    common = sorted(set(a) & (set(b) if b is not None else set(a)))
    a = {k: float(a[k]) for k in common}
    b = None if b is None else {k: float(b[k]) for k in common}
    if len(common) < 2:
        eff = _effect_n1(a, b, unit)
    else:
        eff = stats.paired_effect(a, b, unit=unit)
    return claim.evaluate(eff, profile, fidelity, on_few="inconclusive")


def _by_seed(df, neuron: str, col: str, gamma: Optional[float] = None) -> Dict[Any, float]:
    d = df[df.neuron == neuron]
    if gamma is not None:
        d = d[np.isclose(d.gamma, gamma)]
    return {int(s): float(v) for s, v in zip(d.seed, d[col]) if v is not None and np.isfinite(v)}


def _slopes(df, neuron: str, col: str) -> Dict[Any, float]:
    out = {}
    for s, d in df[df.neuron == neuron].groupby("seed"):
        d = d[np.isfinite(d[col].astype(float))]
        if d.gamma.nunique() >= 2:
            out[int(s)] = float(np.polyfit(np.log2(d.gamma.astype(float)), d[col].astype(float), 1)[0])
    return out


#: what each claim measures at paper scale (the measure text of its ``not run`` rows)
_SWEEP_MEASURES = {"I1": "LIF's test firing rate against γ (slope over log2 γ, per seed)",
                   "I2": "LIF at the narrowest γ against γ = V_th: window occupancy and first-layer gradient",
                   "I3": "in-window temporal factor in the trained networks at γ = V_th, ILIF − LIF",
                   "I5": "spread of the best test accuracy over γ and of the final training loss over seeds"}
_TABLE_MEASURES = {"I4": "mean test firing rate and energy per sample, ILIF − LIF",
                   "I6": "best test accuracy, ILIF − LIF (points)"}


def _not_run(cid: str, measure: str, notebook: str, profile: str = "paper", reason: str = "") -> stats.ClaimRow:
    cmd = f"python -m snnlab launch notebooks/ilif/{notebook}.ipynb --profile {profile}"
    return _claim(cid, measure).not_run(cmd, profile=profile, reason=reason or
                                        "needs the paper's datasets and a GPU (ilif.md §3.1)")


def _sweep_rows(runs, probes, profile: str, set_name: str) -> List[stats.ClaimRow]:
    """Measured rows of I1, I2, I3, I5 from one γ-sweep set (``runs``/``probes`` of :func:`collect` /
    :func:`probe_runs`, restricted to the set)."""
    rows: List[stats.ClaimRow] = []
    where = f" ({set_name})" if set_name not in ("quick", "smoke") else ""
    gammas = sorted(runs.gamma.unique())
    lo, hi = min(gammas), max(gammas)
    base = V_TH if any(np.isclose(gammas, V_TH)) else lo
    rows.append(_measured(_claim("I1", f"LIF's test firing rate: slope against log2 γ over γ = "
                                       f"{', '.join(f'{g:g}' for g in gammas)}, per seed{where}",
                                 units="per doubling of γ"), _slopes(runs, "lif", "firing_rate"), None, profile))
    rows.append(_measured(_claim("I1", f"LIF's test firing rate at γ = {hi:g} − at γ = {base:g}{where}"),
                          _by_seed(runs, "lif", "firing_rate", hi), _by_seed(runs, "lif", "firing_rate", base),
                          profile))
    rows.append(_measured(_claim("I1", f"firing-rate slope against log2 γ, LIF − ILIF (ILIF grows less){where}",
                                 units="per doubling of γ"),
                          _slopes(runs, "lif", "firing_rate"), _slopes(runs, "ilif", "firing_rate"), profile))
    if lo < base and probes is not None and len(probes):
        rows.append(_measured(_claim("I2", f"LIF's window occupancy P(|H − V_th| ≤ γ/2) in the trained network, "
                                           f"γ = {lo:g} − γ = {base:g}{where}", direction="less"),
                              _by_seed(probes, "lif", "occupancy", lo), _by_seed(probes, "lif", "occupancy", base),
                              profile))
        rows.append(_measured(_claim("I2", f"log10 of LIF's first-layer weight-gradient norm (test batch), γ = {lo:g} "
                                           f"− γ = {base:g}{where}", direction="less"),
                              {k: math.log10(v) for k, v in _by_seed(probes, "lif", "grad_first", lo).items() if v > 0},
                              {k: math.log10(v) for k, v in _by_seed(probes, "lif", "grad_first", base).items()
                               if v > 0},
                              profile))
    if probes is not None and len(probes) and any(np.isclose(gammas, V_TH)):
        rows.append(_measured(_claim("I3", f"in-window temporal factor |∂H[t+1]/∂H[t]| in the trained networks at "
                                           f"γ = V_th, ILIF − LIF{where}"),
                              _by_seed(probes, "ilif", "tf_window", V_TH), _by_seed(probes, "lif", "tf_window", V_TH),
                              profile))
    spread = {n: {int(s): float(d.best_test_acc.max() - d.best_test_acc.min())
                  for s, d in runs[runs.neuron == n].groupby("seed")} for n in ("lif", "ilif")}
    rows.append(_measured(_claim("I5", f"range of the best test accuracy over the γ grid, per seed, LIF − ILIF "
                                       f"(points; ILIF less sensitive to γ){where}", units="points"),
                          {k: 100 * v for k, v in spread["lif"].items()},
                          {k: 100 * v for k, v in spread["ilif"].items()}, profile))
    dev = {}
    for n in ("lif", "ilif"):
        d = runs[runs.neuron == n].copy()
        d["dev"] = (d.final_train_loss - d.groupby("gamma").final_train_loss.transform("mean")).abs()
        dev[n] = {int(s): float(v) for s, v in d.groupby("seed").dev.mean().items()}
    rows.append(_measured(_claim("I5", f"|final training loss − its mean over seeds|, mean over γ, LIF − ILIF (seed "
                                       f"spread, Levene-style){where}"), dev["lif"], dev["ilif"], profile))
    return rows


def _table_rows(table, profile: str, name: str) -> List[stats.ClaimRow]:
    rows: List[stats.ClaimRow] = []
    where = f" ({name})" if name not in ("fmnist", "smoke") else ""
    rows.append(_measured(_claim("I6", f"best test accuracy, ILIF − LIF (points){where}", units="points"),
                          {k: 100 * v for k, v in _by_seed(table, "ilif", "best_test_acc").items()},
                          {k: 100 * v for k, v in _by_seed(table, "lif", "best_test_acc").items()}, profile))
    rows.append(_measured(_claim("I4", f"mean test firing rate, ILIF − LIF{where}", direction="less"),
                          _by_seed(table, "ilif", "firing_rate"), _by_seed(table, "lif", "firing_rate"), profile))
    for col, what in (("energy_sop_uJ", "SOP convention"), ("energy_lemaire_uJ", "memory-aware model")):
        a, b = _by_seed(table, "ilif", col), _by_seed(table, "lif", col)
        rel = {k: 100 * (a[k] / b[k] - 1) for k in a if k in b and b[k] > 0}
        if rel:
            rows.append(_measured(_claim("I4", f"energy per test sample ({what}), ILIF ÷ LIF − 1 (%){where}",
                                         direction="less", units="%"), rel, None, profile))
    return rows


def _authors_rows() -> List[stats.ClaimRow]:
    """I4 at paper scale from the authors' per-layer rates (one network per neuron and task): ILIF − LIF paired over
    the layers, with their energy comparison recomputed under both conventions in the sentence."""
    from snnlab.paper_data import ILIF_FIRING_RATES

    en = authors_energy().set_index(["task", "model", "convention"]).vs_LIF
    rows = []
    for task, d in ILIF_FIRING_RATES.items():
        eff = stats.paired_effect(d["ILIF"], d["LIF"], unit="paired layers")
        claim = _claim("I4", f"per-layer firing rate ILIF − LIF (points), paired over the {len(d['LIF'])} spiking "
                             f"layers of the authors' networks ({task}, ilif.md §3.6b)", direction="less",
                       units="points")
        row = claim.from_numbers(eff)
        energy_text = (f"; their energy recomputed, ILIF ÷ LIF: SOP convention {en[(task, 'ILIF', 'sop')]:.3f}, "
                       f"their script's SOP count {en[(task, 'ILIF', 'authors_sop')]:.3f}, memory-aware model "
                       f"{en[(task, 'ILIF', 'lemaire')]:.3f}")
        rows.append(dataclasses.replace(row, detail=row.detail + energy_text))
    return rows


def claims(profile: str, ids: Optional[Sequence[str]] = None, *, train_missing: bool = False,
           samples: Optional[int] = None, identities: bool = True) -> List[stats.ClaimRow]:
    """One or more ``stats.ClaimRow`` per claim I1–I6 (``ids`` restricts them) for ``profile``:

    * identities (I2, I3; :func:`identity_rows`), in every profile;
    * measured rows from the finished runs of the profile's γ sweep (I1, I2, I3, I5) and results table (I4, I6),
      paired by seed (``inconclusive (n < 5)`` below five pairs); missing runs give ``not run`` rows with the
      command (``train_missing=True`` trains them first). The quick baselines go through
      :func:`check_baselines` first (``stats.BaselineError`` stops here);
    * I4 from the authors' per-layer rates (ilif.md §3.6b; fidelity "authors' numbers");
    * outside the paper profiles: the paper-scale rows (``not run``, with the launch command).
    """
    want = set(ids or CLAIMS)
    unknown = want - set(CLAIMS)
    if unknown:
        raise ValueError(f"unknown ILIF claim ids {sorted(unknown)}; valid: {', '.join(CLAIMS)}")
    samples = samples or C.by_profile(profile, **{k.replace("-", "_"): v for k, v in PROBE_SAMPLES.items()})
    rows: List[stats.ClaimRow] = []
    if identities and want & {"I2", "I3"}:
        rows += [r for r in identity_rows() if r.claim.split(":")[0] in want]
    if want & {"I1", "I2", "I3", "I5"}:
        entries = sweep_plan(profile)
        runs, _, missing = collect(entries, train_missing=train_missing, progress=False)
        if len(missing) or not len(runs):
            why = f"{len(missing)} of {len(entries)} runs of the γ sweep are not finished"
            rows += [_not_run(c, f"{_SWEEP_MEASURES[c]} ({', '.join(sweep_grid(profile)['sets'])})", "03_gamma_sweep",
                              profile, reason=why) for c in ("I1", "I2", "I3", "I5") if c in want]
        else:
            probes, _ = probe_runs(entries, samples)
            for set_name, d in runs.groupby("set", sort=False):
                p = probes[probes.set == set_name] if len(probes) else probes
                rows += [r for r in _sweep_rows(d, p, profile, set_name) if r.claim.split(":")[0] in want]
    if want & {"I4", "I6"}:
        entries = table_plan(profile)
        table, _, missing = collect(entries, train_missing=train_missing, progress=False)
        check_baselines(table, profile)
        for t in table_grid(profile)["tables"]:
            d = table[table.table == t] if len(table) else table
            if not len(d) or not {"lif", "ilif"} <= set(d.neuron):
                rows += [_not_run(c, f"{_TABLE_MEASURES[c]} ({t})", "04_results_tables", profile,
                                  reason="its LIF or ILIF runs are not finished") for c in ("I4", "I6") if c in want]
                continue
            rows += [r for r in _table_rows(d, profile, t) if r.claim.split(":")[0] in want]
    if "I4" in want:
        rows += _authors_rows()
    if not C.is_paper(profile):
        for c in ("I1", "I2", "I3", "I5", "I6"):
            if c in want:
                m, nb = ((_SWEEP_MEASURES[c] + " (CIFAR-10: ResNet-18 and snn5_noAP, γ 0.25–4, 3 seeds)",
                          "03_gamma_sweep") if c != "I6" else
                         (_TABLE_MEASURES[c] + " (CIFAR-10/100, CIFAR10-DVS, DVS128 Gesture; ilif.md §3.1)",
                          "04_results_tables"))
                rows.append(_not_run(c, m, nb))
    order = {c: i for i, c in enumerate(CLAIMS)}
    return sorted(rows, key=lambda r: order[r.claim.split(":")[0]])


def claims_frame(rows: Sequence[stats.ClaimRow]):
    """The rows as a DataFrame (``stats.claims_frame``) with the columns a notebook shows."""
    df = stats.claims_frame(rows)
    return df[["claim", "measure", "profile", "n_seeds", "effect", "ci_low", "ci_high", "verdict", "fidelity",
               "detail"]]


# ============================================================================================ summaries
def sweep_summary(runs, probes=None):
    """Per set, neuron and γ: seed means and 95 % intervals (t, over seeds) of firing rate, best test accuracy,
    SOP energy, and (with ``probes``) window occupancy and in-window temporal factor."""
    import pandas as pd

    if not len(runs):
        return pd.DataFrame(columns=["set", "neuron", "gamma", "seeds"])
    df = runs.copy()
    if probes is not None and len(probes):
        df = df.merge(probes, on=["set", "neuron", "gamma", "seed"], how="left")
    cols = [c for c in ("firing_rate", "best_test_acc", "final_test_acc", "energy_sop_uJ", "energy_lemaire_uJ",
                        "final_train_loss", "occupancy", "tf_window", "grad_first") if c in df]
    rows = []
    for (s, n, g), d in df.groupby(["set", "neuron", "gamma"], sort=True):
        row = {"set": s, "neuron": n, "gamma": g, "seeds": len(d)}
        for c in cols:
            m, lo, hi = _mean_ci(d[c])
            row.update({c: m, f"{c}_lo": lo, f"{c}_hi": hi})
        rows.append(row)
    return pd.DataFrame(rows)


def table_summary(table):
    """Per table and neuron: seed means and 95 % intervals of best and final test accuracy, firing rate and both
    energies."""
    import pandas as pd

    if not len(table):
        return pd.DataFrame(columns=["table", "neuron", "seeds"])
    rows = []
    for (t, n), d in table.groupby(["table", "neuron"], sort=False):
        row = {"table": t, "neuron": n, "seeds": len(d)}
        for c in ("best_test_acc", "final_test_acc", "firing_rate", "energy_sop_uJ", "energy_lemaire_uJ"):
            m, lo, hi = _mean_ci(d[c])
            row.update({c: m, f"{c}_lo": lo, f"{c}_hi": hi})
        rows.append(row)
    return pd.DataFrame(rows)


def _mean_ci(values) -> Tuple[float, float, float]:
    v = [float(x) for x in values if x is not None and np.isfinite(float(x))]
    if not v:
        return float("nan"), float("nan"), float("nan")
    if len(v) < 2:
        return v[0], v[0], v[0]
    e = stats.paired_effect(v)
    return e.mean, e.ci_low, e.ci_high


# ============================================================================================ figures
_fig = C.figure_spec


def fig_worked_trace(traces, profile: str) -> dict:
    """H, V, spikes and ILIF's A and M on the spec's worked input, one column per τ."""
    from snnlab.plotting import NEURON_COLORS, figure

    taus = list(dict.fromkeys(traces.tau))
    fig, axes = figure(4, len(taus), width=4.2 * len(taus), height=7.5, sharex=True, squeeze=False)
    for j, tau in enumerate(taus):
        d = traces[traces.tau == tau]
        ax = axes[0, j]
        for k in ("LIF", "ILIF"):
            ax.plot(d.t, d[f"{k}_H"], "o-", color=NEURON_COLORS[k.lower()], label=f"{k} H")
        ax.axhline(V_TH, color="k", ls="--", lw=0.8, label="V_th")
        ax.set_title(f"worked input (ilif.md §1.6), τ = {tau}")
        ax.set_ylabel("H (pre-reset)")
        ax.legend(fontsize=7)
        ax = axes[1, j]
        for k in ("LIF", "ILIF"):
            ax.plot(d.t, d[f"{k}_V"], "s-", color=NEURON_COLORS[k.lower()], label=f"{k} V")
        ax.axhline(0, color="0.6", lw=0.6)
        ax.set_ylabel("V (post-reset)")
        ax.legend(fontsize=7)
        for i, k in enumerate(("LIF", "ILIF")):
            axes[2, j].vlines(d.t[d[f"{k}_S"] > 0], i, i + 0.8, color=NEURON_COLORS[k.lower()], lw=2)
        axes[2, j].set_yticks([0.4, 1.4], ["LIF", "ILIF"])
        axes[2, j].set_ylabel("S")
        axes[3, j].plot(d.t, d.ILIF_A, "^-", color="#8172B3", label="ILIF A (current inhibition)")
        axes[3, j].plot(d.t, d.ILIF_M, "v-", color="#937860", label="ILIF M (membrane inhibition)")
        axes[3, j].set_ylabel("A, M")
        axes[3, j].set_xlabel("time step t")
        axes[3, j].legend(fontsize=7)
    return _fig(fig, "01_worked_trace", traces,
                "LIF and ILIF on the spec's worked input X = [1.2, 1.2, 1.2, 1.2, 0.3, 2.5] (ilif.md §1.6): "
                "pre-reset H, post-reset V, spikes S and ILIF's inhibitory units A and M (V_th = 1, κ_I = 0.03, "
                f"κ_M = 1, soft reset). Our simulation of the official code's neuron, not a paper figure; profile "
                f"{profile}.",
                {"neurons": ["lif", "ilif"], "taus": taus, "v_threshold": V_TH, "kappa_i": KAPPA_I,
                 "kappa_m": KAPPA_M})


def fig_poisson(traces, config: Mapping, profile: str) -> dict:
    """Input, H and V, spikes and ILIF's A and M under the same Poisson input."""
    from snnlab.plotting import NEURON_COLORS, figure

    fig, axes = figure(4, 1, width=8, height=7, sharex=True)
    t = traces.t
    axes[0].step(t, traces.X, where="mid", color="0.4", lw=1)
    axes[0].set_ylabel("X (input)")
    axes[0].set_title(f"Poisson input ({config.get('inputs')} trains, p = {config.get('rate')}, w = "
                      f"{config.get('weight')}), τ = {config.get('tau')}")
    for k in ("LIF", "ILIF"):
        axes[1].plot(t, traces[f"{k}_H"], color=NEURON_COLORS[k.lower()], lw=1.2, label=f"{k} H")
        axes[1].plot(t, traces[f"{k}_V"], color=NEURON_COLORS[k.lower()], lw=0.8, ls=":", label=f"{k} V")
    axes[1].axhline(V_TH, color="k", ls="--", lw=0.8)
    axes[1].set_ylabel("H, V")
    axes[1].legend(fontsize=7, ncol=4)
    for i, k in enumerate(("LIF", "ILIF")):
        axes[2].vlines(t[traces[f"{k}_S"] > 0], i, i + 0.8, color=NEURON_COLORS[k.lower()])
    axes[2].set_yticks([0.4, 1.4], [f"LIF ({traces.LIF_S.mean():.2f})", f"ILIF ({traces.ILIF_S.mean():.2f})"])
    axes[2].set_ylabel("S (rate)")
    axes[3].plot(t, traces.ILIF_A, color="#8172B3", label="A")
    axes[3].plot(t, traces.ILIF_M, color="#937860", label="M")
    axes[3].set_ylabel("ILIF A, M")
    axes[3].set_xlabel("time step t")
    axes[3].legend(fontsize=7)
    return _fig(fig, "01_poisson_trace", traces,
                "LIF and ILIF driven by the same Poisson input: input X, potentials H and V, spikes (rate in the "
                "label) and ILIF's inhibitory units A and M. Our simulation of the official code's neuron, not a "
                f"paper figure; profile {profile}.", dict(config))


def fig_rate_vs_input(rates, profile: str) -> dict:
    """Forward firing rate against the input mean, one panel per τ."""
    from snnlab.plotting import NEURON_COLORS, figure

    taus = list(dict.fromkeys(rates.tau))
    fig, axes = figure(1, len(taus), width=4.2 * len(taus), height=3.6, sharey=True, squeeze=False)
    for j, tau in enumerate(taus):
        ax = axes[0, j]
        for mode, ls in (("static", "-"), ("iid", "--")):
            d = rates[(rates.tau == tau) & (rates["mode"] == mode)]
            for k in ("LIF", "ILIF"):
                ax.plot(d.mu, d[k], ls, marker="o", ms=3, color=NEURON_COLORS[k.lower()], label=f"{k} ({mode})")
        ax.set_title(f"τ = {tau} (λ = {1 - 1 / tau:.3f}), T = {int(rates['T'].iloc[0])}")
        ax.set_xlabel("input mean μ")
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("forward firing rate (spikes / neuron / step)")
    return _fig(fig, "01_rate_vs_input", rates,
                "Forward-only firing rate of LIF and ILIF against the input mean μ (X ~ N(μ, σ²) per neuron, static "
                "or redrawn every step), no training (γ plays no role). Our measurement, not a paper figure; "
                f"profile {profile}.", {"taus": taus, "T": int(rates["T"].iloc[0])})


def fig_temporal_factor(sweep, profile: str, config: Mapping) -> dict:
    """Mean |∂H[t+1]/∂H[t]| against γ per surrogate and τ, with LIF's closed form and the spec's ILIF values."""
    from snnlab.paper_data import ILIF_TEMPORAL_FACTOR_TABLE
    from snnlab.plotting import NEURON_COLORS, figure

    surs, taus = list(dict.fromkeys(sweep.surrogate)), list(dict.fromkeys(sweep.tau))
    fig, axes = figure(len(surs), len(taus), width=4.2 * len(taus), height=3.3 * len(surs), sharex=True,
                       squeeze=False)
    for i, sur in enumerate(surs):
        for j, tau in enumerate(taus):
            ax = axes[i, j]
            d = sweep[(sweep.surrogate == sur) & (sweep.tau == tau)]
            for k in ("lif", "ilif"):
                dk = d[d.neuron == k]
                ax.plot(dk.gamma, dk.tf_window, "o-", color=NEURON_COLORS[k], label=f"{k.upper()} (in window)")
                ax.plot(dk.gamma, dk.tf_all, ":", color=NEURON_COLORS[k], label=f"{k.upper()} (all neuron-steps)")
            if sur == "rectangle":
                gg = np.geomspace(d.gamma.min(), d.gamma.max(), 400)
                ax.plot(gg, (1 - 1 / tau) * np.abs(1 - V_TH / gg), "--", color=NEURON_COLORS["lif"], lw=0.8,
                        label="LIF closed form λ|1 − V_th/γ|")
                spec = [r for r in ILIF_TEMPORAL_FACTOR_TABLE if r["tau"] == tau]
                if spec:
                    ax.plot([r["gamma"] for r in spec], [r["ILIF"] for r in spec], "x", color="k", ms=6,
                            label="spec §2.3 ILIF (earlier A rule)")
            ax.axvline(V_TH, color="0.5", lw=0.7, ls="--")
            ax.set_xscale("log", base=2)
            ax.set_title(f"{sur}, τ = {tau}")
            if j == 0:
                ax.set_ylabel("mean |∂H[t+1]/∂H[t]|")
            if i == len(surs) - 1:
                ax.set_xlabel("surrogate width γ")
    axes[0, 0].legend(fontsize=6)
    return _fig(fig, "02_temporal_factor", sweep,
                "Mean one-step temporal factor |∂H[t+1]/∂H[t]| against the surrogate width γ for untrained LIF and "
                f"ILIF (X ~ N({config.get('mu')}, {config.get('sigma')}²) i.i.d., T = {config.get('T')}), autograd; "
                "in the window (solid) and over all neuron-steps (dotted); LIF's closed form dashed (0 at γ = V_th); "
                "crosses: the spec's simulated ILIF values (ilif.md §2.3, simulated with an earlier rule for "
                f"d max(A, 0)/dA). Our measurement, not a paper figure; profile {profile}.", dict(config))


def fig_window_gradient(sweep, profile: str, config: Mapping) -> dict:
    """Window fraction and the gradient that reaches step 1, against γ (rectangle)."""
    from snnlab.plotting import NEURON_COLORS, figure

    rect = sweep[sweep.surrogate == "rectangle"]
    taus = list(dict.fromkeys(rect.tau))
    fig, axes = figure(1, 2, width=9, height=3.4, squeeze=False)
    for tau, ls in zip(taus, ("-", "--", ":", "-.")):
        for k in ("lif", "ilif"):
            d = rect[(rect.tau == tau) & (rect.neuron == k)]
            axes[0, 0].plot(d.gamma, d.fraction_in_window, ls, marker="o", ms=3, color=NEURON_COLORS[k],
                            label=f"{k.upper()}, τ = {tau}")
            axes[0, 1].plot(d.gamma, d.grad_step1.clip(lower=1e-30), ls, marker="o", ms=3, color=NEURON_COLORS[k],
                            label=f"{k.upper()}, τ = {tau}")
    g = np.geomspace(rect.gamma.min(), rect.gamma.max(), 200)
    axes[0, 0].plot(g, [occupancy_closed_form(v, config.get("mu", 0.8), config.get("sigma", 0.6)) for v in g],
                    color="k", lw=0.8, ls="--", label="step 1, closed form (identity)")
    axes[0, 0].set_ylabel("P(|H − V_th| ≤ γ/2)")
    axes[0, 0].set_title("fraction of potentials inside the window")
    axes[0, 1].set_yscale("log")
    axes[0, 1].axvline(V_TH, color="0.5", lw=0.7, ls="--")
    axes[0, 1].set_ylabel(f"mean |∂S[{config.get('T')}]/∂X[1]| (zeros drawn at 1e-30)")
    axes[0, 1].set_title(f"gradient reaching step 1 from a loss at step T = {config.get('T')}")
    for ax in axes[0]:
        ax.set_xscale("log", base=2)
        ax.set_xlabel("surrogate width γ")
        ax.legend(fontsize=7)
    data = rect[["tau", "gamma", "neuron", "fraction_in_window", "fraction_in_window_T", "grad_step1",
                 "reach_step1"]]
    return _fig(fig, "02_window_and_step1_gradient", data,
                "Rectangle surrogate, untrained neurons (X ~ N(μ, σ²) i.i.d.): left, the fraction of pre-reset "
                "potentials inside the window against γ, with the first step's closed form; right, the mean "
                "gradient |∂S[T]/∂X[1]| reaching the first step from a loss on the last step's spikes (log scale). "
                f"Our measurement, not a paper figure; profile {profile}.", dict(config))


def _gamma_points(ax, summary, col: str, scale: float = 1.0) -> None:
    from snnlab.plotting import NEURON_COLORS

    for i, n in enumerate(("lif", "ilif")):
        d = summary[summary.neuron == n].sort_values("gamma")
        if not len(d) or d[col].isna().all():
            continue
        x = d.gamma * (1.06 if i else 1 / 1.06)   # side by side on the log axis
        m, lo, hi = scale * d[col], scale * d[f"{col}_lo"], scale * d[f"{col}_hi"]
        ax.errorbar(x, m, yerr=[m - lo, hi - m], fmt="o-", ms=4, capsize=3, color=NEURON_COLORS[n], label=n.upper())
    ax.axvline(V_TH, color="0.6", lw=0.7, ls="--")
    ax.set_xscale("log", base=2)


def fig_gamma_sweep(summary, runs, profile: str, set_name: str) -> dict:
    """Firing rate, best test accuracy, SOP energy and the trained networks' in-window temporal factor against γ:
    seed means with 95 % intervals."""
    from snnlab.plotting import figure

    s = summary[summary.set == set_name]
    r = runs[runs.set == set_name]
    seeds = sorted(r.seed.unique())
    fig, axes = figure(2, 2, width=9.5, height=6.6, sharex=True)
    panels = [("firing_rate", 1.0, "test firing rate (spikes/neuron/step)"),
              ("best_test_acc", 100.0, "best test accuracy (%)"),
              ("energy_sop_uJ", 1.0, "energy per sample, SOP convention (µJ)"),
              ("tf_window", 1.0, "in-window |∂H[t+1]/∂H[t]| (trained)")]
    for ax, (col, scale, label) in zip(axes.flat, panels):
        if col in s:
            _gamma_points(ax, s, col, scale)
        ax.set_ylabel(label)
    lo, hi = axes[0, 1].get_ylim()
    axes[0, 1].set_ylim(max(lo, 0.0), min(hi, 100.0))   # an interval beyond 0-100 % is drawn up to the edge
    for ax in axes[1]:
        ax.set_xlabel("rectangle surrogate width γ")
    axes[0, 0].legend(fontsize=8)
    cfg = r.run.iloc[0] if len(r) else "-"
    fig.suptitle(f"γ sweep ({set_name}): LIF and ILIF, {len(seeds)} paired seeds, means with 95 % intervals",
                 fontsize=10)
    return _fig(fig, f"03_gamma_sweep_{set_name}", s,
                f"LIF and ILIF trained with the rectangle surrogate of width γ ({set_name} set; runs like {cfg}; seeds "
                f"{seeds}): final test firing rate, best test accuracy, energy per test sample (SOP convention; at "
                "this toy scale an energy figure only ranks the runs, it does not estimate hardware energy) and the "
                "in-window temporal factor measured inside the trained networks, against γ; seed means with 95 % "
                f"t intervals. Our measurement, not a paper figure; profile {profile}.",
                {"set": set_name, "seeds": seeds, "gammas": sorted(r.gamma.unique())})


def fig_train_loss(epochs, profile: str) -> dict:
    """Training loss per epoch (mean ± 95 % interval over seeds) for LIF and ILIF at each γ."""
    from snnlab.plotting import NEURON_COLORS, figure, integer_epochs

    sets = list(dict.fromkeys(epochs.set))
    fig, axes = figure(1, len(sets), width=4.8 * len(sets), height=3.5, squeeze=False)
    styles = ("-", "--", ":", "-.", (0, (5, 1)), (0, (1, 3)), (0, (3, 1, 1, 1)))
    for ax, s in zip(axes[0], sets):
        e = epochs[epochs.set == s]
        for n in ("lif", "ilif"):
            for g, ls in zip(sorted(e.gamma.unique()), styles):
                d = e[(e.neuron == n) & np.isclose(e.gamma, g)]
                pts = [(ep, *_mean_ci(x.train_loss)) for ep, x in d.groupby("epoch")]
                if not pts:
                    continue
                ep, m, lo, hi = map(np.asarray, zip(*pts))
                ax.plot(ep, m, ls=ls, marker="o", ms=3, color=NEURON_COLORS[n], label=f"{n.upper()} γ={g:g}")
                ax.fill_between(ep, lo, hi, color=NEURON_COLORS[n], alpha=0.1)
        integer_epochs(ax)
        last = int(e.epoch.max())
        if last <= 12:   # few epochs: one tick per epoch (the locator would add fractional ticks around one epoch)
            ax.set_xticks(range(1, last + 1))
            ax.set_xlim(0.5, last + 0.5)
        ax.set_title(s)
        ax.set_ylabel("training loss (mean, 95 % interval)")
        ax.legend(fontsize=6, ncol=2)
    return _fig(fig, "03_train_loss", epochs,
                "Training loss per epoch of LIF and ILIF at each γ (seed mean with its 95 % interval): the seed "
                f"spread is one reading of 'training stability'. Our measurement; profile {profile}.",
                {"sets": sets})


def fig_results(summary, runs, profile: str, table: str, title: str = "") -> dict:
    """Accuracy as points with 95 % intervals, firing rate and energy per sample as bars from zero with intervals,
    one colour per neuron."""
    from snnlab.plotting import figure, interval_bars, interval_points

    s = summary[summary.table == table]
    r = runs[runs.table == table]
    order = list(s.neuron)
    spiking = [n for n in order if n != "relu"]

    def vals(col, neurons, scale=1.0):
        out = {}
        for n in neurons:
            v = [scale * float(x) for x in r[r.neuron == n][col] if x is not None and np.isfinite(float(x))]
            if v:
                out[n.upper() if n != "relu" else "ANN"] = v if len(v) > 1 else (v[0], v[0], v[0])
        return out

    title = title or PAPER_TABLES.get(table, (_TITLES.get(table, table),))[0]
    fig, axes = figure(1, 4, width=15, height=3.5)
    interval_points(axes[0], vals("best_test_acc", order, 100.0), ylabel="best test accuracy (%)")
    lo, hi = axes[0].get_ylim()
    axes[0].set_ylim(max(lo, 0.0), min(hi, 100.0))   # an interval beyond 0-100 % is drawn up to the edge
    interval_bars(axes[1], vals("firing_rate", spiking), ylabel="mean test firing rate")
    interval_bars(axes[2], vals("energy_sop_uJ", order), ylabel="energy / sample, SOP (µJ)")
    interval_bars(axes[3], vals("energy_lemaire_uJ", order), ylabel="energy / sample, memory-aware (µJ)")
    n_seeds = int(s.seeds.max()) if len(s) else 0
    fig.suptitle(f"{title}: {n_seeds} seed(s) per neuron, means with 95 % intervals", fontsize=10)
    toy = " At this toy scale the energy models only rank the runs (tiny layers, SRAM costs interpolated on small " \
          "counts); they do not estimate hardware energy." if table in ("fmnist", "smoke") else ""
    return _fig(fig, f"04_results_{table}", s,
                f"{title}: best test accuracy (points with 95 % intervals over seeds), mean test firing "
                "rate and energy per test sample under the SOP convention (45 nm, 0.9/4.6 pJ) and the memory-aware "
                "model of the CLIF/ILIF scripts (ILIF with its authors' cost multipliers), bars from zero with 95 % "
                f"intervals, dots = seeds.{toy} Our runs; profile {profile}.",
                {"table": table, "runs": list(r.run)})


def fig_authors_rates(profile: str) -> dict:
    """The authors' per-layer firing rates of LIF and ILIF on the four tasks (ilif.md §3.6b)."""
    from snnlab.plotting import NEURON_COLORS, figure

    df = authors_rates()
    tasks = list(dict.fromkeys(df.task))
    fig, axes = figure(1, len(tasks), width=3.8 * len(tasks), height=3.3, squeeze=False)
    for ax, t in zip(axes[0], tasks):
        d = df[df.task == t]
        for k in ("LIF", "ILIF"):
            ax.plot(d.layer, d[k], "o-", ms=3, color=NEURON_COLORS[k.lower()], label=k)
        ax.set_ylim(bottom=0)
        ax.set_title(t)
        ax.set_xlabel("spiking layer")
        ax.xaxis.get_major_locator().set_params(integer=True)
    axes[0, 0].set_ylabel("firing rate (%)")
    axes[0, 0].legend(fontsize=8)
    return _fig(fig, "04_authors_rates", df,
                "Per-layer firing rates of LIF and ILIF as the ILIF authors list them in their energy script "
                "(ilif.md §3.6b; ResNet-18 on CIFAR-10/100 at T = 6, VGG-11 on DVS128 Gesture at T = 20 and "
                "CIFAR10-DVS at T = 10; one trained network each). The authors' numbers, plotted by us; profile "
                f"{profile}.", {"source": "ilif.md §3.6b (anonymous-ijcai1234/ILIF energy_cal.py)"})


def fig_authors_energy(energy_df, profile: str) -> dict:
    """ILIF's energy relative to LIF's under the three counts, per task (bars from zero, LIF = 1)."""
    from snnlab.plotting import NEURON_COLORS, figure

    d = energy_df[energy_df.model == "ILIF"]
    tasks = list(dict.fromkeys(d.task))
    convs = [("sop", "SOP convention"), ("authors_sop", "their script's SOP count"), ("lemaire", "memory-aware model")]
    fig, ax = figure(1, 1, width=8, height=3.4)
    w = 0.26
    for j, (c, label) in enumerate(convs):
        v = [float(d[(d.task == t) & (d.convention == c)].vs_LIF.iloc[0]) for t in tasks]
        ax.bar(np.arange(len(tasks)) + (j - 1) * w, v, w, color=NEURON_COLORS["ilif"], alpha=(0.45, 0.7, 1.0)[j],
               label=label, hatch=("", "//", "")[j], edgecolor="0.3")
    ax.axhline(1.0, color="0.2", lw=0.9, ls="--", label="LIF = 1")
    ax.set_xticks(range(len(tasks)), tasks)
    ax.set_ylim(0, max(1.2, float(d.vs_LIF.max()) * 1.1))
    ax.set_ylabel("ILIF energy ÷ LIF energy")
    ax.legend(fontsize=7, loc="lower right")
    return _fig(fig, "04_authors_energy", energy_df,
                "ILIF's energy per inference relative to LIF's, recomputed from the authors' per-layer firing rates "
                "(ilif.md §3.6b) under the usual SOP convention (0.9 pJ·SOPs + 4.6 pJ·MACs of the real-input layer), "
                "the SOP-like count of their script as written (input sizes paired with output rates, stride "
                "ignored, last layer left out, neuron-update MACs ×2/×3 for ILIF) and their memory-aware model "
                f"(Lemaire et al. 2022, ILIF multipliers of their script). The authors' numbers; profile {profile}.",
                {"source": "ilif.md §3.6b", "tasks": tasks})
