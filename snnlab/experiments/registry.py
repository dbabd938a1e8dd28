"""Named run configurations: every paper setting in the specs, plus ``smoke-*`` (seconds, synthetic data, CI) and
``quick-*`` (minutes on a 2-core CPU, real Fashion-MNIST / simulated events) families.

``get(name)`` returns the ``RunConfig``; ``names(pattern=None)`` lists them (``fnmatch`` pattern). Notebooks derive
their grids with ``get(...).replace(...)``.

Paper families (``profile="paper"``; sources in brackets):

* ``clif-cifar10-resnet18-<neuron>-T<4|6|8>``, ``clif-cifar100-...`` [clif.md §3.4 Table 5, README]: SGD lr 0.1,
  momentum 0.9, wd 5e-5 (CIFAR-10) / 5e-4 (CIFAR-100), batch 128, 200 epochs, cosine T_max 200, TET loss
  (λ_loss 0.05, MSE to 1.0), dropout 0, seed 2022, AMP; ``-star`` variants use the augmented recipe
  (``augment="clif_star"``: TrivialAugmentWide, RandomErasing, Mixup/CutMix; epochs not stated, 200 chosen).
  ``<neuron>`` is lif plif klif glif clif ilif or ``ann`` (the ReLU network, T = 1).
* ``clif-tinyimagenet-vgg13-<neuron>-T<4|6>``: batch 256, 300 epochs, wd 5e-4 (Table 5; see clif.md §5.3).
* ``clif-dvscifar10-vgg11-<neuron>-T10``: lr 0.05, dropout 0.3, MSE to the one-hot label (README), 300 epochs.
* ``clif-dvsgesture-vgg11-<neuron>-T20``: batch 16, dropout 0.4, 300 epochs.
* ``clif-table3a-resnet18-lif-tau<τ>-k<k>`` (CIFAR-10, T = 6, Table 4 settings) and
  ``clif-table3b-vgg11-gesture-lif-tau<τ>-k<k>`` (T = 20): LIF accuracy against τ and the truncation window.
* ``clif-fig2a-snn5-lif-tau<τ>-k<k>`` (CIFAR-10, T = 6; CIFAR-10 defaults with ``snn5_noap`` [inferred]),
  ``clif-fig2b-snn5-<lif|clif>-T<T>-s<seed>`` (T grid 2…64 and 4 seeds [chosen: not given]).
* ``clif-fig3a-resnet18-lif2clif-e<e>`` (switch epochs 50/100/150 [chosen: not given]),
  ``clif-fig3b-resnet18-<lif|clif>-T<1|2|4|6|8>``.
* ``ilif-<cifar10|cifar100>-resnet18-<neuron>``, ``ilif-dvscifar10-vgg11-<neuron>``,
  ``ilif-dvsgesture-vgg11-<neuron>`` [ilif.md §3.1]: τ = 1.1, Sigmoid(α = 4) = width 1, seed 1234, 200 epochs.
* ``klif-<cifar10|cifar10dvs|dvsgesture>-<neuron>-T<10|15|12>`` [klif.md §3.3: only T is known; the network
  ("Modified PLIF Net") is unknown, so the CLIF code's networks and recipe are used: INFERENCE];
  ``klif-<mnist|fmnist|nmnist>-plifnet-<neuron>-T<8|8|10>`` (T unknown: PLIF's; a PLIF-like net: INFERENCE).
  LIF, PLIF and KLIF all take SpikingJelly's defaults here (``KLIF_SJ_NEURON``, klif.md §1.4).
* ``quick-clif-fmnist-<neuron>`` and ``quick-clif-simevents-<neuron>``: the CLIF notebooks' quick bases
  (``QUICK_CLIF``, ``QUICK_CLIF_EVENTS``); grids derive from them with ``.replace(...)``.
* ILIF notebooks (notebooks/ilif, ``_register_ilif_notebooks``): ``ilif-<dataset>-<model>-klif`` (KLIF with the ILIF
  recipe, completing the ILIF comparison table); ``ilif-gamma-cifar10-<resnet18|snn5>-<lif|ilif>-g<γ>-s<seed>``
  (the γ sweep of ilif.md §2.3 item 4: ILIF recipe with the Rectangle surrogate of width γ, seeds 1234–1236
  [chosen: the paper's seeds are not known]); ``quick-ilif-gamma-<lif|ilif>-g<γ>-s<seed>`` and
  ``quick-ilif-<fmnist|simevents>-<neuron>``: the quick set (``QUICK_ILIF``).
* ``bench-<fmnist|simevents>-<neuron>``: the shared quick benchmark (``BENCH_FMNIST``, ``BENCH_EVENTS``; seeds, slices
  and floors in ``snnlab.papers.benchmark``).
* ``quick-klif-<fmnist|simevents>-<lif|plif|klif>`` and ``quick-klif-fmnist-klif-scalereset``: the KLIF notebooks'
  quick set (``QUICK_KLIF``).

Every paper configuration carries the authors' data recipe (``data_opts``: ``frames="authors"`` for event data, the
CLIF CIFAR10-DVS augmentation, ``drop_last``, the DVS ANN's frame 0), ``deterministic="cudnn"`` and ``notes`` listing
what still differs from the authors' code and why (``snnlab.experiments.paper_notes``).

Neuron parameters per paper: CLIF code: τ = 2, V_th = 1, soft reset, decay_input False, Rectangle γ = 1 for every
neuron that takes them (KLIF and GLIF keep their own defaults apart from the surrogate). ILIF code: τ = 1.1 and
Sigmoid(α = 4).
"""
from __future__ import annotations

