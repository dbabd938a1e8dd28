"""Config families: one place that turns a family name plus a grid cell into a ``RunConfig``.

A *family* is a set of runs that differ by a few *cell* values (``neuron``, ``T``, ``seed``, ``tau``, ``k_trunc``,
``epochs``, ``switch_epoch``, or a family's own axes such as ILIF's ``gamma``). ``resolve(family, **cell)``
returns the run of one cell; notebooks and ``snnlab.papers`` build their grids with it, and the registry builds
its names with the same name functions (``snnlab.experiments.registry``), so a notebook's paper cell *is* the
registered config that ``python -m snnlab train NAME`` trains.

Two kinds of family:

* **fixed** (the papers' grids, e.g. ``clif-fig2a-snn5``, ``clif-cifar10-resnet18-T6``): every cell is a
  registered config; the cell's *key* values select its registry name and the other values must already hold in
  it (a mismatch raises, naming the field). Cells outside the registered grid raise with the grid.
* **derived** (``smoke``, ``quick-clif-fmnist``, ``quick-klif-fmnist-{neuron}``, ...): the key values select a
  base config (by default the registered ``<family>-<neuron>``) and the other cell values are applied with
  ``RunConfig.replace`` (``cell_changes``); a value equal to the base's leaves the config, and so its hash and
  run folder, unchanged.

Cell values applied by ``cell_changes`` (``T`` is ignored for the ReLU ANN, which runs with T = 1):
``T``, ``seed``, ``epochs``, ``k_trunc`` (None = full BPTT), ``tau`` (``neuron_params.tau``, set only when it
differs from the neuron's effective τ, its default when the config leaves it out; ignored for the ANN), ``switch_epoch`` (LIF → ``family.switch_to`` at that epoch, CLIF Fig. 3a:
``switch_neuron={"epoch": e, "neuron": "clif", "neuron_params": <the family's CLIF params>}``), ``neuron``
(when it is not a key: the ``neuron`` field), any ``RunConfig`` field or dotted key (``"neuron_params.width"``),
and a family's own ``axes`` (a function ``(config, value) -> changes``).

``family(name)`` finds a registered family; a name that is not registered but has per-neuron configs
``<name>-<neuron>`` in the registry is a derived family, and a name with ``{neuron}`` in it is a pattern
(``"klif-fmnist-plifnet-{neuron}-T8"``).
"""
from __future__ import annotations

import fnmatch
import inspect
import itertools
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from snnlab.config import RunConfig

__all__ = ["Family", "resolve", "family", "family_names", "register_family", "derived", "pattern",
           "cell_changes", "cell_of", "neuron_tag", "effective_tau", "CELL_KEYS"]

#: the cell keys every family understands (besides RunConfig fields and a family's own axes)
CELL_KEYS = ("neuron", "T", "seed", "tau", "k_trunc", "epochs", "switch_epoch")
_FIELDS = frozenset(f.name for f in fields(RunConfig))
_FAMILIES: Dict[str, "Family"] = {}


def neuron_tag(neuron: str) -> str:
    """The neuron's part of a registry name: ``ann`` for the ReLU network, the neuron name otherwise."""
    return "ann" if neuron == "relu" else neuron


def effective_tau(config: RunConfig) -> Optional[float]:
    """The membrane time constant the run's neuron uses: ``neuron_params["tau"]``, else the neuron's default
    (None for the ReLU ANN)."""
    if config.neuron == "relu":
        return None
    if "tau" in config.neuron_params:
        return float(config.neuron_params["tau"])
    from snnlab import neurons

    default = inspect.signature(neurons.neuron_class(config.neuron).__init__).parameters.get("tau")
    return None if default is None or default.default is inspect.Parameter.empty else float(default.default)


def cell_of(config: RunConfig) -> dict:
    """The generic cell values of a config: neuron, T (steps), seed, tau, k_trunc, epochs, switch_epoch."""
    return dict(neuron=config.neuron, T=config.steps, seed=config.seed, tau=effective_tau(config),
                k_trunc=config.k_trunc, epochs=config.epochs,
                switch_epoch=(config.switch_neuron or {}).get("epoch"))


def _same_k(config: RunConfig, want) -> bool:
    have = config.k_trunc
    norm = lambda k: None if k is None or k >= config.steps else int(k)  # noqa: E731 - k >= T is full BPTT
    return norm(have) == norm(want)


