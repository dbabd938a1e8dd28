"""KLIF (Jiang & Zhang, arXiv 2302.09238; spec ``../shared/papers/klif.md``): the experiments of
``notebooks/klif`` as data, analyses, claims and figures.

Only the paper's abstract is known (klif.md §0); snnlab's KLIF follows SpikingJelly's ``KLIFNode``. The claims
(CLAIMS.md, KLIF) and how each is decided here:

* **K1** k rescales the surrogate's slope and width (effective threshold V_th/k, sharpness α·k): ``identity``,
  checked by measuring ∂S/∂H with autograd through snnlab's ``KLIF`` on a dense grid of H against the closed forms
  of klif.md §1.5 (:func:`surrogate_study`).
* **K2** the ReLU passes the potential selectively to firing and reset (no gradient below 0): ``identity``, the
  measured ∂S/∂H is exactly 0 for H ≤ 0, and the worked trace of klif.md §1.2 (reset applied to F = ReLU(kH)) is
  reproduced (:func:`worked_trace`).
* **K3** k is learned (it changes during training, per layer): per KLIF layer, the change of k from its initial
  value over the paired seeds of the study, a two-sided test (the sign is the observed one).
* **K4** KLIF is much better than LIF: best test accuracy KLIF − LIF (points), paired over the study's seeds;
  at paper scale ``not run`` outside the paper profile, with the launch command.
* **K5** no computational cost: KLIF relative to LIF in time per training step, test firing rate and SOPs per
  sample (paired, claimed ≤ +``K5_MARGIN`` %), and the parameter count (one scalar k per layer: ``identity``).
* **K6** state of the art with few time steps on six datasets: at paper scale per dataset (``not run`` outside the
  paper profile, with the launch command); Fashion-MNIST at this profile's scale as a stand-in (KLIF − PLIF).

**Families per profile** (the *study*: LIF, PLIF and KLIF, and KLIF with ``scale_reset``, trained identically,
paired by seed):

* ``smoke``: the registry's ``smoke-<neuron>`` (synthetic data, seconds) for 2 epochs, seeds ``(0, 1)``;
* ``quick``: the shared quick benchmark (``snnlab.papers.benchmark``: ``config(neuron, seed)`` and
  ``klif(seed, **variant)`` over ``KLIF_VARIANTS``, its ``SEEDS``): the same runs as every other paper's
  notebooks, shared by config hash;
* ``paper``: the registry's ``klif-fmnist-plifnet-<neuron>-T8`` (PLIF-like net, Fashion-MNIST, T = 8; network and
  recipe are INFERENCE, klif.md §3.2–3.3) over ``STUDY_SEEDS["paper"]``, plus the six datasets' registered
  ``klif-*`` configs (``PAPER_DATASETS``) for Table 1;
* ``paper-dryrun``: the paper plan cut by ``snnlab.papers.common.dryrun`` (fewer seeds).

The paper's figures are not known (klif.md §3.5): every figure here is ours (the spec's proposed F-a to F-e).
"""
from __future__ import annotations

import dataclasses
import inspect
import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from snnlab import stats
from snnlab.papers import benchmark, common
from snnlab.papers.common import PlanEntry

__all__ = [
    "PAPER", "TOPIC", "NOTEBOOKS", "NEURONS", "SCALE_RESET", "VARIANTS", "STUDY_FAMILY", "STUDY_SEEDS", "SMOKE_CELL",
    "PAPER_DATASETS", "K5_MARGIN", "CLAIMS", "KS", "ALPHAS", "MissingRuns",
    "study_seeds", "study_label", "study_plan", "dataset_plan", "plan", "plan_for",
    "closed_forms", "closed_form_table", "spec_table_check", "surrogate_study", "SurrogateStudy", "worked_trace", "subthreshold_dynamics",
    "identity_claims", "Study", "load_study", "accuracy_summary", "k_change", "study_claims", "effects_table",
    "check_baselines", "known_numbers", "paper_results", "paper_claims", "claims",
    "figure_surrogate_curves", "figure_measured_vs_closed", "figure_relu_cut", "figure_worked_trace",
    "figure_subthreshold", "figure_k_trajectories", "figure_training_curves", "figure_accuracy",
    "figure_effects",
]

PAPER = "klif"
TOPIC = "klif"
NOTEBOOKS = ("01_k_and_surrogate", "02_k_training", "03_results_tables")
NEURONS = ("lif", "plif", "klif")
#: KLIF with the reset scaled by k (klif.md §1.2 row 5b; SpikingJelly's later option)
SCALE_RESET = "klif scale_reset"
VARIANTS = NEURONS + (SCALE_RESET,)

#: the study's config family per profile (quick: the shared benchmark, see the module docstring)
STUDY_FAMILY: Mapping[str, str] = MappingProxyType({"smoke": "smoke", "paper": "klif-fmnist-plifnet-{neuron}-T8"})
#: the study's paired seeds per profile (a verdict needs 5: smoke and the dry run are "inconclusive (n < 5)")
STUDY_SEEDS: Mapping[str, Tuple[int, ...]] = MappingProxyType({
    "smoke": (0, 1), "quick": tuple(benchmark.SEEDS), "paper": (2022, 2023, 2024, 2025, 2026),
    "paper-dryrun": (2022, 2023)})
#: the smoke cells train 2 epochs so that k has a trajectory
SMOKE_CELL: Mapping[str, Any] = MappingProxyType({"epochs": 2})
#: K5: "no computational cost" is decided as "KLIF costs at most this many per cent more than LIF" [our margin]
K5_MARGIN = 10.0


class PaperDataset(NamedTuple):
    """A dataset of the paper: its label, the registry pattern of its paper-profile runs, T, the PLIF README's key
    (``paper_data.KLIF_PLIF_REFERENCE``) and the T of those reference numbers."""

    label: str
    family: str
    T: int
    ref_key: str
    ref_T: int


#: the paper's six datasets [ABS] with the spec's T (klif.md §3.3: CIFAR-10 10, Gesture 12, CIFAR10-DVS 15 via CLIF;
#: PLIF's T where the KLIF paper's is unknown) and the registry's klif-* configs (network and recipe: INFERENCE)
PAPER_DATASETS: Tuple[PaperDataset, ...] = (
    PaperDataset("MNIST", "klif-mnist-plifnet-{neuron}-T8", 8, "MNIST", 8),
    PaperDataset("Fashion-MNIST", "klif-fmnist-plifnet-{neuron}-T8", 8, "FashionMNIST", 8),
    PaperDataset("CIFAR-10", "klif-cifar10-resnet18-{neuron}-T10", 10, "CIFAR10", 8),
    PaperDataset("N-MNIST", "klif-nmnist-plifnet-{neuron}-T10", 10, "NMNIST", 10),
    PaperDataset("CIFAR10-DVS", "klif-dvscifar10-vgg11-{neuron}-T15", 15, "CIFAR10DVS", 20),
    PaperDataset("DVS128 Gesture", "klif-dvsgesture-vgg11-{neuron}-T12", 12, "DVS128Gesture", 20),
)

#: the claims of CLAIMS.md (KLIF); K3's direction is set by the observed sign (a two-sided test)
CLAIMS: Mapping[str, stats.Claim] = MappingProxyType({
    "K1": stats.Claim(PAPER, "K1", "The learnable k rescales the surrogate gradient's slope and width (effective "
                      "threshold V_th/k, sharpness α·k)", "abstract; klif.md §1.5, §2.3",
                      "∂S/∂H measured through snnlab's KLIF against the closed forms", direction=None),
    "K2": stats.Claim(PAPER, "K2", "The ReLU passes membrane potential to firing and reset selectively (no gradient "
                      "below 0)", "abstract; klif.md §1.2, §1.5", "∂S/∂H for H ≤ 0 through snnlab's KLIF",
                      direction=None),
    "K3": stats.Claim(PAPER, "K3", "k is learned: it changes during training, per layer", "abstract",
                      "k after training − k_init", units=""),
    "K4": stats.Claim(PAPER, "K4", "KLIF is much better than LIF", "abstract",
                      "best test accuracy, KLIF − LIF (points)", direction="greater", units="points"),
    "K5": stats.Claim(PAPER, "K5", "KLIF adds no computational cost", "abstract",
                      "KLIF relative to LIF (%)", direction="less", margin=K5_MARGIN, units="%"),
    "K6": stats.Claim(PAPER, "K6", "State-of-the-art accuracy with few time steps on MNIST, Fashion-MNIST, CIFAR-10, "
                      "N-MNIST, CIFAR10-DVS, DVS128 Gesture", "abstract; klif.md §3.4",
                      "best test accuracy, KLIF − PLIF (points)", direction="greater", units="points"),
})