import fnmatch
from typing import Callable, Dict, List, Optional

from snnlab.config import RunConfig
from snnlab.experiments.paper_notes import authors_recipe

__all__ = ["get", "names", "register", "NEURONS", "paper_neuron_params", "clif_task_name", "clif_trunc_name",
           "clif_fig2b_name", "clif_fig3b_name", "clif_switch_name", "ilif_gamma_name", "CLIF_TASKS"]

NEURONS = ("lif", "plif", "glif", "klif", "clif", "ilif")
#: SpikingJelly's LIFNode / ParametricLIFNode / KLIFNode defaults (klif.md §1.4), shared by the KLIF comparisons.
KLIF_SJ_NEURON = {"tau": 2.0, "v_threshold": 1.0, "reset": "hard", "decay_input": True, "surrogate": "sigmoid",
                  "width": 1.0}
_REGISTRY: Dict[str, Callable[[], RunConfig]] = {}


def register(name: str, factory: Callable[[], RunConfig]) -> None:
    if name in _REGISTRY:
        raise ValueError(f"config {name!r} registered twice")
    _REGISTRY[name] = factory


def get(name: str) -> RunConfig:
    """The named ``RunConfig`` (see ``names()``)."""
    if name not in _REGISTRY:
        close = fnmatch.filter(_REGISTRY, f"*{name}*")[:10]
        hint = f"; did you mean one of {close}" if close else "; list them with `python -m snnlab configs`"
        raise KeyError(f"unknown config {name!r}{hint}")
    return _REGISTRY[name]()


def names(pattern: Optional[str] = None) -> List[str]:
    out = sorted(_REGISTRY)
    return fnmatch.filter(out, pattern) if pattern else out


# ------------------------------------------------------------------------------------------------- neurons
def paper_neuron_params(paper: str, neuron: str) -> dict:
    """Neuron keyword arguments of a paper's code for ``neuron`` (empty dict = the neuron's own defaults)."""
    if neuron == "relu":
        return {}
    if paper == "clif":
        if neuron in ("lif", "plif", "clif", "ilif"):
            return {"tau": 2.0, "v_threshold": 1.0, "surrogate": "rectangle", "width": 1.0}
        return {"surrogate": "rectangle", "width": 1.0}  # klif, glif: own dynamics defaults
    if paper == "ilif":
        if neuron in ("lif", "plif", "clif", "ilif"):
            return {"tau": 1.1, "v_threshold": 1.0, "surrogate": "sigmoid", "width": 1.0}
        return {"surrogate": "sigmoid", "width": 1.0}
    if paper == "klif":
        # SpikingJelly defaults (klif.md §1.4, [SJ]) for LIF, PLIF and KLIF alike, so that the comparison differs only
        # by k and the ReLU: τ = 2, V_th = 1, hard reset to 0, decay_input=True, Sigmoid α = 4 (width 1).
        if neuron in ("lif", "plif", "klif"):
            return dict(KLIF_SJ_NEURON)
        return {}
    if paper == "quick":
        return {}
    raise ValueError(f"unknown paper {paper!r}")


def _neuron_tag(neuron: str) -> str:
    return "ann" if neuron == "relu" else neuron


# ------------------------------------------------------------------------------------------------- names
# The registry names of the paper grids, built here once: the registration below and the families
# (``snnlab.experiments.families``, used by the notebooks and ``snnlab.papers``) both call these.

#: CLIF's main tasks: task -> (registered T values, the ANN's name has no T)
CLIF_TASKS = {"cifar10-resnet18": ((4, 6, 8), True), "cifar100-resnet18": ((4, 6, 8), True),
              "cifar10star-resnet18": ((4, 6, 8), True), "cifar100star-resnet18": ((4, 6, 8), True),
              "tinyimagenet-vgg13": ((4, 6), True), "dvscifar10-vgg11": ((10,), False),
              "dvsgesture-vgg11": ((20,), False)}
#: the truncation grids: family prefix -> full-BPTT T (the registered k = T is k_trunc None)
CLIF_TRUNC = {"clif-fig2a-snn5": 6, "clif-table3a-resnet18": 6, "clif-table3b-vgg11-gesture": 20}
CLIF_TAUS = (1.1, 1.3, 1.5, 1.8, 2.0)
CLIF_FIG2B_SEED0 = 2022


def clif_task_name(task: str, neuron: str, T: int) -> str:
    """``clif-<task>-<neuron>-T<T>``; the ReLU ANN is ``clif-<task>-ann`` (static tasks) or ``-ann-T<T>`` (DVS)."""
    if task not in CLIF_TASKS:
        raise ValueError(f"unknown CLIF task {task!r}; expected one of {sorted(CLIF_TASKS)}")
    if neuron == "relu":
        return f"clif-{task}-ann" if CLIF_TASKS[task][1] else f"clif-{task}-ann-T{T}"
    return f"clif-{task}-{neuron}-T{T}"


def clif_trunc_name(prefix: str, tau: float, k_trunc: Optional[int]) -> str:
    """``<prefix>-lif-tau<τ>-k<k>`` of the τ × truncation grids (k = T, or k_trunc None, is full BPTT)."""
    full = CLIF_TRUNC[prefix]
    k = full if k_trunc is None or k_trunc >= full else int(k_trunc)
    return f"{prefix}-lif-tau{float(tau)}-k{k}"


