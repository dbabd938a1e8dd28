"""Config families: one place that resolves a family + cell to a RunConfig (registry names for the papers' grids,
``replace`` for derived families)."""
from __future__ import annotations

import pytest

from snnlab.experiments import get, names
from snnlab.experiments.families import Family, cell_of, family, family_names, resolve


def test_paper_cells_are_the_registered_configs():
    assert resolve("clif-fig2a-snn5", tau=1.5, k_trunc=2) is not None
    assert resolve("clif-fig2a-snn5", tau=1.5, k_trunc=2).hash() == get("clif-fig2a-snn5-lif-tau1.5-k2").hash()
    full = resolve("clif-fig2a-snn5", tau=1.5, k_trunc=None)
    assert full.name == "clif-fig2a-snn5-lif-tau1.5-k6" and full.k_trunc is None
    assert resolve("clif-fig2a-snn5", tau=1.5, k_trunc=6).hash() == full.hash()       # k = T is full BPTT
    assert resolve("clif-table3b-vgg11-gesture", tau=2.0).name == "clif-table3b-vgg11-gesture-lif-tau2.0-k20"
    # Fig. 3b at T = 4, 6, 8 is the Table 1 run (trained once), other T its own
    assert resolve("clif-fig3b-resnet18", neuron="clif", T=6).name == "clif-cifar10-resnet18-clif-T6"
    assert resolve("clif-fig3b-resnet18", neuron="lif", T=2).name == "clif-fig3b-resnet18-lif-T2"
    assert resolve("clif-fig2b-snn5", neuron="clif", T=32, seed=2025).name == "clif-fig2b-snn5-clif-T32-s3"
    assert resolve("clif-cifar10-resnet18-T8", neuron="relu").name == "clif-cifar10-resnet18-ann"
    assert resolve("clif-dvsgesture-vgg11-T20", neuron="relu").name == "clif-dvsgesture-vgg11-ann-T20"
    sw = resolve("clif-cifar10-resnet18-T6", neuron="lif", switch_epoch=100, epochs=200)
    assert sw.name == "clif-fig3a-resnet18-lif2clif-e100" and sw.switch_neuron["epoch"] == 100
    assert resolve("clif-fig3a-resnet18", switch_epoch=50).hash() == get("clif-fig3a-resnet18-lif2clif-e50").hash()


def test_paper_cells_outside_the_grid_or_contradicting_it_raise():
    with pytest.raises(ValueError, match="not a registered config"):
        resolve("clif-fig2b-snn5", neuron="lif", T=3, seed=2022)
    with pytest.raises(ValueError, match="has seed = 2022, the cell asks for 7"):
        resolve("clif-cifar10-resnet18-T6", neuron="lif", seed=7)
    with pytest.raises(ValueError, match="has T = 6, the cell asks for 8"):
        resolve("clif-cifar10-resnet18-T6", neuron="lif", T=8)
    with pytest.raises(ValueError, match="switch runs are registered for clif-cifar10-resnet18-T6"):
        resolve("clif-cifar100-resnet18-T6", switch_epoch=50)
    with pytest.raises(ValueError, match="not known"):
        family("no-such-family")
    with pytest.raises(ValueError, match="unknown cell key"):
        resolve("smoke", neuron="lif", bogus=1)


def test_derived_cells_replace_only_what_differs():
    base = get("quick-clif-fmnist-lif")
    assert resolve("quick-clif-fmnist", neuron="lif", T=4, seed=base.seed, tau=2.0).hash() == base.hash()
    c = resolve("quick-clif-fmnist", neuron="lif", T=6, seed=2023, tau=1.5, k_trunc=2)
    assert (c.T, c.seed, c.neuron_params["tau"], c.k_trunc, c.name) == (6, 2023, 1.5, 2, "quick-clif-fmnist-lif")
    ann = resolve("quick-clif-fmnist", neuron="relu", T=6, tau=1.5)      # T and τ do not apply to the ANN
    assert ann.hash() == get("quick-clif-fmnist-ann").hash() and ann.steps == 1
    sw = resolve("quick-clif-fmnist", neuron="lif", epochs=3, switch_epoch=1)
    assert dict(sw.switch_neuron) == {"epoch": 1, "neuron": "clif",
                                      "neuron_params": dict(get("quick-clif-fmnist-clif").neuron_params)}
    # a neuron's default τ counts as its τ: asking ILIF (default 1.1) for τ = 1.1 changes nothing
    assert resolve("smoke", neuron="ilif", tau=1.1).hash() == get("smoke-ilif").hash()
    assert cell_of(get("smoke-glif"))["tau"] == pytest.approx(4 / 3)


def test_patterns_and_per_neuron_prefixes_are_derived_families():
    k = resolve("klif-fmnist-plifnet-{neuron}-T8", neuron="klif", seed=2023)
    assert k.name == "klif-fmnist-plifnet-klif-T8" and k.seed == 2023
    assert k.replace(seed=2022).hash() == get("klif-fmnist-plifnet-klif-T8").hash()
    assert resolve("quick-klif-fmnist", neuron="plif").hash() == get("quick-klif-fmnist-plif").hash()
    assert resolve("quick-klif-fmnist", neuron="klif", **{"neuron_params.scale_reset": True}).neuron_params[
        "scale_reset"] is True


def test_ilif_gamma_cells_keep_registry_names_on_and_off_the_grid():
    on = resolve("ilif-gamma-cifar10-snn5", neuron="ilif", gamma=2.0, seed=1235)
    assert on.hash() == get("ilif-gamma-cifar10-snn5-ilif-g2-s1235").hash()
    off = resolve("quick-ilif-gamma", neuron="ilif", gamma=0.75, seed=3)
    assert off.name == "quick-ilif-gamma-ilif-g0.75-s3" and off.name not in names()
    assert (off.neuron_params["width"], off.neuron_params["surrogate"], off.seed) == (0.75, "rectangle", 3)
    assert family("quick-ilif-gamma").base_name(neuron="ilif", gamma=0.75, seed=3) == "quick-ilif-gamma-lif-g1-s0"
    s = resolve("smoke-ilif-gamma", neuron="lif", gamma=0.5, seed=1)
    assert (s.model, list(s.model_params["hidden"]), s.dataset) == ("mlp", [32, 16], "synthetic")


def test_every_registered_family_resolves_its_grid():
    seen = 0
    for name in family_names():
        fam = family(name)
        cfgs = fam.configs()
        assert cfgs, name
        for cell, cfg in zip(fam.cells(), cfgs):
            if fam.fixed:
                assert cfg.name in names() and get(cfg.name).hash() == cfg.hash(), (name, cell)
        seen += len(cfgs)
    assert seen > 300


def test_a_family_is_plain_data():
    fam = Family("mine", base=lambda neuron: f"smoke-{neuron}", grid={"neuron": ("lif", "clif"), "T": (2, 3)})
    assert [c["T"] for c in fam.cells()] == [2, 3, 2, 3]
    assert [c.T for c in fam.configs()] == [2, 3, 2, 3]
    assert fam(neuron="clif", T=3).neuron == "clif"