class MissingRuns(RuntimeError):
    """Runs a computation needs are not finished; ``commands`` train them."""

    def __init__(self, what: str, commands: Sequence[str]):
        self.commands = list(commands)
        more = f" (and {len(self.commands) - 3} more)" if len(self.commands) > 3 else ""
        super().__init__(f"{what}: {len(self.commands)} run(s) not finished; train them with "
                         + "; ".join(self.commands[:3]) + more)


# ================================================================================================ plans
def _profile(profile: str) -> str:
    common.by_profile(profile, smoke=None)  # validates the profile name
    return profile


def study_seeds(profile: str) -> Tuple[int, ...]:
    return tuple(common.by_profile(_profile(profile), **{k.replace("-", "_"): v for k, v in STUDY_SEEDS.items()}))


def study_label(profile: str) -> str:
    """What the study trains in ``profile``, for tables and captions."""
    if profile == "quick":
        r = benchmark.RECIPES["fmnist"]
        test = "full test set" if r.get("test_subset") is None else f"{r['test_subset']} test images"
        return (f"Fashion-MNIST, shared quick benchmark ({r['model']} {dict(r['model_params'])}, "
                f"{r['train_subset']} training images, {r['epochs']} epochs, T = {r['T']}, {test})")
    if common.is_paper(profile):
        dry = " (DRY RUN: fake data, 1-2 steps)" if common.is_dryrun(profile) else ""
        return f"Fashion-MNIST, PLIF-like net, T = 8 (paper profile: klif-fmnist-plifnet-*-T8){dry}"
    return "synthetic images (smoke: registry smoke-<neuron>, 2 epochs)"


def _study_entry(profile: str, variant: str, seed: int) -> PlanEntry:
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    neuron = "klif" if variant == SCALE_RESET else variant
    labels = {"paper": PAPER, "variant": variant, "neuron": neuron, "seed": int(seed)}
    if profile == "quick":
        cfg = benchmark.klif(seed, scale_reset=True) if variant == SCALE_RESET else benchmark.config(neuron, seed)
        return PlanEntry(labels, cfg, benchmark.name(neuron))
    cell: Dict[str, Any] = {"neuron": neuron, "seed": int(seed)}
    if not common.is_paper(profile):
        cell.update(SMOKE_CELL)
    if variant == SCALE_RESET:
        cell["neuron_params.scale_reset"] = True
    family = STUDY_FAMILY["paper" if common.is_paper(profile) else "smoke"]
    (e,) = common.plan(family, cells=[cell], profile=profile)
    return PlanEntry(labels, e.config, e.base)


def study_plan(profile: str, variants: Sequence[str] = VARIANTS,
               seeds: Optional[Sequence[int]] = None) -> List[PlanEntry]:
    """The study's runs: ``variants`` × seeds (seed-major, so that pairs complete first)."""
    _profile(profile)
    seeds = study_seeds(profile) if seeds is None else tuple(seeds)
    return [_study_entry(profile, v, s) for s in seeds for v in variants]


def dataset_plan(profile: str = "paper") -> List[PlanEntry]:
    """The six datasets' registered paper configs (one seed each) for LIF, PLIF and KLIF; in ``paper-dryrun`` cut by
    ``common.dryrun``. Outside the paper profiles the paper configs themselves (read, never trained there)."""
    prof = profile if common.is_paper(profile) else "paper"
    out = []
    for d in PAPER_DATASETS:
        for n in NEURONS:
            (e,) = common.plan(d.family, cells=[{"neuron": n}], profile=prof)
            out.append(PlanEntry({"paper": PAPER, "dataset": d.label, "neuron": n, "T": d.T,
                                  "seed": e.config.seed}, e.config, e.base))
    return out


def plan_for(profile: str, notebook: str) -> List[PlanEntry]:
    """The runs notebook ``notebook`` (file stem) trains in ``profile``."""
    _profile(profile)
    stem = notebook[:-6] if notebook.endswith(".ipynb") else notebook
    stem = stem.rsplit("/", 1)[-1]
    if stem == "01_k_and_surrogate":
        return []  # analytic: measured through the neuron module, no training
    if stem == "02_k_training":
        return study_plan(profile)
    if stem == "03_results_tables":
        base = study_plan(profile, variants=NEURONS)
        return base + (dataset_plan(profile) if common.is_paper(profile) else [])
    raise ValueError(f"unknown KLIF notebook {notebook!r}; the notebooks are {', '.join(NOTEBOOKS)}")


def plan(profile: str, notebook: Optional[str] = None) -> List[PlanEntry]:
    """Every run the KLIF notebooks train in ``profile`` (``notebook``: one notebook's file stem); a run planned by
    two notebooks is listed once (by config hash, first labels)."""
    stems = NOTEBOOKS if notebook is None else (notebook,)
    return common.unique(e for stem in stems for e in plan_for(profile, stem))


# ================================================================================================ surrogate (01)
#: k values of the surrogate study and the SpikingJelly alphas (Sigmoid: KLIF's default 4; ATan: PLIF's 2)
KS = (0.5, 1.0, 1.5, 2.0, 3.0)
ALPHAS: Mapping[str, float] = MappingProxyType({"sigmoid": 4.0, "atan": 2.0})
_QUANTITIES = ("theta_eff", "peak", "fwhm", "area", "h0")


def closed_forms(surrogate: str, k: float, alpha: Optional[float] = None, v_threshold: float = 1.0) -> dict:
    """θ_eff, peak height, FWHM, area over H > 0 and height at H = 0⁺ of KLIF's ∂S/∂H (klif.md §1.5) for the
    Sigmoid (``snnlab.analysis.klif_closed_forms``) or the ATan surrogate of SpikingJelly's ``alpha``."""
    from snnlab import analysis

    if surrogate not in ALPHAS:
        raise ValueError(f"surrogate must be 'sigmoid' or 'atan', got {surrogate!r}")
    alpha = ALPHAS[surrogate] if alpha is None else float(alpha)
    if not k > 0:
        raise ValueError(f"k={k!r} must be > 0 (klif.md §1.5 assumes k > 0)")
    if surrogate == "sigmoid":
        c = analysis.klif_closed_forms(k, alpha=alpha, v_threshold=v_threshold)
        return dict(theta_eff=c["peak_location"], peak=c["peak_height"], fwhm=c["fwhm"], area=c["area"],
                    h0=c["height_at_0"])
    if surrogate == "atan":
        return dict(theta_eff=v_threshold / k, peak=alpha * k / 2, fwhm=4 / (math.pi * alpha * k),
                    area=0.5 + math.atan(math.pi * alpha * v_threshold / 2) / math.pi,
                    h0=k * (alpha / 2) / (1 + (math.pi * alpha * v_threshold / 2) ** 2))
    raise AssertionError(surrogate)


def closed_form_table(ks: Sequence[float] = KS, surrogates: Sequence[str] = ("sigmoid", "atan"),
                      alphas: Optional[Mapping[str, float]] = None, v_threshold: float = 1.0):
    """:func:`closed_forms` for every (surrogate, k) as a DataFrame."""
    import pandas as pd

    alphas = {**ALPHAS, **dict(alphas or {})}
    return pd.DataFrame([dict(surrogate=s, k=float(k), **closed_forms(s, k, alphas[s], v_threshold))
                         for s in surrogates for k in ks])


def spec_table_check(closed) -> Tuple[Any, float]:
    """Our Sigmoid closed forms (α = 4, V_th = 1 rows of ``closed``) against the spec's numpy table (klif.md §2.3,
    ``paper_data.KLIF_CLOSED_FORM_TABLE``, 4 decimals) for the k both have: ``(merged table, max deviation)``."""
    import pandas as pd

    from snnlab import paper_data

    spec = pd.DataFrame(paper_data.KLIF_CLOSED_FORM_TABLE).rename(columns=dict(
        peak_location="theta_eff", peak_height="peak", height_at_0="h0"))
    both = closed[closed.surrogate == "sigmoid"].merge(spec, on="k", suffixes=("", "_spec"))
    dev = max([float(np.abs(both[q] - both[q + "_spec"]).max()) for q in _QUANTITIES] + [0.0]) if len(both) else \
        float("nan")
    return both, dev