def cell_changes(config: RunConfig, cell: Mapping[str, Any], switch_params: Optional[Callable[[], Mapping]] = None,
                 axes: Optional[Mapping[str, Callable]] = None, switch_to: str = "clif") -> dict:
    """The ``RunConfig.replace`` changes that turn ``config`` into the ``cell`` (no-op values are left out).

    ``switch_params()`` gives the neuron parameters of the neuron switched to (``switch_epoch``); ``axes`` maps a
    family's own cell keys to functions ``(config, value) -> changes``."""
    axes = axes or {}
    ch: dict = {}
    for key, want in cell.items():
        if key in axes:
            ch.update(axes[key](config, want))
        elif key == "T":
            if want is not None and config.neuron != "relu" and int(want) != config.T:
                ch["T"] = int(want)
        elif key == "tau":
            if want is not None and config.neuron != "relu" and effective_tau(config) != float(want):
                ch["neuron_params"] = {**config.neuron_params, "tau": float(want)}
        elif key == "k_trunc":
            if want != config.k_trunc:
                ch["k_trunc"] = None if want is None else int(want)
        elif key == "switch_epoch":
            if want is not None and (config.switch_neuron or {}).get("epoch") != want:
                params = dict(switch_params()) if switch_params is not None else {}
                ch["switch_neuron"] = {"epoch": int(want), "neuron": switch_to, "neuron_params": params}
        elif key in ("seed", "epochs"):
            if want is not None and int(want) != getattr(config, key):
                ch[key] = int(want)
        elif key.split(".")[0] in _FIELDS:
            head, _, rest = key.partition(".")
            have = getattr(config, head)
            for part in rest.split(".") if rest else ():
                have = (have or {}).get(part) if hasattr(have, "get") else None
            if have != want:
                ch[key] = want
        else:
            raise ValueError(f"unknown cell key {key!r}; cells take {', '.join(CELL_KEYS)}, a RunConfig field "
                             f"(or dotted key such as 'neuron_params.width'){' or ' + ', '.join(axes) if axes else ''}")
    return ch


@dataclass(frozen=True)
class Family:
    """A named set of runs indexed by cells (see the module docstring).

    ``base(**{k: cell[k] for k in keys})`` returns the registry name (or the ``RunConfig``) a cell starts from.
    ``grid``: the family's cells, a mapping of key -> values (their product) or a sequence of cell dicts.
    ``fixed``: every cell must be a registered config (the papers' grids). ``defaults``: cell values used when a
    cell leaves them out. ``axes``: the family's own cell keys, ``key -> f(config, value) -> changes``.
    ``rename``: ``rename(**cell) -> name`` sets the run's name (derived families whose cells have registry-style
    names). ``changes``: ``replace`` changes applied to the base before the cell's (a derived family that is a
    variant of a registered config, e.g. the smoke net with an MLP). ``switch_to``: the neuron of
    ``switch_epoch`` cells.
    """

    name: str
    base: Callable[..., Union[str, RunConfig]]
    keys: Tuple[str, ...] = ("neuron",)
    grid: Union[Mapping[str, Sequence], Sequence[Mapping]] = field(default_factory=dict)
    fixed: bool = False
    defaults: Mapping[str, Any] = field(default_factory=lambda: {"neuron": "lif"})
    axes: Mapping[str, Callable] = field(default_factory=dict)
    rename: Optional[Callable[..., str]] = None
    changes: Mapping[str, Any] = field(default_factory=dict)
    switch_to: str = "clif"
    description: str = ""

    # ------------------------------------------------------------------------------------------------------
    def _full(self, cell: Mapping) -> dict:
        full = {**self.defaults, **cell}
        missing = [k for k in self.keys if k not in full]
        if missing:
            raise ValueError(f"family {self.name!r}: the cell {dict(cell)!r} needs {missing} (keys {list(self.keys)})")
        return full

    def base_of(self, **cell) -> Union[str, RunConfig]:
        """The registry name (or config) the cell starts from."""
        full = self._full(cell)
        return self.base(**{k: full[k] for k in self.keys})

    def base_name(self, **cell) -> Optional[str]:
        """The registry name the cell starts from (None when the family's base is not a registered config)."""
        b = self.base_of(**cell)
        return b if isinstance(b, str) else None

    def _lookup(self, base: Union[str, RunConfig], cell: Mapping) -> RunConfig:
        if isinstance(base, RunConfig):
            return base.replace(**self.changes) if self.changes else base
        from snnlab.experiments.registry import get, names

        if base not in names():
            grid = self.grid if isinstance(self.grid, Mapping) else list(self.grid)
            raise ValueError(f"family {self.name!r}: the cell {dict(cell)!r} is not a registered config ({base!r} "
                             f"does not exist); the family's cells: {grid}; list them with "
                             f"`python -m snnlab configs '{self.name}*'`")
        return get(base).replace(**self.changes) if self.changes else get(base)

    def config(self, **cell) -> RunConfig:
        """The ``RunConfig`` of one cell (see the module docstring)."""
        full = self._full(cell)
        cfg = self._lookup(self.base(**{k: full[k] for k in self.keys}), cell)
        if self.fixed:
            self._check_fixed(cfg, full)
            return cfg
        rest = {k: v for k, v in full.items() if k not in self.keys}
        ch = cell_changes(cfg, rest, switch_params=lambda: self._switch_params(full), axes=self.axes,
                          switch_to=self.switch_to)
        if self.rename is not None:
            new = self.rename(**full)
            if new != cfg.name:
                ch["name"] = new
        return cfg.replace(**ch) if ch else cfg

    __call__ = config

    def _check_fixed(self, cfg: RunConfig, cell: Mapping) -> None:
        """Every value of the cell (keys included: a cross-check of the name functions) must hold in ``cfg``."""
        have = cell_of(cfg)
        for key, want in cell.items():
            if key in self.axes or (key in ("T", "tau") and cfg.neuron == "relu"):
                continue
            if want is None and key not in ("k_trunc", "switch_epoch"):
                continue  # None = whatever the registered config has
            if key == "k_trunc":
                ok = _same_k(cfg, want)
            elif key == "tau":
                ok = have["tau"] is not None and float(want) == have["tau"]
            elif key in have:
                ok = want == have[key]
            else:
                ok = not cell_changes(cfg, {key: want})
            if not ok:
                raise ValueError(f"family {self.name!r}: the registry's {cfg.name} has {key} = {have.get(key, '?')!r}, "
                                 f"the cell asks for {want!r}; use the registered grid ({self.grid}) or list it with "
                                 f"`python -m snnlab configs '{self.name}*'`")

    def _switch_params(self, cell: Mapping) -> Mapping:
        if "neuron" in self.keys:
            target = self.base(**{**{k: cell[k] for k in self.keys}, "neuron": self.switch_to})
            return self._lookup(target, cell).neuron_params
        from snnlab.experiments.registry import paper_neuron_params

        return paper_neuron_params("quick", self.switch_to)

    def cells(self) -> List[dict]:
        """The family's cells in a fixed order (the grid's key order, values in the order given)."""
        if isinstance(self.grid, Mapping):
            keys = list(self.grid)
            return [dict(zip(keys, vals)) for vals in itertools.product(*(self.grid[k] for k in keys))]
        return [dict(c) for c in self.grid]

    def configs(self) -> List[RunConfig]:
        """The config of every cell of ``grid``."""
        return [self.config(**c) for c in self.cells()]


