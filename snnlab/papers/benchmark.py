"""The shared quick benchmark: one network, data, T, budget and seed list for every neuron, read by the notebooks of
all three papers.

**What it is.** Every neuron (``lif plif glif klif clif ilif``) and the ReLU ANN of identical structure (T = 1)
trains the same small conv net (``small_conv``: ``[Conv3×3(1→8) → BN → neuron → MaxPool] → [Conv3×3(8→16) → BN →
neuron → MaxPool] → FC(784→128) → BN → neuron → FC(128→10)``) on Fashion-MNIST with direct encoding at T = 4, on a
seeded 12,000-image training subset for 2 epochs (AdamW, lr 3e-3, no weight decay, cosine decay per step to 0, TET
loss, batch 64), and is evaluated on the full 10,000-image test set after each epoch. Neuron settings are the CLIF
code's for every neuron (τ = 2, V_th = 1, soft reset, Rectangle surrogate of width γ = 1; KLIF and GLIF keep their
own dynamics), i.e. ``paper_neuron_params("clif", neuron)``. The recipe itself is
``snnlab.experiments.registry.BENCH_FMNIST`` (it sits below this layer so that ``python -m snnlab train
bench-fmnist-lif`` resolves); the simulated event-camera variant (``simevents``) is ``BENCH_EVENTS``.

**Seeds and pairing.** ``SEEDS`` (five). A seed fixes the initialisation, the training subset and the data order,
identically for every neuron, so two neurons with the same seed form a pair (``snnlab.stats.paired_effect``).

**Slices.** Each paper's notebooks take the cells they need from functions that derive a ``RunConfig`` from
``config(neuron, seed)`` with ``.replace(...)`` only: a slice cell equal to a base cell (γ = 1, T = 4, τ = 2 with
full BPTT, KLIF without scale_reset) *is* the base cell (same config hash, trained once):

* ILIF (γ dilemma): ``gamma(neuron, γ, seed)`` over ``GAMMAS`` (Rectangle width γ);
* KLIF: ``klif(seed, k_init=…, scale_reset=…)`` (``KLIF_VARIANTS``);
* CLIF: ``steps(neuron, T, seed)`` over ``TS``; ``truncation(τ, k_trunc, seed)`` over ``TAUS`` × ``K_TRUNCS``
  (LIF, C3); ``switch(seed)`` (LIF → CLIF after epoch ``SWITCH_EPOCH``, C5).

``plan(paper)`` lists every distinct cell (labels + config) of the base and the slices.

**Sanity floors.** ``FLOORS`` per dataset and neuron; ``check(accuracies)`` raises ``snnlab.stats.BaselineError``
when a base run is under its floor, so that a notebook stops instead of drawing a verdict from a broken baseline.

**Why the old quick ANN failed (16.9 %, 1.1 % of layer-2 ReLUs active).** The quick families trained every neuron
with SGD, lr 0.1, momentum 0.9 and no warm-up. For the ReLU network the first step on the output layer is larger
than its weights (the 784 real-valued features of O(1) give a gradient several times that of spikes): logits jump
from SD 0.65 to 4.2 and the loss from 2.4 to 5.9; the gradient that undoes the overshoot drives the last conv
layer's BN scale γ through 0 (to −0.8) and its shift β to −1.7 within ten steps, every ReLU of that layer goes
silent, and no gradient reaches it again (measured on quick-clif-fmnist-ann; lr 0.01: 62 %, AdamW 2e-3: 74 % on the
same 1,000 images, layer 2 45-50 % active). Neither the initialisation (50 % active at init) nor BN itself is at
fault: the step size is. The benchmark trains every neuron with AdamW at 3e-3, where the ANN learns (tests/papers/
test_benchmark.py checks its layers are active at init and after training on a tiny set).

**Sizing.** Budget: about 100 distinct runs (``len(plan())``; 110 before the γ grid lost γ = 2) must fit a quick ``make -j2 figures`` of under 30
minutes on a 2-core CPU, so one base run may cost about 20-30 s of one core. Measured on the shared 2-core machine
while other jobs kept its load at 6-10 (CPU seconds of the run's process, which load inflates less than wall time;
one torch thread; LIF with the CLIF code's settings, seed 0, best accuracy on the full 10,000-image test set;
``benchmarks/quick_benchmark.py``, ``benchmarks/results/quick-benchmark-vm.json``):

==========================  ==========  ========================  =======  =======
network                     train       lr schedule               LIF (%)  CPU s
==========================  ==========  ========================  =======  =======
conv 16/32                  15k × 1     AdamW 2e-3, constant      83.5     —
conv 8/16                   30k × 1     AdamW 3e-3, constant      85.3     —
conv 8/16                   12k × 3     AdamW 3e-3, cosine/epoch  86.1     —
conv 16/32 + FC 128         15k × 1     AdamW 3e-3, constant      86.1     —
conv 8/16 + FC 128          20k × 2     AdamW 3e-3, cosine/epoch  87.6     60
conv 8/16 + FC 128          24k × 1     AdamW 3e-3, cosine/step   86.8     37
conv 8/16 + FC 128          24k × 1     AdamW 6e-3, cosine/step   87.0     40
conv 8/16 + FC 128, b 32    12k × 2     AdamW 3e-3, cosine/step   86.9     46
conv 8/16 + FC 256          12k × 2     AdamW 3e-3, cosine/step   87.0     44
**conv 8/16 + FC 128**      **12k × 2** **AdamW 3e-3, cosine/step** 86.7   30-42
==========================  ==========  ========================  =======  =======

The chosen recipe (last row), seeds 0 and 1: LIF 86.74 / 86.77 %, CLIF 86.53 / 86.45 %, ReLU ANN 87.77 / 87.68 % and
seed 0 of the others: PLIF 86.81, GLIF 86.47, KLIF 85.91, ILIF 86.45 % (CPU per run at load 8-17: 30-42 s for the
spiking neurons, 11 s for the ANN; the plan priced from them: 110 runs, 4,300 CPU s, 36 min on 2 cores at that load,
less on an idle machine; fewer γ values or a 10k subset would trim it). The FC layer is worth 2-3 points at equal
cost (it also keeps the ANN's last conv layer alive under SGD, see above); decaying the lr within the run about 1
point (hence ``schedule="cosine_steps"``); more data gains about a point at 1.5x the cost (20k × 2: 87.6 %).
Every epoch evaluates the full test set (≈ 1/3 of a run's cost at 2 epochs); two epochs are kept because the CLIF
switch slice and the loss curves need them. What the budget does not buy: the 88-91 % a small conv net reaches with
full training; the floors (85 % for LIF and the ANN) are what this budget reaches with 1.5-3 points to spare.
Measured again on a quiet machine (2026-12-03, one torch thread, in a process that trains; LIF, seed 0): a training
step of batch 64 took 56 ms and the 10,000-image evaluation 5.1 s with glibc's default allocator and torch's
max-pooling; with ``snnlab.malloc`` (freed blocks reused), the static-BN statistics from one ``batch_norm`` pass and
the C 2×2 max-pooling (``snnlab.kernels.pool``) 31 ms and 2.2 s, so a base LIF run costs about 17 s of one core
(30 s before); a k_trunc = 1 step 95 -> 56 ms with truncated BPTT's one-pass k = 1 path (``snnlab.tbptt``).
The event variant (``plan(dataset="simevents")``, not in the default plan: its runs cost about 1.5x, ~55 s CPU for
LIF at load 16 including the frame cache) reaches LIF 83.6 %, ANN 85.9 % on the 2,000 generated test samples
(seed 0).
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Union

from snnlab.experiments import registry as _registry
from snnlab.experiments.config import RunConfig

__all__ = ["NEURONS", "SPIKING", "SEEDS", "DATASETS", "RECIPES", "GAMMAS", "TS", "TAUS", "K_TRUNCS",
           "SWITCH_EPOCH", "KLIF_VARIANTS", "FLOORS", "Cell", "name", "neuron_params", "config", "configs",
           "gamma", "klif", "steps", "truncation", "switch", "plan", "floor", "check"]

NEURONS = ("lif", "plif", "glif", "klif", "clif", "ilif", "relu")
SPIKING = NEURONS[:-1]
#: five paired seeds (a verdict needs at least 5, snnlab.stats.MIN_SEEDS)
SEEDS = (0, 1, 2, 3, 4)
DATASETS = tuple(_registry.BENCH_DATASETS)
RECIPES = MappingProxyType({k: MappingProxyType(dict(v)) for k, v in _registry.BENCH_DATASETS.items()})

#: ILIF's γ dilemma: Rectangle surrogate widths (γ = 1 = V_th is the base): a narrow, the base and a wide support
#: (γ = 2 was dropped for the 30-minute quick budget: its 10 runs cost 3 CPU-minutes; the paper profile sweeps 7)
GAMMAS = (0.5, 1.0, 4.0)
#: CLIF: time steps (T = 4 is the base), LIF's τ and truncation windows for C3 (τ = 2 with full BPTT is the base)
TS = (2, 4, 8)
TAUS = (1.1, 2.0)
K_TRUNCS = (1, None)
#: CLIF Fig. 3a at this scale: LIF for epoch 1, CLIF for epoch 2
SWITCH_EPOCH = 1
#: KLIF slices besides the base: the reset scaled by k (klif.md §1.4)
KLIF_VARIANTS = ({"scale_reset": True},)

#: minimum best test accuracy of each base run (every seed); a run under its floor stops the notebook.
FLOORS: Mapping[str, Mapping[str, float]] = MappingProxyType({
    # measured (seed 0): ANN 87.8, LIF 86.7, PLIF 86.8, GLIF 86.5, KLIF 85.9, CLIF 86.5, ILIF 86.5 %; the spread
    # over seeds is ~0.1 point, so 3-4 points under the measured value means something is broken
    "fmnist": MappingProxyType({"relu": 0.85, "lif": 0.85, "plif": 0.83, "glif": 0.83, "klif": 0.82, "clif": 0.83,
                                "ilif": 0.83}),
    # measured (seed 0, the 2,000 generated test samples): ANN 85.9, LIF 83.6 %; the other neurons not yet measured
    "simevents": MappingProxyType({"relu": 0.82, "lif": 0.80, "plif": 0.78, "glif": 0.78, "klif": 0.78,
                                   "clif": 0.78, "ilif": 0.78}),
})
_WHAT = {
    "relu": "the ANN's layer activity at init and after a few steps (the old SGD lr 0.1 recipe silenced its last conv "
            "layer), the optimiser and lr of the recipe, and that the full test set was evaluated",
    "lif": "the neuron settings (τ, V_th, surrogate width), T, the recipe's optimiser/lr, and the data (full test set, "
           "normalisation)",
}


class Cell(NamedTuple):
    """One benchmark cell: what it varies (``labels``, e.g. ``{"paper": "ilif", "neuron": "lif", "gamma": 2.0,
    "seed": 0}``) and its ``config``."""

    labels: Dict[str, object]
    config: RunConfig


def _check_neuron(neuron: str) -> None:
    if neuron not in NEURONS:
        raise ValueError(f"benchmark neuron must be one of {NEURONS} ('relu' = the ANN), got {neuron!r}")


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        raise ValueError(f"benchmark dataset must be one of {DATASETS}, got {dataset!r}")


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int (the benchmark's seeds are {SEEDS}), got {seed!r}")


def name(neuron: str, dataset: str = "fmnist") -> str:
    """Registry name of a base config: ``bench-<dataset>-<neuron>`` (``ann`` for the ReLU network)."""
    _check_neuron(neuron)
    _check_dataset(dataset)
    return f"bench-{dataset}-{'ann' if neuron == 'relu' else neuron}"


def neuron_params(neuron: str) -> dict:
    """The benchmark's neuron settings (the CLIF code's, for every neuron)."""
    _check_neuron(neuron)
    return _registry.paper_neuron_params("clif", neuron)


def config(neuron: str, seed: int = SEEDS[0], dataset: str = "fmnist", **changes) -> RunConfig:
    """The base ``RunConfig`` of ``neuron`` for ``seed`` (any non-negative int; the benchmark's are ``SEEDS``),
    with optional ``changes`` (``RunConfig.replace`` keys, dotted for dict entries). The name stays
    ``bench-<dataset>-<neuron>`` so derived cells that equal a base cell share its run."""
    _check_neuron(neuron)
    _check_seed(seed)
    base = _registry.bench_config(neuron, dataset)
    if seed != base.seed:
        base = base.replace(seed=seed)
    return base.replace(**changes) if changes else base


def configs(neurons: Sequence[str] = NEURONS, seeds: Sequence[int] = SEEDS, dataset: str = "fmnist") -> List[RunConfig]:
    """The base configs of ``neurons`` × ``seeds``."""
    return [config(n, s, dataset) for n in neurons for s in seeds]


# --------------------------------------------------------------------------------------------------- slices
def gamma(neuron: str, width: float, seed: int = SEEDS[0], dataset: str = "fmnist") -> RunConfig:
    """ILIF's γ dilemma: ``neuron`` with a Rectangle surrogate of width ``width`` (γ = 1 is the base cell)."""
    if neuron == "relu":
        raise ValueError("the ANN has no surrogate gradient: gamma() takes a spiking neuron")
    width = float(width)
    if not width > 0:
        raise ValueError(f"surrogate width γ must be positive, got {width!r}")
    return config(neuron, seed, dataset, **{"neuron_params.surrogate": "rectangle", "neuron_params.width": width})


def klif(seed: int = SEEDS[0], k_init: float = 1.0, scale_reset: bool = False, dataset: str = "fmnist") -> RunConfig:
    """KLIF with its k initialised to ``k_init`` and optionally the reset scaled by k (the base: k_init = 1, no
    scale_reset; the defaults are left out of neuron_params so that the base cell is shared)."""
    changes = {}
    if float(k_init) != 1.0:
        changes["neuron_params.k_init"] = float(k_init)
    if scale_reset:
        changes["neuron_params.scale_reset"] = True
    return config("klif", seed, dataset, **changes)


def steps(neuron: str, T: int, seed: int = SEEDS[0], dataset: str = "fmnist") -> RunConfig:
    """``neuron`` simulated for ``T`` time steps (T = 4 is the base cell)."""
    if neuron == "relu":
        raise ValueError("the ANN runs with T = 1: steps() takes a spiking neuron")
    return config(neuron, seed, dataset, T=int(T))  # equal values give an equal config: T = 4 is the base cell


def truncation(tau: float, k_trunc: Optional[int], seed: int = SEEDS[0], neuron: str = "lif",
               dataset: str = "fmnist") -> RunConfig:
    """CLIF C3: ``neuron`` (LIF) with time constant ``tau`` trained with BPTT truncated to ``k_trunc`` steps (None =
    full BPTT; τ = 2 with full BPTT is the base cell)."""
    if neuron == "relu":
        raise ValueError("truncated BPTT needs a spiking neuron")
    changes = {}
    if float(tau) != neuron_params(neuron).get("tau"):
        changes["neuron_params.tau"] = float(tau)
    if k_trunc is not None:
        if k_trunc < 1:
            raise ValueError(f"k_trunc must be None (full BPTT) or a positive int, got {k_trunc!r}")
        if k_trunc < RECIPES[dataset]["T"]:
            changes["k_trunc"] = int(k_trunc)
    return config(neuron, seed, dataset, **changes)


def switch(seed: int = SEEDS[0], epoch: int = SWITCH_EPOCH, dataset: str = "fmnist") -> RunConfig:
    """CLIF C5 / Fig. 3a: LIF for ``epoch`` epochs, then CLIF (weights and optimiser state kept)."""
    return config("lif", seed, dataset, switch_neuron={"epoch": int(epoch), "neuron": "clif",
                                                        "neuron_params": neuron_params("clif")})


# --------------------------------------------------------------------------------------------------- plan
def _cells(paper: str, seeds: Sequence[int], dataset: str) -> Iterable[Cell]:
    if paper == "base":
        for n in NEURONS:
            for s in seeds:
                yield Cell({"paper": "base", "neuron": n, "seed": s}, config(n, s, dataset))
    elif paper == "ilif":
        for n in ("lif", "ilif"):
            for g in GAMMAS:
                for s in seeds:
                    yield Cell({"paper": "ilif", "neuron": n, "gamma": g, "seed": s}, gamma(n, g, s, dataset))
    elif paper == "klif":
        for variant in ({},) + KLIF_VARIANTS:
            for s in seeds:
                yield Cell({"paper": "klif", "neuron": "klif", **variant, "seed": s}, klif(s, dataset=dataset,
                                                                                           **variant))
    elif paper == "clif":
        for n in ("lif", "clif"):
            for T in TS:
                for s in seeds:
                    yield Cell({"paper": "clif", "neuron": n, "T": T, "seed": s}, steps(n, T, s, dataset))
        for tau in TAUS:
            for k in K_TRUNCS:
                for s in seeds:
                    yield Cell({"paper": "clif", "neuron": "lif", "tau": tau, "k_trunc": k, "seed": s},
                               truncation(tau, k, s, dataset=dataset))
        for s in seeds:
            yield Cell({"paper": "clif", "neuron": "lif->clif", "switch_epoch": SWITCH_EPOCH, "seed": s},
                       switch(s, dataset=dataset))
    else:
        raise ValueError(f"paper must be one of 'base', 'ilif', 'klif', 'clif', got {paper!r}")


def plan(papers: Union[str, Sequence[str]] = ("base", "ilif", "klif", "clif"), seeds: Sequence[int] = SEEDS,
         dataset: str = "fmnist", unique: bool = True) -> List[Cell]:
    """Every cell of ``papers`` (``base`` = all neurons at the base config, or a paper's slices), in order; with
    ``unique`` a config that appears twice (a slice cell equal to a base cell) is listed once, with the first
    labels. ``len(plan())`` is the number of runs the quick benchmark trains."""
    _check_dataset(dataset)
    if isinstance(papers, str):
        papers = (papers,)
    out, seen = [], set()
    for p in papers:
        for cell in _cells(p, seeds, dataset):
            h = cell.config.hash()
            if unique and h in seen:
                continue
            seen.add(h)
            out.append(cell)
    return out


# --------------------------------------------------------------------------------------------------- floors
def floor(neuron: str, dataset: str = "fmnist") -> float:
    """The sanity floor of a base run's best test accuracy (fraction)."""
    _check_neuron(neuron)
    _check_dataset(dataset)
    return FLOORS[dataset][neuron]


def check(accuracies: Mapping[str, Union[float, Mapping[int, float], Sequence[float]]], dataset: str = "fmnist"
          ) -> None:
    """Stop (``snnlab.stats.BaselineError``) when any base run is under its floor: ``accuracies`` maps a neuron to
    its best test accuracy (a fraction), per seed (``{seed: acc}``) or as one number."""
    from snnlab.stats import check_baseline

    for neuron, acc in accuracies.items():
        what = _WHAT.get(neuron, "the neuron's settings against its spec, and the LIF and ANN baselines of the "
                                 "same seeds")
        check_baseline(f"{name(neuron, dataset)} (best test accuracy)", acc, floor(neuron, dataset), what)