@dataclass
class SurrogateStudy:
    """∂S/∂H of one KLIF step measured on a grid of H (see :func:`surrogate_study`): ``H`` (the grid: uniform on
    [h_min, h_max] with ``n_dense`` points, then geometric to ``h_tail``), ``curves[(surrogate, k)]`` (KLIF) and
    ``curves[(surrogate, "lif")]``, ``table`` (measured and closed-form quantities per (surrogate, k), their errors,
    the deviation from the equivalent LIF, the largest |∂S/∂H| for H ≤ 0) and LIF's gradient mass below 0."""

    H: np.ndarray
    n_dense: int
    curves: Dict[Tuple[str, Any], np.ndarray]
    table: Any
    lif_mass_below_0: Dict[str, float]
    ks: Tuple[float, ...]
    surrogates: Tuple[str, ...]
    alphas: Dict[str, float]
    v_threshold: float
    grid_step: float

    @property
    def max_error(self) -> float:
        return float(self.table[[f"err_{q}" for q in ("theta_fwd",) + _QUANTITIES]].to_numpy().max())


def _grad_curve(H, neuron: str, **params):
    import torch

    from snnlab import neurons

    n = neurons.build(neuron, decay_input=False, **params).to(torch.float64)
    x = H.clone()[None, :].requires_grad_(True)  # [T = 1, B = grid]: one step with V[0] = 0 has H[1] = X[1]
    s, states = n(x, record=True)
    if not torch.equal(states["H"][0].detach(), H):
        raise AssertionError("H[1] must equal X[1] for this measurement (decay_input=False, V[0] = 0)")
    s.sum().backward()
    return s[0].detach().numpy(), x.grad[0].numpy()


def surrogate_study(ks: Sequence[float] = KS, surrogates: Sequence[str] = ("sigmoid", "atan"),
                    alphas: Optional[Mapping[str, float]] = None, v_threshold: float = 1.0, h_min: float = -1.0,
                    h_max: float = 4.0, grid_step: float = 1e-4, h_tail: float = 1e6) -> SurrogateStudy:
    """Measure KLIF's ∂S/∂H with autograd through ``snnlab.neurons.KLIF`` (one step, ``decay_input=False``, V[0] = 0,
    so H = X) for every (surrogate, k), beside LIF and beside a LIF with threshold V_th/k and sharpness α·k (the
    §1.5 identity), and compare θ_eff (forward switching point and gradient peak), peak, FWHM, area (trapezoid over
    the whole grid; the ATan tail beyond H carries ≈ 2/(π²αkH)) and the height at 0⁺ with :func:`closed_forms`."""
    import pandas as pd
    import torch

    from snnlab import analysis
    from snnlab import surrogate as sg

    if not h_min < 0 < h_max:
        raise ValueError(f"h_min={h_min!r}, h_max={h_max!r}: the H range must contain 0 (the ReLU cut)")
    for name in surrogates:
        if name not in ("sigmoid", "atan"):
            raise ValueError(f"surrogates must be 'sigmoid' or 'atan', got {name!r}")
    if any(not k > 0 for k in ks):
        raise ValueError(f"ks={list(ks)!r}: every k must be > 0")
    alphas = {**ALPHAS, **dict(alphas or {})}
    n_dense = int(round((h_max - h_min) / grid_step)) + 1
    H_np = np.concatenate([h_min + grid_step * np.arange(n_dense), np.geomspace(h_max, h_tail, 20001)[1:]])
    H = torch.tensor(H_np, dtype=torch.float64)
    curves, rows, below = {}, [], {}
    for name in surrogates:
        width = sg.from_alpha(name, alphas[name]).width
        _, g_lif = _grad_curve(H, "lif", surrogate=name, width=width, v_threshold=v_threshold)
        curves[(name, "lif")] = g_lif
        below[name] = float(np.sum(0.5 * (g_lif[1:] + g_lif[:-1]) * np.diff(H_np) * (H_np[1:] <= 0)))
        for k in ks:
            s, g = _grad_curve(H, "klif", k_init=k, surrogate=name, width=width, v_threshold=v_threshold)
            curves[(name, k)] = g
            _, g_eq = _grad_curve(H, "lif", surrogate=name, width=width / k, v_threshold=v_threshold / k)
            f = analysis.curve_features(H, torch.as_tensor(g))
            if not h_min < f["peak_location"] < h_max:
                raise ValueError(f"the gradient peak of k={k} lies outside [h_min, h_max] = [{h_min}, {h_max}]: "
                                 "widen the range")
            fired = np.nonzero(s[:n_dense] > 0)[0]
            c = closed_forms(name, k, alphas[name], v_threshold)
            row = dict(surrogate=name, k=float(k),
                       theta_fwd=float(H_np[fired[0]]) if fired.size else float("nan"),
                       theta_eff=f["peak_location"], peak=f["peak_height"], fwhm=f["fwhm"], area=f["area"],
                       h0=f["height_at_0"], identity_dev=float(np.abs(g - g_eq)[H_np > 0].max()),
                       max_grad_below_0=float(np.abs(g[H_np <= 0]).max()))
            row.update({f"{q}_closed": c[q] for q in _QUANTITIES})
            row.update({f"err_{q}": abs(row[q] - c[q]) for q in _QUANTITIES})
            row["err_theta_fwd"] = abs(row["theta_fwd"] - c["theta_eff"])
            rows.append(row)
    return SurrogateStudy(H=H_np, n_dense=n_dense, curves=curves, table=pd.DataFrame(rows), lif_mass_below_0=below,
                          ks=tuple(float(k) for k in ks), surrogates=tuple(surrogates),
                          alphas={n: alphas[n] for n in surrogates}, v_threshold=float(v_threshold),
                          grid_step=float(grid_step))


def worked_trace():
    """The worked trace of klif.md §1.2 (``paper_data.KLIF_WORKED_TRACE``: k = 1.5, τ = 2, V_th = 1, four reset
    variants) through snnlab's KLIF: ``(trace DataFrame with ours, spec DataFrame, max |ours − spec|)``."""
    import pandas as pd
    import torch

    from snnlab import neurons, paper_data

    wt = paper_data.KLIF_WORKED_TRACE
    x = torch.tensor(wt["X"], dtype=torch.float64)[:, None]  # [T = 5, B = 1]
    ours, spec = [], []
    t = np.arange(1, len(wt["X"]) + 1)
    for var in wt["variants"]:
        n = neurons.build("klif", k_init=wt["k"], tau=wt["tau"], v_threshold=wt["v_threshold"],
                          decay_input=wt["decay_input"], reset=var["reset"],
                          scale_reset=var["scale_reset"]).to(torch.float64)
        with torch.no_grad():
            s, st = n(x, record=True)
        label = f"{var['reset']}, scale_reset={var['scale_reset']}"
        ours.append(pd.DataFrame(dict(variant=label, t=t, X=wt["X"], H=st["H"][:, 0].numpy(), F=st["F"][:, 0].numpy(),
                                      S=s[:, 0].numpy().astype(int), V=st["V"][:, 0].numpy())))
        spec.append(pd.DataFrame(dict(variant=label, t=t, X=wt["X"], **{q: var[q] for q in "HFSV"})))
    ours, spec = pd.concat(ours, ignore_index=True), pd.concat(spec, ignore_index=True)
    dev = float(np.abs(ours[list("HFSV")].to_numpy(float) - spec[list("HFSV")].to_numpy(float)).max())
    return ours, spec, dev


def subthreshold_dynamics(ks: Sequence[float] = (0.5, 1.0, 1.5, 1.9, 2.5), tau: float = 2.0, x: float = 0.2,
                          T: int = 200, tol: float = 1e-3):
    """KLIF's carried state with ``scale_reset=False`` under a constant input and no firing (V_th = 1e300; klif.md
    §1.6): V[t] = k·λ·V[t−1] + k·X/τ converges to (kX/τ)/(1 − kλ) for kλ < 1 and does not decay for kλ ≥ 1.
    Returns ``(traces, summary)`` DataFrames; ``summary.holds`` is the check per k."""
    import pandas as pd
    import torch

    from snnlab import neurons

    if not tau > 1:
        raise ValueError(f"tau={tau!r}: KLIF needs tau > 1 (decay λ = 1 − 1/τ must be positive)")
    lam = 1 - 1 / tau
    xs = torch.full((int(T), 1), float(x), dtype=torch.float64)
    traces, summary = [], []
    for k in ks:
        n = neurons.build("klif", k_init=k, tau=tau, v_threshold=1e300).to(torch.float64)
        with torch.no_grad():
            _, st = n(xs, record=True)
        v = st["V"][:, 0].numpy()
        traces.append(pd.DataFrame(dict(k=float(k), t=np.arange(1, int(T) + 1), V=v)))
        if k * lam < 1:
            v_star = (k * x / tau) / (1 - k * lam)
            summary.append(dict(k=float(k), k_lambda=k * lam, V_T=float(v[-1]), V_star=v_star,
                                behaviour="converges", error=abs(float(v[-1]) - v_star),
                                holds=bool(abs(float(v[-1]) - v_star) < tol)))
        else:
            summary.append(dict(k=float(k), k_lambda=k * lam, V_T=float(v[-1]), V_star=float("nan"),
                                behaviour="does not decay", error=float("nan"), holds=bool(np.all(np.diff(v) > 0))))
    return pd.concat(traces, ignore_index=True), pd.DataFrame(summary)