def clif_fig2b_name(neuron: str, T: int, seed: int) -> str:
    """``clif-fig2b-snn5-<neuron>-T<T>-s<seed − 2022>`` (registered seeds 2022…2025)."""
    return f"clif-fig2b-snn5-{neuron}-T{T}-s{seed - CLIF_FIG2B_SEED0}"


def clif_fig3b_name(neuron: str, T: int) -> str:
    """Fig. 3b's cell: T = 4, 6, 8 are the Table 1 runs (identical settings, trained once), the others
    ``clif-fig3b-resnet18-<neuron>-T<T>``."""
    if T in CLIF_TASKS["cifar10-resnet18"][0]:
        return clif_task_name("cifar10-resnet18", neuron, T)
    return f"clif-fig3b-resnet18-{_neuron_tag(neuron)}-T{T}"


def clif_switch_name(switch_epoch: int) -> str:
    """CLIF Fig. 3a: LIF → CLIF at ``switch_epoch`` on ResNet-18, CIFAR-10, T = 6."""
    return f"clif-fig3a-resnet18-lif2clif-e{switch_epoch}"


def ilif_gamma_name(prefix: str, neuron: str, gamma: float, seed: int) -> str:
    """``<prefix>-<neuron>-g<γ>-s<seed>`` of the ILIF γ sweeps."""
    return f"{prefix}-{neuron}-g{gamma:g}-s{seed}"


# ------------------------------------------------------------------------------------------------- paper
_CIFAR = dict(profile="paper", model="spiking_resnet18", batch_size=128, epochs=200, lr=0.1, momentum=0.9,
              schedule="cosine", loss="tet", loss_lambda=0.05, loss_means=1.0, amp=True, num_workers=4)
_DVS = dict(profile="paper", model="spiking_vgg11_bn", epochs=300, lr=0.1, momentum=0.9, weight_decay=5e-4,
            schedule="cosine", loss="tet", amp=True, num_workers=4)


def _paper(name, paper, neuron, **kw) -> None:
    T = kw.pop("T")
    base = dict(name=name, neuron=neuron, neuron_params=kw.pop("neuron_params", paper_neuron_params(paper, neuron)),
                T=1 if neuron == "relu" else T)
    base.update(kw)
    base.update(authors_recipe(paper, base["dataset"], neuron, T, base.get("data_opts")))
    register(name, lambda base=base: RunConfig(**base))


