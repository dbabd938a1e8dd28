"""Spiking neurons of the three papers: LIF, PLIF, GLIF, KLIF, CLIF, ILIF.

Each family is a pure step function ``<name>_step(x_t, state, **params) -> (S, new_state, extras)``, a multi-step
reference loop ``<name>_multistep`` and a thin ``nn.Module`` (``snnlab.neurons.base.Neuron``). Build one by name
with ``build(name, **params)``; ``NEURON_NAMES`` lists the names. See docs/contracts.md.
"""
from __future__ import annotations

import importlib

from snnlab.neurons.base import Neuron

__all__ = ["build", "NEURON_NAMES", "Neuron", "neuron_class"]

# name -> (module, class); modules are imported on first use.
_CLASSES = {
    "lif": ("snnlab.neurons.lif", "LIF"),
    "plif": ("snnlab.neurons.lif", "PLIF"),
    "glif": ("snnlab.neurons.glif", "GLIF"),
    "klif": ("snnlab.neurons.klif", "KLIF"),
    "clif": ("snnlab.neurons.clif", "CLIF"),
    "ilif": ("snnlab.neurons.ilif", "ILIF"),
}
NEURON_NAMES = tuple(_CLASSES)


def neuron_class(name: str) -> type:
    """The module class of neuron ``name`` (one of ``NEURON_NAMES``)."""
    key = name.lower() if isinstance(name, str) else name
    if key not in _CLASSES:
        raise ValueError(f"neuron: unknown name {name!r}; expected one of {', '.join(NEURON_NAMES)}")
    module, cls = _CLASSES[key]
    return getattr(importlib.import_module(module), cls)


def build(name: str, **params) -> Neuron:
    """Build neuron ``name`` with its paper defaults overridden by ``params`` (see each class docstring)."""
    return neuron_class(name)(**params)


def __getattr__(name: str):
    for key, (module, cls) in _CLASSES.items():
        if name == cls:
            return getattr(importlib.import_module(module), cls)
    raise AttributeError(f"module 'snnlab.neurons' has no attribute {name!r}")