def identity_claims(profile: str = "any", study: Optional[SurrogateStudy] = None, tol: float = 1e-3
                    ) -> List[stats.ClaimRow]:
    """The ``identity`` rows of K1 and K2, each with its numeric check (``study``: a :func:`surrogate_study`,
    default the module's grid; the checks raise ``stats.IdentityCheckFailed`` if the code and the derivation
    disagree)."""
    st = surrogate_study() if study is None else study
    t = st.table
    ks = ", ".join(f"{k:g}" for k in st.ks)
    meas = t[["theta_fwd", "theta_eff", "peak", "fwhm", "area", "h0"]].to_numpy(float)
    closed = t[["theta_eff_closed", "theta_eff_closed", "peak_closed", "fwhm_closed", "area_closed",
                "h0_closed"]].to_numpy(float)
    k1, k2 = CLAIMS["K1"], CLAIMS["K2"]
    _, _, trace_dev = worked_trace()
    below = ", ".join(f"{n} {m:.4f}" for n, m in st.lif_mass_below_0.items())
    return [
        k1.identity(meas, closed, tol, profile=profile,
                    what=f"θ_eff (forward switch and gradient peak) = V_th/k, peak, FWHM, area, height at 0⁺ for "
                         f"k = {ks} ({', '.join(st.surrogates)}; grid step {st.grid_step:g})",
                    measure="∂S/∂H measured through snnlab's KLIF against the closed forms of klif.md §1.5"),
        k1.identity(float(t.identity_dev.max()), 0.0, 1e-12, profile=profile,
                    what="KLIF(k) on H > 0 equals LIF with threshold V_th/k and surrogate sharpness α·k",
                    measure="max |∂S/∂H of KLIF(k) − of LIF(V_th/k, α·k)| over H > 0"),
        k2.identity(float(t.max_grad_below_0.max()), 0.0, 0.0, profile=profile,
                    what=f"exactly 0 for H ≤ 0 for every k; LIF keeps a gradient mass of {below} there",
                    measure="max |∂S/∂H| over H ≤ 0 through snnlab's KLIF"),
        k2.identity(trace_dev, 0.0, 5e-5 + 1e-9, profile=profile,
                    what="H, F = ReLU(kH), S and V of klif.md §1.2 for hard/soft reset, scale_reset False/True "
                         "(the spec prints 4 decimals)",
                    measure="the worked trace of klif.md §1.2 (reset applied to F = ReLU(kH))"),
    ]


# ================================================================================================ training (02, 03)
@dataclass
class Study:
    """The study's finished runs (see :func:`load_study`): ``per_run`` (one row per run: variant, neuron, seed,
    best/final test accuracy, test firing rate, training seconds, steps, ms per step, SOPs per sample, parameter
    count, run), ``curves`` (one row per run and epoch), ``trajectories`` (the learnable neuron scalars per layer
    and epoch, epoch 0 = initial value: KLIF's k, PLIF's τ)."""

    profile: str
    entries: List[PlanEntry]
    runs: list
    per_run: Any
    curves: Any
    trajectories: Any

    @property
    def label(self) -> str:
        return study_label(self.profile)

    @property
    def seeds(self) -> List[int]:
        return sorted(set(int(s) for s in self.per_run.seed))

    @property
    def variants(self) -> List[str]:
        present = set(self.per_run.variant)
        return [v for v in VARIANTS if v in present]

    def values(self, variant: str, column: str) -> Dict[int, float]:
        """``{seed: value}`` of one per-run column (missing values, e.g. no energy measurement, left out)."""
        d = self.per_run[self.per_run.variant == variant]
        return {int(s): float(v) for s, v in zip(d.seed, d[column]) if v is not None and v == v}

    @property
    def configs(self) -> Dict[str, str]:
        return {f"{e.labels['variant']}/seed{e.labels['seed']}": e.config.run_name for e in self.entries}


def _k_init(cfg) -> float:
    from snnlab import neurons

    if "k_init" in cfg.neuron_params:
        return float(cfg.neuron_params["k_init"])
    return float(inspect.signature(neurons.neuron_class("klif").__init__).parameters["k_init"].default)


def _initial(cfg) -> Dict[str, float]:
    from snnlab.experiments.families import effective_tau

    if cfg.neuron == "klif":
        return {"k": _k_init(cfg)}
    if cfg.neuron == "plif":
        return {"tau": float(effective_tau(cfg))}
    return {}


def _final_from_model(run) -> Dict[str, Dict[str, float]]:
    """The learnable scalars of the final model (for runs trained before the metrics recorded them)."""
    from snnlab.train import load_checkpoint

    state = load_checkpoint(run.dir / "model_final.pt")["model"]
    out: Dict[str, Dict[str, float]] = {}
    for key, value in state.items():
        layer, _, name = key.rpartition(".")
        if name == "k" and value.numel() == 1:
            out.setdefault(layer, {})["k"] = float(value)
        elif name == "w" and value.numel() == 1 and run.config.neuron == "plif":
            out.setdefault(layer, {})["tau"] = 1.0 + math.exp(-float(value))  # 1/σ(w)
    return out


def _trajectory_rows(entry: PlanEntry, run) -> List[dict]:
    cfg = entry.config
    init = _initial(cfg)
    if not init:
        return []
    m = run.metrics
    per_epoch: List[Tuple[int, Mapping]] = []
    if "neuron_parameters" in m and m["neuron_parameters"].notna().all():  # [{layer, k | tau, ...}] per epoch
        per_epoch = [(int(e) + 1, {d["layer"]: d for d in p}) for e, p in zip(m.epoch, m.neuron_parameters)]
    else:
        per_epoch = [(int(cfg.epochs), _final_from_model(run))]
    layers: List[str] = list(per_epoch[-1][1]) if per_epoch else []
    base = dict(variant=entry.labels["variant"], neuron=cfg.neuron, seed=int(entry.labels["seed"]))
    rows = []
    for i, layer in enumerate(layers, 1):
        for param, v0 in init.items():
            rows.append(dict(base, layer=i, layer_name=layer, epoch=0, param=param, value=v0))
            for epoch, params in per_epoch:
                if param in params.get(layer, {}):
                    rows.append(dict(base, layer=i, layer_name=layer, epoch=epoch, param=param,
                                     value=float(params[layer][param])))
    return rows


def load_study(profile: str, entries: Optional[Sequence[PlanEntry]] = None, runs: Optional[Sequence] = None,
               train: bool = False) -> Study:
    """The study's runs as tables. ``entries`` default :func:`study_plan`; ``runs`` (from
    ``common.train_or_reuse(entries)``) default: the finished runs in the run store, trained first when ``train``.
    Raises :class:`MissingRuns` (with the commands) when a run is not finished."""
    import pandas as pd

    entries = study_plan(profile) if entries is None else list(entries)
    if runs is None:
        runs = common.train_or_reuse(entries, train_missing=train, progress=False if not train else None)
    missing = [e for e, r in zip(entries, runs) if r is None or not r.finished]
    if missing:
        raise MissingRuns(f"the KLIF study ({profile})", [common.train_command(e.config, e.base) for e in missing])
    rows, curves, traj = [], [], []
    for e, r in zip(entries, runs):
        s, m, cfg = r.summary, r.metrics, e.config
        steps = int(sum(math.ceil(int(n) / cfg.batch_size) for n in m["train_samples"])) if len(m) else 0
        energy = s.get("energy") or {}
        rows.append(dict(variant=e.labels["variant"], neuron=cfg.neuron, seed=int(e.labels["seed"]),
                         best_test_acc=s["best_test_acc"], final_test_acc=s["final_test_acc"],
                         firing_rate=s.get("firing_rate_mean"), train_seconds=s.get("train_seconds"), steps=steps,
                         ms_per_step=1000.0 * s["train_seconds"] / steps if steps else float("nan"),
                         sops=energy.get("sops"), num_params=s.get("num_params"), run=r.dir.name))
        cols = [c for c in ("train_loss", "train_acc", "test_loss", "test_acc", "firing_rate_mean") if c in m]
        curves.append(m[cols].assign(variant=e.labels["variant"], seed=int(e.labels["seed"]),
                                     epoch=m.epoch.astype(int) + 1))
        traj += _trajectory_rows(e, r)
    traj_df = pd.DataFrame(traj, columns=["variant", "neuron", "seed", "layer", "layer_name", "epoch", "param",
                                          "value"])
    return Study(profile=profile, entries=list(entries), runs=list(runs), per_run=pd.DataFrame(rows),
                 curves=pd.concat(curves, ignore_index=True), trajectories=traj_df)