def _register_paper() -> None:
    all_neurons = NEURONS + ("relu",)
    for ds, wd in (("cifar10", 5e-5), ("cifar100", 5e-4)):
        for neuron in all_neurons:
            for T in (4, 6, 8):
                if neuron == "relu" and T != 4:
                    continue
                _paper(clif_task_name(f"{ds}-resnet18", neuron, T), "clif", neuron, T=T, dataset=ds,
                       weight_decay=wd, seed=2022, **_CIFAR)
                _paper(clif_task_name(f"{ds}star-resnet18", neuron, T), "clif", neuron, T=T, dataset=ds,
                       weight_decay=wd, seed=2022, data_opts={"augment": "clif_star"}, **_CIFAR)
    for neuron in all_neurons:
        for T in (4, 6):
            if neuron == "relu" and T != 4:
                continue
            _paper(clif_task_name("tinyimagenet-vgg13", neuron, T), "clif", neuron, T=T, dataset="tiny_imagenet",
                   **{**_DVS, "model": "spiking_vgg13_bn", "batch_size": 256}, seed=2022)
        _paper(clif_task_name("dvscifar10-vgg11", neuron, 10), "clif", neuron, T=10, dataset="cifar10_dvs",
               **{**_DVS, "lr": 0.05, "batch_size": 128}, model_params={"dropout": 0.3}, mse_target="onehot",
               seed=2022)
        _paper(clif_task_name("dvsgesture-vgg11", neuron, 20), "clif", neuron, T=20, dataset="dvs_gesture",
               **{**_DVS, "batch_size": 16}, model_params={"dropout": 0.4}, seed=2022)
    for tau in CLIF_TAUS:
        params = {**paper_neuron_params("clif", "lif"), "tau": tau}
        for k in range(1, 7):
            k_trunc = None if k == 6 else k
            _paper(clif_trunc_name("clif-table3a-resnet18", tau, k_trunc), "clif", "lif", T=6, dataset="cifar10",
                   weight_decay=5e-5, seed=2022, k_trunc=k_trunc, neuron_params=params, **_CIFAR)
            _paper(clif_trunc_name("clif-fig2a-snn5", tau, k_trunc), "clif", "lif", T=6, dataset="cifar10",
                   weight_decay=5e-4, seed=2022, k_trunc=k_trunc, neuron_params=params,
                   **{**_CIFAR, "model": "snn5_noap", "epochs": 300})
        for k in (1, 4, 8, 12, 16, 20):
            k_trunc = None if k == 20 else k
            _paper(clif_trunc_name("clif-table3b-vgg11-gesture", tau, k_trunc), "clif", "lif", T=20,
                   dataset="dvs_gesture", seed=2022, k_trunc=k_trunc, neuron_params=params,
                   model_params={"dropout": 0.4}, **{**_DVS, "batch_size": 16})
    for neuron in ("lif", "clif"):
        for T in (2, 4, 8, 16, 32, 64):
            for seed in range(CLIF_FIG2B_SEED0, CLIF_FIG2B_SEED0 + 4):
                _paper(clif_fig2b_name(neuron, T, seed), "clif", neuron, T=T, dataset="cifar10",
                       weight_decay=5e-4, seed=seed, **{**_CIFAR, "model": "snn5_noap", "epochs": 300})
        for T in (1, 2, 4, 6, 8):   # T = 4, 6, 8 also under their own names (the family uses the Table 1 runs)
            _paper(f"clif-fig3b-resnet18-{neuron}-T{T}", "clif", neuron, T=T, dataset="cifar10", weight_decay=5e-5,
                   seed=2022, **_CIFAR)
    for e in (50, 100, 150):
        _paper(clif_switch_name(e), "clif", "lif", T=6, dataset="cifar10", weight_decay=5e-5,
               seed=2022, switch_neuron={"epoch": e, "neuron": "clif",
                                         "neuron_params": paper_neuron_params("clif", "clif")}, **_CIFAR)
    # ILIF code (ilif.md §3.1)
    ilif_neurons = ("lif", "plif", "clif", "ilif", "relu")
    for neuron in ilif_neurons:
        tag = _neuron_tag(neuron)
        for ds, wd in (("cifar10", 5e-5), ("cifar100", 5e-4)):
            _paper(f"ilif-{ds}-resnet18-{tag}", "ilif", neuron, T=6, dataset=ds, weight_decay=wd, seed=1234,
                   **_CIFAR)
        _paper(f"ilif-dvscifar10-vgg11-{tag}", "ilif", neuron, T=10, dataset="cifar10_dvs", seed=1234,
               **{**_DVS, "lr": 0.05, "epochs": 200, "batch_size": 128}, model_params={"dropout": 0.3},
               mse_target="onehot")
        _paper(f"ilif-dvsgesture-vgg11-{tag}", "ilif", neuron, T=20, dataset="dvs_gesture", seed=1234,
               **{**_DVS, "epochs": 200, "batch_size": 16}, model_params={"dropout": 0.4})
    # KLIF (klif.md §3.3: T known, network/recipe inferred)
    for neuron in ("lif", "plif", "klif"):
        _paper(f"klif-cifar10-resnet18-{neuron}-T10", "klif", neuron, T=10, dataset="cifar10", weight_decay=5e-5,
               seed=2022, **_CIFAR)
        _paper(f"klif-dvsgesture-vgg11-{neuron}-T12", "klif", neuron, T=12, dataset="dvs_gesture", seed=2022,
               **{**_DVS, "batch_size": 16}, model_params={"dropout": 0.4})
        _paper(f"klif-dvscifar10-vgg11-{neuron}-T15", "klif", neuron, T=15, dataset="cifar10_dvs", seed=2022,
               **{**_DVS, "lr": 0.05, "batch_size": 128}, model_params={"dropout": 0.3}, mse_target="onehot")
        # MNIST, Fashion-MNIST, N-MNIST: the KLIF paper's T is unknown; PLIF's T (8 static, 10 N-MNIST) and a PLIF-like
        # net (2×[Conv128-BN-SN-MaxPool] → Dropout 0.5 → FC2048-SN → Dropout 0.5 → FC; PLIF's FC(→100)+voting
        # replaced by FC(→10)) [INFERENCE, klif.md §3.2-§3.3]; the recipe of the KLIF CIFAR-10 entry above.
        plif_net = {"channels": [128, 128], "hidden": 2048, "dropout": 0.5}
        for ds, tag, T in (("mnist", "mnist", 8), ("fashion_mnist", "fmnist", 8), ("nmnist", "nmnist", 10)):
            _paper(f"klif-{tag}-plifnet-{neuron}-T{T}", "klif", neuron, T=T, dataset=ds, seed=2022,
                   **{**_CIFAR, "model": "small_conv", "weight_decay": 5e-4}, model_params=plif_net)


# ------------------------------------------------------------------------------------------------- quick
#: the quick small net: 2 conv stages of 16/32 channels; trains Fashion-MNIST at T = 4 on a 2-core CPU.
QUICK_FMNIST = dict(profile="quick", model="small_conv", model_params={"channels": [16, 32]},
                    dataset="fashion_mnist", T=4, batch_size=128, epochs=2, optimizer="sgd", lr=0.1, momentum=0.9,
                    weight_decay=5e-4, schedule="cosine", loss="tet", seed=2022, eval_batch_size=1000)


#: the quick-fmnist-<neuron> target (CPU acceptance run: LIF >= 88 % in < 10 min): the 16/32 small net with a
#: 128-unit spiking hidden layer, AdamW (converges faster than SGD in 2 epochs, measured on a 10k subset: 85.1 % vs
#: 80.4 % after one pass). The other quick families derive from QUICK_FMNIST above, not from this one.
#: num_threads=1 (not hashed): on a shared 2-core CPU one torch thread is 2-3x faster than two (OpenMP spinning).
QUICK_FMNIST_TARGET = dict(QUICK_FMNIST, model_params={"channels": [16, 32], "hidden": 128}, optimizer="adamw",
                           lr=2e-3, weight_decay=0.0, epochs=2, num_threads=1)

