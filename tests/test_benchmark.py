"""The shared quick benchmark (snnlab.papers.benchmark): one recipe for every neuron, slices shared with the base by
config hash, registry names, sanity floors, and an ANN whose layers are active and learn."""
import pytest
import torch

from snnlab import experiments, stats
from snnlab.papers import benchmark as B

VARYING = {"name", "neuron", "neuron_params", "T"}


def test_every_neuron_gets_the_same_network_data_budget_and_seeds():
    base = B.config("lif").to_dict(hashed_only=True)
    for n in B.NEURONS:
        cfg = B.config(n)
        d = cfg.to_dict(hashed_only=True)
        assert {k for k in d if d[k] != base[k]} <= VARYING, n
        assert cfg.T == (1 if n == "relu" else 4)
        assert cfg.test_subset is None and cfg.dataset == "fashion_mnist"  # the full 10,000-image test set
        assert cfg.neuron_params == B.neuron_params(n)
    assert len(B.SEEDS) >= stats.MIN_SEEDS
    hashes = {B.config("clif", s).hash() for s in B.SEEDS}
    assert len(hashes) == len(B.SEEDS)


def test_registry_names_are_the_base_configs():
    for d in B.DATASETS:
        for n in B.NEURONS:
            assert experiments.get(B.name(n, d)).hash() == B.config(n, dataset=d).hash()
    assert B.name("relu") == "bench-fmnist-ann"
    assert experiments.names("bench-fmnist-*") == sorted(B.name(n) for n in B.NEURONS)


def test_slices_share_the_base_cells_by_hash():
    for s in B.SEEDS:
        for n in ("lif", "ilif"):
            assert B.gamma(n, 1.0, s).hash() == B.config(n, s).hash()
            assert B.gamma(n, 2.0, s).hash() != B.config(n, s).hash()
        assert B.klif(s).hash() == B.config("klif", s).hash()
        assert B.klif(s, scale_reset=True).neuron_params["scale_reset"] is True
        assert B.steps("clif", 4, s).hash() == B.config("clif", s).hash()
        assert B.steps("lif", 8, s).T == 8
        assert B.truncation(2.0, None, s).hash() == B.config("lif", s).hash()
        assert B.truncation(2.0, 4, s).hash() == B.config("lif", s).hash()  # k_trunc >= T is full BPTT
        assert B.truncation(1.1, 1, s).k_trunc == 1 and B.truncation(1.1, 1, s).neuron_params["tau"] == 1.1
        assert B.switch(s).switch_neuron["neuron"] == "clif"
    gammas = {c.config.neuron_params["width"] for c in B.plan("ilif")}
    assert gammas == set(B.GAMMAS)


def test_plan_counts_distinct_runs():
    whole = B.plan()
    assert len({c.config.hash() for c in whole}) == len(whole)
    assert len(B.plan("base")) == len(B.NEURONS) * len(B.SEEDS)
    # slices add only the cells the base does not hold
    extra_ilif = len(B.plan(("base", "ilif"))) - len(B.plan("base"))
    assert extra_ilif == 2 * (len(B.GAMMAS) - 1) * len(B.SEEDS)
    assert len(B.plan("clif", unique=False)) > len(B.plan("clif"))
    assert all(c.labels["seed"] in B.SEEDS for c in whole)
    with pytest.raises(ValueError, match="paper"):
        B.plan("snn")


def test_bad_requests_are_refused():
    with pytest.raises(ValueError, match="neuron"):
        B.config("hh")
    with pytest.raises(ValueError, match="seed"):
        B.config("lif", -1)
    with pytest.raises(ValueError, match="dataset"):
        B.config("lif", 0, "cifar10")
    with pytest.raises(ValueError, match="surrogate"):
        B.gamma("relu", 1.0)
    with pytest.raises(ValueError, match="positive"):
        B.gamma("lif", 0.0)
    with pytest.raises(ValueError, match="T = 1"):
        B.steps("relu", 2)


def test_floors_stop_a_broken_baseline():
    B.check({"relu": {s: 0.89 for s in B.SEEDS}, "lif": 0.87, "clif": [0.86, 0.87]})
    with pytest.raises(stats.BaselineError) as info:
        B.check({"lif": {0: 0.88}, "relu": {0: 0.169, 1: 0.89}})
    msg = str(info.value)
    assert "bench-fmnist-ann" in msg and "seed 0: 0.169" in msg and "0.85" in msg and "layer activity" in msg
    assert B.floor("relu") >= 0.85 and B.floor("lif") >= 0.85
    assert set(B.FLOORS["fmnist"]) == set(B.NEURONS)


def _relu_activity(model, x):
    from snnlab.models import neuron_layers, reset_net

    acts = {}
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: acts.__setitem__(n, float((o > 0).float().mean())))
             for n, m in neuron_layers(model)]
    with torch.no_grad():
        reset_net(model)
        model(x.unsqueeze(0))
    for h in hooks:
        h.remove()
    return acts


@pytest.mark.parametrize("optimiser", [{}, {"optimizer": "sgd", "lr": 0.1, "momentum": 0.9, "weight_decay": 5e-4}],
                         ids=["recipe", "old-sgd-lr0.1"])
def test_the_ann_is_active_at_init_and_learns_on_a_tiny_set(tmp_path, optimiser):
    """The old quick net (no hidden layer: the output layer reads 784 real-valued features) silenced its last conv
    layer within 10 SGD steps at lr 0.1 (here: 2.6 % of its ReLUs active after 1000 synthetic images, 87 %
    accuracy; 6 % on Fashion-MNIST). The benchmark net keeps every layer active, with its AdamW recipe and even
    under the old SGD recipe."""
    from snnlab.data import build
    from snnlab.train import build_model  # (snnlab.models.build_model after the layering refactor)

    cfg = B.config("relu").replace(dataset="synthetic", train_subset=1000, test_subset=256, epochs=1, batch_size=32,
                                   progress="quiet", **optimiser)
    torch.manual_seed(cfg.seed)
    model = build_model(cfg, 10, 1, 28).train()
    ds = build("synthetic", "test")
    xs = torch.stack([ds[i][0] for i in range(128)])
    acts = _relu_activity(model, xs)
    assert len(acts) == 3 and all(0.3 < a < 0.7 for a in acts.values()), acts
    run = experiments.run(cfg, out=tmp_path)
    assert run.summary["best_test_acc"] > 0.95, run.summary["best_test_acc"]
    acts = _relu_activity(run.load_model().train(), xs)
    assert all(a > 0.1 for a in acts.values()), acts  # no layer went silent