def _interval(values: Sequence[float]) -> Tuple[float, float, float]:
    vals = [float(v) for v in values]
    if len(vals) < 2:
        return (vals[0] if vals else float("nan")), float("nan"), float("nan")
    e = stats.paired_effect(vals)
    return e.mean, e.ci_low, e.ci_high


def accuracy_summary(study: Study) -> Any:
    """Per variant: seeds, best test accuracy mean and 95 % interval (%), final test accuracy mean (%), test firing
    rate, ms per training step."""
    import pandas as pd

    rows = []
    for v in study.variants:
        d = study.per_run[study.per_run.variant == v]
        m, lo, hi = _interval(100 * d.best_test_acc)
        rows.append(dict(variant=v, n=len(d), best_mean=m, best_ci_low=lo, best_ci_high=hi,
                         final_mean=float(100 * d.final_test_acc.mean()), firing_rate=float(d.firing_rate.mean()),
                         ms_per_step=float(d.ms_per_step.mean()), seeds=sorted(int(s) for s in d.seed)))
    return pd.DataFrame(rows)


def _decide_rows(claim: stats.Claim, effect: stats.Effect, profile: str, fidelity: str, measure: str
                 ) -> stats.ClaimRow:
    return claim.evaluate(effect, profile, fidelity, on_few="inconclusive", measure=measure)


def _fidelity(profile: str) -> str:
    return "stand-in" if not (profile == "quick" or common.is_paper(profile)) else "re-measured at this scale"


def k_change(study: Study, variant: str = "klif") -> Tuple[Any, List[stats.ClaimRow]]:
    """K3 per layer: k after training − k_init over the paired seeds (two-sided: the claim's direction is the
    observed sign, and the verdict is supported when the 95 % interval excludes 0). Returns ``(table, rows)``."""
    import pandas as pd

    t = study.trajectories
    k = t[(t.variant == variant) & (t.param == "k")]
    if k.empty:
        raise ValueError(f"no k trajectory for variant {variant!r} in the study")
    rows, out = [], []
    for layer, d in k.groupby("layer", sort=True):
        last = d[d.epoch == d.epoch.max()].set_index("seed").value
        init = d[d.epoch == 0].set_index("seed").value
        delta = {int(s): float(last[s] - init[s]) for s in last.index}
        name = d.layer_name.iloc[0]
        measure = (f"k after training − k_init, layer {layer} ({name}){'' if variant == 'klif' else ', ' + variant}"
                   " (two-sided: the claimed side is the observed sign)")
        if len(delta) >= 2:
            eff = stats.paired_effect(delta, unit="seeds")
            claim = dataclasses.replace(CLAIMS["K3"], direction="greater" if eff.mean >= 0 else "less")
            row = _decide_rows(claim, eff, study.profile, _fidelity(study.profile), measure)
            rows.append(row)
            lo, hi, verdict, detail = eff.ci_low, eff.ci_high, row.verdict, row.detail
        else:
            lo = hi = float("nan")
            verdict, detail = "inconclusive", "one seed: no interval"
        out.append(dict(variant=variant, layer=int(layer), layer_name=name, k_init=float(init.mean()),
                        k_final_mean=float(last.mean()), delta_mean=float(np.mean(list(delta.values()))),
                        ci_low=lo, ci_high=hi, n=len(delta), verdict=verdict, detail=detail,
                        k_final={str(s): round(float(v), 6) for s, v in last.items()},
                        theta_eff_mean=float(np.mean([1.0 / v for v in last])) if (last > 0).all() else float("nan")))
    return pd.DataFrame(out), rows


def _relative(study: Study, a: str, b: str, column: str) -> Dict[int, float]:
    va, vb = study.values(a, column), study.values(b, column)
    return {s: 100.0 * (va[s] / vb[s] - 1.0) for s in sorted(set(va) & set(vb)) if vb[s]}


def _difference(study: Study, a: str, b: str, column: str, scale: float = 1.0) -> Dict[int, float]:
    va, vb = study.values(a, column), study.values(b, column)
    return {s: scale * (va[s] - vb[s]) for s in sorted(set(va) & set(vb))}


def study_claims(study: Study) -> List[stats.ClaimRow]:
    """K3 (per layer), K4, K5 (time per step, firing rate, SOPs, parameters) and K6's Fashion-MNIST stand-in
    from the study's paired runs (fewer than 5 seeds: ``inconclusive`` with reason ``n < 5``)."""
    p, fid = study.profile, _fidelity(study.profile)
    rows = list(k_change(study)[1])
    if len(study.seeds) < 2:
        return rows
    scale = f"{study_label(p)}, {len(study.seeds)} paired seeds"
    rows.append(_decide_rows(CLAIMS["K4"], stats.paired_effect(_difference(study, "klif", "lif", "best_test_acc",
                                                                           100.0)),
                             p, fid, f"best test accuracy, KLIF − LIF (points), {scale}"))
    k5 = CLAIMS["K5"]
    for column, what in (("ms_per_step", "time per training step"), ("firing_rate", "mean test firing rate"),
                         ("sops", "SOPs per test sample")):
        rel = _relative(study, "klif", "lif", column)
        if len(rel) >= 2:
            rows.append(_decide_rows(k5, stats.paired_effect(rel), p, fid,
                                     f"{what}, KLIF relative to LIF (%; claimed ≤ +{K5_MARGIN:g} %), {scale}"))
    n_k = study.values("klif", "num_params")
    n_l = study.values("lif", "num_params")
    n_layers = int(study.trajectories[(study.trajectories.variant == "klif")
                                      & (study.trajectories.param == "k")].layer.nunique())
    seeds = sorted(set(n_k) & set(n_l))
    rows.append(k5.identity([n_k[s] - n_l[s] for s in seeds], [n_layers] * len(seeds), 0.0, profile=p,
                            what=f"one learnable scalar k per KLIF layer ({n_layers} layers), nothing else",
                            measure=f"parameters, KLIF − LIF (trained networks, {scale})"))
    fid6 = "stand-in" if not common.is_paper(p) else "re-measured at this scale"
    rows.append(_decide_rows(CLAIMS["K6"], stats.paired_effect(_difference(study, "klif", "plif", "best_test_acc",
                                                                           100.0)),
                             p, fid6, f"best test accuracy, KLIF − PLIF (points), {scale}: stand-in for the six "
                                      f"datasets ({study.entries[0].config.dataset}, T = "
                                      f"{study.entries[0].config.steps})"))
    return rows


def effects_table(study: Study) -> Any:
    """The study's paired effects with their verdict sentences: K4, K6 (stand-in), K5 and the ``scale_reset``
    ablation (no claim of the paper: an interval, no verdict)."""
    import pandas as pd

    rows = []
    for r in study_claims(study):
        if r.verdict in ("identity", "not run") or r.claim.startswith("K3"):
            continue
        rows.append(dict(claim=r.claim.split(":")[0], measure=r.measure, effect=r.effect, ci_low=r.ci_low,
                         ci_high=r.ci_high, n=r.n_seeds, verdict=r.verdict, detail=r.detail))
    if SCALE_RESET in study.variants and len(study.seeds) >= 2:
        e = stats.paired_effect(_difference(study, SCALE_RESET, "klif", "best_test_acc", 100.0))
        rows.append(dict(claim="ablation", measure="best test accuracy, KLIF scale_reset − KLIF (points)",
                         effect=e.mean, ci_low=e.ci_low, ci_high=e.ci_high, n=e.n, verdict="no claim",
                         detail=stats.format_effect(e, "points")))
    return pd.DataFrame(rows)


def check_baselines(study: Study) -> Optional[float]:
    """Quick profile: the benchmark's sanity floors for LIF, PLIF and KLIF on every seed
    (``benchmark.check`` raises ``stats.BaselineError``); other profiles have no floor (returns None)."""
    if study.profile != "quick":
        return None
    acc = {n: study.values(n, "best_test_acc") for n in NEURONS if n in study.variants}
    benchmark.check(acc)
    return min(min(v.values()) for v in acc.values())