#: KLIF notebooks' quick set (notebooks/klif): LIF, PLIF, KLIF with SpikingJelly's neuron defaults, a narrower net and
#: a training subset so that 2 seeds × 3 neurons × 2 datasets plus the scale_reset ablation fit in minutes.
#: Spelled out in full (not derived from QUICK_FMNIST) so that changes to the other quick families keep these runs.
QUICK_KLIF = dict(profile="quick", model="small_conv", model_params={"channels": [16, 32]}, dataset="fashion_mnist",
                  T=4, batch_size=64, epochs=2, train_subset=4000, test_subset=2000, optimizer="sgd", lr=0.1,
                  momentum=0.9, weight_decay=5e-4, schedule="cosine", loss="tet", seed=2022, eval_batch_size=1000)


def _register_quick_klif() -> None:
    for neuron in ("lif", "plif", "klif"):
        params = paper_neuron_params("klif", neuron)
        register(f"quick-klif-fmnist-{neuron}", lambda neuron=neuron, params=params: RunConfig(
            name=f"quick-klif-fmnist-{neuron}", neuron=neuron, neuron_params=params, **QUICK_KLIF))
        register(f"quick-klif-simevents-{neuron}", lambda neuron=neuron, params=params: RunConfig(
            name=f"quick-klif-simevents-{neuron}", neuron=neuron, neuron_params=params,
            **{**QUICK_KLIF, "dataset": "sim_fashion_events"}))
    register("quick-klif-fmnist-klif-scalereset", lambda: RunConfig(
        name="quick-klif-fmnist-klif-scalereset", neuron="klif",
        neuron_params={**paper_neuron_params("klif", "klif"), "scale_reset": True}, **QUICK_KLIF))


#: CLIF notebooks' quick set (notebooks/clif): the small conv net (8/16 channels) on a 1000-image Fashion-MNIST subset,
#: T = 4, one epoch, CLIF-code neuron defaults (τ = 2, V_th = 1, soft reset, Rectangle γ = 1). Small enough that the
#: τ × k_trunc grid, LIF/CLIF × T × 4 seeds, the switch runs and the neuron comparison fit the 15-minute budget of
#: the CLIF notebooks on a 2-core CPU; the notebooks derive their grids with ``.replace(...)`` so that identical
#: cells are shared by hash.
#: ``num_threads=1`` (not hashed): one torch thread per run is several times faster on a shared 2-core CPU than the
#: default two (measured: 5 s instead of 16-20 s wall for ``quick-clif-fmnist-lif``), and ``make -j2`` runs two
#: notebooks at once.
QUICK_CLIF = dict(QUICK_FMNIST, model_params={"channels": [8, 16]}, batch_size=32, epochs=1, train_subset=1000,
                  test_subset=1000, T=4, num_threads=1)
#: the same on the simulated event-camera Fashion-MNIST (``quick-clif-simevents-<neuron>``, the counterpart of the
#: paper's DVS tasks): 34×34×2 frames, T = 4 frames, the first 1000 of the 10k/2k prefix that ``make data-quick``
#: builds (``data_opts`` n_train/n_test, shared with the ILIF quick set's generated events).
QUICK_CLIF_EVENTS = dict(QUICK_CLIF, dataset="sim_fashion_events", data_opts={"n_train": 10000, "n_test": 2000})


def _register_quick_clif() -> None:
    for neuron in NEURONS + ("relu",):
        tag = _neuron_tag(neuron)
        for ds, base in (("fmnist", QUICK_CLIF), ("simevents", QUICK_CLIF_EVENTS)):
            register(f"quick-clif-{ds}-{tag}", lambda neuron=neuron, tag=tag, ds=ds, base=base: RunConfig(
                name=f"quick-clif-{ds}-{tag}", neuron=neuron, neuron_params=paper_neuron_params("clif", neuron),
                **{**base, "T": 1 if neuron == "relu" else base["T"]}))


#: ILIF notebooks' quick set (notebooks/ilif): a 784-400-200-10 spiking MLP (BN, two spiking layers; the small conv
#: net is too slow for 16 γ-sweep runs plus the comparison table in the 10-minute budget on a 2-core CPU) on a
#: 10k-image Fashion-MNIST subset (test 2k), T = 4, 2 epochs, batch 64, TET loss, ILIF-code neuron settings
#: (τ = 1.1, V_th = 1, soft reset). The γ sweep uses the Rectangle surrogate of width γ; the comparison table the
#: code's Sigmoid(α = 4) (width 1). Simulated events: T = 8 frames, the 10k/2k prefix that `make data-quick` builds.
QUICK_ILIF = dict(QUICK_FMNIST, model="mlp", model_params={"hidden": [400, 200]}, batch_size=64, epochs=2,
                  train_subset=10000, test_subset=2000, T=4, seed=0)
QUICK_ILIF_GAMMAS = (0.5, 1.0, 2.0, 4.0)
ILIF_PAPER_GAMMAS = (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0)


def _ilif_gamma_params(gamma: float) -> dict:
    return {"tau": 1.1, "v_threshold": 1.0, "surrogate": "rectangle", "width": float(gamma)}