# ---------------------------------------------------------------------------------------------------- builders
def derived(name: str, prefix: Optional[str] = None, **kw) -> Family:
    """A derived family whose base per neuron is the registered ``<prefix>-<neuron tag>`` (prefix = name)."""
    prefix = prefix or name
    return Family(name=name, base=lambda neuron: f"{prefix}-{neuron_tag(neuron)}", keys=("neuron",), **kw)


def pattern(template: str, name: Optional[str] = None, **kw) -> Family:
    """A derived family from a name template with ``{neuron}`` (``"klif-fmnist-plifnet-{neuron}-T8"``)."""
    if "{neuron}" not in template:
        raise ValueError(f"pattern {template!r} must contain '{{neuron}}', e.g. 'quick-klif-fmnist-{{neuron}}'")
    return Family(name=name or template, base=lambda neuron: template.format(neuron=neuron), keys=("neuron",), **kw)


# ---------------------------------------------------------------------------------------------------- registry
def register_family(fam: Family) -> Family:
    if fam.name in _FAMILIES:
        raise ValueError(f"family {fam.name!r} registered twice")
    _FAMILIES[fam.name] = fam
    return fam


def family_names(pattern_: Optional[str] = None) -> List[str]:
    """Registered family names (``fnmatch`` pattern)."""
    _ensure_registry()
    out = sorted(_FAMILIES)
    return fnmatch.filter(out, pattern_) if pattern_ else out


def family(name: Union[str, Family]) -> Family:
    """The family ``name``: registered, a ``{neuron}`` pattern, or derived from per-neuron registry configs."""
    if isinstance(name, Family):
        return name
    _ensure_registry()
    if name in _FAMILIES:
        return _FAMILIES[name]
    if "{neuron}" in name:
        return pattern(name)
    from snnlab.experiments.registry import names

    registered = set(names(f"{name}-*"))
    if any(f"{name}-{neuron_tag(n)}" in registered for n in ("lif", "plif", "klif", "glif", "clif", "ilif", "relu")):
        return derived(name)
    close = fnmatch.filter(_FAMILIES, f"*{name}*")[:10]
    raise ValueError(f"config family {name!r} is not known; registered families: "
                     f"{close or sorted(_FAMILIES)}; a derived family needs registered configs '<family>-<neuron>' "
                     "and a pattern contains '{neuron}' (e.g. 'quick-klif-fmnist-{neuron}')")


def resolve(family_: Union[str, Family], **cell) -> RunConfig:
    """The ``RunConfig`` of one cell of a family: ``resolve("clif-fig2a-snn5", tau=1.5, k_trunc=2)``."""
    return family(family_).config(**cell)


def _ensure_registry() -> None:
    import snnlab.experiments.registry  # noqa: F401 - registers the built-in families on import
