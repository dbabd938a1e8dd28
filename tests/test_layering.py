"""Imports point down the layers (docs/contracts.md, DESIGN.md): checked on the source with ``ast``, including
imports inside functions."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from snnlab.paths import repo_root

PKG = repo_root() / "snnlab"

#: layer of each top-level part of snnlab (a module may import its own layer and the ones below)
LAYERS = {
    0: {"config", "paths", "fileio", "reproducibility", "surrogate", "paper_data", "malloc"},
    1: {"neurons", "kernels"},
    2: {"models", "data"},
    3: {"losses", "monitors", "energy", "analysis", "tbptt", "distributed", "train", "plotting", "credit"},
    4: {"experiments", "stats"},
    5: {"papers"},
    6: {"notebook", "nbrun", "nbindex", "nbclean", "cli", "launch", "__main__"},
}
LAYER_OF = {name: rank for rank, names in LAYERS.items() for name in names}


def _part(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _snnlab_imports(path: Path):
    """(line, top-level part of snnlab) of every import of an snnlab module in ``path``."""
    tree = ast.parse(path.read_text())
    pkg_parts = path.relative_to(PKG).parts[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "snnlab" or a.name.startswith("snnlab."):
                    yield node.lineno, a.name.split(".")[1] if "." in a.name else None, a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the module's package
                base = ("snnlab", *pkg_parts[: len(pkg_parts) - node.level + 1])
                mod = ".".join(base + ((node.module,) if node.module else ()))
            else:
                mod = node.module or ""
            if mod == "snnlab":
                for a in node.names:  # from snnlab import models
                    yield node.lineno, a.name, f"snnlab.{a.name}"
            elif mod.startswith("snnlab."):
                yield node.lineno, mod.split(".")[1], mod


SOURCES = sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts and p != PKG / "__init__.py")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PKG)))
def test_imports_point_down_the_layers(path):
    part = _part(path)
    if part not in LAYER_OF:
        pytest.fail(f"{path.relative_to(PKG)}: part {part!r} has no layer in tests/test_layering.py; add it")
    bad = [(line, name) for line, target, name in _snnlab_imports(path)
           if target is not None and target in LAYER_OF and LAYER_OF[target] > LAYER_OF[part]]
    assert not bad, f"{path.relative_to(PKG)} (layer {LAYER_OF[part]}) imports higher layers: {bad}"


def test_train_imports_nothing_from_experiments():
    names = [name for _, _, name in _snnlab_imports(PKG / "train.py")]
    assert names and not [n for n in names if n.startswith("snnlab.experiments")], names


def test_config_imports_no_other_part_of_snnlab():
    assert list(_snnlab_imports(PKG / "config.py")) == []


def test_runconfig_is_one_class_under_every_old_name():
    import snnlab.config
    import snnlab.experiments
    import snnlab.experiments.config

    assert snnlab.experiments.RunConfig is snnlab.experiments.config.RunConfig is snnlab.config.RunConfig


def test_model_building_lives_in_models_and_train_reexports_it():
    import snnlab.models
    import snnlab.train

    for name in ("build_model", "neuron_params_for", "switch_neurons"):
        assert getattr(snnlab.train, name) is getattr(snnlab.models, name)
        assert getattr(snnlab.models, name).__module__ == "snnlab.models.factory"