def _register_ilif_notebooks() -> None:
    # KLIF with the ILIF recipe (the ILIF paper family registers lif plif clif ilif relu)
    for ds, wd in (("cifar10", 5e-5), ("cifar100", 5e-4)):
        _paper(f"ilif-{ds}-resnet18-klif", "ilif", "klif", T=6, dataset=ds, weight_decay=wd, seed=1234, **_CIFAR)
    _paper("ilif-dvscifar10-vgg11-klif", "ilif", "klif", T=10, dataset="cifar10_dvs", seed=1234,
           **{**_DVS, "lr": 0.05, "epochs": 200, "batch_size": 128}, model_params={"dropout": 0.3},
           mse_target="onehot")
    _paper("ilif-dvsgesture-vgg11-klif", "ilif", "klif", T=20, dataset="dvs_gesture", seed=1234,
           **{**_DVS, "epochs": 200, "batch_size": 16}, model_params={"dropout": 0.4})
    # the γ sweep (ilif.md §2.3 item 4): CIFAR-10, T = 6, README recipe, Rectangle surrogate of width γ
    for model, tag in (("spiking_resnet18", "resnet18"), ("snn5_noap", "snn5")):
        for neuron in ("lif", "ilif"):
            for gamma in ILIF_PAPER_GAMMAS:
                for seed in (1234, 1235, 1236):
                    name = ilif_gamma_name(f"ilif-gamma-cifar10-{tag}", neuron, gamma, seed)
                    register(name, lambda name=name, model=model, neuron=neuron, gamma=gamma, seed=seed: RunConfig(
                        name=name, neuron=neuron, neuron_params=_ilif_gamma_params(gamma), T=6, dataset="cifar10",
                        weight_decay=5e-5, seed=seed, **{**_CIFAR, "model": model},
                        **authors_recipe("ilif", "cifar10", neuron, 6)))
    # quick set
    for neuron in ("lif", "ilif"):
        for gamma in QUICK_ILIF_GAMMAS:
            for seed in (0, 1):
                name = ilif_gamma_name("quick-ilif-gamma", neuron, gamma, seed)
                register(name, lambda name=name, neuron=neuron, gamma=gamma, seed=seed: RunConfig(
                    name=name, neuron=neuron, neuron_params=_ilif_gamma_params(gamma), **{**QUICK_ILIF, "seed": seed}))
    for neuron in ("lif", "plif", "clif", "klif", "ilif"):
        register(f"quick-ilif-fmnist-{neuron}", lambda neuron=neuron: RunConfig(
            name=f"quick-ilif-fmnist-{neuron}", neuron=neuron, neuron_params=paper_neuron_params("ilif", neuron),
            **QUICK_ILIF))
        register(f"quick-ilif-simevents-{neuron}", lambda neuron=neuron: RunConfig(
            name=f"quick-ilif-simevents-{neuron}", neuron=neuron, neuron_params=paper_neuron_params("ilif", neuron),
            **{**QUICK_ILIF, "dataset": "sim_fashion_events", "T": 8,
               "data_opts": {"n_train": 10000, "n_test": 2000}}))


def _register_quick() -> None:
    for neuron in NEURONS + ("relu",):
        tag = _neuron_tag(neuron)
        register(f"quick-fmnist-{tag}", lambda neuron=neuron, tag=tag: RunConfig(
            name=f"quick-fmnist-{tag}", neuron=neuron, **{**QUICK_FMNIST_TARGET, "T": 1 if neuron == "relu" else 4}))
        register(f"quick-simevents-{tag}", lambda neuron=neuron, tag=tag: RunConfig(
            name=f"quick-simevents-{tag}", neuron=neuron, **{**QUICK_FMNIST, "dataset": "sim_fashion_events",
                                                          "T": 1 if neuron == "relu" else 8}))
        register(f"quick-snn5-fmnist-{tag}", lambda neuron=neuron, tag=tag: RunConfig(
            name=f"quick-snn5-fmnist-{tag}", neuron=neuron,
            **{**QUICK_FMNIST, "model": "snn5_noap", "model_params": {}, "train_subset": 20000,
               "T": 1 if neuron == "relu" else 6}))


# ------------------------------------------------------------------------------------------------- benchmark
#: The shared quick benchmark's recipe (snnlab.papers.benchmark holds its seeds, slices and sanity floors; the recipe
#: sits here, below the papers layer, so that `python -m snnlab train bench-fmnist-<neuron>` resolves without it).
#: Every neuron (and the ReLU ANN, T = 1) trains this network with this data, budget and optimiser; neuron settings
#: are the CLIF code's (paper_neuron_params("clif", neuron)). Sizing measurements: snnlab/papers/benchmark.py.
BENCH_FMNIST = dict(profile="quick", model="small_conv", model_params={"channels": [8, 16], "hidden": 128},
                    dataset="fashion_mnist", T=4, batch_size=64, epochs=2, train_subset=12000, test_subset=None,
                    optimizer="adamw", lr=3e-3, weight_decay=0.0, schedule="cosine_steps", loss="tet", seed=0,
                    eval_batch_size=250, num_threads=1)
#: the event-camera variant: simulated DVS Fashion-MNIST (34×34×2 frames, T = 4), the 10k/2k prefix `make data-quick`
#: generates (the whole generated test set is evaluated).
BENCH_EVENTS = dict(BENCH_FMNIST, dataset="sim_fashion_events", train_subset=10000, test_subset=None,
                    data_opts={"n_train": 10000, "n_test": 2000})
BENCH_DATASETS = {"fmnist": BENCH_FMNIST, "simevents": BENCH_EVENTS}


def bench_config(neuron: str, dataset: str = "fmnist") -> RunConfig:
    """``bench-<dataset>-<neuron>`` at the benchmark's first seed (snnlab.papers.benchmark.config adds seeds)."""
    if dataset not in BENCH_DATASETS:
        raise ValueError(f"benchmark dataset must be one of {sorted(BENCH_DATASETS)}, got {dataset!r}")
    if neuron not in NEURONS + ("relu",):
        raise ValueError(f"benchmark neuron must be one of {NEURONS + ('relu',)}, got {neuron!r}")
    base = BENCH_DATASETS[dataset]
    return RunConfig(name=f"bench-{dataset}-{_neuron_tag(neuron)}", neuron=neuron,
                     neuron_params=paper_neuron_params("clif", neuron),
                     **{**base, "T": 1 if neuron == "relu" else base["T"]})