# ================================================================================================ tables (03)
def known_numbers():
    """KLIF as reported (second-hand via CLIF, klif.md §3.4) and the PLIF README's LIF / PLIF (τ = 2) numbers."""
    import pandas as pd

    from snnlab import paper_data

    rep = {r["dataset"].replace("DVS128-Gesture", "DVS128 Gesture"): r for r in paper_data.KLIF_REPORTED}
    ref = {r["neuron"]: r for r in paper_data.KLIF_PLIF_REFERENCE}
    return pd.DataFrame([dict(
        dataset=d.label, T_ours=d.T,
        KLIF_paper=f"{rep[d.label]['acc']:.2f} (T={rep[d.label]['T']})" if d.label in rep else "not known",
        LIF_tau2_PLIF_repo=f"{ref['LIF, tau=2'][d.ref_key]:.2f} (T={d.ref_T})",
        PLIF_tau2_PLIF_repo=f"{ref['PLIF, tau0=2'][d.ref_key]:.2f} (T={d.ref_T})") for d in PAPER_DATASETS])


def _launch_command(d: PaperDataset) -> str:
    return f"python -m snnlab launch '{d.family.format(neuron='*')}'"


def paper_results(profile: str):
    """Table 1: the six datasets' paper-profile runs (best test accuracy %, or "not run") beside the known numbers,
    and the commands that fill the missing cells: ``(table, commands)``. Read from the run store, never trained."""
    import pandas as pd

    from snnlab import paper_data

    rep = {r["dataset"].replace("DVS128-Gesture", "DVS128 Gesture"): r for r in paper_data.KLIF_REPORTED}
    ref = {r["neuron"]: r for r in paper_data.KLIF_PLIF_REFERENCE}
    entries = dataset_plan(profile)
    status = {e.config.hash(): common.run_status(e.config, e.base)[0] for e in entries}
    acc = {}
    for e in entries:
        if status[e.config.hash()] == "finished":
            from snnlab.experiments import Run, run_dir_for

            acc[(e.labels["dataset"], e.labels["neuron"])] = Run(run_dir_for(e.config), e.config).summary[
                "best_test_acc"]
    rows, commands = [], []
    for d in PAPER_DATASETS:
        row: Dict[str, Any] = dict(dataset=d.label, T=d.T)
        for n in NEURONS:
            a = acc.get((d.label, n))
            row[f"{n.upper()} (ours)"] = "not run" if a is None else f"{100 * a:.2f}"
        row["KLIF (paper)"] = f"{rep[d.label]['acc']:.2f}" if d.label in rep else "not known"
        row["LIF τ=2 (PLIF repo)"] = f"{ref['LIF, tau=2'][d.ref_key]:.2f}"
        row["PLIF τ0=2 (PLIF repo)"] = f"{ref['PLIF, tau0=2'][d.ref_key]:.2f}"
        rows.append(row)
        if any((d.label, n) not in acc for n in NEURONS):
            commands.append(_launch_command(d))
    return pd.DataFrame(rows), commands


def paper_claims(profile: str) -> List[stats.ClaimRow]:
    """The paper-scale rows: K6 per dataset (KLIF − the better of LIF and PLIF, one seed: ``inconclusive (n < 5)``
    when run, else ``not run`` with the launch command) and, outside the paper profiles, K4 at paper scale
    (``not run``: ``python -m snnlab launch klif/02_k_training``)."""
    from snnlab.experiments import Run, run_dir_for

    rows = []
    prof = profile if common.is_paper(profile) else "paper"
    if not common.is_paper(profile):
        row = CLAIMS["K4"].not_run("python -m snnlab launch klif/02_k_training", profile="paper",
                                   reason="paper scale: KLIF, LIF, PLIF on the PLIF-like net, Fashion-MNIST T = 8, "
                                          f"{len(STUDY_SEEDS['paper'])} paired seeds (GPU)")
        rows.append(dataclasses.replace(row, measure=f"{CLAIMS['K4'].measure}, paper scale "
                                                     f"({STUDY_FAMILY['paper'].format(neuron='*')}, "
                                                     f"{len(STUDY_SEEDS['paper'])} paired seeds)"))
    entries = dataset_plan(profile)
    for d in PAPER_DATASETS:
        mine = [e for e in entries if e.labels["dataset"] == d.label]
        measure = f"{d.label} at T = {d.T} ({d.family.format(neuron='*')}): best test accuracy, KLIF − max(LIF, PLIF)"
        if all(common.run_status(e.config, e.base)[0] == "finished" for e in mine):
            acc = {e.labels["neuron"]: Run(run_dir_for(e.config), e.config).summary["best_test_acc"] for e in mine}
            gap = 100.0 * (acc["klif"] - max(acc["lif"], acc["plif"]))
            rows.append(stats.ClaimRow(
                paper=PAPER, claim=CLAIMS["K6"].claim, source=CLAIMS["K6"].source, measure=measure, profile=prof,
                n_seeds=1, effect=gap, ci_low=None, ci_high=None, verdict="inconclusive",
                fidelity="re-measured at this scale",
                detail=f"inconclusive: KLIF {100 * acc['klif']:.2f} %, LIF {100 * acc['lif']:.2f} %, PLIF "
                       f"{100 * acc['plif']:.2f} % ({gap:+.2f} points), one seed per neuron; not decided: n < 5"))
        else:
            row = CLAIMS["K6"].not_run(_launch_command(d), profile=prof, reason=f"{d.label}, T = {d.T}: paper scale "
                                       "(GPU)" + (", dry run not finished" if common.is_dryrun(profile) else ""))
            rows.append(dataclasses.replace(row, measure=measure))
    return rows


def claims(profile: str) -> List[stats.ClaimRow]:
    """One row per KLIF claim of CLAIMS.md (more for K1, K2, K3 per layer, K5 per cost measure, K6 per dataset):
    identities with their numeric checks, the study's paired verdicts from the finished runs (``not run`` with the
    launch command when they are missing; the quick profile checks the benchmark's floors first and stops with
    ``stats.BaselineError``), and the paper-scale rows."""
    _profile(profile)
    rows = identity_claims(profile)
    try:
        study = load_study(profile, study_plan(profile, variants=NEURONS))
    except MissingRuns:
        cmd = f"python -m snnlab launch klif/02_k_training --profile {profile}"
        reason = f"the study's runs ({study_label(profile)}) are not finished"
        for cid in ("K3", "K4", "K5"):
            rows.append(dataclasses.replace(CLAIMS[cid].not_run(cmd, profile=profile, reason=reason),
                                            measure=f"{CLAIMS[cid].measure}, {study_label(profile)}"))
        if not common.is_paper(profile):
            rows.append(dataclasses.replace(CLAIMS["K6"].not_run(cmd, profile=profile, reason=reason),
                                            measure=f"Fashion-MNIST stand-in: {CLAIMS['K6'].measure}"))
    else:
        check_baselines(study)
        rows += study_claims(study)
    return rows + paper_claims(profile)


# ================================================================================================ figures
_fig = common.figure_spec


def _cmap(j: int, n: int):
    import matplotlib

    return matplotlib.colormaps["viridis"](j / max(1, n - 1))


def figure_surrogate_curves(st: SurrogateStudy, profile: str) -> dict:
    """F-a: ∂S/∂H against H for every k (one panel per surrogate) beside LIF (dashed)."""
    import pandas as pd

    from snnlab.plotting import figure, neuron_color

    stride = max(1, st.n_dense // 2500)
    idx = np.arange(0, st.n_dense, stride)
    fig, axes = figure(1, len(st.surrogates), width=5.2 * len(st.surrogates), height=3.6, squeeze=False)
    data = []
    for ax, name in zip(axes[0], st.surrogates):
        g = st.curves[(name, "lif")][idx]
        ax.plot(st.H[idx], g, ls="--", color=neuron_color("lif"), lw=1.2, label="LIF (k = 1, no ReLU)")
        data.append(pd.DataFrame(dict(surrogate=name, neuron="lif", k=1.0, H=st.H[idx], dSdH=g)))
        for j, k in enumerate(st.ks):
            c = _cmap(j, len(st.ks))
            g = st.curves[(name, k)][idx]
            ax.plot(st.H[idx], g, color=c, lw=1.4, label=f"KLIF k = {k:g}")
            ax.axvline(st.v_threshold / k, color=c, ls=":", lw=0.8)
            data.append(pd.DataFrame(dict(surrogate=name, neuron="klif", k=k, H=st.H[idx], dSdH=g)))
        ax.set_xlabel("H (membrane potential after charging)")
        ax.set_ylabel("∂S/∂H")
        ax.set_title(f"{name}, α = {st.alphas[name]:g}, V_th = {st.v_threshold:g} (dotted: V_th/k)")
        ax.legend(fontsize=7)
    fig.suptitle(f"KLIF effective surrogate gradient against H for several k (our measurement, {profile} profile)")
    return _fig(fig, "surrogate_vs_k", pd.concat(data, ignore_index=True),
                "F-a: ∂S/∂H of one KLIF step against H for several k, measured with autograd through snnlab's KLIF "
                "module (sigmoid and ATan surrogates), beside LIF (dashed). Our measurement; the paper's figures are "
                f"not known (klif.md §3.5). Profile: {profile}.",
                dict(neuron="klif", ks=list(st.ks), surrogates=list(st.surrogates), alpha=st.alphas,
                     v_threshold=st.v_threshold, decay_input=False, grid_step=st.grid_step))


def figure_measured_vs_closed(st: SurrogateStudy, profile: str) -> dict:
    """Effective threshold, peak, FWHM and area against k: measured (markers) and closed forms (lines)."""
    from snnlab.plotting import figure

    k_fine = np.linspace(min(st.ks), max(st.ks), 200)
    fig, axes = figure(1, 4, width=14, height=3.2)
    labels = dict(theta_eff="effective threshold θ_eff", peak="peak height", fwhm="FWHM", area="area over H > 0")
    for ax, q in zip(axes, labels):
        for marker, name in zip("os", st.surrogates):
            sub = st.table[st.table.surrogate == name]
            line = ax.plot(k_fine, [closed_forms(name, k, st.alphas[name], st.v_threshold)[q] for k in k_fine],
                           lw=1, label=f"{name} closed form")[0]
            ax.plot(sub.k, sub[q], marker, color=line.get_color(), ms=5, mfc="none", label=f"{name} measured")
        ax.set_xlabel("k")
        ax.set_title(labels[q])
    axes[0].legend(fontsize=7)
    fig.suptitle(f"KLIF surrogate: measured (markers) against the closed forms of klif.md §1.5 (lines), {profile} "
                 "profile")
    return _fig(fig, "measured_vs_closed", st.table,
                "Effective threshold, peak height, FWHM and area of ∂S/∂H against k: measured with autograd through "
                f"snnlab's KLIF (markers) and the closed forms of klif.md §1.5 (lines). Identity check (K1). Profile: "
                f"{profile}.",
                dict(ks=list(st.ks), surrogates=list(st.surrogates), alpha=st.alphas, v_threshold=st.v_threshold,
                     grid_step=st.grid_step))


def figure_relu_cut(st: SurrogateStudy, profile: str) -> dict:
    """F-b: the ReLU cut of ∂S/∂H at H = 0 and the soft-spike primitive P(ReLU(kH) − V_th) against H."""
    import pandas as pd
    import torch

    from snnlab import neurons
    from snnlab import surrogate as sg
    from snnlab.plotting import figure, neuron_color

    name = st.surrogates[0]
    sur = sg.from_alpha(name, st.alphas[name])
    stride = max(1, st.n_dense // 2500)
    idx = np.arange(0, st.n_dense, stride)
    H = st.H[:st.n_dense]
    zi = np.nonzero(H <= 0.5)[0][::max(1, stride // 4)]
    fig, (ax0, ax1) = figure(1, 2, width=10.5, height=3.5)
    ax0.plot(H[zi], st.curves[(name, "lif")][zi], ls="--", color=neuron_color("lif"), label="LIF")
    data = []
    for j, k in enumerate(st.ks):
        c = _cmap(j, len(st.ks))
        ax0.plot(H[zi], st.curves[(name, k)][zi], color=c, label=f"KLIF k = {k:g}")
        n = neurons.build("klif", k_init=k, decay_input=False, surrogate=name, width=sur.width,
                          v_threshold=st.v_threshold).to(torch.float64)
        with torch.no_grad():
            _, rec = n(torch.tensor(H[idx], dtype=torch.float64)[None], record=True)
        soft = sur.primitive(rec["F"][0] - st.v_threshold).numpy()
        ax1.plot(H[idx], soft, color=c, label=f"k = {k:g}")
        data.append(pd.DataFrame(dict(k=k, H=H[idx], soft_spike=soft, dSdH=st.curves[(name, k)][idx])))
    ax0.axvline(0, color="k", lw=0.6)
    ax0.set(xlabel="H", ylabel="∂S/∂H", title=f"ReLU cut at H = 0 ({name}, α = {st.alphas[name]:g})")
    ax0.legend(fontsize=7)
    ax1.set(xlabel="H", ylabel="P(ReLU(kH) − V_th)", title="soft-spike primitive")
    ax1.legend(fontsize=7)
    return _fig(fig, "relu_cut", pd.concat(data, ignore_index=True),
                f"F-b. Left: ∂S/∂H near H = 0 for KLIF (several k) and LIF, {name} surrogate: the ReLU makes the KLIF "
                "gradient exactly 0 for H ≤ 0 (K2). Right: the soft-spike primitive P(ReLU(kH) − V_th) against H. "
                f"Our measurement through snnlab's KLIF module. Profile: {profile}.",
                dict(neuron="klif", surrogate=name, alpha=st.alphas[name], ks=list(st.ks),
                     v_threshold=st.v_threshold))


def figure_worked_trace(trace, profile: str) -> dict:
    """F-e: the worked trace of klif.md §1.2 (H, F, V and spikes) for the four reset variants."""
    from snnlab import paper_data
    from snnlab.plotting import figure, neuron_color

    wt = paper_data.KLIF_WORKED_TRACE
    variants = list(dict.fromkeys(trace.variant))
    fig, axes = figure(len(variants), 1, width=7, height=1.8 * len(variants), sharex=True, squeeze=False)
    for ax, v in zip(axes[:, 0], variants):
        d = trace[trace.variant == v]
        ax.plot(d.t, d.H, "o-", lw=1.2, label="H (charged)")
        ax.plot(d.t, d.F, "s-", lw=1.2, label="F = ReLU(kH)")
        ax.plot(d.t, d.V, "^-", lw=1.0, label="V (after reset)")
        ax.axhline(wt["v_threshold"], color="k", ls="--", lw=0.7)
        ax.axhline(0, color="0.5", lw=0.5)
        for t in d.t[d.S == 1]:
            ax.axvline(t, color=neuron_color("klif"), lw=4, alpha=0.35)
        ax.set_title(v, fontsize=9)
        ax.set_ylabel("potential")
    axes[0, 0].legend(fontsize=7, ncol=3)
    axes[-1, 0].set_xlabel("time step t (shaded: spike)")
    axes[-1, 0].set_xticks(list(range(1, len(wt["X"]) + 1)))
    return _fig(fig, "worked_trace", trace,
                "F-e: the worked trace of klif.md §1.2 (k = 1.5, τ = 2, V_th = 1) through snnlab's KLIF for hard/soft "
                "reset and scale_reset False/True: H, F, V and spikes (shaded). Reproduces the spec's table (our run "
                f"of the spec's derived example; not a paper figure). Profile: {profile}.",
                {k: v for k, v in wt.items() if k != "variants"})


def figure_subthreshold(traces, summary, tau: float, x: float, profile: str) -> dict:
    """KLIF's sub-threshold state for several k (scale_reset=False): converges for kλ < 1, grows otherwise."""
    from snnlab.plotting import figure

    lam = 1 - 1 / tau
    ks = list(summary.k)
    fig, ax = figure(1, 1, width=6.5, height=3.4)
    for j, k in enumerate(ks):
        c = _cmap(j, len(ks))
        d = traces[traces.k == k]
        ax.plot(d.t, d.V, color=c, label=f"k = {k:g} (kλ = {k * lam:.2f})")
        if k * lam < 1:
            ax.axhline((k * x / tau) / (1 - k * lam), color=c, ls=":", lw=0.8)
    ax.set_yscale("log")
    ax.set(xlabel="time step t", ylabel="V[t] (no firing)",
           title=f"KLIF sub-threshold state, X = {x:g}, τ = {tau:g}, scale_reset=False (dotted: V*)")
    ax.legend(fontsize=7)
    return _fig(fig, "subthreshold_dynamics", traces,
                "Carried state V[t] of KLIF with scale_reset=False under a constant input and no firing (threshold out "
                "of reach): converges to (kX/τ)/(1 − kλ) for kλ < 1 (dotted), grows for kλ ≥ 1 (klif.md §1.6; an "
                f"identity of the equations). Our simulation with snnlab's KLIF. Profile: {profile}.",
                dict(neuron="klif", tau=tau, ks=ks, X=x, T=int(traces.t.max()), scale_reset=False, reset="hard",
                     decay_input=True))


def _variant_color(v: str) -> str:
    from snnlab.plotting import neuron_color

    return "#7a6a1f" if v == SCALE_RESET else neuron_color(v)


def figure_k_trajectories(study: Study) -> dict:
    """F-c: KLIF's k per layer against the epoch (every seed thin, the mean with its 95 % interval) for each KLIF
    variant, and PLIF's τ per layer."""
    from snnlab.plotting import figure, integer_epochs

    t = study.trajectories
    panels = [(v, "k") for v in ("klif", SCALE_RESET) if not t[(t.variant == v) & (t.param == "k")].empty]
    panels += [("plif", "tau")] if not t[(t.variant == "plif") & (t.param == "tau")].empty else []
    fig, axes = figure(1, max(1, len(panels)), width=4.8 * max(1, len(panels)), height=3.6, squeeze=False)
    for ax, (variant, param) in zip(axes[0], panels):
        d = t[(t.variant == variant) & (t.param == param)]
        n_layers = int(d.layer.max())
        for layer, dl in d.groupby("layer"):
            c = _cmap(int(layer) - 1, n_layers)
            for _, ds in dl.groupby("seed"):
                ax.plot(ds.epoch, ds.value, color=c, lw=0.6, alpha=0.35)
            stats_ = [(e, *_interval(de.value)) for e, de in dl.groupby("epoch")]
            ep = [s[0] for s in stats_]
            ax.errorbar(ep, [s[1] for s in stats_],
                        yerr=None if any(math.isnan(s[2]) for s in stats_) else
                        [[s[1] - s[2] for s in stats_], [s[3] - s[1] for s in stats_]],
                        fmt="o-", color=c, ms=4, capsize=3, lw=1.6, label=f"layer {layer} ({dl.layer_name.iloc[0]})")
        integer_epochs(ax, label="epoch (0 = initial value)")
        ax.set_ylabel(param)
        ax.set_title(f"{variant}: learned {param} per layer")
        ax.legend(fontsize=7)
    fig.suptitle(f"Learned neuron parameters during training: every seed (thin) and the mean with its 95 % interval "
                 f"({len(study.seeds)} seeds; {study.label})", fontsize=9)
    return _fig(fig, "k_trajectories", t,
                "F-c: KLIF's k per layer (and PLIF's τ per layer) at the end of every epoch, read from the runs' "
                "metrics (snnlab.monitors.neuron_parameters), epoch 0 = the initial value: every seed (thin lines) "
                f"and the mean with its 95 % t interval. Our measurement; {study.label}; profile {study.profile}.",
                dict(configs=study.configs, seeds=study.seeds))


def figure_training_curves(study: Study) -> dict:
    """F-d: test accuracy, training loss and test firing rate per epoch: mean with 95 % interval per variant."""
    from snnlab.plotting import figure, integer_epochs

    cols = [(c, lab) for c, lab in (("test_acc", "test accuracy (%)"), ("train_loss", "training loss"),
                                    ("firing_rate_mean", "mean test firing rate")) if c in study.curves]
    fig, axes = figure(1, len(cols), width=4.7 * len(cols), height=3.5, squeeze=False)
    for ax, (col, lab) in zip(axes[0], cols):
        scale = 100.0 if col == "test_acc" else 1.0
        for j, v in enumerate(study.variants):
            d = study.curves[study.curves.variant == v]
            pts = [(e, *_interval(scale * de[col].astype(float))) for e, de in d.groupby("epoch")]
            x = [p[0] + 0.06 * (j - 1.5) for p in pts]
            err = None if any(math.isnan(p[2]) for p in pts) else [[p[1] - p[2] for p in pts],
                                                                   [p[3] - p[1] for p in pts]]
            ax.errorbar(x, [p[1] for p in pts], yerr=err, fmt="o-", color=_variant_color(v), ms=4, capsize=3,
                        label=v)
        integer_epochs(ax)
        if col == "test_acc":  # a t interval of few seeds can reach past 0 or 100 %: the axis stays inside
            lo, hi = ax.get_ylim()
            ax.set_ylim(max(lo, 0.0), min(hi, 100.0))
        ax.set_title(lab)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"KLIF vs LIF vs PLIF under identical training, mean and 95 % interval over {len(study.seeds)} "
                 f"paired seeds ({study.label})", fontsize=9)
    return _fig(fig, "training_curves", study.curves,
                "F-d: test accuracy, training loss and test firing rate per epoch for LIF, PLIF, KLIF (and KLIF with "
                "scale_reset=True) under identical training: mean over seeds with its 95 % t interval. Our "
                f"measurement; {study.label}; profile {study.profile}.",
                dict(configs=study.configs, seeds=study.seeds))


def figure_accuracy(study: Study, name: str = "accuracy") -> dict:
    """Best test accuracy per variant: the mean with its 95 % interval, every seed as a dot."""
    from snnlab.plotting import figure, interval_points

    data = {v: list(100 * study.per_run[study.per_run.variant == v].best_test_acc) for v in study.variants}
    fig, ax = figure(1, 1, width=6.5, height=3.6)
    if all(len(v) >= 2 for v in data.values()):
        interval_points(ax, data, colors={v: _variant_color(v) for v in data}, ylabel="best test accuracy (%)")
    else:  # one seed: no interval to draw
        for i, (v, vals) in enumerate(data.items()):
            ax.plot([i] * len(vals), vals, "o", color=_variant_color(v))
        ax.set_xticks(range(len(data)), list(data))
        ax.set_ylabel("best test accuracy (%)")
    ax.set_title(f"Best test accuracy, mean and 95 % interval, {len(study.seeds)} paired seeds", fontsize=9)
    return _fig(fig, name, study.per_run,
                "Best test accuracy of LIF, PLIF, KLIF (and KLIF with scale_reset=True) under identical training: the "
                f"mean with its 95 % t interval and every seed (dots). Our measurement; {study.label}; profile "
                f"{study.profile}.", dict(configs=study.configs, seeds=study.seeds))


def _short(r: stats.ClaimRow) -> str:
    """A short label of a study row: "K3 layer 1", "K4 KLIF − LIF", "K5 time per training step"."""
    cid, m = r.claim.split(":")[0], r.measure
    if cid == "K3":
        return f"K3 {m.split(', ')[1].split(' (')[0]}"
    if "best test accuracy, " in m:
        return f"{cid} {m.split('best test accuracy, ')[1].split(' (points)')[0]}"
    return f"{cid} {m.split(',')[0]}"


def figure_effects(rows: Sequence[stats.ClaimRow], study: Study, name: str = "effects") -> dict:
    """The paired effects behind the verdicts: accuracy effects (points) and cost effects (%), each with its 95 %
    interval and the claim's margin."""
    import pandas as pd

    from snnlab.plotting import figure

    meas = [r for r in rows if r.verdict in ("supported", "contradicted", "inconclusive") and r.ci_low is not None
            and r.ci_high is not None and r.n_seeds and r.n_seeds >= 2]
    groups = [("points", [r for r in meas if "points" in r.measure]), ("%", [r for r in meas if "(%" in r.measure]),
              ("Δk", [r for r in meas if r.claim.startswith("K3")])]
    groups = [(u, g) for u, g in groups if g]
    fig, axes = figure(1, max(1, len(groups)), width=5.0 * max(1, len(groups)), height=0.9 + 0.55 *
                       max([len(g) for _, g in groups] + [1]), squeeze=False)
    colors = {"supported": "#2a7d2a", "contradicted": "#b22222", "inconclusive": "#777777"}
    for ax, (unit, g) in zip(axes[0], groups):
        for i, r in enumerate(g):
            ax.errorbar([r.effect], [i], xerr=[[r.effect - r.ci_low], [r.ci_high - r.effect]], fmt="o",
                        color=colors[r.verdict], capsize=4)
        ax.axvline(K5_MARGIN if unit == "%" else 0.0, color="0.3", ls="--", lw=0.9)
        ax.set_yticks(range(len(g)), [f"{_short(r)}\n({r.verdict})" for r in g], fontsize=7)
        ax.set_xlabel({"points": "effect (points of accuracy)", "%": f"KLIF relative to LIF (%), margin "
                       f"+{K5_MARGIN:g} %", "Δk": "k after training − k_init"}[unit])
    fig.suptitle(f"Paired effects with 95 % intervals (colour: verdict), {len(study.seeds)} seeds; {study.label}",
                 fontsize=9)
    data = pd.DataFrame([r.to_dict() for r in meas])
    return _fig(fig, name, data,
                "The paired effects behind the KLIF verdicts (K3 per layer, K4, K5, the K6 stand-in): mean over "
                "paired seeds with its 95 % t interval; dashed: the claim's margin (0, or +"
                f"{K5_MARGIN:g} % for costs); colour: supported / contradicted / inconclusive. {study.label}; "
                f"profile {study.profile}.", dict(configs=study.configs, seeds=study.seeds))