def _register_bench() -> None:
    for dataset in BENCH_DATASETS:
        for neuron in NEURONS + ("relu",):
            register(f"bench-{dataset}-{_neuron_tag(neuron)}", lambda n=neuron, d=dataset: bench_config(n, d))


# ------------------------------------------------------------------------------------------------- smoke
SMOKE = dict(profile="smoke", model="small_conv", model_params={"channels": [4, 8]}, dataset="synthetic",
             T=2, batch_size=16, epochs=1, train_subset=64, test_subset=32, max_steps_per_epoch=3, lr=0.05,
             weight_decay=0.0, seed=0, progress="quiet")


def _register_smoke() -> None:
    for neuron in NEURONS + ("relu",):
        tag = _neuron_tag(neuron)
        register(f"smoke-{tag}", lambda neuron=neuron, tag=tag: RunConfig(
            name=f"smoke-{tag}", neuron=neuron, **{**SMOKE, "T": 1 if neuron == "relu" else 2}))
    register("smoke-tbptt", lambda: RunConfig(name="smoke-tbptt", **{**SMOKE, "T": 4}, k_trunc=2))
    register("smoke-events", lambda: RunConfig(name="smoke-events", **{**SMOKE, "dataset": "synthetic_events"}))
    register("smoke-switch", lambda: RunConfig(name="smoke-switch", **{**SMOKE, "epochs": 2},
                                               switch_neuron={"epoch": 1, "neuron": "clif"}))
    register("smoke-adamw", lambda: RunConfig(name="smoke-adamw", **{**SMOKE, "optimizer": "adamw", "lr": 1e-3,
                                                                      "loss": "ce", "label_smoothing": 0.1}))
    register("smoke-resnet18", lambda: RunConfig(name="smoke-resnet18", **{
        **SMOKE, "model": "spiking_resnet18", "model_params": {}, "batch_size": 4, "train_subset": 8,
        "test_subset": 4, "max_steps_per_epoch": 1, "data_opts": {"shape": [3, 32, 32]}}))
    register("smoke-vgg11", lambda: RunConfig(name="smoke-vgg11", **{
        **SMOKE, "model": "spiking_vgg11_bn", "model_params": {"dropout": 0.1}, "batch_size": 4, "train_subset": 8,
        "test_subset": 4, "max_steps_per_epoch": 1, "data_opts": {"shape": [2, 32, 32]}}))
    register("smoke-snn5", lambda: RunConfig(name="smoke-snn5", **{
        **SMOKE, "model": "snn5_noap", "model_params": {}, "data_opts": {"shape": [3, 32, 32]}}))


# ------------------------------------------------------------------------------------------------- families
def _clif_task_base(task: str, T: int):
    def base(neuron: str, switch_epoch: Optional[int] = None) -> str:
        if switch_epoch is None:
            return clif_task_name(task, neuron, T)
        if (task, T) != ("cifar10-resnet18", 6) or neuron != "lif":
            raise ValueError(f"LIF → CLIF switch runs are registered for clif-cifar10-resnet18-T6 (neuron lif) only, "
                             f"not clif-{task}-T{T} with neuron {neuron!r}")
        return clif_switch_name(switch_epoch)
    return base


def _ilif_gamma_axis(config: RunConfig, gamma) -> dict:
    return {"neuron_params": _ilif_gamma_params(gamma)}


def _register_families() -> None:
    from snnlab.experiments.families import Family, derived, register_family

    all_neurons = NEURONS + ("relu",)
    for task, (Ts, _) in CLIF_TASKS.items():
        for T in Ts:
            register_family(Family(
                f"clif-{task}-T{T}", _clif_task_base(task, T), keys=("neuron", "switch_epoch"), grid={"neuron": all_neurons},
                fixed=True,
                defaults={"neuron": "lif", "switch_epoch": None},
                description=f"CLIF paper, {task} at T = {T}: one registered run per neuron (ReLU ANN at T = 1); "
                            + ("cells with switch_epoch are the Fig. 3a LIF → CLIF runs" if (task, T) ==
                               ("cifar10-resnet18", 6) else "no switch runs")))
    for prefix, full in CLIF_TRUNC.items():
        ks = (1, 2, 3, 4, 5) if full == 6 else (1, 4, 8, 12, 16)
        register_family(Family(
            prefix, lambda tau, k_trunc, prefix=prefix: clif_trunc_name(prefix, tau, k_trunc), keys=("tau", "k_trunc"),
            grid={"tau": CLIF_TAUS, "k_trunc": ks + (None,)}, fixed=True, defaults={"neuron": "lif", "k_trunc": None},
            description=f"CLIF τ × truncation grid (LIF, T = {full}; k_trunc None = full BPTT)"))
    register_family(Family(
        "clif-fig2b-snn5", clif_fig2b_name, keys=("neuron", "T", "seed"),
        grid={"neuron": ("lif", "clif"), "T": (2, 4, 8, 16, 32, 64), "seed": tuple(range(2022, 2026))}, fixed=True,
        description="CLIF Fig. 2b: snn5_noAP on CIFAR-10, LIF and CLIF against T, 4 seeds"))
    register_family(Family(
        "clif-fig3b-resnet18", clif_fig3b_name, keys=("neuron", "T"),
        grid={"neuron": ("lif", "clif"), "T": (1, 2, 4, 6, 8)}, fixed=True,
        description="CLIF Fig. 3b: ResNet-18 on CIFAR-10 against T (T = 4, 6, 8 are the Table 1 runs)"))
    register_family(Family(
        "clif-fig3a-resnet18", clif_switch_name, keys=("switch_epoch",), grid={"switch_epoch": (50, 100, 150)},
        fixed=True, defaults={"neuron": "lif"},
        description="CLIF Fig. 3a: LIF → CLIF at the switch epoch (ResNet-18, CIFAR-10, T = 6)"))
    for name in ("smoke", "quick-clif-fmnist", "quick-clif-simevents"):
        register_family(derived(name, grid={"neuron": all_neurons},
                                description=f"derived: the registered {name}-<neuron> with the cell's changes"))
    for prefix, anchor, gammas, seeds in (
            ("ilif-gamma-cifar10-resnet18", "ilif-gamma-cifar10-resnet18-lif-g1-s1234", ILIF_PAPER_GAMMAS,
             (1234, 1235, 1236)),
            ("ilif-gamma-cifar10-snn5", "ilif-gamma-cifar10-snn5-lif-g1-s1234", ILIF_PAPER_GAMMAS,
             (1234, 1235, 1236)),
            ("quick-ilif-gamma", "quick-ilif-gamma-lif-g1-s0", QUICK_ILIF_GAMMAS, (0, 1))):
        register_family(Family(
            prefix, lambda anchor=anchor: anchor, keys=(), axes={"gamma": _ilif_gamma_axis},
            rename=lambda neuron, gamma, seed, prefix=prefix, **_: ilif_gamma_name(prefix, neuron, gamma, seed),
            grid={"neuron": ("lif", "ilif"), "gamma": gammas, "seed": seeds}, defaults={"neuron": "lif"},
            description="ILIF γ sweep: the rectangle surrogate of width γ (τ = 1.1, V_th = 1); registered cells "
                        "are the registry's configs, others derive from the anchor with the same names"))
    register_family(Family(
        "smoke-ilif-gamma", lambda: "smoke-lif", keys=(), axes={"gamma": _ilif_gamma_axis},
        changes={"model": "mlp", "model_params": {"hidden": [32, 16]}},
        rename=lambda neuron, gamma, seed, **_: ilif_gamma_name("smoke-ilif-gamma", neuron, gamma, seed),
        grid={"neuron": ("lif", "ilif"), "gamma": (0.5, 2.0), "seed": (0, 1)}, defaults={"neuron": "lif"},
        description="ILIF γ sweep at smoke size: the smoke config with a 32-16 MLP"))


#: snnlab's temporal-credit benchmark (issue 15; ``snnlab.papers.arena``, notebooks/overview/02-03): a 2×128 spiking
#: MLP without BN whose hidden layers are scaled so that they spike at init (``init="spiking"``), read at the last
#: step only (loss ``ce_last``), AdamW lr 2e-2 with a cosine schedule, batch 128, one torch thread; the neuron
#: settings of the shared benchmark, the CLIF code's for every neuron (``paper_neuron_params("clif", neuron)``;
#: the arena sets τ). ``temporal-recall-<neuron>``: delayed recall (snnlab.data.temporal) at delay 4 (T = 2 + 4 + 1),
#: 2,048 training and 512 test samples, 8 epochs (LIF τ = 2: 0.95 at d = 4, chance at d = 8, measured);
#: ``temporal-seqfmnist-<neuron>``: sequential Fashion-MNIST (T = 28), a 2,048-image training subset, 2,000 test
#: images, 4 epochs at lr 5e-3.
TEMPORAL_MLP = {"hidden": (128, 128), "bn": False, "init": "spiking"}
TEMPORAL_RECALL = dict(profile="quick", model="mlp", model_params={**TEMPORAL_MLP, "in_features": 20,
                                                                   "input_power": 0.1},
                       dataset="delayed_recall", data_opts={"delay": 4, "n_train": 2048, "n_test": 512, "seed": 0},
                       T=7, batch_size=128, epochs=8, optimizer="adamw", lr=2e-2, weight_decay=0.0, schedule="cosine",
                       loss="ce_last", seed=0, num_threads=1)
TEMPORAL_SEQ = dict(TEMPORAL_RECALL, model_params={**TEMPORAL_MLP, "in_features": 28, "input_power": 1.0},
                    dataset="seq_fashion_mnist", data_opts={}, T=28, train_subset=2048, test_subset=2000, epochs=4,
                    lr=5e-3)


def _register_temporal() -> None:
    for neuron in NEURONS:
        register(f"temporal-recall-{neuron}", lambda neuron=neuron: RunConfig(
            name=f"temporal-recall-{neuron}", neuron=neuron, neuron_params=paper_neuron_params("clif", neuron),
            **TEMPORAL_RECALL))
        register(f"temporal-seqfmnist-{neuron}", lambda neuron=neuron: RunConfig(
            name=f"temporal-seqfmnist-{neuron}", neuron=neuron, neuron_params=paper_neuron_params("clif", neuron),
            **TEMPORAL_SEQ))


_register_temporal()
_register_paper()
_register_quick()
_register_quick_klif()
_register_quick_clif()
_register_ilif_notebooks()
_register_smoke()
_register_bench()
_register_families()
